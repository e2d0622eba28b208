"""`iamdsl query FILE… QUERY`: answers, explanations, fixes, JSON and exit codes (design.md §3, §4)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from iamdsl.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLE = str(ROOT / "examples" / "ecr_delegation.iam")
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "decision.v1.json").read_text(encoding="utf-8"))

CONDITIONAL = """\
account A 111111111111
resource A.b : s3:bucket "b"
role A.R { allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8 }
role A.P { allow s3:GetObject on A.b/* }
"""


def _query(*args: str) -> int:
    return main(["query", "--no-cache", *args])


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("can B.SomeRole pull A.repo", 0),
        ("can B.SomeRole pull A.repo?", 0),
        ("can B.OtherRole pull A.repo", 1),
        ("who can pull A.repo", 0),
        ("what can B.SomeRole do on A.repo", 0),
        ("can B.Nobody pull A.repo", 2),
        ("can B.SomeRole pull A.repo with", 2),
        ("how can B.SomeRole reach A.repo", 0),
    ],
    ids=["allowed", "trailing-question-mark", "denied", "who", "what", "unknown-name", "syntax-error", "how"],
)
def test_exit_codes(query, code):
    assert _query(EXAMPLE, query) == code


def test_conditional_and_partial_exit_3(tmp_path, capsys):
    path = tmp_path / "c.iam"
    path.write_text(CONDITIONAL, encoding="utf-8")
    assert _query(str(path), 'can A.R s3:GetObject A.b/"x"') == 3
    out = capsys.readouterr().out
    assert out.startswith("CONDITIONAL")
    assert "aws:SourceIp" in out and "10.0.0.0/8" in out
    assert _query(str(path), 'can A.R s3:GetObject A.b/"x" with aws:SourceIp = 10.1.2.3') == 0
    assert _query(str(path), 'can A.R s3:GetObject A.b/"x" with no aws:SourceIp') == 1
    assert _query(str(path), "can A.P read A.b") == 3  # GetObject yes, ListBucket no
    assert "PARTIAL" in capsys.readouterr().out


def test_denied_answer_explains_and_offers_the_fix(capsys):
    assert _query(EXAMPLE, "can B.OtherRole ecr:BatchGetImage A.repo") == 1
    out = capsys.readouterr().out
    assert "DENIED (implicit)" in out
    assert "path: A.repo --Allow--> B.root --x--> B.OtherRole" in out
    assert "fix (in account B): role B.OtherRole { allow ecr:BatchGetImage on A.repo }" in out


def test_session_policy_in_a_query_limits_the_session(capsys):
    assert _query(EXAMPLE, 'can B.SomeRole ecr:BatchGetImage A.repo as session "ci" { allow s3:* }') == 1
    assert "session" in capsys.readouterr().out


def test_json_answer_follows_the_versioned_schema(capsys):
    assert _query(EXAMPLE, "can B.OtherRole pull A.repo", "--format", "json") == 1
    document = json.loads(capsys.readouterr().out)
    fixes = document.pop("fixes")
    assert document.pop("reachable_through") == []  # no path of roles leads B.OtherRole to the repository either
    jsonschema.validate(document, SCHEMA)
    assert document["schema"] == "iamdsl/decision/v1"
    assert document["outcome"] == "implicit_deny"
    assert fixes[0]["kind"] == "grant" and fixes[0]["account"] == "B"


def test_who_can_lists_principals_and_symbolic_ones(tmp_path, capsys):
    path = tmp_path / "w.iam"
    path.write_text(
        "account A 111111111111\naccount C 333333333333 external\n"
        'resource A.repo : ecr:repository "app" { allow pull to account C }\n',
        encoding="utf-8",
    )
    assert _query(str(path), "who can pull A.repo", "--format", "json") == 0
    labels = [p["label"] for p in json.loads(capsys.readouterr().out)["principals"]]
    assert "any principal of account C (open: its IAM policies are unknown)" in labels
    assert "A.root (root user)" in labels


def test_query_needs_files_and_a_query(capsys):
    assert _query("can B.SomeRole pull A.repo") == 2
    assert "give the .iam files and then the query" in capsys.readouterr().err


def test_unknown_name_in_a_query_is_located_with_a_suggestion(capsys):
    assert _query(EXAMPLE, "can B.SomRole pull A.repo") == 2
    err = capsys.readouterr().err
    assert "<query>:1:5: error[E010]: unknown principal `B.SomRole`" in err
    assert "did you mean `B.SomeRole`?" in err


def test_an_unknown_resource_owner_is_not_guessed(capsys):
    """Same- or cross-account decides differently (R61, R62): the tool says it cannot know."""
    assert _query(EXAMPLE, 'can B.SomeRole s3:GetObject "arn:aws:s3:::unknown/x"') == 2
    err = capsys.readouterr().err
    assert "<query>:1:1: error[E000]: not supported: the account that owns `arn:aws:s3:::unknown/x` is not known" in err
