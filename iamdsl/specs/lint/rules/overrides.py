"""Allows that a Deny always overrides (L011).

A Deny without conditions wins over any Allow it covers (R1), so such an
Allow never takes effect.  Only Denies that always apply to the same
principal count: ones in the same policy, and for an identity-side policy,
ones in every identity policy, the boundary and the SCPs of each principal
it is attached to.  A Deny elsewhere (a resource policy, an RCP) applies to
some requests only, and is not judged here.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from iamdsl.model import Effect, IdentityEntity, PolicyKind, Statement
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.coverage import covers, plain, written_groups
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule
from iamdsl.specs.lint.rules.shadowing import where


@rule("L011", "allow-always-denied", Level.WARNING, "Allow that a Deny always overrides")
def allows_always_denied(ctx: LintContext) -> Iterator[Hit]:
    for site in ctx.sites:
        if site.builtin:
            continue
        own = _unconditional_denies(site.policy.statements)
        principals = ctx.applies_to(site) if site.kind in (PolicyKind.IDENTITY, PolicyKind.MANAGED) else []
        elsewhere = [_denies_for(ctx, entity) for entity in principals]
        for group in written_groups(site.policy.statements).values():
            if group[0].effect is not Effect.ALLOW or group[0].span is None:
                continue
            deciding = [_overriding(allow, own, elsewhere) for allow in group]
            if any(d is None for d in deciding):
                continue
            deny = deciding[0]
            yield Hit(
                group[0].span,
                f"this Allow in {site.where} never takes effect: the Deny at {where(deny, group[0])} always overrides it",
                "remove the Allow, or narrow the Deny (fewer actions or resources, or a condition) if the Allow is meant to work",
            )


def _unconditional_denies(statements: Iterable[Statement]) -> list[Statement]:
    return [s for s in statements if s.effect is Effect.DENY and not s.conditions and plain(s) and s.actions is not None]


def _denies_for(ctx: LintContext, entity: IdentityEntity) -> list[Statement]:
    """The unconditional Denies that apply to every request of `entity`: identity, boundary, SCPs."""
    found: list[Statement] = []
    for ref in ctx.world.identity_policies(entity):
        found.extend(_unconditional_denies(ref.policy.statements))
    boundary = ctx.world.boundary(entity)
    if boundary is not None:
        found.extend(_unconditional_denies(boundary.policy.statements))
    account = ctx.model.accounts.get(entity.account)
    for _, refs in ctx.world.scp_levels(account.id if account else None) or ():
        for ref in refs:
            found.extend(_unconditional_denies(ref.policy.statements))
    return found


def _overriding(allow: Statement, own: list[Statement], elsewhere: list[list[Statement]]) -> Statement | None:
    """A Deny that overrides `allow` for every principal it applies to, if there is one."""
    for deny in own:
        if covers(deny, allow, ignore_conditions=True):
            return deny
    if not elsewhere:
        return None
    chosen: Statement | None = None
    for denies in elsewhere:
        found = next((d for d in denies if covers(d, allow, ignore_conditions=True)), None)
        if found is None:
            return None
        chosen = chosen or found
    return chosen
