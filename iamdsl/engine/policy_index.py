"""Which statements of a policy can cover an action: an index by service prefix.

Stage: engine (built once per policy, when a decision first meets it, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).

The index is built when a decision first meets the policy, for all services
at once, and every statement is compiled then (compiled.py).  On top of it,
each exact action string a decision meets gets its own entry, on first use
(`for_action`): the service's candidates whose actions do cover it, split
into Denies and Allows.  A policy whose every statement lists `*` (such as
FullAWSAccess) gives every action the same entry.  Whether a statement covers
an action depends on the two alone, never on the rest of the request, so
this is the policy's own precomputation, shared by every request that names
the action.
"""

from __future__ import annotations

import functools

from iamdsl.engine.actions import action_key
from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

Tested = tuple[tuple[int, Statement, "bool | None"], ...]  # (position, statement, False when it cannot cover the action)

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # actions remembered per policy


class PolicyIndex:
    """One policy's statements, by the service prefixes their actions can cover, each compiled."""

    __slots__ = (
        "policy", "settings", "has_denies", "has_allows", "compiled", "by_action", "_candidates", "_anywhere", "_every", "_actions",
        "_compiled_candidates", "_compiled_anywhere", "_uniform", "_shared",
    )

    def __init__(self, policy: Policy, settings: Settings = DEFAULT_SETTINGS) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self.settings = settings
        self._actions: dict[str, ActionStatements] = {}
        # `for_action`'s memo, which hot loops read first (`index.by_action.get(action) or index.for_action(action)`)
        # to save a call per policy; it only ever holds what `for_action` answered.
        self.by_action = self._actions
        statements = policy.statements
        # Every statement compiled now, when a decision first meets the policy: requests then only match.
        self.compiled: tuple[CompiledStatement, ...] = tuple(CompiledStatement(i, s, policy, settings) for i, s in enumerate(statements))
        # A decision looking for a Deny (or an Allow) skips the policies that have none.
        self.has_denies = any(c.is_deny for c in self.compiled)
        self.has_allows = any(not c.is_deny for c in self.compiled)
        by_service: dict[str, list[int]] = {}
        anywhere: list[int] = []  # `*` and NotAction statements: candidates for every service
        for index, statement in enumerate(statements):
            prefixes = _prefixes(statement)
            if prefixes is None:
                anywhere.append(index)
            for prefix in prefixes or ():
                by_service.setdefault(prefix, []).append(index)
        self._anywhere: Tested = tuple((index, statements[index], None) for index in anywhere)
        self._compiled_anywhere = tuple(self.compiled[index] for index in anywhere)
        self._candidates: dict[str, Tested] = {}
        self._compiled_candidates: dict[str, tuple[CompiledStatement, ...]] = {}
        for service, found in by_service.items():
            positions = sorted(set(found).union(anywhere))
            self._candidates[service] = tuple((index, statements[index], None) for index in positions)
            self._compiled_candidates[service] = tuple(self.compiled[index] for index in positions)
        self._every: dict[str, Tested] = {}  # built when a trace records the misses
        # Actions covered by the same statements share one entry: fewer objects kept per action met
        # (each kept object lengthens every full garbage collection).
        self._shared: dict[tuple[CompiledStatement, ...], ActionStatements] = {}
        # A policy whose every statement lists `*` (FullAWSAccess) treats every action alike: one answer for all.
        self._uniform: ActionStatements | None = None
        if statements and all("*" in (statement.actions or statement.not_actions or ()) for statement in statements):
            self._uniform = _statements_for(self.compiled, "*", None)

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
            if self._uniform is not None:
                found = self._actions[action] = self._uniform
            else:
                service, key = _action_parts(action)
                found = _statements_for(self._compiled_candidates.get(service, self._compiled_anywhere), action, key, self._shared)
                self._actions[action] = found
        return found

    def compiled_candidates(self, service: str) -> tuple[CompiledStatement, ...]:
        """`candidates(service)`, compiled."""
        return self._compiled_candidates.get(service, self._compiled_anywhere)


class ActionStatements:
    """One policy's statements for one action: the Denies and Allows that cover it, compiled, in policy order."""

    __slots__ = ("ordered", "denies", "allows", "_covering")

    def __init__(self, ordered: tuple[CompiledStatement, ...]) -> None:
        self.ordered = ordered  # every covering statement
        denies = tuple([c for c in ordered if c.is_deny])
        self.denies: tuple[CompiledStatement, ...] = denies
        self.allows: tuple[CompiledStatement, ...] = tuple([c for c in ordered if not c.is_deny]) if denies else ordered
        self._covering: tuple[tuple[int, Statement], ...] | None = None

    @property
    def covering(self) -> tuple[tuple[int, Statement], ...]:
        """(position, statement) of the statements whose Action covers the action, or whose NotAction leaves it out."""
        if self._covering is None:
            self._covering = tuple((c.index, c.statement) for c in self.ordered)
        return self._covering


def _statements_for(
    candidates: tuple[CompiledStatement, ...], action: str, key: str | None, shared: dict | None = None
) -> ActionStatements:
    """The entry for one action; `shared` holds the entries already made, by the statements they list."""
    ordered = tuple([c for c in candidates if c.covers(action, key)]) if candidates else ()
    if not ordered:
        return _NOTHING
    if shared is None:
        return ActionStatements(ordered)
    found = shared.get(ordered)
    if found is None:
        found = shared[ordered] = ActionStatements(ordered)
    return found


_NOTHING = ActionStatements(())  # for the actions no statement of a policy can cover


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
