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

import functools

from iamdsl.engine.actions import action_key
from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Effect, Policy, Statement

Tested = tuple[tuple[int, Statement, "bool | None"], ...]  # (position, statement, False when it cannot cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # actions remembered per policy


class PolicyIndex:
    """One policy's statements, by the service prefixes their actions can cover."""

    __slots__ = ("policy", "settings", "has_denies", "has_allows", "_candidates", "_anywhere", "_every", "_actions", "_compiled", "_compiled_candidates")

    def __init__(self, policy: Policy, settings: Settings = DEFAULT_SETTINGS) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self.settings = settings
        self._actions: dict[str, ActionStatements] = {}
        self._compiled: dict[int, CompiledStatement] = {}  # by position, shared by every action
        self._compiled_candidates: dict[str, tuple[CompiledStatement, ...]] = {}
        statements = policy.statements
        # A decision looking for a Deny (or an Allow) skips the policies that have none.
        self.has_denies = any(statement.effect is Effect.DENY for statement in statements)
        self.has_allows = any(statement.effect is not Effect.DENY for statement in statements)
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
            service, key = _action_parts(action)
            candidates = self._compiled_candidates.get(service)
            if candidates is None:
                candidates = self.compiled_candidates(service)
            found = self._actions[action] = ActionStatements(candidates, action, key) if candidates else _NOTHING
        return found

    def compiled_candidates(self, service: str) -> tuple[CompiledStatement, ...]:
        """`candidates(service)`, compiled; each statement is compiled once, whichever services it serves."""
        found = self._compiled_candidates.get(service)
        if found is None:
            found = self._compiled_candidates[service] = tuple(self._compile(position) for position, _, _ in self.candidates(service))
        return found

    def _compile(self, position: int) -> CompiledStatement:
        found = self._compiled.get(position)
        if found is None:
            found = self._compiled[position] = CompiledStatement(position, self.policy.statements[position], self.policy, self.settings)
        return found


class ActionStatements:
    """One policy's statements for one action: the Denies and Allows that cover it, compiled, in policy order."""

    __slots__ = ("denies", "allows", "ordered", "_covering")

    def __init__(self, candidates: tuple[CompiledStatement, ...], action: str, key: str | None) -> None:
        ordered = [statement for statement in candidates if statement.covers(action, key)]
        self.ordered: tuple[CompiledStatement, ...] = tuple(ordered)  # every covering statement, in policy order
        self.denies: tuple[CompiledStatement, ...] = tuple(c for c in ordered if c.is_deny) if ordered else ()
        self.allows: tuple[CompiledStatement, ...] = tuple(c for c in ordered if not c.is_deny) if ordered else ()
        self._covering: tuple[tuple[int, Statement], ...] | None = None

    @property
    def covering(self) -> tuple[tuple[int, Statement], ...]:
        """(position, statement) of the statements whose Action covers the action, or whose NotAction leaves it out."""
        if self._covering is None:
            self._covering = tuple((c.index, c.statement) for c in self.ordered)
        return self._covering


_NOTHING = ActionStatements((), "", None)  # for the actions no statement of a policy can cover


@functools.lru_cache(maxsize=4096)
def _action_parts(action: str) -> tuple[str, str | None]:
    """The service prefix (lower case) and `action_key` of an action, which every policy that meets it asks for."""
    return action.split(":", 1)[0].lower(), action_key(action)


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
