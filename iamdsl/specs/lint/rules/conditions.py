"""Conditions: keys a service does not define (L002), ForAllValues that holds on nothing (L009)."""

from __future__ import annotations

from typing import Iterator

from iamdsl import catalog
from iamdsl.language.errors import suggestion
from iamdsl.model import Condition, Effect, Statement
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


@rule("L002", "unknown-condition-key", Level.WARNING, "condition key the service does not define")
def unknown_condition_keys(ctx: LintContext) -> Iterator[Hit]:
    # Only keys whose prefix is `aws` or a service's: `token.actions.githubusercontent.com:sub`
    # and other identity providers' keys are not the catalogue's to judge.
    for _, statement in ctx.statements():
        for condition in statement.conditions:
            prefix = condition.key.split(":", 1)[0].lower()
            if prefix != "aws" and prefix not in catalog.services():
                continue
            if catalog.condition_key(condition.key) is not None:
                continue
            owner = "a global key" if prefix == "aws" else f"a key of {prefix}"
            same_prefix = [k for k in catalog.all_condition_key_names() if k.lower().startswith(prefix + ":")]
            yield Hit(
                condition.span or statement.span,
                f"`{condition.key}` is not {owner}, so a request never carries it",
                suggestion(condition.key, same_prefix) or f"see the condition keys of {prefix} in the Service Authorization Reference",
                notes=("an absent key fails every operator except the negated ones, IfExists and Null (R38, R39)",),
            )


@rule("L009", "for-all-values-without-null-guard", Level.WARNING, "ForAllValues in an Allow without a Null guard")
def unguarded_for_all_values(ctx: LintContext) -> Iterator[Hit]:
    # R40: ForAllValues holds vacuously when the key is absent or empty (E39),
    # so the Allow applies to every request that leaves the key out.  A Null
    # "false" on the key, or a ForAnyValue (false on an absent key), closes it (E41).
    for _, statement in ctx.statements():
        if statement.effect is not Effect.ALLOW:
            continue
        for condition in statement.conditions:
            if not condition.operator.lower().startswith("forallvalues:") or _guarded(statement, condition.key):
                continue
            yield Hit(
                condition.span or statement.span,
                f"`{condition.operator}` on `{condition.key}` holds when the key is absent, "
                "so this Allow also applies to requests without it",
                f"require the key in the same statement: `{condition.key} exists` (Null false)",
            )


def _guarded(statement: Statement, key: str) -> bool:
    for other in statement.conditions:
        if other.key.lower() != key.lower():
            continue
        if other.operator == "Null" and other.values == ("false",):
            return True
        if _requires_a_value(other):
            return True
    return False


def _requires_a_value(condition: Condition) -> bool:
    operator = condition.operator.lower()
    return operator.startswith("foranyvalue:") and not operator.endswith("ifexists")
