"""`iamdsl check` in CI: per-file summaries, -v, --fail-on-empty, JSON and JUnit (issue 7, item 1)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
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
include "specs.iam"
expect can B.SomeRole pull A.repo
"""

SPECS = """\
expect cannot B.OtherRole pull A.repo
expect can B.OtherRole pull A.repo
"""


def _write(tmp_path: Path, main_text: str = DESIGN, specs: str = SPECS) -> Path:
    (tmp_path / "specs.iam").write_text(specs, encoding="utf-8")
    path = tmp_path / "design.iam"
    path.write_text(main_text, encoding="utf-8")
    return path


def _run(*args: str) -> int:
    return main(["check", "--no-cache", *args])


def test_text_summarises_each_file_then_the_total(tmp_path, capsys):
    path = _write(tmp_path)
    assert _run(str(path)) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-3] == f"{path}: 1 passed, 0 failed"
    assert lines[-2] == f"{tmp_path / 'specs.iam'}: 1 passed, 1 failed"
    assert lines[-1] == "total: 2 accounts, 2 principals, 1 resource, 3 statements; 3 expectations: 2 passed, 1 failed"


def test_failures_only_by_default_and_passes_with_verbose(tmp_path, capsys):
    path = _write(tmp_path)
    _run(str(path))
    quiet = capsys.readouterr().out
    assert "pass:" not in quiet
    assert "expectation failed: expect can B.OtherRole pull A.repo" in quiet
    _run("-v", str(path))
    verbose = capsys.readouterr().out
    assert f"{path}:9:1: pass: expect can B.SomeRole pull A.repo (ALLOWED)" in verbose
    assert f"{tmp_path / 'specs.iam'}:1:1: pass: expect cannot B.OtherRole pull A.repo" in verbose
    assert "expectation failed: expect can B.OtherRole pull A.repo" in verbose


@pytest.mark.parametrize(
    ("flags", "code"),
    [((), 0), (("--fail-on-empty",), 1), (("--fail-on-empty", "--format", "json"), 1)],
    ids=["allowed-by-default", "fail-on-empty", "fail-on-empty-json"],
)
def test_no_expectations(tmp_path, capsys, flags, code):
    path = tmp_path / "empty.iam"
    path.write_text("account A 111111111111\nrole A.R\n", encoding="utf-8")
    assert _run(*flags, str(path)) == code
    out = capsys.readouterr().out
    if "json" in flags:
        assert json.loads(out)["problems"] == ["no expectations, and --fail-on-empty asks for some"]
    else:
        assert out.strip().splitlines()[-1].endswith("; no expectations")
        assert ("--fail-on-empty asks for some" in out) == bool(flags)


def test_fail_on_empty_passes_when_there_are_expectations(tmp_path):
    path = _write(tmp_path, specs="expect cannot B.OtherRole pull A.repo\n")
    assert _run("--fail-on-empty", str(path)) == 0


def test_json_has_the_per_file_summary_and_the_failed_decision(tmp_path, capsys):
    path = _write(tmp_path)
    assert _run("--format", "json", str(path)) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["by_file"] == [
        {"file": str(path), "expectations": 1, "passed": 1, "failed": 0},
        {"file": str(tmp_path / "specs.iam"), "expectations": 2, "passed": 1, "failed": 1},
    ]
    failed = [e for e in document["expectations"] if e["status"] == "fail"]
    assert [e["line"] for e in failed] == [2]
    assert failed[0]["decision"]["outcome"] == "implicit_deny"
    assert all("decision" not in e for e in document["expectations"] if e["status"] == "pass")
    assert document["problems"] == [] and "coverage" not in document


# ------------------------------------------------------------------ JUnit


def _junit(tmp_path: Path, capsys, *extra: str) -> tuple[int, ET.Element, str]:
    path = _write(tmp_path)
    code = _run("--format", "junit", *extra, str(path))
    captured = capsys.readouterr()
    assert captured.out.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    return code, ET.fromstring(captured.out.split("\n", 1)[1]), captured.err


def test_junit_has_one_suite_per_file_and_one_case_per_expect_line(tmp_path, capsys):
    code, root, _ = _junit(tmp_path, capsys)
    assert code == 1
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(tmp_path / "design.iam"), str(tmp_path / "specs.iam")]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("1", "0"), ("2", "1")]
    cases = [(c.get("classname"), c.get("name"), c.get("line")) for s in suites for c in s.findall("testcase")]
    assert cases == [
        (str(tmp_path / "design.iam"), "9: expect can B.SomeRole pull A.repo", "9"),
        (str(tmp_path / "specs.iam"), "1: expect cannot B.OtherRole pull A.repo", "1"),
        (str(tmp_path / "specs.iam"), "2: expect can B.OtherRole pull A.repo", "2"),
    ]
    assert all(len(c) == 0 for c in suites[0].findall("testcase"))  # a pass has no child element


def test_junit_failure_holds_the_message_the_explanation_and_the_fix(tmp_path, capsys):
    _, root, _ = _junit(tmp_path, capsys)
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == 1
    failure = failures[0]
    assert failure.get("message").startswith("expected ALLOWED, got DENIED (implicit)")
    assert failure.get("type") == "T001"
    assert "expectation failed: expect can B.OtherRole pull A.repo" in failure.text
    assert "✗ no identity policy of B.OtherRole allows" in failure.text
    assert "fix (in account B): role B.OtherRole { allow pull on A.repo }" in failure.text


def test_junit_puts_coverage_and_problems_on_stderr(tmp_path, capsys):
    code, root, err = _junit(tmp_path, capsys, "--threshold", "100")
    assert code == 1
    assert root.tag == "testsuites"
    assert err.startswith("coverage: 2 statements as written")
    assert "decisive coverage 100.0% is below" not in err  # both statements decided something


def test_junit_with_invalid_input_reports_text_errors_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.iam"
    path.write_text("account A 111111111111\nrole A.R { allow s3:GetObject on A.nope }\n", encoding="utf-8")
    assert _run("--format", "junit", str(path)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.iam:2:34: error[E010]: unknown resource `A.nope`" in captured.err


def test_the_example_writes_a_passing_junit_report(capsys):
    example = Path(__file__).resolve().parents[1] / "examples" / "ecr_delegation.iam"
    assert _run("--format", "junit", str(example)) == 0
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    assert root.get("tests") == "3" and root.get("failures") == "0"
    assert root.findall(".//failure") == []
