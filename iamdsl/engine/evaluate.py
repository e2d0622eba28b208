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
from operator import attrgetter

from iamdsl.engine import algorithm, untraced
from iamdsl.engine.actions import action_key
from iamdsl.engine.arn import request_fields
from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.context import Context, Presence
from iamdsl.engine.decision import Decision, Outcome
from iamdsl.engine.facts import Facts, RequestContext, RequestView
from iamdsl.engine.matching import match_statement
from iamdsl.engine.levels import NOTHING, Indexed, InPlay, Part
from iamdsl.engine.policy_index import ActionStatements, PolicyIndexes, plan_key
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
_ANSWERED_BY_WHO_CALLS = frozenset({_GET_CALLER_IDENTITY, _GET_FEDERATION_TOKEN, *_ASSUME_ACTIONS})


class ActionFacts:
    """What a decision asks about an action string, worked out once per string."""

    __slots__ = ("special", "companion", "sts", "rcp", "plan_key", "action_key")

    def __init__(self, action: str, world: World) -> None:
        lower = action.lower()
        self.plan_key = plan_key(action)  # which plan of each policy index it reads, and under which key (policy_index.py)
        self.action_key = action_key(action)
        self.special = lower in _ANSWERED_BY_WHO_CALLS  # R78, R81: `special_case` may decide it
        self.companion = lower in _COMPANION_ACTIONS  # R73, R74: it may need a companion request
        self.sts = lower.startswith("sts:")  # R71: a role's trust policy is the resource policy only for these
        service = action.split(":", 1)[0].lower()
        # R57: RCP support is per service of the action: sts:AssumeRole on a role (an iam
        # ARN) is an STS request, and RCPs on STS are what restrict who may assume roles.
        self.rcp = bool(service) and world.rcp_covers(service)


class CallerPlan:
    """The levels in play that depend on the caller alone (R51, R56): identity policies, boundary, SCP levels."""

    __slots__ = ("entity", "identity_side", "account", "identity", "boundary", "scps", "service_linked", "head_denies")

    def __init__(self, entity, identity_side: bool, account: str | None, identity: Part, boundary: Part, scps: Part, service_linked: bool) -> None:
        self.entity = entity  # held, so that its id() in the memo key stays its own
        self.identity_side = identity_side  # what else the plan depends on: `Evaluator.caller_plan` checks them
        self.account = account
        self.identity = identity
        self.boundary = boundary
        self.scps = scps
        self.service_linked = service_linked
        self.head_denies = identity.denies + boundary.denies


# The resource layer of a resource with no policy: its label is the requested ARN, which `in_play` and the
# traced records fill in (untraced decisions never read it).
_NO_RESOURCE_POLICY = Part([(Layer.RESOURCE, "", (), "no resource policy")])


class Evaluator:
    """Decides requests against one model.  Build once, call `evaluate` many times."""

    def __init__(self, model: Model, settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None):
        self.model = model
        self.settings = settings
        self.world = World(model)
        self.indexes = PolicyIndexes(settings)  # each policy's statements, compiled, by the actions they cover
        self.facts = Facts(self.world)  # context keys the model implies, per caller and per resource
        # Policies in play that depend on the caller, on the resource policy, on the account or on the endpoint alone (in_play).
        self._callers: dict[int | tuple, CallerPlan] = {}  # per entity, or per account for callers without one
        self._actions: dict[str, ActionFacts] = {}
        self._resources: dict[int, tuple[PolicyRef, Part]] = {}
        self._levels: dict[Layer, dict[str | None, Part]] = {_LAYER_SCP: {}, _LAYER_RCP: {}}  # per account
        self._endpoints: dict[str, Part] = {}
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
        if trace:
            decision = self._evaluate(request, record_misses=True)
        else:
            decision = untraced.decide(self, request)
            if decision is None:
                decision = self._fallback(request)
        if not (self._actions.get(request.action) or self.action_facts(request.action)).companion:
            return decision
        decide = self._traced if trace else self._untraced
        for companion in self._companions(request):
            extra = decide(companion)
            decision.extra.append(extra)
            if extra.outcome.denied and not decision.outcome.denied:
                decision.outcome = _OUTCOME_IMPLICIT_DENY
                decision.reasons = frozenset({"implicit"})
                decision.reason = f"{companion.action} is also needed, and it is not allowed"
        return decision

    def _traced(self, request: Request) -> Decision:
        return self._evaluate(request, record_misses=True)

    def _untraced(self, request: Request) -> Decision:
        decided = untraced.decide(self, request)
        return self._fallback(request) if decided is None else decided

    def _fallback(self, request: Request) -> Decision:
        """An untraced decision where an unknown statement matters: the three-valued evaluation decides."""
        decided = self._evaluate(request, record_misses=False)
        decided.trace.layers, decided.trace.grant_classes = [], []  # as untraced decisions: no records
        return decided

    def _companions(self, request: Request) -> list[Request]:
        """R73, R74: passing session tags or a source identity needs a second permission (for the actions `ActionFacts.companion` names)."""
        found = []
        tags = request.context.get("aws:TagKeys")
        if tags.presence is _PRESENCE_GIVEN and tags.values:
            found.append(Request(request.caller, "sts:TagSession", request.resource, request.context, request.resource_account))
        source_identity = request.context.get("sts:SourceIdentity")
        if source_identity.presence is _PRESENCE_GIVEN:
            found.append(Request(request.caller, "sts:SetSourceIdentity", request.resource, request.context, request.resource_account))
        return found

    def action_facts(self, action: str) -> ActionFacts:
        """What decisions ask about `action`, memoised (hot loops read `_actions` first)."""
        found = self._actions.get(action)
        if found is None:
            if len(self._actions) >= _MEMO_SIZE:
                self._actions.clear()
            found = self._actions[action] = ActionFacts(action, self.world)
        return found

    # ---------------------------------------------------------------- one request
    def resource_side(self, request: Request) -> tuple[OwnedResource, str]:
        """What the model knows of the requested resource, and the account that owns it (R5, R71)."""
        owned = self.world.owner_of(request.resource)
        if owned.entity is not None and owned.policy is not None and not (self._actions.get(request.action) or self.action_facts(request.action)).sts:
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
        cross = caller.account is not None and resource_account is not None and caller.account != resource_account
        fields = request_fields(request.resource)
        service = fields[2] if fields is not None else None  # the ARN's third field, which the caveats and the algorithm read
        caveats, not_modelled = self._caveats(request, owned, service)

        special = self.special_case(request) if (self._actions.get(request.action) or self.action_facts(request.action)).special else None
        if special is not None:
            outcome, reason = special
            trace = Trace([], [], cross, caller.account, resource_account, None, [], [reason])
            if outcome is _OUTCOME_ALLOWED:
                return Decision(_OUTCOME_ALLOWED, request, reason, trace, frozenset())
            return Decision(_OUTCOME_IMPLICIT_DENY, request, reason, trace, frozenset({"implicit"}), caveats=caveats)

        facts = RequestView(self.facts, request, owned, resource_account, self.now, fields)  # the request, as statements read it
        # What the algorithm asks about: the statements that may apply, by layer, Allows apart from Denies.
        entries, live, by_layer, unknown = self._layers(request, facts, owned, resource_account, record_misses)
        settings = self.settings
        best = algorithm.decide(settings, request, owned, resource_account, cross, _TraceView(live, by_layer, True), service)
        # The two cases differ only in how they take unknown statements: with none, they agree.
        worst = algorithm.decide(settings, request, owned, resource_account, cross, _TraceView(live, by_layer, False), service) if unknown else best
        grants = [
            st.grant for _, allows, _ in by_layer.get(_LAYER_RESOURCE, ()) for st in allows if st.grant is not None and st.applies is _TRUE
        ]
        grant_classes = sorted(set(grants), key=_VALUE) if grants else []
        if best.outcome == worst.outcome:
            chosen = worst
            outcome = worst.outcome
        elif best.outcome is _OUTCOME_ALLOWED:
            chosen = best
            outcome = _OUTCOME_CONDITIONAL
        else:
            chosen = best
            outcome = best.outcome
        # Each verdict's list of blocking layers is its own: the trace may keep it.
        trace = Trace(entries, grant_classes, cross, caller.account, resource_account, chosen.missing_side, chosen.blocked_by, [])
        decision = Decision(outcome, request, chosen.reason, trace, chosen.reasons, (), (), (), caveats, not_modelled)
        if outcome is _OUTCOME_CONDITIONAL:
            self._residual(decision, request, owned, resource_account, live, by_layer)
            decision.deny_conditions = tuple(c for _, _, denies in live for st in denies if st.applies is _TRUTH_UNKNOWN for c in st.residual)
            decision.reason = "allowed only if the listed conditions hold; they depend on context that was not given"
        return decision

    def _residual(self, decision: Decision, request: Request, owned, resource_account, live: list[_Live], by_layer: dict[Layer, list[_Live]]) -> None:
        """Which unknown Allows the ALLOWED rests on: those it needs, then the ones it may choose from.

        An Allow is needed when the request is not allowed without it (every other
        unknown Allow holding); its conditions must hold.  If the needed ones are
        not enough on their own, each other unknown Allow that completes them is
        an alternative: one of them must hold.  When no single one completes them
        (two must hold together), the rest are listed as needed, which overstates
        what is required but never makes a denial look certain.
        """
        unknown = [st for _, allows, _ in live for st in allows if st.applies is _TRUTH_UNKNOWN]
        everyone = frozenset(id(st) for st in unknown)

        def allowed_with(ids: frozenset[int]) -> bool:
            view = _TraceView(live, by_layer, optimistic=True, unknown_allows=ids)
            return algorithm.decide(self.settings, request, owned, resource_account, decision.trace.cross_account, view).outcome is _OUTCOME_ALLOWED

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
            return _OUTCOME_ALLOWED, "every authenticated caller may call sts:GetCallerIdentity (R81)"
        if action in _ASSUME_ACTIONS and caller.kind in (_CALLER_ROOT, _CALLER_FEDERATED_USER):
            who = "the root user" if caller.kind is _CALLER_ROOT else "a federated user"
            return _OUTCOME_IMPLICIT_DENY, f"{who} cannot call sts:AssumeRole (R78)"
        if action == _GET_FEDERATION_TOKEN and caller.kind not in (_CALLER_USER, _CALLER_ROOT):
            return _OUTCOME_IMPLICIT_DENY, "only IAM users and the root user can call sts:GetFederationToken (R78)"
        return None

    # ---------------------------------------------------------------- policies in play (R51)
    def in_play(self, request: Request, owned: OwnedResource, resource_account: str | None) -> InPlay:
        """Each layer of policies in play, in the order decisions walk them: (layer, label, policies, note).

        Each policy comes with its index.  Both ways of deciding start from the
        same parts (`parts`), so that they weigh the same policies.  What
        depends on the caller alone (identity policies, boundary, SCP levels)
        is worked out once per caller.
        """
        plan, session, resource, rcps, endpoint = self.parts(request, owned, resource_account)
        found: InPlay = plan.identity.levels + plan.boundary.levels + session.levels
        if resource is _NO_RESOURCE_POLICY:
            found.append((_LAYER_RESOURCE, request.resource, (), "no resource policy"))
        else:
            found += resource.levels
        return found + plan.scps.levels + rcps.levels + endpoint.levels

    def parts(
        self, request: Request, owned: OwnedResource, resource_account: str | None, action_facts: ActionFacts | None = None
    ) -> tuple[CallerPlan, Part, Part, Part, Part]:
        """The levels in play, in runs: the caller's (identity, boundary, SCPs), the session policy's, the
        resource policy's, the RCP levels and the VPC endpoint policy's (`levels.NOTHING` when not in play).

        The resource part of a resource with no policy is `_NO_RESOURCE_POLICY`, whose label `in_play` fills in.
        `action_facts` are the action's (`Evaluator.action_facts`), when the caller has them.
        """
        caller = request.caller
        entity = caller.entity
        plan = self._callers.get(id(entity)) if entity is not None else None  # `caller_plan`'s memo, read here first
        if plan is None or plan.entity is not entity or plan.account != caller.account or plan.identity_side is not (caller.kind in _IDENTITY_SIDE):
            plan = self.caller_plan(caller)
        session = NOTHING
        if caller.session_policy is not None:
            label = caller.label
            session = Part([(_LAYER_SESSION, label, self._indexed((PolicyRef(f"session policy of {label}", caller.session_policy),)), "")])
        resource = request.resource
        policy = owned.policy
        if policy is not None:
            found = self._resources.get(id(policy))  # `_resource_part`'s memo, read here first
            resource_part = found[1] if found is not None and found[0] is policy else self._resource_part(policy)
        else:
            resource_part = _NO_RESOURCE_POLICY if resource != "*" else NOTHING
        rcps = NOTHING
        if action_facts is None:
            action_facts = self._actions.get(request.action) or self.action_facts(request.action)
        if resource != "*" and not plan.service_linked and action_facts.rcp:
            rcps = self._org_levels(_LAYER_RCP, resource_account)
        # The request's own keys are enough here: the model's facts never include aws:SourceVpce,
        # and only a key the request lists can be given.
        endpoint = NOTHING
        vpce = request.context.keys.get("aws:sourcevpce")
        if vpce is not None and vpce.presence is _PRESENCE_GIVEN and vpce.values:
            endpoint = self._endpoint_part(vpce.values[0])
        return plan, session, resource_part, rcps, endpoint

    def caller_plan(self, caller: Caller) -> CallerPlan:
        """The caller's identity and boundary levels, its SCP levels (R51, R56), and whether it is service-linked."""
        entity = caller.entity
        identity_side = caller.kind in _IDENTITY_SIDE  # `has_identity_side`, without the property call
        account = caller.account
        memo_key = id(entity) if entity is not None else (identity_side, account)
        found = self._callers.get(memo_key)
        if found is not None and found.entity is entity and found.identity_side is identity_side and found.account == account:
            return found
        identity = boundary = NOTHING
        if identity_side and entity is not None:
            identity = Part([(_LAYER_IDENTITY, entity.qualified_name, self._indexed(self.world.identity_policies(entity)), "")])
            ref = self.world.boundary(entity)
            if ref is not None:
                boundary = Part([(_LAYER_BOUNDARY, entity.qualified_name, self._indexed((ref,)), "")])
        service_linked = caller.is_service_linked
        scps = self._org_levels(_LAYER_SCP, caller.account) if identity_side and not service_linked else NOTHING
        if len(self._callers) >= _MEMO_SIZE:
            self._callers.clear()
        found = self._callers[memo_key] = CallerPlan(entity, identity_side, account, identity, boundary, scps, service_linked)
        return found

    def _resource_part(self, policy: PolicyRef) -> Part:
        found = self._resources.get(id(policy))
        if found is None or found[0] is not policy:
            if len(self._resources) >= _MEMO_SIZE:
                self._resources.clear()
            found = self._resources[id(policy)] = (policy, Part([(_LAYER_RESOURCE, policy.label.rsplit(":", 1)[0], self._indexed((policy,)), "")]))
        return found[1]

    def _endpoint_part(self, vpce: str) -> Part:
        """The policy of the VPC endpoint the request comes through (R51), memoised per endpoint ID."""
        found = self._endpoints.get(vpce)
        if found is None:
            endpoint = self.world.endpoints_by_id.get(vpce)
            found = NOTHING
            if endpoint is not None and endpoint.policy is not None:
                label = f"{endpoint.account}.{endpoint.name}"
                found = Part([(_LAYER_ENDPOINT, label, self._indexed((PolicyRef(f"{label}:policy", endpoint.policy),)), "")])
            if len(self._endpoints) >= _MEMO_SIZE:
                self._endpoints.clear()
            self._endpoints[vpce] = found
        return found

    def _org_levels(self, layer: Layer, account: str | None) -> Part:
        """The SCP or RCP levels above and at an account (R53, R54), memoised per account."""
        memo = self._levels[layer]
        found = memo.get(account)
        if found is None:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            levels = self.world.scp_levels(account) if layer is _LAYER_SCP else self.world.rcp_levels(account)
            found = memo[account] = Part([(layer, where, self._indexed(refs), "") for where, refs in levels or ()])
        return found

    def _indexed(self, refs) -> Indexed:
        index = self.indexes.index
        return tuple((ref, index(ref.policy)) for ref in refs)

    def _layers(self, request, facts: RequestView, owned, resource_account, record) -> tuple[list[LayerTrace], list[_Live], dict[Layer, list[_Live]], bool]:
        """Each layer's trace; each with its Allows and Denies that are not FALSE (also by layer); and whether some statement is UNKNOWN.

        The layers are `in_play`'s, walked part by part (`parts`).  The
        statements that cover the action are decided by their compiled form;
        one that is unknown is matched again by `match_statement`, which works
        out its residual.  Without `record`, only those that also match the
        resource are kept.  With it, every statement is recorded: those that
        cover the action now, and the others (which only miss on the action)
        when the layer's `statements` are first read.  The words of a reason
        are left to `match_statement`, and also wait to be read.
        """
        action, resource, settings = request.action, request.resource, self.settings
        wording = (action, resource, facts.caller, facts, settings)  # `match_statement`'s arguments, the context being `facts`
        action_facts = self._actions.get(action) or self.action_facts(action)
        service, key = action_facts.plan_key, action_facts.action_key
        deferred_with = (facts, wording, action, service, key)  # what `_every_statement` needs besides the level
        entries: list[LayerTrace] = []
        live: list[_Live] = []
        by_layer: dict[Layer, list[_Live]] = {}
        unknown = False
        trace_of, deferred = _statement_trace, _DEFERRED
        plan, session, resource_part, rcps, endpoint = self.parts(request, owned, resource_account, action_facts)
        for part in (plan.identity, plan.boundary, session, resource_part, plan.scps, rcps, endpoint):
            if part is NOTHING:
                continue
            same: list[_Live] = []  # the part's levels, all of one layer
            for layer, label, policies, note, labels in part.records:
                if part is _NO_RESOURCE_POLICY:
                    label = resource  # as `in_play` labels it
                covered: list = []  # in policy order, policy after policy: records, or (compiled, ref) for a record to build
                allows: list[StatementTrace] | tuple = ()  # a list once there is one (most levels have no Deny for the action)
                denies: list[StatementTrace] | tuple = ()
                allowed = denied = _FALSE  # Kleene OR of the Allows (the Denies) that are not FALSE
                for ref, index in policies:
                    covering = index.plans.get(service, index.elsewhere)  # `index.entry(service, key)`, inlined
                    if covering.__class__ is not ActionStatements:
                        covering = covering[key]
                    for statement in covering.ordered:
                        if statement.always:  # FullAWSAccess and the like: `_statement_trace`'s first case
                            st = StatementTrace(ref.label, layer, statement.index, statement.statement, _TRUE, True, True, None, None, "it applies")
                        else:
                            st = trace_of(statement, ref, layer, facts, wording, record, record)
                            if st is deferred:  # it decides nothing: its record is built when the layer's statements are read
                                covered.append((statement, ref))
                                continue
                            if st is None:  # a miss on the resource, not recorded
                                continue
                        covered.append(st)
                        truth = st.applies
                        if truth is not _FALSE:
                            if statement.is_deny:
                                if denies:
                                    denies.append(st)  # type: ignore[union-attr]
                                else:
                                    denies = [st]
                                if denied is not _TRUE:
                                    denied = truth
                            else:
                                if allows:
                                    allows.append(st)  # type: ignore[union-attr]
                                else:
                                    allows = [st]
                                if allowed is not _TRUE:
                                    allowed = truth
                            if truth is _UNKNOWN:
                                unknown = True
                if record and policies:
                    # With `record`, each covering statement left one item in `covered`, in order.
                    entry = LayerTrace(layer, label, list(labels), None, allowed, denied, note, (_every_statement, layer, policies, covered, deferred_with))
                else:
                    entry = LayerTrace(layer, label, list(labels), covered, allowed, denied, note)
                entries.append(entry)
                found = (entry, allows, denies)
                live.append(found)
                same.append(found)
            if same:
                by_layer[layer] = same  # the layer of the part's levels
        return entries, live, by_layer, unknown

    # ---------------------------------------------------------------- context (design.md §2)
    def _context(self, request: Request, owned, resource_account: str | None) -> Context:
        """The request's context, every key in one `Context`: what the user gave, plus what the model implies (facts.py).

        Decisions read `request_context`; this merged form is for other engines' inputs (benchmarks/bench_engine.py).
        """
        return self.facts.merged(request, owned, resource_account, self.now)

    def request_context(self, request: Request, owned, resource_account: str | None) -> RequestContext:
        """The same context, read key by key without merging: what decisions read."""
        return RequestContext(self.facts, request, owned, resource_account, self.now)

    def _caveats(self, request: Request, owned, service: str | None = None) -> tuple[tuple[str, ...], tuple[NotModelled, ...]]:
        """R51: S3 ACLs, Block Public Access and KMS grants are not modelled; say so.

        `service` is the requested ARN's third field, when the caller has it.  For a
        resource the model declares, memoised per service and resource (the resource
        is held, so its id() stays its own).
        """
        if service is None:
            service = request.resource.split(":")[2] if request.resource.count(":") >= 5 else ""
        resource = owned.resource
        if resource is None:  # nothing declared: the service alone says
            return _S3_CAVEATS if service == "s3" else _KMS_CAVEATS if service == "kms" else _NO_CAVEATS
        memo_key = (service, id(resource))
        found = self._caveat_memo.get(memo_key)
        if found is not None and found[0] is resource:
            return found[1]
        caveats = _S3_CAVEATS[0] if service == "s3" else _KMS_CAVEATS[0] if service == "kms" else ()
        answer = (caveats, tuple(resource.mechanisms))
        if len(self._caveat_memo) >= _MEMO_SIZE:
            self._caveat_memo.clear()
        self._caveat_memo[memo_key] = (resource, answer)
        return answer


_S3_CAVEATS: tuple[tuple[str, ...], tuple[NotModelled, ...]] = ((
    "not modelled: S3 ACLs, Block Public Access and Object Ownership; assumed: ACLs disabled (BucketOwnerEnforced) and no Block Public Access setting that changes this answer",
), ())
_KMS_CAVEATS: tuple[tuple[str, ...], tuple[NotModelled, ...]] = (("not modelled: KMS grants; assumed: none",), ())
_NO_CAVEATS: tuple[tuple[str, ...], tuple[NotModelled, ...]] = ((), ())


_Live = tuple[LayerTrace, "list[StatementTrace] | tuple", "list[StatementTrace] | tuple"]  # a layer, its Allows and Denies that are not FALSE
_FALSE, _TRUE, _UNKNOWN = Truth.FALSE, Truth.TRUE, Truth.UNKNOWN
_VALUE = attrgetter("value")  # grant classes sort by their value


_DEFERRED = object()  # `_statement_trace`'s answer, when `lazy`, for a statement that does not apply


def _statement_trace(compiled: CompiledStatement, ref: PolicyRef, layer: Layer, facts: RequestView, wording: tuple, record: bool, lazy: bool = False):
    """The trace of a statement that covers the action, as `match_statement` would record it.

    A statement that misses the resource is recorded only with `record`.  Its
    truth comes from the compiled form; an unknown one is matched again in full
    (for its residual).  With `lazy`, a statement found FALSE gets no record
    yet: `_DEFERRED` says so, and a later call without `lazy` builds the record
    from the same facts.
    """
    statement, index = compiled.statement, compiled.index
    if compiled.always:
        return StatementTrace(ref.label, layer, index, statement, _TRUE, True, True, None, None, "it applies")
    resource_truth = compiled.resource_truth(facts)
    if resource_truth is _FALSE:
        if not record:
            return None
        if lazy:
            return _DEFERRED
        return StatementTrace(ref.label, layer, index, statement, _FALSE, True, False, None, None, f"its resources do not include {facts.resource}")
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
        return StatementTrace(ref.label, layer, index, statement, _TRUE, True, True, matched, grant, "it applies")
    truth = compiled.conditions_truth(facts.context)
    if truth is _UNKNOWN:
        return _matched(compiled, ref, layer, wording)
    if truth is _FALSE and lazy:
        return _DEFERRED
    return StatementTrace(ref.label, layer, index, statement, truth, True, True, matched, grant, explain=(_words, compiled, ref, layer, wording))


def _every_statement(layer: Layer, policies: Indexed, covered: list, deferred: tuple) -> list[StatementTrace]:
    """A layer's records: `covered` (those of the statements that cover the action, policy after policy,
    as each policy's index lists them), and between them a miss for each other statement.

    A statement of `covered` that does not apply may still be `(compiled, ref)`: its record is built
    now, by `_statement_trace` from the request's facts (`deferred`), as it would have been then.
    """
    facts, wording, action, service, key = deferred
    covered = [st if st.__class__ is StatementTrace else _statement_trace(st[0], st[1], layer, facts, wording, True) for st in covered]
    missed = f"its actions do not include {action}"
    found: list[StatementTrace] = []
    start = 0
    for ref, index in policies:
        count = len(index.entry(service, key).ordered)  # what `_layers` walked: one record each
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


class _TraceView:
    """The statements of a trace, as algorithm.py asks about them, under one assumption about unknown ones.

    `live` holds, per layer, the Allows and the Denies that are not FALSE:
    the others never apply, whatever is assumed.  `by_layer` holds the same
    entries, grouped by layer in order.
    """

    __slots__ = ("live", "by_layer", "optimistic", "unknown_allows")

    def __init__(self, live: list[_Live], by_layer: dict[Layer, list[_Live]], optimistic: bool, unknown_allows: frozenset[int] | None = None) -> None:
        self.live = live
        self.by_layer = by_layer
        self.optimistic = optimistic
        # When set, only the unknown Allows with these ids hold (the best case for everything else):
        # how the residual finds which unknown Allows an ALLOWED really rests on.
        self.unknown_allows = unknown_allows

    def holds(self, st: StatementTrace, deny: bool) -> bool:
        # best case: unknown Allows hold, unknown Denies do not
        if st.applies is _TRUE:
            return True
        if not deny and self.unknown_allows is not None and st.applies is _UNKNOWN:
            return id(st) in self.unknown_allows
        return self.optimistic != deny

    def deny(self) -> tuple[str, set[Layer]] | None:
        first: str | None = None
        layers: set[Layer] = set()
        for _, _, denies in self.live:
            for st in denies:
                if st.applies is _TRUE or self.holds(st, True):
                    if first is None:
                        first = st.policy
                    layers.add(st.layer)
        return (first, layers) if first is not None else None

    def _allowed(self, allows: list[StatementTrace]) -> bool:
        for st in allows:
            if st.applies is _TRUE or self.holds(st, False):
                return True
        return False

    def unallowed_level(self, layer: Layer) -> str | None:
        for entry, allows, _ in self.by_layer.get(layer, ()):
            if not self._allowed(allows):
                return entry.label
        return None

    def allows(self, layer: Layer) -> bool:
        for _, allows, _ in self.by_layer.get(layer, ()):
            if self._allowed(allows):
                return True
        return False

    def present(self, layer: Layer) -> bool:
        return layer in self.by_layer

    def grants(self) -> set[GrantClass]:
        found: set[GrantClass] = set()
        for _, allows, _ in self.by_layer.get(_LAYER_RESOURCE, ()):
            for st in allows:
                if st.grant and self.holds(st, False):
                    found.add(st.grant)
        return found


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_CALLER_FEDERATED_USER = CallerKind.FEDERATED_USER
_CALLER_ROOT = CallerKind.ROOT
_CALLER_USER = CallerKind.USER
_LAYER_BOUNDARY = Layer.BOUNDARY
_LAYER_ENDPOINT = Layer.ENDPOINT
_LAYER_IDENTITY = Layer.IDENTITY
_LAYER_RCP = Layer.RCP
_LAYER_RESOURCE = Layer.RESOURCE
_LAYER_SCP = Layer.SCP
_LAYER_SESSION = Layer.SESSION
_OUTCOME_ALLOWED = Outcome.ALLOWED
_OUTCOME_CONDITIONAL = Outcome.CONDITIONAL
_OUTCOME_IMPLICIT_DENY = Outcome.IMPLICIT_DENY
_PRESENCE_GIVEN = Presence.GIVEN
_TRUTH_UNKNOWN = Truth.UNKNOWN
