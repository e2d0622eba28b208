"""Run `expect` lines with the semantics of design.md §2.

Stage: specs (checked model + engine -> pass/fail per expectation).

Specs must not reassure falsely:
- `expect can` passes only on an unconditional ALLOWED;
- `expect cannot` passes only when the request is denied in every context;
- anything the evaluator cannot decide (unknown context, a mechanism that is
  not modelled, a principal whose policies are unknown) fails both, and says why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.verbs import VerbDecision, evaluate_actions
from iamdsl.language.errors import IamdslError
from iamdsl.model import Expectation, Model, NotModelled


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_RUN = "not-run"


@dataclass(slots=True)
class ExpectationResult:
    expectation: Expectation
    status: Status
    message: str
    decision: VerbDecision | None = None


# Mechanisms that could add access (so `cannot` is unsure) or remove it (so `can` is unsure).
_ADDS_ACCESS = (NotModelled.ACLS, NotModelled.GRANTS)
_REMOVES_ACCESS = (NotModelled.BLOCK_PUBLIC_ACCESS,)


def context_of(expectation: Expectation) -> Context:
    context = Context()
    for item in expectation.context:
        context.set(item.key, Lookup.absent() if item.values is None else Lookup.given(item.values))
    return context


def run_expectation(model: Model, expectation: Expectation, evaluator: Evaluator) -> ExpectationResult:
    if expectation.kind == "only":
        return ExpectationResult(
            expectation, Status.NOT_RUN, "`expect only` needs `who can` over the Permissions Graph, which is not built yet"
        )
    try:
        caller = caller_for(expectation.subjects[0], model, expectation)
    except IamdslError as error:
        return ExpectationResult(expectation, Status.FAIL, str(error))
    decision = evaluate_actions(evaluator, caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation))
    outcome = decision.outcome
    mechanisms = {m for d in decision.decisions for m in d.not_modelled}
    got = _describe(decision)
    if expectation.kind == "can":
        if outcome is not Outcome.ALLOWED:
            return ExpectationResult(expectation, Status.FAIL, f"expected ALLOWED, got {got}", decision)
        blocking = [m.value for m in mechanisms if m in _REMOVES_ACCESS]
        if blocking:
            return ExpectationResult(expectation, Status.FAIL, f"not modelled: {', '.join(blocking)} could remove this access", decision)
        return ExpectationResult(expectation, Status.PASS, "ALLOWED", decision)
    if not outcome.denied:
        return ExpectationResult(expectation, Status.FAIL, f"expected a denial in every context, got {got}", decision)
    adding = [m.value for m in mechanisms if m in _ADDS_ACCESS]
    if adding:
        return ExpectationResult(expectation, Status.FAIL, f"not modelled: {', '.join(adding)} could grant this access, so iamdsl cannot rule it out", decision)
    if expectation.because is not None and expectation.because not in decision.reasons:
        reasons = ", ".join(sorted(decision.reasons)) or "none"
        return ExpectationResult(expectation, Status.FAIL, f"denied, but not because {expectation.because} (reasons: {reasons}): {got}", decision)
    return ExpectationResult(expectation, Status.PASS, got, decision)


def _describe(decision: VerbDecision) -> str:
    outcome = decision.outcome
    if outcome is Outcome.PARTIAL:
        return f"PARTIAL: only {', '.join(decision.allowed_actions) or 'some actions'} allowed"
    first = next((d for d in decision.decisions if d.outcome is outcome), decision.decisions[0] if decision.decisions else None)
    reason = first.reason if first else "no action of the verb applies to this resource"
    return f"{outcome.display}: {reason}"


def run_all(model: Model, evaluator: Evaluator | None = None) -> list[ExpectationResult]:
    evaluator = evaluator or Evaluator(model)
    return [run_expectation(model, e, evaluator) for e in model.expectations]
