"""Which statements of a policy can match an action: an index by service prefix.

Stage: engine (built lazily, once per policy, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).  Those few
are then tested with `match_statement`'s own action test, once per action,
and remembered.  When misses are not recorded, the evaluator looks at the
statements that cover the action alone; `match_statement` still decides each
one, so the index only ever skips statements that would miss.
"""

from __future__ import annotations

from iamdsl.engine.matching import actions_match
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Candidates = tuple[tuple[int, Statement], ...]

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # actions remembered per policy


class PolicyIndex:
    """One policy's statements, by the service prefix of the actions they can match."""

    __slots__ = ("policy", "_anything", "_prefixes", "_by_service", "_by_action")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self._anything: list[bool] = []  # the statement may match any service
        self._prefixes: list[frozenset[str]] = []
        for statement in policy.statements:
            if statement.actions is None:
                self._anything.append(True)  # NotAction
                self._prefixes.append(frozenset())
                continue
            prefixes = set()
            anything = False
            for pattern in statement.actions:
                if pattern == "*":
                    anything = True
                    break
                prefix, sep, _ = pattern.partition(":")
                if sep and not has_wildcard(prefix):
                    prefixes.add(prefix.lower())
            self._anything.append(anything)
            self._prefixes.append(frozenset(prefixes))
        self._by_service: dict[str, Candidates] = {}
        self._by_action: dict[str, Candidates] = {}

    def matching(self, action: str) -> Candidates:
        """(position, statement) of every statement whose Action or NotAction covers `action`."""
        found = self._by_action.get(action)
        if found is None:
            service = action.partition(":")[0].lower()
            found = tuple((index, statement) for index, statement in self.candidates(service) if actions_match(statement, action))
            if len(self._by_action) >= _MAX_ACTIONS:
                self._by_action.clear()
            self._by_action[action] = found
        return found

    def candidates(self, service: str) -> Candidates:
        """(position, statement) of every statement that can match an action of `service` (lower case)."""
        found = self._by_service.get(service)
        if found is None:
            found = tuple(
                (index, statement)
                for index, statement in enumerate(self.policy.statements)
                if self._anything[index] or service in self._prefixes[index]
            )
            self._by_service[service] = found
        return found


class PolicyIndexes:
    """The index of every policy met so far, by identity."""

    __slots__ = ("_indexes",)

    def __init__(self) -> None:
        self._indexes: dict[int, PolicyIndex] = {}

    def matching(self, policy: Policy, action: str) -> Candidates:
        """The statements of `policy` whose actions cover `action`, with their positions."""
        index = self._indexes.get(id(policy))
        if index is None:
            if len(self._indexes) >= _MAX_INDEXED:
                self._indexes.clear()
            index = self._indexes[id(policy)] = PolicyIndex(policy)
        return index.matching(action)
