"""What the subcommands share: exit codes, common options, loading, error output.

Stage: the command-line shell.  Exit codes (design.md §4): 0 success, 1 a
failed expectation or a denied request, 2 bad input or usage (this wins over
everything else), 3 conditional or partial answers.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from datetime import datetime

from iamdsl.explain.text import MODES
from iamdsl.language.errors import IamdslError, render_json, render_text
from iamdsl.language.loader import Loaded, default_cache_dir, load_paths
from iamdsl.language.operators import parse_date

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


def instant(text: str) -> datetime:
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date; write an ISO 8601 instant such as 2026-01-31T00:00:00Z")
    return parsed


def add_model_options(parser: argparse.ArgumentParser, *, formats: tuple[str, ...] = ("text", "json"), default: str = "text") -> None:
    parser.add_argument("--format", choices=formats, default=default, help=f"output format (default: {default})")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the checked-model cache")
    parser.add_argument(
        "--now", type=instant, default=None, metavar="INSTANT",
        help="the value of aws:CurrentTime (ISO 8601); overrides the model's `now`; unknown if neither is set",
    )


def add_explain_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--explain", choices=MODES, default=default,
        help=f"how much of the reasoning to show (default: {default})",
    )


def load(files: list[str], args: argparse.Namespace) -> Loaded:
    cache = None if args.no_cache else default_cache_dir()
    loaded = load_paths(files, cache_dir=cache)
    # A command keeps its model until it exits: move it out of the collector's way, so that
    # evaluating many requests does not rescan millions of model objects (benchmarks/README.md).
    gc.freeze()
    return loaded


def report_error(error: IamdslError, fmt: str) -> int:
    """Print the findings of a failed load or query, and return exit code 2."""
    if fmt == "json":
        print(json.dumps({"valid": False, **json.loads(render_json(error.diagnostics))}, indent=2))
    else:
        print(render_text(error.diagnostics, error.sources), file=sys.stderr)
        count = len(error.errors)
        print(f"\n{count} error{'s' if count != 1 else ''}; nothing was decided", file=sys.stderr)
    return EXIT_BAD_INPUT


def print_warnings(loaded: Loaded) -> None:
    if loaded.diagnostics:
        print(render_text(loaded.diagnostics, loaded.sources), file=sys.stderr)
        print(file=sys.stderr)


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
