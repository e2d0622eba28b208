"""Statements another statement of the same policy already covers (L010)."""

from __future__ import annotations

from typing import Iterator

from iamdsl.model import Statement
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.coverage import covers, written_groups
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


@rule("L010", "shadowed-statement", Level.INFO, "statement shadowed by another in the same policy")
def shadowed_statements(ctx: LintContext) -> Iterator[Hit]:
    for site in ctx.sites:
        if site.builtin:
            continue
        groups = list(written_groups(site.policy.statements).values())
        for index, group in enumerate(groups):
            others = [(i, s) for i, g in enumerate(groups) if i != index for s in g]
            shadows = [_shadow(statement, index, others) for statement in group]
            if group[0].span is None or any(s is None for s in shadows):
                continue
            first = shadows[0]
            word = group[0].effect.value
            yield Hit(
                group[0].span,
                f"this {word} in {site.where} is shadowed by the one at {where(first, group[0])}: "
                "it reaches no request that one does not",
                "remove it, or change one of the two if they were meant to differ",
            )


def _shadow(statement: Statement, index: int, others: list[tuple[int, Statement]]) -> Statement | None:
    """A statement of another group that covers this one; of two equal statements, the later is the shadowed one."""
    for other_index, other in others:
        if other.effect is not statement.effect or not covers(other, statement):
            continue
        if covers(statement, other) and other_index > index:
            continue  # equal: the later one is reported, against this one
        return other
    return None


def where(statement: Statement, here: Statement) -> str:
    """Where `statement` is, said from `here`: a line of the same file, or file and line."""
    span = statement.span
    if span is None:
        return "another statement"
    if here.span is not None and here.span.file == span.file:
        return f"line {span.line}"
    return f"{span.file}:{span.line}"
