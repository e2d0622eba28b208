"""REPL benchmark: how soon the first prompt shows, and how fast completion answers.

    python benchmarks/bench_repl.py [--repeat 5] [--roles 10000] [--json]

1. Time to the first prompt: `python -m iamdsl repl examples/ecr_delegation.iam`
   runs in a pseudo-terminal made here (it answers the cursor-position requests
   a terminal answers), and the clock stops when `iamdsl> ` is drawn.  Measured
   with the checked-model cache (the default) and with `--no-cache`; lark's
   grammar cache is primed once beforehand.
2. Completion latency on a model with `--roles` roles, written by
   `iamdsl.testing.generator.render` (50 roles per account): the time of one
   `get_completions` call at typical cursor positions, and of the first call
   after a what-if change (which re-indexes the model's names).

Each figure is the median of `--repeat` runs (the fastest is shown too).  The
targets of the issue are checked at the end; the exit code is 0 even when one
is missed, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/ecr_delegation.iam"
PROMPT_TARGET_S = 0.5
COMPLETION_TARGET_MS = 50.0

# Where a person's cursor often is, on the generated model (accounts acct0001…, roles such as Auditor).
COMPLETION_INPUTS = (
    "can ",
    "can acct01",
    "can acct0100.",
    "can acct0100.Aud",
    "can acct0100.Auditor ",
    "can acct0100.Auditor s3:Get",
    "can acct0100.Auditor pull ",
    "role acct0002.New { allow pull on acct0003.",
    "role acct0002.New { allow pull on * when aws:Sou",
    "who can ",
    ":ex",
)


def time_to_prompt(extra: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting the REPL in a fresh pseudo-terminal until its prompt is drawn:
    wall-clock, and the CPU time the child used (steadier on a busy machine; the child
    idles once the prompt is up, and is stopped then)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    master, slave = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "iamdsl", "repl", EXAMPLE, *extra],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True,
    )
    os.close(slave)
    seen = ""
    try:
        while "iamdsl> " not in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen):
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise RuntimeError(f"no prompt within 30 s; the terminal shows {seen[-500:]!r}")
            chunk = os.read(master, 65536).decode("utf-8", "replace")
            if "\x1b[6n" in chunk:
                os.write(master, b"\x1b[1;1R")  # where the cursor is, as a terminal answers
            seen += chunk
        wall = time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def prompt_figures(repeat: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "TERM": "xterm-256color", "IAMDSL_DATA_DIR": scratch, "IAMDSL_CACHE_DIR": scratch}
        env.pop("PROMPT_TOOLKIT_NO_CPR", None)
        time_to_prompt([], env)  # primes lark's grammar cache and the model cache
        figures = {}
        for label, extra in (("model cache", []), ("no model cache", ["--no-cache"])):
            runs = [time_to_prompt(extra, env) for _ in range(repeat)]
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            figures[label] = {
                "median_s": statistics.median(walls),
                "fastest_s": min(walls),
                "median_cpu_s": statistics.median(cpus),
            }
        return figures


def completion_figures(roles: int, repeat: int) -> dict[str, object]:
    import gc

    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from iamdsl.repl.completer import create_completer
    from iamdsl.repl.session import Session
    from iamdsl.testing import generator, vocabulary

    accounts = max(2, roles // 50)
    sizes = generator.Sizes(roles=(50, 50), users=(0, 0), groups=(0, 0), resources=(2, 4), policies=(0, 1))
    text = generator.render(vocabulary.RandomPicker(1), accounts * 20, accounts, sizes)[generator.MAIN_FILE]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "org.iam"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        session = Session([str(path)])
        load_s = time.perf_counter() - started
        gc.freeze()  # as the REPL does after each line (app.py)
        completer = create_completer(session)

        def once(line: str) -> tuple[float, int]:
            began = time.perf_counter()
            found = list(completer.get_completions(Document(line), CompleteEvent(completion_requested=True)))
            return (time.perf_counter() - began) * 1000, len(found)

        first_ms, _ = once("can ")  # indexes the names (the REPL does this in a thread after each line)
        per_input = {}
        for line in COMPLETION_INPUTS:
            runs = [once(line) for _ in range(repeat)]
            per_input[line] = {
                "median_ms": statistics.median(r[0] for r in runs),
                "fastest_ms": min(r[0] for r in runs),
                "offered": runs[0][1],
            }
        started = time.perf_counter()
        change = session.execute("role acct0001.Benchmark { allow pull on * }")
        change_s = time.perf_counter() - started
        if not change.ok:
            raise RuntimeError(change.text)
        gc.freeze()
        after_change_ms, _ = once("can acct0001.Ben")
    return {
        "roles": len(session.model.principals),
        "load_s": load_s,
        "change_s": change_s,
        "first_ms": first_ms,
        "after_change_ms": after_change_ms,
        "inputs": per_input,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    prompt = prompt_figures(args.repeat)
    completion = completion_figures(args.roles, args.repeat)
    if args.json:
        print(json.dumps({"first_prompt": prompt, "completion": completion}, indent=2))
        return 0

    print(f"time to the first prompt: iamdsl repl {EXAMPLE}")
    for label, figure in prompt.items():
        print(f"  {label:<16} median {figure['median_s']:.3f} s   fastest {figure['fastest_s']:.3f} s   "
              f"(cpu median {figure['median_cpu_s']:.3f} s)")
    print(f"\ncompletion on {completion['roles']:,} principals (model loaded in {completion['load_s']:.1f} s)")
    print(f"  {'first call (indexes the names)':<52} {completion['first_ms']:7.1f} ms")
    print(f"  {'first call after a what-if change (re-indexes)':<52} {completion['after_change_ms']:7.1f} ms"
          f"  (the change itself took {completion['change_s']:.1f} s)")
    for line, figure in completion["inputs"].items():
        shown = repr(line)
        print(f"  {shown:<52} {figure['median_ms']:7.2f} ms  (fastest {figure['fastest_ms']:.2f}, {figure['offered']} offered)")

    worst_prompt = prompt["model cache"]["median_s"]
    worst_completion = max(f["median_ms"] for f in completion["inputs"].values())
    print("\ntargets:")
    print(f"  first prompt under {PROMPT_TARGET_S} s: {worst_prompt:.3f} s  {'met' if worst_prompt < PROMPT_TARGET_S else 'MISSED'}")
    print(f"  completion under {COMPLETION_TARGET_MS:.0f} ms on {completion['roles']:,} principals (slowest input): "
          f"{worst_completion:.2f} ms  {'met' if worst_completion < COMPLETION_TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
