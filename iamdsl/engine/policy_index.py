"""Which statements of a policy can cover an action: an index by service prefix.

Stage: engine (built lazily, once per policy and service, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).

The evaluator takes those candidates alone when it skips the misses, and
every statement when it records them, each marked with what the index knows:
False for a statement that cannot cover the action, None for a candidate,
which `match_statement` tests as usual.  The index is per service rather
than per action because services are few: it is warm after a handful of
requests, where one per action would be cold for most of them.
"""

from __future__ import annotations

from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Tested = tuple[tuple[int, Statement, "bool | None"], ...]  # (position, statement, False when it cannot cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request


class PolicyIndex:
    """One policy's statements, by the service prefixes their actions can cover."""

    __slots__ = ("policy", "_prefixes", "_by_service")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self._prefixes = [_prefixes(statement) for statement in policy.statements]
        self._by_service: dict[str, tuple[Tested, Tested]] = {}

    def tested(self, service: str) -> tuple[Tested, Tested]:
        """Every statement, marked, and the candidates alone, for an action of `service` (lower case)."""
        found = self._by_service.get(service)
        if found is None:
            every = tuple(
                (index, statement, None if prefixes is None or service in prefixes else False)
                for index, (statement, prefixes) in enumerate(zip(self.policy.statements, self._prefixes))
            )
            found = self._by_service[service] = (every, tuple(entry for entry in every if entry[2] is None))
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

    def statements(self, policy: Policy, service: str, *, every: bool) -> Tested:
        """(position, statement, known) of every statement of `policy`, or of the candidates for an action of `service`."""
        index = self._indexes.get(id(policy))
        if index is None:
            if len(self._indexes) >= _MAX_INDEXED:
                self._indexes.clear()
            index = self._indexes[id(policy)] = PolicyIndex(policy)
        return index.tested(service)[0 if every else 1]
