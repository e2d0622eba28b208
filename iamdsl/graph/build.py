"""A model's Permissions Graph: every principal and resource, and the edges the engine decides.

Stage: graph (model + engine -> PermissionsGraph).  Nothing here reads policy
text to guess an edge: every edge comes from an engine decision.

- **Vertices**: the account principal of every account (`B.root`; an account
  that is `external` or only referenced by ID is OPEN: its IAM is unknown),
  every role, user and group, every declared resource, and the symbolic
  principals that policies name: services, identity providers, `anyone`, and
  anyone in an organization (`anyone in org o-…`).
- **Access edges**: every candidate principal (the named ones, the root users,
  and the symbolic ones a resource's policy reaches) is asked about every
  declared resource, action group by action group (graph/access.py's plans);
  roles and users that no Allow could reach are left out first, exactly as
  `who can` does (graph/candidates.py).
  For each group it is allowed, one traced decision gives the guide's path
  (explain/path.py): `A.repo --Allow--> B.root --Delegate--> B.SomeRole`.  The
  root user's node `B.root (root user)` is the account vertex `B.root` here
  (design.md §1: in pictures `B.root` is the account principal).
- **Member edges**: group -> user.
- **Become edges**: `become.principal_edges`, principal -> principal.

An edge's `actions` are named the way the model names them: a service
wildcard where every action of that service on the resource is allowed
(`ecr:*`), a verb where all of its actions on the resource are (`pull`), and
the remaining actions one by one.  An edge that holds only under some context
is `conditional` and carries the conditions: those of the statement that
makes it, and, on the edge into the caller, whatever else the decision rests
on (guardrail conditions, Deny conditions as `unless`).  With a context, the
engine decides with it: a condition it settles makes the edge plain or
removes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.decision import Decision
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Caller, Request
from iamdsl.engine.trace import Layer, Truth
from iamdsl.engine.verbs import requests_for
from iamdsl.explain.names import Names
from iamdsl.explain.path import Edge, EdgeState, path_of
from iamdsl.graph.access import ANONYMOUS, plans, principals
from iamdsl.graph.candidates import EVERYONE, candidates_for
from iamdsl.graph.become import principal_edges
from iamdsl.graph.elements import EdgeKind, GraphEdge, PermissionsGraph, Vertex, VertexKind
from iamdsl.graph.enumerate import OUTSIDE_ACCOUNT, symbolic_principals
from iamdsl.language.errors import Diagnostic, IamdslError, suggestion
from iamdsl.model import Condition, Effect, Model, Policy, PrincipalKind, PrincipalType, Span

ANYONE = "anyone"  # the vertex of `"*"`: anonymous callers, and every principal outside the model

_KINDS = {PrincipalKind.ROLE: VertexKind.ROLE, PrincipalKind.USER: VertexKind.USER, PrincipalKind.GROUP: VertexKind.GROUP}


class UnknownVertex(IamdslError):
    """A `principals=` or `resources=` filter names nothing in the graph."""

    def __init__(self, what: str, name: str, known: Iterable[str]):
        help = suggestion(name, known) or f"name a {what} of the model"
        super().__init__([Diagnostic("E010", f"unknown {what} `{name}`", None, help=help)])


def build_graph(
    model: Model,
    *,
    evaluator: Evaluator | None = None,
    context: Context | None = None,
    principals: Iterable[str] | None = None,
    resources: Iterable[str] | None = None,
) -> PermissionsGraph:
    """The Permissions Graph of `model`, decided in `context` (unknown keys make edges conditional).

    `principals` keeps the named principals, whom they can become (become
    edges, followed) and what all of them reach; `resources` keeps the named
    resources (names or ARNs), who reaches them, and who can become those
    principals.  Both raise UnknownVertex for a name the graph does not have.
    """
    return _Builder(model, evaluator or Evaluator(model), context or Context()).build(principals, resources)


def account_vertex(model: Model, names: Names, account_id: str) -> Vertex:
    """The account principal: `B.root`, OPEN when the model does not know the account's IAM."""
    name = names.account(account_id)
    declared = model.accounts.get(name)
    kind = VertexKind.ACCOUNT if declared is not None and not declared.external else VertexKind.OPEN
    return Vertex(names.account_principal(account_id), kind, name, f"arn:{model.partition}:iam::{account_id}:root")


def federated_vertex(names: Names, provider: str) -> Vertex:
    """An identity provider, named as paths name it: `oidc …` or `saml …`."""
    word = "saml" if ":saml-provider/" in provider else "oidc"
    account = _account_in(provider)
    short = provider.split(f":{word}-provider/", 1)[-1]
    title = f"{word} {short}" if short != provider else None
    return Vertex(f"{word} {provider}", VertexKind.FEDERATED, names.account(account) if account else None, provider, title)


# ---------------------------------------------------------------- the builder


@dataclass(slots=True)
class _Candidate:
    """A principal asked about resources: its vertex, the engine's caller, and how path nodes map to vertices."""

    vertex: str
    caller: Caller
    context: Context
    nodes: dict[str, str] = field(default_factory=dict)  # path node -> vertex id, for this caller
    entity: str | None = None  # a declared role or user: pruned when no Allow could reach it


@dataclass(slots=True)
class _Found:
    """What one access edge collected, over every group and resource that uses it."""

    sure: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # resource ARN -> actions
    maybe: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    conditions: dict[Condition, None] = field(default_factory=dict)
    unless: dict[Condition, None] = field(default_factory=dict)
    policy: str | None = None
    span: Span | None = None


class _Builder:
    def __init__(self, model: Model, evaluator: Evaluator, context: Context):
        self.model = model
        self.evaluator = evaluator
        self.context = context
        self.names = Names(model)
        self.graph = PermissionsGraph()
        self.nodes: dict[str, str] = {}  # path node (display name) -> vertex id
        self._labels: dict[str, _Labels] = {}
        self.resources = {r.arn: r.qualified_name for r in model.resources.values()}  # ARN -> vertex id
        self.plans = plans(model)
        self.index = candidates_for(model)

    def build(self, wanted_principals: Iterable[str] | None, wanted_resources: Iterable[str] | None) -> PermissionsGraph:
        self._vertices()
        become = principal_edges(self.model, self.evaluator, self.context)
        for edge in become:
            for end in (edge.source, edge.target):
                self._ensure_vertex(end)
        resources = list(self.model.resources.values())
        chosen: set[str] | None = None
        if wanted_resources is not None:
            resources = [self._resource(name) for name in wanted_resources]
        if wanted_principals is not None:
            chosen = _closure([self._principal(name) for name in wanted_principals], become, forward=True)
        candidates = self._named(chosen)
        found: dict[tuple, _Found] = {}
        for resource in resources:
            self._access(resource.arn, candidates + self._symbolic(resource.arn, chosen), found)
        for edge in self._finish(found):
            self.graph.add_edge(edge)
        for edge in self._members(chosen):
            self.graph.add_edge(edge)
        if chosen is not None:
            become = [e for e in become if e.source in chosen]
        elif wanted_resources is not None:
            holders = {e.target for e in self.graph.edges if self.graph.vertices[e.target].kind.is_principal}
            reach = _closure(holders, become, forward=False)
            become = [e for e in become if e.target in reach]
        for edge in become:
            self.graph.add_edge(edge)
        if chosen is not None or wanted_resources is not None:
            self._prune(chosen or set(), {r.qualified_name for r in resources} if wanted_resources is not None else set())
        return self.graph

    # ---------------------------------------------------------------- vertices
    def _vertices(self) -> None:
        model, names, graph = self.model, self.names, self.graph
        for account in model.accounts.values():
            vertex = account_vertex(model, names, account.id)
            graph.add_vertex(vertex)
            self.nodes[names.root_user(account.id)] = vertex.id
            for entity in model.principals.values():
                if entity.account == account.name:
                    graph.add_vertex(Vertex(entity.qualified_name, _KINDS[entity.kind], account.name, entity.arn))
                    self.nodes[names.of(entity.arn)] = entity.qualified_name
            for resource in model.resources.values():
                if resource.account == account.name:
                    graph.add_vertex(Vertex(resource.qualified_name, VertexKind.RESOURCE, account.name, resource.arn))
                    self.nodes[names.of(resource.arn)] = resource.qualified_name
        for policy in self._granting_policies():
            for statement in policy.statements:
                if statement.effect is not Effect.ALLOW:
                    continue
                if statement.not_principals is not None:
                    graph.add_vertex(Vertex(ANYONE, VertexKind.ANONYMOUS))  # R20: everyone not listed
                for principal in statement.principals or ():
                    vertex = self._named_principal(principal.type, principal.value)
                    if vertex is not None:
                        graph.add_vertex(vertex)
        self.nodes[ANONYMOUS] = ANYONE

    def _granting_policies(self) -> list[Policy]:
        found = [r.policy for r in self.model.resources.values() if r.policy is not None]
        found += [e.trust_policy for e in self.model.principals.values() if e.trust_policy is not None]
        return found

    def _named_principal(self, kind: PrincipalType, value: str) -> Vertex | None:
        """The vertex of a principal a policy names, when it is not a declared one."""
        if kind is PrincipalType.STAR or value == "*":
            return Vertex(ANYONE, VertexKind.ANONYMOUS)
        if kind is PrincipalType.SERVICE:
            return Vertex(f"service {value}", VertexKind.SERVICE)
        if kind is PrincipalType.FEDERATED:
            return federated_vertex(self.names, value)
        if kind is PrincipalType.AWS:
            account = _account_in(value)
            if account is None or self._modelled(account):
                return None  # a modelled account's principals are its declared vertices
            if value == account or value.endswith(":root"):
                return account_vertex(self.model, self.names, account)
            return Vertex(self.names.of(value), VertexKind.OPEN, self.names.account(account), value)
        return None

    def _modelled(self, account_id: str) -> bool:
        account = self.model.accounts.get(self.names.account(account_id))
        return account is not None and not account.external

    def _ensure_vertex(self, vertex_id: str) -> None:
        """A vertex another stage's edge names (become.py names vertices as this module does)."""
        if vertex_id in self.graph.vertices:
            return
        if vertex_id.startswith("service "):
            self.graph.add_vertex(Vertex(vertex_id, VertexKind.SERVICE))
        elif vertex_id.startswith(("oidc ", "saml ")):
            self.graph.add_vertex(federated_vertex(self.names, vertex_id.split(" ", 1)[1]))
        elif vertex_id == ANYONE:
            self.graph.add_vertex(Vertex(ANYONE, VertexKind.ANONYMOUS))
        else:
            self.graph.add_vertex(Vertex(vertex_id, VertexKind.OPEN))

    # ---------------------------------------------------------------- filters
    def _principal(self, name: str) -> str:
        name = self.nodes.get(name, name)
        titled = [v.id for v in self.graph.vertices.values() if v.title == name]  # `oidc token.actions.githubusercontent.com`
        name = titled[0] if len(titled) == 1 and name not in self.graph.vertices else name
        vertex = self.graph.vertices.get(name)
        if vertex is None or not vertex.kind.is_principal:
            known = [v.id for v in self.graph.vertices.values() if v.kind.is_principal]
            raise UnknownVertex("principal", name, known)
        return name

    def _resource(self, name: str):
        for resource in self.model.resources.values():
            if name in (resource.qualified_name, resource.arn, self.names.of(resource.arn)):
                return resource
        raise UnknownVertex("resource", name, [r.qualified_name for r in self.model.resources.values()])

    def _prune(self, principals: set[str], resources: set[str]) -> None:
        """Keep the vertices the filters name and those on a kept edge."""
        used = set(principals) | resources
        for edge in self.graph.edges:
            used.update((edge.source, edge.target))
        self.graph.vertices = {k: v for k, v in self.graph.vertices.items() if k in used}

    # ---------------------------------------------------------------- candidates
    def _named(self, chosen: set[str] | None) -> list[_Candidate]:
        found = []
        for name, caller in principals(self.model):
            vertex = self.nodes.get(name, ANYONE if name == ANONYMOUS else name)
            if chosen is None or vertex in chosen:
                entity = name if name in self.model.principals else None
                found.append(_Candidate(vertex, caller, self.context, entity=entity))
        return found

    def _symbolic(self, resource: str, chosen: set[str] | None) -> list[_Candidate]:
        found = []
        for _, caller, facts, keys in symbolic_principals(self.model, resource):
            if keys[0] == "anonymous":
                continue  # the anonymous caller is a named candidate already
            vertex, extra = self._symbolic_vertex(caller, keys)
            self.graph.add_vertex(vertex)
            if chosen is not None and vertex.id not in chosen:
                continue
            context = self.context
            if facts:
                context = context.copy()
                for key, value in facts.items():
                    context.set(key, Lookup.given(value))
            candidate = _Candidate(vertex.id, caller, context)
            candidate.nodes[self.names.caller(caller)] = vertex.id
            if caller.account is not None:
                candidate.nodes[self.names.account_principal(caller.account)] = extra or vertex.id
            found.append(candidate)
        return found

    def _symbolic_vertex(self, caller: Caller, keys: tuple[str, ...]) -> tuple[Vertex, str | None]:
        """The vertex a symbolic caller stands for, and the vertex of its account when that differs."""
        first = keys[0]
        if first.startswith("organization "):
            return Vertex(f"anyone in org {first.split(' ', 1)[1]}", VertexKind.OPEN), None
        if first.startswith("service "):
            return Vertex(first, VertexKind.SERVICE), None
        if first.startswith("federated "):
            return federated_vertex(self.names, caller.provider or first.split(" ", 1)[1]), None
        if caller.account is None or caller.account == OUTSIDE_ACCOUNT:
            return Vertex(ANYONE, VertexKind.ANONYMOUS), None
        account = account_vertex(self.model, self.names, caller.account)
        self.graph.add_vertex(account)
        named = caller.principal_arn
        if named and not named.endswith("/unknown"):  # the policy names one principal of the open account
            return Vertex(self.names.of(named), VertexKind.OPEN, account.account, named), account.id
        return account, None

    # ---------------------------------------------------------------- access edges
    def _access(self, arn: str, candidates: list[_Candidate], found: dict[tuple, _Found]) -> None:
        planned = [(target, group) for target, groups in self.plans.get(arn, ()) for group in groups]
        # one question per resource: pruning never changes an answer, and asking per group costs more than it saves
        possible = self.index.might_be_allowed(tuple(a for _, group in planned for a in group), arn) if planned else set()
        for candidate in candidates:
            if candidate.entity is not None and possible is not EVERYONE and candidate.entity not in possible:
                continue  # no Allow could reach it: the engine would deny every request
            for target, group in planned:
                request = Request(candidate.caller, group[0], target, candidate.context)
                outcome = self.evaluator.evaluate(request, trace=False).outcome
                if outcome is Outcome.ALLOWED or outcome is Outcome.CONDITIONAL:
                    self._path(candidate, self.evaluator.evaluate(request), arn, group, found)

    def _path(self, candidate: _Candidate, decision: Decision, resource: str, actions: list[str], found: dict[tuple, _Found]) -> None:
        """The edges of one decision's path, with what each carries."""
        # the path names the requested ARN's node: a child (`…/*`) of a resource is the resource's vertex
        candidate.nodes.setdefault(self.names.resource_node(decision.request.resource), self.resources[resource])
        edges = [e for e in path_of(decision, self.names).edges if e.state is not EdgeState.MISSING]
        if not edges:
            return
        conditional = decision.outcome is Outcome.CONDITIONAL
        placed: set[Condition] = set()
        residual: dict[int, tuple[Condition, ...]] = {}
        for index, edge in enumerate(edges):
            if edge.state is EdgeState.CONDITIONAL:
                residual[index] = _residual(decision, edge)
                placed.update(residual[index])
        caller = self._vertex_of(edges[-1].target, candidate)
        last = max((i for i, e in enumerate(edges) if self._vertex_of(e.target, candidate) == caller), default=len(edges) - 1)
        leftover = tuple(c for c in decision.allow_conditions if c not in placed)
        resource_denies, other_denies = _deny_conditions(decision)
        for index, edge in enumerate(edges):
            source, target = self._vertex_of(edge.source, candidate), self._vertex_of(edge.target, candidate)
            if source == target:
                continue  # a symbolic principal's account is the principal itself: no Delegate edge to draw
            conditions = residual.get(index, ())
            unless: tuple[Condition, ...] = ()
            if conditional and index == last:
                conditions += leftover
                unless += other_denies
            if conditional and index == 0:
                unless += resource_denies
            # the edges that carry the uncertainty; when no condition is known to any edge, the one into the caller
            unplaced = not (placed or leftover or resource_denies or other_denies)
            maybe = conditional and (edge.state is EdgeState.CONDITIONAL or bool(conditions or unless) or (index == last and unplaced))
            key = (source, target, EdgeKind(edge.kind.value))
            entry = found.get(key)
            if entry is None:
                entry = found[key] = _Found()
            (entry.maybe if maybe else entry.sure)[resource].update(actions)
            if maybe:
                entry.conditions.update(dict.fromkeys(conditions))
                entry.unless.update(dict.fromkeys(unless))
            if entry.policy is None or (not maybe and entry.span is None):
                entry.policy, entry.span = edge.policy, edge.span

    def _vertex_of(self, node: str, candidate: _Candidate) -> str:
        found = candidate.nodes.get(node) or self.nodes.get(node)
        if found is None:  # a node this module did not name (an undeclared ARN): a vertex of its own
            found = node
            self._ensure_vertex(found)
        return found

    def _finish(self, found: dict[tuple, _Found]) -> list[GraphEdge]:
        edges = []
        for (source, target, kind), entry in found.items():
            sure = self._named_actions(entry.sure)
            maybe_actions = {r: a - entry.sure.get(r, set()) for r, a in entry.maybe.items()}
            maybe = self._named_actions({r: a for r, a in maybe_actions.items() if a})
            maybe = tuple(a for a in maybe if a not in sure)
            if not sure and not maybe:
                continue
            if sure:
                conditions, unless = (tuple(entry.conditions), tuple(entry.unless)) if maybe else ((), ())
                edges.append(GraphEdge(source, target, kind, sure, False, conditions, unless, None, entry.policy, entry.span, maybe))
            else:
                edges.append(GraphEdge(source, target, kind, maybe, True, tuple(entry.conditions), tuple(entry.unless), None, entry.policy, entry.span))
        return edges

    def _named_actions(self, by_resource: dict[str, set[str]]) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for resource, actions in by_resource.items():
            labels = self._labels.get(resource)
            if labels is None:
                labels = self._labels[resource] = _Labels(self.model, resource, self.plans.get(resource, []))
            names.update(dict.fromkeys(labels.name(actions)))
        return tuple(names)

    def _members(self, chosen: set[str] | None) -> list[GraphEdge]:
        found = []
        for entity in self.model.principals.values():
            if entity.kind is not PrincipalKind.USER or (chosen is not None and entity.qualified_name not in chosen):
                continue
            for group in entity.groups:
                if group in self.graph.vertices:
                    found.append(GraphEdge(group, entity.qualified_name, EdgeKind.MEMBER))
        return found


# ---------------------------------------------------------------- naming the actions of an edge


_FEW = 3


class _Labels:
    """How one resource's actions are named: `ecr:*` for a whole service, verbs, then single actions."""

    def __init__(self, model: Model, resource: str, planned: list[tuple[str, list[list[str]]]]):
        self.by_service: dict[str, set[str]] = defaultdict(set)
        for _, groups in planned:
            for group in groups:
                for action in group:
                    self.by_service[action.split(":", 1)[0]].add(action)
        self.verbs: list[tuple[str, frozenset[str]]] = []
        for verb in model.verbs.values():
            pairs, _ = requests_for(verb.actions, resource, model)
            applies = frozenset(action for action, target in pairs if target != "*")
            if applies:
                self.verbs.append((verb.name, applies))

    def name(self, actions: set[str]) -> list[str]:
        found: list[str] = []
        covered: set[str] = set()
        for service in sorted({a.split(":", 1)[0] for a in actions}):
            every = self.by_service.get(service, set())
            missing = every - actions
            if len(every) > 1 and not missing:
                found.append(f"{service}:*")
                covered |= every
            elif len(every) > _FEW * 3 and len(missing) <= _FEW:  # most of a large service: say what is left out
                found.append(f"{service}:* except {', '.join(sorted(missing))}")
                covered |= every & actions
        for verb, applies in self.verbs:
            if applies <= actions and not applies <= covered:
                found.append(verb)
                covered |= applies
        return found + sorted(actions - covered)


# ---------------------------------------------------------------- helpers


def _residual(decision: Decision, edge: Edge) -> tuple[Condition, ...]:
    """The unknown conditions of the statement that makes a conditional edge."""
    for layer in decision.trace.layers:
        for statement in layer.statements:
            if statement.policy == edge.policy and statement.span == edge.span and statement.applies is Truth.UNKNOWN:
                return tuple(statement.residual)
    return ()


def _deny_conditions(decision: Decision) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
    """A conditional decision's Deny conditions: those of the resource policy, and the others."""
    if decision.outcome is not Outcome.CONDITIONAL:
        return (), ()
    resource: list[Condition] = []
    for layer in decision.trace.layers:
        if layer.layer is Layer.RESOURCE:
            resource.extend(c for st in layer.statements if st.is_deny and st.applies is Truth.UNKNOWN for c in st.residual)
    return tuple(c for c in decision.deny_conditions if c in resource), tuple(c for c in decision.deny_conditions if c not in resource)


def _closure(start: Iterable[str], edges: list[GraphEdge], *, forward: bool) -> set[str]:
    """Every vertex reachable from `start` along become edges (against them when not `forward`)."""
    step: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.kind.becomes:
            a, b = (edge.source, edge.target) if forward else (edge.target, edge.source)
            step[a].append(b)
    seen = set(start)
    todo = list(seen)
    while todo:
        for following in step[todo.pop()]:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def _account_in(value: str) -> str | None:
    if len(value) == 12 and value.isdigit():
        return value
    fields = value.split(":", 5)
    if len(fields) == 6 and fields[0] == "arn" and len(fields[4]) == 12 and fields[4].isdigit():
        return fields[4]
    return None
