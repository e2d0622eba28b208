"""The Permissions Graph as data (`iamdsl graph --format json`).

Stage: rendering (PermissionsGraph -> JSON).  The schema is versioned like
the answers' (docs/json.md, `iamdsl/graph/v1`): vertices with their kind,
account and ARN; edges with their kind, actions, conditions (in words and in
IAM's form), and the statement that makes them.
"""

from __future__ import annotations

from typing import Any

from iamdsl.explain.conditions import iam_form, in_words
from iamdsl.explain.phrases import location
from iamdsl.graph.elements import GraphEdge, PermissionsGraph
from iamdsl.model import Condition

SCHEMA = "iamdsl/graph/v1"


def graph_to_json(graph: PermissionsGraph) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "vertices": [
            {"id": v.id, "label": v.label, "kind": v.kind.value, "account": v.account, "arn": v.arn} for v in graph.vertices.values()
        ],
        "edges": [_edge(e) for e in graph.edges],
    }


def _edge(edge: GraphEdge) -> dict[str, Any]:
    return {
        "from": edge.source,
        "to": edge.target,
        "kind": edge.kind.value,
        "actions": list(edge.actions),
        "conditional": edge.conditional,
        "conditional_actions": list(edge.maybe),
        "conditions": [_condition(c) for c in edge.conditions],
        "unless": [_condition(c) for c in edge.unless],
        "via": edge.via,
        "policy": edge.policy,
        "location": location(edge.span),
    }


def _condition(condition: Condition) -> dict[str, Any]:
    return {"text": in_words(condition), "iam": iam_form(condition)}
