"""Formatting changes nothing that matters (issue 7, `iamdsl fmt`).

For every example and for generated models, with their layout first
scrambled (indentation, trailing spaces, blank lines):

- `fmt(fmt(x)) == fmt(x)`;
- `load(fmt(x))` is the same model as `load(x)`, spans aside (`comparable`);
- the engine decides a sample of requests the same way on both.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamdsl
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator
from iamdsl.engine.request import Request
from iamdsl.explain.conditions import iam_text
from iamdsl.graph.access import principals, resource_targets
from iamdsl.language.fmt import comparable, format_source
from iamdsl.language.loader import load_paths
from iamdsl.model import Model
from iamdsl.testing.strategies import models

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))
SAMPLE = 120  # requests decided on both models


def _statement_actions(model: Model) -> set[str]:
    """The actions the model's statements name literally, so that the sample hits its grants and denies."""
    return {a.lower() for _, policy in model.policies() for s in policy.statements for a in s.actions or () if "*" not in a}


def _sample(model: Model, seed: int = 0) -> list[tuple[str, str, str]]:
    """(principal, action, resource) triples, deterministic for a seed: mostly actions the model names."""
    rng = random.Random(seed)
    named = _statement_actions(model)
    callers = [name for name, _ in principals(model)]
    triples = []
    for arn, actions in resource_targets(model):
        preferred = [a for a in actions if a.lower() in named]
        pool = preferred + rng.sample(list(actions), min(3, len(actions)))
        triples.extend((caller, rng.choice(pool), arn) for caller in callers)
    triples.extend((caller, action, "*") for action in sorted(named)[:10] for caller in callers)
    rng.shuffle(triples)
    return triples[:SAMPLE]


def _decisions(model: Model, triples: list[tuple[str, str, str]]) -> list[tuple]:
    evaluator = Evaluator(model)
    callers = dict(principals(model))
    found = []
    for name, action, resource in triples:
        decision = evaluator.evaluate(Request(callers[name], action, resource, Context()), trace=False)
        found.append((name, action, resource, decision.outcome, decision.reasons,
                      sorted(iam_text(c) for c in decision.allow_conditions + decision.deny_conditions)))
    return found


def _assert_formatting_changes_nothing(text: str, name: str) -> None:
    formatted = format_source(text, name)
    assert format_source(formatted, name) == formatted
    before, after = iamdsl.loads(text, name), iamdsl.loads(formatted, name)
    assert comparable(after) == comparable(before)
    triples = _sample(before)
    assert _decisions(after, triples) == _decisions(before, triples)


@st.composite
def scrambled(draw: st.DrawFn, text: str) -> str:
    """The same tokens in another layout: indentation, trailing spaces and blank lines drawn at random."""
    lines = []
    for line in text.split("\n"):
        indent = " " * draw(st.integers(0, 6))
        trailing = " " * draw(st.integers(0, 2))
        lines.append(indent + line.strip() + trailing if line.strip() else "")
        if draw(st.integers(0, 9)) == 0:
            lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------ the examples


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_formatting_an_example_keeps_its_model_and_decisions(path: Path) -> None:
    # Loaded from its path, so that `from "policies/x.json"` resolves beside it.
    formatted = format_source(path.read_text(encoding="utf-8"), str(path))
    assert format_source(formatted, str(path)) == formatted
    copy = path.with_name(f".fmt-{path.name}")
    try:
        copy.write_text(formatted, encoding="utf-8")
        before, after = load_paths([path]).model, load_paths([copy]).model
    finally:
        copy.unlink(missing_ok=True)
    assert comparable(after) == comparable(before)
    triples = _sample(before)
    assert len(triples) >= 10, "the sample should reach the example's grants"
    assert _decisions(after, triples) == _decisions(before, triples)


# ------------------------------------------------------------------ generated models


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), text=models())
def test_formatting_a_generated_model_changes_nothing(data: st.DataObject, text: str) -> None:
    _assert_formatting_changes_nothing(data.draw(scrambled(text)), "generated.iam")


def test_the_sample_reaches_allowed_and_denied_answers() -> None:
    """The decisions compared above are not all the same answer (which would prove little)."""
    model = iamdsl.load(ROOT / "examples" / "ecr_delegation.iam")
    outcomes = {decision[3].value for decision in _decisions(model, _sample(model))}
    assert {"allowed", "implicit_deny"} <= outcomes
