"""The pytest plugin: `expect` lines of `.iam` files as test items (issue 7, item 2)."""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

DESIGN = """\
account A 111111111111
account B 222222222222
resource A.repo : ecr:repository "app" {
    allow pull to account B
}
role B.SomeRole { allow pull on A.repo }
role B.OtherRole
expect can B.SomeRole pull A.repo
expect cannot B.OtherRole pull A.repo
expect can B.OtherRole pull A.repo
"""


def test_the_plugin_is_declared_and_installed() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"] == {"iamdsl": "iamdsl.specs.pytest_plugin"}
    installed = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert installed.get("iamdsl") == "iamdsl.specs.pytest_plugin", "reinstall iamdsl (pip install -e .) to register it"


def test_without_the_option_iam_files_are_not_collected(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN)
    result = pytester.runpytest()
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_each_expect_line_is_an_item_named_by_file_line_and_text(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN)
    result = pytester.runpytest("--iamdsl", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "design.iam::8: expect can B.SomeRole pull A.repo",
            "design.iam::9: expect cannot B.OtherRole pull A.repo",
            "design.iam::10: expect can B.OtherRole pull A.repo",
        ]
    )


def test_a_failing_item_reports_the_explanation_and_the_fix(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN)
    result = pytester.runpytest("--iamdsl", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "design.iam::8: expect can B.SomeRole pull A.repo PASSED*",
            "design.iam::10: expect can B.OtherRole pull A.repo FAILED*",
            "*_ design.iam:10: expect can B.OtherRole pull A.repo _*",
            "*design.iam:10:1: error?T001?: expectation failed: expect can B.OtherRole pull A.repo",
            "note: expected ALLOWED, got DENIED (implicit)*",
            "*✗ no identity policy of B.OtherRole allows*",
            "*path: A.repo --Allow--> B.root --x--> B.OtherRole",
            "*fix (in account B): role B.OtherRole { allow pull on A.repo }",
        ]
    )


def test_the_ini_option_turns_it_on(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN)
    pytester.makeini("[pytest]\niamdsl = true\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)


def test_explain_full_shows_more(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN)
    result = pytester.runpytest("--iamdsl", "--iamdsl-explain", "full")
    result.stdout.fnmatch_lines(["*✓ A.repo's resource policy allows*"])


def test_an_included_file_holds_its_own_items(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN.replace("expect", '#expect', 1) + 'include "more.iam"\n')
    pytester.makefile(".iam", more="expect cannot B.OtherRole pull A.repo because implicit\n")
    result = pytester.runpytest("--iamdsl", "design.iam", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["design.iam::9: *", "design.iam::10: *"])
    result.stdout.no_fnmatch_line("*more.iam*")  # the part's lines belong to the part


def test_a_file_that_does_not_load_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", bad="account A 111111111111\nrole A.R { allow s3:GetObject on A.nope }\n")
    result = pytester.runpytest("--iamdsl")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR collecting bad.iam*", "*bad.iam:2:34: error?E010?: unknown resource `A.nope`"])


def test_python_tests_still_run_beside_the_iam_items(pytester: pytest.Pytester) -> None:
    pytester.makefile(".iam", design=DESIGN.replace("expect can B.OtherRole pull A.repo\n", ""))
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("--iamdsl")
    result.assert_outcomes(passed=3)


def test_the_examples_pass_as_pytest_items(pytester: pytest.Pytester) -> None:
    example = (ROOT / "examples" / "ecr_delegation.iam").read_text(encoding="utf-8")
    pytester.makefile(".iam", ecr_delegation=example)
    result = pytester.runpytest("--iamdsl")
    result.assert_outcomes(passed=3)
