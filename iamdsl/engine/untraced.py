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

from iamdsl.engine.algorithm import Scenario
from iamdsl.engine.arn import request_fields
from iamdsl.engine.compiled import RequestFacts
from iamdsl.engine.decision import Decision
from iamdsl.engine.trace import GrantClass, Layer, Trace, Truth

if TYPE_CHECKING:
    from iamdsl.engine.evaluate import Evaluator
    from iamdsl.engine.request import Request

_TRUE, _FALSE, _UNKNOWN = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN
_ANSWERED_BY_WHO_CALLS = frozenset({"sts:getcalleridentity", "sts:assumerole", "sts:getfederationtoken"})


class Undecided(Exception):
    """An unknown statement could change the answer: the full evaluation must decide."""


def decide(evaluator: Evaluator, request: Request) -> Decision | None:
    """The decision `evaluator` would take for `request`, with an empty trace; None when unknown statements matter."""
    if request.action.lower() in _ANSWERED_BY_WHO_CALLS and evaluator.special_case(request) is not None:
        return None  # R78, R81: rare, and the evaluator words them
    caller = request.caller
    owned, resource_account = evaluator.resource_side(request)
    cross_account = caller.account is not None and resource_account is not None and caller.account != resource_account
    view = _Statements(evaluator, request, owned, resource_account)
    try:
        verdict = Scenario(evaluator.settings, request, owned, resource_account, cross_account, view).decide()
    except Undecided:
        return None
    # The trace records no statements: only the accounts and what blocked the request.
    trace = Trace([], [], cross_account, caller.account, resource_account, verdict.missing_side, verdict.blocked_by, [])
    caveats, not_modelled = evaluator._caveats(request, owned)
    return Decision(verdict.outcome, request, verdict.reason, trace, frozenset(verdict.reasons), caveats=caveats, not_modelled=not_modelled)


class _Statements(RequestFacts):
    """The statements in play, asked about lazily; answers algorithm.py's `Statements` questions.

    It is also the request's facts that compiled statements read.
    """

    __slots__ = ("action", "levels", "_allowed", "_by_layer")

    def __init__(self, evaluator: Evaluator, request: Request, owned, resource_account: str | None) -> None:
        resource = request.resource
        super().__init__(resource, request_fields(resource), request.caller, evaluator.request_context(request, owned, resource_account))
        self.action = request.action
        # Each level (a layer, or one SCP or RCP level): its layer, label, and policies with their index.
        self.levels = evaluator.in_play(request, owned, resource_account)
        self._allowed: dict[int, Truth] = {}  # level position -> whether an Allow of it applies
        self._by_layer: dict[Layer, list[int]] | None = None

    # ------------------------------------------------------------ algorithm.py's questions
    def deny(self) -> tuple[str, set[Layer]] | None:
        first: str | None = None  # the policy of the first Deny that applies, or may
        layers: set[Layer] = set()
        certain = False  # whether some Deny applies for certain
        action, facts = self.action, self
        for layer, _, policies, _ in self.levels:
            if certain and layer in layers:
                continue  # nothing more to learn here
            for ref, index in policies:
                if not index.has_denies:
                    continue
                denies = (index.by_action.get(action) or index.for_action(action)).denies
                if not denies:
                    continue
                for statement in denies:
                    truth = statement.applies(facts)
                    if truth is _FALSE:
                        continue
                    # An unknown Deny counts in the worst case, which is the one reported
                    # when a certain Deny makes both cases EXPLICIT_DENY.
                    if first is None:
                        first = ref.label
                    layers.add(layer)
                    if truth is _TRUE:
                        certain = True
                    if certain:
                        break
                if certain and layer in layers:
                    break
        if certain:
            return first, layers
        if layers:
            raise Undecided  # only unknown Denies: the best case has none, the worst case has them
        return None

    def unallowed_level(self, layer: Layer) -> str | None:
        levels = self.levels
        for position in (self._by_layer or self._positions()).get(layer, ()):
            truth = self._allows_at(position)
            if truth is _UNKNOWN:
                raise Undecided  # allowed in the best case, not in the worst
            if truth is _FALSE:
                return levels[position][1]
        return None

    def allows(self, layer: Layer) -> bool:
        undecided = False
        for position in (self._by_layer or self._positions()).get(layer, ()):
            truth = self._allows_at(position)
            if truth is _TRUE:
                return True
            undecided = undecided or truth is _UNKNOWN
        if undecided:
            raise Undecided
        return False

    def present(self, layer: Layer) -> bool:
        return layer in (self._by_layer or self._positions())

    def grants(self) -> set[GrantClass]:
        found: set[GrantClass] = set()
        action, facts, caller = self.action, self, self.caller
        for layer, _, policies, _ in self.levels:
            if layer is not Layer.RESOURCE:
                continue
            for _, index in policies:
                for statement in (index.by_action.get(action) or index.for_action(action)).allows:
                    truth = statement.applies(facts)
                    if truth is _UNKNOWN:
                        raise Undecided  # the best case has its grant, the worst case does not
                    if truth is _TRUE:
                        grant = statement.grant(caller) if statement.principal else None
                        if grant is not None:
                            found.add(grant)
        return found

    # ------------------------------------------------------------ one level
    def _positions(self) -> dict[Layer, list[int]]:
        """The positions of each layer's levels, in order (only decisions that no Deny settles ask)."""
        found = self._by_layer
        if found is None:
            found = self._by_layer = {}
            for position, (layer, _, _, _) in enumerate(self.levels):
                found.setdefault(layer, []).append(position)
        return found

    def _allows_at(self, position: int) -> Truth:
        """Whether an Allow of the level applies: TRUE at the first that does, else UNKNOWN if one may."""
        found = self._allowed.get(position)
        if found is None:
            found = _FALSE
            action, facts = self.action, self
            for _, index in self.levels[position][2]:
                if not index.has_allows:
                    continue
                for statement in (index.by_action.get(action) or index.for_action(action)).allows:
                    truth = statement.applies(facts)
                    if truth is _TRUE:
                        found = _TRUE
                        break
                    if truth is _UNKNOWN:
                        found = _UNKNOWN
                if found is _TRUE:
                    break
            self._allowed[position] = found
        return found
