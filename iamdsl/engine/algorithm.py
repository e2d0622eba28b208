"""AWS's decision algorithm (R52–R66), over a view of the statements in play.

Stage: engine, request level.  The algorithm asks a few questions of the
statements (is there an applicable Deny?  does every SCP level allow?  which
grant classes does the resource policy give?) and walks rulebook §5's steps.
It never looks at a statement itself: a `Statements` view answers, so that the
traced evaluator (evaluate.py, from its StatementTraces, once per assumption
about unknown statements) and the untraced one (untraced.py, from compiled
statements, evaluated only as far as the questions need) share one algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from iamdsl.engine.decision import Outcome
from iamdsl.engine.request import CallerKind, Request
from iamdsl.engine.settings import Settings
from iamdsl.engine.trace import GrantClass, Layer

# Deny layers that `reasons` names: an identity or resource-policy Deny is just "explicit".
_NAMED_DENY_LAYERS = {layer: layer.value for layer in (Layer.BOUNDARY, Layer.SESSION, Layer.SCP, Layer.RCP, Layer.ENDPOINT)}


_IDENTITY_SIDE = frozenset(kind for kind in CallerKind if kind.has_identity_side)


class Statements(Protocol):
    """What the algorithm asks of the statements in play."""

    def deny(self) -> tuple[str, set[Layer]] | None:
        """The label of the policy of the first applicable Deny, and the layers of every applicable Deny."""

    def unallowed_level(self, layer: Layer) -> str | None:
        """The label of the first level of `layer` (SCP or RCP) where no Allow applies."""

    def allows(self, layer: Layer) -> bool:
        """Whether an Allow of `layer` applies."""

    def present(self, layer: Layer) -> bool:
        """Whether `layer` is in play at all (a resource with no policy is, with no statements)."""

    def grants(self) -> set[GrantClass]:
        """The grant classes of the resource-policy Allows that apply (R59)."""


@dataclass(slots=True)
class Verdict:
    outcome: Outcome
    reason: str
    reasons: set[str]
    blocked_by: list[Layer] = field(default_factory=list)
    missing_side: str | None = None


class Scenario:
    """The decision for one request, given what its statements say."""

    __slots__ = ("settings", "request", "caller", "owned", "resource_account", "cross_account", "view")

    def __init__(self, settings: Settings, request: Request, owned, resource_account: str | None, cross_account: bool, view: Statements):
        self.settings = settings
        self.request = request
        self.caller = request.caller
        self.owned = owned
        self.resource_account = resource_account
        self.cross_account = cross_account
        self.view = view

    def decide(self) -> Verdict:
        request, caller, view = self.request, self.caller, self.view
        # R52: an applicable Deny anywhere decides.
        denied = view.deny()
        if denied is not None:
            policy, layers = denied
            reasons = {"explicit"}
            for layer in layers:
                named = _NAMED_DENY_LAYERS.get(layer)
                if named is not None:
                    reasons.add(named)
            return Verdict(Outcome.EXPLICIT_DENY, f"a Deny statement in {policy} applies", reasons, sorted(layers))  # layers sort as their values
        # R53, R54: every level of the RCPs, then the SCPs, needs an applicable Allow.
        for layer, word in ((Layer.RCP, "RCP"), (Layer.SCP, "SCP")):
            level = view.unallowed_level(layer)
            if level is not None:
                return Verdict(Outcome.IMPLICIT_DENY, f"no {word} at {level} allows {request.action}", {"implicit", layer.value}, [layer])
        grants = view.grants()
        # R51: through a VPC endpoint, the endpoint policy must allow too.
        if view.present(Layer.ENDPOINT) and not view.allows(Layer.ENDPOINT):
            return Verdict(Outcome.IMPLICIT_DENY, "the VPC endpoint's policy does not allow it", {"implicit", "endpoint"}, [Layer.ENDPOINT])
        # R58, R72: callers with no identity side need a resource-policy grant.
        if caller.kind not in _IDENTITY_SIDE:  # `has_identity_side`, without the property call
            if GrantClass.DIRECT in grants:
                return Verdict(Outcome.ALLOWED, "the resource policy allows this caller directly", set())
            return Verdict(Outcome.IMPLICIT_DENY, f"no resource-policy statement allows {caller.label}", {"implicit"}, [Layer.RESOURCE], "resource")
        id_ok = caller.kind is CallerKind.ROOT or view.allows(Layer.IDENTITY)  # R63
        pb_ok = not view.present(Layer.BOUNDARY) or view.allows(Layer.BOUNDARY)  # R64
        sp_ok = self._session_ok()  # R65
        service = self._service()
        mandatory = service in self.settings.mandatory_resource_policy_services and request.resource != "*"
        if service == "iam" and not request.action.lower().startswith("sts:"):
            mandatory = False  # R60 is about trust policies: IAM users and roles have no other resource policy
        if mandatory and not grants:  # R60
            policy = "trust policy" if service == "iam" else "key policy" if service == "kms" else "resource policy"
            return Verdict(Outcome.IMPLICIT_DENY, f"the {policy} does not allow {caller.label}, and it must (R60)", {"implicit"}, [Layer.RESOURCE], "resource")
        if not self.cross_account:  # R61
            if GrantClass.DIRECT in grants:
                if self._trust_user_boundary_blocks(pb_ok):
                    return Verdict(Outcome.IMPLICIT_DENY, "the trust policy names the user, but the user's boundary does not allow sts:AssumeRole (R79, D4)", {"implicit", "boundary"}, [Layer.BOUNDARY])
                if sp_ok or self.settings.session_arn_grant_bypasses_session_policy or not self._direct_is_session_grant():
                    return Verdict(Outcome.ALLOWED, "the resource policy names this caller directly (R61)", set())
            if grants & {GrantClass.ROLE, GrantClass.FED_PARENT} and pb_ok and sp_ok:
                return Verdict(Outcome.ALLOWED, "the resource policy allows the caller's role or parent user, and the boundary and session policy allow (R61)", set())
            if id_ok and pb_ok and sp_ok:
                if caller.kind is CallerKind.ROOT and not view.allows(Layer.IDENTITY):
                    return Verdict(Outcome.ALLOWED, "the root user has full access in its own account, and nothing denies it (R66)", set())
                return Verdict(Outcome.ALLOWED, "an identity policy allows it, and nothing denies it", set())
            # A grant that needs no identity Allow failed on what it does need: name that.
            if GrantClass.DIRECT in grants:  # a session-ARN grant with D1 off: the session policy stopped it
                return self._identity_failure(True, True, sp_ok, same_account=True)
            if grants & {GrantClass.ROLE, GrantClass.FED_PARENT}:
                return self._identity_failure(True, pb_ok, sp_ok, same_account=True)
            return self._identity_failure(id_ok, pb_ok, sp_ok, same_account=True)
        # R62: cross-account needs both sides.
        if grants and id_ok and pb_ok and sp_ok:
            return Verdict(Outcome.ALLOWED, "both sides allow: the resource policy and the caller's identity policies", set())
        if not grants:
            side = "resource"
            reason = f"a cross-account request from {caller.account} to {self.resource_account} needs the resource policy to allow it too, and it does not"
            if not id_ok:
                reason = "neither side allows this cross-account request"
                side = "both"
            return Verdict(Outcome.IMPLICIT_DENY, reason, {"implicit"}, [Layer.RESOURCE], side)
        return self._identity_failure(id_ok, pb_ok, sp_ok, same_account=False)

    def _identity_failure(self, id_ok: bool, pb_ok: bool, sp_ok: bool, *, same_account: bool) -> Verdict:
        action = self.request.action
        if not id_ok:
            prefix = "" if same_account else "a cross-account request needs both sides: "
            return Verdict(Outcome.IMPLICIT_DENY, f"{prefix}no identity policy of {self.caller.label} allows {action}", {"implicit"}, [Layer.IDENTITY], "identity")
        if not pb_ok:
            return Verdict(Outcome.IMPLICIT_DENY, f"the permissions boundary of {self.caller.label} does not allow {action}", {"implicit", "boundary"}, [Layer.BOUNDARY])
        return Verdict(Outcome.IMPLICIT_DENY, f"the session policy does not allow {action}", {"implicit", "session"}, [Layer.SESSION])

    def _session_ok(self) -> bool:
        caller = self.caller
        if caller.kind not in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER):
            return True
        if caller.session_policy is None:
            return caller.kind is CallerKind.ROLE_SESSION  # R65: a federated user needs one
        return self.view.allows(Layer.SESSION)

    def _direct_is_session_grant(self) -> bool:
        return self.caller.kind in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER)

    def _trust_user_boundary_blocks(self, pb_ok: bool) -> bool:
        return (
            self.settings.trust_user_needs_boundary
            and self.owned.entity is not None
            and self.caller.kind is CallerKind.USER
            and self.view.present(Layer.BOUNDARY)
            and not pb_ok
        )

    def _service(self) -> str:
        resource = self.request.resource
        return resource.split(":")[2].lower() if resource.count(":") >= 5 else ""
