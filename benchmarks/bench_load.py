"""Load benchmark: how long a large organization takes to parse and check, and its memory.

    python benchmarks/bench_load.py [--sizes 10000,100000] [--seed 1] [--repeat 1]

For each size, `iamdsl.testing.generator.write_org` writes a synthetic
organization into a temporary directory.  Every measurement then runs in a
fresh interpreter, so imports and in-process caches are cold:

- cold: `load_paths(files)` with no model cache (lark's own grammar cache is
  allowed, and primed once beforehand).  Reported as the whole child process
  (interpreter start, imports, load, exit) and as the load call alone.
- peak: the child's peak resident memory (`ru_maxrss`).
- warm: `load_paths(files, cache_dir=…)` after an earlier process filled the
  content-hashed cache, again as the whole process and as the call alone.
- cpu: the CPU time of the load call, steadier than wall time on a busy machine.

With `--repeat N` each figure is the fastest of N runs.  The targets of the
issue are checked at the end; the exit code is 0 even when one is missed,
since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024

# (size, what, limit, unit): the targets of the issue
TARGETS = (
    (10_000, "cold_total", 3.0, "s"),
    (10_000, "cold_load", 3.0, "s"),
    (100_000, "cold_peak_mb", 1536.0, "MB"),
    (100_000, "warm_load", 5.0, "s"),
)


def child(mode: str, paths: list[str], cache_dir: str | None) -> None:
    """Run in the fresh interpreter: import, load once, print the figures as JSON."""
    import resource

    started = time.perf_counter()
    from iamdsl.language.loader import load_paths

    imported = time.perf_counter()
    cpu = time.process_time()
    loaded = load_paths(paths, cache_dir=cache_dir)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    if sys.platform == "darwin":
        peak //= 1024  # macOS reports bytes
    print(json.dumps({
        "mode": mode,
        "import": imported - started,
        "load": finished - imported,
        "cpu": cpu,
        "peak": peak,
        "iam_statements": loaded.model.statement_count(),
        "warnings": len(loaded.warnings),
    }))


def run_child(mode: str, paths: list[Path], cache_dir: Path | None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    command += [str(p) for p in paths]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    total = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the {mode} load failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["total"] = total
    return figures


def best(runs: list[dict]) -> dict:
    """The fastest run's times, and the largest peak (memory is not a race)."""
    fastest = min(runs, key=lambda r: r["total"])
    return {
        **fastest,
        "load": min(r["load"] for r in runs),
        "cpu": min(r["cpu"] for r in runs),
        "peak": max(r["peak"] for r in runs),
    }


def measure(size: int, seed: int, repeat: int, workdir: Path) -> dict:
    from iamdsl.testing.generator import write_org

    directory = workdir / f"org-{size}"
    written = time.perf_counter()
    paths = write_org(directory, statements=size, seed=seed)
    written = time.perf_counter() - written
    main = [paths[0]]  # the main file includes the parts
    cold = best([run_child("cold", main, None) for _ in range(repeat)])
    cache = workdir / f"cache-{size}"
    run_child("fill", main, cache)
    warm = best([run_child("warm", main, cache) for _ in range(repeat)])
    return {
        "statements": size,
        "files": len(paths),
        "megabytes": sum(p.stat().st_size for p in paths) / MB,
        "write": written,
        "iam_statements": cold["iam_statements"],
        "cold_total": cold["total"],
        "cold_import": cold["import"],
        "cold_load": cold["load"],
        "cold_cpu": cold["cpu"],
        "cold_peak_mb": cold["peak"] / MB,
        "warm_total": warm["total"],
        "warm_load": warm["load"],
        "warm_cpu": warm["cpu"],
        "warm_peak_mb": warm["peak"] / MB,
        "cache_mb": sum(p.stat().st_size for p in cache.iterdir()) / MB,
    }


COLUMNS = (
    ("statements", "DSL stmts", "{:,}"),
    ("iam_statements", "IAM stmts", "{:,}"),
    ("files", "files", "{}"),
    ("megabytes", "text MB", "{:.1f}"),
    ("cold_total", "cold total s", "{:.2f}"),
    ("cold_import", "import s", "{:.2f}"),
    ("cold_load", "cold load s", "{:.2f}"),
    ("cold_cpu", "(cpu s)", "{:.2f}"),
    ("cold_peak_mb", "cold peak MB", "{:.0f}"),
    ("warm_total", "warm total s", "{:.2f}"),
    ("warm_load", "warm load s", "{:.2f}"),
    ("warm_cpu", "(cpu s)", "{:.2f}"),
    ("warm_peak_mb", "warm peak MB", "{:.0f}"),
    ("cache_mb", "cache MB", "{:.1f}"),
)


def table(rows: list[dict]) -> str:
    cells = [[title for _, title, _ in COLUMNS]] + [[form.format(row[key]) for key, _, form in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def verdicts(rows: list[dict]) -> list[str]:
    by_size = {row["statements"]: row for row in rows}
    found = []
    for size, key, limit, unit in TARGETS:
        row = by_size.get(size)
        if row is None:
            continue
        value = row[key]
        verdict = "met" if value < limit else "MISSED"
        found.append(f"{size:>7,} statements: {key} {value:.2f} {unit} (target < {limit:g} {unit}): {verdict}")
    return found


def prime_lark_cache(workdir: Path) -> None:
    """Build lark's grammar cache once, so no measured run pays for it."""
    sample = workdir / "prime.iam"
    sample.write_text("account A 111111111111\n", encoding="utf-8")
    run_child("prime", [sample], None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated statement counts (default: 10000,100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is reported")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.paths, args.cache_dir)
        return 0
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    with tempfile.TemporaryDirectory(prefix="iamdsl-bench-") as temporary:
        workdir = Path(temporary)
        prime_lark_cache(workdir)
        rows = []
        for size in sizes:
            rows.append(measure(size, args.seed, max(1, args.repeat), workdir))
            if not args.json:
                print(f"measured {size:,} statements", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(table(rows))
    print()
    print(f"python {sys.version.split()[0]} on {sys.platform}; seed {args.seed}; fastest of {max(1, args.repeat)}")
    for line in verdicts(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
