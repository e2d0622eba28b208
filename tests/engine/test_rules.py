"""One test (at least) per decision rule of the rulebook: R50–R66, R70–R81, D1, D2, D4, D8.

Each test builds a small world with the scenario builder
(`iamdsl.testing.scenarios.build_model` / `build_caller`), decides a request
and checks the decision the rulebook (iam-evaluation.md §4–§6) names.  The
settings tests flip one setting and check the documented alternative.  The
last tests cover the three-valued context (design.md §2) and the caveats of
R51.
"""

from __future__ import annotations

from typing import Any

import pytest

from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Decision, Evaluator, Outcome
from iamdsl.engine.request import Request
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import GrantClass
from iamdsl.interop.iam_json import plain_to_json_value, policy_from_json
from iamdsl.language.errors import Collector
from iamdsl.model import Model, PolicyKind, Span
from iamdsl.testing.scenarios import build_caller, build_model

A, B, C, M = "111122223333", "444455556666", "777788889999", "123456789012"
IDS = {"A": A, "B": B, "C": C, "M": M}
ALLOWED, EXPLICIT, IMPLICIT, CONDITIONAL = Outcome.ALLOWED, Outcome.EXPLICIT_DENY, Outcome.IMPLICIT_DENY, Outcome.CONDITIONAL

BUCKET, OBJECT = "arn:aws:s3:::b", "arn:aws:s3:::b/x"
B_BUCKET, B_OBJECT = "arn:aws:s3:::b-data", "arn:aws:s3:::b-data/x"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{A}:alerts"
GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


# ------------------------------------------------------------------ builders


def doc(*statements: dict, version: str = "2012-10-17") -> dict:
    return {"Version": version, "Statement": list(statements)}


def statement(effect: str, action: Any = None, resource: Any = "*", *, sid: str | None = None, **elements: Any) -> dict:
    """An IAM statement; `elements` take IAM's names in snake case (not_action, principal, condition, …)."""
    names = {"principal": "Principal", "not_principal": "NotPrincipal", "not_action": "NotAction", "not_resource": "NotResource", "condition": "Condition"}
    out: dict[str, Any] = {"Effect": effect}
    if sid:
        out["Sid"] = sid
    if action is not None:
        out["Action"] = action
    if resource is not None and "not_resource" not in elements:
        out["Resource"] = resource
    out.update({names[k]: v for k, v in elements.items()})
    return out


def allow(action: Any = None, resource: Any = "*", **elements: Any) -> dict:
    return statement("Allow", action, resource, **elements)


def deny(action: Any = None, resource: Any = "*", **elements: Any) -> dict:
    return statement("Deny", action, resource, **elements)


def trust(*statements: dict) -> dict:
    """A trust policy: its statements name no Resource."""
    return doc(*({k: v for k, v in s.items() if k != "Resource"} for s in statements))


def user_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{IDS[account]}:user/{name}"


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{IDS[account]}:role/{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{IDS[account]}:root"


def session_arn(account: str, role: str, session: str = "s1") -> str:
    return f"arn:aws:sts::{IDS[account]}:assumed-role/{role}/{session}"


def user(account: str, name: str, *policies: dict, **extra: Any) -> dict:
    return {"type": "user", "account": account, "name": name, "policies": list(policies), **extra}


def role(account: str, name: str, *policies: dict, **extra: Any) -> dict:
    return {"type": "role", "account": account, "name": name, "policies": list(policies), **extra}


def bucket(account: str, name: str, policy: dict | None = None) -> dict:
    return {"arn": f"arn:aws:s3:::{name}", "account": account, "name": name, "policy": policy}


def world(*, accounts: tuple[str, ...] = ("A",), **parts: Any) -> Model:
    return build_model({"accounts": [{"name": n, "id": IDS[n]} for n in accounts], **parts}, "<test>")


def as_user(account: str, name: str) -> dict:
    return {"kind": "user", "account": account, "name": name}


def as_session(account: str, role_name: str, session: str = "s1") -> dict:
    return {"kind": "role-session", "account": account, "name": role_name, "session": session}


def as_root(account: str) -> dict:
    return {"kind": "root", "account": account}


def as_federated(account: str, parent: str, session: str = "Fed") -> dict:
    return {"kind": "federated-user", "account": account, "name": parent, "session": session}


ANONYMOUS = {"kind": "anonymous"}


def _session_policy(document: dict | None):
    if document is None:
        return None
    out = Collector()
    span = Span(file="<test>", line=1, column=1, end_line=1, end_column=1)
    policy = policy_from_json(plain_to_json_value(document, span), name="session", kind=PolicyKind.SESSION, out=out)
    assert policy is not None and not out.has_errors
    return policy


def decide(
    model: Model,
    principal: dict,
    action: str,
    resource: str,
    *,
    context: dict[str, Any] | None = None,
    unknown: tuple[str, ...] = (),
    open_context: bool = False,
    session_policy: dict | None = None,
    session_tags: dict[str, str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> Decision:
    """Decide one request.  The context is closed (every key not given is absent) unless `open_context`."""
    caller = build_caller(principal, model, _session_policy(session_policy), dict(session_tags or {}))
    ctx = Context.of(context or {}, closed=not open_context)
    for key in unknown:
        ctx.set(key, Lookup.unknown())
    return Evaluator(model, settings).evaluate(Request(caller, action, resource, ctx))


def org(*, management: str = "M", accounts: tuple[str, ...] = ("M", "A"), **extra: Any) -> dict:
    """An organization o-1 whose root holds `accounts`; `extra` adds scps, rcps, attachments."""
    data: dict[str, Any] = {"id": "o-1", "management": management, "root": {"accounts": list(accounts)}}
    root_extra = {k: extra.pop(k) for k in ("root_scps", "root_rcps") if k in extra}
    if "root_scps" in root_extra:
        data["root"]["scps"] = root_extra["root_scps"]
    if "root_rcps" in root_extra:
        data["root"]["rcps"] = root_extra["root_rcps"]
    data.update(extra)
    return data


# ------------------------------------------------------------------ R50 basics


def test_R50_everything_starts_as_an_implicit_deny() -> None:
    model = world(principals=[user("A", "Dev")], resources=[bucket("A", "b")])
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert decision.outcome is IMPLICIT
    assert decision.reasons == {"implicit"}


def test_R50_an_applicable_deny_beats_any_allow() -> None:
    model = world(
        principals=[user("A", "Dev", doc(allow("*"), deny("s3:GetObject")))],
        resources=[bucket("A", "b", doc(allow("s3:GetObject", OBJECT, principal={"AWS": user_arn("A", "Dev")})))],
    )
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert decision.outcome is EXPLICIT
    assert "explicit" in decision.reasons


def test_R50_the_root_user_has_full_identity_side_access_in_its_own_account() -> None:
    model = world(resources=[bucket("A", "b")])
    assert decide(model, as_root("A"), "s3:GetObject", OBJECT).outcome is ALLOWED
    assert decide(model, as_root("A"), "ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{A}:instance/i-1").outcome is ALLOWED


# ------------------------------------------------------------------ R51 policies in play


@pytest.mark.parametrize(
    "endpoint_policy, expected, reason",
    [
        (doc(allow("s3:GetObject", "arn:aws:s3:::other/*", principal="*")), IMPLICIT, "endpoint"),
        (doc(allow("s3:*", principal="*"), deny("s3:GetObject", principal="*")), EXPLICIT, "endpoint"),
        (doc(allow("s3:GetObject", "arn:aws:s3:::b/*", principal="*")), ALLOWED, None),
    ],
    ids=["implicit-deny-is-a-deny", "explicit-deny", "endpoint-allows"],
)
def test_R51_a_vpc_endpoint_policy_is_in_play_through_the_endpoint(endpoint_policy: dict, expected: Outcome, reason: str | None) -> None:
    model = world(
        principals=[user("A", "Dev", doc(allow("s3:*")))],
        resources=[bucket("A", "b")],
        endpoints=[{"id": "vpce-1", "account": "A", "policy": endpoint_policy}],
    )
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, context={"aws:SourceVpce": "vpce-1"})
    assert decision.outcome is expected
    if reason:
        assert reason in decision.reasons
    # Without the endpoint the endpoint policy is not in play.
    assert decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT).outcome is ALLOWED


def test_R51_a_federated_user_carries_its_parent_users_boundary() -> None:
    model = world(
        principals=[user("A", "Bob", doc(allow("s3:*")), boundary=doc(allow("ec2:*")))],
        resources=[bucket("A", "b")],
    )
    decision = decide(model, as_federated("A", "Bob"), "s3:GetObject", OBJECT, session_policy=doc(allow("s3:*")))
    assert decision.outcome is IMPLICIT
    assert "boundary" in decision.reasons


@pytest.mark.parametrize(
    "action, resource, resources, words",
    [
        ("s3:GetObject", OBJECT, [bucket("A", "b")], ("not modelled", "S3 ACLs", "Block Public Access")),
        ("kms:Decrypt", KEY, [{"arn": KEY, "account": "A", "name": "key", "policy": doc(allow("kms:*", principal={"AWS": root_arn("A")}))}], ("not modelled", "KMS grants")),
    ],
    ids=["s3", "kms"],
)
def test_R51_answers_about_s3_and_kms_say_what_is_not_modelled(action: str, resource: str, resources: list, words: tuple[str, ...]) -> None:
    model = world(principals=[user("A", "Dev", doc(allow("*"))), user("A", "Nobody")], resources=resources)
    # Allowed and denied answers alike carry the caveat.
    for caller, expected in ((as_user("A", "Dev"), ALLOWED), (as_user("A", "Nobody"), IMPLICIT)):
        decision = decide(model, caller, action, resource)
        assert decision.outcome is expected
        text = " ".join(decision.caveats)
        assert all(word in text for word in words), decision.caveats


def test_R51_other_services_carry_no_s3_or_kms_caveat() -> None:
    model = world(principals=[user("A", "Dev", doc(allow("sqs:*")))], resources=[{"arn": QUEUE, "account": "A", "name": "orders"}])
    decision = decide(model, as_user("A", "Dev"), "sqs:SendMessage", QUEUE)
    assert decision.outcome is ALLOWED
    assert decision.caveats == ()


# ------------------------------------------------------------------ R52 explicit deny


@pytest.mark.parametrize(
    "caller",
    [as_user("A", "Dev"), as_session("A", "App"), as_root("A")],
    ids=["user", "role-session", "root"],
)
def test_R52_a_resource_policy_deny_naming_an_account_hits_every_principal_in_it(caller: dict) -> None:
    model = world(
        principals=[user("A", "Dev", doc(allow("s3:*"))), role("A", "App", doc(allow("s3:*")))],
        resources=[bucket("A", "b", doc(deny("s3:*", [BUCKET, BUCKET + "/*"], principal={"AWS": A})))],
    )
    assert decide(model, caller, "s3:GetObject", OBJECT).outcome is EXPLICIT


def _deny_in(where: str) -> tuple[Model, dict, dict]:
    """A world where everything allows s3:GetObject except one Deny, placed in `where`."""
    deny_get = deny("s3:GetObject")
    boundary = doc(allow("*"), deny_get) if where == "boundary" else None
    extra: dict[str, Any] = {}
    accounts: tuple[str, ...] = ("A",)
    if where in ("scp", "rcp"):
        accounts = ("M", "A")
        policy = doc(deny("s3:GetObject", principal="*")) if where == "rcp" else doc(deny_get)
        extra["organization"] = org(**{f"{where}s": {"DenyGet": policy}, f"root_{where}s": ["FullAWSAccess" if where == "scp" else "RCPFullAWSAccess", "DenyGet"]})
    if where == "endpoint":
        extra["endpoints"] = [{"id": "vpce-1", "account": "A", "policy": doc(allow("*", principal="*"), deny("s3:GetObject", principal="*"))}]
    bucket_policy = doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": role_arn("A", "App")}))
    if where == "resource":
        bucket_policy["Statement"].append(deny("s3:GetObject", BUCKET + "/*", principal="*"))
    principal = role("A", "App", *([doc(allow("*"), deny_get)] if where == "identity" else [doc(allow("*"))]), **({"boundary": boundary} if boundary else {}))
    model = world(accounts=accounts, principals=[principal], resources=[bucket("A", "b", bucket_policy)], **extra)
    request: dict[str, Any] = {}
    if where == "session":
        request["session_policy"] = doc(allow("*"), deny_get)
    if where == "endpoint":
        request["context"] = {"aws:SourceVpce": "vpce-1"}
    return model, as_session("A", "App"), request


@pytest.mark.parametrize(
    "where, reason",
    [("identity", None), ("resource", None), ("boundary", "boundary"), ("session", "session"), ("scp", "scp"), ("rcp", "rcp"), ("endpoint", "endpoint")],
    ids=["identity", "resource", "boundary", "session", "scp", "rcp", "endpoint"],
)
def test_R52_a_deny_in_any_policy_in_play_decides(where: str, reason: str | None) -> None:
    model, caller, request = _deny_in(where)
    decision = decide(model, caller, "s3:GetObject", OBJECT, **request)
    assert decision.outcome is EXPLICIT
    assert "explicit" in decision.reasons
    if reason:
        assert reason in decision.reasons
    # The same world allows a different action: the Deny, not anything else, decided.
    assert decide(model, caller, "s3:PutObject", OBJECT, **request).outcome is ALLOWED


# ------------------------------------------------------------------ R53, R54 organization policies


def test_R53_every_rcp_level_needs_an_applicable_allow() -> None:
    model = world(
        accounts=("M", "A"),
        organization=org(account_attachments={"A": {"rcps": []}}),
        principals=[user("A", "Dev", doc(allow("s3:*")))],
        resources=[bucket("A", "b")],
    )
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert decision.outcome is IMPLICIT
    assert "rcp" in decision.reasons


def test_R53_an_rcp_deny_beats_a_bucket_policy_that_allows_everyone() -> None:
    perimeter = doc(deny("s3:*", principal="*", condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}))
    model = world(
        accounts=("M", "A", "B"),
        organization=org(rcps={"Perimeter": perimeter}, root_rcps=["RCPFullAWSAccess", "Perimeter"]),
        principals=[user("B", "Outsider", doc(allow("s3:*"))), user("A", "Insider")],
        resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal="*")))],
    )
    outsider = decide(model, as_user("B", "Outsider"), "s3:GetObject", OBJECT)
    assert outsider.outcome is EXPLICIT and "rcp" in outsider.reasons
    assert decide(model, as_user("A", "Insider"), "s3:GetObject", OBJECT).outcome is ALLOWED


def test_R54_every_scp_level_needs_an_applicable_allow() -> None:
    allow_ec2 = doc(allow("ec2:*"))
    model = world(
        accounts=("M", "A"),
        organization=org(scps={"AllowEc2": allow_ec2}, account_attachments={"A": {"scps": ["AllowEc2"]}}),
        principals=[user("A", "Dev", doc(allow("*")))],
        resources=[bucket("A", "b")],
    )
    s3 = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert s3.outcome is IMPLICIT
    assert s3.reasons == {"implicit", "scp"}
    assert decide(model, as_user("A", "Dev"), "ec2:DescribeInstances", "*").outcome is ALLOWED


def test_R54_an_scp_deny_is_an_explicit_deny() -> None:
    model = world(
        accounts=("M", "A"),
        organization=org(scps={"DenyS3": doc(deny("s3:*"))}, root_scps=["FullAWSAccess", "DenyS3"]),
        principals=[user("A", "Dev", doc(allow("*")))],
        resources=[bucket("A", "b")],
    )
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert decision.outcome is EXPLICIT
    assert decision.reasons == {"explicit", "scp"}


# ------------------------------------------------------------------ R55 cross-account


@pytest.mark.parametrize("side", ["identity", "scp", "resource"])
def test_R55_an_explicit_deny_on_either_side_decides_a_cross_account_request(side: str) -> None:
    identity = doc(allow("s3:GetObject", B_BUCKET + "/*"), *([deny("s3:GetObject")] if side == "identity" else []))
    bucket_policy = doc(allow("s3:GetObject", B_BUCKET + "/*", principal={"AWS": A}), *([deny("s3:*", B_BUCKET + "/*", principal={"AWS": A})] if side == "resource" else []))
    extra: dict[str, Any] = {}
    accounts: tuple[str, ...] = ("A", "B")
    if side == "scp":
        accounts = ("M", "A", "B")
        extra["organization"] = org(scps={"DenyGet": doc(deny("s3:GetObject"))}, account_attachments={"A": {"scps": ["FullAWSAccess", "DenyGet"]}})
    model = world(accounts=accounts, principals=[user("A", "Bob", identity)], resources=[bucket("B", "b-data", bucket_policy)], **extra)
    decision = decide(model, as_user("A", "Bob"), "s3:GetObject", B_OBJECT)
    assert decision.trace.cross_account
    assert decision.outcome is EXPLICIT


def test_R55_the_rcps_of_the_callers_account_are_not_in_play() -> None:
    """The resource's side has its RCPs; the caller's account's RCPs guard only its own resources."""
    model = world(
        accounts=("M", "A", "B"),
        organization=org(rcps={"DenyS3": doc(deny("s3:*", principal="*"))}, account_attachments={"A": {"rcps": ["RCPFullAWSAccess", "DenyS3"]}}),
        principals=[user("A", "Bob", doc(allow("s3:GetObject")))],
        resources=[bucket("B", "b-data", doc(allow("s3:GetObject", B_BUCKET + "/*", principal={"AWS": A})))],
    )
    assert decide(model, as_user("A", "Bob"), "s3:GetObject", B_OBJECT).outcome is ALLOWED


# ------------------------------------------------------------------ R56 when SCPs apply


def _scp_world(**org_extra: Any) -> Model:
    return world(
        accounts=("M", "A"),
        organization=org(scps={"DenyS3": doc(deny("s3:*"))}, root_scps=["FullAWSAccess", "DenyS3"], **org_extra),
        principals=[user("A", "Dev", doc(allow("s3:*"))), user("M", "Admin", doc(allow("s3:*")))],
        resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"Service": "cloudtrail.amazonaws.com"}))), bucket("M", "m")],
    )


def test_R56_scps_need_all_features_enabled() -> None:
    assert decide(_scp_world(), as_user("A", "Dev"), "s3:GetObject", OBJECT).outcome is EXPLICIT
    assert decide(_scp_world(all_features=False), as_user("A", "Dev"), "s3:GetObject", OBJECT).outcome is ALLOWED


@pytest.mark.parametrize(
    "caller, resource, expected",
    [
        (as_root("A"), OBJECT, EXPLICIT),
        (as_root("M"), "arn:aws:s3:::m/x", ALLOWED),
        (as_user("M", "Admin"), "arn:aws:s3:::m/x", ALLOWED),
    ],
    ids=["member-root", "management-root", "management-user"],
)
def test_R56_scps_restrict_member_accounts_only_their_root_included(caller: dict, resource: str, expected: Outcome) -> None:
    assert decide(_scp_world(), caller, "s3:GetObject", resource).outcome is expected


def test_R56_scps_never_apply_to_service_principals() -> None:
    decision = decide(_scp_world(), {"kind": "service", "service": "cloudtrail.amazonaws.com"}, "s3:GetObject", OBJECT)
    assert decision.outcome is ALLOWED


# ------------------------------------------------------------------ R57 when RCPs apply


def _rcp_world(policy: dict, **extra: Any) -> Model:
    parts: dict[str, Any] = {
        "principals": [user("A", "Dev", doc(allow("*")))],
        "resources": [
            bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal="*"))),
            {"arn": QUEUE, "account": "A", "name": "orders"},
            {"arn": TOPIC, "account": "A", "name": "alerts"},
        ],
    }
    parts.update(extra)
    return world(accounts=("M", "A", "B"), organization=org(rcps={"Guard": policy}, root_rcps=["RCPFullAWSAccess", "Guard"]), **parts)


def test_R57_rcps_apply_to_anonymous_callers() -> None:
    model = _rcp_world(doc(deny("s3:*", principal="*", condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}})))
    decision = decide(model, ANONYMOUS, "s3:GetObject", OBJECT)
    assert decision.outcome is EXPLICIT
    assert "rcp" in decision.reasons


@pytest.mark.parametrize(
    "action, resource, expected",
    [("sqs:SendMessage", QUEUE, EXPLICIT), ("sns:Publish", TOPIC, ALLOWED)],
    ids=["sqs-supports-rcps", "sns-does-not"],
)
def test_R57_rcps_apply_only_to_services_that_support_them(action: str, resource: str, expected: Outcome) -> None:
    model = _rcp_world(doc(deny(["sqs:*", "sns:*"], principal="*")))
    assert decide(model, as_user("A", "Dev"), action, resource).outcome is expected


def test_R57_rcps_restrict_who_may_assume_a_role() -> None:
    """STS supports RCPs: sts:AssumeRole on a role (an iam ARN) is guarded by the role account's RCPs."""
    guard = doc(deny("sts:AssumeRole", principal="*", condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}))
    principals = [
        role("A", "Shared", trust=trust(allow("sts:AssumeRole", principal={"AWS": B}))),
        role("B", "Partner", doc(allow("sts:AssumeRole", role_arn("A", "Shared")))),
    ]
    guarded = _rcp_world(guard, principals=principals)
    assert decide(guarded, as_session("B", "Partner"), "sts:AssumeRole", role_arn("A", "Shared")).outcome is EXPLICIT
    unguarded = _rcp_world(doc(deny("sqs:*", principal="*")), principals=principals)
    assert decide(unguarded, as_session("B", "Partner"), "sts:AssumeRole", role_arn("A", "Shared")).outcome is ALLOWED


def test_R57_rcps_do_not_apply_to_service_linked_roles() -> None:
    slr = role("A", "AWSServiceRoleForX", doc(allow("s3:GetObject")), path="/aws-service-role/x.amazonaws.com/")
    model = _rcp_world(doc(deny("s3:*", principal="*")), principals=[slr, role("A", "Ordinary", doc(allow("s3:GetObject")))])
    assert decide(model, as_session("A", "AWSServiceRoleForX"), "s3:GetObject", OBJECT).outcome is ALLOWED
    assert decide(model, as_session("A", "Ordinary"), "s3:GetObject", OBJECT).outcome is EXPLICIT


# ------------------------------------------------------------------ R58 callers with no identity side


@pytest.mark.parametrize(
    "principal_element, caller, expected",
    [
        ("*", ANONYMOUS, ALLOWED),
        ({"AWS": "*"}, ANONYMOUS, ALLOWED),
        ({"AWS": A}, ANONYMOUS, IMPLICIT),
        ({"AWS": role_arn("A", "App")}, ANONYMOUS, IMPLICIT),
        ({"Service": "sns.amazonaws.com"}, {"kind": "service", "service": "sns.amazonaws.com"}, ALLOWED),
        ({"Service": "sns.amazonaws.com"}, {"kind": "service", "service": "events.amazonaws.com"}, IMPLICIT),
        ({"AWS": A}, {"kind": "service", "service": "sns.amazonaws.com"}, IMPLICIT),
    ],
    ids=["anonymous-star", "anonymous-aws-star", "anonymous-account-grant", "anonymous-role-grant", "named-service", "other-service", "service-account-grant"],
)
def test_R58_callers_without_an_identity_side_need_a_direct_resource_grant(principal_element: Any, caller: dict, expected: Outcome) -> None:
    model = world(principals=[role("A", "App")], resources=[{"arn": QUEUE, "account": "A", "name": "orders", "policy": doc(allow("sqs:SendMessage", QUEUE, principal=principal_element))}])
    assert decide(model, caller, "sqs:SendMessage", QUEUE).outcome is expected


def test_R58_an_anonymous_caller_is_allowed_by_a_notprincipal_allow_that_does_not_exclude_it() -> None:
    policy = doc(allow("s3:GetObject", BUCKET + "/*", not_principal={"AWS": user_arn("A", "Blocked")}))
    model = world(principals=[user("A", "Blocked")], resources=[bucket("A", "b", policy)])
    assert decide(model, ANONYMOUS, "s3:GetObject", OBJECT).outcome is ALLOWED


# ------------------------------------------------------------------ R59 grant classes


@pytest.mark.parametrize(
    "principal_element, caller, grant",
    [
        ("*", as_user("A", "Bob"), GrantClass.DIRECT),
        ({"AWS": user_arn("A", "Bob")}, as_user("A", "Bob"), GrantClass.DIRECT),
        ({"AWS": A}, as_user("A", "Bob"), GrantClass.ACCOUNT),
        ({"AWS": root_arn("A")}, as_session("A", "App"), GrantClass.ACCOUNT),
        ({"AWS": role_arn("A", "App")}, as_session("A", "App"), GrantClass.ROLE),
        ({"AWS": session_arn("A", "App")}, as_session("A", "App"), GrantClass.DIRECT),
        ({"AWS": user_arn("A", "Bob")}, as_federated("A", "Bob"), GrantClass.FED_PARENT),
        ({"AWS": f"arn:aws:sts::{A}:federated-user/Fed"}, as_federated("A", "Bob"), GrantClass.DIRECT),
    ],
    ids=["star", "user-arn", "account-id", "account-root-arn", "role-arn", "session-arn", "parent-user-arn", "federated-user-arn"],
)
def test_R59_each_applicable_resource_allow_contributes_its_grant_class(principal_element: Any, caller: dict, grant: GrantClass) -> None:
    model = world(principals=[user("A", "Bob"), role("A", "App")], resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal=principal_element)))])
    decision = decide(model, caller, "s3:GetObject", OBJECT, session_policy=doc(allow("s3:*")) if caller["kind"] == "federated-user" else None)
    assert decision.trace.grant_classes == [grant]


# ------------------------------------------------------------------ R60 mandatory resource policies


def test_R60_an_s3_bucket_without_a_policy_defers_to_identity_in_one_account() -> None:
    model = world(principals=[user("A", "Dev", doc(allow("s3:GetObject")))], resources=[bucket("A", "b")])
    assert decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT).outcome is ALLOWED


def _key_world(key_policy: dict) -> Model:
    return world(principals=[role("A", "Admin", doc(allow("kms:*")))], resources=[{"arn": KEY, "account": "A", "name": "key", "policy": key_policy}])


def test_R60_a_kms_key_policy_must_allow_even_in_one_account() -> None:
    model = _key_world(doc(allow("kms:*", principal={"AWS": role_arn("A", "Other")})))
    decision = decide(model, as_session("A", "Admin"), "kms:Decrypt", KEY)
    assert decision.outcome is IMPLICIT
    assert decision.trace.missing_side == "resource"


def test_R60_the_services_with_mandatory_resource_policies_are_configurable() -> None:
    model = _key_world(doc(allow("kms:*", principal={"AWS": role_arn("A", "Other")})))
    settings = Settings(mandatory_resource_policy_services=frozenset({"iam"}))
    assert decide(model, as_session("A", "Admin"), "kms:Decrypt", KEY, settings=settings).outcome is ALLOWED


def test_R60_a_roles_trust_policy_governs_only_sts_actions_on_it() -> None:
    """iam:GetRole on a role is an IAM call: identity policies decide, the trust policy is not asked."""
    model = world(principals=[user("A", "Admin", doc(allow("iam:GetRole"))), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"Service": "ec2.amazonaws.com"})))])
    assert decide(model, as_user("A", "Admin"), "iam:GetRole", role_arn("A", "Target")).outcome is ALLOWED
    assert decide(model, as_user("A", "Admin"), "sts:AssumeRole", role_arn("A", "Target")).outcome is IMPLICIT


# ------------------------------------------------------------------ R61 same account


def test_R61_direct_grant_ignores_boundary_identity_and_session_policy() -> None:
    model = world(
        principals=[user("A", "Bob", boundary=doc(allow("ec2:*"))), role("A", "App", boundary=doc(allow("ec2:*")))],
        resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": [user_arn("A", "Bob"), session_arn("A", "App")]})))],
    )
    assert decide(model, as_user("A", "Bob"), "s3:GetObject", OBJECT).outcome is ALLOWED
    assert decide(model, as_session("A", "App"), "s3:GetObject", OBJECT, session_policy=doc(allow("ec2:*"))).outcome is ALLOWED


@pytest.mark.parametrize(
    "boundary, session_policy, expected",
    [
        (None, None, ALLOWED),
        (doc(allow("s3:*")), doc(allow("s3:GetObject")), ALLOWED),
        (doc(allow("ec2:*")), None, IMPLICIT),
        (None, doc(allow("ec2:*")), IMPLICIT),
    ],
    ids=["no-limits", "boundary-and-session-allow", "boundary-blocks", "session-policy-blocks"],
)
def test_R61_role_grant_needs_boundary_and_session_policy_but_no_identity_allow(boundary: dict | None, session_policy: dict | None, expected: Outcome) -> None:
    model = world(
        principals=[role("A", "App", **({"boundary": boundary} if boundary else {}))],
        resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": role_arn("A", "App")})))],
    )
    assert decide(model, as_session("A", "App"), "s3:GetObject", OBJECT, session_policy=session_policy).outcome is expected


@pytest.mark.parametrize(
    "identity, expected",
    [((), IMPLICIT), ((doc(allow("s3:GetObject")),), ALLOWED)],
    ids=["without-identity-allow", "with-identity-allow"],
)
def test_R61_account_grant_needs_the_identity_path(identity: tuple, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob", *identity)], resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": root_arn("A")})))])
    assert decide(model, as_user("A", "Bob"), "s3:GetObject", OBJECT).outcome is expected


# ------------------------------------------------------------------ R62 cross-account


@pytest.mark.parametrize(
    "identity, boundary, session_policy, expected",
    [
        ((), None, None, IMPLICIT),
        ((doc(allow("s3:GetObject")),), None, None, ALLOWED),
        ((doc(allow("s3:GetObject")),), doc(allow("ec2:*")), None, IMPLICIT),
        ((doc(allow("s3:GetObject")),), None, doc(allow("ec2:*")), IMPLICIT),
    ],
    ids=["no-identity", "identity-allows", "boundary-blocks", "session-policy-blocks"],
)
def test_R62_cross_account_needs_both_sides_even_for_a_direct_grant(identity: tuple, boundary: dict | None, session_policy: dict | None, expected: Outcome) -> None:
    model = world(
        accounts=("A", "B"),
        principals=[role("A", "App", *identity, **({"boundary": boundary} if boundary else {}))],
        resources=[bucket("B", "b-data", doc(allow("s3:GetObject", B_BUCKET + "/*", principal={"AWS": session_arn("A", "App")})))],
    )
    decision = decide(model, as_session("A", "App"), "s3:GetObject", B_OBJECT, session_policy=session_policy)
    assert decision.trace.cross_account
    assert decision.outcome is expected


# ------------------------------------------------------------------ R63 identity allows


@pytest.mark.parametrize("parent_policies, expected", [((doc(allow("s3:GetObject")),), ALLOWED), ((), IMPLICIT)], ids=["parent-allows", "parent-has-nothing"])
def test_R63_a_federated_user_uses_its_parents_identity_policies(parent_policies: tuple, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob", *parent_policies)], resources=[bucket("A", "b")])
    assert decide(model, as_federated("A", "Bob"), "s3:GetObject", OBJECT, session_policy=doc(allow("s3:*"))).outcome is expected


def test_R63_a_users_identity_policies_include_its_groups() -> None:
    model = world(
        principals=[{"type": "group", "account": "A", "name": "Readers", "policies": [doc(allow("s3:GetObject"))]}, user("A", "Bob", groups=["Readers"]), user("A", "Eve")],
        resources=[bucket("A", "b")],
    )
    assert decide(model, as_user("A", "Bob"), "s3:GetObject", OBJECT).outcome is ALLOWED
    assert decide(model, as_user("A", "Eve"), "s3:GetObject", OBJECT).outcome is IMPLICIT


def test_R63_the_root_user_always_passes_the_identity_check() -> None:
    model = world(resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": A})))])
    assert decide(model, as_root("A"), "s3:GetObject", OBJECT).outcome is ALLOWED


# ------------------------------------------------------------------ R64 boundary


@pytest.mark.parametrize(
    "boundary, expected",
    [(None, ALLOWED), (doc(allow("s3:GetObject", BUCKET + "/*")), ALLOWED), (doc(allow("s3:GetObject", "arn:aws:s3:::other/*")), IMPLICIT)],
    ids=["no-boundary", "boundary-allows", "boundary-allows-elsewhere"],
)
def test_R64_the_boundary_must_allow_when_there_is_one(boundary: dict | None, expected: Outcome) -> None:
    model = world(principals=[user("A", "Dev", doc(allow("s3:*")), **({"boundary": boundary} if boundary else {}))], resources=[bucket("A", "b")])
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT)
    assert decision.outcome is expected
    if expected is IMPLICIT:
        assert decision.reasons == {"implicit", "boundary"}


# ------------------------------------------------------------------ R65 session policy


@pytest.mark.parametrize(
    "caller, session_policy, expected",
    [
        (as_user("A", "Bob"), None, ALLOWED),
        (as_session("A", "App"), None, ALLOWED),
        (as_session("A", "App"), doc(allow("s3:GetObject")), ALLOWED),
        (as_session("A", "App"), doc(allow("ec2:*")), IMPLICIT),
        (as_federated("A", "Bob"), None, IMPLICIT),
        (as_federated("A", "Bob"), doc(allow("s3:*")), ALLOWED),
        (as_federated("A", "Bob"), doc(allow("ec2:*")), IMPLICIT),
    ],
    ids=["user-no-session", "role-session-none", "role-session-allows", "role-session-elsewhere", "federated-none", "federated-allows", "federated-elsewhere"],
)
def test_R65_session_policy_check(caller: dict, session_policy: dict | None, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob", doc(allow("s3:*"))), role("A", "App", doc(allow("s3:*")))], resources=[bucket("A", "b")])
    decision = decide(model, caller, "s3:GetObject", OBJECT, session_policy=session_policy)
    assert decision.outcome is expected
    if expected is IMPLICIT:
        assert decision.reasons == {"implicit", "session"}


# ------------------------------------------------------------------ R66 root user


def test_R66_the_root_users_access_is_in_its_own_account_only() -> None:
    model = world(accounts=("A", "B"), resources=[bucket("A", "b"), bucket("B", "b-data")])
    assert decide(model, as_root("A"), "s3:GetObject", OBJECT).outcome is ALLOWED
    assert decide(model, as_root("A"), "s3:GetObject", B_OBJECT).outcome is IMPLICIT


def test_R66_explicit_denies_apply_to_the_root_user() -> None:
    model = world(resources=[bucket("A", "b", doc(deny("s3:*", [BUCKET, BUCKET + "/*"], principal={"AWS": root_arn("A")})))])
    assert decide(model, as_root("A"), "s3:GetObject", OBJECT).outcome is EXPLICIT


def test_R66_the_root_user_needs_a_key_policy_allow() -> None:
    without = _key_world(doc(allow("kms:*", principal={"AWS": role_arn("A", "Admin")})))
    with_account = _key_world(doc(allow("kms:*", principal={"AWS": root_arn("A")})))
    assert decide(without, as_root("A"), "kms:Decrypt", KEY).outcome is IMPLICIT
    assert decide(with_account, as_root("A"), "kms:Decrypt", KEY).outcome is ALLOWED


# ------------------------------------------------------------------ R70 KMS


def test_R70_a_key_policy_naming_a_same_account_user_is_a_direct_grant() -> None:
    model = world(principals=[user("A", "Bob")], resources=[{"arn": KEY, "account": "A", "name": "key", "policy": doc(allow("kms:Decrypt", principal={"AWS": user_arn("A", "Bob")}))}])
    decision = decide(model, as_user("A", "Bob"), "kms:Decrypt", KEY)
    assert decision.outcome is ALLOWED
    assert decision.trace.grant_classes == [GrantClass.DIRECT]


@pytest.mark.parametrize("identity, expected", [((), IMPLICIT), ((doc(allow("kms:Decrypt", KEY)),), ALLOWED)], ids=["key-policy-only", "both-sides"])
def test_R70_cross_account_key_use_needs_the_key_policy_and_an_external_identity_allow(identity: tuple, expected: Outcome) -> None:
    model = world(
        accounts=("A", "B"),
        principals=[role("B", "Consumer", *identity)],
        resources=[{"arn": KEY, "account": "A", "name": "key", "policy": doc(allow("kms:Decrypt", principal={"AWS": role_arn("B", "Consumer")}))}],
    )
    assert decide(model, as_session("B", "Consumer"), "kms:Decrypt", KEY).outcome is expected


# ------------------------------------------------------------------ R71 trust policies


@pytest.mark.parametrize(
    "trusted, identity, expected",
    [
        ({"AWS": A}, (), IMPLICIT),
        ({"AWS": A}, (doc(allow("sts:AssumeRole", role_arn("A", "Target"))),), ALLOWED),
        ({"AWS": user_arn("A", "Bob")}, (), ALLOWED),
    ],
    ids=["account-without-identity", "account-with-identity", "user-named"],
)
def test_R71_same_account_assume_role(trusted: dict, identity: tuple, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob", *identity), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal=trusted)))])
    assert decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target")).outcome is expected


@pytest.mark.parametrize("identity, expected", [((), IMPLICIT), ((doc(allow("sts:AssumeRole", role_arn("A", "Target"))),), ALLOWED)], ids=["trust-only", "both-sides"])
def test_R71_cross_account_assume_role_needs_trust_and_identity(identity: tuple, expected: Outcome) -> None:
    model = world(
        accounts=("A", "B"),
        principals=[user("B", "Bob", *identity), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"AWS": user_arn("B", "Bob")})))],
    )
    assert decide(model, as_user("B", "Bob"), "sts:AssumeRole", role_arn("A", "Target")).outcome is expected


# ------------------------------------------------------------------ R72 web identity and SAML


def _github_world(**extra: Any) -> Model:
    condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    return world(principals=[role("A", "Deploy", trust=trust(allow("sts:AssumeRoleWithWebIdentity", principal={"Federated": GITHUB}, condition=condition)))], **extra)


def test_R72_a_web_identity_caller_is_decided_by_the_trust_policy_alone() -> None:
    context = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    caller = {"kind": "web-identity", "provider": GITHUB}
    assert decide(_github_world(), caller, "sts:AssumeRoleWithWebIdentity", role_arn("A", "Deploy"), context=context).outcome is ALLOWED
    other = {"kind": "web-identity", "provider": f"arn:aws:iam::{A}:oidc-provider/accounts.google.com"}
    assert decide(_github_world(), other, "sts:AssumeRoleWithWebIdentity", role_arn("A", "Deploy"), context=context).outcome is IMPLICIT
    wrong_audience = {"token.actions.githubusercontent.com:aud": "someone-else"}
    assert decide(_github_world(), caller, "sts:AssumeRoleWithWebIdentity", role_arn("A", "Deploy"), context=wrong_audience).outcome is IMPLICIT


def test_R72_scps_do_not_apply_to_web_identity_callers() -> None:
    model = _github_world(accounts=("M", "A"), organization=org(scps={"DenyAll": doc(deny("*"))}, root_scps=["FullAWSAccess", "DenyAll"]))
    caller = {"kind": "web-identity", "provider": GITHUB}
    context = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    assert decide(model, caller, "sts:AssumeRoleWithWebIdentity", role_arn("A", "Deploy"), context=context).outcome is ALLOWED


def test_R72_saml_callers_are_decided_by_the_trust_policy() -> None:
    provider = f"arn:aws:iam::{A}:saml-provider/Okta"
    condition = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    model = world(principals=[role("A", "Sso", trust=trust(allow("sts:AssumeRoleWithSAML", principal={"Federated": provider}, condition=condition)))])
    caller = {"kind": "saml", "provider": provider}
    assert decide(model, caller, "sts:AssumeRoleWithSAML", role_arn("A", "Sso"), context={"SAML:aud": "https://signin.aws.amazon.com/saml"}).outcome is ALLOWED
    assert decide(model, caller, "sts:AssumeRoleWithSAML", role_arn("A", "Sso")).outcome is IMPLICIT


# ------------------------------------------------------------------ R73, R74 session tags and source identity


TAGS = {"aws:TagKeys": ["project"], "aws:RequestTag/project": "blue"}


@pytest.mark.parametrize(
    "trusted_actions, context, expected, companions",
    [
        (["sts:AssumeRole"], TAGS, IMPLICIT, ["sts:TagSession"]),
        (["sts:AssumeRole", "sts:TagSession"], TAGS, ALLOWED, ["sts:TagSession"]),
        (["sts:AssumeRole"], {}, ALLOWED, []),
    ],
    ids=["tags-without-tag-session", "tags-with-tag-session", "no-tags"],
)
def test_R73_passing_session_tags_needs_sts_tag_session(trusted_actions: list, context: dict, expected: Outcome, companions: list) -> None:
    model = world(principals=[user("A", "Bob"), role("A", "Target", trust=trust(allow(trusted_actions, principal={"AWS": user_arn("A", "Bob")})))])
    decision = decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target"), context=context)
    assert decision.outcome is expected
    assert [extra.request.action for extra in decision.extra] == companions


@pytest.mark.parametrize(
    "trusted_actions, expected",
    [(["sts:AssumeRole"], IMPLICIT), (["sts:AssumeRole", "sts:SetSourceIdentity"], ALLOWED)],
    ids=["trust-lacks-set-source-identity", "trust-allows-it"],
)
def test_R74_setting_a_source_identity_needs_the_trust_policy_to_allow_it(trusted_actions: list, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob"), role("A", "Target", trust=trust(allow(trusted_actions, principal={"AWS": user_arn("A", "Bob")})))])
    decision = decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target"), context={"sts:SourceIdentity": "bob@example.com"})
    assert decision.outcome is expected


@pytest.mark.parametrize(
    "identity_actions, expected",
    [(["sts:AssumeRole"], IMPLICIT), (["sts:AssumeRole", "sts:SetSourceIdentity"], ALLOWED)],
    ids=["identity-lacks-set-source-identity", "identity-allows-it"],
)
def test_R74_across_accounts_the_identity_policy_must_allow_set_source_identity_too(identity_actions: list, expected: Outcome) -> None:
    target = role_arn("A", "Target")
    model = world(
        accounts=("A", "B"),
        principals=[
            role("B", "Caller", doc(allow(identity_actions, target))),
            role("A", "Target", trust=trust(allow(["sts:AssumeRole", "sts:SetSourceIdentity"], principal={"AWS": B}))),
        ],
    )
    decision = decide(model, as_session("B", "Caller"), "sts:AssumeRole", target, context={"sts:SourceIdentity": "alice"})
    assert decision.outcome is expected


# ------------------------------------------------------------------ R75 role chaining


@pytest.mark.parametrize(
    "trusted, grant, expected",
    [
        (role_arn("A", "First"), GrantClass.ROLE, ALLOWED),
        (session_arn("A", "First"), GrantClass.DIRECT, ALLOWED),
        (A, GrantClass.ACCOUNT, IMPLICIT),
    ],
    ids=["role-arn", "session-arn", "account"],
)
def test_R75_on_the_next_hop_the_caller_is_the_previous_session(trusted: str, grant: GrantClass, expected: Outcome) -> None:
    model = world(principals=[role("A", "First"), role("A", "Second", trust=trust(allow("sts:AssumeRole", principal={"AWS": trusted})))])
    decision = decide(model, as_session("A", "First"), "sts:AssumeRole", role_arn("A", "Second"))
    assert decision.trace.grant_classes == [grant]
    assert decision.outcome is expected


def test_R75_the_previous_sessions_session_policy_limits_the_next_hop() -> None:
    model = world(principals=[role("A", "First"), role("A", "Second", trust=trust(allow("sts:AssumeRole", principal={"AWS": role_arn("A", "First")})))])
    decision = decide(model, as_session("A", "First"), "sts:AssumeRole", role_arn("A", "Second"), session_policy=doc(allow("s3:*")))
    assert decision.outcome is IMPLICIT
    assert "session" in decision.reasons


@pytest.mark.parametrize(
    "session_tags, expected",
    [({"project": "blue"}, ALLOWED), ({"Project": "blue"}, ALLOWED), ({}, IMPLICIT), ({"project": "green"}, IMPLICIT)],
    ids=["carried-tag", "tag-key-case", "no-tag", "other-value"],
)
def test_R75_transitive_session_tags_carry_forward(session_tags: dict, expected: Outcome) -> None:
    """The role is tagged project=red; the session's (transitive) tag wins on the same key (R3)."""
    condition = {"StringEquals": {"aws:PrincipalTag/project": "blue"}}
    model = world(principals=[role("A", "First", tags={"project": "red"}), role("A", "Second", trust=trust(allow("sts:AssumeRole", principal={"AWS": role_arn("A", "First")}, condition=condition)))])
    decision = decide(model, as_session("A", "First"), "sts:AssumeRole", role_arn("A", "Second"), session_tags=session_tags)
    assert decision.outcome is expected


# ------------------------------------------------------------------ R76 a role assuming itself


@pytest.mark.parametrize(
    "trusted, expected",
    [({"AWS": role_arn("A", "R")}, ALLOWED), ({"AWS": A}, ALLOWED), ({"Service": "ec2.amazonaws.com"}, IMPLICIT)],
    ids=["names-itself", "names-its-account", "names-a-service-only"],
)
def test_R76_a_role_assuming_itself_must_be_trusted_explicitly(trusted: dict, expected: Outcome) -> None:
    model = world(principals=[role("A", "R", doc(allow("sts:AssumeRole", role_arn("A", "R"))), trust=trust(allow("sts:AssumeRole", principal=trusted)))])
    assert decide(model, as_session("A", "R"), "sts:AssumeRole", role_arn("A", "R")).outcome is expected


# ------------------------------------------------------------------ R77 deleted principals


@pytest.mark.parametrize("trusted, expected", [("AIDACKCEVSQ6C2EXAMPLE", IMPLICIT), (user_arn("A", "Bob"), ALLOWED)], ids=["unique-id-of-deleted-user", "arn"])
def test_R77_a_unique_id_never_matches_a_recreated_principal(trusted: str, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob"), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"AWS": trusted})))])
    assert decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target")).outcome is expected


# ------------------------------------------------------------------ R78 who may call


@pytest.mark.parametrize(
    "caller, action, expected",
    [
        (as_user("A", "Bob"), "sts:AssumeRole", ALLOWED),
        (as_session("A", "App"), "sts:AssumeRole", ALLOWED),
        (as_root("A"), "sts:AssumeRole", IMPLICIT),
        (as_user("A", "Bob"), "sts:GetFederationToken", ALLOWED),
        (as_root("A"), "sts:GetFederationToken", ALLOWED),
        (as_session("A", "App"), "sts:GetFederationToken", IMPLICIT),
    ],
    ids=["assume-role-user", "assume-role-session", "assume-role-root", "federation-token-user", "federation-token-root", "federation-token-session"],
)
def test_R78_who_may_call_assume_role_and_get_federation_token(caller: dict, action: str, expected: Outcome) -> None:
    model = world(principals=[
        user("A", "Bob", doc(allow("sts:*"))),
        role("A", "App", doc(allow("sts:*"))),
        role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"AWS": A}))),
    ])
    resource = role_arn("A", "Target") if action == "sts:AssumeRole" else f"arn:aws:sts::{A}:federated-user/Temp"
    assert decide(model, caller, action, resource).outcome is expected


# ------------------------------------------------------------------ R79 trust policy and boundary


@pytest.mark.parametrize("boundary, expected", [(doc(allow("s3:*")), IMPLICIT), (doc(allow(["s3:*", "sts:AssumeRole"])), ALLOWED)], ids=["boundary-lacks-assume-role", "boundary-allows-it"])
def test_R79_a_user_named_in_a_trust_policy_still_needs_its_boundary(boundary: dict, expected: Outcome) -> None:
    model = world(principals=[user("A", "Bob", boundary=boundary), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"AWS": user_arn("A", "Bob")})))])
    decision = decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target"))
    assert decision.outcome is expected
    if expected is IMPLICIT:
        assert "boundary" in decision.reasons


# ------------------------------------------------------------------ R80 S3 buckets and objects


@pytest.mark.parametrize(
    "policy_resource, action, resource, expected",
    [
        ("arn:aws:s3:::b/*", "s3:ListBucket", BUCKET, IMPLICIT),
        ("arn:aws:s3:::b", "s3:GetObject", OBJECT, IMPLICIT),
        ("arn:aws:s3:::b", "s3:ListBucket", BUCKET, ALLOWED),
        ("arn:aws:s3:::b/*", "s3:GetObject", OBJECT, ALLOWED),
    ],
    ids=["objects-pattern-vs-bucket", "bucket-pattern-vs-object", "bucket", "object"],
)
def test_R80_bucket_and_object_arns_do_not_cover_each_other(policy_resource: str, action: str, resource: str, expected: Outcome) -> None:
    model = world(principals=[user("A", "Dev", doc(allow("s3:*", policy_resource)))], resources=[bucket("A", "b")])
    assert decide(model, as_user("A", "Dev"), action, resource).outcome is expected


def test_R80_an_s3_arns_owner_comes_from_the_model() -> None:
    model = world(accounts=("A", "B"), principals=[user("A", "Dev", doc(allow("s3:*")))], resources=[bucket("B", "b-data")])
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", B_OBJECT)
    assert decision.trace.resource_account == B
    assert decision.trace.cross_account
    assert decision.outcome is IMPLICIT


# ------------------------------------------------------------------ R81 GetCallerIdentity


@pytest.mark.parametrize(
    "caller, expected",
    [(as_user("A", "Dev"), ALLOWED), (as_session("A", "App"), ALLOWED), (as_root("A"), ALLOWED), (ANONYMOUS, IMPLICIT)],
    ids=["user-under-deny", "session-without-policies", "root", "anonymous"],
)
def test_R81_get_caller_identity_is_allowed_for_every_authenticated_caller(caller: dict, expected: Outcome) -> None:
    model = world(principals=[user("A", "Dev", doc(deny("*"))), role("A", "App")])
    assert decide(model, caller, "sts:GetCallerIdentity", "*").outcome is expected


# ------------------------------------------------------------------ settings D1, D2, D4, D8


def test_D1_session_arn_grant_and_the_session_policy() -> None:
    """E15: AWS's documentation (default) allows; iam-simulate's reading denies."""
    model = world(principals=[role("A", "App")], resources=[bucket("A", "b", doc(allow("s3:GetObject", BUCKET + "/*", principal={"AWS": session_arn("A", "App")})))])
    request = dict(session_policy=doc(allow("ec2:*")))
    assert decide(model, as_session("A", "App"), "s3:GetObject", OBJECT, **request).outcome is ALLOWED
    strict = Settings(session_arn_grant_bypasses_session_policy=False)
    decision = decide(model, as_session("A", "App"), "s3:GetObject", OBJECT, settings=strict, **request)
    assert decision.outcome is IMPLICIT
    assert "session" in decision.reasons


def test_D2_notprincipal_deny_strict_or_any_level() -> None:
    """E4: strict (default) excludes only when every level is listed; the alternative excludes on any listed level."""
    not_listed = {"AWS": [role_arn("A", "App"), root_arn("A")]}
    model = world(principals=[role("A", "App", doc(allow("s3:*")))], resources=[bucket("A", "b", doc(deny("s3:*", [BUCKET, BUCKET + "/*"], not_principal=not_listed)))])
    assert decide(model, as_session("A", "App"), "s3:GetObject", OBJECT).outcome is EXPLICIT
    assert decide(model, as_session("A", "App"), "s3:GetObject", OBJECT, settings=Settings(notprincipal_strict=False)).outcome is ALLOWED


def test_D4_a_user_named_in_a_trust_policy_and_its_boundary() -> None:
    """E71: S27 (default) needs the boundary to allow sts:AssumeRole; S1 does not limit a direct grant."""
    model = world(principals=[user("A", "Bob", boundary=doc(allow("s3:*"))), role("A", "Target", trust=trust(allow("sts:AssumeRole", principal={"AWS": user_arn("A", "Bob")})))])
    assert decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target")).outcome is IMPLICIT
    assert decide(model, as_user("A", "Bob"), "sts:AssumeRole", role_arn("A", "Target"), settings=Settings(trust_user_needs_boundary=False)).outcome is ALLOWED


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}], ids=["star", "aws-star"])
def test_D8_star_in_a_trust_policy(everyone: Any) -> None:
    """Allowed by default (S7, lint warns); turned off, "*" in a trust policy grants nothing, and a Deny with it still applies."""
    model = world(
        accounts=("A", "B"),
        principals=[
            role("B", "Anyone", doc(allow("sts:AssumeRole"))),
            role("A", "Open", trust=trust(allow("sts:AssumeRole", principal=everyone))),
            role("A", "Closed", trust=trust(allow("sts:AssumeRole", principal={"AWS": B}), deny("sts:AssumeRole", principal=everyone))),
        ],
    )
    off = Settings(star_in_trust_allowed=False)
    assert decide(model, as_session("B", "Anyone"), "sts:AssumeRole", role_arn("A", "Open")).outcome is ALLOWED
    assert decide(model, as_session("B", "Anyone"), "sts:AssumeRole", role_arn("A", "Open"), settings=off).outcome is IMPLICIT
    assert decide(model, as_session("B", "Anyone"), "sts:AssumeRole", role_arn("A", "Closed"), settings=off).outcome is EXPLICIT


# ------------------------------------------------------------------ the three-valued context (design.md §2)


def _vpce_world(*statements: dict) -> Model:
    return world(principals=[user("A", "Dev", doc(*statements))], resources=[bucket("A", "b")])


def _conditions(conditions) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(c.operator, c.key.lower(), tuple(c.values)) for c in conditions}


def test_an_unknown_key_under_an_allow_is_conditional_with_the_allow_residual() -> None:
    model = _vpce_world(allow("s3:GetObject", condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}))
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, unknown=("aws:SourceVpce",))
    assert decision.outcome is CONDITIONAL
    assert _conditions(decision.allow_conditions) == {("StringEquals", "aws:sourcevpce", ("vpce-1",))}
    assert decision.deny_conditions == ()


def test_an_unknown_key_under_a_deny_is_conditional_with_the_deny_residual() -> None:
    model = _vpce_world(allow("s3:*"), deny("s3:*", condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, unknown=("aws:SourceVpce",))
    assert decision.outcome is CONDITIONAL
    assert _conditions(decision.deny_conditions) == {("StringNotEquals", "aws:sourcevpce", ("vpce-1",))}
    assert decision.allow_conditions == ()


@pytest.mark.parametrize(
    "statements, expected",
    [
        ((allow("s3:GetObject", condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}),), IMPLICIT),
        ((allow("s3:*"), deny("s3:*", condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})), EXPLICIT),
        ((allow("s3:*"), deny("s3:*", condition={"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}})), EXPLICIT),
        ((allow("s3:*"), deny("s3:*", condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})), ALLOWED),
    ],
    ids=["allow-on-absent-key", "negated-deny-on-absent-key", "ifexists-deny-on-absent-key", "positive-deny-on-absent-key"],
)
def test_a_key_given_as_absent_is_decided_not_conditional(statements: tuple, expected: Outcome) -> None:
    model = _vpce_world(*statements)
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, context={"aws:SourceVpce": None})
    assert decision.outcome is expected


def test_an_unknown_deny_without_any_allow_is_a_plain_implicit_deny() -> None:
    model = _vpce_world(deny("s3:*", condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))
    decision = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, unknown=("aws:SourceVpce",))
    assert decision.outcome is IMPLICIT


def test_keys_derived_from_the_model_are_known_in_an_open_context() -> None:
    model = _vpce_world(
        allow("s3:GetObject", condition={"StringEquals": {"aws:PrincipalAccount": A}}),
        allow("s3:PutObject", condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    )
    derived = decide(model, as_user("A", "Dev"), "s3:GetObject", OBJECT, open_context=True)
    assert derived.outcome is ALLOWED
    unstated = decide(model, as_user("A", "Dev"), "s3:PutObject", OBJECT, open_context=True)
    assert unstated.outcome is CONDITIONAL
    assert _conditions(unstated.allow_conditions) == {("IpAddress", "aws:sourceip", ("10.0.0.0/8",))}
