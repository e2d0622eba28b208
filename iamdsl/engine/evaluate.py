"""AWS's decision algorithm: one request in, a Decision with its Trace out.

Stage: engine, request level (rulebook §4–§5: R50–R66, R70–R81).

Every statement in play is matched once (matching.py).  A statement can be
true, false, or unknown (it depends on context nobody gave).  The decision is
then taken twice: once assuming every unknown Allow holds and every unknown
Deny does not (the best case), and once the other way round (the worst case).
AWS's algorithm is monotone in both, so when the two agree the answer is
certain; when only the best case allows, the answer is CONDITIONAL, carrying
the unknown Allow conditions that must hold and the Deny conditions that must
not.  Nothing unknown is ever guessed into an ALLOWED or a DENIED.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from iamdsl.engine.context import Context, Lookup, Presence, Source
from iamdsl.engine.matching import match_statement
from iamdsl.engine.policy_index import PolicyIndexes
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import GrantClass, Layer, LayerTrace, PolicyRef, StatementTrace, Trace, Truth
from iamdsl.engine.world import OwnedResource, World
from iamdsl.language.errors import NotSupportedError
from iamdsl.language.operators import parse_date
from iamdsl.model import Condition, Model, NotModelled


class Outcome(str, enum.Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"
    CONDITIONAL = "conditional"
    PARTIAL = "partial"

    @property
    def display(self) -> str:
        return {
            "allowed": "ALLOWED",
            "explicit_deny": "DENIED (explicit)",
            "implicit_deny": "DENIED (implicit)",
            "conditional": "CONDITIONAL",
            "partial": "PARTIAL",
        }[self.value]

    @property
    def denied(self) -> bool:
        return self in (Outcome.EXPLICIT_DENY, Outcome.IMPLICIT_DENY)


@dataclass(slots=True)
class Decision:
    outcome: Outcome
    request: Request
    reason: str  # one line a person can read
    trace: Trace
    reasons: frozenset[str] = frozenset()  # explicit, implicit, scp, rcp, boundary, session, endpoint
    allow_conditions: tuple[Condition, ...] = ()  # CONDITIONAL: must hold
    deny_conditions: tuple[Condition, ...] = ()  # CONDITIONAL: must not hold
    caveats: tuple[str, ...] = ()
    not_modelled: tuple[NotModelled, ...] = ()  # declared mechanisms that could change this answer
    extra: list["Decision"] = field(default_factory=list)  # companion requests (sts:TagSession, R73)


_GET_CALLER_IDENTITY = "sts:getcalleridentity"
_FACTS_MEMO_SIZE = 8192
_ASSUME_ACTIONS = ("sts:assumerole",)
_GET_FEDERATION_TOKEN = "sts:getfederationtoken"


class Evaluator:
    """Decides requests against one model.  Build once, call `evaluate` many times."""

    def __init__(self, model: Model, settings: Settings = DEFAULT_SETTINGS, *, now: datetime | None = None):
        self.model = model
        self.settings = settings
        self.world = World(model)
        self.indexes = PolicyIndexes()  # statements by action prefix, for decisions that skip misses
        self._facts_memo: dict[tuple, tuple[object, Context]] = {}  # context keys the model implies, per caller and per resource
        # aws:CurrentTime: the flag wins, then the model's `now`; otherwise it stays unknown
        self.now = now or (parse_date(model.now) if model.now else None)

    # ---------------------------------------------------------------- entry point
    def evaluate(self, request: Request, *, trace: bool = True) -> Decision:
        decision = self._evaluate(request, record_misses=trace)
        for companion in self._companions(request):
            extra = self._evaluate(companion, record_misses=trace)
            decision.extra.append(extra)
            if extra.outcome.denied and not decision.outcome.denied:
                decision.outcome = Outcome.IMPLICIT_DENY
                decision.reasons = frozenset({"implicit"})
                decision.reason = f"{companion.action} is also needed, and it is not allowed"
        return decision

    def _companions(self, request: Request) -> list[Request]:
        """R73, R74: passing session tags or a source identity needs a second permission."""
        if request.action.lower() not in _ASSUME_ACTIONS + ("sts:assumerolewithwebidentity", "sts:assumerolewithsaml"):
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
    def _evaluate(self, request: Request, *, record_misses: bool) -> Decision:
        caller = request.caller
        owned = self.world.owner_of(request.resource)
        if owned.entity is not None and not request.action.lower().startswith("sts:"):
            # R71: a role's trust policy is its resource policy only for the sts actions
            # on it; iam:GetRole, iam:PassRole and the like are decided by identity policies.
            owned = OwnedResource(owned.account_id, None, entity=owned.entity)
        resource_account = request.resource_account or owned.account_id
        if request.resource == "*":
            resource_account = resource_account or caller.account  # R5: "*" is in the caller's own account
        elif resource_account is None:
            # Same- or cross-account changes the answer (R61, R62): never guess which.
            raise NotSupportedError(
                f"the account that owns `{request.resource}` is not known",
                help="declare the resource in the model (S3 ARNs carry no account), or give its account",
            )
        trace = Trace(caller_account=caller.account, resource_account=resource_account)
        trace.cross_account = caller.account is not None and resource_account is not None and caller.account != resource_account
        context = self._context(request, owned, resource_account)
        caveats, not_modelled = self._caveats(request, owned)

        if request.action.lower() == _GET_CALLER_IDENTITY and caller.kind.has_identity_side:
            trace.notes.append("sts:GetCallerIdentity is allowed for every authenticated caller, even under a Deny (R81)")
            return Decision(Outcome.ALLOWED, request, "every authenticated caller may call sts:GetCallerIdentity (R81)", trace, frozenset())
        if request.action.lower() in _ASSUME_ACTIONS and caller.kind in (CallerKind.ROOT, CallerKind.FEDERATED_USER):
            who = "the root user" if caller.kind is CallerKind.ROOT else "a federated user"
            trace.notes.append(f"{who} cannot call sts:AssumeRole (R78)")
            return Decision(Outcome.IMPLICIT_DENY, request, f"{who} cannot call sts:AssumeRole (R78)", trace, frozenset({"implicit"}), caveats=caveats)
        if request.action.lower() == _GET_FEDERATION_TOKEN and caller.kind not in (CallerKind.USER, CallerKind.ROOT):
            trace.notes.append("only IAM users and the root user can call sts:GetFederationToken (R78)")
            return Decision(Outcome.IMPLICIT_DENY, request, "only IAM users and the root user can call sts:GetFederationToken (R78)", trace, frozenset({"implicit"}), caveats=caveats)

        layers = self._layers(request, caller, owned, resource_account, context, record_misses)
        trace.layers = [entry for entry, _ in layers]
        best = _Scenario(self, request, caller, owned, resource_account, layers, trace, optimistic=True).decide()
        # The two cases differ only in how they take unknown statements: with none, they agree.
        unknown = any(st.applies is Truth.UNKNOWN for entry, _ in layers for st in entry.statements)
        worst = _Scenario(self, request, caller, owned, resource_account, layers, trace, optimistic=False).decide() if unknown else best
        grants = {st.grant for entry, _ in layers if entry.layer is Layer.RESOURCE for st in entry.statements if st.grant and not st.is_deny and st.applies is Truth.TRUE}
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
            unknown = [st for entry, _ in layers for st in entry.statements if st.applies is Truth.UNKNOWN]
            decision.allow_conditions = tuple(c for st in unknown if not st.is_deny for c in st.residual)
            decision.deny_conditions = tuple(c for st in unknown if st.is_deny for c in st.residual)
            decision.reason = "allowed only if the listed conditions hold; they depend on context that was not given"
        return decision

    # ---------------------------------------------------------------- policies in play (R51)
    def _layers(self, request, caller: Caller, owned, resource_account, context, record) -> list[tuple[LayerTrace, list[PolicyRef]]]:
        world = self.world
        layers: list[tuple[LayerTrace, list[PolicyRef]]] = []
        entity = caller.entity
        if caller.kind.has_identity_side and entity is not None:
            layers.append((LayerTrace(Layer.IDENTITY, entity.qualified_name), list(world.identity_policies(entity))))
            boundary = world.boundary(entity)
            if boundary is not None:
                layers.append((LayerTrace(Layer.BOUNDARY, entity.qualified_name), [boundary]))
        if caller.session_policy is not None:
            layers.append((LayerTrace(Layer.SESSION, caller.label), [PolicyRef(f"session policy of {caller.label}", caller.session_policy)]))
        if owned.policy is not None:
            layers.append((LayerTrace(Layer.RESOURCE, owned.policy.label.rsplit(":", 1)[0]), [owned.policy]))
        elif request.resource != "*":
            layers.append((LayerTrace(Layer.RESOURCE, request.resource, note="no resource policy"), []))
        if caller.kind.has_identity_side and not caller.is_service_linked:
            levels = world.scp_levels(caller.account)
            for where, refs in levels or ():
                layers.append((LayerTrace(Layer.SCP, where), refs))
        # R57: RCP support is per service of the action: sts:AssumeRole on a role (an iam
        # ARN) is an STS request, and RCPs on STS are what restrict who may assume roles.
        service = request.action.split(":", 1)[0].lower()
        if request.resource != "*" and service and world.rcp_covers(service) and not caller.is_service_linked:
            for where, refs in world.rcp_levels(resource_account) or ():
                layers.append((LayerTrace(Layer.RCP, where), refs))
        vpce = context.get("aws:SourceVpce")
        if vpce.presence is Presence.GIVEN and vpce.values:
            endpoint = world.endpoints_by_id.get(vpce.values[0])
            if endpoint is not None and endpoint.policy is not None:
                layers.append((LayerTrace(Layer.ENDPOINT, f"{endpoint.account}.{endpoint.name}"), [PolicyRef(f"{endpoint.account}.{endpoint.name}:policy", endpoint.policy)]))
        action, resource, settings, indexed = request.action, request.resource, self.settings, self.indexes.statements
        for entry, refs in layers:
            entry.policies = [ref.label for ref in refs]
            found = entry.statements
            for ref in refs:
                # Without the misses, only the statements whose actions can cover the request's matter;
                # with them, every statement, those that cannot cover it marked so by the index.
                for index, statement, known in indexed(ref.policy, service, every=record):
                    st = match_statement(statement, index, ref, entry.layer, action, resource, caller, context, settings, record_misses=record, action_matched=known)
                    if st is not None and (record or st.applies is not Truth.FALSE or st.action_matched and st.resource_matched):
                        found.append(st)
            if found:  # otherwise both stay FALSE, as for an empty layer
                entry.allows = _any(st.applies for st in found if not st.is_deny)
                entry.denies = _any(st.applies for st in found if st.is_deny)
        return layers

    # ---------------------------------------------------------------- context (design.md §2)
    def _context(self, request: Request, owned, resource_account: str | None) -> Context:
        """The request's context: what the user gave, plus what the model implies."""
        given = request.context
        principal = self._principal_facts(request.caller)
        resource = self._resource_facts(request, owned, resource_account)
        # What the user gave wins over what the model implies (the facts only fill gaps).
        context = Context(
            {**principal.keys, **resource.keys, **given.keys},
            given.closed,
            given.closed_prefixes | principal.closed_prefixes | resource.closed_prefixes,
        )
        # Documented defaults: HTTPS, and no service acting on the caller's behalf.
        context.setdefault("aws:SecureTransport", Lookup.given("true", Source.DEFAULT))
        context.setdefault("aws:ViaAWSService", Lookup.given("false", Source.DEFAULT))
        if context.get("aws:ViaAWSService").values == ("false",):
            context.setdefault("aws:CalledVia", Lookup.absent(Source.DEFAULT))
        if self.now is not None:
            now = self.now if self.now.tzinfo else self.now.replace(tzinfo=timezone.utc)
            context.setdefault("aws:CurrentTime", Lookup.given(now.strftime("%Y-%m-%dT%H:%M:%SZ"), Source.DEFAULT))
            context.setdefault("aws:EpochTime", Lookup.given(str(int(now.timestamp())), Source.DEFAULT))
        return context

    def _principal_facts(self, caller: Caller) -> Context:
        """The keys the model implies about the caller (R7), memoised per caller.

        The memo key lists every field of the caller the facts below read; keep
        the two in step.  Entities are held in the memo, so their id() stays theirs.
        """
        memo_key = (
            caller.kind, caller.account, caller.principal_arn, id(caller.entity), caller.service,
            caller.session_name if caller.kind is CallerKind.FEDERATED_USER else None,
            tuple(caller.session_tags.items()),
        )
        found = self._facts_memo.get(memo_key)
        if found is not None:
            return found[1]
        context = Context()
        derived = Source.DERIVED

        def put(key: str, value) -> None:
            context.setdefault(key, Lookup.absent(derived) if value is None else Lookup.given(value, derived))

        world = self.world
        authenticated = caller.kind.has_identity_side
        put("aws:PrincipalAccount", caller.account if authenticated else None)
        put("aws:PrincipalArn", caller.principal_arn if authenticated else None)
        put("aws:PrincipalType", {
            CallerKind.USER: "User", CallerKind.ROLE_SESSION: "AssumedRole", CallerKind.FEDERATED_USER: "FederatedUser",
            CallerKind.ROOT: "Account", CallerKind.ANONYMOUS: "Anonymous",
        }.get(caller.kind))
        put("aws:username", caller.entity.name if caller.kind is CallerKind.USER and caller.entity else None)
        # R7: present on signed requests only, so absent for anonymous callers (a data-perimeter
        # RCP writes BoolIfExists for exactly this reason).
        put("aws:PrincipalIsAWSService", "true" if caller.kind is CallerKind.SERVICE else "false" if authenticated else None)
        put("aws:PrincipalServiceName", caller.service if caller.kind is CallerKind.SERVICE else None)
        if caller.kind is CallerKind.ANONYMOUS:
            put("aws:userid", "anonymous")
        elif caller.kind is CallerKind.ROOT:
            put("aws:userid", caller.account)  # R2: the root user's userid is the account ID
        elif caller.kind is CallerKind.FEDERATED_USER:
            put("aws:userid", f"{caller.account}:{caller.session_name}")
        # users' and roles' unique IDs (AIDA…, AROA…) are not modelled: aws:userid stays unknown
        placement = world.placement(caller.account) if authenticated else None
        if authenticated and (placement is not None or caller.account in world.accounts_by_id):
            external = world.accounts_by_id.get(caller.account or "")
            if placement is not None:
                put("aws:PrincipalOrgID", placement.org.id)
                put("aws:PrincipalOrgPaths", [placement.paths])
            elif external is not None and not external.external:
                put("aws:PrincipalOrgID", None)
                put("aws:PrincipalOrgPaths", None)
        elif not authenticated:
            put("aws:PrincipalOrgID", None)
            put("aws:PrincipalOrgPaths", None)
        if caller.entity is not None and authenticated:
            tags = {k.lower(): (k, v) for k, v in caller.entity.tags.items()}
            tags.update({k.lower(): (k, v) for k, v in caller.session_tags.items()})  # R3: session tags win
            for key, value in tags.values():
                put(f"aws:PrincipalTag/{key}", value)
            context.close_prefix("aws:PrincipalTag/")
        elif not authenticated:
            context.close_prefix("aws:PrincipalTag/")
        self._remember(memo_key, caller.entity, context)
        return context

    def _resource_facts(self, request: Request, owned, resource_account: str | None) -> Context:
        """The keys the model implies about the resource (R7), memoised per resource.

        The memo key lists everything the facts below read; keep the two in step.
        """
        tags_owner = owned.resource.tags if owned.resource is not None else (owned.entity.tags if owned.entity is not None else None)
        service = request.resource.split(":")[2] if tags_owner and request.resource.count(":") >= 5 else ""
        memo_key = ("resource", resource_account, request.resource == "*", id(owned.resource), id(owned.entity), service)
        found = self._facts_memo.get(memo_key)
        if found is not None:
            return found[1]
        context = Context()
        derived = Source.DERIVED

        def put(key: str, value) -> None:
            context.setdefault(key, Lookup.absent(derived) if value is None else Lookup.given(value, derived))

        world = self.world
        put("aws:ResourceAccount", resource_account if request.resource != "*" else None)
        resource_placement = world.placement(resource_account)
        if resource_placement is not None:
            put("aws:ResourceOrgID", resource_placement.org.id)
            put("aws:ResourceOrgPaths", [resource_placement.paths])
        elif resource_account in world.accounts_by_id and not world.accounts_by_id[resource_account].external:
            put("aws:ResourceOrgID", None)
            put("aws:ResourceOrgPaths", None)
        if tags_owner is not None:
            for key, value in tags_owner.items():
                put(f"aws:ResourceTag/{key}", value)
                if service:
                    put(f"{service}:ResourceTag/{key}", value)
            context.close_prefix("aws:ResourceTag/")
        self._remember(memo_key, (owned.resource, owned.entity), context)
        return context

    def _remember(self, memo_key: tuple, held, facts: Context) -> None:
        if len(self._facts_memo) >= _FACTS_MEMO_SIZE:
            self._facts_memo.clear()
        self._facts_memo[memo_key] = (held, facts)

    def _caveats(self, request: Request, owned) -> tuple[tuple[str, ...], tuple[NotModelled, ...]]:
        """R51: S3 ACLs, Block Public Access and KMS grants are not modelled; say so."""
        service = request.resource.split(":")[2] if request.resource.count(":") >= 5 else ""
        caveats: list[str] = []
        if service == "s3":
            caveats.append("not modelled: S3 ACLs, Block Public Access and Object Ownership; assumed: ACLs disabled (BucketOwnerEnforced) and no Block Public Access setting that changes this answer")
        if service == "kms":
            caveats.append("not modelled: KMS grants; assumed: none")
        declared = owned.resource.mechanisms if owned.resource is not None else ()
        return tuple(caveats), tuple(declared)


def _any(truths) -> Truth:
    found = Truth.FALSE
    for truth in truths:
        if truth is Truth.TRUE:
            return Truth.TRUE
        if truth is Truth.UNKNOWN:
            found = Truth.UNKNOWN
    return found


@dataclass(slots=True)
class _Verdict:
    outcome: Outcome
    reason: str
    reasons: set[str]
    blocked_by: list[Layer] = field(default_factory=list)
    missing_side: str | None = None


class _Scenario:
    """The decision under one assumption about unknown statements (best or worst case)."""

    def __init__(self, evaluator: Evaluator, request: Request, caller: Caller, owned, resource_account, layers, trace: Trace, *, optimistic: bool):
        self.e = evaluator
        self.request = request
        self.caller = caller
        self.owned = owned
        self.resource_account = resource_account
        self.layers = layers
        self.trace = trace
        self.optimistic = optimistic

    def holds(self, st: StatementTrace) -> bool:
        if st.applies is Truth.TRUE:
            return True
        if st.applies is Truth.FALSE:
            return False
        return self.optimistic != st.is_deny  # best case: unknown Allows hold, unknown Denies do not

    def allows(self, layer: Layer) -> bool:
        return any(self.holds(st) for entry, _ in self.layers if entry.layer is layer for st in entry.statements if not st.is_deny)

    def present(self, layer: Layer) -> bool:
        return any(entry.layer is layer for entry, _ in self.layers)

    def decide(self) -> _Verdict:
        request, caller = self.request, self.caller
        # R52: an applicable Deny anywhere decides.
        denies = [st for entry, _ in self.layers for st in entry.statements if st.is_deny and self.holds(st)]
        if denies:
            layers = {st.layer for st in denies}
            reasons = {"explicit"} | {layer.value for layer in layers if layer is not Layer.IDENTITY and layer is not Layer.RESOURCE}
            first = denies[0]
            return _Verdict(Outcome.EXPLICIT_DENY, f"a Deny statement in {first.policy} applies", reasons, sorted(layers, key=lambda l: l.value))
        # R53, R54: every level of the RCPs, then the SCPs, needs an applicable Allow.
        for layer, word in ((Layer.RCP, "RCP"), (Layer.SCP, "SCP")):
            for entry, _ in self.layers:
                if entry.layer is layer and not any(self.holds(st) for st in entry.statements if not st.is_deny):
                    return _Verdict(Outcome.IMPLICIT_DENY, f"no {word} at {entry.label} allows {request.action}", {"implicit", layer.value}, [layer])
        grants = {st.grant for entry, _ in self.layers if entry.layer is Layer.RESOURCE for st in entry.statements if not st.is_deny and st.grant and self.holds(st)}
        # R51: through a VPC endpoint, the endpoint policy must allow too.
        if self.present(Layer.ENDPOINT) and not self.allows(Layer.ENDPOINT):
            return _Verdict(Outcome.IMPLICIT_DENY, "the VPC endpoint's policy does not allow it", {"implicit", "endpoint"}, [Layer.ENDPOINT])
        # R58, R72: callers with no identity side need a resource-policy grant.
        if not caller.kind.has_identity_side:
            if GrantClass.DIRECT in grants:
                return _Verdict(Outcome.ALLOWED, "the resource policy allows this caller directly", set())
            return _Verdict(Outcome.IMPLICIT_DENY, f"no resource-policy statement allows {caller.label}", {"implicit"}, [Layer.RESOURCE], "resource")
        id_ok = caller.kind is CallerKind.ROOT or self.allows(Layer.IDENTITY)  # R63
        pb_ok = not self.present(Layer.BOUNDARY) or self.allows(Layer.BOUNDARY)  # R64
        sp_ok = self._session_ok()  # R65
        mandatory = self._service() in self.e.settings.mandatory_resource_policy_services and request.resource != "*"
        if self._service() == "iam" and not request.action.lower().startswith("sts:"):
            mandatory = False  # R60 is about trust policies: IAM users and roles have no other resource policy
        same_account = not self.trace.cross_account
        if mandatory and not grants:  # R60
            policy = "trust policy" if self._service() == "iam" else "key policy" if self._service() == "kms" else "resource policy"
            return _Verdict(Outcome.IMPLICIT_DENY, f"the {policy} does not allow {caller.label}, and it must (R60)", {"implicit"}, [Layer.RESOURCE], "resource")
        if same_account:  # R61
            if GrantClass.DIRECT in grants:
                if self._trust_user_boundary_blocks(pb_ok):
                    return _Verdict(Outcome.IMPLICIT_DENY, "the trust policy names the user, but the user's boundary does not allow sts:AssumeRole (R79, D4)", {"implicit", "boundary"}, [Layer.BOUNDARY])
                if sp_ok or self.e.settings.session_arn_grant_bypasses_session_policy or not self._direct_is_session_grant():
                    return _Verdict(Outcome.ALLOWED, "the resource policy names this caller directly (R61)", set())
            if grants & {GrantClass.ROLE, GrantClass.FED_PARENT} and pb_ok and sp_ok:
                return _Verdict(Outcome.ALLOWED, "the resource policy allows the caller's role or parent user, and the boundary and session policy allow (R61)", set())
            if id_ok and pb_ok and sp_ok:
                if caller.kind is CallerKind.ROOT and not self.allows(Layer.IDENTITY):
                    return _Verdict(Outcome.ALLOWED, "the root user has full access in its own account, and nothing denies it (R66)", set())
                return _Verdict(Outcome.ALLOWED, "an identity policy allows it, and nothing denies it", set())
            # A grant that needs no identity Allow failed on what it does need: name that.
            if GrantClass.DIRECT in grants:  # a session-ARN grant with D1 off: the session policy stopped it
                return self._identity_failure(True, True, sp_ok, same_account=True)
            if grants & {GrantClass.ROLE, GrantClass.FED_PARENT}:
                return self._identity_failure(True, pb_ok, sp_ok, same_account=True)
            return self._identity_failure(id_ok, pb_ok, sp_ok, same_account=True)
        # R62: cross-account needs both sides.
        if grants and id_ok and pb_ok and sp_ok:
            return _Verdict(Outcome.ALLOWED, "both sides allow: the resource policy and the caller's identity policies", set())
        if not grants:
            side = "resource"
            reason = f"a cross-account request from {self.caller.account} to {self.resource_account} needs the resource policy to allow it too, and it does not"
            if not id_ok:
                reason = "neither side allows this cross-account request"
                side = "both"
            return _Verdict(Outcome.IMPLICIT_DENY, reason, {"implicit"}, [Layer.RESOURCE], side)
        return self._identity_failure(id_ok, pb_ok, sp_ok, same_account=False)

    def _identity_failure(self, id_ok: bool, pb_ok: bool, sp_ok: bool, *, same_account: bool) -> _Verdict:
        action = self.request.action
        if not id_ok:
            prefix = "" if same_account else "a cross-account request needs both sides: "
            return _Verdict(Outcome.IMPLICIT_DENY, f"{prefix}no identity policy of {self.caller.label} allows {action}", {"implicit"}, [Layer.IDENTITY], "identity")
        if not pb_ok:
            return _Verdict(Outcome.IMPLICIT_DENY, f"the permissions boundary of {self.caller.label} does not allow {action}", {"implicit", "boundary"}, [Layer.BOUNDARY])
        return _Verdict(Outcome.IMPLICIT_DENY, f"the session policy does not allow {action}", {"implicit", "session"}, [Layer.SESSION])

    def _session_ok(self) -> bool:
        caller = self.caller
        if caller.kind not in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER):
            return True
        if caller.session_policy is None:
            return caller.kind is CallerKind.ROLE_SESSION  # R65: a federated user needs one
        return self.allows(Layer.SESSION)

    def _direct_is_session_grant(self) -> bool:
        return self.caller.kind in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER)

    def _trust_user_boundary_blocks(self, pb_ok: bool) -> bool:
        return (
            self.e.settings.trust_user_needs_boundary
            and self.owned.entity is not None
            and self.caller.kind is CallerKind.USER
            and self.present(Layer.BOUNDARY)
            and not pb_ok
        )

    def _service(self) -> str:
        resource = self.request.resource
        return resource.split(":")[2].lower() if resource.count(":") >= 5 else ""
