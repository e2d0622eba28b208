"""`iamdsl check FILE…`: validate the files, then run their `expect` lines.

Exit codes: 0 all pass, 1 an expectation failed, 2 invalid input.
"""

from __future__ import annotations

import argparse
import json

from iamdsl.commands import common
from iamdsl.engine.evaluate import Evaluator
from iamdsl.explain import text as explain_text
from iamdsl.explain.fix_lines import fix_lines
from iamdsl.explain.fixes import suggest
from iamdsl.language.errors import IamdslError
from iamdsl.specs import report
from iamdsl.specs.expectations import Status, run_all


def register(commands) -> None:
    parser = commands.add_parser(
        "check",
        help="validate .iam files and run their expect lines",
        description="Validate .iam files, then run their expect lines. Exit codes: 0 all pass, 1 an expectation failed, 2 invalid input.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files, one model (includes are followed)")
    common.add_model_options(parser)
    common.add_explain_option(parser, default="denies")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = common.load(args.files, args)
    except IamdslError as error:
        return common.report_error(error, args.format)
    model = loaded.model
    evaluator = Evaluator(model, now=args.now)
    results = run_all(model, evaluator)
    failed = [r for r in results if r.status is Status.FAIL]
    summary = {
        "accounts": len(model.accounts),
        "principals": len(model.principals),
        "resources": len(model.resources),
        "policies": len(model.policies()),
        "statements": model.statement_count(),
        "expectations": len(results),
        "passed": len(results) - len(failed),
        "failed": len(failed),
    }
    status = common.EXIT_FAILED if failed else common.EXIT_OK
    if args.format == "json":
        document = {
            "valid": True,
            "files": list(args.files),
            "summary": summary,
            "diagnostics": [d.to_json() for d in loaded.diagnostics],
            "expectations": report.to_json(results),
        }
        print(json.dumps(document, indent=2))
        return status
    common.print_warnings(loaded)
    for result in failed:
        print(report.render_result(result, loaded.sources))
        if result.decision is not None:
            fixes = fix_lines(suggest(result.decision, model)) if result.expectation.kind == "can" else None
            print(explain_text.render(result.decision, model, mode=args.explain, sources=loaded.sources, fixes=fixes))
        print()
    counts = ", ".join(common.count(summary[k], k.rstrip("s")) for k in ("accounts", "principals", "resources", "statements"))
    expectations = f"expectations: {report.summary_line(results)}" if results else "no expectations"
    print(f"{', '.join(args.files)}: {counts}; {expectations}")
    return status
