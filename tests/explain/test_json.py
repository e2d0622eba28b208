"""Answers for programs: decisions as JSON, schema `iamdsl/decision/v1` (issue 4, item 4)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from iamdsl.explain.json_output import SCHEMA, decision_to_json

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "decision.v1.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# (id, model fixture, who, action, resource, context)
CASES = [
    ("guide_allowed_verb", "ecr", "B.SomeRole", "pull", "A.repo", None),
    ("guide_denied_verb", "ecr", "B.OtherRole", "pull", "A.repo", None),
    ("guide_denied_action", "ecr", "B.OtherRole", "ecr:BatchGetImage", "A.repo", None),
    ("same_account_allow", "world", "A.Reader", "s3:GetObject", "A.logs/x", None),
    ("explicit_deny", "world", "A.Dev", "s3:DeleteBucket", "A.logs", None),
    ("scp_block", "world", "C.Dev", "iam:CreateUser", "*", None),
    ("boundary_block", "world", "A.Capped", "s3:GetObject", "A.logs/x", None),
    ("conditional", "world", "A.Remote", "s3:GetObject", "A.logs/x", None),
    ("partial_verb", "world", "A.Reader", "read", "A.logs", None),
    ("kms_caveat", "world", "A.App", "decrypt", "A.key", None),
    ("anonymous", "world", "anonymous", "s3:GetObject", "A.site/index.html", None),
    ("service", "world", "service sns.amazonaws.com", "sqs:SendMessage", "A.queue", None),
    ("root_user", "world", "B.root", "s3:GetObject", "A.logs/x", None),
    ("companion", "world", "B.Ci", "sts:AssumeRole", "A.Deployer", {"aws:TagKeys": ["team"]}),
    ("context_given_and_absent", "world", "A.Remote", "s3:GetObject", "A.logs/x", {"aws:sourceip": "10.1.2.3", "aws:MultiFactorAuthPresent": None}),
]


@pytest.mark.parametrize(("fixture", "who", "action", "resource", "context"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_output_validates_against_the_schema(request, ask, validator, fixture, who, action, resource, context) -> None:
    model = request.getfixturevalue(fixture)
    out = decision_to_json(ask(model, who, action, resource, context), model)
    errors = sorted(validator.iter_errors(out), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert json.loads(json.dumps(out)) == out  # plain JSON values only


def test_the_schema_is_strict(ecr, ask, validator) -> None:
    """The schema would catch a renamed field or an outcome outside design.md §2."""
    out = decision_to_json(ask(ecr, "B.OtherRole", "pull", "A.repo"), ecr)
    wrong_outcome = copy.deepcopy(out)
    wrong_outcome["outcome"] = "denied"
    unknown_field = copy.deepcopy(out)
    unknown_field["decisions"][0]["path"]["edges"][0]["colour"] = "red"
    wrong_version = copy.deepcopy(out)
    wrong_version["schema"] = "iamdsl/decision/v2"
    for broken in (wrong_outcome, unknown_field, wrong_version):
        assert not validator.is_valid(broken)


def test_guide_denied_in_json(ecr, ask) -> None:
    out = decision_to_json(ask(ecr, "B.OtherRole", "pull", "A.repo"), ecr)
    assert out["schema"] == SCHEMA == "iamdsl/decision/v1"
    assert out["outcome"] == "implicit_deny"
    assert out["display"] == "DENIED (implicit)"
    assert out["reasons"] == ["implicit"]
    principal = out["request"]["principal"]
    assert (principal["name"], principal["principal_arn"]) == ("B.OtherRole", "arn:aws:iam::222222222222:role/OtherRole")
    assert principal["account"] == {"name": "B", "id": "222222222222"}
    assert out["request"]["resource"] == {"name": "A.repo", "arn": "arn:aws:ecr:us-east-1:111111111111:repository/app"}
    assert out["request"]["verb"] == "pull"
    assert out["request"]["actions"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:GetAuthorizationToken"]
    first = out["decisions"][0]
    assert first["reason"] == "a cross-account request from B to A needs both sides"
    assert (first["cross_account"], first["missing_side"], first["blocked_by"]) == (True, "identity", ["identity"])
    assert first["grant_classes"] == ["account"]
    assert first["path"]["text"] == "A.repo --Allow--> B.root --x--> B.OtherRole"
    assert [(e["from"], e["kind"], e["to"], e["state"]) for e in first["path"]["edges"]] == [
        ("A.repo", "Allow", "B.root", "present"),
        ("B.root", "Delegate", "B.OtherRole", "missing"),
    ]
    (resource,) = [layer for layer in first["layers"] if layer["layer"] == "resource"]
    (statement,) = resource["statements"]
    assert (statement["file"], statement["line"], statement["column"]) == ("ecr_delegation.iam", 15, 5)
    assert (statement["applies"], statement["grant"], statement["effect"]) == ("true", "account", "Allow")


def test_explicit_deny_in_json_points_at_the_statement(world, ask, world_text, where) -> None:
    out = decision_to_json(ask(world, "A.Dev", "s3:DeleteBucket", "A.logs"), world)
    (decision,) = out["decisions"]
    assert out["outcome"] == "explicit_deny" and out["reasons"] == ["explicit"]
    denies = [st for layer in decision["layers"] for st in layer["statements"] if st["effect"] == "Deny" and st["applies"] == "true"]
    (deny,) = denies
    assert deny["sid"] == "NoBucketDeletes"
    assert f"{deny['file']}:{deny['line']}" == where(world_text, 'sid "NoBucketDeletes"', "explain.iam")
    assert decision["path"]["cuts"] == [{
        "layer": "identity", "what": "a Deny in A.Dev's identity policy", "explicit": True, "conditional": False,
        "location": f"{deny['file']}:{deny['line']}",
    }]


def test_conditional_in_json_carries_the_residual_in_iam_form(world, ask) -> None:
    out = decision_to_json(ask(world, "A.Remote", "s3:GetObject", "A.logs/x"), world)
    (decision,) = out["decisions"]
    assert out["outcome"] == "conditional"
    (allow,) = decision["conditions"]["allow"]
    assert allow["iam"] == {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    assert allow["words"] == "aws:SourceIp is in 10.0.0.0/8"
    (deny,) = decision["conditions"]["deny"]
    assert deny["iam"] == {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    assert deny["negated_words"] == "aws:MultiFactorAuthPresent is not false"
    unknown = [st for layer in decision["layers"] for st in layer["statements"] if st["applies"] == "unknown"]
    assert [st["residual"][0]["iam"] for st in unknown] == [allow["iam"], deny["iam"]]


def test_partial_verb_in_json(world, ask) -> None:
    out = decision_to_json(ask(world, "A.Reader", "read", "A.logs"), world)
    assert out["outcome"] == "partial"
    assert out["allowed_actions"] == ["s3:GetObject"]
    assert out["denied_actions"] == ["s3:ListBucket"]
    assert [(d["action"], d["resource"]["name"], d["outcome"]) for d in out["decisions"]] == [
        ("s3:GetObject", "A.logs/*", "allowed"),
        ("s3:ListBucket", "A.logs", "implicit_deny"),
    ]
    assert out["request"]["resource"]["name"] == "A.logs"


def test_caveats_once_per_answer_and_per_action(world, ask) -> None:
    out = decision_to_json(ask(world, "A.App", "decrypt", "A.key"), world)
    assert out["caveats"] == ["not modelled: KMS grants; assumed: none"]
    assert all(d["caveats"] == out["caveats"] for d in out["decisions"])


def test_context_is_reported_as_given(world, ask) -> None:
    out = decision_to_json(ask(world, "A.Remote", "s3:GetObject", "A.logs/x", {"aws:sourceip": "10.1.2.3", "aws:MultiFactorAuthPresent": None}), world)
    assert out["request"]["context"] == {"aws:SourceIp": ["10.1.2.3"], "aws:MultiFactorAuthPresent": None}


def test_companion_request_in_json(world, ask) -> None:
    out = decision_to_json(ask(world, "B.Ci", "sts:AssumeRole", "A.Deployer", {"aws:TagKeys": ["team"]}), world)
    (decision,) = out["decisions"]
    (companion,) = decision["also_needed"]
    assert (companion["action"], companion["outcome"], companion["missing_side"]) == ("sts:TagSession", "implicit_deny", "identity")


def test_root_user_and_callers_without_identity(world, ask) -> None:
    root = decision_to_json(ask(world, "B.root", "s3:GetObject", "A.logs/x"), world)
    assert root["request"]["principal"]["name"] == "B.root (root user)"
    assert root["request"]["principal"]["kind"] == "root"
    anonymous = decision_to_json(ask(world, "anonymous", "s3:GetObject", "A.site/index.html"), world)
    assert anonymous["request"]["principal"] == {
        "name": "anonymous", "kind": "anonymous", "arn": None, "principal_arn": None, "account": None, "session": None,
    }
    assert anonymous["decisions"][0]["path"]["text"] == "A.site --Allow--> anonymous"
