"""Specs benchmark: `check` of 10,000 expect lines, and `fmt` of a 10,000-statement file.

    python benchmarks/bench_specs.py [--statements 10000] [--expectations 10000] [--failures 100] [--seed 1] [--repeat 1]

The model is a synthetic organization from `iamdsl.testing.generator`
(`--statements` DSL statements, one file).  The expect lines are drawn over
its principals (roles and users, of any account) and resources (verbs and
actions that act on each resource's type, objects of buckets included), and
are then made true: each is decided once beforehand, and written as
`expect can` when the answer is ALLOWED, `expect cannot` when it is denied
in every context (CONDITIONAL and PARTIAL answers are left out).  Half the
candidates restate grants of the principals' own policies, so a good share
is allowed.  Every line pins the context (`CONTEXT`).  So the run
is what CI sees on a green build.  A second file makes `--failures` of them
wrong, to price the explanations and fixes of failures.

Figures (wall clock, fastest of `--repeat`; CPU time is steadier on a busy machine):

- `check, loaded model`: `run_all` over every expect line, in process, on a
  model already loaded (load NOT included), as the issue's target asks;
- `check, with failures`: the same, with `--failures` lines wrong (their
  explanations and fixes rendered too, as `iamdsl check` prints them);
- `coverage`: the traced run that coverage needs, and `specs.coverage.measure`;
- `load`: `load_paths` of the model and its expect lines (no model cache);
- `iamdsl check` cold / warm: the whole command in a fresh process
  (interpreter start, imports, load, run, output), with no model cache, and
  with a model cache an earlier run filled (load included in both);
- `fmt, in process`: formatting the 10,000-statement file as `iamdsl fmt` does;
- `iamdsl fmt --check`: the whole command in a fresh process.

The targets: check of 10,000 expect lines on a loaded model under 3 s; fmt of
a 10,000-statement file under 3 s.  The exit code is 0 even when one is
missed, since timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The context a spec file pins, so that the generator's guardrails (a region lock, MFA,
# network conditions) decide rather than leave the answer CONDITIONAL.
CONTEXT = 'with aws:RequestedRegion = "us-east-1", aws:MultiFactorAuthPresent = "true", aws:SourceIp = 10.1.2.3, no aws:SourceVpce'
TARGETS = (("check_loaded", 3.0), ("fmt_in_process", 3.0))


# ---------------------------------------------------------------- the expect lines


def _candidates(model, rng: random.Random, count: int) -> list[str]:
    """`count` expect-line bodies (`SUBJECT ACTION RESOURCE`) over the model's principals and resources.

    Half restate a grant of a principal's own policies (its actions on a
    declared resource), so that many are allowed, as in a real spec file;
    half are drawn at random (a verb or action that acts on the resource's
    type), and most of those are denied.
    """
    from iamdsl.model import Effect, PrincipalKind
    from iamdsl.testing.vocabulary import RESOURCE_KINDS

    kinds = {kind.type: kind for kind in RESOURCE_KINDS}
    names_by_arn = {r.arn: name for name, r in model.resources.items()}
    subjects = [name for name, e in model.principals.items() if e.kind is not PrincipalKind.GROUP]
    grants: list[str] = []
    for name in subjects:
        for policy in model.principals[name].inline_policies:
            for statement in policy.statements:
                if statement.effect is not Effect.ALLOW or not statement.actions or not statement.resources:
                    continue
                for action in statement.actions:
                    for arn in statement.resources:
                        if "*" in action:
                            continue
                        if arn in names_by_arn:
                            grants.append(f"{name} {action} {names_by_arn[arn]}")
                        elif arn.endswith("/*") and arn[:-2] in names_by_arn:
                            grants.append(f'{name} {action} {names_by_arn[arn[:-2]]}/"objects/{len(grants)}.json"')
    by_account: dict[str, list[str]] = {}
    for name in subjects:
        by_account.setdefault(name.split(".", 1)[0], []).append(name)
    resources = [(name, kinds[f"{r.service}:{r.type}"]) for name, r in model.resources.items() if f"{r.service}:{r.type}" in kinds]
    found = []
    for index in range(count):
        if grants and rng.random() < 0.5:
            found.append(rng.choice(grants))
            continue
        name, kind = rng.choice(resources)
        home = by_account.get(name.split(".", 1)[0])
        # Mostly callers of the resource's own account, where grants are dense; some from anywhere.
        subject = rng.choice(home) if home and rng.random() < 0.7 else rng.choice(subjects)
        simple = [a for a in kind.verbs + kind.actions if "*" not in a]
        children = [a for a in kind.child_actions if "*" not in a]
        if children and rng.random() < 0.3:
            found.append(f'{subject} {rng.choice(children)} {name}/"objects/{index}.json"')
        else:
            found.append(f"{subject} {rng.choice(simple)} {name}")
    return found


def make_expectations(model_path: Path, count: int, seed: int) -> list[str]:
    """`count` true expect lines: each decided once, written as `can` or `cannot`; undecided ones dropped."""
    from iamdsl.engine.evaluate import Evaluator, Outcome
    from iamdsl.language.loader import load_paths
    from iamdsl.specs.expectations import run_expectation

    model = load_paths([model_path]).model
    rng = random.Random(seed)
    kept: list[str] = []
    draft = model_path.with_name("draft.iam")
    while len(kept) < count:
        bodies = _candidates(model, rng, int((count - len(kept)) * 1.5) + 10)
        bodies = [f"{body} {CONTEXT}" for body in bodies]
        draft.write_text("".join(f"expect can {body}\n" for body in bodies), encoding="utf-8")
        drafted = load_paths([model_path, draft]).model
        evaluator = Evaluator(drafted)
        for body, expectation in zip(bodies, drafted.expectations):
            outcome = run_expectation(drafted, expectation, evaluator, trace=False).decision.outcome
            if outcome is Outcome.ALLOWED:
                kept.append(f"expect can {body}")
            elif outcome.denied:
                kept.append(f"expect cannot {body}")
            if len(kept) == count:
                break
    draft.unlink()
    return kept


def with_failures(lines: list[str], failures: int, seed: int) -> list[str]:
    """The same lines with `failures` of them turned into their opposite."""
    wrong = set(random.Random(seed).sample(range(len(lines)), min(failures, len(lines))))
    flipped = {"expect can ": "expect cannot ", "expect cannot ": "expect can "}
    out = []
    for index, line in enumerate(lines):
        if index in wrong:
            head = "expect cannot " if line.startswith("expect cannot ") else "expect can "
            line = flipped[head] + line[len(head):]
        out.append(line)
    return out


# ---------------------------------------------------------------- measuring


def _timed(action) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu, result


def _best(runs: list[tuple[float, float, object]]) -> tuple[float, float, object]:
    return min(runs, key=lambda run: run[0])


def measure_check(model_path: Path, specs: Path, repeat: int, render_failures: bool) -> dict:
    """Load once (timed), then run every expect line on the loaded model (timed, load excluded)."""
    import io
    from contextlib import redirect_stdout

    from iamdsl.engine.evaluate import Evaluator
    from iamdsl.language.loader import load_paths
    from iamdsl.specs import report
    from iamdsl.specs.coverage import measure
    from iamdsl.specs.expectations import Status, run_all

    load_wall, load_cpu, loaded = _best([_timed(lambda: load_paths([model_path, specs])) for _ in range(repeat)])
    gc.freeze()  # as the check command does once its model is loaded (commands/common.py)
    model = loaded.model

    def check():
        results = run_all(model, Evaluator(model))
        if render_failures:  # what `iamdsl check` prints for each failure: located message, explanation, fix
            with redirect_stdout(io.StringIO()):
                for result in results:
                    if result.status is Status.FAIL:
                        print(report.render_result(result, loaded.sources))
                        print(report.explain_failure(result, model, loaded.sources))
        return results

    wall, cpu, results = _best([_timed(check) for _ in range(repeat)])
    # coverage needs every decision's trace: the run it measures decides with the trace on
    cover_wall, _, coverage = _timed(lambda: measure(model, run_all(model, Evaluator(model), traced=True)))
    gc.unfreeze()
    return {
        "expectations": len(results),
        "failed": sum(r.status is Status.FAIL for r in results),
        "iam_statements": model.statement_count(),
        "load": load_wall,
        "load_cpu": load_cpu,
        "check": wall,
        "check_cpu": cpu,
        "coverage": cover_wall,
        "decisive_percent": coverage.decisive_percent,
    }


def run_command(argv: list[str], cache_dir: Path | None) -> float:
    env = dict(os.environ)
    if cache_dir is not None:
        env["IAMDSL_CACHE_DIR"] = str(cache_dir)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "iamdsl", *argv], capture_output=True, text=True, cwd=ROOT, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"`iamdsl {' '.join(argv)}` failed with {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def measure_fmt(model_path: Path, repeat: int) -> dict:
    from iamdsl.commands.fmt import format_file_text

    text = model_path.read_text(encoding="utf-8")
    wall, cpu, formatted = _best([_timed(lambda: format_file_text(text, str(model_path))) for _ in range(repeat)])
    return {"fmt_in_process": wall, "fmt_cpu": cpu, "fmt_changed": formatted != text, "megabytes": len(text) / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=10_000, help="DSL statements of the model (default: 10000)")
    parser.add_argument("--expectations", type=int, default=10_000, help="expect lines (default: 10000)")
    parser.add_argument("--failures", type=int, default=100, help="wrong expect lines in the second run (default: 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is reported")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)

    from iamdsl.testing.generator import org_text

    with tempfile.TemporaryDirectory(prefix="iamdsl-bench-specs-") as temporary:
        workdir = Path(temporary)
        model_path = workdir / "main.iam"
        model_path.write_text(org_text(args.statements, seed=args.seed), encoding="utf-8")
        prepared = time.perf_counter()
        lines = make_expectations(model_path, args.expectations, args.seed)
        prepared = time.perf_counter() - prepared
        passing, failing = workdir / "specs.iam", workdir / "failing.iam"
        passing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        failing.write_text("\n".join(with_failures(lines, args.failures, args.seed)) + "\n", encoding="utf-8")

        figures: dict = {"statements": args.statements, "prepare": prepared}
        green = measure_check(model_path, passing, repeat, render_failures=False)
        figures.update(green)
        figures["check_loaded"], figures["check_loaded_cpu"] = figures.pop("check"), figures.pop("check_cpu")
        red = measure_check(model_path, failing, repeat, render_failures=True)
        figures["check_with_failures"] = red["check"]
        figures["failed"] = red["failed"]
        argv_check = ["check", str(model_path), str(passing)]
        figures["command_check_cold"] = min(run_command(["check", "--no-cache", *argv_check[1:]], None) for _ in range(repeat))
        cache = workdir / "cache"
        run_command(argv_check, cache)  # fills the model cache
        figures["command_check_warm"] = min(run_command(argv_check, cache) for _ in range(repeat))
        figures["command_check_coverage_warm"] = min(run_command([*argv_check, "--coverage"], cache) for _ in range(repeat))
        figures.update(measure_fmt(model_path, repeat))
        figures["command_fmt_check"] = min(run_command(["fmt", "--check", str(model_path)], None) for _ in range(repeat))

    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(summary(figures, args, repeat))
    return 0


def summary(f: dict, args, repeat: int) -> str:
    lines = [
        f"model: {f['statements']:,} DSL statements ({f['iam_statements']:,} IAM), {f['megabytes']:.1f} MB of text; "
        f"{f['expectations']:,} expect lines, all true (made in {f['prepare']:.1f} s, not timed)",
        "",
        f"  check, loaded model (load not included)   {f['check_loaded']:6.2f} s   (cpu {f['check_loaded_cpu']:.2f} s)",
        f"  check, with {f['failed']} failures explained          {f['check_with_failures']:6.2f} s",
        f"  check with coverage (traced), loaded model {f['coverage']:6.2f} s   ({f['decisive_percent']:.1f}% decisive)",
        f"  load of model and expect lines             {f['load']:6.2f} s   (cpu {f['load_cpu']:.2f} s)",
        f"  `iamdsl check`, fresh process, no cache    {f['command_check_cold']:6.2f} s   (load included)",
        f"  `iamdsl check`, fresh process, warm cache  {f['command_check_warm']:6.2f} s   (load included)",
        f"  `iamdsl check --coverage`, warm cache      {f['command_check_coverage_warm']:6.2f} s",
        f"  fmt of the model, in process               {f['fmt_in_process']:6.2f} s   (cpu {f['fmt_cpu']:.2f} s)",
        f"  `iamdsl fmt --check`, fresh process        {f['command_fmt_check']:6.2f} s",
        "",
    ]
    for key, limit in TARGETS:
        verdict = "met" if f[key] < limit else "MISSED"
        lines.append(f"target: {key} {f[key]:.2f} s < {limit:g} s: {verdict}")
    lines.append(f"python {sys.version.split()[0]} on {sys.platform}; seed {args.seed}; fastest of {repeat}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
