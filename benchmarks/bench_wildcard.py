"""Wildcard benchmark: adversarial globs that make backtracking matchers explode.

    python benchmarks/bench_wildcard.py [--repeat 5]

Each case matches one pattern against one 100,000-character value and prints
the fastest of `--repeat` runs, with the compile (memoised after the first
call) and without.  The issue's target is the first two cases under 50 ms.
The exit code is 0 even when a target is missed, since timings depend on
the machine.
"""

from __future__ import annotations

import argparse
import time

from iamdsl.engine.wildcard import compile_glob, glob_match

TARGET_MS = 50.0
STARS = "*a" * 2500  # 5,000 characters: 2,500 stars, each followed by `a`

CASES = (
    # (name, pattern, value, expected, has a target)
    ("*a x2500 vs a..ab (no match)", STARS, "a" * 99_999 + "b", False, True),
    ("*a x2500 vs a..a (match)", STARS, "a" * 100_000, True, True),
    ("*a x2500 + * vs a..ab (match)", STARS + "*", "a" * 99_999 + "b", True, False),
    # A middle segment that almost occurs everywhere: the search must not restart at each place.
    ("*aaaa…ab* (50) vs a..a (no match)", "*" + "a" * 49 + "b*", "a" * 100_000, False, False),
    ("*a?a?…ab* (50) vs a..a (no match)", "*" + "a?" * 24 + "ab*", "a" * 100_000, False, False),
    ("*?a x2500 vs a..a (match)", "*?a" * 2500, "a" * 100_000, True, False),
)


def _best(repeat: int, run) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    missed = []
    for name, pattern, value, expected, targeted in CASES:
        assert glob_match(pattern, value) is expected, name

        def cold(pattern=pattern, value=value) -> None:
            compile_glob.cache_clear()
            glob_match(pattern, value)

        def warm(pattern=pattern, value=value) -> None:
            glob_match(pattern, value)

        cold_ms, warm_ms = _best(args.repeat, cold), _best(args.repeat, warm)
        mark = ""
        if targeted:
            mark = "ok" if cold_ms < TARGET_MS else f"MISSED (target {TARGET_MS:.0f} ms)"
            if cold_ms >= TARGET_MS:
                missed.append(name)
        print(f"{name:36} compile+match {cold_ms:8.2f} ms   match {warm_ms:8.2f} ms   {mark}")
    print("all targets met" if not missed else f"missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
