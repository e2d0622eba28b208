"""The Permissions Graph's vertices and edges: plain data.

Stage: graph.  The guide draws IAM as a graph: principals and resources are
vertices, and policies make edges.  This module only says what a vertex and
an edge are; `build.py` fills a graph from a model with the engine's answers,
`become.py` finds the edges between principals (assume-role and escalation),
`paths.py` walks them, and `iamdsl/interop/` draws them.

Two families of edges, each pointing the way its arrow reads:

- **Access** edges follow the guide and `explain/path.py`: access flows from
  the resource to whoever gets it.  `A.repo --Allow--> B.root --Delegate-->
  B.SomeRole` is a resource-policy grant to account B, which B's own IAM hands
  on to one role.
- **Become** edges run from a principal to a principal whose permissions it
  can obtain: `B.Dev --AssumeRole--> B.Deploy`, or an escalation such as
  `B.Dev --PassRole--> B.LambdaAdmin` (pass the role to Lambda, run code as
  it).  `EditPolicy` is the odd one out: `P --EditPolicy--> Q` says P can
  change Q's identity policies, so Q's permissions are bounded only by its
  guardrails (boundary, SCPs, RCPs) and by resource policies.

Every edge was decided by the engine.  An edge that holds only under some
context is `conditional`, and carries the conditions that must hold
(`conditions`) and those that must not (`unless`).  An edge that holds in
every context can still carry some actions only under conditions (`maybe`):
`A.root --Delegate--> A.Auditor` for s3:GetObject, and s3:DeleteObject when
MFA is present.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from iamdsl.model import Condition, Span


class VertexKind(str, enum.Enum):
    ACCOUNT = "account"  # the account principal, `B.root` (and, for a request, its root user)
    ROLE = "role"
    USER = "user"
    GROUP = "group"
    SERVICE = "service"  # `service lambda.amazonaws.com`
    FEDERATED = "federated"  # an OIDC or SAML identity provider
    ANONYMOUS = "anonymous"  # anyone at all, `"*"`
    OPEN = "open"  # a symbolic principal: any principal of an account whose IAM the model does not know
    RESOURCE = "resource"

    @property
    def is_principal(self) -> bool:
        return self not in (VertexKind.RESOURCE, VertexKind.GROUP)


class EdgeKind(str, enum.Enum):
    # access edges (explain/path.py draws single decisions with the same words)
    ALLOW = "Allow"  # resource -> grantee: a resource-policy Allow
    TRUST = "Trust"  # role -> grantee: a trust-policy Allow
    DELEGATE = "Delegate"  # account principal -> identity: the identity's own policies hand the access on
    OWNED_BY = "OwnedBy"  # resource -> its account: within one account, the owner's IAM decides
    MEMBER = "Member"  # group -> user: the group's policies apply to its members
    # become edges
    ASSUME_ROLE = "AssumeRole"  # sts:AssumeRole (WithWebIdentity, WithSAML): trust and identity side both allow
    PASS_ROLE = "PassRole"  # iam:PassRole to a service that the role trusts, and the service's launch actions
    UPDATE_TRUST = "UpdateAssumeRolePolicy"  # rewrite the role's trust policy, then assume it
    CREATE_CREDENTIALS = "CreateCredentials"  # iam:CreateAccessKey / CreateLoginProfile / UpdateLoginProfile on a user
    EDIT_POLICY = "EditPolicy"  # iam:PutRolePolicy, AttachRolePolicy, CreatePolicyVersion, … on the target

    @property
    def becomes(self) -> bool:
        """Whether the edge lets its source act as its target (a step of a path)."""
        return self in _BECOME


_BECOME = frozenset({EdgeKind.ASSUME_ROLE, EdgeKind.PASS_ROLE, EdgeKind.UPDATE_TRUST, EdgeKind.CREATE_CREDENTIALS})


@dataclass(frozen=True, slots=True)
class Vertex:
    id: str  # the DSL name: `B.SomeRole`, `A.repo`, `B.root`, `service lambda.amazonaws.com`, `anyone`
    kind: VertexKind
    account: str | None = None  # account name, where it has one
    arn: str | None = None
    title: str | None = None  # a shorter name for pictures: `oidc token.actions.githubusercontent.com`

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str  # vertex ids
    target: str
    kind: EdgeKind
    actions: tuple[str, ...] = ()  # what the edge was decided on: verbs or actions
    conditional: bool = False
    conditions: tuple[Condition, ...] = ()  # must hold for the edge to exist
    unless: tuple[Condition, ...] = ()  # must not hold
    via: str | None = None  # PassRole: the service; EditPolicy: the IAM action that edits
    policy: str | None = None  # label of the policy that makes the edge
    span: Span | None = None  # the statement that makes it
    # On an edge that exists in every context: further actions it carries only when
    # `conditions` hold and `unless` do not (an MFA-only delete beside a plain read).
    maybe: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, EdgeKind, str | None]:
        return self.source, self.target, self.kind, self.via


@dataclass(slots=True)
class PermissionsGraph:
    """Vertices by id, and edges; one edge per (source, target, kind, via), its actions merged."""

    vertices: dict[str, Vertex] = field(default_factory=dict)
    _edges: dict[tuple, GraphEdge] = field(default_factory=dict)

    def add_vertex(self, vertex: Vertex) -> None:
        self.vertices.setdefault(vertex.id, vertex)

    def add_edge(self, edge: GraphEdge) -> None:
        known = self._edges.get(edge.key)
        if known is None:
            self._edges[edge.key] = edge
            return
        if known.conditional == edge.conditional:
            keep, other = known, edge
            actions = tuple(dict.fromkeys(known.actions + edge.actions))
            maybe = tuple(a for a in dict.fromkeys(known.maybe + edge.maybe) if a not in actions)
        else:
            # a sure edge wins over a conditional one: the edge exists in every context, and the
            # conditional edge's actions stay conditional (`maybe`), never shown as sure
            keep, other = (edge, known) if known.conditional else (known, edge)
            actions = keep.actions
            maybe = tuple(a for a in dict.fromkeys(keep.maybe + other.actions + other.maybe) if a not in actions)
        carries = keep.conditional or bool(maybe)
        conditions = tuple(dict.fromkeys(keep.conditions + other.conditions)) if carries else ()
        unless = tuple(dict.fromkeys(keep.unless + other.unless)) if carries else ()
        self._edges[edge.key] = GraphEdge(
            keep.source, keep.target, keep.kind, actions, keep.conditional, conditions, unless, keep.via, keep.policy, keep.span, maybe
        )

    @property
    def edges(self) -> list[GraphEdge]:
        return list(self._edges.values())

    def out_edges(self, vertex: str) -> list[GraphEdge]:
        return [e for e in self._edges.values() if e.source == vertex]

    def in_edges(self, vertex: str) -> list[GraphEdge]:
        return [e for e in self._edges.values() if e.target == vertex]
