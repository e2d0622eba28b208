"""`iamdsl repl [FILE…]` (and a bare `iamdsl` at a terminal): the interactive session.

At a terminal it opens the prompt_toolkit REPL (`iamdsl/repl/app.py`).  With
no terminal on standard input (a pipe, CI), nothing waits for keys: each
complete statement read from standard input is executed in turn and its
output printed, so `echo "can B.X pull A.repo" | iamdsl repl design.iam` works
and a script can never hang.

Exit codes: 0, or 2 when the files did not load or, without a terminal, a line
reported an error.

The heavy modules (the session, the loader, prompt_toolkit) are imported only
when the command runs, so that the first prompt comes quickly.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def register(commands) -> None:
    parser = commands.add_parser(
        "repl",
        help="explore a design interactively: ask, change it, ask again",
        description=(
            "Open an interactive session on the files: ask queries (`can B.SomeRole pull A.repo`), "
            "type declarations to change the model (what-if), and :save them when you want. "
            "Type :help inside for the commands. Without a terminal on standard input, the statements "
            "read from it are run in turn. Exit codes: 0, or 2 on bad input."
        ),
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help=".iam files, one model (includes are followed)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the checked-model cache")
    parser.add_argument(
        "--now", type=_instant, default=None, metavar="INSTANT",
        help="the value of aws:CurrentTime (ISO 8601); overrides the model's `now`; unknown if neither is set",
    )
    parser.set_defaults(run=run)


def _instant(text: str):
    from iamdsl.commands.common import instant

    return instant(text)


def run(args: argparse.Namespace) -> int:
    session = _session(args)
    if sys.stdin is None or not sys.stdin.isatty():
        return _batch(session, sys.stdin or ())
    from iamdsl.repl.app import run as run_app

    return run_app(session)


def _session(args: argparse.Namespace):
    from iamdsl.language.loader import default_cache_dir
    from iamdsl.repl.session import Session

    cache = None if args.no_cache else default_cache_dir()
    return Session(args.files, now=args.now, cache_dir=cache)


def _batch(session, stream) -> int:
    """Run each complete statement read from `stream`; 2 if any of them (or the files) failed."""
    failed = False
    if session.startup.text:
        _print(session.startup)
        failed = not session.startup.ok
    pending = ""
    for line in stream:
        pending += line
        if not session.complete_statement(pending):
            continue
        result = session.execute(pending)
        pending = ""
        _print(result)
        failed = failed or not result.ok
        if result.exit:
            break
    else:
        if pending.strip():  # the input ended inside a statement: run it, so its error shows
            result = session.execute(pending)
            _print(result)
            failed = failed or not result.ok
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _print(result) -> None:
    if result.text:
        print(result.text, file=sys.stdout if result.ok else sys.stderr, flush=True)
