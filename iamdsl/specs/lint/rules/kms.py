"""KMS keys whose policy lacks the account statement (L005)."""

from __future__ import annotations

from typing import Iterator

from iamdsl.model import Effect, PrincipalType
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


@rule("L005", "kms-key-without-account-statement", Level.WARNING, "KMS key policy without the account statement")
def key_without_account_statement(ctx: LintContext) -> Iterator[Hit]:
    # A key policy is mandatory (R60): IAM policies of the key's own account
    # count only when the key policy allows that account (R70, E22).  Without
    # the statement nobody but the principals it names can use the key, and if
    # none of them may change the policy the key is lost to the account.
    for resource in ctx.model.resources.values():
        if resource.service != "kms" or resource.type != "key":
            continue
        account = ctx.model.accounts.get(resource.account)
        if account is None or account.external:
            continue
        fix = f"add the account statement: `allow kms:* on * to account {account.name}`; it lets {account.name}'s IAM policies grant use of the key"
        if resource.policy is None or not resource.policy.statements:
            yield Hit(resource.span, f"the KMS key `{resource.qualified_name}` has no key policy, so nobody can use it", fix)
            continue
        own = {account.root_arn, account.id}
        if any(
            statement.effect is Effect.ALLOW and any(p.type is PrincipalType.AWS and p.value in own for p in statement.principals or ())
            for statement in resource.policy.statements
        ):
            continue
        yield Hit(
            resource.span,
            f"the key policy of `{resource.qualified_name}` has no statement allowing account {account.name}, "
            f"so {account.name}'s IAM policies cannot grant use of the key",
            fix,
        )
