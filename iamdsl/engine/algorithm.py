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
    reasons: frozenset[str]  # shared by the decisions that give them: never changed
    blocked_by: list[Layer] = field(default_factory=list)
    missing_side: str | None = None


def decide(
    settings: Settings, request: Request, owned, resource_account: str | None, cross_account: bool, view: Statements, service: str | None = None
) -> Verdict:
    """The decision for one request, given what its statements say (`view`).

    `service` is the requested ARN's third field, when the caller has split it.
    """
    caller = request.caller
    kind = caller.kind
    # R52: an applicable Deny anywhere decides.
    denied = view.deny()
    if denied is not None:
        policy, layers = denied
        reasons = {"explicit"}
        for layer in layers:
            named = _NAMED_DENY_LAYERS.get(layer)
            if named is not None:
                reasons.add(named)
        return Verdict(_OUTCOME_EXPLICIT_DENY, f"a Deny statement in {policy} applies", frozenset(reasons) if len(reasons) > 1 else _EXPLICIT, sorted(layers))  # layers sort as their values
    # R53, R54: every level of the RCPs, then the SCPs, needs an applicable Allow.
    for layer, word, reasons in _ORG_LAYERS:
        level = view.unallowed_level(layer)
        if level is not None:
            return Verdict(_OUTCOME_IMPLICIT_DENY, f"no {word} at {level} allows {request.action}", reasons, [layer])
    grants = view.grants()
    # R51: through a VPC endpoint, the endpoint policy must allow too.
    if view.present(_LAYER_ENDPOINT) and not view.allows(_LAYER_ENDPOINT):
        return Verdict(_OUTCOME_IMPLICIT_DENY, "the VPC endpoint's policy does not allow it", _IMPLICIT_ENDPOINT, [_LAYER_ENDPOINT])
    # R58, R72: callers with no identity side need a resource-policy grant.
    if kind not in _IDENTITY_SIDE:  # `has_identity_side`, without the property call
        if _GRANT_DIRECT in grants:
            return Verdict(_OUTCOME_ALLOWED, "the resource policy allows this caller directly", _NONE)
        return Verdict(_OUTCOME_IMPLICIT_DENY, f"no resource-policy statement allows {caller.label}", _IMPLICIT, [_LAYER_RESOURCE], "resource")
    id_ok = kind is _CALLER_ROOT or view.allows(_LAYER_IDENTITY)  # R63
    pb_ok = not view.present(_LAYER_BOUNDARY) or view.allows(_LAYER_BOUNDARY)  # R64
    sp_ok = _session_ok(caller, view)  # R65
    resource = request.resource
    if service is None:
        service = resource.split(":", 3)[2] if resource.count(":") >= 5 else ""
    service = service.lower()
    mandatory = service in settings.mandatory_resource_policy_services and resource != "*"
    if service == "iam" and not request.action.lower().startswith("sts:"):
        mandatory = False  # R60 is about trust policies: IAM users and roles have no other resource policy
    if mandatory and not grants:  # R60
        policy = "trust policy" if service == "iam" else "key policy" if service == "kms" else "resource policy"
        return Verdict(_OUTCOME_IMPLICIT_DENY, f"the {policy} does not allow {caller.label}, and it must (R60)", _IMPLICIT, [_LAYER_RESOURCE], "resource")
    if not cross_account:  # R61
        if _GRANT_DIRECT in grants:
            if _trust_user_boundary_blocks(settings, owned, caller, view, pb_ok):
                return Verdict(_OUTCOME_IMPLICIT_DENY, "the trust policy names the user, but the user's boundary does not allow sts:AssumeRole (R79, D4)", _IMPLICIT_BOUNDARY, [_LAYER_BOUNDARY])
            if sp_ok or settings.session_arn_grant_bypasses_session_policy or kind not in _SESSIONS:  # a session-ARN grant (D1)
                return Verdict(_OUTCOME_ALLOWED, "the resource policy names this caller directly (R61)", _NONE)
        if grants & _ROLE_GRANTS and pb_ok and sp_ok:
            return Verdict(_OUTCOME_ALLOWED, "the resource policy allows the caller's role or parent user, and the boundary and session policy allow (R61)", _NONE)
        if id_ok and pb_ok and sp_ok:
            if kind is _CALLER_ROOT and not view.allows(_LAYER_IDENTITY):
                return Verdict(_OUTCOME_ALLOWED, "the root user has full access in its own account, and nothing denies it (R66)", _NONE)
            return Verdict(_OUTCOME_ALLOWED, "an identity policy allows it, and nothing denies it", _NONE)
        # A grant that needs no identity Allow failed on what it does need: name that.
        if _GRANT_DIRECT in grants:  # a session-ARN grant with D1 off: the session policy stopped it
            return _identity_failure(request, True, True, sp_ok, same_account=True)
        if grants & _ROLE_GRANTS:
            return _identity_failure(request, True, pb_ok, sp_ok, same_account=True)
        return _identity_failure(request, id_ok, pb_ok, sp_ok, same_account=True)
    # R62: cross-account needs both sides.
    if grants and id_ok and pb_ok and sp_ok:
        return Verdict(_OUTCOME_ALLOWED, "both sides allow: the resource policy and the caller's identity policies", _NONE)
    if not grants:
        side = "resource"
        reason = f"a cross-account request from {caller.account} to {resource_account} needs the resource policy to allow it too, and it does not"
        if not id_ok:
            reason = "neither side allows this cross-account request"
            side = "both"
        return Verdict(_OUTCOME_IMPLICIT_DENY, reason, _IMPLICIT, [_LAYER_RESOURCE], side)
    return _identity_failure(request, id_ok, pb_ok, sp_ok, same_account=False)


_ORG_LAYERS = ((Layer.RCP, "RCP", frozenset({"implicit", "rcp"})), (Layer.SCP, "SCP", frozenset({"implicit", "scp"})))
# The reasons of the other verdicts: frozen once, shared by every decision that gives them.
_NONE: frozenset[str] = frozenset()
_EXPLICIT = frozenset({"explicit"})
_IMPLICIT = frozenset({"implicit"})
_IMPLICIT_ENDPOINT = frozenset({"implicit", "endpoint"})
_IMPLICIT_BOUNDARY = frozenset({"implicit", "boundary"})
_IMPLICIT_SESSION = frozenset({"implicit", "session"})
_SESSIONS = (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER)  # callers whose direct grant may name their session
_ROLE_GRANTS = frozenset({GrantClass.ROLE, GrantClass.FED_PARENT})


def _identity_failure(request: Request, id_ok: bool, pb_ok: bool, sp_ok: bool, *, same_account: bool) -> Verdict:
    action, caller = request.action, request.caller
    if not id_ok:
        prefix = "" if same_account else "a cross-account request needs both sides: "
        return Verdict(_OUTCOME_IMPLICIT_DENY, f"{prefix}no identity policy of {caller.label} allows {action}", _IMPLICIT, [_LAYER_IDENTITY], "identity")
    if not pb_ok:
        return Verdict(_OUTCOME_IMPLICIT_DENY, f"the permissions boundary of {caller.label} does not allow {action}", _IMPLICIT_BOUNDARY, [_LAYER_BOUNDARY])
    return Verdict(_OUTCOME_IMPLICIT_DENY, f"the session policy does not allow {action}", _IMPLICIT_SESSION, [_LAYER_SESSION])


def _session_ok(caller, view: Statements) -> bool:
    if caller.kind not in _SESSIONS:
        return True
    if caller.session_policy is None:
        return caller.kind is _CALLER_ROLE_SESSION  # R65: a federated user needs one
    return view.allows(_LAYER_SESSION)


def _trust_user_boundary_blocks(settings: Settings, owned, caller, view: Statements, pb_ok: bool) -> bool:
    return (
        settings.trust_user_needs_boundary
        and owned.entity is not None
        and caller.kind is _CALLER_USER
        and view.present(_LAYER_BOUNDARY)
        and not pb_ok
    )


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_CALLER_ROLE_SESSION = CallerKind.ROLE_SESSION
_CALLER_ROOT = CallerKind.ROOT
_CALLER_USER = CallerKind.USER
_GRANT_DIRECT = GrantClass.DIRECT
_LAYER_BOUNDARY = Layer.BOUNDARY
_LAYER_ENDPOINT = Layer.ENDPOINT
_LAYER_IDENTITY = Layer.IDENTITY
_LAYER_RESOURCE = Layer.RESOURCE
_LAYER_SESSION = Layer.SESSION
_OUTCOME_ALLOWED = Outcome.ALLOWED
_OUTCOME_EXPLICIT_DENY = Outcome.EXPLICIT_DENY
_OUTCOME_IMPLICIT_DENY = Outcome.IMPLICIT_DENY
