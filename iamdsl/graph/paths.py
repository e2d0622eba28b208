"""How can P reach R?  Every path of become edges, up to a depth, that ends in access.

Stage: graph (become edges + the engine -> paths).  From the start principal,
the search follows become edges (`become.py`: AssumeRole, PassRole,
UpdateAssumeRolePolicy, CreateCredentials) and, at each principal X it
reaches, asks the engine whether X reaches the target:

- a resource: X is allowed (or conditionally allowed) some catalogue action
  on it, or, when the question names actions (`can P pull R` falling back to
  paths), every one of them;
- a role or user: X is it.

Where a principal on the path so far can edit X's policies (an EditPolicy
edge into X), X's permissions are bounded only by its guardrails, so X is
also asked as *escalated*: the model with an Allow-everything identity policy
added to X.  Boundaries, SCPs, RCPs and resource policies still decide.

A path stops at the first principal that reaches the target: longer paths
through it say nothing new.  Paths are simple (no principal twice), at most
`depth` edges long, and at most `limit` of them are kept, shortest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.verbs import evaluate_actions
from iamdsl.graph.access import principal_access
from iamdsl.graph.become import Actor, Becoming, actor_for, escalated
from iamdsl.graph.elements import EdgeKind, GraphEdge
from iamdsl.model import Condition, Model, PrincipalKind

DEFAULT_DEPTH = 4
DEFAULT_LIMIT = 50
_INTO = ("sts:AssumeRole", "iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")


@dataclass(frozen=True, slots=True)
class Arrival:
    """What the principal at the end of a path can do on the target."""

    holder: str  # the principal that acts
    allowed: tuple[str, ...] = ()  # actions allowed in every context
    conditional: tuple[str, ...] = ()  # actions allowed only under some context
    escalated_by: str | None = None  # who edits the holder's policies first, when the access needs that
    conditions: tuple[Condition, ...] = ()  # what the last step needs (for actions asked by name)
    is_target: bool = False  # the target is the holder itself (a role or user)


@dataclass(frozen=True, slots=True)
class PathToTarget:
    edges: tuple[GraphEdge, ...]
    arrival: Arrival

    @property
    def conditional(self) -> bool:
        return any(e.conditional for e in self.edges) or (not self.arrival.is_target and not self.arrival.allowed)

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(dict.fromkeys(c for e in self.edges for c in e.conditions)) + self.arrival.conditions

    @property
    def unless(self) -> tuple[Condition, ...]:
        return tuple(dict.fromkeys(c for e in self.edges for c in e.unless))


@dataclass(slots=True)
class Paths:
    start: str
    target: str  # ARN of the resource, role or user
    depth: int
    paths: list[PathToTarget] = field(default_factory=list)
    truncated: bool = False  # more than `limit` paths exist


class PathFinder:
    """Searches paths from principals to targets; engine answers are remembered across searches."""

    def __init__(self, model: Model, evaluator: Evaluator | None = None, context: Context | None = None):
        self.model = model
        self.evaluator = evaluator or Evaluator(model)
        self.context = context or Context()
        self.becoming = Becoming(model, self.evaluator, self.context)
        self._actors: dict[str, Actor] = {}
        self._escalated: dict[str, Evaluator] = {}
        self._arrivals: dict[tuple, Arrival | None] = {}
        self._principal_arns = {e.arn: e.qualified_name for e in model.principals.values() if e.kind is not PrincipalKind.GROUP}

    def actor(self, name: str) -> Actor:
        found = self._actors.get(name)
        if found is None:
            found = self._actors[name] = actor_for(self.model, name)
        return found

    def how_can(
        self, start: Actor, target: str, *, verb: str | None = None, actions: tuple[str, ...] = (),
        depth: int = DEFAULT_DEPTH, limit: int = DEFAULT_LIMIT, include_direct: bool = True,
    ) -> Paths:
        """Every path from `start` to `target` (an ARN) of at most `depth` become edges."""
        self._actors.setdefault(start.name, start)
        found = Paths(start.name, target, depth)
        goal = (verb, actions)
        # Breadth first, so the shortest paths come first and the limit keeps them.
        frontier: list[tuple[str, tuple[GraphEdge, ...]]] = [(start.name, ())]
        for _level in range(depth + 1):
            following: list[tuple[str, tuple[GraphEdge, ...]]] = []
            for name, edges in frontier:
                if edges or include_direct:
                    arrival = self._arrive(name, edges, start.name, target, goal)
                    if arrival is not None:
                        if len(found.paths) >= limit:
                            found.truncated = True
                            return found
                        found.paths.append(PathToTarget(edges, arrival))
                        continue
                if len(edges) >= depth:
                    continue
                visited = {start.name, *(e.target for e in edges)}
                for edge in self.becoming.out_edges(self.actor(name)):
                    if edge.kind.becomes and edge.target not in visited:
                        following.append((edge.target, edges + (edge,)))
            frontier = following
            if not frontier:
                break
        return found

    # ---------------------------------------------------------------- arriving
    def _arrive(self, name: str, edges: tuple[GraphEdge, ...], start: str, target: str, goal) -> Arrival | None:
        if target in self._principal_arns:  # reaching a role or user is becoming it
            return Arrival(name, is_target=True) if self._principal_arns[target] == name else None
        arrival = self._access(name, target, goal, escalate=False)
        if arrival is not None:
            return arrival
        editor = self._editor(name, [start, *(e.target for e in edges)])
        if editor is None:
            return None
        arrival = self._access(name, target, goal, escalate=True)
        if arrival is None:
            return None
        return Arrival(arrival.holder, arrival.allowed, arrival.conditional, editor.source, arrival.conditions)

    def _editor(self, name: str, on_path: list[str]) -> GraphEdge | None:
        """An EditPolicy edge into `name` from a principal on the path so far (itself included)."""
        if name not in self.model.principals:
            return None
        for source in on_path:
            for edge in self.becoming.out_edges(self.actor(source)):
                if edge.kind is EdgeKind.EDIT_POLICY and edge.target == name:
                    return edge
        return None

    def _access(self, name: str, target: str, goal, *, escalate: bool) -> Arrival | None:
        key = (name, target, goal, escalate)
        if key in self._arrivals:
            return self._arrivals[key]
        evaluator = self._escalated_evaluator(name) if escalate else self.evaluator
        actor = actor_for(evaluator.model, name) if escalate else self.actor(name)
        verb, actions = goal
        found: Arrival | None = None
        if actions:
            decision = evaluate_actions(evaluator, actor.caller, verb or actions[0], actions, target, self.context)
            if decision.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
                allowed = tuple(decision.allowed_actions)
                conditions = tuple(dict.fromkeys(c for d in decision.decisions for c in d.allow_conditions))
                conditional = tuple(d.request.action for d in decision.decisions if d.outcome is Outcome.CONDITIONAL)
                found = Arrival(name, allowed, conditional, conditions=conditions)
        else:
            access = principal_access(evaluator.model, name, actor.caller, resource=target, evaluator=evaluator)
            if access.allowed or access.conditional:
                found = Arrival(name, _actions(access.allowed), _actions(access.conditional))
        self._arrivals[key] = found
        return found

    def _escalated_evaluator(self, name: str) -> Evaluator:
        found = self._escalated.get(name)
        if found is None:
            found = self._escalated[name] = Evaluator(escalated(self.model, name), self.evaluator.settings, now=self.evaluator.now)
        return found


def _actions(triples) -> tuple[str, ...]:
    return tuple(sorted({action for _, action, _ in triples}))


# ---------------------------------------------------------------- who reaches a target through others


@dataclass(frozen=True, slots=True)
class Indirect:
    """A principal that is not allowed itself, and the shortest path by which it reaches one that is."""

    name: str
    path: PathToTarget


def who_reaches(
    finder: PathFinder, holders: dict[str, Arrival], *, depth: int = DEFAULT_DEPTH, limit: int = DEFAULT_LIMIT
) -> list[Indirect]:
    """Principals with a path of become edges to one of `holders` (the directly allowed), shortest first.

    The search runs backwards from the holders: the principals that might
    have an edge into a principal X are those an Allow might reach for the
    edge's actions on X (candidates.py, exact pruning), and each of them is
    then asked for its edges by the engine.
    """
    from iamdsl.graph.become import callers_outside_iam
    from iamdsl.graph.candidates import candidates_for

    index = candidates_for(finder.model)
    arns = {name: arn for arn, name in finder._principal_arns.items()}
    everyone = [n for n in arns]
    outsiders = []  # services and identity providers that trust policies name: always asked, they are few
    for actor in callers_outside_iam(finder.model):
        finder._actors.setdefault(actor.name, actor)
        outsiders.append(actor.name)
    # name -> (the edge out of it, towards a holder), breadth first from the holders
    next_step: dict[str, GraphEdge] = {}
    frontier = list(holders)
    for _level in range(depth):
        following: list[str] = []
        for target in frontier:
            arn = arns.get(target)
            if arn is None:
                continue
            # every become edge into X needs one of these allowed on X (the launch actions come on top of PassRole)
            possible = index.might_be_allowed(_INTO, arn)
            sources = everyone if possible is None else [n for n in possible if n in arns]
            for source in sorted(sources) + outsiders:
                if source in holders or source in next_step or source == target:
                    continue
                entity = finder.model.principals[target]
                for edge in finder.becoming.edges_to(finder.actor(source), entity):
                    if edge.kind.becomes:
                        next_step[source] = edge
                        following.append(source)
                        break
        frontier = following
        if not frontier or len(next_step) >= limit:
            break
    found: list[Indirect] = []
    for name in list(next_step)[:limit]:
        edges: list[GraphEdge] = []
        at = name
        while at in next_step and len(edges) <= depth:
            edges.append(next_step[at])
            at = next_step[at].target
        found.append(Indirect(name, PathToTarget(tuple(edges), holders[at])))
    return found
