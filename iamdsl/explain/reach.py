"""Paths through the Permissions Graph, as text and JSON.

Stage: explain (graph paths -> words).  A path reads from the principal that
starts it to the target, one become edge at a time, then what the last
principal can do there:

    B.Dev --AssumeRole--> B.Deploy ==> A.bucket: s3:GetObject, s3:PutObject
      when aws:MultiFactorAuthPresent is true

An edge that holds only under some context is drawn `--AssumeRole?-->`, and
the conditions of all its edges follow the path.  An escalation through
policy editing says who edits whose policies: `(after B.Dev edits
B.Deploy's policies)`.
"""

from __future__ import annotations

from typing import Any

from iamdsl.explain.conditions import iam_form, in_words
from iamdsl.explain.names import names_for
from iamdsl.graph.elements import GraphEdge
from iamdsl.graph.paths import Paths, PathToTarget
from iamdsl.model import Model, Span

SCHEMA_HOW = "iamdsl/how-can/v1"
_SHOWN_ACTIONS = 4


def edge_arrow(edge: GraphEdge) -> str:
    via = f"({edge.via})" if edge.via and edge.kind.value != edge.via.split(":")[-1] and not edge.via.startswith("sts:") else ""
    return f"--{edge.kind.value}{via}{'?' if edge.conditional else ''}-->"


def path_text(path: PathToTarget, target: str) -> str:
    parts = [path.edges[0].source] if path.edges else []
    for edge in path.edges:
        parts.append(f"{edge_arrow(edge)} {edge.target}")
    arrival = path.arrival
    if arrival.is_target:
        return " ".join(parts)
    if not path.edges:
        parts.append(arrival.holder)
    text = " ".join(parts) + f" ==> {target}: {_actions(arrival.allowed, arrival.conditional)}"
    if arrival.escalated_by is not None:
        whose = "its own" if arrival.escalated_by == arrival.holder else f"{arrival.holder}'s"
        who = arrival.escalated_by
        text += f" (after {who} edits {whose} policies)"
    return text


def condition_lines(path: PathToTarget, indent: str) -> list[str]:
    lines = [f"{indent}when {in_words(c)}" for c in path.conditions]
    lines += [f"{indent}unless {in_words(c)}" for c in path.unless]
    return lines


def _actions(allowed: tuple[str, ...], conditional: tuple[str, ...]) -> str:
    words = list(allowed) + [f"{a} (conditional)" for a in conditional]
    if len(words) > _SHOWN_ACTIONS:
        return ", ".join(words[:_SHOWN_ACTIONS]) + f" and {len(words) - _SHOWN_ACTIONS} more"
    return ", ".join(words)


def render_how(found: Paths, model: Model, *, target_name: str | None = None) -> str:
    names = names_for(model)
    target = target_name or names.of(found.target)
    count = f"{len(found.paths)}{'+' if found.truncated else ''}"
    lines = [f"how can {found.start} reach {target}: {count} path{'s' if len(found.paths) != 1 else ''} (at most {found.depth} steps)"]
    for number, path in enumerate(found.paths, 1):
        mark = "?" if path.conditional else "✓"
        lines.append(f"  {number}. {mark} {path_text(path, target) if path.edges or not path.arrival.is_target else found.start}")
        lines += condition_lines(path, "       ")
    if not found.paths:
        lines.append(f"  none: no path of at most {found.depth} steps (assume-role, PassRole, trust or credential edits)")
    if found.truncated:
        lines.append(f"  (more paths exist; only the first {len(found.paths)} are shown)")
    return "\n".join(lines)


def how_to_json(found: Paths, model: Model, *, target_name: str | None = None) -> dict[str, Any]:
    names = names_for(model)
    return {
        "schema": SCHEMA_HOW,
        "from": found.start,
        "to": {"arn": found.target, "name": target_name or names.of(found.target)},
        "depth": found.depth,
        "truncated": found.truncated,
        "paths": [path_to_json(p, target_name or names.of(found.target)) for p in found.paths],
    }


def path_to_json(path: PathToTarget, target: str) -> dict[str, Any]:
    arrival = path.arrival
    return {
        "text": path_text(path, target),
        "conditional": path.conditional,
        "edges": [edge_to_json(e) for e in path.edges],
        "arrival": {
            "principal": arrival.holder,
            "is_target": arrival.is_target,
            "allowed": list(arrival.allowed),
            "conditional": list(arrival.conditional),
            "escalated_by": arrival.escalated_by,
        },
        "conditions": [iam_form(c) for c in path.conditions],
        "unless": [iam_form(c) for c in path.unless],
    }


def edge_to_json(edge: GraphEdge) -> dict[str, Any]:
    return {
        "from": edge.source,
        "to": edge.target,
        "kind": edge.kind.value,
        "via": edge.via,
        "actions": list(edge.actions),
        "conditional": edge.conditional,
        "conditions": [iam_form(c) for c in edge.conditions],
        "unless": [iam_form(c) for c in edge.unless],
        "policy": edge.policy,
        "location": _where(edge.span),
    }


def _where(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"file": span.file, "line": span.line, "column": span.column}
