"""Deciding without a trace: the same answer, with no record of how.

Stage: engine, request level.  `Evaluator.evaluate(request, trace=False)`
comes here first.  The policies in play are the evaluator's own
(`Evaluator.in_play`), and the algorithm is algorithm.py's; what differs is
how statements are asked about.  Instead of matching every statement that
covers the action and keeping a StatementTrace for each, this view evaluates
compiled statements (compiled.py) only when the algorithm's next question
needs them, and stops as soon as the answer is known:

- the first applicable Deny settles "is there one?"; after it, only the
  layers not yet known to deny are still looked at (they name the reasons);
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

from typing import TYPE_CHECKING

from iamdsl.engine import algorithm
from iamdsl.engine.arn import request_fields
from iamdsl.engine.compiled import RequestFacts
from iamdsl.engine.decision import Decision
from iamdsl.engine.facts import RequestContext
from iamdsl.engine.levels import NOTHING, Part
from iamdsl.engine.trace import GrantClass, Layer, Trace, Truth

if TYPE_CHECKING:
    from iamdsl.engine.evaluate import Evaluator
    from iamdsl.engine.policy_index import PolicyIndex
    from iamdsl.engine.request import Request

_TRUE, _FALSE, _UNKNOWN = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN


class Undecided(Exception):
    """An unknown statement could change the answer: the full evaluation must decide."""


def decide(evaluator: Evaluator, request: Request) -> Decision | None:
    """The decision `evaluator` would take for `request`, with an empty trace; None when unknown statements matter."""
    action = request.action
    if (evaluator._actions.get(action) or evaluator.action_facts(action)).special and evaluator.special_case(request) is not None:
        return None  # R78, R81: rare, and the evaluator words them
    caller = request.caller
    owned, resource_account = evaluator.resource_side(request)
    cross_account = caller.account is not None and resource_account is not None and caller.account != resource_account
    view = _Statements(evaluator, request, owned, resource_account)
    fields = view.fields
    service = fields[2] if fields is not None else None  # the ARN's third field, which the algorithm and the caveats read
    try:
        verdict = algorithm.decide(evaluator.settings, request, owned, resource_account, cross_account, view, service)
    except Undecided:
        return None
    # The trace records no statements: only the accounts and what blocked the request.
    trace = Trace([], [], cross_account, caller.account, resource_account, verdict.missing_side, verdict.blocked_by, [])
    caveats, not_modelled = evaluator._caveats(request, owned, service)
    return Decision(verdict.outcome, request, verdict.reason, trace, frozenset(verdict.reasons), (), (), (), caveats, not_modelled)


class _Statements(RequestFacts):
    """The statements in play, asked about lazily; answers algorithm.py's `Statements` questions.

    It is also the request's facts that compiled statements read.  The levels
    come in the evaluator's parts (levels.py): every policy with a Deny, in
    order, and per layer its levels' policies with an Allow.
    """

    __slots__ = ("action", "denies", "identity", "boundary", "session", "resource_part", "scps", "rcps", "endpoint")

    def __init__(self, evaluator: Evaluator, request: Request, owned, resource_account: str | None) -> None:
        resource = request.resource
        self.resource = resource
        self.fields = request_fields(resource)
        self.caller = request.caller
        self.context = RequestContext(evaluator.facts, request, owned, resource_account, evaluator.now)
        self.action = request.action
        plan, session, resource_part, rcps, endpoint = evaluator.parts(request, owned, resource_account)
        self.identity, self.boundary, self.scps = plan.identity, plan.boundary, plan.scps
        self.session, self.resource_part, self.rcps, self.endpoint = session, resource_part, rcps, endpoint
        # Every policy with a Deny, in the order of `Evaluator.in_play` (most parts hold none).
        self.denies = plan.head_denies + session.denies + resource_part.denies + plan.scps.denies + rcps.denies + endpoint.denies

    # ------------------------------------------------------------ algorithm.py's questions
    def deny(self) -> tuple[str, set[Layer]] | None:
        first: str | None = None  # the policy of the first Deny that applies, or may
        layers: set[Layer] = set()
        certain = False  # whether some Deny applies for certain
        action = self.action
        for layer, label, index in self.denies:
            if certain and layer in layers:
                continue  # nothing more to learn here
            for statement in (index.by_action.get(action) or index.for_action(action)).denies:
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
        for label, indexes in self._part(layer).allows:
            truth = self._allows(indexes)
            if truth is _UNKNOWN:
                raise Undecided  # allowed in the best case, not in the worst
            if truth is _FALSE:
                return label
        return None

    def allows(self, layer: Layer) -> bool:
        undecided = False
        for _, indexes in self._part(layer).allows:
            truth = self._allows(indexes)
            if truth is _TRUE:
                return True
            undecided = undecided or truth is _UNKNOWN
        if undecided:
            raise Undecided
        return False

    def present(self, layer: Layer) -> bool:
        return bool(self._part(layer).records)

    def grants(self) -> set[GrantClass]:
        found: set[GrantClass] = set()
        action, caller = self.action, self.caller
        for _, indexes in self.resource_part.allows:
            for index in indexes:
                for statement in (index.by_action.get(action) or index.for_action(action)).allows:
                    truth = statement.applies(self)
                    if truth is _UNKNOWN:
                        raise Undecided  # the best case has its grant, the worst case does not
                    if truth is _TRUE:
                        grant = statement.grant(caller) if statement.principal else None
                        if grant is not None:
                            found.add(grant)
        return found

    # ------------------------------------------------------------ one level
    def _part(self, layer: Layer) -> Part:
        # In the order algorithm.py asks: RCP and SCP levels, the endpoint, the identity side.
        if layer is _LAYER_RCP:
            return self.rcps
        if layer is _LAYER_SCP:
            return self.scps
        if layer is _LAYER_ENDPOINT:
            return self.endpoint
        if layer is _LAYER_IDENTITY:
            return self.identity
        if layer is _LAYER_BOUNDARY:
            return self.boundary
        if layer is _LAYER_SESSION:
            return self.session
        if layer is _LAYER_RESOURCE:
            return self.resource_part
        return NOTHING

    def _allows(self, indexes: tuple[PolicyIndex, ...]) -> Truth:
        """Whether an Allow of a level's policies applies: TRUE at the first that does, else UNKNOWN if one may."""
        found = _FALSE
        action = self.action
        for index in indexes:
            for statement in (index.by_action.get(action) or index.for_action(action)).allows:
                truth = statement.applies(self)
                if truth is _TRUE:
                    return _TRUE
                if truth is _UNKNOWN:
                    found = _UNKNOWN
        return found


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_LAYER_BOUNDARY = Layer.BOUNDARY
_LAYER_ENDPOINT = Layer.ENDPOINT
_LAYER_IDENTITY = Layer.IDENTITY
_LAYER_RCP = Layer.RCP
_LAYER_RESOURCE = Layer.RESOURCE
_LAYER_SCP = Layer.SCP
_LAYER_SESSION = Layer.SESSION
