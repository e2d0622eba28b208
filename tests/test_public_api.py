"""The small public API of design.md §5: load, loads, Model.evaluate, Model.ask, Decision.explain."""

from __future__ import annotations

from pathlib import Path

import pytest

import iamdsl
from iamdsl.engine.callers import caller_for
from iamdsl.engine.evaluate import Outcome
from iamdsl.engine.request import Request
from iamdsl.model import Subject

EXAMPLE = Path(__file__).parents[1] / "examples" / "ecr_delegation.iam"


@pytest.fixture(scope="module")
def model():
    return iamdsl.load(EXAMPLE)


def test_ask_decides_a_query_and_explains_it(model):
    decision = model.ask("can B.OtherRole pull A.repo")
    assert decision.outcome is Outcome.IMPLICIT_DENY
    text = decision.explain(model, mode="summary")
    assert text.startswith("DENIED (implicit)")
    assert "A.repo --Allow--> B.root --x--> B.OtherRole" in text
    assert model.ask("can B.SomeRole pull A.repo").outcome is Outcome.ALLOWED


def test_ask_refuses_other_queries(model):
    with pytest.raises(iamdsl.NotSupportedError):
        model.ask("who can pull A.repo")


def test_evaluate_takes_an_engine_request_and_reuses_its_evaluator(model):
    caller = caller_for(Subject(kind="name", name="B.SomeRole"), model)
    request = Request(caller, "ecr:BatchGetImage", model.resources["A.repo"].arn)
    decision = model.evaluate(request)
    assert decision.outcome is Outcome.ALLOWED
    assert "path: A.repo --Allow--> B.root --Delegate--> B.SomeRole" in decision.explain(model)
    from iamdsl.engine.shared import evaluator_for

    assert evaluator_for(model) is evaluator_for(model)


def test_loads_reports_errors_as_iamdsl_errors():
    with pytest.raises(iamdsl.IamdslError) as error:
        iamdsl.loads("account A 1")
    assert error.value.errors[0].code == "E013"
