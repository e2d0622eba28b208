"""`iamdsl query FILE… QUERY`: ask the model a question (design.md §3).

`can P V R` answers with the decision, its explanation and, for a denial, the
fix.  `who can V R` lists every principal that can, symbolic ones included.
`what can P do [on R]` lists the actions, per resource.  `how can P reach R`
lists the paths through other principals, up to `--depth` steps.

Exit codes: 0 allowed (or answered), 1 denied, 2 bad input, 3 conditional or partial.
"""

from __future__ import annotations

import argparse
import sys

from iamdsl.answers import answer
from iamdsl.commands import common
from iamdsl.graph.paths import DEFAULT_DEPTH
from iamdsl.language.errors import IamdslError


def register(commands) -> None:
    parser = commands.add_parser(
        "query",
        help="ask a question: can / who can / what can / how can",
        description=(
            "Ask the model a question, in the query syntax: "
            "`can P VERB-OR-ACTION R [with KEY = V, no KEY] [as session \"name\" {…}]`, "
            "`who can VERB R`, `what can P do [on R]`, `how can P reach R`. "
            "Exit codes: 0 allowed or answered, 1 denied, 2 bad input, 3 conditional or partial."
        ),
    )
    parser.add_argument("items", nargs="+", metavar="FILE… QUERY", help=".iam files, then the query as one argument")
    common.add_model_options(parser)
    common.add_explain_option(parser, default="summary")
    parser.add_argument(
        "--depth", type=_depth, default=DEFAULT_DEPTH, metavar="N",
        help=f"the longest path (in become edges: assume-role, PassRole, …) that `how can`, `who can` and a denied `can` follow (default {DEFAULT_DEPTH})",
    )
    parser.set_defaults(run=run)


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps, got {text!r}") from None
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"a depth from 0 to 10, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    if len(args.items) < 2:
        print("iamdsl query: error: give the .iam files and then the query, e.g. "
              "`iamdsl query design.iam \"can B.SomeRole pull A.repo\"`", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    *files, text = args.items
    try:
        loaded = common.load(files, args)
        rendered, code = answer(
            loaded.model, text, explain=args.explain, fmt=args.format, now=args.now, sources=loaded.sources, depth=args.depth
        )
    except IamdslError as error:
        if not error.sources:
            error.sources = {"<query>": text}
        return common.report_error(error, args.format)
    print(rendered)
    return code
