"""A decision as JSON, for programs: schema `iamdsl/decision/v1`.

Stage: explain (trace -> JSON).  The schema is versioned: a consumer checks
`"schema": "iamdsl/decision/v1"`, and a change that removes or renames a field,
or changes its meaning, gets a new version.  Adding an optional field does not.
The schema is `docs/schemas/decision.v1.json` (JSON Schema 2020-12), and
`docs/json.md` describes every field.

A single request and a verb have the same shape: `decisions` holds one entry
per action asked (one for a single action), each with its own layers,
statements, path and residual conditions.  Names are DSL names (`names.py`);
ARNs are given next to them.
"""

from __future__ import annotations

from typing import Any

from iamdsl.engine.context import Context, Presence, Source
from iamdsl.engine.evaluate import Decision, Outcome
from iamdsl.engine.request import Caller
from iamdsl.engine.trace import LayerTrace, StatementTrace
from iamdsl.engine.verbs import VerbDecision
from iamdsl.explain.conditions import iam_form, in_words, key_name
from iamdsl.explain.names import Names
from iamdsl.explain.path import path_of
from iamdsl.explain.phrases import statement_reason
from iamdsl.explain.text import headline
from iamdsl.model import Condition, Model, Span

SCHEMA = "iamdsl/decision/v1"


def decision_to_json(decision: Decision | VerbDecision, model: Model) -> dict[str, Any]:
    """The answer as a JSON-ready dict that validates against `docs/schemas/decision.v1.json`."""
    names = Names(model)
    if isinstance(decision, VerbDecision):
        decisions = list(decision.decisions)
        verb: str | None = decision.verb
        skipped = list(decision.skipped)
    else:
        decisions = [decision]
        verb = None
        skipped = []
    asked = [d.request.resource for d in decisions]
    resource = min((r for r in asked if r != "*"), key=len, default="*")
    first = decisions[0].request if decisions else None
    caveats: list[str] = []
    not_modelled: list[str] = []
    for item in decisions:
        caveats += [c for c in item.caveats if c not in caveats]
        not_modelled += [m.value for m in item.not_modelled if m.value not in not_modelled]
    return {
        "schema": SCHEMA,
        "request": {
            "principal": _principal(first.caller, names) if first else None,
            "action": verb or (first.action if first else ""),
            "verb": verb,
            "actions": [d.request.action for d in decisions],
            "skipped_actions": skipped,
            "resource": _resource(resource, names),
            "context": _context(first.context) if first else {},
        },
        "outcome": decision.outcome.value,
        "display": decision.outcome.display,
        "reason": headline(decision, names),
        "reasons": sorted(decision.reasons),
        "allowed_actions": [d.request.action for d in decisions if d.outcome is Outcome.ALLOWED],
        "denied_actions": [d.request.action for d in decisions if d.outcome.denied],
        "decisions": [_decision(d, names) for d in decisions],
        "caveats": caveats,
        "not_modelled": not_modelled,
    }


def _decision(decision: Decision, names: Names) -> dict[str, Any]:
    request, trace = decision.request, decision.trace
    return {
        "action": request.action,
        "resource": _resource(request.resource, names),
        "outcome": decision.outcome.value,
        "display": decision.outcome.display,
        "reason": headline(decision, names),
        "engine_reason": decision.reason,
        "reasons": sorted(decision.reasons),
        "cross_account": trace.cross_account,
        "caller_account": _account(trace.caller_account, names),
        "resource_account": _account(trace.resource_account, names),
        "missing_side": trace.missing_side,
        "blocked_by": [layer.value for layer in trace.blocked_by],
        "grant_classes": [grant.value for grant in trace.grant_classes],
        "layers": [_layer(entry, names) for entry in trace.layers],
        "path": path_of(decision, names).to_json(),
        "conditions": {
            "allow": [_condition(c) for c in decision.allow_conditions],
            "deny": [_condition(c) for c in decision.deny_conditions],
            "allow_any_of": [[_condition(c) for c in group] for group in decision.allow_alternatives],
        },
        "caveats": list(decision.caveats),
        "not_modelled": [m.value for m in decision.not_modelled],
        "notes": [names.humanize(note) for note in trace.notes],
        "also_needed": [_decision(extra, names) for extra in decision.extra],
    }


def _layer(entry: LayerTrace, names: Names) -> dict[str, Any]:
    return {
        "layer": entry.layer.value,
        "label": names.humanize(entry.label),
        "policies": list(entry.policies),
        "allows": entry.allows.value,
        "denies": entry.denies.value,
        "note": entry.note,
        "statements": [_statement(st, names) for st in entry.statements],
    }


def _statement(st: StatementTrace, names: Names) -> dict[str, Any]:
    return {
        "policy": st.policy,
        "index": st.index,
        "sid": st.statement.sid,
        "effect": st.statement.effect.value,
        **_where(st.span),
        "applies": st.applies.value,
        "action_matched": st.action_matched,
        "resource_matched": st.resource_matched,
        "principal_matched": st.principal_matched,
        "grant": st.grant.value if st.grant else None,
        "reason": statement_reason(st, names),
        "condition_reasons": list(st.condition_reasons),
        "residual": [_condition(c) for c in st.residual],
    }


def _where(span: Span | None) -> dict[str, Any]:
    if span is None:
        return {"file": None, "line": None, "column": None}
    return {"file": span.file, "line": span.line, "column": span.column}


def _condition(condition: Condition) -> dict[str, Any]:
    return {
        "operator": condition.operator,
        "key": condition.key,
        "values": list(condition.values),
        "iam": iam_form(condition),
        "words": in_words(condition),
        "negated_words": in_words(condition, negate=True),
        **_where(condition.span),
    }


def _principal(caller: Caller, names: Names) -> dict[str, Any]:
    return {
        "name": names.caller(caller),
        "kind": caller.kind.value,
        "arn": caller.arn,
        "principal_arn": caller.principal_arn,
        "account": _account(caller.account, names),
        "session": caller.session_name,
    }


def _resource(arn: str, names: Names) -> dict[str, Any]:
    return {"name": names.of(arn), "arn": arn}


def _account(account_id: str | None, names: Names) -> dict[str, Any] | None:
    if account_id is None:
        return None
    name = names.account(account_id)
    return {"name": name if name != account_id else None, "id": account_id}


def _context(context: Context) -> dict[str, list[str] | None]:
    """The context keys the query gave: values, or null for `with no KEY`."""
    given: dict[str, list[str] | None] = {}
    for key, lookup in context.keys.items():
        if lookup.source is not Source.REQUEST:
            continue
        given[key_name(key)] = list(lookup.values) if lookup.presence is Presence.GIVEN else None
    return given
