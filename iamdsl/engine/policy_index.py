"""Which statements of a policy cover an action: an index by service prefix, then by action.

Stage: engine (built lazily, once per policy, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).  Those few are
then tested with `match_statement`'s own action test (`actions_match`), once
per action, and the answer is remembered.

The evaluator takes the statements that cover the action when it skips the
misses, and every statement, each with its answer, when it records them.
`match_statement` still decides everything else, so the index only ever
saves the action test, and skips statements that would miss on it.
"""

from __future__ import annotations

from iamdsl.engine.matching import actions_match
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Tested = tuple[tuple[int, Statement, bool], ...]  # (position, statement, whether its actions cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # actions remembered per policy


class PolicyIndex:
    """One policy's statements, by the actions they cover."""

    __slots__ = ("policy", "_by_service", "_by_action")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        by_service: dict[str, list[int]] = {}
        anything: list[int] = []  # statements that may cover any service: `*`, NotAction
        for index, statement in enumerate(policy.statements):
            prefixes = _prefixes(statement)
            if prefixes is None:
                anything.append(index)
            for prefix in prefixes or ():
                by_service.setdefault(prefix, []).append(index)
        self._by_service = {service: tuple(sorted(set(found) | set(anything))) for service, found in by_service.items()}
        self._by_service[""] = tuple(anything)  # any other service
        self._by_action: dict[str, tuple[Tested, Tested]] = {}

    def tested(self, action: str) -> tuple[Tested, Tested]:
        """Every statement with its answer for `action`, and those that cover it."""
        found = self._by_action.get(action)
        if found is None:
            statements = self.policy.statements
            service = action.partition(":")[0].lower()
            candidates = self._by_service.get(service, self._by_service[""])
            covering = frozenset(index for index in candidates if actions_match(statements[index], action))
            every = tuple((index, statement, index in covering) for index, statement in enumerate(statements))
            found = (every, tuple(entry for entry in every if entry[2]))
            if len(self._by_action) >= _MAX_ACTIONS:
                self._by_action.clear()
            self._by_action[action] = found
        return found


def _prefixes(statement: Statement) -> frozenset[str] | None:
    """The lower-cased service prefixes the statement's Action names; None when it may cover any."""
    if statement.actions is None:
        return None  # NotAction
    prefixes = set()
    for pattern in statement.actions:
        if pattern == "*":
            return None
        prefix, sep, _ = pattern.partition(":")
        if sep and not has_wildcard(prefix):
            prefixes.add(prefix.lower())
    return frozenset(prefixes)


class PolicyIndexes:
    """The index of every policy met so far, by identity."""

    __slots__ = ("_indexes",)

    def __init__(self) -> None:
        self._indexes: dict[int, PolicyIndex] = {}

    def statements(self, policy: Policy, action: str, *, every: bool) -> Tested:
        """(position, statement, covers) of every statement of `policy`, or of those whose actions cover `action`."""
        index = self._indexes.get(id(policy))
        if index is None:
            if len(self._indexes) >= _MAX_INDEXED:
                self._indexes.clear()
            index = self._indexes[id(policy)] = PolicyIndex(policy)
        return index.tested(action)[0 if every else 1]
