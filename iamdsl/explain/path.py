"""The graph path of a decision: which policy edges connect the resource to the caller.

Stage: explain (trace -> path).  The guide draws delegation as a graph,
`A.r --Allow--> B.root --Delegate--> B.SomeRole`; every answer carries its
path in that form, with the edge that is missing marked `--x-->`.

Nodes are DSL names (`names.py`).  `B.root` is the account principal, account
B as a whole; the root *user* is the node `B.root (root user)`.  Edges point
the way access flows, from the resource towards the caller:

| edge | from → to | made by |
|---|---|---|
| `Allow` | resource → grantee | a resource-policy Allow (bucket, key, repository policy …) |
| `Trust` | role → grantee | a role's trust policy, for `sts:AssumeRole` and its kin |
| `Delegate` | account (`B.root`) → identity | the identity's own policies: the account hands its access on |
| `OwnedBy` | resource → its account (`A.root`) | ownership: within one account, the owner's IAM decides, no grant needed |

The grantee is `B.root` when the resource policy names the account (the
usual cross-account grant, which B's IAM must then delegate), and the caller
itself when it names the caller or its role.  Shapes that come out:

- cross-account through the account: `A.repo --Allow--> B.root --Delegate--> B.SomeRole`
- the identity side missing: `A.repo --Allow--> B.root --x--> B.OtherRole`
- the resource side missing: `A.repo --x--> B.root --Delegate--> B.SomeRole`
- a grant to the role itself, same account: `A.key --Allow--> A.App`
- the same, cross-account, where B must still delegate: `A.key --Allow--> B.App <--Delegate-- B.root`
- same account, identity policies only: `A.logs --OwnedBy--> A.root --Delegate--> A.Dev`
- an action on `*` (no resource): `B.root --Delegate--> B.SomeRole`
- callers with no identity side: `A.bucket --Allow--> anonymous`, `B.Deployer --Trust--> oidc token.actions.githubusercontent.com`

An edge is present, missing (`--x-->`), or conditional (`--Allow?-->`: it
holds only if conditions on unknown context hold).  What stops a path that
exists is a *cut*, written after it: an explicit Deny, or a guardrail that
does not allow (SCPs, RCPs, a permissions boundary, a session policy, a VPC
endpoint policy): `… --Delegate--> C.Dev (blocked by the SCPs at OU Sandbox)`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from iamdsl.engine.evaluate import Decision, Outcome
from iamdsl.engine.request import CallerKind
from iamdsl.engine.trace import GrantClass, Layer, LayerTrace, StatementTrace, Truth
from iamdsl.explain.names import Names
from iamdsl.explain.phrases import join_words, layer_phrase, location, policy_phrase
from iamdsl.model import Span


class EdgeKind(str, enum.Enum):
    ALLOW = "Allow"
    TRUST = "Trust"
    DELEGATE = "Delegate"
    OWNED_BY = "OwnedBy"


class EdgeState(str, enum.Enum):
    PRESENT = "present"
    MISSING = "missing"
    CONDITIONAL = "conditional"

    @classmethod
    def of(cls, truth: Truth) -> "EdgeState":
        return {Truth.TRUE: cls.PRESENT, Truth.UNKNOWN: cls.CONDITIONAL, Truth.FALSE: cls.MISSING}[truth]


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    kind: EdgeKind
    target: str
    state: EdgeState = EdgeState.PRESENT
    policy: str | None = None  # label of the policy that makes (or would make) the edge
    span: Span | None = None  # the statement that makes it

    @property
    def arrow(self) -> str:
        if self.state is EdgeState.MISSING:
            return "x"
        return self.kind.value + ("?" if self.state is EdgeState.CONDITIONAL else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "kind": self.kind.value,
            "to": self.target,
            "state": self.state.value,
            "policy": self.policy,
            "location": location(self.span),
        }


@dataclass(frozen=True, slots=True)
class Cut:
    """What stops a path: an explicit Deny, or a guardrail layer that does not allow."""

    layer: Layer
    what: str  # "a Deny in A.Dev's identity policy", "the SCPs at OU Sandbox"
    explicit: bool
    conditional: bool = False  # a Deny that applies only if conditions on unknown context hold
    span: Span | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer.value,
            "what": self.what,
            "explicit": self.explicit,
            "conditional": self.conditional,
            "location": location(self.span),
        }


@dataclass(frozen=True, slots=True)
class Path:
    edges: tuple[Edge, ...] = ()
    cuts: tuple[Cut, ...] = ()

    @property
    def complete(self) -> bool:
        """Every edge present and nothing cutting it."""
        return all(e.state is EdgeState.PRESENT for e in self.edges) and not self.cuts

    def render(self) -> str:
        """`A.repo --Allow--> B.root --x--> B.OtherRole`; an edge into the end of the chain reads `<--K--`."""
        parts: list[str] = []
        end: str | None = None
        for edge in self.edges:
            if end is not None and edge.source == end:
                parts.append(f" --{edge.arrow}--> {edge.target}")
                end = edge.target
            elif end is not None and edge.target == end:
                parts.append(f" <--{edge.arrow}-- {edge.source}")
                end = edge.source
            else:
                parts.append(f"{', ' if parts else ''}{edge.source} --{edge.arrow}--> {edge.target}")
                end = edge.target
        text = "".join(parts)
        sure = [c.what for c in self.cuts if not c.conditional]
        maybe = [c.what for c in self.cuts if c.conditional]
        if sure:
            text += f" (blocked by {join_words(sure)})"
        if maybe:
            text += f" (blocked if {join_words(maybe)} applies)" if len(maybe) == 1 else f" (blocked if any of {join_words(maybe)} applies)"
        return text.strip()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.render(), "edges": [e.to_json() for e in self.edges], "cuts": [c.to_json() for c in self.cuts]}


def path_of(decision: Decision, names: Names) -> Path:
    """The path the decision took, or would take: present, missing and conditional edges, and cuts."""
    return Path(tuple(_edges(decision, names)), tuple(_cuts(decision, names)))


# ------------------------------------------------------------------ edges

_BEST_FIRST = (Truth.TRUE, Truth.UNKNOWN)
_TO_CALLER = (GrantClass.DIRECT, GrantClass.ROLE, GrantClass.FED_PARENT)


def _edges(decision: Decision, names: Names) -> list[Edge]:
    request, trace = decision.request, decision.trace
    caller = request.caller
    who = names.caller(caller)
    node = names.resource_node(request.resource) if request.resource != "*" else None
    resource = next(iter(trace.layer(Layer.RESOURCE)), None)
    kind = EdgeKind.TRUST if resource is not None and any(p.endswith(":trust") for p in resource.policies) else EdgeKind.ALLOW
    policy = resource.policies[0] if resource is not None and resource.policies else None

    def grant(target: str, classes: tuple[GrantClass, ...]) -> Edge:
        st = _grant(resource, classes)
        if st is None:
            return Edge(node or "*", kind, target, EdgeState.MISSING, policy)
        return Edge(node or "*", kind, target, EdgeState.of(st.applies), st.policy, st.span)

    if not caller.kind.has_identity_side:
        return [grant(who, (GrantClass.DIRECT,))] if node is not None else []
    root_user = caller.kind is CallerKind.ROOT
    account = who if root_user else names.account_principal(caller.account)
    # The root user needs no identity policy in its own account (R63): no Delegate edge.
    delegate = [] if root_user else [_delegate(decision, account, who)]
    if node is None:
        return delegate
    direct = _grant(resource, _TO_CALLER)
    through_account = _grant(resource, (GrantClass.ACCOUNT,))
    # A grant that only may apply did not decide: draw the sure one when there is one, and
    # within one account, an ALLOWED answer that no sure grant made was made by the identity side.
    if _sure(direct) != _sure(through_account):
        direct, through_account = (direct, None) if _sure(direct) else (None, through_account)
    if not trace.cross_account and decision.outcome is Outcome.ALLOWED:
        direct, through_account = (direct if _sure(direct) else None), (through_account if _sure(through_account) else None)
    if not trace.cross_account:
        if direct is not None:  # R61: a grant to the caller itself needs no identity Allow
            return [grant(who, _TO_CALLER)]
        if through_account is not None:
            return [grant(account, (GrantClass.ACCOUNT,)), *delegate]
        if trace.missing_side in ("resource", "both"):  # R60: the key or trust policy must allow
            return [Edge(node, kind, account, EdgeState.MISSING, policy), *delegate]
        return [Edge(node, EdgeKind.OWNED_BY, account), *delegate]
    # R62: cross-account needs both sides, however the resource policy names the caller.
    if through_account is not None:
        return [grant(account, (GrantClass.ACCOUNT,)), *delegate]
    if direct is not None:
        return [grant(who, _TO_CALLER), *delegate]
    return [Edge(node, kind, account, EdgeState.MISSING, policy), *delegate]


def _sure(st: StatementTrace | None) -> bool:
    return st is not None and st.applies is Truth.TRUE


def _grant(layer: LayerTrace | None, classes: tuple[GrantClass, ...]) -> StatementTrace | None:
    """The Allow that reaches the caller through one of `classes`: a sure one before a conditional one."""
    if layer is None:
        return None
    for truth in _BEST_FIRST:
        for st in layer.statements:
            if not st.is_deny and st.grant in classes and st.applies is truth:
                return st
    return None


def _delegate(decision: Decision, account: str, who: str) -> Edge:
    identity = next(iter(decision.trace.layer(Layer.IDENTITY)), None)
    if identity is None:
        return Edge(account, EdgeKind.DELEGATE, who, EdgeState.MISSING)
    for truth in _BEST_FIRST:
        for st in identity.statements:
            if not st.is_deny and st.applies is truth:
                return Edge(account, EdgeKind.DELEGATE, who, EdgeState.of(truth), st.policy, st.span)
    return Edge(account, EdgeKind.DELEGATE, who, EdgeState.MISSING)


# ------------------------------------------------------------------ cuts

_GUARDRAILS = (Layer.SCP, Layer.RCP, Layer.BOUNDARY, Layer.SESSION, Layer.ENDPOINT)


def _cuts(decision: Decision, names: Names) -> list[Cut]:
    trace = decision.trace
    resource = decision.request.resource
    cuts: list[Cut] = []
    seen: set[str] = set()
    for entry in trace.layers:
        for st in entry.statements:
            if st.is_deny and st.applies is not Truth.FALSE and st.policy not in seen:
                if st.applies is Truth.UNKNOWN and decision.outcome is not Outcome.CONDITIONAL:
                    continue
                seen.add(st.policy)
                what = f"a Deny in {names.humanize(policy_phrase(st.policy, st.layer, resource))}"
                cuts.append(Cut(st.layer, what, True, st.applies is Truth.UNKNOWN, st.span))
    if decision.outcome is Outcome.IMPLICIT_DENY:
        for layer in trace.blocked_by:
            if layer not in _GUARDRAILS:
                continue  # a missing identity or resource side is a missing edge, not a cut
            entry = next((e for e in trace.layer(layer) if e.allows is not Truth.TRUE), None)
            label = entry.label if entry is not None else ""
            cuts.append(Cut(layer, names.humanize(layer_phrase(layer, label)), False))
    return cuts
