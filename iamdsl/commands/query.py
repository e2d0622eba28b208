"""`iamdsl query FILE… QUERY`: ask the model a question (design.md §3).

`can P V R` answers with the decision, its explanation and, for a denial, the
fix.  `who can V R` lists every principal that can, symbolic ones included.
`what can P do [on R]` lists the actions, per resource.

Exit codes: 0 allowed (or answered), 1 denied, 2 bad input, 3 conditional or partial.
"""

from __future__ import annotations

import argparse
import json
import sys

from iamdsl.commands import common
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.verbs import evaluate_actions
from iamdsl.explain import text as explain_text
from iamdsl.explain.fix_lines import fix_lines, fix_to_json
from iamdsl.explain.fixes import suggest
from iamdsl.explain.json_output import decision_to_json
from iamdsl.explain.listing import render_what, render_who, what_to_json, who_to_json
from iamdsl.graph.access import principal_access
from iamdsl.graph.enumerate import who_can
from iamdsl.language.errors import IamdslError, NotSupportedError
from iamdsl.language.query import resolve_query_text
from iamdsl.specs.expectations import context_of


def register(commands) -> None:
    parser = commands.add_parser(
        "query",
        help="ask a question: can / who can / what can",
        description=(
            "Ask the model a question, in the query syntax: "
            "`can P VERB-OR-ACTION R [with KEY = V, no KEY] [as session \"name\" {…}]`, "
            "`who can VERB R`, `what can P do [on R]`. "
            "Exit codes: 0 allowed or answered, 1 denied, 2 bad input, 3 conditional or partial."
        ),
    )
    parser.add_argument("items", nargs="+", metavar="FILE… QUERY", help=".iam files, then the query as one argument")
    common.add_model_options(parser)
    common.add_explain_option(parser, default="summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if len(args.items) < 2:
        print("iamdsl query: error: give the .iam files and then the query, e.g. "
              "`iamdsl query design.iam \"can B.SomeRole pull A.repo\"`", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    *files, text = args.items
    try:
        loaded = common.load(files, args)
        resolved, warnings = resolve_query_text(loaded.model, text)
        if resolved.kind == "how":
            raise NotSupportedError(
                "`how can` needs the paths of the Permissions Graph (assume-role chains and escalation), which are not built yet",
                resolved.span,
                help="ask `can P VERB R`, `who can VERB R` or `what can P do on R`",
            )
        model = loaded.model
        evaluator = Evaluator(model, now=args.now)
        if resolved.kind == "can":
            return _can(args, loaded, evaluator, resolved)
        if resolved.kind == "who":
            reaches = who_can(model, evaluator, resolved.action, resolved.actions, resolved.resource, Context.from_values(resolved.context))
            if args.format == "json":
                print(json.dumps(who_to_json(resolved, reaches, model), indent=2))
            else:
                print(render_who(resolved, reaches, model))
            return common.EXIT_OK
        caller = caller_for(resolved.subject, model)
        found = principal_access(model, resolved.subject.name, caller, resource=resolved.resource, evaluator=evaluator)
        if args.format == "json":
            print(json.dumps(what_to_json(resolved, found, model), indent=2))
        else:
            print(render_what(resolved, found, model))
        return common.EXIT_OK
    except IamdslError as error:
        if not error.sources:
            error.sources = {"<query>": text}
        return common.report_error(error, args.format)


def _can(args, loaded, evaluator: Evaluator, resolved) -> int:
    model = loaded.model
    expectation = resolved.expectation
    caller = caller_for(expectation.subjects[0], model, expectation)
    decision = evaluate_actions(evaluator, caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation))
    fixes = suggest(decision, model) if decision.outcome is not Outcome.ALLOWED else []
    if args.format == "json":
        document = decision_to_json(decision, model)
        document["fixes"] = [fix_to_json(f) for f in fixes]
        print(json.dumps(document, indent=2))
    else:
        print(explain_text.render(decision, model, mode=args.explain, sources=loaded.sources, fixes=fix_lines(fixes)))
    if decision.outcome is Outcome.ALLOWED:
        return common.EXIT_OK
    if decision.outcome.denied:
        return common.EXIT_FAILED
    return common.EXIT_UNDECIDED
