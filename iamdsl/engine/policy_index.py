"""Which statements of a policy can cover an action: an index by service prefix.

Stage: engine (built once per policy, when a decision first meets it, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).

The index by service is built for all services at once.  On top of it, each
exact action string a decision meets gets its own entry, on first use
(`for_action`): which statements cover it (the service's candidates, tested
once), every statement marked with whether it covers it (for a trace that
records the misses), and the covering statements compiled for decisions
without a trace (compiled.py).  Whether a statement covers an action depends
on the two alone, never on the rest of the request, so this is the policy's
own precomputation, shared by every request that names the action.
"""

from __future__ import annotations

from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.matching import actions_match
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Tested = tuple[tuple[int, Statement, "bool | None"], ...]  # (position, statement, False when it cannot cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # actions remembered per policy


class PolicyIndex:
    """One policy's statements, by the service prefixes their actions can cover."""

    __slots__ = ("policy", "settings", "_candidates", "_anywhere", "_every", "_actions", "_compiled")

    def __init__(self, policy: Policy, settings: Settings = DEFAULT_SETTINGS) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self.settings = settings
        self._actions: dict[str, ActionStatements] = {}
        self._compiled: dict[int, CompiledStatement] = {}  # by position, shared by every action
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


    def for_action(self, action: str) -> "ActionStatements":
        """The policy's statements for one exact action string."""
        found = self._actions.get(action)
        if found is None:
            if len(self._actions) >= _MAX_ACTIONS:
                self._actions.clear()
            found = self._actions[action] = ActionStatements(self, action)
        return found

    def compiled(self, index: int) -> CompiledStatement:
        found = self._compiled.get(index)
        if found is None:
            found = self._compiled[index] = CompiledStatement(index, self.policy.statements[index], self.policy, self.settings)
        return found


class ActionStatements:
    """One policy's statements for one action: those that cover it, and how each is tested."""

    __slots__ = ("covering", "_index", "_action", "_tested", "_denies", "_allows")

    def __init__(self, index: PolicyIndex, action: str) -> None:
        self._index = index
        self._action = action
        service = action.split(":", 1)[0].lower()
        # (position, statement) of the statements whose Action covers it, or whose NotAction leaves it out
        self.covering: tuple[tuple[int, Statement], ...] = tuple(
            (position, statement) for position, statement, _ in index.candidates(service) if actions_match(statement, action)
        )
        self._tested: Tested | None = None
        self._denies: tuple[CompiledStatement, ...] | None = None
        self._allows: tuple[CompiledStatement, ...] | None = None

    @property
    def tested(self) -> tuple[tuple[int, Statement, bool], ...]:
        """Every statement, each with whether it covers the action: what a trace of the misses walks."""
        if self._tested is None:
            covered = {position for position, _ in self.covering}
            self._tested = tuple((position, statement, position in covered) for position, statement in enumerate(self._index.policy.statements))
        return self._tested

    @property
    def denies(self) -> tuple[CompiledStatement, ...]:
        """The covering Deny statements, compiled, in policy order."""
        if self._denies is None:
            self._split()
        return self._denies  # type: ignore[return-value]

    @property
    def allows(self) -> tuple[CompiledStatement, ...]:
        """The covering Allow statements, compiled, in policy order."""
        if self._allows is None:
            self._split()
        return self._allows  # type: ignore[return-value]

    def _split(self) -> None:
        compiled = [self._index.compiled(position) for position, _ in self.covering]
        self._denies = tuple(c for c in compiled if c.is_deny)
        self._allows = tuple(c for c in compiled if not c.is_deny)


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

    __slots__ = ("_indexes", "settings")

    def __init__(self, settings: Settings = DEFAULT_SETTINGS) -> None:
        self._indexes: dict[int, PolicyIndex] = {}
        self.settings = settings  # compiled conditions and Resource entries follow them

    def index(self, policy: Policy) -> PolicyIndex:
        index = self._indexes.get(id(policy))
        if index is None:
            if len(self._indexes) >= _MAX_INDEXED:
                self._indexes.clear()
            index = self._indexes[id(policy)] = PolicyIndex(policy, self.settings)
        return index

    def statements(self, policy: Policy, service: str, *, every: bool) -> Tested:
        """(position, statement, known) of every statement of `policy`, or of the candidates for an action of `service`."""
        index = self.index(policy)
        return index.every(service) if every else index.candidates(service)

    def for_action(self, policy: Policy, action: str) -> ActionStatements:
        """The statements of `policy` for one exact action string (see `PolicyIndex.for_action`)."""
        index = self._indexes.get(id(policy))
        if index is None:
            index = self.index(policy)
        return index.for_action(action)
