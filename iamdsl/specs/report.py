"""Expectation results as text or JSON, grouped by the file of their `expect` line.

Stage: rendering (specs results -> terminal text / machine format).  A failure
is drawn like an error: `file:line:col`, the `expect` line with a caret, and
why it failed; then the explanation of the answer and the fix.  The check
command, the JUnit writer and the pytest plugin all explain a failure with
`explain_failure`, so a failure reads the same everywhere.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from iamdsl.explain import text as explain_text
from iamdsl.explain.fix_lines import fix_lines
from iamdsl.explain.fixes import suggest
from iamdsl.explain.json_output import decision_to_json
from iamdsl.language.errors import Diagnostic, Severity, render_one
from iamdsl.model import Expectation, Model
from iamdsl.specs.expectations import ExpectationResult, Status

NO_FILE = "<no file>"  # expectations made in code, without a span


def headline(result: ExpectationResult) -> str:
    """The `expect` line as the model understood it, e.g. `expect can B.SomeRole pull A.repo`."""
    return expectation_text(result.expectation)


def _subject_text(subject) -> str:
    """A subject as the `expect` line wrote it."""
    if subject.kind == "open-account":
        return f"account {subject.name}"
    if subject.kind in ("organization", "service", "oidc", "saml"):
        return f"{subject.kind} {subject.name}"
    return subject.name


def expectation_text(e: Expectation) -> str:
    subjects = ", ".join(_subject_text(s) for s in e.subjects)
    target = e.resource_name or e.resource
    if e.kind == "only":
        return f"expect only {{{subjects}}} can {e.action} {target}"
    return f"expect {e.kind} {subjects} {e.action} {target}"


def render_result(result: ExpectationResult, sources: Mapping[str, str]) -> str:
    diagnostic = Diagnostic("T001", f"expectation failed: {headline(result)}", result.expectation.span, Severity.ERROR, notes=(result.message,))
    return render_one(diagnostic, sources)


def render_pass(result: ExpectationResult) -> str:
    """One line for a passing expectation (shown with `-v`)."""
    span = result.expectation.span
    where = f"{span}: " if span else ""
    return f"{where}pass: {headline(result)} ({result.message})"


def explain_failure(result: ExpectationResult, model: Model, sources: Mapping[str, str], mode: str = "denies") -> str:
    """The explanation of a failed expectation's answer, with the fix for a `can`; empty for `only` lines.

    An `only` line's message already names each principal that is wrong.
    """
    if result.decision is None:
        return ""
    fixes = fix_lines(suggest(result.decision, model)) if result.expectation.kind == "can" else None
    return explain_text.render(result.decision, model, mode=mode, sources=sources, fixes=fixes)  # type: ignore[arg-type]


def file_of(result: ExpectationResult) -> str:
    span = result.expectation.span
    return span.file if span else NO_FILE


def by_file(results: Iterable[ExpectationResult]) -> dict[str, list[ExpectationResult]]:
    """Results grouped by the file of their `expect` line, files in the order they were loaded."""
    groups: dict[str, list[ExpectationResult]] = {}
    for result in results:
        groups.setdefault(file_of(result), []).append(result)
    return groups


def counts(results: list[ExpectationResult]) -> tuple[int, int]:
    """(passed, failed)."""
    passed = sum(r.status is Status.PASS for r in results)
    return passed, len(results) - passed


def summary_line(results: list[ExpectationResult]) -> str:
    passed, failed = counts(results)
    return f"{passed} passed, {failed} failed"


def to_json(results: Iterable[ExpectationResult], model: Model | None = None) -> list[dict]:
    """Each result as data; with `model`, a failure carries its decision (docs/json.md) too."""
    out = []
    for r in results:
        span = r.expectation.span
        entry = {
            "expectation": headline(r),
            "status": r.status.value,
            "message": r.message,
            "outcome": r.decision.outcome.value if r.decision else None,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
        }
        if model is not None and r.status is Status.FAIL and r.decision is not None:
            entry["decision"] = decision_to_json(r.decision, model)
        out.append(entry)
    return out


def files_to_json(results: list[ExpectationResult]) -> list[dict]:
    """The per-file summary: one entry per file that holds `expect` lines."""
    found = []
    for name, group in by_file(results).items():
        passed, failed = counts(group)
        found.append({"file": name, "expectations": len(group), "passed": passed, "failed": failed})
    return found
