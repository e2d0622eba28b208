"""Expectation results as text or JSON.

Stage: rendering (specs results -> terminal text / machine format).  A failure
is drawn like an error: `file:line:col`, the `expect` line with a caret, and
why it failed.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from iamdsl.language.errors import Diagnostic, Severity, render_one
from iamdsl.specs.expectations import ExpectationResult, Status


def _headline(result: ExpectationResult) -> str:
    e = result.expectation
    subjects = ", ".join(s.name for s in e.subjects)
    target = e.resource_name or e.resource
    if e.kind == "only":
        return f"expect only {{{subjects}}} can {e.action} {target}"
    return f"expect {e.kind} {subjects} {e.action} {target}"


def render_result(result: ExpectationResult, sources: Mapping[str, str]) -> str:
    diagnostic = Diagnostic("T001", f"expectation failed: {_headline(result)}", result.expectation.span, Severity.ERROR, notes=(result.message,))
    return render_one(diagnostic, sources)


def summary_line(results: list[ExpectationResult]) -> str:
    passed = sum(r.status is Status.PASS for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def to_json(results: Iterable[ExpectationResult]) -> list[dict]:
    out = []
    for r in results:
        span = r.expectation.span
        out.append(
            {
                "expectation": _headline(r),
                "status": r.status.value,
                "message": r.message,
                "outcome": r.decision.outcome.value if r.decision else None,
                "file": span.file if span else None,
                "line": span.line if span else None,
                "column": span.column if span else None,
            }
        )
    return out
