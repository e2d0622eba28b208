"""Answers to queries: a model and a query's text -> the rendered answer and its exit code.

Stage: the shells' shared core (resolve the query -> engine or graph ->
explain).  `iamdsl query` prints what this returns, and the REPL shows it, so
both answer a question in the same words (design.md §3).

`can P V R` answers with the decision, its explanation and, for a denial, the
fix.  `who can V R` lists every principal that can, symbolic ones included.
`what can P do [on R]` lists the actions, per resource.  `how can P reach R`
lists the paths of the Permissions Graph (graph/paths.py), and a `can` that
is denied directly says so when a path reaches the access all the same.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Mapping

from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.shared import evaluator_for
from iamdsl.engine.verbs import VerbDecision, evaluate_actions
from iamdsl.explain import text as explain_text
from iamdsl.explain.fix_lines import fix_lines, fix_to_json
from iamdsl.explain.fixes import suggest
from iamdsl.explain.json_output import decision_to_json
from iamdsl.explain.listing import render_what, render_who, what_to_json, who_to_json
from iamdsl.graph.access import principal_access
from iamdsl.graph.become import Actor
from iamdsl.graph.enumerate import who_can
from iamdsl.graph.paths import DEFAULT_DEPTH, Arrival, Indirect, PathFinder, Paths, who_reaches
from iamdsl.explain.reach import condition_lines, how_to_json, path_text, path_to_json, render_how
from iamdsl.language.errors import IamdslError, NotSupportedError
from iamdsl.language.query import resolve_query_text
from iamdsl.language.resolve import ResolvedQuery
from iamdsl.model import Model, Span, Subject
from iamdsl.specs.expectations import context_of

# design.md §4: 0 allowed or answered, 1 denied, 3 conditional or partial (2, bad input, is raised)
EXIT_OK, EXIT_DENIED, EXIT_UNDECIDED = 0, 1, 3


def answer(
    model: Model,
    text: str,
    *,
    explain: str = "summary",
    fmt: str = "text",
    now: datetime | None = None,
    sources: Mapping[str, str] | None = None,
    name: str = "<query>",
    depth: int = DEFAULT_DEPTH,
) -> tuple[str, int]:
    """The answer to the query `text`, rendered as `fmt` (text or json), and its exit code.

    `sources` are the texts the model was loaded from, so that explanations
    can point at lines.  Raises IamdslError for a query that does not parse or
    resolve (its sources include the query).  `depth` bounds the paths of
    `how can`, and of a denied `can`'s search for a way round.
    """
    try:
        resolved, _warnings = resolve_query_text(model, text, name)
        # The shared evaluator keeps what earlier questions compiled; a `now` of the caller's needs its own.
        evaluator = Evaluator(model, now=now) if now is not None else evaluator_for(model)
        if resolved.kind == "how":
            found = PathFinder(model, evaluator).how_can(actor_of(model, resolved.subject), resolved.resource, depth=depth)
            if fmt == "json":
                return json.dumps(how_to_json(found, model, target_name=resolved.resource_name), indent=2), EXIT_OK
            return render_how(found, model, target_name=resolved.resource_name), EXIT_OK
        if resolved.kind == "can":
            return _can(model, evaluator, resolved, explain=explain, fmt=fmt, sources=sources or {}, depth=depth)
        if resolved.kind == "who":
            context = Context.from_values(resolved.context)
            reaches = who_can(model, evaluator, resolved.action, resolved.actions, resolved.resource, context)
            indirect = _indirect(model, evaluator, context, resolved, reaches, depth)
            if fmt == "json":
                return json.dumps(who_to_json(resolved, reaches, model, indirect), indent=2), EXIT_OK
            return render_who(resolved, reaches, model, indirect), EXIT_OK
        caller = caller_for(resolved.subject, model)
        found = principal_access(model, resolved.subject.name, caller, resource=resolved.resource, evaluator=evaluator)
        if fmt == "json":
            return json.dumps(what_to_json(resolved, found, model), indent=2), EXIT_OK
        return render_what(resolved, found, model), EXIT_OK
    except IamdslError as error:
        error.sources.setdefault(name, text)
        # the engine's "not supported" knows no source; point it at the query that asked
        where = Span(file=name, line=1, column=1, end_line=1, end_column=len(text.splitlines()[0]) + 1 if text else 1)
        error.diagnostics = [d if d.span is not None else dataclasses.replace(d, span=where) for d in error.diagnostics]
        raise


def decide_can(model: Model, text: str, *, evaluator: Evaluator | None = None) -> VerbDecision:
    """The decision (data, not text) for a `can P VERB R …` query; raises IamdslError if it is not one."""
    resolved, _warnings = resolve_query_text(model, text)
    if resolved.kind != "can":
        raise NotSupportedError(f"`{text}` is a `{resolved.kind}` query; `ask` decides `can` queries", resolved.span)
    return _decide(model, evaluator or Evaluator(model), resolved)


def actor_of(model: Model, subject: Subject) -> Actor:
    """The graph's actor for a query's principal: its DSL name, and the caller the engine sees."""
    caller = caller_for(subject, model)
    name = f"{subject.kind} {subject.name}" if subject.kind in ("service", "oidc", "saml") else subject.name
    return Actor(name, caller)


def _indirect(model: Model, evaluator: Evaluator, context: Context, resolved: ResolvedQuery, reaches, depth: int) -> list[Indirect]:
    """Principals that reach the access only through others: paths into the principals that `who can` found."""
    holders = {
        r.name: Arrival(r.name, tuple(r.decision.allowed_actions), tuple(d.request.action for d in r.decision.decisions if d.outcome is Outcome.CONDITIONAL))
        for r in reaches
        if r.name is not None and not r.root and r.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL)
    }
    if not holders:
        return []
    return who_reaches(PathFinder(model, evaluator, context), holders, depth=depth)


def _paths_around(model: Model, evaluator: Evaluator, resolved: ResolvedQuery, depth: int) -> Paths | None:
    """For a denied `can`: paths through other principals that do reach the access (none for session queries)."""
    expectation = resolved.expectation
    subject = expectation.subjects[0]
    if expectation.session_policy is not None or expectation.context or subject.session_name:
        return None  # a what-if about one session: paths would start from a different caller
    finder = PathFinder(model, evaluator)
    found = finder.how_can(
        actor_of(model, subject), expectation.resource, verb=expectation.action, actions=expectation.actions,
        depth=depth, include_direct=False,
    )
    found.paths = [p for p in found.paths if p.edges]
    return found


def _around_lines(found: Paths, target: str) -> list[str]:
    lines = [f"but reachable through {'a path' if len(found.paths) == 1 else f'{len(found.paths)} paths'} (`how can` lists them):"]
    for path in found.paths[:3]:
        lines.append(f"  {'?' if path.conditional else '✓'} {path_text(path, target)}")
        lines += condition_lines(path, "      ")
    if len(found.paths) > 3:
        lines.append(f"  … and {len(found.paths) - 3} more")
    return lines


def _decide(model: Model, evaluator: Evaluator, resolved: ResolvedQuery) -> VerbDecision:
    expectation = resolved.expectation
    caller = caller_for(expectation.subjects[0], model, expectation)
    return evaluate_actions(evaluator, caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation))


def _can(
    model: Model, evaluator: Evaluator, resolved: ResolvedQuery, *, explain: str, fmt: str, sources: Mapping[str, str], depth: int
) -> tuple[str, int]:
    decision = _decide(model, evaluator, resolved)
    fixes = suggest(decision, model) if decision.outcome is not Outcome.ALLOWED else []
    around = _paths_around(model, evaluator, resolved, depth) if decision.outcome.denied else None
    target = resolved.expectation.resource_name or resolved.expectation.resource
    if fmt == "json":
        document = decision_to_json(decision, model)
        document["fixes"] = [fix_to_json(f) for f in fixes]
        if around is not None:
            document["reachable_through"] = [path_to_json(p, target) for p in around.paths]
        rendered = json.dumps(document, indent=2)
    else:
        rendered = explain_text.render(decision, model, mode=explain, sources=dict(sources), fixes=fix_lines(fixes))
        if around is not None and around.paths:
            rendered += "\n" + "\n".join(_around_lines(around, target))
    if decision.outcome is Outcome.ALLOWED:
        return rendered, EXIT_OK
    if decision.outcome.denied:
        return rendered, EXIT_DENIED
    return rendered, EXIT_UNDECIDED
