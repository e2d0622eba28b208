"""Half-built cross-account delegations (L004): one side grants, the other side never does.

A request from account B to a resource of account A needs both sides (R61):
A's resource policy must allow B (or B's principal), and B's identity
policies must allow the principal.  The guide's own bug is writing one half
and forgetting the other.  Only modelled accounts are judged: the principals
of an open or `external` account are unknown (design.md §2), so nothing can
be said about what they grant.
"""

from __future__ import annotations

from typing import Iterator

from iamdsl.model import Effect, IdentityEntity, Policy, PolicyKind, PrincipalKind, PrincipalType, Resource, Statement
from iamdsl.specs.lint.context import LintContext, Site, is_everyone
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.patterns import actions_may_meet, resources_may_meet
from iamdsl.specs.lint.registry import rule
from iamdsl.specs.lint.sources import span_key


@rule("L004", "half-built-delegation", Level.WARNING, "half-built cross-account delegation")
def half_built_delegations(ctx: LintContext) -> Iterator[Hit]:
    yield from _resource_side_alone(ctx)
    yield from _identity_side_alone(ctx)


def _shown(actions: set[str]) -> str:
    ordered = sorted(actions, key=str.lower)
    listed = ", ".join(f"`{a}`" for a in ordered[:4])
    return listed + (f" and {len(ordered) - 4} more" if len(ordered) > 4 else "")


# ------------------------------------------------------------------ A grants, B never hands it on


def _resource_side_alone(ctx: LintContext) -> Iterator[Hit]:
    missing: dict[tuple, tuple[Statement, Site, str, str, set[str]]] = {}
    for site, statement in ctx.statements():
        if site.kind is PolicyKind.RESOURCE and site.resource is not None:
            owner, targets = site.resource.account, statement.resources or (site.resource.arn,)
        elif site.kind is PolicyKind.TRUST and site.entity is not None:
            owner, targets = site.entity.account, (site.entity.arn,)
        else:
            continue
        if statement.effect is not Effect.ALLOW or statement.actions is None or statement.span is None:
            continue
        for principal in statement.principals or ():
            if principal.type is not PrincipalType.AWS or principal.value == "*":
                continue
            account = ctx.principal_account(principal.value)
            if account is None or account == owner or not ctx.is_modelled(account):
                continue
            if ctx.is_account_principal(principal.value):
                grantees = [e for e in ctx.model.principals.values() if e.account == account and e.kind is not PrincipalKind.GROUP]
                who = f"account {account}"
            else:
                entity = ctx.world.entities_by_arn.get(principal.value)
                if entity is None:
                    continue
                grantees, who = [entity], f"`{entity.qualified_name}`"
            if any(_identity_grants(ctx, e, statement.actions, targets) for e in grantees):
                continue
            key = (span_key(statement.span), principal.value)
            entry = missing.setdefault(key, (statement, site, who, account, set()))
            entry[4].update(statement.actions)
    for statement, site, who, account, actions in missing.values():
        target = site.resource.qualified_name if site.resource else site.entity.qualified_name
        nobody = f"no identity policy in {account} grants any of them" if who.startswith("account") else f"{who}'s own policies grant none of them"
        yield Hit(
            statement.span,
            f"{site.where} allows {who} {_shown(actions)}, but {nobody}",
            f"hand the access on in {account}: `role {account}.NAME {{ allow … on {target} }}`, "
            "or write both halves at once with `delegate`",
            notes=("a cross-account request needs both sides: the resource's policy and the caller's own (R61)",),
        )


def _identity_grants(ctx: LintContext, entity: IdentityEntity, actions: tuple[str, ...], targets: tuple[str, ...]) -> bool:
    """Whether some identity Allow of `entity` might grant one of `actions` on one of `targets`."""
    for ref in ctx.world.identity_policies(entity):
        for statement in ref.policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            if statement.actions is not None and not actions_may_meet(statement.actions, actions):
                continue
            if statement.resources is not None and not resources_may_meet(statement.resources, targets):
                continue
            return True  # NotAction and NotResource count as "might": only a certain miss is reported
    return False


# ------------------------------------------------------------------ B grants, A never lets B in


def _identity_side_alone(ctx: LintContext) -> Iterator[Hit]:
    missing: dict[tuple, tuple[Statement, Site, str, str, set[str]]] = {}
    for site, statement in ctx.statements():
        if site.kind not in (PolicyKind.IDENTITY, PolicyKind.MANAGED) or site.account is None:
            continue
        caller = site.account
        if not ctx.is_modelled(caller) or statement.effect is not Effect.ALLOW or statement.actions is None or statement.span is None:
            continue
        for entry in statement.resources or ():
            target = _target(ctx, entry)
            if target is None:
                continue
            name, owner, arn, policy = target
            account = ctx.model.accounts.get(owner)
            if owner == caller or account is None or account.external:
                continue
            actions = statement.actions
            if arn in ctx.world.entities_by_arn:
                # Only STS goes through a trust policy; other actions on a role are IAM calls of its own account.
                actions = tuple(a for a in actions if a == "*" or a.lower().startswith("sts:"))
                if not actions:
                    continue
            if policy is not None and _resource_lets_in(ctx, policy, caller, actions, entry):
                continue
            record = missing.setdefault((span_key(statement.span), arn), (statement, site, name, owner, set()))
            record[4].update(actions)
    for (_, arn), (statement, site, name, owner, actions) in missing.items():
        word = "trust policy" if arn in ctx.world.entities_by_arn else "resource policy"
        yield Hit(
            statement.span,
            f"{site.where} grants {_shown(actions)} on `{name}` in account {owner}, "
            f"but its {word} allows neither account {site.account} nor any of its principals",
            f"let {site.account} in on {owner}'s side: `allow … to account {site.account}` in `{name}`'s {word}, "
            "or write both halves at once with `delegate`",
            notes=("a cross-account request needs both sides: the resource's policy and the caller's own (R61)",),
        )


def _target(ctx: LintContext, entry: str) -> tuple[str, str, str, Policy | None] | None:
    """(name, owner account, ARN, policy) of the declared resource or role a Resource entry names."""
    entity = ctx.world.entities_by_arn.get(entry)
    if entity is not None:
        if entity.kind is not PrincipalKind.ROLE:
            return None
        return entity.qualified_name, entity.account, entity.arn, entity.trust_policy
    resource: Resource | None = ctx.world.resources_by_arn.get(entry)
    if resource is None and "/" in entry:
        parent = entry.split("/", 1)[0]
        resource = ctx.world.resources_by_arn.get(parent)
    if resource is None:
        return None
    return resource.qualified_name, resource.account, resource.arn, resource.policy


def _resource_lets_in(ctx: LintContext, policy: Policy, caller: str, actions: tuple[str, ...], entry: str) -> bool:
    """Whether some Allow of the resource's policy might let a principal of `caller` do one of `actions`."""
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        if statement.not_principals is None and not any(_lets_in(ctx, p.type, p.value, caller) for p in statement.principals or ()):
            continue
        if statement.actions is not None and not actions_may_meet(statement.actions, actions):
            continue
        if statement.resources is not None and not resources_may_meet(statement.resources, (entry,)):
            continue
        return True
    return False


def _lets_in(ctx: LintContext, principal_type: PrincipalType, value: str, caller: str) -> bool:
    if is_everyone(principal_type, value):
        return True
    return principal_type is PrincipalType.AWS and ctx.principal_account(value) == caller
