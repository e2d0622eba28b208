"""The rulebook's edge cases E1–E79 (iam-evaluation.md §7), one scenario file each.

Every request of every `tests/scenarios/*.json` is decided by the engine and
compared with the decision the rulebook names, and with the statements that
decided it: for an allowed request the Allow statements that applied, for an
explicit deny the Deny statements that applied.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iamdsl.engine.evaluate import Decision, Evaluator, Outcome
from iamdsl.engine.trace import Truth
from iamdsl.testing.scenarios import Scenario, ScenarioRequest, expected_condition, load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.json"))
EDGE_CASES = range(1, 80)  # rulebook §7: E1–E79
RULE_ID = re.compile(r"^(R\d+|D\d+)$")


def _cases() -> list[tuple[Scenario, int, ScenarioRequest]]:
    cases = []
    for path in FILES:
        scenario = load_scenario(path)
        cases.extend((scenario, index, entry) for index, entry in enumerate(scenario.requests))
    return cases


CASES = _cases()


def _case_id(case: tuple[Scenario, int, ScenarioRequest]) -> str:
    scenario, index, _ = case
    # the id names the rules the case tests, so that a failure names them too: E01-R20-R52-R61-request1
    return "-".join([Path(scenario.path).stem, *scenario.rules, f"request{index + 1}"])


def _sids(decision: Decision, *, deny: bool) -> set[str]:
    """Sids of the statements of the given effect that applied for certain."""
    return {
        st.statement.sid
        for layer in decision.trace.layers
        for st in layer.statements
        if st.is_deny == deny and st.applies is Truth.TRUE and st.statement.sid
    }


def _residual(conditions) -> set:
    return {expected_condition(c.operator, c.key, c.values) for c in conditions}


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_scenario_request(case: tuple[Scenario, int, ScenarioRequest]) -> None:
    scenario, _, entry = case
    decision = Evaluator(scenario.model, scenario.settings).evaluate(entry.request)
    context = f"{scenario.id} ({entry.label}): {scenario.description}\nengine said: {decision.reason}"
    assert decision.outcome is Outcome(entry.expected), context
    if entry.decided_by is not None:
        assert decision.outcome in (Outcome.ALLOWED, Outcome.EXPLICIT_DENY), f"{scenario.id}: decided_by needs a statement-decided outcome"
        applied = _sids(decision, deny=decision.outcome is Outcome.EXPLICIT_DENY)
        missing = set(entry.decided_by) - applied
        assert not missing, f"{context}\nstatements {sorted(missing)} did not decide; the ones that did: {sorted(applied)}"
    if entry.allow_conditions is not None:
        assert _residual(decision.allow_conditions) == set(entry.allow_conditions), context
    if entry.deny_conditions is not None:
        assert _residual(decision.deny_conditions) == set(entry.deny_conditions), context


def test_every_edge_case_has_a_scenario_file() -> None:
    names = {path.name for path in FILES}
    missing = [f"E{n:02d}.json" for n in EDGE_CASES if f"E{n:02d}.json" not in names]
    assert not missing, f"rulebook edge cases without a scenario file: {missing}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_file_is_well_formed(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.id == f"E{int(path.stem[1:])}", "the id is the rulebook's (E7), the file name zero-padded (E07.json)"
    assert scenario.description.strip(), "every scenario says in plain English what it tests"
    assert scenario.rules and all(RULE_ID.match(rule) for rule in scenario.rules), scenario.rules
    assert scenario.requests, "a scenario decides at least one request"
    for entry in scenario.requests:
        assert entry.expected in {o.value for o in Outcome}, entry.expected
        if entry.expected == "conditional":
            assert entry.allow_conditions is not None or entry.deny_conditions is not None, "say which residual conditions"
