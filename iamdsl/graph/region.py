"""Asking both models about a region of the universe: the requests, and the become edges, a change can affect.

Stage: graph (a region of the universe -> what each model allows there).

`Asking` holds the two models' universes.  `access(boxes)` lists the
requests of the boxes (changes.py), principal by target by group of actions
(universe.py `Grouping`), asks each model with the engine's untraced path
(`Evaluator.evaluate(request, trace=False)`), and returns, per model, the
requests it allows and those it allows only under some context.  A box with
no filter is the whole universe: that is how the brute-force diff is asked,
through the same code.  `edges(names)` asks graph/become.py for the become
edges out of the named actors, in each model that has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from iamdsl.engine.actions import action_key
from iamdsl.engine.arn import request_fields
from iamdsl.engine.evaluate import Outcome
from iamdsl.engine.matching import principal_grant
from iamdsl.engine.request import Request
from iamdsl.engine.settings import DEFAULT_SETTINGS
from iamdsl.graph.access import Triple
from iamdsl.graph.changes import Box
from iamdsl.graph.universe import STAR, Asker, Grouping, Universe, in_play
from iamdsl.model import PrincipalKind, PrincipalType

EdgeKey = tuple[str, str, str, str]  # (source, edge kind, target, via or "")


@dataclass(slots=True)
class Found:
    """What one model allows in the region asked."""

    allowed: set[Triple] = field(default_factory=set)
    conditional: set[Triple] = field(default_factory=set)
    edges: set[EdgeKey] = field(default_factory=set)
    conditional_edges: set[EdgeKey] = field(default_factory=set)


class Asking:
    """Both models, ready to be asked about boxes of their universe."""

    def __init__(self, old: Universe, new: Universe):
        self.sides = (old, new)
        self.grouping = Grouping()
        self._targets: list[str] | None = None
        self._names: dict[str, None] | None = None
        self._symbolic_actors: list[dict[str, object] | None] = [None, None]
        self.asked = 0  # requests decided, both models counted
        self.cells = 0

    # ---------------------------------------------------------------- the universe of both
    @property
    def targets(self) -> list[str]:
        if self._targets is None:
            old, new = (u.targets for u in self.sides)
            known = set(old)
            self._targets = old + [t for t in new if t not in known]
        return self._targets

    @property
    def names(self) -> dict[str, None]:
        """Every named principal of either model."""
        if self._names is None:
            old, new = (u.names for u in self.sides)
            self._names = dict.fromkeys(list(old) + [n for n in new if n not in old])
        return self._names

    def _has_target(self, target: str) -> bool:
        return any(u.has(target) for u in self.sides)

    def actions(self, target: str) -> tuple[str, ...]:
        old, new = (u.actions(target) for u in self.sides)
        if old is None or new is None or old is new:
            return old or new or ()
        return tuple(dict.fromkeys(old + new))  # the target's type differs: each model is asked its own (below)

    # ---------------------------------------------------------------- access
    def access(self, boxes: Iterable[Box]) -> tuple[Found, Found]:
        """What each model allows among the requests of the boxes."""
        cells: dict[tuple[str, str], list[Box]] = {}  # (principal, target) -> the boxes it is in: their statements filter its actions
        for box in boxes:
            for target in self._box_targets(box):
                for name in self._box_principals(box, target):
                    filters = cells.get((name, target))
                    if filters is None:
                        cells[(name, target)] = [box]
                    elif filters[-1] is not box:
                        filters.append(box)
        self.cells = len(cells)
        return self._ask(cells)

    def _ask(self, cells: dict[tuple[str, str], list[Box]]) -> tuple[Found, Found]:
        results = (Found(), Found())
        grouping = self.grouping
        register = grouping.register
        for (name, target), boxes in cells.items():
            askers = [self._asker(side, name, target) for side in (0, 1)]
            present = [a is not None and u.has(target) for a, u in zip(askers, self.sides)]
            if not any(present):
                continue
            # the groups: by the patterns of the policies in play in either model, and of the filters
            sources: set[int] = set()
            for asker, universe, here in zip(askers, self.sides, present):
                if here:
                    sources.update(register(policy) for policy in in_play(universe, asker, target))  # type: ignore[arg-type]
            filters = [box.actions for box in boxes]
            every = any(f is None and not box.sts_only for f, box in zip(filters, boxes))
            if not every:
                sources.update(register(f.statement) for f in filters if f is not None)
            actions = self.actions(target)
            groups = grouping.groups(target, actions, frozenset(sources))
            chosen = [group for group in groups if every or any(_covers(box, group[0]) for box in boxes)]
            if not chosen:
                continue
            for side, (universe, asker, found) in enumerate(zip(self.sides, askers, results)):
                if not present[side]:
                    continue
                own = universe.actions(target)
                mine = None if own is actions else set(own)
                evaluate = universe.evaluator.evaluate
                caller, context = asker.caller, asker.context  # type: ignore[union-attr]
                for group in chosen:
                    outcome = evaluate(Request(caller, group[0], target, context), trace=False).outcome
                    self.asked += 1
                    into = found.allowed if outcome is Outcome.ALLOWED else found.conditional if outcome is Outcome.CONDITIONAL else None
                    if into is not None:
                        into.update((name, action, target) for action in group if mine is None or action in mine)
        return results

    def _asker(self, side: int, name: str, target: str) -> Asker | None:
        universe = self.sides[side]
        if name in self.names:
            return universe.asker(name)
        for each in self.sides:  # a symbolic principal: the same caller in both models
            for asker in each.symbolic(target):
                if asker.name == name:
                    return asker
        return None

    def _box_targets(self, box: Box) -> Iterator[str]:
        check = box.resources
        if box.targets is not None:
            candidates: Iterable[str] = [t for t in box.targets if self._has_target(t)]
        elif check is not None and (services := _services(check)) is not None:
            candidates = self._in_services(services)  # only these services' targets can match
        else:
            candidates = self.targets
        for target in candidates:
            if box.target_account is not None and box.target_account not in self._target_accounts(target):
                continue
            if check is not None and not _may_match(check, target):
                continue
            yield target

    def _in_services(self, services: set[str]) -> list[str]:
        found: dict[str, None] = {}
        for service in services:
            for universe in self.sides:
                found.update(dict.fromkeys(universe.in_service(service)))
        return list(found)

    def _target_accounts(self, target: str) -> set[str | None]:
        return {u.target_account(target) for u in self.sides if u.has(target)}

    def _box_principals(self, box: Box, target: str) -> Iterator[str]:
        """The named principals, then the target's symbolic ones, that pass the box's principal filters."""
        if box.principals is not None:
            names: Iterable[str] = [n for n in box.principals if n in self.names]
        elif box.account is not None:
            names = self._in_account(box.account)
        elif box.grant is not None:
            names = self._named_by(box.grant.statement)
        else:
            names = self.names
        for name in names:
            askers = [a for a in (u.asker(name) for u in self.sides) if a is not None]
            if self._passes(box, askers):
                yield name
        if box.principals is None and target != STAR:
            seen: set[str] = set()
            for universe in self.sides:
                for asker in universe.symbolic(target):
                    if asker.name not in seen:
                        seen.add(asker.name)
                        if self._passes(box, [asker]):
                            yield asker.name

    def _in_account(self, account: str) -> list[str]:
        old, new = (u.in_account(account) for u in self.sides)
        return old + [n for n in new if n not in old] if new else old

    def _named_by(self, statement) -> Iterable[str]:
        """The named principals a Principal element can reach: a superset, cut down exactly by `_passes`."""
        if statement.principals is None:
            return self.names  # NotPrincipal reaches everyone not listed
        found: dict[str, None] = {}
        for principal in statement.principals:
            value = principal.value
            if principal.type is PrincipalType.STAR or value == "*":
                return self.names
            if principal.type is PrincipalType.AWS:
                fields = value.split(":")
                account = value if len(value) == 12 and value.isdigit() else fields[4] if len(fields) >= 6 else None
                if account is None:
                    return self.names  # not a form an account can be read from: ask everyone rather than miss one
                found.update(dict.fromkeys(self._in_account(account)))
        return found

    @staticmethod
    def _passes(box: Box, askers: list[Asker]) -> bool:
        if box.account is not None and not any(a.caller.account == box.account for a in askers):
            return False
        if box.grant is not None:
            statement, trust = box.grant.statement, box.grant.trust
            if not any(principal_grant(statement, a.caller, DEFAULT_SETTINGS, trust=trust) is not None for a in askers):
                return False
        return True

    # ---------------------------------------------------------------- become edges
    def _services(self, side: int) -> dict[str, object]:
        """become.py's symbolic actors of one model: the services and identity providers its trust policies name."""
        found = self._symbolic_actors[side]
        if found is None:
            from iamdsl.graph.become import callers_outside_iam

            found = self._symbolic_actors[side] = {a.name: a for a in callers_outside_iam(self.sides[side].model)}
        return found

    def actor(self, side: int, name: str):
        """become.py's actor called `name` in one model (a role or user, a service, an identity provider), or None."""
        universe = self.sides[side]
        entity = universe.model.principals.get(name)
        if entity is not None:
            if entity.kind is PrincipalKind.GROUP or entity.account not in universe.model.accounts:
                return None
            from iamdsl.graph.become import Actor

            asker = universe.asker(name)
            return None if asker is None else Actor(name, asker.caller)
        return self._services(side).get(name)

    def _actor_names(self, candidates: Iterable[str] | None) -> list[str]:
        """The actors among named principals (all of them for None), and every symbolic actor when asked for all."""
        names = self.names if candidates is None else candidates
        found = [n for n in names if any(self.actor(side, n) is not None for side in (0, 1))]
        if candidates is None:
            found += [n for side in (0, 1) for n in self._services(side) if n not in found]
        return found

    def sources(self, names: set[str], accounts: set[str], boxes: list[Box]) -> set[str]:
        """The actors named, of the accounts, or that a box's principals reach (become edges start at them)."""
        if not (names or accounts or boxes):
            return set()
        if "*" in names:
            return set(self._actor_names(None))
        found = set(self._actor_names(names))
        for account in accounts:
            found.update(self._actor_names(self._in_account(account)))
        symbolic = [n for side in (0, 1) for n in self._services(side)]
        for box in boxes:
            if box.principals is not None:
                candidates: list[str] = list(box.principals)
            elif box.account is not None:
                candidates = self._in_account(box.account)
            elif box.grant is not None:
                candidates = list(self._named_by(box.grant.statement)) + symbolic
            else:
                return set(self._actor_names(None))  # a box on everyone: every actor
            for name in candidates:
                if name in found:
                    continue
                actors = [a for a in (self.actor(side, name) for side in (0, 1)) if a is not None]
                if actors and self._passes(box, [Asker(a.name, a.caller) for a in actors]):
                    found.add(name)
        return found

    def edges(self, names: Iterable[str] | None) -> tuple[Found, Found]:
        """The become edges out of the named actors (every actor for None), in each model that has the actor."""
        results = (Found(), Found())
        chosen = self._actor_names(None) if names is None else list(names)
        if not chosen:
            return results
        from iamdsl.graph.become import Becoming

        for side, (universe, found) in enumerate(zip(self.sides, results)):
            becoming = Becoming(universe.model, universe.evaluator)
            for name in chosen:
                actor = self.actor(side, name)
                if actor is None:
                    continue
                for edge in becoming.out_edges(actor):
                    key = (edge.source, edge.kind.value, edge.target, edge.via or "")
                    (found.conditional_edges if edge.conditional else found.edges).add(key)
        return results


def _covers(box: Box, action: str) -> bool:
    if box.sts_only and not action.lower().startswith("sts:"):
        return False
    return box.actions is None or box.actions.covers(action, action_key(action))


def _services(compiled) -> set[str] | None:
    """The services (lower case) whose targets the statement's Resource entries can match, or None for any.

    An ARN entry matches only ARNs of its own service field (D6 compares it
    without case), so a field without wildcards names the one service; `*`,
    NotResource, variables and entries that are not ARNs can match any.
    """
    checks = compiled.checks
    if checks is None or compiled.negated:
        return None
    found: set[str] = set()
    for check in checks:
        fields = check.pattern.split(":", 3)
        if check.star or len(fields) < 4 or fields[0] != "arn" or "*" in fields[2] or "?" in fields[2] or not fields[2]:
            return None
        found.add(fields[2].lower())
    return found


def _may_match(compiled, target: str) -> bool:
    """Whether the statement's Resource/NotResource can match the target (true when it cannot tell: policy variables)."""
    checks = compiled.checks
    if checks is None:
        return True  # no Resource element (the resource itself), or entries with variables: any target
    fields = request_fields(target)
    matched = any(check.matches(target, fields) for check in checks)
    return not matched if compiled.negated else matched
