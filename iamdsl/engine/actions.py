"""Action matching: does a policy's Action entry cover the requested action?

Stage: engine primitive (R4, R14).
"""

from __future__ import annotations

from iamdsl.engine.wildcard import glob_match, has_wildcard


def action_matches(pattern: str, action: str) -> bool:
    """Whether the Action (or NotAction) entry `pattern` covers `action`.

    - a bare `*` covers every action (R14);
    - otherwise both split at their first `:` into prefix and name (R4);
    - a wildcard in the prefix matches nothing (R14): AWS takes the service
      prefix literally, so `s*:GetObject` names no real service;
    - the prefixes compare without case (R4), and the name is a glob that
      ignores case (R14), so `S3:getobject` covers `s3:GetObject` (E49).
    """
    if pattern == "*":
        return True
    prefix, sep, name = pattern.partition(":")
    action_prefix, action_sep, action_name = action.partition(":")
    if not sep or not action_sep or has_wildcard(prefix):
        return False
    if prefix.lower() != action_prefix.lower():
        return False
    return glob_match(name, action_name, ignore_case=True)
