"""Deciding without a trace: the same answer, with no record of how.

Stage: engine, request level.  `Evaluator.evaluate(request, trace=False)`
comes here first.  The policies in play are the evaluator's own
(`Evaluator.parts`, the runs of levels `Evaluator.in_play` lists), and the
algorithm is algorithm.py's; what differs is how statements are asked about.
Instead of matching every statement that covers the action and keeping a
StatementTrace for each, this view evaluates compiled statements
(compiled.py) only when the algorithm's next question needs them, and stops
as soon as the answer is known:

- the first applicable Deny settles "is there one?"; after it, only the
  layers not yet known to deny are still looked at (they name the reasons);
  the policies without a Deny are never looked at (levels.py lists the others);
- an SCP or RCP level, or a layer, stops at its first applicable Allow;
- the context is read key by key (facts.RequestContext): the model's facts
  about the caller and the resource are looked up only when a condition
  reads a key they may hold.

A statement can be unknown (its conditions depend on context nobody gave).
Where the algorithm's question has the same answer whatever the unknown
statements turn out to be, the answer stands: in the best and the worst case
the algorithm then walks the same steps to the same verdict.  Where it does
not, this view gives up (`None`), and the evaluator decides with its full
three-valued machinery, which also works out the residual conditions of a
CONDITIONAL answer.  Nothing is cached per request.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from iamdsl.engine import algorithm
from iamdsl.engine.arn import request_fields
from iamdsl.engine.decision import Decision
from iamdsl.engine.facts import RequestView
from iamdsl.engine.policy_index import ActionStatements
from iamdsl.engine.trace import GrantClass, Layer, Trace, Truth

if TYPE_CHECKING:
    from iamdsl.engine.evaluate import ActionFacts, Evaluator
    from iamdsl.engine.policy_index import PolicyIndex
    from iamdsl.engine.request import Request

_TRUE, _FALSE, _UNKNOWN = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN


class Undecided(Exception):
    """An unknown statement could change the answer: the full evaluation must decide."""


def decide(evaluator: Evaluator, request: Request) -> Decision | None:
    """The decision `evaluator` would take for `request`, with an empty trace; None when unknown statements matter."""
    action = request.action
    action_facts = evaluator._actions.get(action) or evaluator.action_facts(action)
    if action_facts.special and evaluator.special_case(request) is not None:
        return None  # R78, R81: rare, and the evaluator words them
    caller = request.caller
    owned, resource_account = evaluator.resource_side(request)
    cross_account = caller.account is not None and resource_account is not None and caller.account != resource_account
    view = _Statements(evaluator, request, owned, resource_account, action_facts)
    fields = view.fields
    service = fields[2] if fields is not None else None  # the ARN's third field, which the algorithm and the caveats read
    try:
        verdict = algorithm.decide(evaluator.settings, request, owned, resource_account, cross_account, view, service)
    except Undecided:
        return None
    # The trace records no statements: only the accounts and what blocked the request.
    trace = Trace([], [], cross_account, caller.account, resource_account, verdict.missing_side, verdict.blocked_by, [])
    caveats, not_modelled = evaluator._caveats(request, owned, service)
    return Decision(verdict.outcome, request, verdict.reason, trace, verdict.reasons, (), (), (), caveats, not_modelled)


class _Statements(RequestView):
    """The statements in play, asked about lazily; answers algorithm.py's `Statements` questions.

    It is also the request as compiled statements read it (facts.RequestView).
    The levels come in the evaluator's parts (levels.py): every policy with a
    Deny, in order, and per layer its levels' policies with an Allow.  Each
    policy's statements for the action come from its index's plan for the
    action's service, and from the action's key in it (policy_index.py).
    """

    __slots__ = ("service", "key", "denies", "identity", "boundary", "session", "resource_part", "scps", "rcps", "endpoint")

    def __init__(self, evaluator: Evaluator, request: Request, owned, resource_account: str | None, action_facts: ActionFacts) -> None:
        RequestView.__init__(self, evaluator.facts, request, owned, resource_account, evaluator.now, request_fields(request.resource))
        self.service, self.key = action_facts.plan_key, action_facts.action_key  # the plan each index reads, and the key in it
        plan, session, resource_part, rcps, endpoint = evaluator.parts(request, owned, resource_account, action_facts)
        self.identity, self.boundary, self.scps = plan.identity, plan.boundary, plan.scps
        self.session, self.resource_part, self.rcps, self.endpoint = session, resource_part, rcps, endpoint
        # Every policy with a Deny, in the order of `Evaluator.in_play` (most parts hold none).
        self.denies = plan.head_denies + session.denies + resource_part.denies + plan.scps.denies + rcps.denies + endpoint.denies

    # ------------------------------------------------------------ algorithm.py's questions
    def deny(self) -> tuple[str, set[Layer]] | None:
        first: str | None = None  # the policy of the first Deny that applies, or may
        layers: set[Layer] = set()
        certain = False  # whether some Deny applies for certain
        service, key = self.service, self.key
        for layer, label, index in self.denies:
            if certain and layer in layers:
                continue  # nothing more to learn here
            covering = index.plans.get(service, index.elsewhere)  # `index.entry(service, key)`, inlined
            if covering.__class__ is not ActionStatements:
                covering = covering[key]
            for statement in covering.denies:
                truth = statement.applies(self)
                if truth is _FALSE:
                    continue
                # An unknown Deny counts in the worst case, which is the one reported
                # when a certain Deny makes both cases EXPLICIT_DENY.
                if first is None:
                    first = label
                layers.add(layer)
                if truth is _TRUE:
                    certain = True
                if certain:
                    break
        if certain:
            return first, layers
        if layers:
            raise Undecided  # only unknown Denies: the best case has none, the worst case has them
        return None

    def unallowed_level(self, layer: Layer) -> str | None:
        for label, indexes in _PART_OF[layer](self).allows:
            truth = self._allows(indexes)
            if truth is _UNKNOWN:
                raise Undecided  # allowed in the best case, not in the worst
            if truth is _FALSE:
                return label
        return None

    def allows(self, layer: Layer) -> bool:
        undecided = False
        for _, indexes in _PART_OF[layer](self).allows:
            truth = self._allows(indexes)
            if truth is _TRUE:
                return True
            undecided = undecided or truth is _UNKNOWN
        if undecided:
            raise Undecided
        return False

    def present(self, layer: Layer) -> bool:
        return bool(_PART_OF[layer](self).records)

    def grants(self) -> set[GrantClass]:
        found: set[GrantClass] = set()
        service, key, caller = self.service, self.key, self.caller
        for _, indexes in self.resource_part.allows:
            for index in indexes:
                for statement in index.entry(service, key).allows:
                    truth = statement.applies(self)
                    if truth is _UNKNOWN:
                        raise Undecided  # the best case has its grant, the worst case does not
                    if truth is _TRUE:
                        grant = statement.grant(caller) if statement.principal else None
                        if grant is not None:
                            found.add(grant)
        return found

    # ------------------------------------------------------------ one level
    def _allows(self, indexes: tuple[PolicyIndex, ...]) -> Truth:
        """Whether an Allow of a level's policies applies: TRUE at the first that does, else UNKNOWN if one may."""
        found = _FALSE
        service, key = self.service, self.key
        for index in indexes:
            covering = index.plans.get(service, index.elsewhere)  # `index.entry(service, key)`, inlined
            if covering.__class__ is not ActionStatements:
                covering = covering[key]
            for statement in covering.allows:
                truth = statement.applies(self)
                if truth is _TRUE:
                    return _TRUE
                if truth is _UNKNOWN:
                    found = _UNKNOWN
        return found



# Which attribute of the view holds each layer's part (every layer has one, `levels.NOTHING` when not in play).
_PART_OF = {
    layer: attrgetter(name)
    for layer, name in (
        (Layer.IDENTITY, "identity"), (Layer.BOUNDARY, "boundary"), (Layer.SESSION, "session"), (Layer.RESOURCE, "resource_part"),
        (Layer.SCP, "scps"), (Layer.RCP, "rcps"), (Layer.ENDPOINT, "endpoint"),
    )
}
