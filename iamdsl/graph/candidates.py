"""Which principals could possibly be allowed a request: the exact pruning behind `who can` at scale.

Stage: graph (model -> index).  AWS allows a request only when some Allow
statement applies to it, in an identity policy of the caller (its own, its
groups', its managed policies) or in the resource's policy (R18, R50).  So a
principal that no such Allow could reach is implicitly denied, and `who can`
need not ask the engine about it.  This index answers "who might an Allow
reach?" from policy text alone, erring towards "might":

- an identity Allow counts when one of its Action (or NotAction) patterns
  covers an asked action and its Resource (or NotResource) covers the
  resource; conditions are ignored, and a Resource with a policy variable
  counts as covering;
- a resource-policy Allow that names `"*"`, or uses NotPrincipal, might reach
  every principal; one that names an account might reach every principal of
  it; one that names a role or user reaches that principal.

Root users and symbolic principals are not pruned: the root user needs no
identity Allow in its own account (R63).  Nor is anyone for sts:GetCallerIdentity,
which every authenticated caller may call with no policy (R81).  The engine then decides each
candidate exactly, so pruning changes how long `who can` takes, never its
answer (tests/graph/test_who_can.py checks that against asking everyone).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from iamdsl.engine.actions import action_matches
from iamdsl.engine.arn import resource_matches
from iamdsl.engine.verbs import requests_for
from iamdsl.model import Effect, Model, Policy, PrincipalKind, PrincipalType, Statement

Pair = tuple[str, str]  # (action, the resource it acts on)
EVERYONE = None  # what `might_be_allowed` returns when no principal can be ruled out


class Candidates:
    """An index of one model's Allow statements, by the service their actions name."""

    def __init__(self, model: Model):
        self.model = model
        # owner key -> the principals its policies apply to; owner keys: entity name, or managed policy ARN
        self._holders: dict[str, set[str]] = defaultdict(set)
        # service prefix (or "*") -> (owner key, statement)
        self._by_service: dict[str, list[tuple[str, Statement]]] = defaultdict(list)
        self._by_account: dict[str, set[str]] = defaultdict(set)
        self._by_arn: dict[str, str] = {}
        ids = {a.name: a.id for a in model.accounts.values()}
        members: dict[str, set[str]] = defaultdict(set)
        for entity in model.principals.values():
            if entity.kind is PrincipalKind.USER:
                for group in entity.groups:
                    members[group].add(entity.qualified_name)
        for entity in model.principals.values():
            name = entity.qualified_name
            holders = members[name] if entity.kind is PrincipalKind.GROUP else {name}
            if entity.kind is not PrincipalKind.GROUP:
                self._by_account[ids.get(entity.account, "")].add(name)
                self._by_arn[entity.arn] = name
            self._holders[name] |= holders
            for policy in entity.inline_policies:
                self._add(name, policy)
            for arn in entity.managed_policies:
                self._holders[arn] |= holders
        for managed in model.managed_policies.values():
            if managed.arn in self._holders:
                self._add(managed.arn, managed.policy)

    def _add(self, owner: str, policy: Policy) -> None:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            for service in _services(statement):
                self._by_service[service].append((owner, statement))

    def might_be_allowed(self, actions: tuple[str, ...], resource: str) -> set[str] | None:
        """Names of the roles and users an Allow might reach for some of `actions` on `resource`; None for everyone."""
        found: set[str] = set()
        for _pair, names in self.by_request(actions, resource):
            if names is EVERYONE:
                return EVERYONE
            found |= names
        return found

    def by_request(self, actions: tuple[str, ...], resource: str) -> list[tuple[Pair, set[str] | None]]:
        """For each (action, resource) request of `actions`, the roles and users an Allow might reach; None for everyone."""
        pairs, _skipped = requests_for(actions, resource, self.model)
        found: list[set[str] | None] = [set() for _ in pairs]
        for index, (action, _target) in enumerate(pairs):
            if action.lower() == "sts:getcalleridentity":
                found[index] = EVERYONE  # R81: allowed to every authenticated caller, with no policy at all
        self._resource_side(pairs, resource, found)
        services = {action.split(":", 1)[0].lower() for action, _ in pairs} | {"*"}
        for service in services:
            for owner, statement in self._by_service.get(service, ()):
                holders = self._holders.get(owner)
                if not holders:
                    continue
                for index, pair in enumerate(pairs):
                    names = found[index]
                    if names is not EVERYONE and not holders <= names and _covers(statement, [pair]):
                        names |= holders
        return list(zip(pairs, found))

    def _resource_side(self, pairs: list[Pair], resource: str, found: list[set[str] | None]) -> None:
        for statement in self._resource_statements(resource):
            if statement.effect is not Effect.ALLOW:
                continue
            covered = [i for i, (action, _) in enumerate(pairs) if found[i] is not EVERYONE and _action_covered(statement, action)]
            if not covered:
                continue
            names = self._named_by(statement)
            for index in covered:
                if names is EVERYONE:
                    found[index] = EVERYONE
                else:
                    found[index] |= names  # type: ignore[operator]

    def _named_by(self, statement: Statement) -> set[str] | None:
        """The roles and users a resource-policy statement's Principal might reach; None for everyone."""
        if statement.not_principals is not None:
            return EVERYONE
        found: set[str] = set()
        for principal in statement.principals or ():
            value = principal.value
            if principal.type is PrincipalType.STAR or value == "*":
                return EVERYONE
            if principal.type is not PrincipalType.AWS:
                continue  # services and identity providers are symbolic principals, never pruned
            account = _account_of(value)
            if account is not None and (value.isdigit() or value.endswith(":root")):
                found |= self._by_account.get(account, set())
            elif value in self._by_arn:
                found.add(self._by_arn[value])
            elif ":assumed-role/" in value:
                role = value.split(":assumed-role/", 1)[1].split("/", 1)[0]
                found |= {n for n in self._by_account.get(account or "", ()) if n.endswith(f".{role}")}
        return found

    def _resource_statements(self, resource: str) -> Iterable[Statement]:
        for candidate in self.model.resources.values():
            if candidate.policy is not None and (resource == candidate.arn or resource.startswith(candidate.arn + "/")):
                yield from candidate.policy.statements
        for entity in self.model.principals.values():
            if entity.arn == resource and entity.trust_policy is not None:
                yield from entity.trust_policy.statements


_index: tuple[Model | None, Candidates | None] = (None, None)


def candidates_for(model: Model) -> Candidates:
    """The index of `model`, built once and kept for the last model asked about."""
    global _index
    if _index[0] is not model:
        _index = (model, Candidates(model))
    return _index[1]  # type: ignore[return-value]


def _services(statement: Statement) -> set[str]:
    if statement.not_actions is not None:
        return {"*"}  # NotAction covers actions of every service it does not list
    found = set()
    for pattern in statement.actions or ():
        prefix, sep, _ = pattern.partition(":")
        found.add(prefix.lower() if sep else "*")
    return found


def _action_covered(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        return any(p == "*" or action_matches(p, action) for p in statement.actions)
    return not any(action_matches(p, action) for p in statement.not_actions or ())


def _resource_covered(statement: Statement, resource: str) -> bool:
    if statement.resources is not None:
        return any(p == "*" or "${" in p or resource_matches(p, resource) for p in statement.resources)
    if statement.not_resources is not None:  # covered unless a pattern surely excludes it
        return not any("${" not in p and resource_matches(p, resource) for p in statement.not_resources)
    return True  # no Resource element: nothing to rule out


def _covers(statement: Statement, pairs: list[Pair]) -> bool:
    return any(_action_covered(statement, action) and _resource_covered(statement, target) for action, target in pairs)


def _account_of(value: str) -> str | None:
    if len(value) == 12 and value.isdigit():
        return value
    fields = value.split(":", 5)
    if len(fields) == 6 and fields[4].isdigit():
        return fields[4]
    return None
