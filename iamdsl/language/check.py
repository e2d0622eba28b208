"""Semantic checks of policies: hard errors versus inert statements (R45).

Stage: model policy -> findings.  Runs on every policy, whether it was
written in the DSL or read from IAM JSON; `from_dsl` says which, because a
few findings are errors in DSL text but warnings in imported JSON (design.md §1).

Hard errors are what AWS refuses to save (R44, R45): unknown operators,
malformed values, a Principal in an identity policy, NotPrincipal in a trust
policy, an RCP that allows.  Inert statements load with a warning that they
match nothing: partial principal wildcards (R18), a resource-policy statement
without a principal (R19), a wildcarded resource-type word (R16f), a unique ID
of a deleted entity (R77).
"""

from __future__ import annotations

import re

from iamdsl import catalog
from iamdsl.language.errors import Collector, suggestion
from iamdsl.language.operators import Family, all_operator_names, parse_operator, value_problem
from iamdsl.model import Effect, Policy, PolicyKind, PrincipalType, Statement

RCP_FULL_ACCESS = "RCPFullAWSAccess"
_UNIQUE_ID = re.compile(r"(AROA|AIDA|AGPA|AIPA|ANPA|ANVA|ASIA|AKIA)[A-Z0-9]{12,}\Z")
_ACCOUNT_ID = re.compile(r"\d{12}\Z")


def check_policy(policy: Policy, out: Collector, *, from_dsl: bool) -> None:
    for statement in policy.statements:
        check_statement(statement, policy, out, from_dsl=from_dsl)


def check_statement(statement: Statement, policy: Policy, out: Collector, *, from_dsl: bool) -> None:
    _check_principal_element(statement, policy, out, from_dsl=from_dsl)
    _check_resources(statement, policy, out)
    _check_actions(statement, out)
    _check_conditions(statement, out, from_dsl=from_dsl)
    if policy.kind is PolicyKind.RCP:
        _check_rcp(statement, policy, out)


def _check_principal_element(statement: Statement, policy: Policy, out: Collector, *, from_dsl: bool) -> None:
    kind = policy.kind
    has_principal = statement.principals is not None or statement.not_principals is not None
    if not kind.takes_principal:
        if has_principal:
            out.error(
                "E017",
                f"a {kind.value} policy cannot name a Principal",
                statement.span,
                help="identity policies apply to the principal they are attached to; "
                "grant other principals access in the resource's policy",
            )
        return
    if not has_principal:
        if kind is PolicyKind.RCP:
            return  # reported by _check_rcp
        out.warning(
            "W102",
            f"this {kind.value}-policy statement names no principal, so it never applies (R19)",
            statement.span,
            help="add `to …` naming who it is for, such as `to account B` or `to anyone`",
        )
        return
    if statement.not_principals is not None:
        if kind is PolicyKind.TRUST:
            out.error("E033", "NotPrincipal is not allowed in a trust policy", statement.span)
        elif statement.effect is Effect.ALLOW:
            if from_dsl:
                out.error(
                    "E032",
                    "Allow with NotPrincipal is not supported by AWS",
                    statement.span,
                    help="name the principals that are allowed with `to …`, or use a Deny with `to not …`",
                )
            else:
                out.warning(
                    "W107",
                    "Allow with NotPrincipal is not supported by AWS; evaluated as granting "
                    "everyone not listed, anonymous callers included (R20)",
                    statement.span,
                )
    for principal in (statement.principals or ()) + (statement.not_principals or ()):
        value = principal.value
        if principal.type is PrincipalType.SERVICE and value == "*":
            out.error("E036", '`"Service": "*"` is not a valid principal', statement.span, help='use `"*"` for everyone')
        elif principal.type is PrincipalType.AWS:
            if value != "*" and ("*" in value or "?" in value):
                out.warning(
                    "W103",
                    f"the principal `{value}` has a partial wildcard, which matches nothing (R18)",
                    statement.span,
                    help='use `"*"` with a condition such as aws:PrincipalArn like "…"',
                )
            elif _UNIQUE_ID.match(value):
                out.warning(
                    "W105",
                    f"`{value}` is the unique ID of a deleted entity; it matches nothing, "
                    "not even a new entity with the same name (R77)",
                    statement.span,
                )


def _check_resources(statement: Statement, policy: Policy, out: Collector) -> None:
    needs_resource = policy.kind not in (PolicyKind.TRUST, PolicyKind.RESOURCE)
    if needs_resource and statement.resources is None and statement.not_resources is None:
        out.error("E034", f"a {policy.kind.value}-policy statement needs a Resource or NotResource", statement.span)
    for entry in (statement.resources or ()) + (statement.not_resources or ()):
        if entry == "*" or not entry.startswith("arn:"):
            continue
        fields = entry.split(":", 5)
        if len(fields) == 6:
            type_word = re.split(r"[/:]", fields[5], maxsplit=1)[0]
            service = fields[2]
            if (
                type_word != "*"
                and ("*" in type_word or "?" in type_word)
                and "/" in fields[5]
                and _service_has_type_words(service)
            ):
                out.warning(
                    "W104",
                    f"`{entry}` puts a wildcard in the resource-type word `{type_word}`, so it matches nothing (R16f)",
                    statement.span,
                )


def _service_has_type_words(service: str) -> bool:
    """Whether every ARN of the service begins its last part with a type word."""
    types = catalog.service_resource_types(service)
    if not types:
        return False
    for info in types:
        rest = info.arn_template.split(":", 5)[-1]
        if rest.startswith("${"):
            return False
    return True


def _check_actions(statement: Statement, out: Collector) -> None:
    for action in (statement.actions or ()) + (statement.not_actions or ()):
        if action == "*":
            continue
        service, sep, name = action.partition(":")
        if not sep or not service or not name:
            out.error("E034", f"`{action}` is not an action; write `service:Action`", statement.span)
            continue
        if "*" in service or "?" in service:
            out.warning("W109", f"`{action}` has a wildcard in its service prefix, so it matches nothing (R14)", statement.span)
            continue
        if "*" in name or "?" in name:
            continue
        if catalog.action(action) is None:
            if service.lower() in catalog.services():
                known = [a.full_name for a in catalog.service_actions(service)]
            else:
                known = list(catalog.all_action_names())
            out.warning("W108", f"unknown action `{action}`", statement.span, help=suggestion(action, known))


def _check_conditions(statement: Statement, out: Collector, *, from_dsl: bool) -> None:
    for condition in statement.conditions:
        span = condition.span or statement.span
        operator = parse_operator(condition.operator)
        if operator is None:
            out.error(
                "E020",
                f"unknown condition operator `{condition.operator}`",
                span,
                help=suggestion(condition.operator, all_operator_names()),
            )
            continue
        if operator.base == "Null" and (operator.if_exists or operator.qualifier):
            out.error("E026", f"`{condition.operator}`: Null takes no IfExists or set qualifier", span)
            continue
        for value in condition.values:
            problem = value_problem(operator, value)
            if problem is not None:
                out.error("E021", f"invalid value for {operator.base}: {problem}", span)
                break
        known = catalog.condition_key(condition.key)
        if known is None:
            continue
        _, key_type = known
        if key_type.multi and operator.qualifier is None and operator.family is not Family.NULL:
            message = f"`{condition.operator}` on the multi-valued key `{condition.key}` never matches (R43, D5)"
            help_text = f"use ForAnyValue:{condition.operator} or ForAllValues:{condition.operator}"
            if from_dsl:
                out.error("E023", message, span, help="say which values must match: `any KEY …` or `all KEY …`")
            else:
                out.warning("W106", message, span, help=help_text)


def _check_rcp(statement: Statement, policy: Policy, out: Collector) -> None:
    if policy.name == RCP_FULL_ACCESS:
        return
    if statement.effect is Effect.ALLOW:
        out.error(
            "E030",
            "an RCP may only Deny (R53); RCPFullAWSAccess is the only RCP that allows",
            statement.span,
            help="write the restriction as a Deny, e.g. `deny s3:* to anyone when …`",
        )
    principals = statement.principals
    if statement.not_principals is not None or statement.not_actions is not None:
        out.error("E031", "an RCP statement may not use NotPrincipal or NotAction", statement.span)
    elif principals is None or [p.value for p in principals] != ["*"]:
        out.error("E031", 'an RCP statement must name the principal `"*"`', statement.span, help="add `to anyone`")
