"""One request in, a Decision with its Trace out.

Stage: engine, request level (rulebook §4–§5: R50–R66, R70–R81).

Every statement in play is matched once (matching.py).  A statement can be
true, false, or unknown (it depends on context nobody gave).  The decision is
then taken twice: once assuming every unknown Allow holds and every unknown
Deny does not (the best case), and once the other way round (the worst case).
AWS's algorithm (algorithm.py) is monotone in both, so when the two agree the
answer is certain; when only the best case allows, the answer is CONDITIONAL,
carrying the unknown Allow conditions that must hold and the Deny conditions
that must not.  Nothing unknown is ever guessed into an ALLOWED or a DENIED.

Statements are matched in their compiled form (compiled.py), taken from each
policy's index for the request's action (policy_index.py).  With the trace
on, every statement is recorded: the data of the ones that cover the action
at once, the records of the others (misses on the action, and covering
statements found not to apply) and the words of every reason when someone
reads them (trace.py).  With the trace off,
`evaluate` first tries untraced.py, which takes the same decision without
recording anything and stops as soon as the answer is known; it comes back
here only when an unknown statement could change the answer.
"""

from __future__ import annotations

from datetime import datetime

from iamdsl.engine import untraced
from iamdsl.engine.algorithm import Scenario
from iamdsl.engine.arn import request_fields
from iamdsl.engine.compiled import CompiledStatement, RequestFacts
from iamdsl.engine.context import Context, Presence
from iamdsl.engine.decision import Decision, Outcome
from iamdsl.engine.facts import Facts, RequestContext
from iamdsl.engine.matching import match_statement
from iamdsl.engine.policy_index import PolicyIndex, PolicyIndexes
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import GrantClass, Layer, LayerTrace, PolicyRef, StatementTrace, Trace, Truth
from iamdsl.engine.world import OwnedResource, World
from iamdsl.language.errors import NotSupportedError
from iamdsl.language.operators import parse_date
from iamdsl.model import Model, NotModelled

__all__ = ["Decision", "Evaluator", "Outcome"]

_GET_CALLER_IDENTITY = "sts:getcalleridentity"
_MEMO_SIZE = 8192
_ASSUME_ACTIONS = ("sts:assumerole",)
_GET_FEDERATION_TOKEN = "sts:getfederationtoken"
_IDENTITY_SIDE = frozenset(kind for kind in CallerKind if kind.has_identity_side)
_COMPANION_ACTIONS = frozenset(_ASSUME_ACTIONS + ("sts:assumerolewithwebidentity", "sts:assumerolewithsaml"))

Indexed = tuple[tuple[PolicyRef, PolicyIndex], ...]  # policies, each with its index
InPlay = list[tuple[Layer, str, Indexed, str]]  # (layer, label, policies, note)


class Evaluator:
    """Decides requests against one model.  Build once, call `evaluate` many times."""

    def __init__(self, model: Model, settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None):
        self.model = model
        self.settings = settings
        self.world = World(model)
        self.indexes = PolicyIndexes(settings)  # each policy's statements, compiled, by the actions they cover
        self.facts = Facts(self.world)  # context keys the model implies, per caller and per resource
        # Policies in play that depend on the caller, on the resource policy or on the account alone (in_play).
        self._callers: dict[tuple, tuple[object, tuple[InPlay, InPlay, bool]]] = {}
        self._rcp_actions: dict[str, bool] = {}
        self._resources: dict[int, tuple[PolicyRef, tuple[Layer, str, Indexed, str]]] = {}
        self._levels: dict[tuple[Layer, str | None], InPlay] = {}
        self._caveat_memo: dict[tuple, tuple[object, tuple[tuple[str, ...], tuple[NotModelled, ...]]]] = {}  # per service and resource
        # aws:CurrentTime: the flag wins, then the model's `now`; otherwise it stays unknown
        self.now = now or (parse_date(model.now) if model.now else None)

    # ---------------------------------------------------------------- entry point
    def evaluate(self, request: Request, *, trace: bool = True) -> Decision:
        """Decide `request`.

        With `trace=False`, the decision (outcome, reasons, reason, residual
        conditions, caveats, companions) is the same, but its trace records
        no statements: `trace.layers` and `trace.grant_classes` stay empty,
        and only the accounts, `blocked_by`, `missing_side` and the notes are
        kept.  Ask with the trace on to explain a decision or to read which
        statements applied (coverage, fixes).
        """
        decide = self._traced if trace else self._untraced
        decision = decide(request)
        for companion in self._companions(request):
            extra = decide(companion)
            decision.extra.append(extra)
            if extra.outcome.denied and not decision.outcome.denied:
                decision.outcome = Outcome.IMPLICIT_DENY
                decision.reasons = frozenset({"implicit"})
                decision.reason = f"{companion.action} is also needed, and it is not allowed"
        return decision

    def _traced(self, request: Request) -> Decision:
        return self._evaluate(request, record_misses=True)

    def _untraced(self, request: Request) -> Decision:
        decided = untraced.decide(self, request)
        if decided is None:  # an unknown statement matters: the three-valued evaluation decides
            decided = self._evaluate(request, record_misses=False)
            decided.trace.layers, decided.trace.grant_classes = [], []  # as untraced decisions: no records
        return decided

    def _companions(self, request: Request) -> list[Request]:
        """R73, R74: passing session tags or a source identity needs a second permission."""
        if request.action.lower() not in _COMPANION_ACTIONS:
            return []
        found = []
        tags = request.context.get("aws:TagKeys")
        if tags.presence is Presence.GIVEN and tags.values:
            found.append(Request(request.caller, "sts:TagSession", request.resource, request.context, request.resource_account))
        source_identity = request.context.get("sts:SourceIdentity")
        if source_identity.presence is Presence.GIVEN:
            found.append(Request(request.caller, "sts:SetSourceIdentity", request.resource, request.context, request.resource_account))
        return found

    # ---------------------------------------------------------------- one request
    def resource_side(self, request: Request) -> tuple[OwnedResource, str]:
        """What the model knows of the requested resource, and the account that owns it (R5, R71)."""
        owned = self.world.owner_of(request.resource)
        if owned.entity is not None and owned.policy is not None and not request.action.lower().startswith("sts:"):
            # R71: a role's trust policy is its resource policy only for the sts actions
            # on it; iam:GetRole, iam:PassRole and the like are decided by identity policies.
            owned = self.world.without_policy(owned)
        resource_account = request.resource_account or owned.account_id
        if request.resource == "*":
            resource_account = resource_account or request.caller.account  # R5: "*" is in the caller's own account
        elif resource_account is None:
            # Same- or cross-account changes the answer (R61, R62): never guess which.
            raise NotSupportedError(
                f"the account that owns `{request.resource}` is not known",
                help="declare the resource in the model (S3 ARNs carry no account), or give its account",
            )
        return owned, resource_account

    def _evaluate(self, request: Request, *, record_misses: bool) -> Decision:
        caller = request.caller
        owned, resource_account = self.resource_side(request)
        trace = Trace(caller_account=caller.account, resource_account=resource_account)
        trace.cross_account = caller.account is not None and resource_account is not None and caller.account != resource_account
        caveats, not_modelled = self._caveats(request, owned)

        special = self.special_case(request)
        if special is not None:
            outcome, reason = special
            trace.notes.append(reason)
            if outcome is Outcome.ALLOWED:
                return Decision(Outcome.ALLOWED, request, reason, trace, frozenset())
            return Decision(Outcome.IMPLICIT_DENY, request, reason, trace, frozenset({"implicit"}), caveats=caveats)

        context = self.request_context(request, owned, resource_account)
        # What the algorithm asks about: the statements that may apply, by layer, Allows apart from Denies.
        live, unknown = self._layers(request, caller, owned, resource_account, context, record_misses)
        trace.layers = [entry for entry, _, _ in live]
        settings, cross = self.settings, trace.cross_account
        best = Scenario(settings, request, owned, resource_account, cross, _TraceView(live, optimistic=True)).decide()
        # The two cases differ only in how they take unknown statements: with none, they agree.
        worst = Scenario(settings, request, owned, resource_account, cross, _TraceView(live, optimistic=False)).decide() if unknown else best
        grants = {st.grant for entry, allows, _ in live if entry.layer is Layer.RESOURCE for st in allows if st.grant and st.applies is Truth.TRUE}
        trace.grant_classes = sorted(grants, key=lambda g: g.value)
        if best.outcome == worst.outcome:
            chosen = worst
            outcome = worst.outcome
        elif best.outcome is Outcome.ALLOWED:
            chosen = best
            outcome = Outcome.CONDITIONAL
        else:
            chosen = best
            outcome = best.outcome
        trace.blocked_by = list(chosen.blocked_by)
        trace.missing_side = chosen.missing_side
        decision = Decision(outcome, request, chosen.reason, trace, frozenset(chosen.reasons), caveats=caveats, not_modelled=not_modelled)
        if outcome is Outcome.CONDITIONAL:
            self._residual(decision, request, owned, resource_account, live)
            decision.deny_conditions = tuple(c for _, _, denies in live for st in denies if st.applies is Truth.UNKNOWN for c in st.residual)
            decision.reason = "allowed only if the listed conditions hold; they depend on context that was not given"
        return decision

    def _residual(self, decision: Decision, request: Request, owned, resource_account, live: list[_Live]) -> None:
        """Which unknown Allows the ALLOWED rests on: those it needs, then the ones it may choose from.

        An Allow is needed when the request is not allowed without it (every other
        unknown Allow holding); its conditions must hold.  If the needed ones are
        not enough on their own, each other unknown Allow that completes them is
        an alternative: one of them must hold.  When no single one completes them
        (two must hold together), the rest are listed as needed, which overstates
        what is required but never makes a denial look certain.
        """
        unknown = [st for _, allows, _ in live for st in allows if st.applies is Truth.UNKNOWN]
        everyone = frozenset(id(st) for st in unknown)

        def allowed_with(ids: frozenset[int]) -> bool:
            view = _TraceView(live, optimistic=True, unknown_allows=ids)
            scenario = Scenario(self.settings, request, owned, resource_account, decision.trace.cross_account, view)
            return scenario.decide().outcome is Outcome.ALLOWED

        needed = [st for st in unknown if not allowed_with(everyone - {id(st)})]
        base = frozenset(id(st) for st in needed)
        alternatives: list[StatementTrace] = []
        if not allowed_with(base):
            alternatives = [st for st in unknown if id(st) not in base and allowed_with(base | {id(st)})]
            if not alternatives:
                needed = unknown
        decision.allow_conditions = tuple(c for st in needed for c in st.residual)
        decision.allow_alternatives = tuple(tuple(st.residual) for st in alternatives)

    def special_case(self, request: Request) -> tuple[Outcome, str] | None:
        """The sts actions decided by who calls, not by policies (R78, R81): the outcome and why."""
        action, caller = request.action.lower(), request.caller
        if action == _GET_CALLER_IDENTITY and caller.kind.has_identity_side:
            return Outcome.ALLOWED, "every authenticated caller may call sts:GetCallerIdentity (R81)"
        if action in _ASSUME_ACTIONS and caller.kind in (CallerKind.ROOT, CallerKind.FEDERATED_USER):
            who = "the root user" if caller.kind is CallerKind.ROOT else "a federated user"
            return Outcome.IMPLICIT_DENY, f"{who} cannot call sts:AssumeRole (R78)"
        if action == _GET_FEDERATION_TOKEN and caller.kind not in (CallerKind.USER, CallerKind.ROOT):
            return Outcome.IMPLICIT_DENY, "only IAM users and the root user can call sts:GetFederationToken (R78)"
        return None

    # ---------------------------------------------------------------- policies in play (R51)
    def in_play(self, request: Request, owned: OwnedResource, resource_account: str | None) -> InPlay:
        """Each layer of policies in play, in the order decisions walk them: (layer, label, policies, note).

        Each policy comes with its index.  Both ways of deciding start here, so
        that they weigh the same policies.  What depends on the caller alone
        (identity policies, boundary, SCP levels) is worked out once per caller.
        """
        caller = request.caller
        head, scps, service_linked = self._caller_layers(caller)
        found: InPlay = list(head)
        if caller.session_policy is not None:
            found.append((Layer.SESSION, caller.label, self._indexed((PolicyRef(f"session policy of {caller.label}", caller.session_policy),)), ""))
        if owned.policy is not None:
            found.append(self._resource_layer(owned.policy))
        elif request.resource != "*":
            found.append((Layer.RESOURCE, request.resource, (), "no resource policy"))
        found += scps
        # R57: RCP support is per service of the action: sts:AssumeRole on a role (an iam
        # ARN) is an STS request, and RCPs on STS are what restrict who may assume roles.
        if request.resource != "*" and not service_linked:
            covered = self._rcp_actions.get(request.action)
            if covered is None:
                covered = self._rcp_covers(request.action)
            if covered:
                found += self._org_levels(Layer.RCP, resource_account)
        # The request's own keys are enough here: the model's facts never include aws:SourceVpce,
        # and only a key the request lists can be given.
        vpce = request.context.keys.get("aws:sourcevpce")
        if vpce is not None and vpce.presence is Presence.GIVEN and vpce.values:
            endpoint = self.world.endpoints_by_id.get(vpce.values[0])
            if endpoint is not None and endpoint.policy is not None:
                label = f"{endpoint.account}.{endpoint.name}"
                found.append((Layer.ENDPOINT, label, self._indexed((PolicyRef(f"{label}:policy", endpoint.policy),)), ""))
        return found

    def _rcp_covers(self, action: str) -> bool:
        """R57: whether RCPs apply to the action's service, memoised per action."""
        found = self._rcp_actions.get(action)
        if found is None:
            service = action.split(":", 1)[0].lower()
            found = bool(service) and self.world.rcp_covers(service)
            if len(self._rcp_actions) >= _MEMO_SIZE:
                self._rcp_actions.clear()
            self._rcp_actions[action] = found
        return found

    def _caller_layers(self, caller: Caller) -> tuple[InPlay, InPlay, bool]:
        """The caller's identity and boundary layers, its SCP levels (R51, R56), and whether it is service-linked."""
        entity = caller.entity
        identity_side = caller.kind in _IDENTITY_SIDE  # `has_identity_side`, without the property call
        memo_key = (identity_side, id(entity), caller.account)
        found = self._callers.get(memo_key)
        if found is not None and found[0] is entity:
            return found[1]
        head: InPlay = []
        if identity_side and entity is not None:
            head.append((Layer.IDENTITY, entity.qualified_name, self._indexed(self.world.identity_policies(entity)), ""))
            boundary = self.world.boundary(entity)
            if boundary is not None:
                head.append((Layer.BOUNDARY, entity.qualified_name, self._indexed((boundary,)), ""))
        service_linked = caller.is_service_linked
        scps = self._org_levels(Layer.SCP, caller.account) if identity_side and not service_linked else []
        if len(self._callers) >= _MEMO_SIZE:
            self._callers.clear()
        self._callers[memo_key] = (entity, (head, scps, service_linked))  # the entity is held, so its id() stays its own
        return head, scps, service_linked

    def _resource_layer(self, policy: PolicyRef) -> tuple[Layer, str, Indexed, str]:
        found = self._resources.get(id(policy))
        if found is None or found[0] is not policy:
            if len(self._resources) >= _MEMO_SIZE:
                self._resources.clear()
            found = self._resources[id(policy)] = (policy, (Layer.RESOURCE, policy.label.rsplit(":", 1)[0], self._indexed((policy,)), ""))
        return found[1]

    def _org_levels(self, layer: Layer, account: str | None) -> InPlay:
        """The SCP or RCP levels above and at an account (R53, R54), memoised per account."""
        found = self._levels.get((layer, account))
        if found is None:
            if len(self._levels) >= _MEMO_SIZE:
                self._levels.clear()
            levels = self.world.scp_levels(account) if layer is Layer.SCP else self.world.rcp_levels(account)
            found = self._levels[(layer, account)] = [(layer, where, self._indexed(refs), "") for where, refs in levels or ()]
        return found

    def _indexed(self, refs) -> Indexed:
        index = self.indexes.index
        return tuple((ref, index(ref.policy)) for ref in refs)

    def _layers(self, request, caller: Caller, owned, resource_account, context, record) -> tuple[list[_Live], bool]:
        """Each layer's trace, with its Allows and Denies that are not FALSE; and whether some statement is UNKNOWN.

        The statements that cover the action are decided by their compiled
        form; one that is unknown is matched again by `match_statement`,
        which works out its residual.  Without `record`, only those that also
        match the resource are kept.  With it, every statement is recorded:
        those that cover the action now, and the others (which only miss on
        the action) when the layer's `statements` are first read.  The words
        of a reason are left to `match_statement`, and also wait to be read.
        """
        action, resource, settings = request.action, request.resource, self.settings
        facts = RequestFacts(resource, request_fields(resource), caller, context)
        wording = (action, resource, caller, context, settings)
        missed_resource = f"its resources do not include {resource}" if record else None
        live: list[_Live] = []
        unknown = False
        trace_of, deferred = _statement_trace, _DEFERRED
        for layer, label, policies, note in self.in_play(request, owned, resource_account):
            covered: list[StatementTrace] = []  # in policy order, policy after policy
            counts: list[int] = []  # how many of them each policy has
            allows: list[StatementTrace] = []
            denies: list[StatementTrace] = []
            for ref, index in policies:
                ordered = (index.by_action.get(action) or index.for_action(action)).ordered
                if not ordered:
                    counts.append(0)
                    continue
                before = len(covered)
                for statement in ordered:
                    st = trace_of(statement, ref, layer, facts, wording, missed_resource, lazy=record)
                    if st is deferred:  # it decides nothing: its record is built when the layer's statements are read
                        covered.append((statement, ref))
                    elif st is not None:
                        covered.append(st)
                        if st.applies is not _FALSE:
                            (denies if statement.is_deny else allows).append(st)
                counts.append(len(covered) - before)
            labels = [ref.label for ref, _ in policies]
            if record and policies:
                entry = LayerTrace(layer, label, labels, note=note, pending=(_every_statement, layer, action, policies, covered, counts, (facts, wording, missed_resource)))
            else:
                entry = LayerTrace(layer, label, labels, covered, note=note)
            # Otherwise both stay FALSE, as for an empty layer.
            if allows:
                entry.allows, open_ = _applies(allows)
                unknown = unknown or open_
            if denies:
                entry.denies, open_ = _applies(denies)
                unknown = unknown or open_
            live.append((entry, allows, denies))
        return live, unknown

    # ---------------------------------------------------------------- context (design.md §2)
    def _context(self, request: Request, owned, resource_account: str | None) -> Context:
        """The request's context, every key in one `Context`: what the user gave, plus what the model implies (facts.py).

        Decisions read `request_context`; this merged form is for other engines' inputs (benchmarks/bench_engine.py).
        """
        return self.facts.merged(request, owned, resource_account, self.now)

    def request_context(self, request: Request, owned, resource_account: str | None) -> RequestContext:
        """The same context, read key by key without merging: what decisions read."""
        return RequestContext(self.facts, request, owned, resource_account, self.now)

    def _caveats(self, request: Request, owned) -> tuple[tuple[str, ...], tuple[NotModelled, ...]]:
        """R51: S3 ACLs, Block Public Access and KMS grants are not modelled; say so.

        Memoised per service and resource; the resource is held, so its id() stays its own.
        """
        service = request.resource.split(":")[2] if request.resource.count(":") >= 5 else ""
        memo_key = (service, id(owned.resource))
        found = self._caveat_memo.get(memo_key)
        if found is not None and found[0] is owned.resource:
            return found[1]
        caveats: list[str] = []
        if service == "s3":
            caveats.append("not modelled: S3 ACLs, Block Public Access and Object Ownership; assumed: ACLs disabled (BucketOwnerEnforced) and no Block Public Access setting that changes this answer")
        if service == "kms":
            caveats.append("not modelled: KMS grants; assumed: none")
        declared = owned.resource.mechanisms if owned.resource is not None else ()
        answer = (tuple(caveats), tuple(declared))
        if len(self._caveat_memo) >= _MEMO_SIZE:
            self._caveat_memo.clear()
        self._caveat_memo[memo_key] = (owned.resource, answer)
        return answer


_Live = tuple[LayerTrace, list[StatementTrace], list[StatementTrace]]  # a layer, its Allows and Denies that are not FALSE
_FALSE, _TRUE, _UNKNOWN = Truth.FALSE, Truth.TRUE, Truth.UNKNOWN


_DEFERRED = object()  # `_statement_trace`'s answer, when `lazy`, for a statement that does not apply


def _statement_trace(compiled: CompiledStatement, ref: PolicyRef, layer: Layer, facts: RequestFacts, wording: tuple, missed_resource: str | None, *, lazy: bool = False):
    """The trace of a statement that covers the action, as `match_statement` would record it.

    `missed_resource` is the reason for a statement that misses the resource,
    or None not to record it.  Its truth comes from the compiled form; an
    unknown one is matched again in full (for its residual).  With `lazy`, a
    statement found FALSE gets no record yet: `_DEFERRED` says so, and a later
    call without `lazy` builds the record from the same facts.
    """
    statement, index = compiled.statement, compiled.index
    if compiled.always:
        return StatementTrace(ref.label, layer, index, statement, _TRUE, True, True, reason="it applies")
    resource_truth = compiled.resource_truth(facts)
    if resource_truth is _FALSE:
        if missed_resource is None:
            return None
        if lazy:
            return _DEFERRED
        return StatementTrace(ref.label, layer, index, statement, _FALSE, True, False, reason=missed_resource)
    if resource_truth is _UNKNOWN:
        return _matched(compiled, ref, layer, wording)
    matched = grant = None
    if compiled.principal:
        grant = compiled.grant(facts.caller)
        matched = grant is not None
        if grant is None:
            if lazy:
                return _DEFERRED
            return StatementTrace(ref.label, layer, index, statement, _FALSE, True, True, False, explain=(_words, compiled, ref, layer, wording))
    if not compiled.conditions:
        return StatementTrace(ref.label, layer, index, statement, _TRUE, True, True, matched, grant, reason="it applies")
    truth = compiled.conditions_truth(facts.context)
    if truth is _UNKNOWN:
        return _matched(compiled, ref, layer, wording)
    if truth is _FALSE and lazy:
        return _DEFERRED
    return StatementTrace(ref.label, layer, index, statement, truth, True, True, matched, grant, explain=(_words, compiled, ref, layer, wording))


def _every_statement(layer: Layer, action: str, policies: Indexed, covered: list, counts: list[int], deferred: tuple) -> list[StatementTrace]:
    """A layer's records: `covered` (those of the statements that cover the action, `counts[i]` of them
    for the i-th policy, in order), and between them a miss for each other statement.

    A statement of `covered` that does not apply may still be `(compiled, ref)`: its record is built
    now, by `_statement_trace` from the request's facts (`deferred`), as it would have been then.
    """
    facts, wording, missed_resource = deferred
    covered = [st if st.__class__ is StatementTrace else _statement_trace(st[0], st[1], layer, facts, wording, missed_resource) for st in covered]
    missed = f"its actions do not include {action}"
    found: list[StatementTrace] = []
    start = 0
    for (ref, _), count in zip(policies, counts):
        policy, records = ref.label, covered[start : start + count]
        start += count
        at = {st.index: st for st in records}
        for position, statement in enumerate(ref.policy.statements):
            record = at.get(position)
            found.append(record if record is not None else StatementTrace(policy, layer, position, statement, _FALSE, False, False, reason=missed))
    return found


def _matched(compiled: CompiledStatement, ref: PolicyRef, layer: Layer, wording: tuple) -> StatementTrace:
    action, resource, caller, context, settings = wording
    return match_statement(compiled.statement, compiled.index, ref, layer, action, resource, caller, context, settings, record_misses=True, action_matched=True)  # type: ignore[return-value]


def _words(compiled: CompiledStatement, ref: PolicyRef, layer: Layer, wording: tuple) -> tuple[str, tuple[str, ...]]:
    """A statement's reason and its conditions' reasons, in `match_statement`'s words."""
    st = _matched(compiled, ref, layer, wording)
    return st.reason, st.condition_reasons


def _applies(statements: list[StatementTrace]) -> tuple[Truth, bool]:
    """Whether one of the statements (none FALSE) applies: TRUE, or UNKNOWN; and whether one is UNKNOWN."""
    some = _UNKNOWN
    open_ = False
    for st in statements:
        if st.applies is _TRUE:
            some = _TRUE
        else:
            open_ = True
    return some, open_


class _TraceView:
    """The statements of a trace, as algorithm.py asks about them, under one assumption about unknown ones.

    `live` holds, per layer, the Allows and the Denies that are not FALSE:
    the others never apply, whatever is assumed.
    """

    __slots__ = ("live", "optimistic", "unknown_allows")

    def __init__(self, live: list[_Live], *, optimistic: bool, unknown_allows: frozenset[int] | None = None) -> None:
        self.live = live
        self.optimistic = optimistic
        # When set, only the unknown Allows with these ids hold (the best case for everything else):
        # how the residual finds which unknown Allows an ALLOWED really rests on.
        self.unknown_allows = unknown_allows

    def holds(self, st: StatementTrace, deny: bool) -> bool:
        # best case: unknown Allows hold, unknown Denies do not
        if st.applies is Truth.TRUE:
            return True
        if not deny and self.unknown_allows is not None and st.applies is Truth.UNKNOWN:
            return id(st) in self.unknown_allows
        return self.optimistic != deny

    def deny(self) -> tuple[str, set[Layer]] | None:
        first: str | None = None
        layers: set[Layer] = set()
        for entry, _, denies in self.live:
            for st in denies:
                if self.holds(st, True):
                    first = first or st.policy
                    layers.add(st.layer)
        return (first, layers) if first is not None else None

    def unallowed_level(self, layer: Layer) -> str | None:
        for entry, allows, _ in self.live:
            if entry.layer is layer and not any(self.holds(st, False) for st in allows):
                return entry.label
        return None

    def allows(self, layer: Layer) -> bool:
        return any(self.holds(st, False) for entry, allows, _ in self.live if entry.layer is layer for st in allows)

    def present(self, layer: Layer) -> bool:
        return any(entry.layer is layer for entry, _, _ in self.live)

    def grants(self) -> set[GrantClass]:
        return {st.grant for entry, allows, _ in self.live if entry.layer is Layer.RESOURCE for st in allows if st.grant and self.holds(st, False)}
