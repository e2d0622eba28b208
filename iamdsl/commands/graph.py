"""`iamdsl graph FILE…`: draw the model's Permissions Graph.

Mermaid (the default) and DOT are text; `svg` runs Graphviz's `dot`, and
says so clearly when it is not installed; `html` is one self-contained page
with the picture and every `expect` result; `json` is the graph as data.
`--principal` and `--resource` keep a big model's picture readable; `--with`
and `--without` give context, which turns conditional edges plain or removes
them.

Exit codes: 0 drawn; 2 invalid input, an unknown name, or no Graphviz for svg.
"""

from __future__ import annotations

import argparse
import json
import sys

from iamdsl.commands import common
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Evaluator
from iamdsl.fsutil import write_atomic
from iamdsl.graph.build import build_graph
from iamdsl.interop.dot import GraphvizFailed, GraphvizMissing, to_dot, to_svg
from iamdsl.interop.graph_json import graph_to_json
from iamdsl.interop.html import render_page
from iamdsl.interop.mermaid import to_mermaid
from iamdsl.language.errors import IamdslError
from iamdsl.specs.expectations import run_all

FORMATS = ("mermaid", "dot", "svg", "html", "json")


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or ":" not in key:
        raise argparse.ArgumentTypeError(f"`{text}` is not KEY=VALUE with a condition key such as aws:MultiFactorAuthPresent=true")
    return key, value.strip()


def _key(text: str) -> str:
    if ":" not in text:
        raise argparse.ArgumentTypeError(f"`{text}` is not a condition key such as aws:SourceVpce")
    return text.strip()


def register(commands) -> None:
    parser = commands.add_parser(
        "graph",
        help="draw the Permissions Graph: mermaid, dot, svg, html or json",
        description=(
            "Draw the model's Permissions Graph: principals and resources, and the edges the engine allows "
            "(access: Allow, Delegate, OwnedBy, Trust, Member; become: AssumeRole, PassRole, …). "
            "Conditional edges are dashed and carry their conditions. "
            "Exit codes: 0 drawn; 2 invalid input, an unknown name, or no Graphviz for --format svg."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files, one model (includes are followed)")
    common.add_model_options(parser, formats=FORMATS, default="mermaid")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT (atomically) instead of standard output")
    parser.add_argument(
        "--principal", action="append", metavar="P",
        help="only P (repeatable), whom it can become, and what they reach: B.SomeRole, B.root, anyone, service …",
    )
    parser.add_argument("--resource", action="append", metavar="R", help="only resource R (repeatable), and who reaches it")
    parser.add_argument(
        "--with", dest="given", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
        help="a context key's value (repeat a key for several values); keys not given stay unknown",
    )
    parser.add_argument("--without", dest="absent", action="append", type=_key, default=[], metavar="KEY", help="a context key that is absent")
    parser.set_defaults(run=run)


def context_of(given: list[tuple[str, str]], absent: list[str]) -> Context:
    values: dict[str, list[str]] = {}
    for key, value in given:
        values.setdefault(key, []).append(value)
    context = Context()
    for key, listed in values.items():
        context.set(key, Lookup.given(listed))
    for key in absent:
        context.set(key, Lookup.absent())
    return context


def run(args: argparse.Namespace) -> int:
    errors = "json" if args.format == "json" else "text"
    try:
        loaded = common.load(args.files, args)
    except IamdslError as error:
        return common.report_error(error, errors)
    model = loaded.model
    evaluator = Evaluator(model, now=args.now)
    try:
        graph = build_graph(
            model, evaluator=evaluator, context=context_of(args.given, args.absent), principals=args.principal, resources=args.resource
        )
    except IamdslError as error:  # an unknown --principal or --resource, or something not supported
        return common.report_error(error, errors)
    if args.format == "mermaid":
        text = to_mermaid(graph)
    elif args.format == "dot":
        text = to_dot(graph)
    elif args.format == "json":
        text = json.dumps(graph_to_json(graph), indent=2) + "\n"
    elif args.format == "svg":
        try:
            text = to_svg(to_dot(graph))
        except GraphvizMissing as error:
            return _fail(str(error), error.help)
        except GraphvizFailed as error:
            return _fail(str(error), "this is a bug in iamdsl's DOT output; use --format dot to see it")
    else:
        text = render_page(graph, model, run_all(model, evaluator), files=args.files, sources=loaded.sources)
    common.print_warnings(loaded)
    if args.output is None:
        sys.stdout.write(text)
        return common.EXIT_OK
    try:
        write_atomic(args.output, text)
    except OSError as error:
        return _fail(f"cannot write `{args.output}`: {error.strerror or error}", "nothing was written; check the path")
    return common.EXIT_OK


def _fail(message: str, help: str) -> int:
    print(f"iamdsl graph: error: {message}\nhelp: {help}", file=sys.stderr)
    return common.EXIT_BAD_INPUT
