"""Graph benchmarks on the scale organization: 200 accounts, 20,000 roles, 50,000 resources.

    python benchmarks/bench_graph.py [--workdir DIR] [--seed 0] [--statements 150000] [--only diff-identity,…] [--json]

`iamdsl.testing.generator.write_scale_org` writes the organization, and each
measurement makes its versions of it by editing the text (one DSL statement
each).  Every version is loaded once through the content-hashed model cache
(`--workdir` keeps the files and the cache, so a second run loads warm), and
every measurement then runs in a fresh interpreter that loads its models from
that cache: loading is not counted.  The action catalogue is read before the
clock starts, as an earlier command or a REPL session would have.  Each child
reports its time, the CPU time, and its peak resident memory (`ru_maxrss`,
the models it loaded included).

A measurement is a function that runs in the child (`MEASUREMENTS`): it gets
the loaded models and returns its figures.  To add one (the lead's `who can`,
for instance), write a `measure_…(models, args)` function and a line in
`MEASUREMENTS`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


# ---------------------------------------------------------------- the versions of the organization


@dataclass(frozen=True, slots=True)
class Version:
    name: str
    what: str  # the one statement that differs
    files: dict[str, str]  # file name -> text


def versions(base: dict[str, str]) -> dict[str, Version]:
    """The base organization and its edited versions, each one DSL statement away from the base."""
    found = {"base": Version("base", "the organization as generated", base)}
    account = "acct0042"
    part, text = _file_with(base, rf"^role {account}\.\w+ \{{")
    bucket = re.search(rf"^resource ({account}\.\w+) : s3:bucket \"[^\"]*\" \{{", text, re.M)
    roles = re.findall(rf"^role ({account}\.\w+) \{{", text, re.M)
    assert bucket and len(roles) > 1, "the scale organization declares roles and buckets in every account"
    caller = roles[0]
    # identity: one statement more in one role
    statement = f"allow read on {bucket.group(1)}"
    found["identity"] = Version("identity", f"`{statement}` added to role {caller}", {**base, part: _insert(text, rf"^role {re.escape(caller)} \{{\n", statement)})
    # resource: one statement more in one bucket's policy
    statement = "allow read to account acct0007"
    found["resource"] = Version("resource", f"`{statement}` added to {bucket.group(1)}'s policy",
                                {**base, part: _insert(text, rf"^resource {re.escape(bucket.group(1))} : [^\n]*\{{\n", statement)})
    # assume: one statement more that makes a become edge: a role of the account that trusts the account as a whole
    trusting = [r for r in roles[1:] if re.search(rf"^role {re.escape(r)} \{{\n(?:    [^\n]*\n)*?    trust \{{\n(?:        [^\n]*\n)*?        allow assume to account {account}\n", text, re.M)]
    target = trusting[0] if trusting else roles[1]
    statement = f"allow assume on {target}"
    found["assume"] = Version("assume", f"`{statement}` added to role {caller}", {**base, part: _insert(text, rf"^role {re.escape(caller)} \{{\n", statement)})
    return found


def _file_with(files: dict[str, str], pattern: str) -> tuple[str, str]:
    for name, text in files.items():
        if re.search(pattern, text, re.M):
            return name, text
    raise SystemExit(f"no file of the organization matches {pattern}")


def _insert(text: str, head: str, statement: str) -> str:
    """`statement` as the first line of the block whose head matches `head`."""
    match = re.search(head, text, re.M)
    assert match, head
    return text[: match.end()] + f"    {statement}\n" + text[match.end():]


def write(version: Version, directory: Path) -> list[Path]:
    target = directory / version.name
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in version.files.items():
        path = target / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- measurements (they run in the child)


def measure_diff(models: dict, args: dict) -> dict:
    """`diff(base, version)`: the incremental diff, access and become edges."""
    from iamdsl.graph.diff import diff

    base, other = models["base"], models[args["version"]]
    started, cpu = time.perf_counter(), time.process_time()
    found = diff(base, other)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "gained": len(found.gained) + len(found.gained_conditional),
        "lost": len(found.lost) + len(found.lost_conditional),
        "paths": len(found.paths_gained) + len(found.paths_gained_conditional) + len(found.paths_lost) + len(found.paths_lost_conditional),
        **{k: v for k, v in found.stats.items()},
    }


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    title: str
    run: Callable[[dict, dict], dict]
    versions: tuple[str, ...]  # the versions the child loads
    args: dict
    target_s: float | None  # the issue's target, if it sets one


MEASUREMENTS = (
    Measurement("diff-identity", "diff, one identity statement added to one role", measure_diff, ("base", "identity"), {"version": "identity"}, 5.0),
    Measurement("diff-resource", "diff, one resource-policy statement added", measure_diff, ("base", "resource"), {"version": "resource"}, 5.0),
    Measurement("diff-assume", "diff, one assume-role statement (a become edge)", measure_diff, ("base", "assume"), {"version": "assume"}, 5.0),
)


def child(name: str, paths: dict[str, str], cache: str) -> None:
    """In the fresh interpreter: load the versions from the cache, read the catalogue, measure, print JSON."""
    import gc
    import resource

    from iamdsl.language.loader import load_paths

    measurement = next(m for m in MEASUREMENTS if m.name == name)
    started = time.perf_counter()
    models = {version: load_paths([path], cache_dir=cache).model for version, path in paths.items()}
    loaded = time.perf_counter() - started
    gc.freeze()  # as the commands do once their models are loaded (commands/common.py)
    started = time.perf_counter()
    from iamdsl import catalog
    from iamdsl.graph.access import type_actions, wildcard_only_actions

    wildcard_only_actions()
    type_actions(catalog.resource_type("s3", "bucket"))  # the catalogue's action table, read once per process
    catalogue = time.perf_counter() - started
    figures = measurement.run(models, measurement.args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(json.dumps({"load_s": loaded, "catalogue_s": catalogue, "peak_mb": peak / MB, **figures}))


def run_child(measurement: Measurement, paths: dict[str, Path], cache: Path) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", measurement.name, "--cache-dir", str(cache)]
    command += [f"{version}={path}" for version, path in paths.items()]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{measurement.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fill_cache(paths: list[Path], cache: Path) -> float:
    """Load once in a child so that the cache holds the model; the time, for the notes (not a figure)."""
    code = "import sys; from iamdsl.language.loader import load_paths; load_paths([sys.argv[1]], cache_dir=sys.argv[2])"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(paths[0]), str(cache)], check=True, cwd=ROOT)
    return time.perf_counter() - started


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None, help="keep the organization and the model cache here (default: a temporary directory)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--statements", type=int, default=None, help="DSL statements (default: generator.SCALE_STATEMENTS)")
    parser.add_argument("--only", default=None, help="comma-separated measurement names")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, dict(p.split("=", 1) for p in args.paths), args.cache_dir)
        return

    from iamdsl.testing.generator import SCALE_ACCOUNTS, SCALE_STATEMENTS, scale_org_files

    statements = args.statements or SCALE_STATEMENTS
    chosen = [m for m in MEASUREMENTS if not args.only or m.name in args.only.split(",")]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="iamdsl-bench-graph-"))
    directory = workdir / f"scale-{args.seed}-{statements}"
    cache = workdir / "cache"
    started = time.perf_counter()
    all_versions = versions(scale_org_files(seed=args.seed, statements=statements))
    needed = {v for m in chosen for v in m.versions}
    mains: dict[str, Path] = {}
    notes = [f"organization: {SCALE_ACCOUNTS} accounts, 20,000 roles, 50,000 resources, {statements:,} DSL statements, seed {args.seed}"]
    for name in sorted(needed):
        mains[name] = write(all_versions[name], directory)[0]
    notes.append(f"written in {time.perf_counter() - started:.1f} s")
    for name in sorted(needed):
        seconds = fill_cache([mains[name]], cache)
        notes.append(f"version {name}: {all_versions[name].what}; loaded into the cache in {seconds:.1f} s (not counted)")
    results = []
    for measurement in chosen:
        figures = run_child(measurement, {v: mains[v] for v in measurement.versions}, cache)
        results.append({"name": measurement.name, "title": measurement.title, "target_s": measurement.target_s, **figures})
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps({"notes": notes, "results": results}, indent=2))
        return
    for note in notes:
        print(note)
    print()
    print(f"{'measurement':<52} {'time s':>7} {'cpu s':>7} {'peak MB':>8} {'asked':>7}  result")
    for row in results:
        met = "" if row["target_s"] is None else ("  (target met)" if row["seconds"] < row["target_s"] else "  (TARGET MISSED)")
        detail = f"+{row.get('gained', 0)} -{row.get('lost', 0)} requests, {row.get('paths', 0)} edges changed{met}"
        print(f"{row['title']:<52} {row['seconds']:>7.2f} {row['cpu']:>7.2f} {row['peak_mb']:>8.0f} {row.get('requests', 0):>7}  {detail}")
    print()
    print("time: the measured call alone, warm (models loaded from the cache, the catalogue read); peak: the child's ru_maxrss, its models included")
    for row in results:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in row.items() if k.endswith("_s") and k not in ("target_s",) and isinstance(v, float))
        print(f"  {row['name']}: {parts}; boxes {row.get('boxes')}, cells {row.get('cells')}, actors {row.get('actors')}")


if __name__ == "__main__":
    main()
