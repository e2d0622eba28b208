"""Import benchmark: `iamdsl import authz` of a large authorization-details document.

    python benchmarks/bench_import.py [--megabytes 50] [--seed 1] [--repeat 1] [--json]

It writes, into a temporary directory, an account's
`get-account-authorization-details` output of about `--megabytes` MB
(`iamdsl.testing.aws_data.synthetic_authz`, printed as the AWS CLI prints
it: four-space indents), then runs `iamdsl import authz FILE -o OUT.iam` in
a fresh interpreter and reports:

- the wall time of the whole command (interpreter start, imports, reading,
  checking every policy, writing the .iam file), and its CPU time;
- the command's peak resident memory (`ru_maxrss` of that child alone);
- the size of the document and of the .iam file, and what was imported.

With `--repeat N` the figures are the fastest (and the smallest peak) of N
runs.  The targets of the issue are checked at the end; the exit code is 0
even when one is missed, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
TARGET_SECONDS, TARGET_PEAK_MB = 30.0, 2048.0


def write_document(path: Path, megabytes: float, seed: int) -> dict:
    """Write a document of about `megabytes` MB; the number of roles is found from a small sample."""
    sys.path.insert(0, str(ROOT))
    from iamdsl.testing.aws_data import dumps, synthetic_authz

    sample = len(dumps(synthetic_authz(roles=200, seed=seed)))
    roles = max(1, round(200 * megabytes * MB / sample))
    text = dumps(synthetic_authz(roles=roles, seed=seed))
    path.write_text(text, encoding="utf-8")
    return {"roles": roles, "bytes": len(text.encode("utf-8"))}


def measure(document: Path, output: Path) -> dict:
    """Run the import under os.wait4, which gives this one child's resource use."""
    command = [sys.executable, "-m", "iamdsl", "import", "authz", str(document), "-o", str(output)]
    started = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=null, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"the import failed ({process.returncode}):\n{stderr}")
    peak = usage.ru_maxrss * 1024 if sys.platform != "darwin" else usage.ru_maxrss  # Linux reports KiB
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": peak, "summary": stderr.strip().splitlines()[-2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=50.0, help="size of the document (default: 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="report the best of N runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iamdsl-bench-import-") as directory:
        document = Path(directory) / "authz.json"
        output = Path(directory) / "account.iam"
        made = write_document(document, args.megabytes, args.seed)
        runs = [measure(document, output) for _ in range(args.repeat)]
        figures = {
            "document_mb": made["bytes"] / MB,
            "roles": made["roles"],
            "wall_s": min(r["wall"] for r in runs),
            "cpu_s": min(r["cpu"] for r in runs),
            "peak_mb": min(r["peak"] for r in runs) / MB,
            "output_mb": output.stat().st_size / MB,
            "imported": runs[0]["summary"],
        }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"document: {figures['document_mb']:.1f} MB, {figures['roles']} roles (seed {args.seed})")
    print(f"imported: {figures['imported']}")
    print(f"iamdsl import authz: {figures['wall_s']:.2f} s wall, {figures['cpu_s']:.2f} s CPU, peak {figures['peak_mb']:.0f} MB;"
          f" wrote {figures['output_mb']:.1f} MB of .iam")
    print()
    for what, value, limit, unit in (("wall time", figures["wall_s"], TARGET_SECONDS, "s"), ("peak memory", figures["peak_mb"], TARGET_PEAK_MB, "MB")):
        verdict = "met" if value < limit else "MISSED"
        print(f"target {what} under {limit:g} {unit}: {verdict} ({value:.1f} {unit})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
