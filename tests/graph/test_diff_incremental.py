"""The incremental diff is exact: on generated models with one change, it equals the brute-force diff."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iamdsl.graph.diff import diff, diff_models
from iamdsl.language.loader import load_text
from iamdsl.testing.mutations import MUTATIONS
from iamdsl.testing import org_text
from iamdsl.testing.strategies import models


@st.composite
def changed(draw, kinds=tuple(MUTATIONS)):
    text = draw(models(max_accounts=3, max_statements=10))
    before = load_text(text, "model.iam").model
    kind = draw(st.sampled_from(kinds))
    after = MUTATIONS[kind](draw, before)
    assume(after is not None)
    return kind, before, after


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(changed_facts())
def test_incremental_diff_equals_brute_force_when_facts_change(case):
    kind, before, after = case
    fast, slow = diff(before, after), diff_models(before, after)
    assert fast == slow, kind
