"""The diff's universe is the brute-force enumerator's, plus symbolic principals; the region stays small."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iamdsl.graph.access import enumerate_access, principals, resource_targets, wildcard_only_actions
from iamdsl.graph.diff import diff, diff_access, diff_models
from iamdsl.graph.region import Asking
from iamdsl.graph.universe import STAR, Universe
from iamdsl.language.loader import load_paths, load_text
from iamdsl.model import Effect, Policy, PolicyKind, Statement
from iamdsl.testing import org_text
from iamdsl.testing.mutations import MUTATIONS
from iamdsl.testing.strategies import models

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.iam"))


def _check_universe(model) -> None:
    universe = Universe(model)
    expected = {name: caller for name, caller in principals(model)}
    assert set(universe.names) == set(expected)
    for name, caller in expected.items():
        assert universe.asker(name).caller == caller
    listed = dict(resource_targets(model))
    listed[STAR] = wildcard_only_actions()
    assert set(universe.targets) == set(listed)
    for target, actions in listed.items():
        assert set(universe.actions(target)) == set(actions)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_universe_is_the_enumerators_on_the_examples(path):
    _check_universe(load_paths([path]).model)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_accounts=3, max_statements=12))
def test_universe_is_the_enumerators_on_generated_models(text):
    _check_universe(load_text(text, "model.iam").model)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_named_principals_access_matches_graph_access(data):
    """Among named principals, the brute-force diff is graph/access.py's (the enumerator the fixes are proven with)."""
    before = load_text(data.draw(models(max_accounts=3, max_statements=10)), "model.iam").model
    kind = data.draw(st.sampled_from(sorted(MUTATIONS)))
    after = MUTATIONS[kind](data.draw, before)
    assume(after is not None)
    named = {name for name, _ in principals(before)} | {name for name, _ in principals(after)}
    found = diff_models(before, after, paths=False)
    expected = diff_access(enumerate_access(before), enumerate_access(after))
    for field in ("gained", "lost", "gained_conditional", "lost_conditional"):
        assert {t for t in getattr(found, field) if t[0] in named} == getattr(expected, field), (kind, field)


def test_symbolic_principals_are_named_by_what_they_stand_for():
    model = load_text(
        """
        account A 111111111111
        account C 333333333333 external
        resource A.q : sqs:queue "jobs" {
            allow send to account C
            allow send to "arn:aws:iam::333333333333:role/Writer"
            allow send to service sns.amazonaws.com
            allow send to anyone when aws:PrincipalOrgID == "o-abcdef1234"
            allow send to anyone
        }
        """,
        "m.iam",
    ).model
    universe = Universe(model)
    arn = model.resources["A.q"].arn
    assert [a.name for a in universe.symbolic(arn)] == [
        "any principal of account 333333333333 (open)",
        "arn:aws:iam::333333333333:role/Writer (open account)",
        "service sns.amazonaws.com",
        "any principal in org o-abcdef1234 (outside the model)",
        "anyone outside the model",
    ]


def test_one_identity_statement_asks_only_its_principal():
    """Re-evaluate only what the change can affect: one statement of one role asks that role's requests, no other."""
    before = load_text(org_text(400, seed=5), "org.iam").model
    role = next(e for e in before.principals.values() if e.kind.value == "role")
    bucket = next(r for r in before.resources.values() if r.type == "bucket")
    added = Policy(name="added", kind=PolicyKind.IDENTITY, statements=(
        Statement(effect=Effect.ALLOW, actions=("s3:GetObject",), resources=(bucket.arn + "/*",)),
    ))
    principals_ = dict(before.principals)
    principals_[role.qualified_name] = role.model_copy(update={"inline_policies": role.inline_policies + (added,)})
    after = before.model_copy(update={"principals": principals_})
    old, new = Universe(before), Universe(after)
    from iamdsl.graph.changes import Snapshot, compare

    region = compare(Snapshot(old), Snapshot(new))
    asking = Asking(old, new)
    asking.access(region.boxes)
    assert asking.cells == 1  # the role on the bucket's objects
    assert asking.asked <= 4
    assert diff(before, after) == diff_models(before, after)


def test_a_resource_policy_statement_asks_only_the_principals_it_names():
    before = load_text(org_text(400, seed=5), "org.iam").model
    bucket = next(r for r in before.resources.values() if r.type == "bucket")
    other = next(a for a in before.accounts.values() if a.id != before.accounts[bucket.account].id and not a.external)
    from iamdsl.model import Principal, PrincipalType

    grant = Statement(effect=Effect.ALLOW, actions=("s3:GetObject",), resources=(bucket.arn + "/*",),
                      principals=(Principal(type=PrincipalType.AWS, value=other.id),))
    policy = bucket.policy or Policy(name="policy", kind=PolicyKind.RESOURCE)
    resources = dict(before.resources)
    resources[next(k for k, v in before.resources.items() if v is bucket)] = bucket.model_copy(
        update={"policy": policy.model_copy(update={"statements": policy.statements + (grant,)})}
    )
    after = before.model_copy(update={"resources": resources})
    old, new = Universe(before), Universe(after)
    from iamdsl.graph.changes import Snapshot, compare

    asking = Asking(old, new)
    asking.access(compare(Snapshot(old), Snapshot(new)).boxes)
    in_other = set(old.in_account(other.id))
    assert asking.cells and asking.cells <= len(in_other)  # only the other account's principals, on the objects
    assert diff(before, after) == diff_models(before, after)


def _edges_both_ways(model) -> None:
    from iamdsl.graph.become import principal_edges

    universe = Universe(model)
    found, _ = Asking(universe, Universe(model)).edges(None)
    expected = principal_edges(model, universe.evaluator)
    assert found.edges == {(e.source, e.kind.value, e.target, e.via or "") for e in expected if not e.conditional}
    assert found.conditional_edges == {(e.source, e.kind.value, e.target, e.via or "") for e in expected if e.conditional}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_edges_are_become_pys_on_the_examples(path):
    _edges_both_ways(load_paths([path]).model)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(max_accounts=3, max_statements=12))
def test_the_edges_are_become_pys_on_generated_models(text):
    _edges_both_ways(load_text(text, "model.iam").model)
