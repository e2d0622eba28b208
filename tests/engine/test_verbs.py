"""Verbs as several requests: each action on the resource it acts on; PARTIAL in between (issue 3, item 3)."""

from __future__ import annotations

import pytest

import iamdsl
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.verbs import combine, evaluate_actions, requests_for
from iamdsl.model import Subject

DESIGN = """
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "app" { allow pull to account B }
resource A.logs : s3:bucket "acme-logs"
role B.Full { allow pull on A.repo }
role B.NoToken { allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability on A.repo }
role B.TokenOnly { allow ecr:GetAuthorizationToken on * }
role A.Reader { allow s3:GetObject on A.logs/* }
role A.Lister { allow read on A.logs }
"""


@pytest.fixture(scope="module")
def model():
    return iamdsl.loads(DESIGN)


def _ask(model, who: str, verb: str, resource: str):
    evaluator = Evaluator(model)
    caller = caller_for(Subject(kind="name", name=who), model)
    actions = model.verbs[verb].actions
    arn = model.resources[resource].arn
    return evaluate_actions(evaluator, caller, verb, actions, arn, Context())


def test_R5_wildcard_only_action_is_asked_on_star(model):
    pairs, skipped = requests_for(model.verbs["pull"].actions, model.resources["A.repo"].arn, model)
    assert ("ecr:GetAuthorizationToken", "*") in pairs
    assert ("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111111111111:repository/app") in pairs
    assert skipped == []


def test_R80_object_actions_are_asked_on_the_bucket_children(model):
    pairs, _ = requests_for(model.verbs["read"].actions, model.resources["A.logs"].arn, model)
    assert ("s3:GetObject", "arn:aws:s3:::acme-logs/*") in pairs
    assert ("s3:ListBucket", "arn:aws:s3:::acme-logs") in pairs


def test_actions_of_another_service_are_skipped_not_asked(model):
    pairs, skipped = requests_for(("ecr:BatchGetImage", "s3:GetObject"), model.resources["A.repo"].arn, model)
    assert pairs == [("ecr:BatchGetImage", model.resources["A.repo"].arn)]
    assert skipped == ["s3:GetObject"]


def test_every_action_allowed_is_allowed(model):
    assert _ask(model, "B.Full", "pull", "A.repo").outcome is Outcome.ALLOWED


def test_some_actions_allowed_is_partial_and_names_them(model):
    decision = _ask(model, "B.NoToken", "pull", "A.repo")
    assert decision.outcome is Outcome.PARTIAL
    assert sorted(decision.allowed_actions) == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    token_only = _ask(model, "B.TokenOnly", "pull", "A.repo")
    assert token_only.outcome is Outcome.PARTIAL
    assert token_only.allowed_actions == ["ecr:GetAuthorizationToken"]


def test_object_read_without_list_is_partial(model):
    decision = _ask(model, "A.Reader", "read", "A.logs")
    assert decision.outcome is Outcome.PARTIAL
    assert decision.allowed_actions == ["s3:GetObject"]
    assert _ask(model, "A.Lister", "read", "A.logs").outcome is Outcome.ALLOWED


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([Outcome.ALLOWED, Outcome.ALLOWED], Outcome.ALLOWED),
        ([Outcome.IMPLICIT_DENY, Outcome.IMPLICIT_DENY], Outcome.IMPLICIT_DENY),
        ([Outcome.IMPLICIT_DENY, Outcome.EXPLICIT_DENY], Outcome.EXPLICIT_DENY),
        ([Outcome.ALLOWED, Outcome.IMPLICIT_DENY], Outcome.PARTIAL),
        ([Outcome.ALLOWED, Outcome.CONDITIONAL], Outcome.CONDITIONAL),
        ([Outcome.CONDITIONAL, Outcome.IMPLICIT_DENY], Outcome.PARTIAL),
        ([], Outcome.IMPLICIT_DENY),
    ],
    ids=["all-allowed", "all-implicit", "any-explicit", "mixed", "allowed-and-conditional", "conditional-and-denied", "no-action"],
)
def test_combining_the_answers_of_a_verb(outcomes, expected):
    assert combine(outcomes) is expected
