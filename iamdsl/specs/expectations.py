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
from dataclasses import dataclass, field

from iamdsl import collector
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Decision, Evaluator, Outcome
from iamdsl.engine.request import Request
from iamdsl.engine.verbs import VerbDecision, evaluate_actions
from iamdsl.graph.enumerate import Reach, who_can
from iamdsl.language.errors import IamdslError
from iamdsl.model import Expectation, Model, NotModelled


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"


@dataclass(slots=True)
class ExpectationResult:
    expectation: Expectation
    status: Status
    message: str
    decision: VerbDecision | None = None
    reaches: list[Reach] = field(default_factory=list)  # `only`: every principal's answer (coverage reads them)


# Mechanisms that could add access (so `cannot` is unsure) or remove it (so `can` is unsure).
_ADDS_ACCESS = (NotModelled.ACLS, NotModelled.GRANTS)
_REMOVES_ACCESS = (NotModelled.BLOCK_PUBLIC_ACCESS,)


def context_of(expectation: Expectation) -> Context:
    return Context.from_values(expectation.context)


def run_expectation(model: Model, expectation: Expectation, evaluator: Evaluator, *, trace: bool = True) -> ExpectationResult:
    """Run one `expect` line.  With `trace=False` the decisions carry no trace: enough to pass or fail, not to explain."""
    if expectation.kind == "only":
        return _run_only(model, expectation, evaluator, trace)
    try:
        caller = caller_for(expectation.subjects[0], model, expectation)
    except IamdslError as error:
        return ExpectationResult(expectation, Status.FAIL, str(error))
    decision = evaluate_actions(evaluator, caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation), trace=trace)
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


def _run_only(model: Model, expectation: Expectation, evaluator: Evaluator, trace: bool) -> ExpectationResult:
    """`only {…} can V R`: the listed principals can, and every other principal cannot, in every context.

    The list may name symbolic principals too (design.md §2): `anyone`, `account C` for an
    open account, `organization o-…`.  A listed symbolic principal must be reached.
    """
    # Traced (an explanation, or coverage), every principal is asked: a Deny that applies to a
    # principal no Allow reaches is still a statement the line exercised.  Untraced, the
    # principals no Allow could reach are left out: they are denied, and that is all a pass needs.
    reaches = who_can(
        model, evaluator, expectation.action, expectation.actions, expectation.resource, context_of(expectation),
        prune=not trace, trace=trace,
    )
    listed = {_subject_key(s): s for s in expectation.subjects}
    problems: list[str] = []
    reached: set[str] = set()  # listed keys some principal answered for
    allowed: set[str] = set()  # listed keys some principal is allowed as
    for reach in reaches:
        hits = [key for key in reach.keys if key in listed]
        if reach.root and expectation.except_roots and not hits:
            continue
        if hits:
            reached.update(hits)
            if reach.outcome is Outcome.ALLOWED:
                allowed.update(hits)
            elif not reach.symbolic:
                problems.append(f"{reach.label} is listed, but {_describe(reach.decision)}")
        elif not reach.denied:
            problems.append(f"{reach.label} can too: {_describe(reach.decision)}")
    for key, subject in listed.items():
        if key in allowed or (key in reached and subject.kind not in _SYMBOLIC):
            continue
        if subject.kind in _SYMBOLIC:
            problems.append(f"{_symbolic_words(subject)} is listed, but no grant lets it {expectation.action}")
            continue
        try:
            caller = caller_for(subject, model, expectation)
        except IamdslError as error:
            problems.append(str(error))
            continue
        decision = evaluate_actions(evaluator, caller, expectation.action, expectation.actions, expectation.resource, context_of(expectation), trace=trace)
        if decision.outcome is not Outcome.ALLOWED:
            problems.append(f"{subject.name} is listed, but {_describe(decision)}")
    if problems:
        return ExpectationResult(expectation, Status.FAIL, "; ".join(problems), reaches=reaches)
    return ExpectationResult(expectation, Status.PASS, f"exactly the listed principals can ({getattr(reaches, 'considered', len(reaches))} principals checked)", reaches=reaches)


_SYMBOLIC = ("anyone", "open-account", "organization")


def _subject_key(subject) -> str:
    """What a listed subject is called in `Reach.keys`."""
    if subject.kind == "service":
        return f"service {subject.name}"
    if subject.kind == "open-account":
        return f"account {subject.name}"
    if subject.kind == "organization":
        return f"organization {subject.name}"
    if subject.kind in ("oidc", "saml"):
        return f"federated {subject.name}"
    return subject.name


def _symbolic_words(subject) -> str:
    if subject.kind == "open-account":
        return f"account {subject.name}"
    if subject.kind == "organization":
        return f"organization {subject.name}"
    return "anyone"


def _describe(decision: VerbDecision) -> str:
    outcome = decision.outcome
    if outcome is Outcome.PARTIAL:
        return f"PARTIAL: only {', '.join(decision.allowed_actions) or 'some actions'} allowed"
    first = next((d for d in decision.decisions if d.outcome is outcome), decision.decisions[0] if decision.decisions else None)
    reason = first.reason if first else "no action of the verb applies to this resource"
    return f"{outcome.display}: {reason}"


class _Remembered:
    """The untraced decisions of one run, by request.

    Spec files ask the same request on many lines: `cannot X pull R` beside
    `cannot X pull R because implicit`, and every `pull` of one role asks for
    ecr:GetAuthorizationToken on `*` again.  The evaluator is deterministic,
    so a request is decided once per run.
    """

    def __init__(self, evaluator: Evaluator):
        self.evaluator = evaluator
        self.decisions: dict[tuple, Decision] = {}

    def bound(self, expectation: Expectation) -> Evaluator | _Asking:
        """An evaluator for one `can`/`cannot` line: the caller is the line's, whatever the request says."""
        if expectation.kind == "only" or expectation.session_policy is not None:
            return self.evaluator  # `only` asks every principal; session policies are rare and bulky to key
        subject = expectation.subjects[0]
        asker = (
            (subject.kind, subject.name, subject.arn, subject.session_name),
            tuple((c.key, c.values) for c in expectation.context),
            tuple(sorted(expectation.session_tags.items())),
        )
        return _Asking(self, asker)


class _Asking:
    """What `evaluate_actions` needs of an evaluator, answering from the run's memory when it can."""

    def __init__(self, remembered: _Remembered, asker: tuple):
        self.remembered = remembered
        self.model = remembered.evaluator.model
        self.asker = asker

    def evaluate(self, request: Request, *, trace: bool = True) -> Decision:
        evaluator = self.remembered.evaluator
        if trace:
            return evaluator.evaluate(request, trace=True)
        key = (self.asker, request.action, request.resource, request.resource_account)
        found = self.remembered.decisions.get(key)
        if found is None:
            found = self.remembered.decisions[key] = evaluator.evaluate(request, trace=False)
        return found


def run_all(model: Model, evaluator: Evaluator | None = None, *, traced: bool = False) -> list[ExpectationResult]:
    """Run every `expect` line of the model, in file order.

    Most expectations pass, and a passing one is never explained: each runs
    first with the trace off (the engine then records no statements), and
    only the failures run again with the full trace, which their explanation
    and fix need.  Both runs decide the same way.  A request that several
    lines ask is decided once (`_Remembered`).  With `traced=True` every line
    is decided with the full trace, which coverage reads (coverage.py).
    """
    evaluator = evaluator or Evaluator(model)
    with collector.paused():  # the results only grow until the run ends
        if traced:
            return [run_expectation(model, expectation, evaluator, trace=True) for expectation in model.expectations]
        remembered = _Remembered(evaluator)
        results = []
        for expectation in model.expectations:
            result = run_expectation(model, expectation, remembered.bound(expectation), trace=False)  # type: ignore[arg-type]
            if result.status is Status.FAIL and result.decision is not None:
                result = run_expectation(model, expectation, evaluator, trace=True)
            results.append(result)
        return results
