"""Answers about many principals or many actions, as text and JSON.

Stage: explain (graph answers -> text / JSON).  `who can V R` lists every
principal that can, with the path it takes; `what can P do [on R]` lists the
actions per resource.  Denied principals are left out: the question is who can.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from iamdsl.engine.evaluate import Outcome
from iamdsl.explain.names import Names, names_for
from iamdsl.explain.path import path_of
from iamdsl.graph.access import Access
from iamdsl.explain.reach import condition_lines, path_text, path_to_json
from iamdsl.graph.enumerate import PARTIAL_TRACED, Reach
from iamdsl.graph.paths import Indirect
from iamdsl.model import Model

SCHEMA_WHO = "iamdsl/who-can/v1"
SCHEMA_WHAT = "iamdsl/what-can/v1"
_PARTIAL_SHOWN = PARTIAL_TRACED  # more principals than this with a PARTIAL answer are counted, not listed one by one
_MARKS = {Outcome.ALLOWED: "✓", Outcome.CONDITIONAL: "?", Outcome.PARTIAL: "~"}


def _considered(reaches: list[Reach]) -> int:
    """Every principal `who can` considered, those it left out as surely denied included."""
    return max(getattr(reaches, "considered", 0), len(reaches))


def _path(reach: Reach, names: Names) -> str | None:
    decisions = [d for d in reach.decision.decisions if d.outcome is not Outcome.IMPLICIT_DENY and not d.outcome.denied]
    if not decisions or not decisions[0].trace.layers:
        return None  # decided without the trace: one of a crowd of PARTIAL answers (graph/enumerate.py)
    return path_of(decisions[0], names).render()


def _detail(reach: Reach) -> str:
    outcome = reach.outcome
    if outcome is Outcome.PARTIAL:
        return f"PARTIAL: only {', '.join(reach.decision.allowed_actions)}"
    if outcome is Outcome.CONDITIONAL:
        decisions = reach.decision.decisions
        must = {_words(c) for d in decisions for c in d.allow_conditions}
        either = {" and ".join(_words(c) for c in group) for d in decisions for group in d.allow_alternatives}
        must_not = {_words(c) for d in decisions for c in d.deny_conditions}
        parts = []
        if must:
            parts.append("when " + " and ".join(sorted(must)))
        if either:
            parts.append("when one of: " + " / ".join(sorted(either)))
        if must_not:
            parts.append("unless " + " or ".join(sorted(must_not)))
        return "CONDITIONAL" + (f": {'; '.join(parts)}" if parts else "")
    return outcome.display


def _words(condition) -> str:
    values = condition.values[0] if len(condition.values) == 1 else "[" + ", ".join(condition.values) + "]"
    return f"{condition.operator} {condition.key} {values}"


def render_who(resolved, reaches: list[Reach], model: Model, indirect: list[Indirect] = ()) -> str:
    names = names_for(model)
    target = resolved.resource_name or names.of(resolved.resource)
    able = [r for r in reaches if not r.denied]
    lines = [f"who can {resolved.action} {target}: {len(able)} of {_considered(reaches)} principals checked"]
    partial = [r for r in able if r.outcome is Outcome.PARTIAL]
    crowd = len(partial) > _PARTIAL_SHOWN  # many principals that can only part of a verb would hide the rest
    for reach in able:
        if crowd and reach.outcome is Outcome.PARTIAL:
            continue
        lines.append(f"  {_MARKS.get(reach.outcome, ' ')} {reach.label}  {_detail(reach)}")
        path = _path(reach, names)
        if path:
            lines.append(f"      path: {path}")
    if crowd:
        by_actions: dict[tuple[str, ...], list[Reach]] = defaultdict(list)
        for reach in partial:
            by_actions[tuple(reach.decision.allowed_actions)].append(reach)
        for actions, group in sorted(by_actions.items(), key=lambda item: -len(item[1])):
            some = ", ".join(r.label for r in group[:3]) + (", …" if len(group) > 3 else "")
            only = ", ".join(actions) or "some actions, under conditions"
            lines.append(f"  ~ {len(group)} principals: PARTIAL: only {only} ({some}; --format json lists each)")
    if not able:
        lines.append("  nobody")
    if indirect:
        lines.append(f"through other principals ({len(indirect)}; `how can P reach {target}` lists every path):")
        for found in indirect:
            mark = "?" if found.path.conditional else "✓"
            lines.append(f"  {mark} {found.name}")
            lines.append(f"      path: {path_text(found.path, target)}")
            lines += condition_lines(found.path, "      ")
    return "\n".join(lines)


def who_to_json(resolved, reaches: list[Reach], model: Model, indirect: list[Indirect] = ()) -> dict[str, Any]:
    names = names_for(model)
    target = resolved.resource_name or names.of(resolved.resource)
    return {
        "schema": SCHEMA_WHO,
        "action": resolved.action,
        "actions": list(resolved.actions),
        "resource": {"arn": resolved.resource, "name": resolved.resource_name},
        "checked": _considered(reaches),
        "principals": [
            {
                "label": r.label,
                "name": r.name,
                "symbolic": r.symbolic,
                "root_user": r.root,
                "outcome": r.outcome.value,
                "allowed_actions": r.decision.allowed_actions,
                "path": _path(r, names),
            }
            for r in reaches
            if not r.denied
        ],
        "through_others": [{"name": found.name, **path_to_json(found.path, target)} for found in indirect],
    }


def _by_resource(found: Access) -> dict[str, tuple[list[str], list[str]]]:
    table: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for _, action, resource in sorted(found.allowed):
        table[resource][0].append(action)
    for _, action, resource in sorted(found.conditional):
        table[resource][1].append(action)
    return dict(table)


def render_what(resolved, found: Access, model: Model) -> str:
    names = names_for(model)
    table = _by_resource(found)
    scope = f" on {resolved.resource_name or names.of(resolved.resource)}" if resolved.resource else ""
    lines = [f"what can {resolved.subject.name} do{scope}: {len(found.allowed)} allowed, {len(found.conditional)} conditional"]
    for resource in sorted(table):
        allowed, conditional = table[resource]
        lines.append(f"  {names.of(resource)}")
        for action in allowed:
            lines.append(f"    ✓ {action}")
        for action in conditional:
            lines.append(f"    ? {action} (only under some context)")
    if not table:
        lines.append("  nothing")
    return "\n".join(lines)


def what_to_json(resolved, found: Access, model: Model) -> dict[str, Any]:
    names = names_for(model)
    table = _by_resource(found)
    return {
        "schema": SCHEMA_WHAT,
        "principal": resolved.subject.name,
        "resource": resolved.resource,
        "resources": [
            {"arn": arn, "name": names.of(arn), "allowed": table[arn][0], "conditional": table[arn][1]} for arn in sorted(table)
        ],
    }
