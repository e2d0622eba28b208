"""The Permissions Graph as Graphviz DOT, and as SVG through Graphviz's `dot`.

Stage: rendering (PermissionsGraph -> DOT text -> SVG).  Left to right, as the
guide draws it, each account a cluster.  Shapes say the vertex kind (a
resource is a cylinder, an account principal a house, an open account a
dashed house), colours the edge kind; become edges are bold, conditional
arrows dashed with the conditions in the label.  Every arrow's tooltip lists
all of its actions and the statement that makes it.

SVG needs Graphviz's `dot` program.  iamdsl never installs or downloads it:
when it is missing, `GraphvizMissing` says so and what to do instead.
"""

from __future__ import annotations

import shutil
import subprocess

from iamdsl.explain.phrases import location
from iamdsl.graph.elements import EdgeKind, PermissionsGraph, Vertex, VertexKind
from iamdsl.interop.picture import Arrow, account_title, arrows, clusters

_SHAPES = {
    VertexKind.ACCOUNT: 'shape=house, style="filled", fillcolor="#f3f3f3"',
    VertexKind.OPEN: 'shape=house, style="dashed"',
    VertexKind.ROLE: 'shape=box, style="rounded"',
    VertexKind.USER: "shape=ellipse",
    VertexKind.GROUP: "shape=tab",
    VertexKind.SERVICE: "shape=cds",
    VertexKind.FEDERATED: "shape=cds",
    VertexKind.ANONYMOUS: 'shape=doublecircle, color="#c62828"',
    VertexKind.RESOURCE: 'shape=cylinder, style="filled", fillcolor="#e8f0fe"',
}
_COLOURS = {
    EdgeKind.ALLOW: "#2e7d32",
    EdgeKind.TRUST: "#1565c0",
    EdgeKind.DELEGATE: "#37474f",
    EdgeKind.OWNED_BY: "#9e9e9e",
    EdgeKind.MEMBER: "#9e9e9e",
    EdgeKind.ASSUME_ROLE: "#6a1b9a",
    EdgeKind.PASS_ROLE: "#ef6c00",
    EdgeKind.UPDATE_TRUST: "#c62828",
    EdgeKind.CREATE_CREDENTIALS: "#c62828",
    EdgeKind.EDIT_POLICY: "#c62828",
}
SVG_TIMEOUT = 120  # seconds: Graphviz lays out thousands of edges well within this


class GraphvizMissing(RuntimeError):
    """SVG was asked for, and Graphviz's `dot` is not on PATH."""

    help = "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), or use --format dot or --format mermaid"

    def __init__(self) -> None:
        super().__init__("--format svg needs Graphviz's `dot` program, and it is not installed (not on PATH)")


class GraphvizFailed(RuntimeError):
    """`dot` ran and refused the input, or did not finish."""


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes doubled (no `\\N`-style escapes), quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: PermissionsGraph, *, name: str = "permissions") -> str:
    lines = [
        f"digraph {quote(name)} {{",
        '    graph [rankdir=LR, newrank=true, fontname="Helvetica", fontsize=11, nodesep=0.4, ranksep=0.9];',
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    by_account, loose = clusters(graph)
    for number, (account, members) in enumerate(by_account.items()):
        lines.append(f"    subgraph cluster_{number} {{")
        lines.append(f'        label={quote(account_title(account, members))}; style="rounded"; color="#bdbdbd";')
        lines.extend(f"        {_node(vertex)}" for vertex in members)
        lines.append("    }")
    lines.extend(f"    {_node(vertex)}" for vertex in loose)
    lines.extend(f"    {_edge(arrow)}" for arrow in arrows(graph))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(vertex: Vertex) -> str:
    tooltip = f"{vertex.kind.value}: {vertex.arn or vertex.id}"
    return f"{quote(vertex.id)} [label={quote(vertex.label)}, tooltip={quote(tooltip)}, {_SHAPES[vertex.kind]}];"


def _edge(arrow: Arrow) -> str:
    styles = []
    if arrow.conditional:
        styles.append("dashed")
    if arrow.kind.becomes or arrow.kind is EdgeKind.EDIT_POLICY:
        styles.append("bold")
    attributes = [
        f"label={quote(chr(10).join(arrow.lines()))}",
        f"tooltip={quote(_tooltip(arrow))}",
        f'color="{_COLOURS[arrow.kind]}"',
        f'fontcolor="{_COLOURS[arrow.kind]}"',
    ]
    if styles:
        attributes.append(f'style="{",".join(styles)}"')
    return f"{quote(arrow.source)} -> {quote(arrow.target)} [{', '.join(attributes)}];"


def _tooltip(arrow: Arrow) -> str:
    parts = [f"{arrow.source} --{arrow.head}--> {arrow.target}"]
    if arrow.actions:
        parts.append(arrow.all_actions)
    parts.extend(arrow.conditions)
    where = location(arrow.edge.span)
    if arrow.edge.policy or where:
        parts.append("made by " + " at ".join(p for p in (arrow.edge.policy, where) if p))
    return "\n".join(parts)


def to_svg(dot_text: str) -> str:
    """Lay the DOT text out with Graphviz; raises GraphvizMissing or GraphvizFailed."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing()
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=SVG_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(f"Graphviz's dot did not finish within {SVG_TIMEOUT} seconds") from None
    except OSError as error:
        raise GraphvizFailed(f"Graphviz's dot could not run: {error}") from None
    if done.returncode != 0:
        raise GraphvizFailed(f"Graphviz's dot failed: {done.stderr.strip() or f'exit code {done.returncode}'}")
    return done.stdout
