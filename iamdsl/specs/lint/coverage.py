"""When one statement certainly reaches every request another one reaches.

Stage: lint primitive for the redundancy rules (L010, L011).

Statements with NotAction, NotResource or NotPrincipal are left out: what
they reach is a complement, and "certainly" would need more than pattern
subsets.  One DSL statement can compile to several IAM statements (a verb
splits by resource); the rules judge what the user wrote, so `written_groups`
puts those back together.
"""

from __future__ import annotations

from typing import Iterable

from iamdsl.model import Condition, Principal, Statement
from iamdsl.specs.lint.context import is_everyone
from iamdsl.specs.lint.patterns import actions_covered, resources_covered
from iamdsl.specs.lint.sources import SpanKey, span_key


def plain(statement: Statement) -> bool:
    """No Not-element, so what it reaches is a plain union of patterns."""
    return statement.not_actions is None and statement.not_resources is None and statement.not_principals is None


def _principal_covers(wide: Principal, narrow: Principal) -> bool:
    return is_everyone(wide.type, wide.value) or (wide.type == narrow.type and wide.value == narrow.value)


def _condition_set(conditions: Iterable[Condition]) -> frozenset:
    return frozenset((c.operator, c.key.lower(), c.values) for c in conditions)


def covers(wide: Statement, narrow: Statement, *, ignore_conditions: bool = False) -> bool:
    """Whether `wide` certainly applies to every request `narrow` applies to.

    The conditions of `wide` must be none, or the same as `narrow`'s; with
    `ignore_conditions`, the caller has made sure `wide` has none.
    """
    if not (plain(wide) and plain(narrow)) or wide.actions is None or narrow.actions is None:
        return False
    if not actions_covered(wide.actions, narrow.actions):
        return False
    if (wide.resources is None) != (narrow.resources is None):
        return False
    if wide.resources is not None and not resources_covered(wide.resources, narrow.resources or ()):
        return False
    if (wide.principals is None) != (narrow.principals is None):
        return False
    if wide.principals is not None and not all(any(_principal_covers(w, n) for w in wide.principals) for n in narrow.principals or ()):
        return False
    if ignore_conditions or not wide.conditions:
        return True
    return _condition_set(wide.conditions) == _condition_set(narrow.conditions)


def written_groups(statements: Iterable[Statement]) -> dict[SpanKey | int, list[Statement]]:
    """The statements of a policy grouped by the DSL statement they came from, in order."""
    groups: dict[SpanKey | int, list[Statement]] = {}
    for position, statement in enumerate(statements):
        key = span_key(statement.span) if statement.span is not None else position
        groups.setdefault(key, []).append(statement)
    return groups
