"""Action matching: does a policy's Action entry cover the requested action?

Stage: engine primitive (R4, R14).
"""

from __future__ import annotations

import functools

from iamdsl.engine.wildcard import Glob, compile_glob, fold, has_wildcard


def action_matches(pattern: str, action: str) -> bool:
    """Whether the Action (or NotAction) entry `pattern` covers `action`.

    - a bare `*` covers every action (R14);
    - otherwise both split at their first `:` into prefix and name (R4);
    - a wildcard in the prefix matches nothing (R14): AWS takes the service
      prefix literally, so `s*:GetObject` names no real service;
    - the prefixes compare without case (R4), and the name is a glob that
      ignores case (R14), so `S3:getobject` covers `s3:GetObject` (E49).
    """
    compiled = _compiled(pattern)
    if compiled is None:
        return pattern == "*"
    prefix, name = compiled
    action_prefix, action_sep, action_name = action.partition(":")
    if not action_sep or prefix != action_prefix.lower():
        return False
    return name.match(action_name)


@functools.lru_cache(maxsize=8192)
def _compiled(pattern: str) -> tuple[str, Glob] | None:
    """The lower-cased prefix and compiled name glob of an entry; None for `*` and for entries that match nothing."""
    prefix, sep, name = pattern.partition(":")
    if not sep or has_wildcard(prefix):
        return None
    return prefix.lower(), compile_glob(name, ignore_case=True)


def action_key(text: str) -> str | None:
    """The form in which an Action entry without wildcards and the actions it covers are equal.

    The prefix compares without case and the name as a case-ignoring glob
    (R4, R14), so an entry `S3:getobject` covers exactly the actions with
    the same key as its own.  None when there is no `:` (no entry but `*`
    covers such an action).
    """
    prefix, sep, name = text.partition(":")
    return f"{prefix.lower()}:{fold(name)}" if sep else None
