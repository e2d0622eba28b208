"""`iamdsl check FILE…`: validate the files, then run their `expect` lines.

The files are one model (includes followed).  Results are reported per file
of the `expect` line, then in total; `--format junit` writes a JUnit XML
report for CI, `--coverage` says which statements the expectations decided.

Exit codes: 0 all pass; 1 an expectation failed, no expectations under
`--fail-on-empty`, or decisive coverage below `--threshold`; 2 invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys

from iamdsl.commands import common
from iamdsl.engine.evaluate import Evaluator
from iamdsl.language.errors import IamdslError
from iamdsl.language.loader import Loaded
from iamdsl.model import Model
from iamdsl.specs import coverage as cov
from iamdsl.specs import report
from iamdsl.specs.expectations import ExpectationResult, Status, run_all
from iamdsl.specs.junit import to_junit


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number; give a percentage such as 80") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 100")
    return value


def register(commands) -> None:
    parser = commands.add_parser(
        "check",
        help="validate .iam files and run their expect lines",
        description=(
            "Validate .iam files, then run their expect lines. Exit codes: 0 all pass; 1 an expectation failed, "
            "no expectations under --fail-on-empty, or coverage below --threshold; 2 invalid input."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files, one model (includes are followed)")
    common.add_model_options(parser, formats=("text", "json", "junit"))
    common.add_explain_option(parser, default="denies")
    parser.add_argument("-v", "--verbose", action="store_true", help="show passing expectations too (and, with --coverage, every statement)")
    parser.add_argument("--fail-on-empty", action="store_true", help="exit 1 when the files hold no expect lines")
    parser.add_argument("--coverage", action="store_true", help="report which statements the expectations decided, matched or left unexercised")
    parser.add_argument(
        "--threshold", type=_percent, default=None, metavar="N",
        help="exit 1 when fewer than N%% of the statements are decisive (implies --coverage)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = common.load(args.files, args)
    except IamdslError as error:
        return common.report_error(error, "json" if args.format == "json" else "text")
    model = loaded.model
    evaluator = Evaluator(model, now=args.now)
    wants_coverage = args.coverage or args.threshold is not None
    results = run_all(model, evaluator, traced=wants_coverage)  # coverage reads every decision's trace
    coverage = cov.measure(model, results, evaluator.settings) if wants_coverage else None
    problems = _problems(args, results, coverage)
    if args.format == "json":
        print(json.dumps(_document(args, loaded, results, coverage, problems), indent=2))
    elif args.format == "junit":
        common.print_warnings(loaded)
        sys.stdout.write(to_junit(results, model, loaded.sources, mode=args.explain))
        if coverage is not None:  # the XML has no place for it; CI logs show stderr
            print(cov.render_text(coverage, loaded.sources, verbose=args.verbose), file=sys.stderr)
        for problem in problems:
            print(f"iamdsl: {problem}", file=sys.stderr)
    else:
        common.print_warnings(loaded)
        _print_text(args, loaded, results, coverage, problems)
    failed = any(r.status is Status.FAIL for r in results)
    return common.EXIT_FAILED if failed or problems else common.EXIT_OK


def _problems(args: argparse.Namespace, results: list[ExpectationResult], coverage: cov.CoverageReport | None) -> list[str]:
    """Why the run fails although no expectation did."""
    found = []
    if args.fail_on_empty and not results:
        found.append("no expectations, and --fail-on-empty asks for some")
    if coverage is not None and args.threshold is not None and coverage.decisive_percent < args.threshold:
        found.append(f"decisive coverage {coverage.decisive_percent:.1f}% is below the threshold of {args.threshold:g}%")
    return found


def _summary(model: Model, results: list[ExpectationResult]) -> dict:
    passed, failed = report.counts(results)
    return {
        "accounts": len(model.accounts),
        "principals": len(model.principals),
        "resources": len(model.resources),
        "policies": len(model.policies()),
        "statements": model.statement_count(),
        "expectations": len(results),
        "passed": passed,
        "failed": failed,
    }


def _document(
    args: argparse.Namespace, loaded: Loaded, results: list[ExpectationResult], coverage: cov.CoverageReport | None, problems: list[str]
) -> dict:
    document = {
        "valid": True,
        "files": list(args.files),
        "summary": _summary(loaded.model, results),
        "by_file": report.files_to_json(results),
        "diagnostics": [d.to_json() for d in loaded.diagnostics],
        "expectations": report.to_json(results, loaded.model),
        "problems": problems,
    }
    if coverage is not None:
        document["coverage"] = cov.to_json(coverage)
    return document


def _print_text(
    args: argparse.Namespace, loaded: Loaded, results: list[ExpectationResult], coverage: cov.CoverageReport | None, problems: list[str]
) -> None:
    model = loaded.model
    for result in results:
        if result.status is Status.FAIL:
            print(report.render_result(result, loaded.sources))
            explanation = report.explain_failure(result, model, loaded.sources, args.explain)
            if explanation:
                print(explanation)
            print()
        elif args.verbose:
            print(report.render_pass(result))
    if args.verbose and any(r.status is Status.PASS for r in results):
        print()
    if coverage is not None:
        print(cov.render_text(coverage, loaded.sources, verbose=args.verbose))
        print()
    for name, group in report.by_file(results).items():
        print(f"{name}: {report.summary_line(group)}")
    for problem in problems:
        print(f"iamdsl: {problem}")
    summary = _summary(model, results)
    counts = ", ".join(common.count(summary[k], k.rstrip("s")) for k in ("accounts", "principals", "resources", "statements"))
    expectations = f"{common.count(len(results), 'expectation')}: {report.summary_line(results)}" if results else "no expectations"
    print(f"total: {counts}; {expectations}")
