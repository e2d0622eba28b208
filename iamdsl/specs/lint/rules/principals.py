"""Principals: everyone without a condition (L006), Allow with NotPrincipal (L007), `*` in a trust policy (L008)."""

from __future__ import annotations

from typing import Iterator

from iamdsl.model import Effect, PolicyKind, Statement
from iamdsl.specs.lint.context import LintContext, is_everyone
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


def _names_everyone(statement: Statement) -> bool:
    return any(is_everyone(p.type, p.value) for p in statement.principals or ())


@rule("L006", "everyone-without-condition", Level.WARNING, "resource policy allows everyone without a condition")
def everyone_without_condition(ctx: LintContext) -> Iterator[Hit]:
    # Endpoint policies name `*` by design (the endpoint is the boundary), an RCP
    # must (and only denies), and trust policies have L008.
    for site, statement in ctx.statements():
        if site.kind is not PolicyKind.RESOURCE or statement.effect is not Effect.ALLOW:
            continue
        if _names_everyone(statement) and not statement.conditions:
            yield Hit(
                statement.span,
                f"{site.where} allows anyone (`*`), anonymous callers included, with no condition",
                "narrow it with a condition such as `when aws:PrincipalOrgID == \"o-…\"`, "
                "or name the principals; if it is meant to be public, suppress this finding and say why",
            )


@rule("L007", "allow-with-not-principal", Level.ERROR, "Allow with NotPrincipal")
def allow_with_not_principal(ctx: LintContext) -> Iterator[Hit]:
    # The DSL refuses it (E032); IAM JSON loads it with a warning (W107).
    for site, statement in ctx.statements():
        if statement.effect is Effect.ALLOW and statement.not_principals is not None:
            yield Hit(
                statement.span,
                f"{site.where} has an Allow with NotPrincipal, which grants everyone not listed, anonymous callers included",
                "list who is allowed in Principal, or make the statement a Deny",
                notes=("AWS does not support Allow with NotPrincipal (R20)",),
            )


@rule("L008", "everyone-in-trust-policy", Level.WARNING, "`*` in a trust policy")
def everyone_in_trust(ctx: LintContext) -> Iterator[Hit]:
    # D8: AWS accepts it (with a warning of its own), and then any principal of
    # any account can assume the role, unless a condition says otherwise.
    for site, statement in ctx.statements():
        if site.kind is not PolicyKind.TRUST or statement.effect is not Effect.ALLOW or not _names_everyone(statement):
            continue
        reach = "any principal of any account that meets its conditions" if statement.conditions else "any principal of any account"
        yield Hit(
            statement.span,
            f"{site.where} lets {reach} assume the role (`*`)",
            "name who may assume it: an account, a role, a service or an identity provider",
        )
