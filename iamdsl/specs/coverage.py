"""Statement coverage of the `expect` lines: which statements decided an answer.

Stage: specs (expectation results + their traces -> one status per statement).

Each statement of the model written in a source file is one of:

- **decisive**: it decided the answer of some expectation;
- **matched**: it applied to some expectation's request (or applied under a
  condition on unknown context), but decided none;
- **unexercised**: no expectation's request reached it.

What "decided" means, read from each request's trace (`Decision.trace`):

- ALLOWED: the Allow statements that applied and that the answer needed.  A
  guardrail (an SCP or RCP level, a VPC endpoint policy, a permissions
  boundary, a session policy) is needed wherever it takes part.  Within one
  account, a resource-policy grant that names the caller (or its role, or
  its parent user) is enough on its own, so then that grant decided and the
  identity policies did not; otherwise the identity Allows decided, plus the
  resource-policy Allows when the service requires its resource policy to
  allow (KMS key policies, trust policies: R60).  Across accounts, both
  sides decided.  A same-account grant to the account as a whole does not
  decide an S3 request (the identity policy does), so it is only matched.
- DENIED (explicit): the Deny statements that applied.
- DENIED (implicit), CONDITIONAL: nothing is decisive.  Nothing allowed, or
  the answer is not settled; the statements that applied are matched.

A verb is several requests, and an `expect only` line asks every principal:
each request counts.  Expectations count whether they pass or fail (a
statement that makes a spec fail is still exercised).  Statements without a
source (the built-in FullAWSAccess SCP and RCPFullAWSAccess) are left out,
and a DSL statement that expands into several IAM statements (a verb that
splits, a `delegate` line) is one statement, known by its source span; it
takes the best status of its parts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from iamdsl.engine.evaluate import Decision, Outcome
from iamdsl.engine.request import CallerKind
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import GrantClass, Layer, StatementTrace, Truth
from iamdsl.engine.verbs import VerbDecision
from iamdsl.model import Effect, Model, Span
from iamdsl.specs.expectations import ExpectationResult


class Coverage(str, enum.Enum):
    DECISIVE = "decisive"
    MATCHED = "matched"
    UNEXERCISED = "unexercised"


_RANK = {Coverage.UNEXERCISED: 0, Coverage.MATCHED: 1, Coverage.DECISIVE: 2}
_GUARDRAILS = (Layer.SCP, Layer.RCP, Layer.ENDPOINT)
_SESSION_CALLERS = (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER)


# ------------------------------------------------------------------ one decision


def decisive_statements(decision: Decision, settings: Settings = DEFAULT_SETTINGS) -> list[StatementTrace]:
    """The statements that decided one request's answer (the module docstring says which)."""
    found: list[StatementTrace] = []
    if decision.outcome is Outcome.EXPLICIT_DENY:
        found = [st for st in _applied(decision) if st.is_deny]
    elif decision.outcome is Outcome.ALLOWED:
        found = _allowing(decision, settings)
    for extra in decision.extra:  # sts:TagSession beside sts:AssumeRole (R73): it decides too
        if extra.outcome is Outcome.EXPLICIT_DENY or decision.outcome is Outcome.ALLOWED:
            found.extend(decisive_statements(extra, settings))
    return found


def applied_statements(decision: Decision) -> Iterator[StatementTrace]:
    """Every statement that applied, or applied under unknown conditions, in a request and its companions."""
    yield from _applied(decision, include_unknown=True)
    for extra in decision.extra:
        yield from applied_statements(extra)


def _applied(decision: Decision, *, include_unknown: bool = False) -> Iterator[StatementTrace]:
    for entry in decision.trace.layers:
        for st in entry.statements:
            if st.applies is Truth.TRUE or include_unknown and st.applies is Truth.UNKNOWN:
                yield st


def _allowing(decision: Decision, settings: Settings) -> list[StatementTrace]:
    """The Allows an ALLOWED answer rested on: the paths of the decision algorithm (R58–R66)."""
    by_layer: dict[Layer, list[StatementTrace]] = {}
    for st in _applied(decision):
        if not st.is_deny:
            by_layer.setdefault(st.layer, []).append(st)

    def allows(*layers: Layer) -> list[StatementTrace]:
        return [st for layer in layers for st in by_layer.get(layer, [])]

    def grants(*classes: GrantClass) -> list[StatementTrace]:
        return [st for st in allows(Layer.RESOURCE) if st.grant in classes]

    request, trace = decision.request, decision.trace
    caller = request.caller
    found = allows(*_GUARDRAILS)
    if not caller.kind.has_identity_side:  # R58, R72: only a grant to the caller itself
        return found + grants(GrantClass.DIRECT)
    classes = set(trace.grant_classes)
    if not trace.cross_account and GrantClass.DIRECT in classes:  # R61: the resource policy names the caller
        found += grants(GrantClass.DIRECT)
        if caller.kind in _SESSION_CALLERS and not settings.session_arn_grant_bypasses_session_policy:
            found += allows(Layer.SESSION)
        if caller.kind is CallerKind.USER and _is_role(request.resource) and settings.trust_user_needs_boundary:
            found += allows(Layer.BOUNDARY)  # R79, D4
        return found
    if not trace.cross_account and classes & {GrantClass.ROLE, GrantClass.FED_PARENT}:
        return found + grants(GrantClass.ROLE, GrantClass.FED_PARENT) + allows(Layer.BOUNDARY, Layer.SESSION)
    found += allows(Layer.IDENTITY, Layer.BOUNDARY, Layer.SESSION)
    if trace.cross_account or _resource_policy_mandatory(request.action, request.resource, settings):
        found += [st for st in allows(Layer.RESOURCE) if st.grant is not None]  # R62 both sides; R60
    return found


def _service(resource: str) -> str:
    return resource.split(":")[2].lower() if resource.count(":") >= 5 else ""


def _is_role(resource: str) -> bool:
    return _service(resource) == "iam" and ":role/" in resource


def _resource_policy_mandatory(action: str, resource: str, settings: Settings) -> bool:
    service = _service(resource)
    if resource == "*" or service not in settings.mandatory_resource_policy_services:
        return False
    return service != "iam" or action.lower().startswith("sts:")  # R60 is about trust policies only


# ------------------------------------------------------------------ a whole run


@dataclass(slots=True)
class StatementCoverage:
    """One statement as written: a source span, the policies its IAM statements went into, its status."""

    span: Span
    policies: list[str]
    effect: Effect
    status: Coverage = Coverage.UNEXERCISED


@dataclass(slots=True)
class CoverageReport:
    statements: list[StatementCoverage] = field(default_factory=list)  # in source order
    iam_statements: int = 0  # what they expand to (verbs that split, `delegate`)

    def count(self, status: Coverage) -> int:
        return sum(1 for s in self.statements if s.status is status)

    def percent(self, status: Coverage) -> float:
        """The share of statements with `status`; an empty model is fully covered (nothing to exercise)."""
        if not self.statements:
            return 100.0 if status is Coverage.DECISIVE else 0.0
        return 100.0 * self.count(status) / len(self.statements)

    @property
    def decisive_percent(self) -> float:
        return self.percent(Coverage.DECISIVE)


def _decisions(results: Iterable[ExpectationResult]) -> Iterator[Decision]:
    for result in results:
        verbs: list[VerbDecision] = [result.decision] if result.decision is not None else []
        verbs.extend(reach.decision for reach in result.reaches)
        for verb in verbs:
            yield from verb.decisions


def measure(model: Model, results: Iterable[ExpectationResult], settings: Settings = DEFAULT_SETTINGS) -> CoverageReport:
    """The coverage of `model`'s statements by the answers in `results`.

    The results must carry full traces (`run_all(..., traced=True)`): a
    decision taken with the trace off records no statements.
    """
    units: dict[Span, StatementCoverage] = {}
    expanded = 0
    for label, policy in model.policies():
        for statement in policy.statements:
            if statement.span is None:
                continue  # built in (FullAWSAccess, RCPFullAWSAccess): nobody wrote it
            expanded += 1
            unit = units.get(statement.span)
            if unit is None:
                units[statement.span] = StatementCoverage(statement.span, [label], statement.effect)
            elif label not in unit.policies:
                unit.policies.append(label)

    def raise_to(span: Span | None, status: Coverage) -> None:
        unit = units.get(span) if span is not None else None  # session policies of a query are not the model's
        if unit is not None and _RANK[status] > _RANK[unit.status]:
            unit.status = status

    for decision in _decisions(results):
        for st in applied_statements(decision):
            raise_to(st.span, Coverage.MATCHED)
        for st in decisive_statements(decision, settings):
            raise_to(st.span, Coverage.DECISIVE)
    ordered = sorted(units.values(), key=lambda u: (u.span.file, u.span.line, u.span.column))
    return CoverageReport(ordered, expanded)


# ------------------------------------------------------------------ rendering


def to_json(report: CoverageReport) -> dict:
    return {
        "statements": len(report.statements),
        "iam_statements": report.iam_statements,
        **{status.value: report.count(status) for status in Coverage},
        "percent": {status.value: round(report.percent(status), 1) for status in Coverage},
        "by_statement": [
            {
                "file": unit.span.file,
                "line": unit.span.line,
                "column": unit.span.column,
                "end_line": unit.span.end_line,
                "end_column": unit.span.end_column,
                "effect": unit.effect.value,
                "policies": unit.policies,
                "status": unit.status.value,
            }
            for unit in report.statements
        ],
    }


_QUOTE_MAX = 72


def render_text(report: CoverageReport, sources: Mapping[str, str] | None = None, *, verbose: bool = False) -> str:
    """A summary with percentages, then the statements an expectation did not decide (all of them with `verbose`)."""
    total = len(report.statements)
    lines = [f"coverage: {total} statement{'' if total == 1 else 's'} as written ({report.iam_statements} in IAM, after verb expansion)"]
    for status in Coverage:
        lines.append(f"  {status.value:<12} {report.count(status):>6}  {report.percent(status):5.1f}%")
    shown = [u for u in report.statements if verbose or u.status is not Coverage.DECISIVE]
    current_file = None
    source_lines: list[str] = []
    for unit in shown:
        if unit.span.file != current_file:
            current_file = unit.span.file
            lines.append(current_file)
            source_lines = (sources or {}).get(current_file, "").splitlines()
        where = f"{unit.span.line}:{unit.span.column}"
        quote = _quote(source_lines, unit.span)
        lines.append(f"  {where:<9} {unit.status.value:<12} {', '.join(unit.policies):<28} {quote}".rstrip())
    return "\n".join(lines)


def _quote(lines: list[str], span: Span) -> str:
    """The statement's source text on one line, comments dropped, cut to fit."""
    if not 0 < span.line <= span.end_line <= len(lines):
        return ""
    parts = []
    for number in range(span.line, span.end_line + 1):
        line = lines[number - 1]
        end = span.end_column - 1 if number == span.end_line else len(line)
        start = span.column - 1 if number == span.line else 0
        piece = line[start:end]
        if "#" in piece and '"' not in piece:
            piece = piece.split("#", 1)[0]  # a comment; with quotes about, a `#` may be inside a string, so keep it
        parts.append(piece.strip())
    quote = " ".join(part for part in parts if part)
    return quote if len(quote) <= _QUOTE_MAX else quote[: _QUOTE_MAX - 1] + "…"
