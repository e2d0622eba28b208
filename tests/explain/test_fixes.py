"""Fixes are least privilege, and proven so (issue 4, item 4).

Every suggested grant is applied (its DSL appended to the model's text and
the model loaded again); the request must then be ALLOWED, and the model's
whole access (`iamdsl.graph.access`) must grow by exactly the requested
triples and nothing else.  Each scenario has a bystander that an over-broad
fix (`to account B`, a bare `to anyone`) would also reach, so the access
comparison would catch it.  Guardrails (Deny, SCP, boundary, session policy)
are reported as blocked, never weakened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import iamdsl
from iamdsl import catalog
from iamdsl.engine.callers import caller_for
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Request
from iamdsl.engine.verbs import VerbDecision, evaluate_actions
from iamdsl.explain.fixes import Fix, FixKind, suggest
from iamdsl.graph.access import ANONYMOUS, access, actions_on, enumerate_access, wildcard_only_actions
from iamdsl.model import Model, Subject
from iamdsl.specs.expectations import context_of

_EXAMPLE = (Path(__file__).parents[2] / "examples" / "ecr_delegation.iam").read_text()
# the guide's design without its expect lines, asking about B.OtherRole
GUIDE = "\n".join(line for line in _EXAMPLE.split("\n") if not line.startswith("expect")) + "\nexpect cannot B.OtherRole pull A.repo\n"

# ------------------------------------------------------------------ helpers


def _ask(model: Model) -> VerbDecision:
    """The model's first `expect` line, asked as a question."""
    expectation = model.expectations[0]
    caller = caller_for(expectation.subjects[0], model, expectation)
    return evaluate_actions(Evaluator(model), caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation))


def _principal(model: Model) -> str:
    subject = model.expectations[0].subjects[0]
    return ANONYMOUS if subject.kind == "anonymous" else subject.name


def _requested(model: Model, decision: VerbDecision) -> set[tuple[str, str, str]]:
    who = _principal(model)
    return {(who, catalog.action(d.request.action).full_name, d.request.resource) for d in decision.decisions}


def _apply(source: str, fixes: list[Fix]) -> str:
    return source + "\n" + "\n".join(fix.dsl for fix in fixes if fix.dsl) + "\n"


# ------------------------------------------------------------------ grants that are proven least privilege

SAME_ACCOUNT = """
account A 111111111111
resource A.logs : s3:bucket "acme-logs"
role A.Dev
role A.Bystander { allow s3:ListBucket on A.logs }
expect cannot A.Dev read A.logs
"""

CROSS_RESOURCE_SIDE = """
account A 111111111111
account B 222222222222
resource A.q : sqs:queue "jobs" in eu-west-1
role B.Sender { allow send on A.q }
role B.Bystander { allow send on A.q }
expect cannot B.Sender send A.q
"""

CROSS_BOTH_SIDES = """
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "team/app"
role B.Both
role B.Bystander { allow pull on A.repo }
expect cannot B.Both pull A.repo
"""

TRUST_MISSING = """
account A 111111111111
account B 222222222222
role A.Target { trust { allow assume to B.Other } }
role B.Caller { allow assume on A.Target }
role B.Other
role B.Bystander { allow assume on A.Target }
expect cannot B.Caller assume A.Target
"""

KMS_KEY_POLICY = """
account A 111111111111
resource A.key : kms:key "1234abcd-12ab-34cd-56ef-1234567890ab" { allow decrypt to A.KeyUser }
role A.KeyUser
role A.App
role A.Bystander { allow kms:* on * }
expect cannot A.App decrypt A.key
"""

ROOT_KEY_POLICY = """
account A 111111111111
resource A.key : kms:key "k-1" { allow decrypt to A.KeyUser }
role A.KeyUser
role A.Bystander { allow kms:* on * }
expect cannot A.root decrypt A.key
"""

ANONYMOUS_BUCKET = """
account A 111111111111
account B 222222222222
resource A.site : s3:bucket "acme-site"
role A.NoPolicies
role B.Bystander { allow s3:GetObject on A.site/* }
expect cannot anonymous s3:GetObject A.site/*
"""

VERB_PARTIAL = """
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "app" { allow pull to account B }
role B.TokenOnly { allow ecr:GetAuthorizationToken on * }
role B.Bystander
expect cannot B.TokenOnly pull A.repo
"""

GRANTS = [
    # (id, source, {account: expected DSL, or None to check only the account})
    ("guide-other-role", GUIDE, {"B": "role B.OtherRole { allow pull on A.repo }"}),
    ("same-account-identity", SAME_ACCOUNT, {"A": "role A.Dev { allow read on A.logs }"}),
    ("cross-account-resource-side", CROSS_RESOURCE_SIDE, {"A": 'resource A.q : sqs:queue "jobs" in eu-west-1 { allow send to B.Sender }'}),
    ("cross-account-both-sides", CROSS_BOTH_SIDES, {
        "A": 'resource A.repo : ecr:repository "team/app" { allow pull to B.Both }',
        "B": "role B.Both { allow pull on A.repo }",
    }),
    ("trust-policy-missing", TRUST_MISSING, {"A": "role A.Target { trust { allow assume to B.Caller } }"}),
    ("kms-key-policy-missing", KMS_KEY_POLICY, {"A": 'resource A.key : kms:key "1234abcd-12ab-34cd-56ef-1234567890ab" { allow decrypt to A.App }'}),
    ("root-user-on-a-key", ROOT_KEY_POLICY, {"A": 'resource A.key : kms:key "k-1" { allow decrypt to account A when aws:PrincipalType == "Account" }'}),
    ("anonymous-on-a-bucket", ANONYMOUS_BUCKET, {
        "A": 'resource A.site : s3:bucket "acme-site" { allow s3:GetObject on self/* to anyone when aws:PrincipalType == "Anonymous" }',
    }),
    ("verb-partially-allowed", VERB_PARTIAL, {
        "B": "role B.TokenOnly { allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability on A.repo }",
    }),
]


@pytest.mark.parametrize(("source", "expected"), [g[1:] for g in GRANTS], ids=[g[0] for g in GRANTS])
def test_grant_fixes_allow_the_request_and_nothing_else(source, expected):
    before = iamdsl.loads(source)
    decision = _ask(before)
    assert decision.outcome.denied or decision.outcome is Outcome.PARTIAL
    fixes = suggest(decision, before)
    assert [f.kind for f in fixes] == [FixKind.GRANT] * len(expected)
    assert {f.account: f.dsl for f in fixes} == expected  # one fix per account that must act

    after = iamdsl.loads(_apply(source, fixes))
    assert _ask(after).outcome is Outcome.ALLOWED

    old, new = enumerate_access(before), enumerate_access(after)
    requested = _requested(before, decision)
    assert new.allowed - old.allowed == requested - old.allowed
    assert requested <= new.allowed
    assert old.allowed <= new.allowed  # a grant takes nothing away
    assert new.conditional <= old.conditional  # and opens nothing under conditions either


def test_the_guides_fix_is_the_identity_half_in_account_b():
    model = iamdsl.loads(GUIDE)
    (fix,) = suggest(_ask(model), model)
    assert fix.account == "B"
    assert "B.OtherRole" in fix.description and "identity policy" in fix.description


def test_a_single_action_question_grants_that_action_only():
    model = iamdsl.loads(GUIDE)
    caller = caller_for(Subject(kind="name", name="B.OtherRole"), model)
    repo = model.resources["A.repo"].arn
    decision = Evaluator(model).evaluate(Request(caller, "ecr:BatchGetImage", repo))
    (fix,) = suggest(decision, model)
    assert fix.dsl == "role B.OtherRole { allow ecr:BatchGetImage on A.repo }"
    after = iamdsl.loads(_apply(GUIDE, [fix]))
    assert access(after) - access(model) == {("B.OtherRole", "ecr:BatchGetImage", repo)}


def test_an_allowed_request_needs_no_fix():
    model = iamdsl.loads(GUIDE.replace("expect cannot B.OtherRole", "expect can B.SomeRole"))
    decision = _ask(model)
    assert decision.outcome is Outcome.ALLOWED
    assert suggest(decision, model) == []


def test_a_conditional_answer_gets_the_context_it_needs_not_a_grant():
    source = """
account A 111111111111
resource A.repo : ecr:repository "app"
role A.Dev { allow pull on A.repo when aws:SourceIp in 10.0.0.0/8 }
expect can A.Dev pull A.repo
"""
    model = iamdsl.loads(source)
    decision = _ask(model)
    assert decision.outcome is Outcome.CONDITIONAL
    (fix,) = suggest(decision, model)
    assert fix.kind is FixKind.CONTEXT and fix.dsl is None
    assert "aws:SourceIp" in fix.description and "10.0.0.0/8" in fix.description


# ------------------------------------------------------------------ guardrails are named, never weakened

ORG = """
account mgmt 100000000001
account A 111111111111
account B 222222222222
organization acme o-a1b2c3d4e5 {
    management mgmt
    scp DenyEcr { deny ecr:* }
    scp OnlyS3 { allow s3:* }
    ou Workloads {
        attach DenyEcr
        account B
    }
    ou Sandbox {
        detach FullAWSAccess
        attach OnlyS3
        account A
    }
}
"""

RESOURCE_DENY = """
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "app" {
    allow pull to account B
    deny ecr:BatchGetImage to B.Denied
}
role B.Denied { allow pull on A.repo }
expect cannot B.Denied ecr:BatchGetImage A.repo
"""

SCP_DENY = ORG + """
resource A.repo : ecr:repository "app" { allow pull to account B }
role B.Worker { allow pull on A.repo }
expect cannot B.Worker pull A.repo
"""

SCP_NO_ALLOW = ORG + """
resource A.repo : ecr:repository "app"
role A.Local { allow pull on A.repo }
expect cannot A.Local pull A.repo
"""

BOUNDARY = """
account A 111111111111
resource A.repo : ecr:repository "app"
policy A.Ceiling { allow s3:* }
role A.Bounded { boundary A.Ceiling  allow pull on A.repo }
expect cannot A.Bounded pull A.repo
"""

SESSION = """
account A 111111111111
resource A.repo : ecr:repository "app"
role A.Dev { allow pull on A.repo }
expect cannot A.Dev pull A.repo as session "ci" { allow s3:* }
"""

BLOCKED = [
    # (id, source, account that must act, words the blocker names, text of the blocker's line)
    ("explicit-deny-in-resource-policy", RESOURCE_DENY, "A", ["Deny", "A.repo:policy"], "deny ecr:BatchGetImage to B.Denied"),
    ("scp-deny", SCP_DENY, "mgmt", ["SCP DenyEcr", "OU Workloads"], "scp DenyEcr"),
    ("scp-without-allow-at-a-level", SCP_NO_ALLOW, "mgmt", ["OU Sandbox", "OnlyS3"], "scp OnlyS3"),
    ("permissions-boundary", BOUNDARY, "A", ["boundary", "A.Ceiling"], "policy A.Ceiling"),
    ("session-policy", SESSION, None, ["session policy", "A.Dev"], 'as session "ci"'),
]


@pytest.mark.parametrize(("source", "account", "words", "line_text"), [b[1:] for b in BLOCKED], ids=[b[0] for b in BLOCKED])
def test_guardrails_are_reported_as_blocked_with_their_location(source, account, words, line_text):
    model = iamdsl.loads(source, "design.iam")
    decision = _ask(model)
    assert decision.outcome.denied
    fixes = suggest(decision, model)
    assert fixes and all(f.kind is FixKind.BLOCKED and f.dsl is None for f in fixes)
    (fix,) = fixes
    assert fix.account == account
    for word in words:
        assert word in fix.blocker
    line = next(n for n, text in enumerate(source.split("\n"), 1) if line_text in text)
    assert fix.location == f"design.iam:{line}"
    assert "only" in fix.description  # says who alone can lift it


def test_scp_blockers_name_the_management_account_as_the_only_owner():
    model = iamdsl.loads(SCP_DENY)
    (fix,) = suggest(_ask(model), model)
    assert "management account of organization acme (mgmt)" in fix.description
    assert "pull" in fix.description  # the whole verb is blocked: said once, not per action


def test_a_blocker_wins_over_a_missing_side():
    # B.Denied's identity side is missing as well, but no grant can get past the Deny
    source = RESOURCE_DENY.replace("role B.Denied { allow pull on A.repo }", "role B.Denied")
    model = iamdsl.loads(source)
    fixes = suggest(_ask(model), model)
    assert [f.kind for f in fixes] == [FixKind.BLOCKED]


def test_root_cannot_assume_a_role_whatever_the_policies():
    source = """
account A 111111111111
role A.Target { trust { allow assume to account A } }
expect cannot A.root assume A.Target
"""
    model = iamdsl.loads(source)
    (fix,) = suggest(_ask(model), model)
    assert fix.kind is FixKind.UNFIXABLE and fix.dsl is None and "R78" in fix.description


# ------------------------------------------------------------------ access() itself

TINY = """
account A 111111111111
resource A.q : sqs:queue "jobs"
role A.Sender { allow sqs:SendMessage on A.q }
"""


def test_access_of_a_tiny_model_is_exactly_the_hand_computed_set():
    model = iamdsl.loads(TINY)
    queue = model.resources["A.q"].arn
    role = model.principals["A.Sender"].arn
    queue_actions = actions_on(catalog.resource_type("sqs", "queue"))
    role_actions = actions_on(catalog.resource_type("iam", "role"))
    expected = {
        # the role: its one statement, and sts:GetCallerIdentity, which every caller may call (R81)
        ("A.Sender", "sqs:SendMessage", queue),
        ("A.Sender", "sts:GetCallerIdentity", "*"),
        # the root user: everything in its own account (R66) ...
        *{("A.root", action, queue) for action in queue_actions},
        *{("A.root", action, "*") for action in wildcard_only_actions()},
        # ... except the sts actions on the role: its trust policy (none) must allow them (R60, R71)
        *{("A.root", action, role) for action in role_actions if not action.startswith("sts:")},
        # anonymous: nothing, since no resource policy names anyone (R58)
    }
    assert "sts:AssumeRole" in role_actions and "sqs:SendMessage" in queue_actions
    assert access(model) == expected


def test_access_records_conditional_requests_apart():
    model = iamdsl.loads(TINY.replace("on A.q }", "on A.q when aws:SourceIp in 10.0.0.0/8 }"))
    found = enumerate_access(model)
    triple = ("A.Sender", "sqs:SendMessage", model.resources["A.q"].arn)
    assert triple in found.conditional and triple not in found.allowed


GROUPING = """
account mgmt 100000000001
account A 111111111111
account B 222222222222
organization acme o-a1b2c3d4e5 {
    management mgmt
    scp NoDelete { deny s3:Delete*, kms:ScheduleKeyDeletion }
    rcp OrgOnly { deny s3:* to anyone when aws:PrincipalOrgID? != "o-a1b2c3d4e5" }
    attach NoDelete, OrgOnly
    ou Work { account A, B }
}
resource A.logs : s3:bucket "acme-logs" { allow s3:Get*, s3:List* on self, self/* to account B }
resource A.key : kms:key "k-1" { allow kms:* to account A }
role A.Admin { allow not iam:*, kms:Decrypt }
role B.Reader { allow s3:*Object*, s3:ListBucket on A.logs, A.logs/* }
"""


def test_deciding_actions_in_groups_gives_exactly_what_asking_each_action_gives():
    model = iamdsl.loads(GROUPING)
    grouped = enumerate_access(model)
    exact = enumerate_access(model, exact=True)
    assert grouped == exact
    logs = "arn:aws:s3:::acme-logs"
    assert ("B.Reader", "s3:GetObject", logs + "/*") in grouped.allowed
    assert ("B.Reader", "s3:PutObject", logs + "/*") not in grouped.allowed  # the bucket policy grants Get* and List* only
    assert ("A.Admin", "s3:DeleteObject", logs + "/*") not in grouped.allowed  # the SCP denies it
    assert ("A.Admin", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k-1") not in grouped.allowed  # NotAction
    assert (ANONYMOUS, "s3:GetObject", logs + "/*") not in grouped.allowed
