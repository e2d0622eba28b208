"""Export benchmark: `iamdsl export` of a large synthetic organization, in both formats.

    python benchmarks/bench_export.py [--statements 10000] [--seed 0] [--repeat 1] [--json]

It writes an organization of about `--statements` DSL statements
(`iamdsl.testing.generator.write_org`) into a temporary directory, then, for
`--format iam-json` and `--format terraform`, runs `iamdsl export --no-cache
--placeholder-ids FILE DIR` in a fresh interpreter and reports the wall time
of the whole command (start, imports, load, checks, layout, writing the
directory), its CPU time, its peak resident memory (`ru_maxrss` of that
child) and what it wrote.  With `--repeat N` the figures are the fastest of N
runs.  It always exits 0: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_design(directory: Path, statements: int, seed: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from iamdsl.testing.generator import write_org

    paths = write_org(directory, statements=statements, seed=seed)
    return paths[0]


def measure(design: Path, export_format: str, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "iamdsl", "export", "--no-cache", "--placeholder-ids", "--format", export_format, str(design), str(out)]
    started = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=null, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export failed:\n{stderr[-2000:]}")
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "format": export_format,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "files": len(files),
        "mb_written": round(sum(p.stat().st_size for p in files) / 1024 / 1024, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        design = write_design(base / "design", args.statements, args.seed)
        results = []
        for export_format in ("iam-json", "terraform"):
            runs = [measure(design, export_format, base / "out") for _ in range(max(1, args.repeat))]
            best = min(runs, key=lambda r: r["wall_s"])
            best["cpu_s"] = min(r["cpu_s"] for r in runs)
            best["peak_mb"] = min(r["peak_mb"] for r in runs)
            results.append(best)
    if args.json:
        print(json.dumps({"statements": args.statements, "seed": args.seed, "results": results}, indent=2))
        return
    print(f"export of a synthetic organization of {args.statements:,} statements (seed {args.seed})")
    print(f"{'format':<10} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'files':>7} {'MB written':>11}")
    for r in results:
        print(f"{r['format']:<10} {r['wall_s']:>7} {r['cpu_s']:>7} {r['peak_mb']:>8} {r['files']:>7} {r['mb_written']:>11}")


if __name__ == "__main__":
    main()
