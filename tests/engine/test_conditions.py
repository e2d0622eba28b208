"""Condition operators, three-valued (R21–R23, R30–R43; D3, D5, D7, D9)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from iamdsl.engine.conditions import ConditionResult, Truth, evaluate_condition, evaluate_conditions
from iamdsl.engine.context import Context
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.model import Condition

T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN
A, B = "111122223333", "444455556666"
NOTHING = Context(closed=True)  # every key absent


def cond(operator: str, key: str, *values: str) -> Condition:
    return Condition(operator=operator, key=key, values=values)


def check(
    operator: str,
    key: str,
    values: tuple[str, ...] | list[str],
    context: Context,
    *,
    variables: bool = True,
    settings: Settings = DEFAULT_SETTINGS,
) -> ConditionResult:
    return evaluate_condition(cond(operator, key, *values), context, variables=variables, settings=settings)


def ctx(**values) -> Context:
    """A context from keyword arguments: `aws_SourceIp=…` stands for `aws:SourceIp`."""
    return Context.of({k.replace("_", ":", 1).replace("__", "/"): v for k, v in values.items()})


# ------------------------------------------------------------------ R21: blocks, OR and AND over values


def test_R21_empty_block_is_true() -> None:
    block = evaluate_conditions((), NOTHING, variables=True)
    assert block.truth is T and block.results == () and block.residual == ()


def test_R21_block_ands_conditions_and_keeps_every_result() -> None:
    context = Context.of({"aws:PrincipalAccount": A, "aws:SourceIp": "10.0.0.1"})
    conditions = (cond("StringEquals", "aws:PrincipalAccount", B), cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))
    block = evaluate_conditions(conditions, context, variables=True)
    assert block.truth is F
    assert [r.truth for r in block.results] == [F, T]


def test_R21_unknown_and_true_is_unknown_with_residual() -> None:
    conditions = (cond("StringEquals", "aws:PrincipalAccount", A), cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))
    block = evaluate_conditions(conditions, Context.of({"aws:PrincipalAccount": A}), variables=True)
    assert block.truth is U
    assert block.residual == (conditions[1],)


def test_R21_false_beats_unknown() -> None:
    conditions = (cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"), cond("StringEquals", "aws:PrincipalAccount", B))
    block = evaluate_conditions(conditions, Context.of({"aws:PrincipalAccount": A}), variables=True)
    assert block.truth is F


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEquals", "b", T),
        ("StringEquals", "c", F),
        ("StringNotEquals", "b", F),
        ("StringNotEquals", "c", T),
    ],
    ids=["positive-or-hit", "positive-or-miss", "negated-and-one-equal", "negated-and-none-equal"],
)
def test_R21_values_or_for_positive_and_for_negated(operator: str, value: str, expected: Truth) -> None:
    assert check(operator, "aws:PrincipalTag/team", ["a", "b"], Context.of({"aws:PrincipalTag/team": value})).truth is expected


def test_E63_string_not_equals_with_caller_in_listed_account_does_not_hold() -> None:
    result = check("StringNotEquals", "aws:PrincipalAccount", [A, B], Context.of({"aws:PrincipalAccount": A}))
    assert result.truth is F  # so the Deny does not apply


# ------------------------------------------------------------------ R22: key names without case


def test_E64_key_written_in_upper_case() -> None:
    context = Context.of({"aws:SourceIp": "203.0.113.5"})
    assert check("IpAddress", "AWS:SOURCEIP", ["203.0.113.0/24"], context).truth is T


def test_R6_R22_tag_key_part_ignores_case() -> None:
    context = Context.of({"aws:PrincipalTag/Team": "blue"})
    assert check("StringEquals", "aws:principaltag/TEAM", ["blue"], context).truth is T


def test_R22_values_keep_case_for_string_equals() -> None:
    assert check("StringEquals", "aws:PrincipalTag/team", ["Blue"], Context.of({"aws:PrincipalTag/team": "blue"})).truth is F


def test_R6_absent_empty_and_given_are_three_states() -> None:
    absent, empty, given = (Context.of({"aws:TagKeys": v}) for v in (None, [], ["env"]))
    assert [check("Null", "aws:TagKeys", ["false"], c).truth for c in (absent, empty, given)] == [F, T, T]
    operator = "ForAnyValue:StringEqualsIfExists"
    assert [check(operator, "aws:TagKeys", ["env"], c).truth for c in (absent, empty, given)] == [T, F, T]


# ------------------------------------------------------------------ R23: variables in condition values


ALICE = {"aws:username": "alice"}


def test_R23_variable_in_string_value() -> None:
    context = Context.of({**ALICE, "s3:prefix": "home/alice/docs"})
    assert check("StringLike", "s3:prefix", ["home/${aws:username}/*"], context).truth is T
    assert check("StringLike", "s3:prefix", ["home/${aws:username}/*"], Context.of({**ALICE, "s3:prefix": "home/bob/x"})).truth is F


def test_R23_variable_key_unresolved_positive_does_not_match() -> None:
    context = Context.of({"aws:username": None, "s3:prefix": "home/x"})
    result = check("StringLike", "s3:prefix", ["home/${aws:username}*"], context)
    assert result.truth is F and "R23" in result.reason


def test_R23_variable_key_unresolved_negated_matches() -> None:
    context = Context.of({"aws:username": None, "s3:prefix": "home/x"})
    assert check("StringNotLike", "s3:prefix", ["home/${aws:username}*"], context).truth is T


def test_R23_unresolved_value_does_not_hide_other_values() -> None:
    context = Context.of({"aws:username": None, "s3:prefix": "public/x"})
    assert check("StringLike", "s3:prefix", ["home/${aws:username}*", "public/*"], context).truth is T
    assert check("StringNotLike", "s3:prefix", ["home/${aws:username}*", "public/*"], context).truth is F


def test_R23_default_value() -> None:
    context = Context.of({"aws:username": None, "s3:prefix": "home/shared/x"})
    assert check("StringLike", "s3:prefix", ["home/${aws:username, 'shared'}/*"], context).truth is T


def test_R23_substituted_star_is_literal_in_string_like() -> None:
    context = Context.of({"aws:PrincipalTag/proj": "*", "aws:ResourceTag/proj": "anything"})
    assert check("StringLike", "aws:ResourceTag/proj", ["${aws:PrincipalTag/proj}"], context).truth is F
    context = Context.of({"aws:PrincipalTag/proj": "*", "aws:ResourceTag/proj": "*"})
    assert check("StringLike", "aws:ResourceTag/proj", ["${aws:PrincipalTag/proj}"], context).truth is T


def test_R23_star_escape_in_condition() -> None:
    assert check("StringLike", "s3:prefix", ["${*}"], Context.of({"s3:prefix": "*"})).truth is T
    assert check("StringLike", "s3:prefix", ["${*}"], Context.of({"s3:prefix": "abc"})).truth is F


def test_R23_arn_value_with_variable() -> None:
    context = Context.of({"aws:PrincipalAccount": A, "aws:SourceArn": f"arn:aws:sns:us-east-1:{A}:t"})
    assert check("ArnLike", "aws:SourceArn", ["arn:aws:sns:*:${aws:PrincipalAccount}:*"], context).truth is T


def test_R12_variables_off_compares_text_literally() -> None:
    context = Context.of({**ALICE, "aws:PrincipalTag/owner": "${aws:username}"})
    assert check("StringEquals", "aws:PrincipalTag/owner", ["${aws:username}"], context, variables=False).truth is T
    assert check("StringEquals", "aws:PrincipalTag/owner", ["${aws:username}"], context, variables=True).truth is F


@pytest.mark.parametrize(
    ("operator", "key", "value", "given"),
    [
        ("NumericEquals", "s3:max-keys", "${aws:PrincipalTag/n}", "5"),
        ("DateEquals", "aws:CurrentTime", "${aws:PrincipalTag/n}", "5"),
        ("IpAddress", "aws:SourceIp", "${aws:PrincipalTag/n}", "5.5.5.5"),
        ("BinaryEquals", "x:bin", "${aws:PrincipalTag/n}", "5"),
    ],
    ids=["numeric", "date", "ip", "binary"],
)
def test_R23_no_variables_in_numeric_date_ip_binary(operator: str, key: str, value: str, given: str) -> None:
    context = Context.of({"aws:PrincipalTag/n": given, key: given})
    assert check(operator, key, [value], context).truth is F


def test_D7_variables_in_bool() -> None:
    context = Context.of({"aws:PrincipalTag/secure": "true", "aws:SecureTransport": "true"})
    assert check("Bool", "aws:SecureTransport", ["${aws:PrincipalTag/secure}"], context).truth is T
    off = replace(DEFAULT_SETTINGS, variables_in_bool=False)
    assert check("Bool", "aws:SecureTransport", ["${aws:PrincipalTag/secure}"], context, settings=off).truth is F


def test_R23_unknown_variable_gives_residual_with_known_parts() -> None:
    context = Context.of({"aws:PrincipalTag/team": "a*", "s3:prefix": "home/a*/x"})
    result = check("StringLike", "s3:prefix", ["home/${aws:PrincipalTag/team}/${aws:userid}/*"], context)
    assert result.truth is U
    assert result.residual is not None
    assert result.residual.values == ("home/a${*}/${aws:userid}/*",)
    assert "aws:userid" in result.reason


def test_R23_unknown_variable_does_not_matter_when_another_value_matches() -> None:
    context = Context.of({"s3:prefix": "public/x"})
    assert check("StringLike", "s3:prefix", ["home/${aws:userid}/*", "public/*"], context).truth is T


# ------------------------------------------------------------------ R30: absent keys

ABSENT_CASES = [
    ("StringEquals", F),
    ("StringNotEquals", T),
    ("StringLike", F),
    ("StringNotLike", T),
    ("StringEqualsIgnoreCase", F),
    ("StringNotEqualsIgnoreCase", T),
    ("NumericEquals", F),
    ("NumericNotEquals", T),
    ("DateLessThan", F),
    ("DateNotEquals", T),
    ("Bool", F),
    ("BinaryEquals", F),
    ("IpAddress", F),
    ("NotIpAddress", T),
    ("ArnLike", F),
    ("ArnNotLike", T),
    ("StringEqualsIfExists", T),
    ("NumericLessThanIfExists", T),
    ("ArnNotEqualsIfExists", T),
]
_ABSENT_VALUES = {"Numeric": "1", "Date": "2020-01-01T00:00:00Z", "Bool": "true", "Binary": "aGk=", "IpAddr": "10.0.0.0/8", "NotIpAddr": "10.0.0.0/8", "Arn": "arn:aws:iam::*:root"}


def _value_for(operator: str) -> str:
    for prefix, value in _ABSENT_VALUES.items():
        if operator.startswith(prefix):
            return value
    return "x"


@pytest.mark.parametrize(("operator", "expected"), ABSENT_CASES, ids=[f"R30_{op}" for op, _ in ABSENT_CASES])
def test_R30_absent_key(operator: str, expected: Truth) -> None:
    result = check(operator, "x:key", [_value_for(operator)], NOTHING)
    assert result.truth is expected
    assert result.request_values is None and result.residual is None


def test_E43_string_not_equals_on_missing_tag_holds() -> None:
    assert check("StringNotEquals", "aws:PrincipalTag/team", ["blue"], Context.of({"aws:PrincipalTag/team": None})).truth is T


# ------------------------------------------------------------------ R31: strings

STRING_CASES = [
    ("R31_equals_exact", "StringEquals", "Prod", "Prod", T),
    ("R31_equals_case_sensitive", "StringEquals", "Prod", "prod", F),
    ("R31_equals_star_is_literal", "StringEquals", "pro*", "prod", F),
    ("R31_equals_star_matches_star", "StringEquals", "pro*", "pro*", T),
    ("R31_not_equals", "StringNotEquals", "Prod", "prod", T),
    ("R31_equals_ignore_case", "StringEqualsIgnoreCase", "Prod", "pROD", T),
    ("R31_equals_ignore_case_no_glob", "StringEqualsIgnoreCase", "P*", "prod", F),
    ("R31_not_equals_ignore_case", "StringNotEqualsIgnoreCase", "Prod", "PROD", F),
    ("R31_string_like_glob", "StringLike", "pr?d-*", "prod-eu", T),
    ("R31_string_like_is_case_sensitive", "StringLike", "Prod*", "prod-eu", F),
    ("R31_string_like_whole_value", "StringLike", "prod", "prod-eu", F),
    ("R31_string_like_star_crosses_colons", "StringLike", "repo:org/app:*", "repo:org/app:ref:refs/heads/main", T),
    ("R31_string_not_like", "StringNotLike", "prod*", "dev", T),
    ("R31_string_not_like_matching", "StringNotLike", "prod*", "prod1", F),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in STRING_CASES], ids=[c[0] for c in STRING_CASES])
def test_R31_string_operators(operator: str, policy: str, given: str, expected: Truth) -> None:
    assert check(operator, "aws:PrincipalTag/env", [policy], Context.of({"aws:PrincipalTag/env": given})).truth is expected


def test_E33_oidc_sub_string_like() -> None:
    key = "token.actions.githubusercontent.com:sub"
    assert check("StringLike", key, ["repo:org/app:*"], Context.of({key: "repo:evil/x"})).truth is F
    assert check("StringLike", key, ["repo:org/app:*"], Context.of({key: "repo:org/app:ref:main"})).truth is T


# ------------------------------------------------------------------ R32: numbers

NUMERIC_CASES = [
    ("R32_equals", "NumericEquals", "10", "10", T),
    ("R32_equals_decimal_forms", "NumericEquals", "10", "10.0", T),
    ("R32_equals_exact_big_integers", "NumericEquals", "9007199254740993", "9007199254740992", F),
    ("R32_not_equals", "NumericNotEquals", "10", "11", T),
    ("R32_less_than", "NumericLessThan", "10", "9.5", T),
    ("R32_less_than_equal_edge", "NumericLessThan", "10", "10", F),
    ("R32_less_than_equals", "NumericLessThanEquals", "10", "10", T),
    ("R32_greater_than", "NumericGreaterThan", "10", "11", T),
    ("R32_greater_than_equals", "NumericGreaterThanEquals", "10", "9", F),
    ("R32_negative", "NumericLessThan", "0", "-1", T),
    ("R32_unparsable_never_matches", "NumericLessThan", "10", "abc", F),
    ("R32_unparsable_never_matches_negated", "NumericNotEquals", "10", "abc", F),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in NUMERIC_CASES], ids=[c[0] for c in NUMERIC_CASES])
def test_R32_numeric_operators(operator: str, policy: str, given: str, expected: Truth) -> None:
    assert check(operator, "s3:max-keys", [policy], Context.of({"s3:max-keys": given})).truth is expected


# ------------------------------------------------------------------ R33: dates

DATE_CASES = [
    ("R33_less_than_iso", "DateLessThan", "2026-01-31T00:00:00Z", "2026-01-30T23:59:59Z", T),
    ("R33_less_than_iso_after", "DateLessThan", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", F),
    ("R33_epoch_vs_iso", "DateGreaterThan", "2020-01-01T00:00:00Z", "1700000000", T),
    ("R33_iso_vs_epoch_equal", "DateEquals", "1577836800", "2020-01-01T00:00:00Z", T),
    ("R33_offsets_compare_instants", "DateEquals", "2020-01-01T01:00:00+01:00", "2020-01-01T00:00:00Z", T),
    ("R33_not_equals", "DateNotEquals", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", T),
    ("R33_less_than_equals", "DateLessThanEquals", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", T),
    ("R33_greater_than_equals", "DateGreaterThanEquals", "2020-01-01T00:00:00Z", "2019-12-31T00:00:00Z", F),
    ("R33_unparsable_never_matches", "DateLessThan", "2020-01-01T00:00:00Z", "yesterday", F),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in DATE_CASES], ids=[c[0] for c in DATE_CASES])
def test_R33_date_operators(operator: str, policy: str, given: str, expected: Truth) -> None:
    assert check(operator, "aws:CurrentTime", [policy], Context.of({"aws:CurrentTime": given})).truth is expected


def test_R33_epoch_time_works_with_numeric_and_date() -> None:
    context = Context.of({"aws:EpochTime": "1700000000"})
    assert check("NumericLessThan", "aws:EpochTime", ["1800000000"], context).truth is T
    assert check("DateLessThan", "aws:EpochTime", ["2030-01-01T00:00:00Z"], context).truth is T
    assert check("DateGreaterThan", "aws:EpochTime", ["2030-01-01T00:00:00Z"], context).truth is F


# ------------------------------------------------------------------ R34: Bool


@pytest.mark.parametrize(
    ("policy", "given", "expected"),
    [("true", "true", T), ("true", "TRUE", T), ("False", "false", T), ("true", "false", F), ("true", "yes", F)],
    ids=["same", "request-upper", "policy-mixed", "different", "not-a-bool"],
)
def test_R34_bool_ignores_case(policy: str, given: str, expected: Truth) -> None:
    assert check("Bool", "aws:SecureTransport", [policy], Context.of({"aws:SecureTransport": given})).truth is expected


def test_R34_absent_bool_is_false_E79() -> None:
    # E79: Deny when Bool aws:MultiFactorAuthPresent false; the key is absent, so the Deny does not apply.
    absent = Context.of({"aws:MultiFactorAuthPresent": None})
    assert check("Bool", "aws:MultiFactorAuthPresent", ["false"], absent).truth is F
    given = Context.of({"aws:MultiFactorAuthPresent": "false"})
    assert check("Bool", "aws:MultiFactorAuthPresent", ["false"], given).truth is T
    unknown = check("Bool", "aws:MultiFactorAuthPresent", ["false"], Context())
    assert unknown.truth is U and unknown.residual == cond("Bool", "aws:MultiFactorAuthPresent", "false")


def test_R38_bool_if_exists_absent_E5() -> None:
    absent = Context.of({"aws:MultiFactorAuthPresent": None})
    assert check("BoolIfExists", "aws:MultiFactorAuthPresent", ["false"], absent).truth is T


# ------------------------------------------------------------------ R35: binary


@pytest.mark.parametrize(
    ("policy", "given", "expected"),
    [("aGVsbG8=", "aGVsbG8=", T), ("aGVsbG8=", "aGVsbG9=", T), ("aGVsbG8=", "d29ybGQ=", F), ("aGVsbG8=", "not base64!", F)],
    ids=["same-bytes", "other-text-same-bytes", "other-bytes", "request-not-base64"],
)
def test_R35_binary_equals_compares_bytes(policy: str, given: str, expected: Truth) -> None:
    assert check("BinaryEquals", "x:blob", [policy], Context.of({"x:blob": given})).truth is expected


# ------------------------------------------------------------------ R36: IP addresses, D9

IP_CASES = [
    ("R36_in_cidr", "IpAddress", "203.0.113.0/24", "203.0.113.77", T),
    ("R36_outside_cidr", "IpAddress", "203.0.113.0/24", "198.51.100.1", F),
    ("E47_bare_address_is_slash_32", "IpAddress", "203.0.113.5", "203.0.113.6", F),
    ("R36_bare_address_same", "IpAddress", "203.0.113.5", "203.0.113.5", T),
    ("R36_not_ip_outside", "NotIpAddress", "10.0.0.0/8", "203.0.113.5", T),
    ("R36_not_ip_inside", "NotIpAddress", "10.0.0.0/8", "10.1.2.3", F),
    ("R36_ipv6_cidr", "IpAddress", "2001:db8::/32", "2001:db8::1", T),
    ("R36_ipv6_outside", "IpAddress", "2001:db8::/32", "2001:db9::1", F),
    ("R36_v4_policy_v6_request", "IpAddress", "0.0.0.0/0", "2001:db8::1", F),
    ("D9_ipv6_bare_is_slash_128", "IpAddress", "2001:db8::1", "2001:db8::2", F),
    ("D9_ipv6_bare_same", "IpAddress", "2001:db8::1", "2001:db8::1", T),
    ("R36_request_not_an_address", "IpAddress", "0.0.0.0/0", "somewhere", F),
    ("R36_request_not_an_address_negated", "NotIpAddress", "10.0.0.0/8", "somewhere", F),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in IP_CASES], ids=[c[0] for c in IP_CASES])
def test_R36_ip_operators(operator: str, policy: str, given: str, expected: Truth) -> None:
    assert check(operator, "aws:SourceIp", [policy], Context.of({"aws:SourceIp": given})).truth is expected


def test_E47_reason_names_the_network() -> None:
    result = check("IpAddress", "aws:SourceIp", ["203.0.113.5"], Context.of({"aws:SourceIp": "203.0.113.6"}))
    assert result.reason == "aws:SourceIp 203.0.113.6 is not in 203.0.113.5/32"
    assert result.request_values == ("203.0.113.6",)


def test_D9_ipv6_default_prefix_setting() -> None:
    wide = replace(DEFAULT_SETTINGS, ipv6_default_prefix=64)
    context = Context.of({"aws:SourceIp": "2001:db8::2"})
    assert check("IpAddress", "aws:SourceIp", ["2001:db8::1"], context, settings=wide).truth is T
    assert check("IpAddress", "aws:SourceIp", ["2001:db8::1"], context).truth is F


def test_E46_not_ip_address_without_source_ip_holds() -> None:
    # Through a VPC endpoint there is no aws:SourceIp: the Deny applies.
    assert check("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], Context.of({"aws:SourceIp": None})).truth is T


def test_E78_unknown_source_ip_gives_residual() -> None:
    result = check("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], Context())
    assert result.truth is U
    assert result.residual == cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")
    assert result.request_values is None


# ------------------------------------------------------------------ R37: ARNs

ARN = f"arn:aws:iam::{A}:role/app"
ARN_CASES = [
    ("R37_arn_like", "ArnLike", "arn:aws:iam::*:role/*", ARN, T),
    ("R37_arn_equals_is_arn_like", "ArnEquals", "arn:aws:iam::*:role/*", ARN, T),
    ("R37_arn_not_like", "ArnNotLike", "arn:aws:iam::*:role/*", ARN, F),
    ("R37_arn_not_equals_is_arn_not_like", "ArnNotEquals", "arn:aws:iam::*:user/*", ARN, T),
    ("R37_case_sensitive", "ArnEquals", f"arn:aws:iam::{A}:role/App", ARN, F),
    ("R37_value_not_an_arn", "ArnLike", "arn:aws:iam::*:*", "app", F),
    ("R37_value_not_an_arn_negated", "ArnNotLike", "arn:aws:iam::*:*", "app", F),
    ("E67_root_arn_is_not_a_user", "ArnEquals", f"arn:aws:iam::{A}:root", f"arn:aws:iam::{A}:user/bob", F),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in ARN_CASES], ids=[c[0] for c in ARN_CASES])
def test_R37_arn_operators(operator: str, policy: str, given: str, expected: Truth) -> None:
    assert check(operator, "aws:PrincipalArn", [policy], Context.of({"aws:PrincipalArn": given})).truth is expected


def test_E48_string_like_true_arn_like_false() -> None:
    pattern = f"arn:aws:svc:*:{A}:finance/*"
    context = Context.of({"aws:SourceArn": f"arn:aws:svc:us-east-1:extra:{A}:finance/x"})
    assert check("StringLike", "aws:SourceArn", [pattern], context).truth is T
    assert check("ArnLike", "aws:SourceArn", [pattern], context).truth is F


# ------------------------------------------------------------------ R38: IfExists


def test_E44_string_equals_if_exists_without_tags_holds() -> None:
    assert check("StringEqualsIfExists", "aws:RequestTag/env", ["prod"], Context.of({"aws:RequestTag/env": None})).truth is T


def test_E45_negated_if_exists_absent_still_holds() -> None:
    assert check("StringNotEqualsIfExists", "aws:SourceVpce", ["vpce-1"], Context.of({"aws:SourceVpce": None})).truth is T


def test_R38_if_exists_present_is_evaluated_normally() -> None:
    context = Context.of({"aws:RequestTag/env": "dev"})
    assert check("StringEqualsIfExists", "aws:RequestTag/env", ["prod"], context).truth is F
    assert check("StringNotEqualsIfExists", "aws:RequestTag/env", ["prod"], context).truth is T


def test_R38_if_exists_unknown_is_unknown() -> None:
    assert check("StringEqualsIfExists", "aws:RequestTag/env", ["prod"], Context()).truth is U


# ------------------------------------------------------------------ R39: Null


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("true", Context.of({"aws:TagKeys": None}), T),
        ("false", Context.of({"aws:TagKeys": None}), F),
        ("true", Context.of({"aws:TagKeys": ["env"]}), F),
        ("false", Context.of({"aws:TagKeys": ["env"]}), T),
        ("FALSE", Context.of({"aws:TagKeys": ["env"]}), T),
        ("false", Context.of({"aws:TagKeys": []}), T),
    ],
    ids=["true-absent", "false-absent", "true-present", "false-present", "ignores-case", "present-but-empty-is-present"],
)
def test_R39_null(value: str, context: Context, expected: Truth) -> None:
    assert check("Null", "aws:TagKeys", [value], context).truth is expected


def test_R39_null_on_unknown_key_is_unknown() -> None:
    result = check("Null", "aws:TagKeys", ["false"], Context())
    assert result.truth is U and result.residual == cond("Null", "aws:TagKeys", "false")


# ------------------------------------------------------------------ R40, R41, R42: set operators

NO_TAGS = Context.of({"aws:TagKeys": None})


def test_E39_for_all_values_without_tags_holds() -> None:
    assert check("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], NO_TAGS).truth is T


def test_E40_for_any_value_without_tags_fails() -> None:
    assert check("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], NO_TAGS).truth is F


def test_E41_null_guard_makes_for_all_values_fail_without_tags() -> None:
    conditions = (cond("ForAllValues:StringEquals", "aws:TagKeys", "env", "team"), cond("Null", "aws:TagKeys", "false"))
    block = evaluate_conditions(conditions, NO_TAGS, variables=True)
    assert block.truth is F
    assert [r.truth for r in block.results] == [T, F]


SET_CASES = [
    ("R40_all_values_all_match", "ForAllValues:StringEquals", ["env", "team"], ["env", "team"], T),
    ("R40_all_values_one_misses", "ForAllValues:StringEquals", ["env", "team"], ["env", "cost"], F),
    ("R40_all_values_empty_is_vacuous", "ForAllValues:StringEquals", ["env"], [], T),
    ("R40_any_value_one_matches", "ForAnyValue:StringEquals", ["env"], ["cost", "env"], T),
    ("R40_any_value_none_match", "ForAnyValue:StringEquals", ["env"], ["cost", "team"], F),
    ("R40_any_value_empty_fails", "ForAnyValue:StringEquals", ["env"], [], F),
    ("R40_any_value_like", "ForAnyValue:StringLike", ["e*"], ["cost", "env"], T),
    ("R41_all_values_negated_none_listed", "ForAllValues:StringNotEquals", ["a", "b"], ["c", "d"], T),
    ("R41_all_values_negated_one_listed", "ForAllValues:StringNotEquals", ["a", "b"], ["c", "a"], F),
    ("R41_any_value_negated_one_unlisted", "ForAnyValue:StringNotEquals", ["a"], ["a", "c"], T),
    ("R41_any_value_negated_all_listed", "ForAnyValue:StringNotEquals", ["a", "b"], ["b", "a"], F),
    ("R41_all_values_not_like", "ForAllValues:StringNotLike", ["o-1/*"], ["o-2/r", "o-3/r"], T),
]


@pytest.mark.parametrize(("operator", "policy", "given", "expected"), [c[1:] for c in SET_CASES], ids=[c[0] for c in SET_CASES])
def test_R40_R41_set_operators(operator: str, policy: list[str], given: list[str], expected: Truth) -> None:
    assert check(operator, "aws:TagKeys", policy, Context.of({"aws:TagKeys": given})).truth is expected


def test_R40_set_operator_if_exists_absent() -> None:
    assert check("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["env"], NO_TAGS).truth is T


def test_E72_D3_for_all_values_negated_absent_key() -> None:
    absent = Context.of({"aws:ResourceOrgPaths": None})
    assert check("ForAllValues:StringNotLike", "aws:ResourceOrgPaths", ["o-1/*"], absent).truth is T
    strict = replace(DEFAULT_SETTINGS, forallvalues_negated_absent_true=False)
    result = check("ForAllValues:StringNotLike", "aws:ResourceOrgPaths", ["o-1/*"], absent, settings=strict)
    assert result.truth is F and "D3" in result.reason


def test_E73_R42_set_operator_on_single_valued_key() -> None:
    context = Context.of({"aws:PrincipalTag/dept": "a"})
    assert check("ForAllValues:StringEquals", "aws:PrincipalTag/dept", ["a", "b"], context).truth is T
    assert check("ForAnyValue:StringEquals", "aws:PrincipalTag/dept", ["a", "b"], context).truth is T
    assert check("ForAnyValue:StringEquals", "aws:PrincipalTag/dept", ["c"], context).truth is F


# ------------------------------------------------------------------ R43, D5: plain operator on a multi-valued key


def test_E74_R43_plain_operator_on_several_values_fails() -> None:
    context = Context.of({"aws:TagKeys": ["env", "team"]})
    result = check("StringEquals", "aws:TagKeys", ["env"], context)
    assert result.truth is F and "D5" in result.reason


@pytest.mark.parametrize(
    ("operator", "key", "values"),
    [
        ("StringEquals", "aws:TagKeys", ["env"]),  # the catalogue says multi-valued, even with one value
        ("StringNotEquals", "aws:TagKeys", ["env"]),
        ("StringNotEquals", "aws:PrincipalTag/team", ["a", "b"]),  # more than one value
    ],
    ids=["D5_catalogue_multi_positive", "D5_catalogue_multi_negated", "D5_several_values_negated"],
)
def test_D5_no_match_for_positive_and_negated(operator: str, key: str, values: list[str]) -> None:
    assert check(operator, key, ["zzz"], Context.of({key: values})).truth is F


def test_D5_setting_lets_plain_operator_quantify() -> None:
    lenient = replace(DEFAULT_SETTINGS, plain_operator_on_multivalued_matches=True)
    context = Context.of({"aws:TagKeys": ["env", "team"]})
    assert check("StringEquals", "aws:TagKeys", ["env"], context, settings=lenient).truth is T
    assert check("StringNotEquals", "aws:TagKeys", ["env"], context, settings=lenient).truth is F
    assert check("StringNotEquals", "aws:TagKeys", ["cost"], context, settings=lenient).truth is T


# ------------------------------------------------------------------ unknown keys


@pytest.mark.parametrize(
    "operator",
    ["StringEquals", "StringNotEquals", "StringEqualsIfExists", "ForAllValues:StringEquals", "ForAnyValue:StringNotEquals"],
    ids=lambda op: op.replace(":", "-"),
)
def test_unknown_key_is_unknown_with_residual(operator: str) -> None:
    result = check(operator, "aws:PrincipalTag/team", ["blue"], Context())
    assert result.truth is U
    assert result.residual == cond(operator, "aws:PrincipalTag/team", "blue")


def test_unknown_multi_valued_key_under_plain_positive_operator_is_false() -> None:
    # R43/D5 make it false when present, R30 when absent: the value does not matter.
    result = check("StringEquals", "aws:TagKeys", ["env"], Context())
    assert result.truth is F and result.residual is None


def test_unknown_multi_valued_key_under_plain_negated_operator_is_unknown() -> None:
    assert check("StringNotEquals", "aws:TagKeys", ["env"], Context()).truth is U


def test_unknown_key_with_only_unresolved_values_is_false() -> None:
    context = Context.of({"aws:username": None})
    result = check("StringEquals", "aws:PrincipalTag/owner", ["${aws:username}"], context)
    assert result.truth is F and "R23" in result.reason


def test_unknown_key_residual_substitutes_known_variables_and_drops_unresolved() -> None:
    context = Context.of({"aws:username": "a*", "aws:userid": None})
    result = check("StringLike", "s3:prefix", ["home/${aws:username}/*", "x/${aws:userid}"], context)
    assert result.truth is U
    assert result.residual is not None and result.residual.values == ("home/a${*}/*",)
    # Deciding the residual later gives what the original would have given.
    later = Context.of({"aws:username": "a*", "aws:userid": None, "s3:prefix": "home/a*/k"})
    assert evaluate_condition(result.residual, later, variables=True).truth is T
    assert check("StringLike", "s3:prefix", ["home/${aws:username}/*", "x/${aws:userid}"], later).truth is T


# ------------------------------------------------------------------ odds and ends


def test_present_key_with_no_value_under_plain_operator() -> None:
    empty = Context.of({"aws:PrincipalTag/team": []})
    assert check("StringEquals", "aws:PrincipalTag/team", ["blue"], empty).truth is F
    assert check("StringNotEquals", "aws:PrincipalTag/team", ["blue"], empty).truth is T


def test_unknown_operator_is_refused() -> None:
    with pytest.raises(ValueError):
        check("StringMaybe", "aws:PrincipalTag/team", ["blue"], NOTHING)


def test_reasons_are_plain_words() -> None:
    context = Context.of({"aws:PrincipalOrgID": "o-2"})
    assert check("StringEquals", "aws:PrincipalOrgID", ["o-1"], context).reason == "aws:PrincipalOrgID o-2 does not equal o-1"
    assert check("StringEquals", "aws:PrincipalOrgID", ["o-1", "o-2"], context).reason == "aws:PrincipalOrgID o-2 equals o-2"
    absent = check("StringEquals", "aws:PrincipalOrgID", ["o-1"], NOTHING)
    assert absent.reason == "aws:PrincipalOrgID is absent, so StringEquals does not match (R30)"
