"""Lint findings as text (the house rendering, with the source line) and as JSON.

Stage: rendering of lint findings.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from iamdsl.language.errors import CODES, render_one
from iamdsl.specs.lint.findings import Finding, Level
from iamdsl.specs.lint.registry import RULES
from iamdsl.specs.lint.runner import LintReport


def rule_name(code: str) -> str:
    registered = RULES.get(code)
    return registered.name if registered else CODES.get(code, code)


def summary(report: LintReport) -> dict[str, int]:
    counts = {level.value: report.count(level) for level in Level}
    counts["suppressed"] = len(report.suppressed)
    return counts


def summary_line(report: LintReport) -> str:
    counts = summary(report)
    total = len(report.findings)
    if total == 0:
        text = "no findings"
    else:
        parts = [f"{counts[level.value]} {level.value}{'s' if counts[level.value] != 1 else ''}" for level in Level if counts[level.value]]
        text = f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)})"
    if report.suppressed:
        text += f"; {len(report.suppressed)} suppressed"
    return text


def render_text(report: LintReport, sources: Mapping[str, str]) -> str:
    # render_one draws a Diagnostic; a Finding has the same fields, with lint's own levels.
    return "\n\n".join(render_one(finding, sources) for finding in report.findings)  # type: ignore[arg-type]


def to_json(report: LintReport, files: Sequence[str], fail_on: Level) -> dict:
    def entry(finding: Finding) -> dict:
        return {**finding.to_json(), "rule": rule_name(finding.code)}

    return {
        "files": list(files),
        "fail_on": fail_on.value,
        "failed": bool(report.failing(fail_on)),
        "summary": summary(report),
        "findings": [entry(f) for f in report.findings],
        "suppressed": [{**entry(f), "suppressed_by": f.suppressed_by} for f in report.suppressed],
    }
