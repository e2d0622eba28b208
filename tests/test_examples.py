"""Examples as fixtures: every file in examples/ loads cleanly, checks, and states real expectations.

The expectations are only parsed and resolved today; once the engine runs
them, this is where a wrong example will show up first.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from iamdsl import catalog, cli
from iamdsl.language.loader import Loaded, load_paths, load_text
from iamdsl.language.resolve import REASONS

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.iam"))
EXPECTED_EXAMPLES = {
    "ecr_delegation.iam",
    "cross_account_s3_kms.iam",
    "organization_scp_rcp.iam",
    "permission_boundary.iam",
    "cicd_oidc_chain.iam",
    "data_perimeter.iam",
}


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Loaded:
    return load_paths([path])


def test_every_documented_example_is_present() -> None:
    assert EXPECTED_EXAMPLES <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_loads_without_findings(path: Path) -> None:
    loaded = _load(path)  # raises IamdslError on any error
    assert [f"{d.code} {d.message} at {d.span}" for d in loaded.diagnostics] == []
    assert loaded.model.accounts and loaded.model.statement_count() > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_states_real_expectations(path: Path) -> None:
    expectations = _load(path).model.expectations
    assert len(expectations) >= 3
    assert any(e.kind == "cannot" for e in expectations), "no `expect cannot`"
    assert any(e.because is not None for e in expectations), "no expectation with `because`"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_check_command_accepts_example(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(path), "--no-cache"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[-2].startswith(f"{path}: ")  # the file's own summary, then the total
    assert lines[-1].startswith("total: ")
    assert ", 0 failed" in lines[-2] and ", 0 failed" in lines[-1]  # every example passes its own expectations
    assert captured.err == ""  # and loads without a warning


def test_examples_together_use_every_reason_and_only() -> None:
    expectations = [e for path in EXAMPLES for e in _load(path).model.expectations]
    assert {e.because for e in expectations if e.because} == set(REASONS)
    assert any(e.kind == "only" and e.except_roots for e in expectations)


def test_github_oidc_claims_take_string_sugar() -> None:
    trust = _load(EXAMPLES_DIR / "cicd_oidc_chain.iam").model.principals["tooling.CiStaging"].trust_policy
    assert trust is not None
    conditions = {(c.operator, c.key) for s in trust.statements for c in s.conditions}
    assert conditions == {
        ("StringLike", "token.actions.githubusercontent.com:sub"),
        ("StringEquals", "token.actions.githubusercontent.com:aud"),
    }


_SHIPPED_VERBS = load_text("", "<empty>").model.verbs


def test_shipped_verb_library_is_loaded() -> None:
    assert {"pull", "push", "read", "write", "decrypt", "assume", "pass_role"} <= set(_SHIPPED_VERBS)


@pytest.mark.parametrize("name", sorted(_SHIPPED_VERBS), ids=sorted(_SHIPPED_VERBS))
def test_shipped_verb_actions_are_in_the_catalogue(name: str) -> None:
    verb = _SHIPPED_VERBS[name]
    assert verb.actions
    unknown = [action for action in verb.actions if catalog.action(action) is None]
    assert unknown == []
