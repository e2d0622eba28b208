"""`iamdsl check` runs the expect lines: exit codes, located failures, JSON (design.md §2, §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamdsl.cli import main

DESIGN = """\
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "app" {
    allow pull to account B
}
role B.SomeRole { allow pull on A.repo }
role B.OtherRole
"""


def _check(tmp_path: Path, text: str, *args: str) -> int:
    path = tmp_path / "design.iam"
    path.write_text(text, encoding="utf-8")
    return main(["check", "--no-cache", *args, str(path)])


def test_all_expectations_pass_exits_0(tmp_path, capsys):
    text = DESIGN + "expect can B.SomeRole pull A.repo\nexpect cannot B.OtherRole pull A.repo because implicit\n"
    assert _check(tmp_path, text) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_a_failed_expectation_exits_1_with_a_caret_at_its_line(tmp_path, capsys):
    text = DESIGN + "expect can B.OtherRole pull A.repo\n"
    assert _check(tmp_path, text) == 1
    out = capsys.readouterr().out
    assert "design.iam:8:1: error[T001]: expectation failed: expect can B.OtherRole pull A.repo" in out
    assert " 8 | expect can B.OtherRole pull A.repo" in out
    assert "^^^^" in out
    assert "DENIED (implicit)" in out
    assert "0 passed, 1 failed" in out


def test_because_checks_the_reason(tmp_path, capsys):
    text = DESIGN + "expect cannot B.OtherRole pull A.repo because explicit\n"
    assert _check(tmp_path, text) == 1
    assert "not because explicit" in capsys.readouterr().out


@pytest.mark.parametrize("modal", ["can", "cannot"])
def test_conditional_answers_fail_both_forms(tmp_path, capsys, modal):
    """E78 as a spec: an unknown aws:SourceIp makes both `can` and `cannot` fail."""
    text = (
        "account A 111111111111\n"
        'resource A.b : s3:bucket "b"\n'
        'role A.R { allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8 }\n'
        f"expect {modal} A.R s3:GetObject A.b/\"x\"\n"
    )
    assert _check(tmp_path, text) == 1
    assert "CONDITIONAL" in capsys.readouterr().out


def test_given_context_decides_the_conditional_case(tmp_path):
    text = (
        "account A 111111111111\n"
        'resource A.b : s3:bucket "b"\n'
        'role A.R { allow s3:GetObject on A.b/* when aws:SourceIp in 10.0.0.0/8 }\n'
        'expect can A.R s3:GetObject A.b/"x" with aws:SourceIp = 10.1.2.3\n'
        'expect cannot A.R s3:GetObject A.b/"x" with aws:SourceIp = 192.0.2.1\n'
        'expect cannot A.R s3:GetObject A.b/"x" with no aws:SourceIp\n'
    )
    assert _check(tmp_path, text) == 0


def test_json_output_lists_each_expectation(tmp_path, capsys):
    text = DESIGN + "expect can B.SomeRole pull A.repo\nexpect can B.OtherRole pull A.repo\n"
    assert _check(tmp_path, text, "--format", "json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["failed"] == 1 and document["summary"]["passed"] == 1
    statuses = [(e["line"], e["status"], e["outcome"]) for e in document["expectations"]]
    assert statuses == [(8, "pass", "allowed"), (9, "fail", "implicit_deny")]


def test_now_flag_fixes_the_current_time(tmp_path):
    text = (
        "account A 111111111111\n"
        'resource A.b : s3:bucket "b"\n'
        'role A.R { allow s3:GetObject on A.b/* when aws:CurrentTime before "2026-06-01T00:00:00Z" }\n'
        'expect can A.R s3:GetObject A.b/"x"\n'
    )
    assert _check(tmp_path, text) == 1  # unknown time: CONDITIONAL
    assert _check(tmp_path, text, "--now", "2026-01-01T00:00:00Z") == 0
    assert _check(tmp_path, text, "--now", "2026-12-01T00:00:00Z") == 1


def test_model_now_fixes_the_current_time(tmp_path):
    text = (
        'now "2026-01-01T00:00:00Z"\n'
        "account A 111111111111\n"
        'resource A.b : s3:bucket "b"\n'
        'role A.R { allow s3:GetObject on A.b/* when aws:CurrentTime before "2026-06-01T00:00:00Z" }\n'
        'expect can A.R s3:GetObject A.b/"x"\n'
    )
    assert _check(tmp_path, text) == 0


def test_bad_now_flag_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        _check(tmp_path, DESIGN, "--now", "yesterday")
    assert exit_info.value.code == 2


ONLY = """\
account A 111111111111
account B 222222222222
account C 333333333333 external
resource A.repo : ecr:repository "app" { allow pull to account B }
resource A.img : ecr:repository "img" { allow pull to account C }
resource A.pub : ecr:repository "pub" { allow ecr:BatchGetImage to anyone }
role B.SomeRole { allow pull on A.repo }
role B.OtherRole
"""


@pytest.mark.parametrize(
    ("line", "passes"),
    [
        ("expect only {B.SomeRole} can pull A.repo except roots", True),
        ("expect only {B.SomeRole, A.root, B.root} can pull A.repo", True),
        ("expect only {B.SomeRole} can pull A.repo", False),  # the roots of A and B can too
        ("expect only {} can pull A.repo except roots", False),
        ("expect only {B.SomeRole, B.OtherRole} can pull A.repo except roots", False),  # OtherRole cannot
        ("expect only {} can pull A.img except roots", False),  # any principal of the open account C
        ("expect only {} can ecr:BatchGetImage A.pub except roots", False),  # anyone, anonymous included
    ],
    ids=["exact", "roots-named", "roots-missing", "someone-missing", "listed-but-cannot", "open-account", "anyone"],
)
def test_expect_only_names_exactly_who_can(tmp_path, line, passes):
    assert _check(tmp_path, ONLY + line + "\n") == (0 if passes else 1)


def test_expect_only_failure_names_the_open_account(tmp_path, capsys):
    assert _check(tmp_path, ONLY + "expect only {} can pull A.img except roots\n") == 1
    assert "any principal of account C (open: its IAM policies are unknown) can too" in capsys.readouterr().out


def test_a_failure_shows_the_explanation_and_the_fix(tmp_path, capsys):
    assert _check(tmp_path, DESIGN + "expect can B.OtherRole pull A.repo\n") == 1
    out = capsys.readouterr().out
    assert "✗ no identity policy of B.OtherRole allows" in out
    assert "B.root --x--> B.OtherRole" in out
    assert "fix (in account B): role B.OtherRole { allow pull on A.repo }" in out


def test_expect_only_with_an_org_grant_is_symbolic(tmp_path, capsys):
    text = (
        "account A 111111111111\n"
        'resource A.b : s3:bucket "b" { allow s3:GetObject on self/* to anyone when aws:PrincipalOrgID == "o-abc1234567" }\n'
        'expect only {} can s3:GetObject A.b/"x" except roots\n'
    )
    assert _check(tmp_path, text) == 1
    assert "any principal in org o-abc1234567 (outside the model) can too: ALLOWED" in capsys.readouterr().out


SYMBOLIC = """\
account A 111111111111
account B 222222222222
account C 333333333333 external
resource A.img : ecr:repository "img" { allow ecr:BatchGetImage to account C }
resource A.pub : ecr:repository "pub" { allow ecr:BatchGetImage to anyone }
resource A.org : ecr:repository "org" { allow ecr:BatchGetImage to anyone when aws:PrincipalOrgID == "o-abc1234567" }
role B.Builder
"""


@pytest.mark.parametrize(
    ("line", "passes"),
    [
        ("expect only {account C} can ecr:BatchGetImage A.img except roots", True),
        ("expect only {account 333333333333} can ecr:BatchGetImage A.img except roots", True),
        ("expect only {} can ecr:BatchGetImage A.img except roots", False),
        ("expect only {anyone} can ecr:BatchGetImage A.pub except roots", True),
        ("expect only {anonymous} can ecr:BatchGetImage A.pub except roots", False),  # principals of other accounts too
        ("expect only {organization o-abc1234567} can ecr:BatchGetImage A.org except roots", True),
        ("expect only {anyone} can ecr:BatchGetImage A.img except roots", False),  # listed, but nothing grants anyone
    ],
    ids=["open-account-by-name", "open-account-by-id", "open-account-missing", "anyone", "anonymous-is-not-enough",
         "organization", "anyone-not-granted"],
)
def test_expect_only_can_name_symbolic_principals(tmp_path, line, passes):
    """Issue 4 item 7: the failure says which symbolic principals are missing, and the list can name them."""
    assert _check(tmp_path, SYMBOLIC + line + "\n") == (0 if passes else 1)


def test_account_of_a_modelled_account_is_not_symbolic(tmp_path, capsys):
    assert _check(tmp_path, SYMBOLIC + "expect only {account B} can ecr:BatchGetImage A.img except roots\n") == 2
    assert "account `B` is modelled, so its principals are named one by one" in capsys.readouterr().err
