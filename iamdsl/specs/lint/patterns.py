"""Certain answers about Action and Resource patterns: does one cover, or can it meet, another?

Stage: lint primitive, over the engine's own matchers (`engine.actions`, `engine.arn`).

Deciding whether one glob's language contains another's is more than lint
needs, and an answer that is only probably right would make findings that
are only probably right.  So `covers` says yes only when it is certain (equal
text, `*`, a literal the other matches, or a `prefix*` the other starts with)
and `may_meet` says no only when it is certain (two literals that differ, or
literal prefixes that part ways).  Rules report a redundancy only on a
certain `covers`, and a missing grant only on a certain "cannot meet".
"""

from __future__ import annotations

from iamdsl.engine.actions import action_matches
from iamdsl.engine.arn import resource_matches
from iamdsl.engine.wildcard import has_wildcard

_VARIABLE = "${"  # a policy variable: its value is known only per request


def _literal_prefix(pattern: str) -> str:
    """The text before the first wildcard or variable."""
    cut = len(pattern)
    for mark in ("*", "?", _VARIABLE):
        found = pattern.find(mark)
        if found >= 0:
            cut = min(cut, found)
    return pattern[:cut]


def _is_literal(pattern: str) -> bool:
    return not has_wildcard(pattern) and _VARIABLE not in pattern


def _prefix_star(pattern: str) -> str | None:
    """`P` when the pattern is a literal `P` followed by one `*`, else None."""
    if pattern.endswith("*") and _is_literal(pattern[:-1]):
        return pattern[:-1]
    return None


# ------------------------------------------------------------------ actions (no case, R4, R14)


def action_covers(wide: str, narrow: str) -> bool:
    """Certainly every action `narrow` names is one `wide` names."""
    if wide == "*" or wide.lower() == narrow.lower():
        return True
    if narrow == "*":
        return False
    if _is_literal(narrow):
        return action_matches(wide, narrow)
    prefix = _prefix_star(wide)
    return prefix is not None and ":" in prefix and _literal_prefix(narrow).lower().startswith(prefix.lower())


def action_may_meet(one: str, other: str) -> bool:
    """False only when no action can be named by both."""
    if one == "*" or other == "*":
        return True
    if _is_literal(one) and _is_literal(other):
        return one.lower() == other.lower()
    if _is_literal(one):
        return action_matches(other, one)
    if _is_literal(other):
        return action_matches(one, other)
    a, b = _literal_prefix(one).lower(), _literal_prefix(other).lower()
    return a.startswith(b) or b.startswith(a)


def actions_covered(wide: tuple[str, ...], narrow: tuple[str, ...]) -> bool:
    return all(any(action_covers(w, n) for w in wide) for n in narrow)


def actions_may_meet(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return any(action_may_meet(a, b) for a in one for b in other)


# ------------------------------------------------------------------ resources (R16)


def resource_covers(wide: str, narrow: str) -> bool:
    """Certainly every ARN `narrow` names is one `wide` names."""
    if wide == "*" or wide == narrow:
        return True
    if narrow == "*" or _VARIABLE in wide:
        return False
    if _is_literal(narrow):
        return resource_matches(wide, narrow)
    prefix = _prefix_star(wide)
    # Only a `*` in field 6 is a plain suffix wildcard; one in fields 1–5 follows D10.
    return prefix is not None and prefix.count(":") >= 5 and _literal_prefix(narrow).startswith(prefix)


def resource_may_meet(one: str, other: str) -> bool:
    """False only when no ARN can be named by both."""
    if one == "*" or other == "*":
        return True
    if _is_literal(one) and _is_literal(other):
        return resource_matches(one, other) or resource_matches(other, one)  # fields 2–5 ignore case (D6)
    if _is_literal(one) and _VARIABLE not in other:
        return resource_matches(other, one)
    if _is_literal(other) and _VARIABLE not in one:
        return resource_matches(one, other)
    a, b = _literal_prefix(one).lower(), _literal_prefix(other).lower()  # generous: fields 2-5 ignore case
    return a.startswith(b) or b.startswith(a)


def resources_covered(wide: tuple[str, ...], narrow: tuple[str, ...]) -> bool:
    return all(any(resource_covers(w, n) for w in wide) for n in narrow)


def resources_may_meet(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return any(resource_may_meet(a, b) for a in one for b in other)
