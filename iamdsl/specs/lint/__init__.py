"""`iamdsl lint`: the classic IAM mistakes, found before review.

Stage: specs (checked model + source texts -> findings), beside `check`.

    sources.py       the user's text again: statements as written, verbs, comments
    context.py       what every rule reads: the model, its policies by owner
    patterns.py      certain answers about Action and Resource patterns
    coverage.py      when one statement certainly covers another
    rules/           the rules, one module per family, each registered by code
    registry.py      the rules by code
    suppressions.py  `# iamdsl: ignore[CODE]` comments
    runner.py        run the rules, add the loader's warnings, apply suppressions
    output.py        text and JSON
    sarif.py         SARIF 2.1.0

docs/lint.md documents every code.
"""

from iamdsl.specs.lint.findings import Finding, Level
from iamdsl.specs.lint.registry import RULES, Rule
from iamdsl.specs.lint.runner import LintReport, lint, lint_model

__all__ = ["Finding", "Level", "LintReport", "RULES", "Rule", "lint", "lint_model"]
