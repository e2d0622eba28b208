"""`iamdsl lint FILE…`: the classic IAM mistakes, with a code, a level and a place each.

Exit codes: 0 no finding at or above `--fail-on`, 1 some, 2 invalid input.
"""

from __future__ import annotations

import argparse
import json

from iamdsl.commands import common
from iamdsl.language.errors import IamdslError
from iamdsl.specs.lint import Level, lint
from iamdsl.specs.lint.output import render_text, summary_line, to_json
from iamdsl.specs.lint.sarif import to_sarif


def register(commands) -> None:
    parser = commands.add_parser(
        "lint",
        help="find the classic IAM mistakes in .iam files",
        description="Find the classic IAM mistakes in .iam files (docs/lint.md lists every code). "
        "Silence one with a comment `# iamdsl: ignore[CODE]` on its line or the line before. "
        "Exit codes: 0 no finding at or above --fail-on, 1 some, 2 invalid input.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files, one model (includes are followed)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--fail-on", choices=[level.value for level in Level], default=Level.ERROR.value,
        help="exit 1 when a finding is at this level or above (default: error)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the checked-model cache")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = common.load(args.files, args)
    except IamdslError as error:
        return common.report_error(error, args.format)
    report = lint(loaded)
    fail_on = Level(args.fail_on)
    status = common.EXIT_FAILED if report.failing(fail_on) else common.EXIT_OK
    if args.format == "json":
        print(json.dumps(to_json(report, args.files, fail_on), indent=2))
    elif args.format == "sarif":
        print(json.dumps(to_sarif(report), indent=2))
    else:
        if report.findings:
            print(render_text(report, loaded.sources))
            print()
        print(f"{', '.join(args.files)}: {summary_line(report)}")
    return status
