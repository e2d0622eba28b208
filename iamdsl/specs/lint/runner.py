"""Run every rule over a loaded model, then apply the suppression comments.

Stage: lint (checked model + source texts -> sorted findings).

The loader's own warnings (inert statements, R45) are findings too, under
their W codes, so that one `lint` run in CI reports everything; W108 (unknown
action) is left to L001, which says the same at the action itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from iamdsl.language.errors import Diagnostic, Severity
from iamdsl.language.loader import Loaded
from iamdsl.model import Model
from iamdsl.specs.lint import rules as _rules  # noqa: F401  (registers every rule)
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Finding, Level
from iamdsl.specs.lint.registry import RULES
from iamdsl.specs.lint.suppressions import Suppressions

_SUPERSEDED = frozenset({"W107", "W108"})  # L007 and L001 say the same, with more


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: tuple[Finding, ...]  # what stands, sorted by place
    suppressed: tuple[Finding, ...]  # what a comment silenced, with the comment

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.severity is level)

    def failing(self, threshold: Level) -> list[Finding]:
        """The findings at or above `threshold` (`--fail-on`)."""
        return [f for f in self.findings if f.severity.rank >= threshold.rank]


def lint(loaded: Loaded) -> LintReport:
    """Lint a loaded model: every rule, the loader's warnings, then the suppressions."""
    return lint_model(loaded.model, loaded.sources, loaded.diagnostics)


def lint_model(model: Model, sources: Mapping[str, str], diagnostics: Iterable[Diagnostic] = ()) -> LintReport:
    ctx = LintContext(model, sources)
    found: dict[tuple, Finding] = {}
    for code, registered in sorted(RULES.items()):
        for hit in registered.check(ctx):
            finding = Finding(code, hit.message, hit.span, registered.level, hit.help, hit.notes)
            found.setdefault(finding.sort_key, finding)  # a managed policy's statement is one place, however attached
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.WARNING and diagnostic.code not in _SUPERSEDED:
            finding = Finding(diagnostic.code, diagnostic.message, diagnostic.span, Level.WARNING, diagnostic.help, diagnostic.notes)
            found.setdefault(finding.sort_key, finding)
    suppressions = Suppressions(ctx.index)
    standing: list[Finding] = []
    silenced: list[Finding] = []
    for finding in sorted(found.values(), key=lambda f: f.sort_key):
        suppression = suppressions.silencing(finding.code, finding.span)
        if suppression is None:
            standing.append(finding)
        else:
            silenced.append(replace(finding, suppressed_by=suppression.text))
    return LintReport(tuple(standing), tuple(silenced))
