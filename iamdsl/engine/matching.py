"""Does this statement apply to this request, and if not, why not?

Stage: engine, statement level (R10–R23).  This layer knows nothing of how
policy types combine; evaluate.py does.  Matchers say why from the start, so
that an explanation never needs a second evaluation.
"""

from __future__ import annotations

from iamdsl.engine.actions import action_matches
from iamdsl.engine.arn import resource_matches
from iamdsl.engine.conditions import BlockResult, evaluate_conditions
from iamdsl.engine.context import Context, Presence
from iamdsl.engine.request import Caller, CallerKind
from iamdsl.engine.settings import Settings
from iamdsl.engine.trace import GrantClass, Layer, PolicyRef, StatementTrace, Truth
from iamdsl.engine.variables import resolve_resource_entry
from iamdsl.model import Effect, PolicyKind, Principal, PrincipalType, Statement

_AUTHENTICATED = (CallerKind.USER, CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER, CallerKind.ROOT)
_NO_CONDITIONS = BlockResult(Truth.TRUE, ())  # R21: an empty block holds


def match_statement(
    statement: Statement,
    index: int,
    ref: PolicyRef,
    layer: Layer,
    action: str,
    resource: str,
    caller: Caller,
    context: Context,
    settings: Settings,
    *,
    record_misses: bool,
    action_matched: bool | None = None,
) -> StatementTrace | None:
    """The statement's verdict; None when it missed on action or resource and misses are not recorded.

    `action_matched` is False when the caller already knows the statement's
    actions cannot cover `action` (the policy index does); None tests them.
    """
    variables = ref.policy.version == "2012-10-17"
    action_ok = actions_match(statement, action) if action_matched is None else action_matched
    resource_truth = resources_match(statement, resource, context, variables, settings) if action_ok else _TRUTH_FALSE
    resource_ok = resource_truth is not _TRUTH_FALSE
    if not (action_ok and resource_ok) and not record_misses:
        return None
    trace = StatementTrace(
        policy=ref.label,
        layer=layer,
        index=index,
        statement=statement,
        applies=_TRUTH_FALSE,
        action_matched=action_ok,
        resource_matched=resource_ok,
    )
    if not action_ok:
        trace.reason = f"its actions do not include {action}"
        return trace
    if not resource_ok:
        trace.reason = f"its resources do not include {resource}"
        return trace
    if ref.policy.kind.takes_principal:
        grant = principal_grant(statement, caller, settings, trust=ref.policy.kind is _PKIND_TRUST)
        trace.principal_matched = grant is not None
        trace.grant = grant
        if grant is None:
            trace.reason = _principal_miss_reason(statement, caller)
            return trace
    if statement.conditions:
        block = evaluate_conditions(statement.conditions, context, variables=variables, settings=settings)
        trace.condition_reasons = tuple(r.reason for r in block.results)
    else:
        block = _NO_CONDITIONS  # most statements: skip building an empty verdict for each
    truth = block.truth
    if resource_truth is _TRUTH_UNKNOWN and truth is _TRUTH_TRUE:
        truth = _TRUTH_UNKNOWN
    trace.applies = truth
    if truth is _TRUTH_FALSE:
        failed = [r.reason for r in block.results if r.truth is _TRUTH_FALSE]
        trace.reason = "its condition does not hold: " + "; ".join(failed)
    elif truth is _TRUTH_UNKNOWN:
        trace.residual = block.residual
        trace.reason = "it applies only if its condition holds, which depends on context not given"
    else:
        trace.reason = "it applies"
    return trace


def actions_match(statement: Statement, action: str) -> bool:
    """R14, R15: whether the statement's Action covers `action`, or its NotAction leaves it out."""
    if statement.actions is not None:
        return any(action_matches(pattern, action) for pattern in statement.actions)
    return not any(action_matches(pattern, action) for pattern in statement.not_actions or ())


def resources_match(statement: Statement, resource: str, context: Context, variables: bool, settings: Settings) -> Truth:
    """R16, R17: Resource entries are OR'ed; NotResource matches when no entry does."""
    entries = statement.resources if statement.resources is not None else statement.not_resources
    if entries is None:
        return _TRUTH_TRUE  # trust and resource policies may leave Resource out: it is the resource itself
    found = _TRUTH_FALSE
    for entry in entries:
        resolved = resolve_resource_entry(entry, context, enabled=variables)
        if resolved is None:
            continue  # an unresolvable variable: the entry matches nothing (R16h, R23)
        if resolved is _PRESENCE_UNKNOWN:
            found = _TRUTH_UNKNOWN
            continue
        if resource_matches(resolved, resource, settings):
            found = _TRUTH_TRUE
            break
    if statement.resources is not None:
        return found
    return {_TRUTH_TRUE: _TRUTH_FALSE, _TRUTH_FALSE: _TRUTH_TRUE, _TRUTH_UNKNOWN: _TRUTH_UNKNOWN}[found]


# ------------------------------------------------------------------ principals (R18, R20)


def principal_grant(statement: Statement, caller: Caller, settings: Settings, *, trust: bool = False) -> GrantClass | None:
    """The grant class by which the statement's Principal reaches the caller, or None."""
    if statement.principals is not None:
        best: GrantClass | None = None
        for principal in statement.principals:
            if trust and statement.effect is _EFFECT_ALLOW and not settings.star_in_trust_allowed and is_everyone(principal):
                continue  # D8 off: "*" in a trust policy grants nothing (a Deny with "*" still applies)
            grant = _grant(principal, caller)
            if grant is _GRANT_DIRECT:
                return grant
            best = best or grant
        return best
    if statement.not_principals is not None:
        if statement.effect is _EFFECT_DENY and caller.entity is not None and caller.entity.boundary is not None and caller.kind in (_CALLER_USER, _CALLER_ROLE_SESSION):
            return _GRANT_DIRECT  # R20: Deny + NotPrincipal always applies to a principal with a boundary
        if _excluded(statement.not_principals, caller, settings):
            return None
        return _GRANT_DIRECT  # R20: an Allow with NotPrincipal grants everyone not listed
    return None  # R19: no principal element, never applies


def _grant(principal: Principal, caller: Caller) -> GrantClass | None:
    value = principal.value
    if principal.type is _PTYPE_STAR or (principal.type is _PTYPE_AWS and value == "*"):
        return _GRANT_DIRECT
    if principal.type is _PTYPE_SERVICE:
        return _GRANT_DIRECT if caller.kind is _CALLER_SERVICE and caller.service == value else None
    if principal.type is _PTYPE_FEDERATED:
        if caller.kind in (_CALLER_WEB_IDENTITY, _CALLER_SAML) and caller.provider == value:
            return _GRANT_DIRECT
        return None
    if principal.type is _PTYPE_CANONICAL_USER:
        return None  # S3 canonical users are not modelled (R51)
    if caller.kind not in _AUTHENTICATED:
        return None
    account = _account_of_principal(value)
    if account is not None:
        return _GRANT_ACCOUNT if caller.account == account else None
    if caller.arn == value:
        return _GRANT_DIRECT  # the user, the session, the federated user
    if caller.kind is _CALLER_ROLE_SESSION and caller.principal_arn == value:
        return _GRANT_ROLE
    if caller.kind is _CALLER_FEDERATED_USER and caller.principal_arn != value and caller.entity is not None and caller.entity.arn == value:
        return _GRANT_FED_PARENT
    return None


def is_everyone(principal: Principal) -> bool:
    """Whether the principal is `*`, written `"*"` or `{"AWS": "*"}` (R18)."""
    return principal.type is _PTYPE_STAR or (principal.type is _PTYPE_AWS and principal.value == "*")


def _account_of_principal(value: str) -> str | None:
    """`111122223333` and `arn:P:iam::111122223333:root` both name the account (R18)."""
    if len(value) == 12 and value.isdigit():
        return value
    if value.startswith("arn:") and value.endswith(":root"):
        fields = value.split(":")
        if len(fields) == 6 and fields[2] == "iam" and fields[5] == "root" and fields[4].isdigit():
            return fields[4]
    return None


def _levels(caller: Caller) -> list[str]:
    """The identities a NotPrincipal must list to exclude this caller (R20)."""
    root = f"arn:aws:iam::{caller.account}:root" if caller.account else None
    if caller.kind is _CALLER_ROLE_SESSION:
        return [x for x in (root, caller.principal_arn, caller.arn) if x]
    if caller.kind in (_CALLER_USER, _CALLER_FEDERATED_USER, _CALLER_ROOT):
        return [x for x in (root, caller.arn) if x]
    if caller.kind is _CALLER_SERVICE:
        return [caller.service or ""]
    return ["*"]


def _excluded(principals: tuple[Principal, ...], caller: Caller, settings: Settings) -> bool:
    listed = set()
    for principal in principals:
        value = principal.value
        account = _account_of_principal(value) if principal.type is _PTYPE_AWS else None
        listed.add(f"arn:aws:iam::{account}:root" if account else value)
    levels = _levels(caller)
    if settings.notprincipal_strict:
        return all(level in listed for level in levels)
    return any(level in listed for level in levels)


def _principal_miss_reason(statement: Statement, caller: Caller) -> str:
    if statement.principals is None and statement.not_principals is None:
        return "it names no principal, so it never applies (R19)"
    if statement.not_principals is not None:
        return f"its NotPrincipal excludes {caller.label}"
    names = ", ".join(p.value for p in statement.principals or ())
    return f"its principal ({names}) is not {caller.label}"


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_CALLER_FEDERATED_USER = CallerKind.FEDERATED_USER
_CALLER_ROLE_SESSION = CallerKind.ROLE_SESSION
_CALLER_ROOT = CallerKind.ROOT
_CALLER_SAML = CallerKind.SAML
_CALLER_SERVICE = CallerKind.SERVICE
_CALLER_USER = CallerKind.USER
_CALLER_WEB_IDENTITY = CallerKind.WEB_IDENTITY
_EFFECT_ALLOW = Effect.ALLOW
_EFFECT_DENY = Effect.DENY
_GRANT_ACCOUNT = GrantClass.ACCOUNT
_GRANT_DIRECT = GrantClass.DIRECT
_GRANT_FED_PARENT = GrantClass.FED_PARENT
_GRANT_ROLE = GrantClass.ROLE
_PKIND_TRUST = PolicyKind.TRUST
_PRESENCE_UNKNOWN = Presence.UNKNOWN
_PTYPE_AWS = PrincipalType.AWS
_PTYPE_CANONICAL_USER = PrincipalType.CANONICAL_USER
_PTYPE_FEDERATED = PrincipalType.FEDERATED
_PTYPE_SERVICE = PrincipalType.SERVICE
_PTYPE_STAR = PrincipalType.STAR
_TRUTH_FALSE = Truth.FALSE
_TRUTH_TRUE = Truth.TRUE
_TRUTH_UNKNOWN = Truth.UNKNOWN
