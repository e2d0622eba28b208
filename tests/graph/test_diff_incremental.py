"""The incremental diff is exact: on generated models with one change, it equals the brute-force diff."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iamdsl.graph.diff import diff, diff_models
from iamdsl.language.loader import load_text
from iamdsl.testing import org_text
from iamdsl.testing.mutations import MUTATIONS
from iamdsl.testing.strategies import models


@st.composite
def changed(draw, kinds=tuple(MUTATIONS)):
    text = draw(models(max_accounts=3, max_statements=10))
    before = load_text(text, "model.iam").model
    kind = draw(st.sampled_from(kinds))
    after = MUTATIONS[kind](draw, before)
    assume(after is not None)
    return kind, before, after


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(changed())
def test_incremental_diff_equals_brute_force(case):
    kind, before, after = case
    fast, slow = diff(before, after), diff_models(before, after)
    assert fast == slow, kind


@st.composite
def changed_org(draw, kinds=tuple(MUTATIONS)):
    """A generated organization of a few hundred statements, perhaps changed once already, then changed once more."""
    text = org_text(draw(st.sampled_from([120, 200, 260])), seed=draw(st.integers(0, 30)))
    before = load_text(text, "org.iam").model
    if draw(st.booleans()):
        prepared = MUTATIONS["add_statement"](draw, before)
        before = prepared if prepared is not None else before
    kind = draw(st.sampled_from(kinds))
    after = MUTATIONS[kind](draw, before)
    assume(after is not None)
    return kind, before, after


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(changed_org())
def test_incremental_diff_equals_brute_force_on_larger_organizations(case):
    kind, before, after = case
    fast, slow = diff(before, after), diff_models(before, after)
    assert fast == slow, kind


FACTS = ("change_tag", "move_account", "change_now", "open_account")


@st.composite
def changed_facts(draw):
    """A model with statements that read tags, the organization or the time; then one of those facts changes."""
    text = draw(st.one_of(models(max_accounts=3, max_statements=10), st.builds(lambda s: org_text(120, seed=s), st.integers(0, 30))))
    before = load_text(text, "model.iam").model
    for _ in range(draw(st.integers(1, 3))):
        prepared = MUTATIONS["add_fact_reader"](draw, before)
        before = prepared if prepared is not None else before
    kind = draw(st.sampled_from(FACTS))
    after = MUTATIONS[kind](draw, before)
    assume(after is not None)
    return kind, before, after


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(changed_facts())
def test_incremental_diff_equals_brute_force_when_facts_change(case):
    kind, before, after = case
    fast, slow = diff(before, after), diff_models(before, after)
    assert fast == slow, kind


# ---------------------------------------------------------------- facts that change: each one named, each one matters

BASE = """
now "2026-01-01T00:00:00Z"
account A 111111111111
account B 222222222222
account C 333333333333 external
organization acme o-abcdef1234 {
    management A
    ou prod {
        account B
    }
}
role B.Dev {
    tags { team = "data" }
    allow s3:GetObject on A.logs/* when aws:PrincipalTag/team == "data"
    allow sqs:SendMessage on B.q when aws:ResourceTag/env == "prod"
    allow sqs:ReceiveMessage on B.q when aws:CurrentTime before "2027-01-01T00:00:00Z"
}
resource A.logs : s3:bucket "acme-logs" {
    allow s3:GetObject on self/* to anyone when any aws:PrincipalOrgPaths like "o-abcdef1234/*/ou-prod/*"
}
resource B.q : sqs:queue "jobs" {
    tags { env = "prod" }
    allow sqs:SendMessage to account C
}
"""


def _pair(change) -> tuple:
    before = load_text(BASE, "base.iam").model
    after = load_text(change(BASE), "after.iam").model
    return before, after


CHANGES = {
    "principal tag": lambda t: t.replace('tags { team = "data" }', 'tags { team = "web" }'),
    "resource tag": lambda t: t.replace('tags { env = "prod" }', 'tags { env = "dev" }'),
    "organization move": lambda t: t.replace("    ou prod {\n        account B\n    }\n", "    ou test {\n        account B\n    }\n"),
    "now": lambda t: t.replace('now "2026-01-01T00:00:00Z"', 'now "2028-01-01T00:00:00Z"'),
    "open account modelled": lambda t: t.replace("account C 333333333333 external", "account C 333333333333"),
    "account ID": lambda t: t.replace("account B 222222222222", "account B 444444444444"),
    "default region": lambda t: "region us-west-2\n" + t,
    "management account": lambda t: t.replace("    management A\n", "    management B\n").replace("        account B\n", "        account A\n"),
    "SCP detached": lambda t: t.replace("    ou prod {\n", "    ou prod {\n        detach FullAWSAccess\n"),
}


def test_each_kind_of_fact_change_is_found_and_only_it():
    for name, change in CHANGES.items():
        before, after = _pair(change)
        fast, slow = diff(before, after), diff_models(before, after)
        assert fast == slow, name
        assert not fast.empty, name
        if name != "default region":  # every ARN without a region changes: the whole universe is asked again
            assert fast.stats["requests"] < slow.stats["requests"], name  # incremental: fewer requests than every one


def test_an_endpoint_policy_changes_nothing_in_the_universe():
    """The universe's requests give no aws:SourceVpce, so no endpoint policy is ever in play (docs/diff.md)."""
    endpoint = '\nendpoint B.gw "vpce-0123456" {\n    allow * on * to anyone\n}\n'
    before, after = _pair(lambda t: t + endpoint)
    changed = load_text(BASE + endpoint.replace("allow * on * to anyone", "allow s3:GetObject on A.logs/* to anyone"), "x.iam").model
    assert diff(after, changed).empty and diff_models(after, changed).empty
    assert diff(before, after).empty


def test_removing_a_table_loses_every_action_on_it():
    """A regression: groups of actions memoised under a key that could go stale merged dynamodb:Query with unrelated actions."""
    before = load_text(org_text(120, seed=3), "org.iam").model
    after = before.model_copy(update={"resources": {k: v for k, v in before.resources.items() if k != "acct0002.orders"}})
    fast, slow = diff(before, after, paths=False), diff_models(before, after, paths=False)
    assert fast == slow
    assert ("acct0002.LambdaExec", "dynamodb:Query", before.resources["acct0002.orders"].arn) in fast.lost_conditional
