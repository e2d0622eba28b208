"""Which statements of a policy can cover an action: an index by service prefix.

Stage: engine (built once per policy, when a decision first meets it, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).

The evaluator takes those candidates alone when it skips the misses, and
every statement when it records them, each marked with what the index knows:
False for a statement that cannot cover the action, None for a candidate,
which `match_statement` tests as usual.  The index is by service rather
than by action, and built for all services at once: an index per action, or
per service met, would be cold for most requests, which name many actions.
"""

from __future__ import annotations

from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Tested = tuple[tuple[int, Statement, "bool | None"], ...]  # (position, statement, False when it cannot cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request


class PolicyIndex:
    """One policy's statements, by the service prefixes their actions can cover."""

    __slots__ = ("policy", "_candidates", "_anywhere", "_every")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        statements = policy.statements
        by_service: dict[str, list[int]] = {}
        anywhere: list[int] = []  # `*` and NotAction statements: candidates for every service
        for index, statement in enumerate(statements):
            prefixes = _prefixes(statement)
            if prefixes is None:
                anywhere.append(index)
            for prefix in prefixes or ():
                by_service.setdefault(prefix, []).append(index)
        self._anywhere: Tested = tuple((index, statements[index], None) for index in anywhere)
        self._candidates: dict[str, Tested] = {
            service: tuple((index, statements[index], None) for index in sorted(set(found).union(anywhere)))
            for service, found in by_service.items()
        }
        self._every: dict[str, Tested] = {}  # built when a trace records the misses

    def candidates(self, service: str) -> Tested:
        """The statements that can cover an action of `service` (lower case), each marked None (to be tested)."""
        return self._candidates.get(service, self._anywhere)

    def every(self, service: str) -> Tested:
        """Every statement, the candidates marked None and the others False (they cannot cover the action)."""
        found = self._every.get(service)
        if found is None:
            candidates = {index for index, _, _ in self.candidates(service)}
            found = tuple((index, statement, None if index in candidates else False) for index, statement in enumerate(self.policy.statements))
            self._every[service] = found
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
        return index.every(service) if every else index.candidates(service)
