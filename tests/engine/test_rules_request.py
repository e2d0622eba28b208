"""Rules about the request and the policy document that need a test of their own: R1–R3, R10, R11, R13, R44, R45."""

from __future__ import annotations

import pytest

import iamdsl
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Request
from iamdsl.language.errors import IamdslError, Severity
from iamdsl.language.loader import load_text
from iamdsl.model import Subject

MODEL = """
account A 111122223333
resource A.b : s3:bucket "b"
role A.App {
    path "/service/"
    tags { team = "blue", Env = "prod" }
    allow s3:GetObject on A.b/* when aws:PrincipalTag/team == "blue"
    allow s3:PutObject on A.b/* when aws:PrincipalTag/env == "dev"
}
user A.alice { allow s3:GetObject on A.b/* when aws:username == "alice" and aws:PrincipalType == "User" }
"""


@pytest.fixture(scope="module")
def model():
    return iamdsl.loads(MODEL)


def _decide(model, who: str, action: str, resource: str, context: Context | None = None, **subject):
    caller = caller_for(Subject(kind=subject.pop("kind", "name"), name=who, **subject), model)
    return Evaluator(model).evaluate(Request(caller, action, resource, context or Context()))


def test_R1_request_is_principal_action_resource_and_context(model):
    decision = _decide(model, "A.alice", "s3:GetObject", "arn:aws:s3:::b/k", Context.of({"aws:SourceIp": "203.0.113.5"}))
    request = decision.request
    assert (request.caller.arn, request.action, request.resource) == ("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::b/k")
    assert request.context.get("aws:SourceIp").values == ("203.0.113.5",)
    assert decision.outcome is Outcome.ALLOWED  # the principal's facts (username, type) came from the model


def test_R2_user_facts(model):
    caller = caller_for(Subject(kind="name", name="A.alice"), model)
    assert caller.principal_arn == caller.arn == "arn:aws:iam::111122223333:user/alice"


def test_R2_root_user_is_the_account_principal(model):
    caller = caller_for(Subject(kind="root", name="A.root"), model)
    assert caller.arn == caller.principal_arn == "arn:aws:iam::111122223333:root"


def test_R3_session_arn_has_no_path_but_principal_arn_keeps_it(model):
    caller = caller_for(Subject(kind="name", name="A.App", session_name="s1"), model)
    assert caller.arn == "arn:aws:sts::111122223333:assumed-role/App/s1"
    assert caller.principal_arn == "arn:aws:iam::111122223333:role/service/App"


def test_R3_session_tags_merge_with_role_tags_and_win_without_case(model):
    text = MODEL + 'expect can A.App s3:PutObject A.b/"k" as session "s" { tags { ENV = "dev" } allow * }\n'
    loaded = load_text(text)
    expectation = loaded.model.expectations[0]
    caller = caller_for(expectation.subjects[0], loaded.model, expectation)
    decision = Evaluator(loaded.model).evaluate(Request(caller, "s3:PutObject", "arn:aws:s3:::b/k"))
    assert decision.outcome is Outcome.ALLOWED  # the session's ENV=dev overrode the role's Env=prod
    assert _decide(model, "A.App", "s3:PutObject", "arn:aws:s3:::b/k").outcome is Outcome.IMPLICIT_DENY
    assert _decide(model, "A.App", "s3:GetObject", "arn:aws:s3:::b/k").outcome is Outcome.ALLOWED  # team=blue kept


def test_R10_single_values_are_one_element_lists():
    one = iamdsl.loads('account A 111122223333\npolicy A.P json {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}')
    many = iamdsl.loads('account A 111122223333\npolicy A.P json {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}')
    first = next(iter(one.managed_policies.values())).policy.statements[0]
    second = next(iter(many.managed_policies.values())).policy.statements[0]
    assert first.actions == second.actions == ("s3:GetObject",)
    assert first.resources == second.resources == ("*",)


def test_R10_a_statement_needs_exactly_one_of_action_or_notaction():
    with pytest.raises(IamdslError) as error:
        iamdsl.loads('account A 111122223333\npolicy A.P json {"Statement": {"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}}')
    assert error.value.errors[0].code == "E034"


def test_R11_statements_and_policies_of_one_type_are_ored():
    model = iamdsl.loads(
        "account A 111122223333\n"
        "policy A.Two { allow s3:PutObject on * }\n"
        "role A.R { allow s3:GetObject on *  attach A.Two }\n"
    )
    for action in ("s3:GetObject", "s3:PutObject"):
        assert _decide(model, "A.R", action, "*").outcome is Outcome.ALLOWED
    assert _decide(model, "A.R", "s3:DeleteObject", "*").outcome is Outcome.IMPLICIT_DENY


@pytest.mark.parametrize("effect", ["allow", "ALLOW", "Permit"])
def test_R13_effect_must_be_exactly_allow_or_deny(effect):
    with pytest.raises(IamdslError) as error:
        iamdsl.loads('account A 111122223333\npolicy A.P json {"Statement": {"Effect": "%s", "Action": "s3:*", "Resource": "*"}}' % effect)
    assert error.value.errors[0].code == "E035"


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("StringEqualsWhatever aws:username [\"a\"]", "E020"),
        ("NumericLessThan aws:MultiFactorAuthAge [\"soon\"]", "E021"),
        ("DateGreaterThan aws:CurrentTime [\"tomorrow\"]", "E021"),
        ("IpAddress aws:SourceIp [\"10.0.0.300/8\"]", "E021"),
        ("NullIfExists aws:SourceIp [\"true\"]", "E026"),
    ],
    ids=["unknown-operator", "bad-number", "bad-date", "bad-ip", "null-ifexists"],
)
def test_R44_invalid_operators_and_values_are_rejected_at_load(condition, code):
    """A Deny must never fail open: what AWS refuses to save, iamdsl refuses to load."""
    with pytest.raises(IamdslError) as error:
        iamdsl.loads(f"account A 111122223333\nrole A.R {{ deny * on * when {condition} }}")
    assert code in {d.code for d in error.value.errors}


def test_R45_hard_errors_fail_the_load_but_inert_statements_load_with_a_warning():
    inert = load_text(
        "account A 111122223333\n"
        'resource A.b : s3:bucket "b" { policy json {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]} }\n'
    )
    assert [d.code for d in inert.diagnostics] == ["W102"]
    assert all(d.severity is Severity.WARNING for d in inert.diagnostics)
    with pytest.raises(IamdslError) as error:
        load_text('account A 111122223333\nrole A.R { policy P json {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}} }')
    assert error.value.errors[0].code == "E017"


ALTERNATIVES = """
account A 111122223333
resource A.b : s3:bucket "b"
role A.Either {
    allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8
    allow s3:GetObject on A.b/* when aws:SourceVpce == "vpce-1"
}
role A.Sure {
    allow s3:GetObject on A.b/*
    allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8
    deny s3:GetObject on A.b/* when aws:MultiFactorAuthPresent is false
}
"""


def test_conditional_residual_lists_alternatives_as_one_of():
    """Design.md §2: CONDITIONAL names what must hold; two Allows that each suffice are alternatives, not both required."""
    model = iamdsl.loads(ALTERNATIVES)
    decision = _decide(model, "A.Either", "s3:GetObject", "arn:aws:s3:::b/k")
    assert decision.outcome is Outcome.CONDITIONAL
    assert decision.allow_conditions == ()
    assert sorted(group[0].key for group in decision.allow_alternatives) == ["aws:SourceIp", "aws:SourceVpce"]


def test_conditional_residual_leaves_out_allows_that_are_not_needed():
    model = iamdsl.loads(ALTERNATIVES)
    decision = _decide(model, "A.Sure", "s3:GetObject", "arn:aws:s3:::b/k")
    assert decision.outcome is Outcome.CONDITIONAL  # only the Deny on MFA is unknown
    assert decision.allow_conditions == () and decision.allow_alternatives == ()
    assert [c.key for c in decision.deny_conditions] == ["aws:MultiFactorAuthPresent"]
