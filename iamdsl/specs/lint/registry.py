"""The lint rules by code: each rule module registers its checks here.

Stage: lint (the table the runner walks, the docs describe and SARIF lists).

A rule is a function `(LintContext) -> Iterable[Hit]` registered with
`@rule(code, name, level, title)`.  Codes are stable: a retired rule keeps its
code unused for ever, so that suppression comments never change meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from iamdsl.specs.lint.findings import Hit, Level

if TYPE_CHECKING:
    from iamdsl.specs.lint.context import LintContext

Check = Callable[["LintContext"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # L001 …
    name: str  # kebab-case, for SARIF and the docs
    level: Level
    title: str  # one line, lowercase, as the docs' table shows it
    check: Check


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, level: Level, title: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"lint code {code} is registered twice")  # a programming error, caught by the tests
        RULES[code] = Rule(code, name, level, title, check)
        return check

    return register
