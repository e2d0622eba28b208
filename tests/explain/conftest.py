"""Shared models and a way to ask them questions, for the explain tests."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

import iamdsl
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Decision, Evaluator
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.verbs import VerbDecision, evaluate_actions
from iamdsl.model import Model, Subject

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"

# One model with a case for every kind of answer: same- and cross-account,
# explicit denies, an SCP allow-list, a boundary, unknown context, resource
# policies that name accounts, roles, services and anyone, and trust policies.
WORLD = """
region us-east-1
account A 111111111111
account B 222222222222
account C 333333333333

organization acme o-abcd1234 {
    scp NoIam { allow s3:*, ecr:*, kms:* }
    ou Sandbox {
        detach FullAWSAccess
        attach NoIam
        account C
    }
    account A
    account B
}

resource A.logs : s3:bucket "acme-logs"
resource A.site : s3:bucket "public-site" {
    allow s3:GetObject on self/* to anyone
}
resource A.key : kms:key "1234abcd-12ab-34cd-56ef-1234567890ab" {
    sid "Root"
    allow kms:* on * to account A
    sid "AppDecrypt"
    allow decrypt to A.App
}
resource A.queue : sqs:queue "q" {
    allow sqs:SendMessage to service sns.amazonaws.com
}

user A.Dev {
    allow s3:GetObject on A.logs/*
    sid "NoBucketDeletes"
    deny s3:DeleteBucket on A.logs
    allow s3:DeleteBucket on A.logs
}
user A.Remote {
    allow s3:GetObject on A.logs/* when aws:SourceIp in 10.0.0.0/8
    deny s3:GetObject on A.logs/* when aws:MultiFactorAuthPresent is false
}
user A.Reader { allow s3:GetObject on A.logs/* }
role A.App
policy A.Cap { allow s3:ListBucket }
role A.Capped {
    boundary A.Cap
    allow s3:*
}
role C.Dev { allow iam:CreateUser, s3:ListAllMyBuckets }

role A.Deployer {
    trust {
        allow assume to account B
        allow sts:TagSession to account B
    }
}
role A.Strict {
    trust { allow assume to B.Ci }
}
role B.Ci {
    allow assume on A.Deployer, A.Strict
    allow s3:GetObject on A.logs/*
}
role B.Ci2 {
    allow sts:AssumeRole on A.Deployer
}

resource A.vault : s3:bucket "acme-vault" {
    allow s3:GetObject on self/* to account B
    deny s3:DeleteObject on self/* to account B
}
"""

Ask = Callable[..., "Decision | VerbDecision"]


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ecr(example_text: str) -> Model:
    return iamdsl.loads(example_text, "ecr_delegation.iam")


@pytest.fixture(scope="session")
def world_text() -> str:
    return WORLD


@pytest.fixture(scope="session")
def world() -> Model:
    return iamdsl.loads(WORLD, "explain.iam")


@pytest.fixture(scope="session")
def where() -> Callable[[str, str, str], str]:
    return _where


@pytest.fixture(scope="session")
def ask() -> Ask:
    return _ask


def _where(text: str, snippet: str, file: str) -> str:
    """`file:line` of the first line of `text` that holds `snippet`, as the renderers print it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return f"{file}:{number}"
    raise AssertionError(f"{snippet!r} is not in the model")


def _ask(model: Model, who: str, action: str, resource: str, context: dict | None = None) -> "Decision | VerbDecision":
    """`can WHO ACTION RESOURCE [with …]` against the model, as the CLI would ask it.

    `who` is a DSL name, `B.root` for the root user, `anonymous`, or `service NAME`;
    `resource` is a DSL name, a name with a child (`A.logs/x`), an ARN or `*`.
    """
    evaluator = Evaluator(model)
    caller = _caller(model, who)
    arn = _arn(model, resource)
    context_ = Context.of(context or {})
    if action in model.verbs:
        return evaluate_actions(evaluator, caller, action, model.verbs[action].actions, arn, context_)
    return evaluator.evaluate(Request(caller, action, arn, context_))


def _caller(model: Model, who: str) -> Caller:
    if who == "anonymous":
        return Caller(CallerKind.ANONYMOUS)
    if who.startswith("service "):
        return Caller(CallerKind.SERVICE, service=who.split(" ", 1)[1])
    if who.endswith(".root"):
        return caller_for(Subject(kind="root", name=who), model)
    return caller_for(Subject(kind="name", name=who), model)


def _arn(model: Model, resource: str) -> str:
    name, _, child = resource.partition("/")
    if name in model.resources:
        arn = model.resources[name].arn
        return f"{arn}/{child}" if child else arn
    if resource in model.principals:
        return model.principals[resource].arn
    return resource
