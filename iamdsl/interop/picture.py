"""What every picture of the Permissions Graph says, whatever draws it.

Stage: rendering (PermissionsGraph -> the words of a picture).  Mermaid, DOT,
the HTML page and JSON all label an arrow the same way:

- an access edge: its kind and what it carries, `Allow: pull`;
- a become edge: its kind, and how where that is not implied,
  `PassRole (ecs-tasks.amazonaws.com)`;
- a conditional arrow: the kind with a `?` and the conditions below it,
  `Allow?: read` / `when aws:MultiFactorAuthPresent is true`.

An edge that exists in every context but carries some actions only under
conditions (`GraphEdge.maybe`) is drawn as two arrows: a plain one, and a
conditional one with those actions.  Vertices are grouped by account.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamdsl.explain.conditions import in_words
from iamdsl.graph.elements import EdgeKind, GraphEdge, PermissionsGraph, Vertex, VertexKind

SHOWN_ACTIONS = 4  # on an arrow; the rest are counted (the HTML table, JSON and DOT tooltips list them all)
_IMPLIED_VIA = {"sts:AssumeRole", "iam:UpdateAssumeRolePolicy"}


@dataclass(frozen=True, slots=True)
class Arrow:
    """One arrow of a picture."""

    edge: GraphEdge
    conditional: bool
    actions: tuple[str, ...]

    @property
    def source(self) -> str:
        return self.edge.source

    @property
    def target(self) -> str:
        return self.edge.target

    @property
    def kind(self) -> EdgeKind:
        return self.edge.kind

    @property
    def head(self) -> str:
        """`Allow`, `Allow?`, `PassRole (ecs-tasks.amazonaws.com)`."""
        text = self.kind.value + ("?" if self.conditional else "")
        via = self.edge.via
        if via and via not in _IMPLIED_VIA:
            text += f" ({via})"
        return text

    @property
    def conditions(self) -> list[str]:
        """`when …` and `unless …` lines; empty for a plain arrow."""
        if not self.conditional:
            return []
        lines = [("when " if i == 0 else "and ") + in_words(c) for i, c in enumerate(self.edge.conditions)]
        lines += [("unless " if i == 0 else "or ") + in_words(c) for i, c in enumerate(self.edge.unless)]
        return lines

    def lines(self, shown: int = SHOWN_ACTIONS) -> list[str]:
        """The label, line by line: head and actions, then the conditions."""
        first = self.head
        if self.actions and not self.kind.becomes and self.kind is not EdgeKind.EDIT_POLICY:
            first += ": " + shorten(self.actions, shown)
        return [first, *self.conditions]

    @property
    def all_actions(self) -> str:
        return ", ".join(self.actions)


def arrows(graph: PermissionsGraph) -> list[Arrow]:
    found = []
    for edge in graph.edges:
        if edge.actions or not edge.maybe:
            found.append(Arrow(edge, edge.conditional, edge.actions))
        if edge.maybe:
            found.append(Arrow(edge, True, edge.maybe))
    return found


def shorten(actions: tuple[str, ...], shown: int = SHOWN_ACTIONS) -> str:
    if len(actions) <= shown:
        return ", ".join(actions)
    return ", ".join(actions[:shown]) + f", +{len(actions) - shown} more"


def clusters(graph: PermissionsGraph) -> tuple[dict[str, list[Vertex]], list[Vertex]]:
    """Vertices by account, in the order accounts first appear, and the vertices of no account."""
    by_account: dict[str, list[Vertex]] = {}
    loose: list[Vertex] = []
    for vertex in graph.vertices.values():
        if vertex.account is None:
            loose.append(vertex)
        else:
            by_account.setdefault(vertex.account, []).append(vertex)
    return by_account, loose


def account_title(account: str, members: list[Vertex]) -> str:
    open_ = any(v.kind is VertexKind.OPEN and v.id.endswith(".root") for v in members)
    return f"account {account}" + (" (open)" if open_ else "")
