"""The Permissions Graph as a Mermaid flowchart.

Stage: rendering (PermissionsGraph -> Mermaid text).  Left to right, as the
guide draws it: `A.repo --Allow--> B.root --Delegate--> B.SomeRole`.  Each
account is a subgraph; each vertex kind has its own shape (a resource is a
cylinder, an account principal a stadium, an open account a hexagon); become
edges are thick, and conditional arrows dashed, their kind marked with `?`
and their conditions below it.  Labels are quoted and escaped with Mermaid's
entity codes, so no name can break the chart.
"""

from __future__ import annotations

import re

from iamdsl.graph.elements import EdgeKind, PermissionsGraph, Vertex, VertexKind
from iamdsl.interop.picture import Arrow, account_title, arrows, clusters

# (opening, closing) of each kind's node shape
_SHAPES = {
    VertexKind.ACCOUNT: ("([", "])"),
    VertexKind.OPEN: ("{{", "}}"),
    VertexKind.ROLE: ("[", "]"),
    VertexKind.USER: ("(", ")"),
    VertexKind.GROUP: ("[[", "]]"),
    VertexKind.SERVICE: (">", "]"),
    VertexKind.FEDERATED: (">", "]"),
    VertexKind.ANONYMOUS: ("((", "))"),
    VertexKind.RESOURCE: ("[(", ")]"),
}
_STYLES = {
    VertexKind.OPEN: "stroke-dasharray: 4 3",
    VertexKind.ANONYMOUS: "fill:#fdecea,stroke:#c62828",
    VertexKind.RESOURCE: "fill:#e8f0fe,stroke:#1a56b0",
}
_ESCAPES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "|": "#124;", "`": "#96;", "&": "#amp;"}
_ESCAPE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")
_INDENT = "    "


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text)


def to_mermaid(graph: PermissionsGraph) -> str:
    by_account, loose = clusters(graph)
    ids = _ids(graph, {f"account_{n}" for n in range(len(by_account))})
    lines = ["flowchart LR"]
    for number, (account, members) in enumerate(by_account.items()):
        lines.append(f'{_INDENT}subgraph account_{number}["{escape(account_title(account, members))}"]')
        lines.extend(f"{_INDENT * 2}{_node(vertex, ids)}" for vertex in members)
        lines.append(f"{_INDENT}end")
    lines.extend(f"{_INDENT}{_node(vertex, ids)}" for vertex in loose)
    lines.extend(f"{_INDENT}{_link(arrow, ids)}" for arrow in arrows(graph))
    for kind, style in _STYLES.items():
        members = [ids[v.id] for v in graph.vertices.values() if v.kind is kind]
        if members:
            lines.append(f"{_INDENT}classDef {kind.value} {style}")
            lines.append(f"{_INDENT}class {','.join(members)} {kind.value}")
    return "\n".join(lines) + "\n"


def _node(vertex: Vertex, ids: dict[str, str]) -> str:
    opening, closing = _SHAPES[vertex.kind]
    return f'{ids[vertex.id]}{opening}"{escape(vertex.label)}"{closing}'


def _link(arrow: Arrow, ids: dict[str, str]) -> str:
    if arrow.conditional:
        line = "-.->"
    elif arrow.kind.becomes or arrow.kind is EdgeKind.EDIT_POLICY:
        line = "==>"
    else:
        line = "-->"
    label = "<br/>".join(escape(part) for part in arrow.lines())
    return f'{ids[arrow.source]} {line}|"{label}"| {ids[arrow.target]}'


def _ids(graph: PermissionsGraph, taken: set[str]) -> dict[str, str]:
    """A readable, unique Mermaid id for each vertex: `A.repo` -> `A_repo` (none of `taken`)."""
    found: dict[str, str] = {}
    for vertex in graph.vertices.values():
        base = re.sub(r"\W+", "_", vertex.label, flags=re.ASCII).strip("_") or "v"
        if base[0].isdigit() or base.lower() in ("end", "graph", "subgraph", "flowchart", "class", "classdef", "style", "click"):
            base = "v_" + base
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        found[vertex.id] = name
    return found
