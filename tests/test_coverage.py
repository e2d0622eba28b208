"""Statement coverage of expectations: decisive, matched, unexercised (issue 7, item 3; docs/specs.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamdsl
from iamdsl.cli import main
from iamdsl.engine.evaluate import Evaluator
from iamdsl.specs.coverage import Coverage, measure, render_text, to_json
from iamdsl.specs.expectations import run_all

ROOT = Path(__file__).resolve().parents[1]


def _statuses(text: str) -> dict[int, str]:
    """The coverage status of each statement, by the line it starts on."""
    model = iamdsl.loads(text, "cov.iam")
    report = measure(model, run_all(model, Evaluator(model), traced=True))
    return {unit.span.line: unit.status.value for unit in report.statements}


ACCOUNTS = "account A 111111111111\naccount B 222222222222\n"

# Each case: a model whose statement on line N has the expected status (line numbers count from 1).
CASES = {
    # one account: the identity Allow decides; a bucket-policy grant to the account as a whole does not
    "same-account-identity": (
        ACCOUNTS
        + 'resource A.b : s3:bucket "b" {\n'
        + "    allow s3:GetObject on self/* to account A\n"  # 4
        + "}\n"
        + "role A.R { allow s3:GetObject on A.b/* }\n"  # 6
        + 'expect can A.R s3:GetObject A.b/"k"\n',
        {4: "matched", 6: "decisive"},
    ),
    # one account: a bucket policy naming the role is enough alone; the identity Allow applied too
    "same-account-direct-grant": (
        ACCOUNTS
        + 'resource A.b : s3:bucket "b" {\n'
        + "    allow s3:GetObject on self/* to A.R\n"  # 4
        + "}\n"
        + "role A.R { allow s3:GetObject on A.b/* }\n"  # 6
        + 'expect can A.R s3:GetObject A.b/"k"\n',
        {4: "decisive", 6: "matched"},
    ),
    # across accounts both sides decide
    "cross-account": (
        ACCOUNTS
        + 'resource A.repo : ecr:repository "app" {\n'
        + "    allow pull to account B\n"  # 4
        + "}\n"
        + "role B.R { allow pull on A.repo }\n"  # 6
        + "role B.S { allow push on A.repo }\n"  # 7
        + "expect can B.R pull A.repo\n",
        {4: "decisive", 6: "decisive", 7: "unexercised"},
    ),
    # an explicit deny: the Deny decides, the Allow it overrides only applied
    "explicit-deny": (
        ACCOUNTS
        + 'resource A.b : s3:bucket "b"\n'
        + "role A.R {\n"
        + "    allow s3:* on A.b/*\n"  # 5
        + "    deny s3:DeleteObject on A.b/*\n"  # 6
        + "}\n"
        + 'expect cannot A.R s3:DeleteObject A.b/"k" because explicit\n',
        {5: "matched", 6: "decisive"},
    ),
    # an implicit deny on `cannot`: nothing decides; the half of the edge that exists is matched
    "implicit-deny": (
        ACCOUNTS
        + 'resource A.repo : ecr:repository "app" {\n'
        + "    allow pull to account B\n"  # 4
        + "}\n"
        + "role B.R\n"
        + "expect cannot B.R pull A.repo because implicit\n",
        {4: "matched"},
    ),
    # KMS: the key policy must allow even within the account (R60), so its account statement decides
    "kms-key-policy": (
        ACCOUNTS
        + 'resource A.key : kms:key "k1" {\n'
        + "    allow kms:* to account A\n"  # 4
        + "}\n"
        + "role A.R { allow kms:Decrypt on A.key }\n"  # 6
        + "expect can A.R kms:Decrypt A.key\n",
        {4: "decisive", 6: "decisive"},
    ),
    # an answer that depends on unknown context decides nothing: the statement is matched
    "conditional": (
        ACCOUNTS
        + 'resource A.b : s3:bucket "b"\n'
        + "role A.R { allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8 }\n"  # 4
        + 'expect can A.R s3:GetObject A.b/"k"\n',
        {4: "matched"},
    ),
    # `only` asks every principal: the listed one's grant decides
    "only": (
        ACCOUNTS
        + 'resource A.repo : ecr:repository "app" {\n'
        + "    allow pull to B.R\n"  # 4
        + "}\n"
        + "role B.R { allow pull on A.repo }\n"  # 6
        + "role B.S { allow s3:ListAllMyBuckets }\n"  # 7
        + "expect only {B.R} can pull A.repo except roots\n",
        {4: "decisive", 6: "decisive", 7: "unexercised"},
    ),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_statement_status(text: str, expected: dict[int, str]) -> None:
    assert _statuses(text) == expected


def test_a_verb_that_splits_counts_once_by_its_span() -> None:
    text = ACCOUNTS + 'resource A.repo : ecr:repository "app"\nrole A.R { allow pull on A.repo }\nexpect can A.R pull A.repo\n'
    model = iamdsl.loads(text, "cov.iam")
    assert model.statement_count() == 2  # the repository actions, and ecr:GetAuthorizationToken on *
    report = measure(model, run_all(model, traced=True))
    assert [(u.span.line, u.status) for u in report.statements] == [(4, Coverage.DECISIVE)]
    assert report.iam_statements == 2


def test_a_delegate_line_is_one_statement_in_two_policies() -> None:
    text = ACCOUNTS + 'resource A.repo : ecr:repository "app"\nrole B.R\ndelegate pull on A.repo to B.R\nexpect can B.R pull A.repo\n'
    model = iamdsl.loads(text, "cov.iam")
    report = measure(model, run_all(model, traced=True))
    assert len(report.statements) == 1
    assert report.statements[0].status is Coverage.DECISIVE
    assert sorted(report.statements[0].policies) == ["A.repo:policy", "B.R:inline"]


def test_scps_decide_and_builtin_policies_are_left_out() -> None:
    model = iamdsl.load(ROOT / "examples" / "organization_scp_rcp.iam")
    report = measure(model, run_all(model, traced=True))
    by_line = {u.span.line: u for u in report.statements}
    assert by_line[53].status is Coverage.DECISIVE  # SandboxAllowList: the sandbox's allow-list SCP
    assert by_line[60].status is Coverage.DECISIVE  # the RCP that denies the auditor
    assert all(u.span is not None for u in report.statements)
    assert not any("FullAWSAccess" in label for u in report.statements for label in u.policies)


def test_percentages_and_json() -> None:
    text = ACCOUNTS + CASES["cross-account"][0].split(ACCOUNTS, 1)[1]
    model = iamdsl.loads(text, "cov.iam")
    report = measure(model, run_all(model, traced=True))
    document = to_json(report)
    assert (document["statements"], document["decisive"], document["matched"], document["unexercised"]) == (3, 2, 0, 1)
    assert document["percent"] == {"decisive": 66.7, "matched": 0.0, "unexercised": 33.3}
    assert [s["status"] for s in document["by_statement"]] == ["decisive", "decisive", "unexercised"]
    assert document["by_statement"][2]["policies"] == ["B.S:inline"]
    text_report = render_text(report, {"cov.iam": text})
    assert "  decisive          2   66.7%" in text_report
    assert "unexercised  B.S:inline                   allow push on A.repo" in text_report
    assert "allow pull on A.repo" not in text_report  # decisive lines only with verbose
    assert "allow pull on A.repo" in render_text(report, {"cov.iam": text}, verbose=True)


def test_an_empty_model_is_fully_covered() -> None:
    report = measure(iamdsl.loads("account A 111111111111\n", "e.iam"), [])
    assert report.statements == [] and report.decisive_percent == 100.0


# ------------------------------------------------------------------ the command


def _check(tmp_path: Path, *args: str) -> int:
    path = tmp_path / "cov.iam"
    path.write_text(CASES["cross-account"][0], encoding="utf-8")
    return main(["check", "--no-cache", *args, str(path)])


@pytest.mark.parametrize(
    ("threshold", "code"), [("60", 0), ("66.6", 0), ("66.7", 1), ("100", 1)], ids=["60", "66.6", "66.7", "100"]
)
def test_threshold_fails_below_decisive_coverage(tmp_path, capsys, threshold, code):
    assert _check(tmp_path, "--threshold", threshold) == code
    out = capsys.readouterr().out
    assert "coverage: 3 statements as written" in out  # --threshold implies --coverage
    assert ("is below the threshold" in out) == bool(code)


def test_coverage_in_the_json_output(tmp_path, capsys):
    assert _check(tmp_path, "--coverage", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["coverage"]["decisive"] == 2 and document["coverage"]["unexercised"] == 1


@pytest.mark.parametrize("value", ["x", "101", "-1"], ids=["word", "above-100", "negative"])
def test_a_bad_threshold_is_a_usage_error(tmp_path, value):
    with pytest.raises(SystemExit) as exit_info:
        _check(tmp_path, "--threshold", value)
    assert exit_info.value.code == 2


EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_traced_run_coverage_needs_decides_like_the_quick_one(path: Path) -> None:
    model = iamdsl.load(path)
    quick, traced = run_all(model), run_all(model, traced=True)
    assert [(r.status, r.message) for r in quick] == [(r.status, r.message) for r in traced]
    assert any(d.trace.layers for r in traced if r.decision for d in r.decision.decisions)


def test_a_request_asked_twice_is_decided_once() -> None:
    text = ACCOUNTS + (
        'resource A.repo : ecr:repository "app"\n'
        "role A.R { allow pull on A.repo }\n"
        "expect can A.R pull A.repo\n"
        "expect can A.R ecr:GetAuthorizationToken *\n"
        'expect can A.R pull A.repo with aws:SourceIp = 10.0.0.1\n'
    )
    model = iamdsl.loads(text, "twice.iam")
    asked = []

    class Counting(Evaluator):
        def evaluate(self, request, *, trace=True):
            asked.append((request.action, request.resource, trace))
            return super().evaluate(request, trace=trace)

    results = run_all(model, Counting(model))
    assert [r.status.value for r in results] == ["pass", "pass", "pass"]
    token = [a for a in asked if a[0] == "ecr:GetAuthorizationToken"]
    assert len(token) == 2  # once for the first two lines; again under the third line's other context
