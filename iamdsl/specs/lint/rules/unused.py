"""Declarations nothing uses: managed policies (L012), groups (L013), verbs (L014), accounts (L015)."""

from __future__ import annotations

import json
from typing import Iterator

from iamdsl.language.loader import PRELUDE_NAME
from iamdsl.model import OrgUnit, PrincipalKind
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


@rule("L012", "unattached-managed-policy", Level.INFO, "managed policy attached nowhere")
def unattached_managed_policies(ctx: LintContext) -> Iterator[Hit]:
    used = {arn for e in ctx.model.principals.values() for arn in e.managed_policies}
    used |= {e.boundary for e in ctx.model.principals.values() if e.boundary}
    for arn, managed in ctx.model.managed_policies.items():
        if arn not in used:
            name = f"{managed.account}.{managed.name}"
            yield Hit(
                managed.span,
                f"the managed policy `{name}` is attached nowhere, so it grants nothing",
                f"attach it (`attach {name}` in a role, user or group), use it as a `boundary`, or remove it",
            )


@rule("L013", "empty-group", Level.INFO, "group with no members")
def empty_groups(ctx: LintContext) -> Iterator[Hit]:
    for group in ctx.model.principals.values():
        if group.kind is PrincipalKind.GROUP and not ctx.members(group):
            yield Hit(
                group.span,
                f"the group `{group.qualified_name}` has no members, so its policies apply to no one",
                f"add `member of {group.qualified_name}` to a user, or remove the group",
            )


@rule("L014", "unused-verb", Level.INFO, "verb never used")
def unused_verbs(ctx: LintContext) -> Iterator[Hit]:
    used = set(ctx.index.verb_uses) | {e.action for e in ctx.model.expectations}
    for verb in ctx.index.verbs:
        if verb.span.file != PRELUDE_NAME and verb.name not in used:
            yield Hit(verb.span, f"the verb `{verb.name}` is never used", "use it in a statement or an `expect` line, or remove it")


@rule("L015", "unused-account", Level.INFO, "account that holds nothing and is referenced nowhere")
def unused_accounts(ctx: LintContext) -> Iterator[Hit]:
    model = ctx.model
    holding = {e.account for e in model.principals.values()}
    holding |= {r.account for r in model.resources.values()}
    holding |= {e.account for e in model.endpoints.values()}
    holding |= {m.account for m in model.managed_policies.values()}
    for org in model.organizations.values():
        holding |= set(_org_accounts(org.root))
        if org.management_account:
            holding.add(org.management_account)
    # Everything else that can name an account does it by its ID: principals, ARNs, condition values.
    text = json.dumps([policy.to_iam_json() for _, policy in model.policies()])
    text += json.dumps([e.model_dump(mode="json") for e in model.expectations])
    for account in model.accounts.values():
        if account.name in holding or account.id in text:
            continue
        yield Hit(
            account.span,
            f"the account `{account.name}` holds nothing and nothing refers to it",
            "declare what it holds, refer to it (for example `to account NAME`), or remove it",
        )


def _org_accounts(unit: OrgUnit) -> Iterator[str]:
    yield from unit.accounts
    for child in unit.children:
        yield from _org_accounts(child)
