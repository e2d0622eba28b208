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
from iamdsl.engine.arn import wildcarded_type_word
from iamdsl.language.errors import Collector, suggestion
from iamdsl.language.operators import Family, Operator, all_operator_names, has_variable, parse_operator, value_problem
from iamdsl.model import Effect, Policy, PolicyKind, PrincipalType, Statement

RCP_FULL_ACCESS = "RCPFullAWSAccess"
# How messages name a kind of policy, article included.
_POLICY_WORDS = {
    PolicyKind.IDENTITY: "an identity policy",
    PolicyKind.MANAGED: "a managed policy",
    PolicyKind.SCP: "an SCP",
    PolicyKind.SESSION: "a session policy",
}
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
                f"{_POLICY_WORDS.get(kind, f'a {kind.value} policy')} cannot name a Principal",
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
            out.error(
                "E033",
                "NotPrincipal is not allowed in a trust policy",
                statement.span,
                help="name who may assume the role in an Allow with `to …`",
            )
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
                    help="list who is allowed in Principal, or make the statement a Deny",
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
                    help="name the principal by its ARN, or remove it",
                )


def _check_resources(statement: Statement, policy: Policy, out: Collector) -> None:
    needs_resource = policy.kind not in (PolicyKind.TRUST, PolicyKind.RESOURCE)
    if needs_resource and statement.resources is None and statement.not_resources is None:
        out.error(
            "E034",
            f"a statement of {_POLICY_WORDS.get(policy.kind, f'a {policy.kind.value} policy')} needs a Resource or NotResource",
            statement.span,
            help='add "Resource" with the ARNs it is about, or "*"',
        )
    for entry in (statement.resources or ()) + (statement.not_resources or ()):
        if entry == "*" or not entry.startswith("arn:"):
            continue
        fields = entry.split(":", 5)
        type_word = wildcarded_type_word(fields[2], fields[5]) if len(fields) == 6 else None
        if type_word is not None:
            out.warning(
                "W104",
                f"`{entry}` puts a wildcard in the resource-type word `{type_word}`, so it matches nothing (R16f)",
                statement.span,
                help="spell the type word out and put wildcards after the `/`",
            )


def _check_actions(statement: Statement, out: Collector) -> None:
    for action in (statement.actions or ()) + (statement.not_actions or ()):
        if action == "*":
            continue
        service, sep, name = action.partition(":")
        if not sep or not service or not name:
            out.error("E034", f"`{action}` is not an action; write `service:Action`", statement.span)
            continue
        if "*" in service or "?" in service:
            out.warning(
                "W109",
                f"`{action}` has a wildcard in its service prefix, so it matches nothing (R14)",
                statement.span,
                help="name the service exactly; wildcards belong in the action name, as in `s3:Get*`",
            )
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
            out.error(
                "E026",
                f"`{condition.operator}` is not an operator: Null takes no IfExists or set qualifier",
                span,
                help=f'write `Null {condition.key} ["true"]` to require that the key is absent, or ["false"] that it is present',
            )
            continue
        for value in condition.values:
            problem = value_problem(operator, value)
            if problem is not None:
                out.error("E021", f"invalid value for {operator.base}: {problem}", span, help=_value_help(operator, value))
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


def _value_help(operator: Operator, value: str) -> str:
    """How to write a value `operator` accepts (the fix for E021)."""
    if has_variable(value):
        return "policy variables work only with String and ARN operators; compare with a fixed value"
    return _VALUE_HELP[operator.family]


_VALUE_HELP = {
    Family.NUMERIC: "write a number, such as `3600`",
    Family.DATE: "write an ISO 8601 date such as `2026-01-31T00:00:00Z`, or epoch seconds",
    Family.BOOL: "write `true` or `false`",
    Family.NULL: "write `true` (the key is absent) or `false` (it is present)",
    Family.IP: "write an IPv4 or IPv6 address or CIDR range, such as `10.0.0.0/8`",
    Family.BINARY: "write the bytes base64-encoded, such as `QmluYXJ5`",
    Family.STRING: "write a string",
    Family.ARN: "write an ARN",
}


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
