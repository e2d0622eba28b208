"""Which statements of a policy cover an action: an index by service prefix, then by action.

Stage: engine (built once per policy, when a decision first meets it, then shared by every decision).

An Action entry covers only actions of its own service prefix, compared
without case; a bare `*` covers every action, and an entry whose prefix holds
a wildcard covers none (R4, R14).  So for a request on `s3:GetObject`, only
the statements that name `*` or an `s3:` entry can apply, plus every
NotAction statement (NotAction matches by what it leaves out).

The index is built when a decision first meets the policy, and every
statement is compiled then (compiled.py).  Per service an entry names, the
index works out what the service's actions get: often every one of them gets
the same statements (the service is named whole, `s3:*`, or only by a
NotAction that leaves it out), and then the service has one entry for all
its actions; otherwise the service has an entry per action key (a
`KeyedPlan`: the keys the statements name, and one entry for all the
others).  All the services no entry names share one entry (the `*` and
NotAction statements that cover them).  An entry lists the Denies and the
Allows that cover the action.  Whether a statement covers an action depends
on the two alone, never on the rest of the request, so this is the policy's
own precomputation, shared by every request that names the action.
"""

from __future__ import annotations

import functools

from iamdsl.engine.actions import action_key
from iamdsl.engine.compiled import ALL, NONE, SOME, CompiledStatement
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Policy, Statement

_MAX_INDEXED = 20_000  # policies held at once; session policies arrive per request
_MAX_ACTIONS = 4_096  # action keys remembered per service of a policy, when entries are worked out on first use
_ELSEWHERE = ":"  # stands for a service no entry of the policy names (no service prefix holds a colon)

Plan = "ActionStatements | KeyedPlan"  # a service's entry, or its entries by action key


class PolicyIndex:
    """One policy's statements, compiled, by the services and then the actions they cover."""

    __slots__ = ("policy", "settings", "has_denies", "has_allows", "compiled", "plans", "elsewhere", "_shared")

    def __init__(self, policy: Policy, settings: Settings = DEFAULT_SETTINGS) -> None:
        self.policy = policy  # held, so that the policy's id() stays unique while indexed
        self.settings = settings
        statements = policy.statements
        # Every statement compiled now, when a decision first meets the policy: requests then only match.
        compiled = self.compiled = tuple(CompiledStatement(i, s, policy, settings) for i, s in enumerate(statements))
        # A decision looking for a Deny (or an Allow) skips the policies that have none.
        self.has_denies = any(c.is_deny for c in compiled)
        self.has_allows = any(not c.is_deny for c in compiled)
        # Actions covered by the same statements share one entry: fewer objects kept per action met
        # (each kept object lengthens every full garbage collection).
        self._shared: dict[tuple[CompiledStatement, ...], ActionStatements] = {}
        # The candidates for an action of a service: the statements whose Action names the service, and
        # every `*` and NotAction statement; no other can cover it.
        by_service: dict[str, list[CompiledStatement]] = {}
        anywhere: list[CompiledStatement] = []
        for statement in compiled:
            prefixes = _prefixes(statement.statement)
            if prefixes is None:
                anywhere.append(statement)
                for found in by_service.values():
                    found.append(statement)
                continue
            for prefix in prefixes:
                found = by_service.get(prefix)
                if found is None:
                    found = by_service[prefix] = list(anywhere)
                found.append(statement)
        # Per service an Action or NotAction entry names, its plan; the services no entry names share one.
        named = set(by_service).union(*(c.named_services + c.star_services for c in compiled))
        self.plans: dict[str, Plan] = {service: self._plan(service, by_service.get(service, anywhere)) for service in sorted(named)}
        self.elsewhere: ActionStatements = self._plan(_ELSEWHERE, anywhere)  # type: ignore[assignment]

    def entry(self, service: str, key: str | None) -> "ActionStatements":
        """The policy's statements for an action whose `plan_key` is `service` and `action_key` is `key`.

        Hot loops inline it: `plans.get(service, elsewhere)`, then `[key]` when that is no entry.
        """
        found = self.plans.get(service, self.elsewhere)
        return found if found.__class__ is ActionStatements else found[key]  # type: ignore[index,return-value]

    def for_action(self, action: str) -> "ActionStatements":
        """The policy's statements for one exact action string."""
        return self.entry(*_action_parts(action))

    def _plan(self, service: str, candidates: list[CompiledStatement]) -> Plan:
        """What decisions read for the actions `service:name`: their entry, when it does not depend on the
        name; else their entries by action key, over the candidates that cover some or all of them (none of
        the others can cover such an action)."""
        coverage = [c.coverage(service) for c in candidates]
        if SOME not in coverage:
            return _shared_entry(tuple([c for c, k in zip(candidates, coverage) if k is ALL]), self._shared)
        return KeyedPlan(service, tuple([c for c, k in zip(candidates, coverage) if k is not NONE]), self._shared)


class KeyedPlan(dict):
    """The entries of a service whose statements cover some of its actions and not others, by action key.

    Whether a statement covers `service:name` depends on the action's key
    alone (`actions.action_key`: the prefix and the name folded, as Action
    entries compare them, R4, R14), so `CompiledStatement.covers(key, key)`
    answers for every action of that key.  The keys the statements name get
    their entry when the index is built.  When no entry is a glob on the
    service's names, every other key gets `default`; otherwise an entry is
    worked out when a key is first met, and kept.
    """

    __slots__ = ("candidates", "shared", "default")

    def __init__(self, service: str, candidates: tuple[CompiledStatement, ...], shared: dict) -> None:
        super().__init__()
        self.candidates = candidates
        self.shared = shared
        prefix = service + ":"
        named = sorted({key for c in candidates for key in c.action_keys if key.startswith(prefix)})
        for key in named:
            self[key] = _statements_for(candidates, key, key, shared)
        globbed = any(p.partition(":")[0].lower() == service and p.partition(":")[2] != "*" for c in candidates for p in c.action_globs)
        self.default: ActionStatements | None = None
        if not globbed:  # a key no entry names: the candidates that cover every key of the service, or leave it out
            probe = prefix + "\x00"
            while probe in self:
                probe += "\x00"
            self.default = _statements_for(candidates, probe, probe, shared)

    def __missing__(self, key: str) -> "ActionStatements":
        if self.default is not None:
            return self.default
        if len(self) >= _MAX_ACTIONS:
            self.clear()  # the named keys too: any key's entry is worked out again when met
        found = self[key] = _statements_for(self.candidates, key, key, self.shared)
        return found


class ActionStatements:
    """One policy's statements for one action: the Denies and Allows that cover it, compiled, in policy order."""

    __slots__ = ("ordered", "denies", "allows")

    def __init__(self, ordered: tuple[CompiledStatement, ...]) -> None:
        self.ordered = ordered  # every covering statement
        denies = tuple([c for c in ordered if c.is_deny])
        self.denies: tuple[CompiledStatement, ...] = denies
        self.allows: tuple[CompiledStatement, ...] = tuple([c for c in ordered if not c.is_deny]) if denies else ordered


def _statements_for(
    candidates: tuple[CompiledStatement, ...], action: str, key: str | None, shared: dict | None = None
) -> ActionStatements:
    """The entry for one action; `shared` holds the entries already made, by the statements they list."""
    ordered = tuple([c for c in candidates if c.covers(action, key)]) if candidates else ()
    return _shared_entry(ordered, shared)


def _shared_entry(ordered: tuple[CompiledStatement, ...], shared: dict | None) -> ActionStatements:
    """The entry listing `ordered`: the one already in `shared`, if any."""
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
    """`plan_key(action)` and `action_key(action)`: what a policy index reads of an action."""
    return plan_key(action), action_key(action)


def plan_key(action: str) -> str:
    """Which of a policy's plans an action reads: its service prefix in lower case.

    An action without a `:` is no service's: no Action entry but `*` covers it, and every NotAction
    entry leaves it out, exactly as for a service no entry names, so it reads that plan (`_ELSEWHERE`,
    which no prefix can equal).
    """
    prefix, sep, _ = action.partition(":")
    return prefix.lower() if sep else _ELSEWHERE


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

    def for_action(self, policy: Policy, action: str) -> ActionStatements:
        """The statements of `policy` for one exact action string (see `PolicyIndex.for_action`)."""
        index = self._indexes.get(id(policy))
        if index is None:
            index = self.index(policy)
        return index.for_action(action)
