"""The whole access of a model: every request it allows, by brute force.

Stage: graph (many requests).  Every principal the model declares (roles as
sessions, users, the root user of every modelled account, and an anonymous
caller) is asked about every resource of the model (declared resources, and
roles, users, groups and customer-managed policies as IAM resources) and every
catalogue action that acts on that resource's type, plus every action without
resource-level permissions on `*` (R5).  On a type with children (a bucket),
the child-type actions are asked on `ARN/*`, "any object".

The answer is a set of `(principal, action, resource ARN)` triples, so two
models compare with set difference: that is how a suggested fix is proven to
grant nothing but what was asked (explain/fixes.py and its tests).

One shortcut keeps it fast enough for tests, and it is exact: a decision
depends on the action only through which Action/NotAction patterns of the
model match it, whether RCPs cover its service (R57), and the special rules
for `sts:` actions (R71, R78, R81).  Actions that agree on all three are
decided once, by one representative.  `exact=True` asks every action instead,
which is how the tests check the shortcut.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from iamdsl import catalog
from iamdsl.engine.actions import action_matches
from iamdsl.engine.callers import caller_for
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.verbs import resource_type_of
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.engine.world import World
from iamdsl.model import Model, PrincipalKind, Subject

ANONYMOUS = "anonymous"  # the principal name of an unauthenticated caller

Triple = tuple[str, str, str]  # (principal name, action, resource ARN or "*")


@dataclass(frozen=True, slots=True)
class Access:
    """The requests a model allows, and those it allows only under some context."""

    allowed: frozenset[Triple]
    conditional: frozenset[Triple]


def access(model: Model, evaluator: Evaluator | None = None) -> frozenset[Triple]:
    """Every `(principal, action, resource)` the model allows unconditionally."""
    return enumerate_access(model, evaluator).allowed


def enumerate_access(model: Model, evaluator: Evaluator | None = None, *, exact: bool = False) -> Access:
    """ALLOWED and CONDITIONAL requests over the model's principals, resources and the catalogue."""
    evaluator = evaluator or Evaluator(model)
    planned = _plan(model, None, exact=exact)
    allowed: set[Triple] = set()
    conditional: set[Triple] = set()
    for name, caller in principals(model):
        _ask(evaluator, name, caller, planned, allowed, conditional)
    return Access(frozenset(allowed), frozenset(conditional))


def principal_access(model: Model, name: str, caller: Caller, *, resource: str | None = None, evaluator: Evaluator | None = None) -> Access:
    """What one principal can do: on every resource, or on `resource` (and its children) only."""
    allowed: set[Triple] = set()
    conditional: set[Triple] = set()
    _ask(evaluator or Evaluator(model), name, caller, _plan(model, resource, exact=False), allowed, conditional)
    return Access(frozenset(allowed), frozenset(conditional))


def plans(model: Model) -> dict[str, list[tuple[str, list[list[str]]]]]:
    """For each declared resource's ARN, the requests `principal_access` asks about it: each
    target (the ARN, and `ARN/*` for children) with its actions in groups that every principal
    decides alike.  The Permissions Graph (build.py) asks them for many principals, with a context."""
    grouping = _Grouping(model)
    targets = dict(resource_targets(model))
    return {
        resource.arn: [(arn, grouping.groups(arn, targets[arn])) for arn in (resource.arn, resource.arn + "/*") if arn in targets]
        for resource in model.resources.values()
    }


def _plan(model: Model, resource: str | None, *, exact: bool) -> list[tuple[str, list[list[str]]]]:
    grouping = _grouping_for(model)
    if resource is None:
        targets = [("*", wildcard_only_actions())] + resource_targets(model)
    else:
        targets = [(arn, actions) for arn, actions in resource_targets(model, only=resource) if arn in (resource, resource + "/*")]
    return [(arn, [[a] for a in actions] if exact else grouping.groups(arn, actions)) for arn, actions in targets]


def _ask(evaluator: Evaluator, name: str, caller: Caller, planned, allowed: set[Triple], conditional: set[Triple]) -> None:
    for resource, groups in planned:
        for group in groups:
            outcome = evaluator.evaluate(Request(caller, group[0], resource), trace=False).outcome
            found = allowed if outcome is Outcome.ALLOWED else conditional if outcome is Outcome.CONDITIONAL else None
            if found is not None:
                found.update((name, action, resource) for action in group)


# ---------------------------------------------------------------- the principals


def principals(model: Model) -> list[tuple[str, Caller]]:
    """The callers the model can name: roles (as sessions), users, roots of modelled accounts, anonymous."""
    found: list[tuple[str, Caller]] = []
    for entity in model.principals.values():
        if entity.kind is PrincipalKind.GROUP or entity.account not in model.accounts:
            continue
        name = entity.qualified_name
        found.append((name, caller_for(Subject(kind="name", name=name), model)))
    for account in model.accounts.values():
        if not account.external:
            name = f"{account.name}.root"
            found.append((name, caller_for(Subject(kind="root", name=name), model)))
    found.append((ANONYMOUS, Caller(CallerKind.ANONYMOUS)))
    return found


# ---------------------------------------------------------------- the resources and their actions


def resource_targets(model: Model, *, only: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """Each resource ARN with the catalogue actions that act on it (children as `ARN/*`); `only`: that ARN's alone."""
    found: dict[str, list[tuple[str, ...]]] = {}

    def add(arn: str, info: catalog.ResourceTypeInfo | None) -> None:
        if only is not None and arn != only:
            return
        if info is None:
            return  # a raw ARN the catalogue cannot place: no action is known to act on it
        own, children = type_actions(info)
        found.setdefault(arn, []).append(own)
        for actions in children:
            found.setdefault(arn + "/*", []).append(actions)

    for resource in model.resources.values():
        if only is not None and resource.arn != only:
            continue  # before the type lookup, which costs on a model of 50,000 resources
        add(resource.arn, catalog.resource_type(resource.service, resource.type) if resource.type else resource_type_of(resource.arn, model))
    for entity in model.principals.values():
        add(entity.arn, catalog.resource_type("iam", entity.kind.value))
    for managed in model.managed_policies.values():
        if managed.account in model.accounts:  # AWS-managed policies belong to no account of the model
            add(managed.arn, catalog.resource_type("iam", "policy"))
    # One type's actions are one shared tuple: most targets keep it as it is (cheaper, and callers may memoise by it).
    return [(arn, lists[0] if len(lists) == 1 else tuple(dict.fromkeys(a for actions in lists for a in actions))) for arn, lists in found.items()]


@functools.cache
def type_actions(info: catalog.ResourceTypeInfo) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The actions on a type, and on each of its child types: once per type (a large model has tens of thousands of resources of a few types)."""
    return actions_on(info), tuple(actions_on(child) for child in catalog.child_types(info))


def actions_on(info: catalog.ResourceTypeInfo) -> tuple[str, ...]:
    """Every catalogue action that acts on resources of this type, across services.

    Types are compared by ARN template, because one kind of resource can be
    listed by several services: a role is `iam:role`, and `sts:role` for
    sts:AssumeRole.
    """
    return _actions_by_template().get(info.arn_template, ())


@functools.cache
def wildcard_only_actions() -> tuple[str, ...]:
    """Every action without resource-level permissions: asked on `*` (R5)."""
    return tuple(a.full_name for s in sorted(catalog.services()) for a in catalog.service_actions(s) if a.wildcard_only)


@functools.cache
def _actions_by_template() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = defaultdict(list)
    for service in sorted(catalog.services()):
        for info in catalog.service_actions(service):
            for name in info.resource_types:
                rtype = catalog.resource_type(service, name)
                if rtype is not None:
                    table[rtype.arn_template].append(info.full_name)
    return {template: tuple(dict.fromkeys(actions)) for template, actions in table.items()}


# ---------------------------------------------------------------- deciding actions in groups


_grouping: tuple[Model | None, "_Grouping | None"] = (None, None)


def _grouping_for(model: Model) -> "_Grouping":
    """The action grouping of the last model asked about: it reads every statement, so it is built once."""
    global _grouping
    if _grouping[0] is not model:
        _grouping = (model, _Grouping(model))
    return _grouping[1]  # type: ignore[return-value]


class _Grouping:
    """Splits actions into groups that every principal decides alike (see the module docstring)."""

    def __init__(self, model: Model):
        by_service: dict[str, set[str]] = defaultdict(set)
        for _, policy in model.policies():
            for statement in policy.statements:
                for pattern in (statement.actions or ()) + (statement.not_actions or ()):
                    prefix, sep, _ = pattern.partition(":")
                    # "*" matches every action alike, and a wildcarded prefix matches none (R14)
                    if sep and not has_wildcard(prefix):
                        by_service[prefix.lower()].add(pattern)
        self.patterns = {service: tuple(sorted(found)) for service, found in by_service.items()}

    def groups(self, resource: str, actions: tuple[str, ...]) -> list[list[str]]:
        star = resource == "*"
        found: dict[tuple, list[str]] = {}
        for action in actions:
            found.setdefault(self._key(action, star), []).append(action)
        return list(found.values())

    def _key(self, action: str, star: bool) -> tuple:
        service = action.split(":", 1)[0].lower()
        special = action.lower() if service == "sts" else None  # R71, R78, R81 name sts actions
        covered = None if star else World.rcp_covers(service)  # RCPs never apply on "*" (R5)
        matched = frozenset(p for p in self.patterns.get(service, ()) if action_matches(p, action))
        return special, covered, matched
