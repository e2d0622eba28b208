"""ARNs, Resource matching (R5, R16 a–h, D6, D10) and ArnLike (R37)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamdsl.engine.arn import Arn, arn_like, resource_match, resource_matches, wildcarded_type_word
from iamdsl.engine.context import Context, Presence
from iamdsl.engine.settings import DEFAULT_SETTINGS
from iamdsl.engine.variables import resolve_resource_entry
from iamdsl.engine.wildcard import Literal

A = "111122223333"
NO_D6 = replace(DEFAULT_SETTINGS, resource_fields_2_to_5_ignore_case=False)
NO_D10 = replace(DEFAULT_SETTINGS, resource_trailing_star_crosses_colons=False)


# ------------------------------------------------------------------ R5


def test_R5_parse_keeps_everything_after_fifth_colon() -> None:
    arn = Arn.parse("arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s")
    assert arn == Arn("aws", "logs", "us-east-1", A, "log-group:g:log-stream:s")
    assert str(arn) == "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"


def test_R5_parse_allows_empty_region_and_account() -> None:
    arn = Arn.parse("arn:aws:s3:::bucket/key")
    assert arn is not None and (arn.region, arn.account, arn.resource) == ("", "", "bucket/key")


@pytest.mark.parametrize("text", ["*", "arn:aws:s3", "ARN:aws:s3:::b", "111122223333", ""], ids=["star", "short", "upper", "account", "empty"])
def test_R5_parse_rejects_non_arns(text: str) -> None:
    assert Arn.parse(text) is None


# ------------------------------------------------------------------ R16


R16 = [
    # (id, pattern, requested, expected)
    ("R16a_star_matches_arn", "*", "arn:aws:s3:::b/k", True),
    ("R16a_star_matches_star_resource", "*", "*", True),
    ("R16a_arn_never_matches_star_resource", "arn:aws:s3:::*", "*", False),
    ("R16a_short_arn_never_matches_star_resource", "arn:*", "*", False),
    ("R16b_field6_holds_later_colons", f"arn:aws:logs:us-east-1:{A}:log-group:g:*", f"arn:aws:logs:us-east-1:{A}:log-group:g:log-stream:s", True),
    ("R16b_exact", f"arn:aws:sqs:us-east-1:{A}:q", f"arn:aws:sqs:us-east-1:{A}:q", True),
    ("R16b_other_account", f"arn:aws:sqs:us-east-1:{A}:q", "arn:aws:sqs:us-east-1:444455556666:q", False),
    ("R16c_region_glob", f"arn:aws:ec2:us-*:{A}:instance/i-1", f"arn:aws:ec2:us-east-1:{A}:instance/i-1", True),
    ("R16c_region_glob_miss", f"arn:aws:ec2:us-*:{A}:instance/i-1", f"arn:aws:ec2:eu-west-1:{A}:instance/i-1", False),
    ("R16c_account_question", "arn:aws:iam::11112222333?:role/r", f"arn:aws:iam::{A}:role/r", True),
    ("R16c_inner_star_stays_in_field", "arn:aws:svc:u*t:A:x", "arn:aws:svc:u:t:A:x", False),
    ("R16c_D10_trailing_star_crosses_colons", "arn:aws:svc:u*:A:x", "arn:aws:svc:u:t:A:x", True),
    ("R16c_partition_glob", "arn:aws*:s3:::b", "arn:aws-cn:s3:::b", True),
    ("R16c_service_star_matches_nothing", "arn:aws:*:::b", "arn:aws:s3:::b", False),
    ("R16c_service_partial_star_matches_nothing", "arn:aws:s3*:::b", "arn:aws:s3:::b", False),
    ("R16c_service_question_matches_nothing", "arn:aws:s?:::b", "arn:aws:s3:::b", False),
    ("R16c_service_other", "arn:aws:sqs:::b", "arn:aws:s3:::b", False),
    ("R16d_star_crosses_slash_and_colon", "arn:aws:s3:::b*", "arn:aws:s3:::b/x:y/z", True),
    ("E51_star_spans_path_segments", "arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/test/x.jpg", True),
    ("E51_needs_segment_before_test", "arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/test/x.jpg", False),
    ("R16d_question_in_field6", "arn:aws:s3:::b/k?", "arn:aws:s3:::b/k1", True),
    ("R16d_question_is_one_char", "arn:aws:s3:::b/k?", "arn:aws:s3:::b/k12", False),
    ("R80_bucket_star_not_bucket", "arn:aws:s3:::b/*", "arn:aws:s3:::b", False),
    ("R80_bucket_not_objects", "arn:aws:s3:::b", "arn:aws:s3:::b/k", False),
    ("E50_user_name_is_case_sensitive", f"arn:aws:iam::{A}:user/bob", f"arn:aws:iam::{A}:user/Bob", False),
    ("E50_neighbour_same_case_matches", f"arn:aws:iam::{A}:user/bob", f"arn:aws:iam::{A}:user/bob", True),
    ("R16e_type_word_is_case_sensitive", f"arn:aws:iam::{A}:USER/bob", f"arn:aws:iam::{A}:user/bob", False),
    ("R16e_glob_in_field6_is_case_sensitive", "arn:aws:s3:::b/Photos/*", "arn:aws:s3:::b/photos/x", False),
    ("D6_fields_2_to_5_ignore_case", "arn:AWS:EC2:US-EAST-1:111122223333:instance/i-1", f"arn:aws:ec2:us-east-1:{A}:instance/i-1", True),
    ("R16f_E50_neighbour_u_star", f"arn:aws:iam::{A}:u*", f"arn:aws:iam::{A}:user/bob", False),
    ("R16f_E50_neighbour_user_star", f"arn:aws:iam::{A}:user*", f"arn:aws:iam::{A}:user/bob", False),
    ("R16f_E50_neighbour_question_in_type", f"arn:aws:iam::{A}:use?/bob", f"arn:aws:iam::{A}:user/bob", False),
    ("R16f_E50_neighbour_star_suffix_type", f"arn:aws:iam::{A}:*r/bob", f"arn:aws:iam::{A}:user/bob", False),
    ("R16f_E50_neighbour_path_star", f"arn:aws:iam::{A}:user/*", f"arn:aws:iam::{A}:user/Bob", True),
    ("R16f_E50_neighbour_name_star", f"arn:aws:iam::{A}:user/B*", f"arn:aws:iam::{A}:user/Bob", True),
    ("R16f_E50_neighbour_whole_field_star", f"arn:aws:iam::{A}:*", f"arn:aws:iam::{A}:user/Bob", True),
    ("R16f_E50_neighbour_any_type", f"arn:aws:iam::{A}:*/Bob", f"arn:aws:iam::{A}:user/Bob", True),
    ("R16f_colon_type_word", f"arn:aws:lambda:us-east-1:{A}:func*", f"arn:aws:lambda:us-east-1:{A}:function:f", False),
    ("R16f_colon_type_word_literal", f"arn:aws:lambda:us-east-1:{A}:function:*", f"arn:aws:lambda:us-east-1:{A}:function:f", True),
    ("R16f_bucket_names_are_not_type_words", "arn:aws:s3:::buck*", "arn:aws:s3:::bucket", True),
    ("R16f_queue_names_are_not_type_words", f"arn:aws:sqs:us-east-1:{A}:q*", f"arn:aws:sqs:us-east-1:{A}:queue1", True),
    ("R16g_pads_short_trailing_star", "arn:aws:iam::*", f"arn:aws:iam::{A}:user/bob", True),
    ("R16g_pads_two_fields", "arn:aws*", f"arn:aws:iam::{A}:user/bob", True),
    ("R16g_padded_service_is_free", "arn:*", "arn:aws:s3:::b", True),
    ("R16g_short_without_star_matches_nothing", f"arn:aws:iam::{A}", f"arn:aws:iam::{A}:user/bob", False),
    ("R16g_padding_keeps_written_fields", "arn:aws:s3:*", f"arn:aws:iam::{A}:user/bob", False),
    ("D10_E48_resource_star_crosses_into_extra_field", f"arn:aws:svc:*:{A}:finance/*", f"arn:aws:svc:us-east-1:extra:{A}:finance/x", True),
    ("D10_account_star_crosses", "arn:aws:iam::*:role/x", f"arn:aws:iam::{A}:role/x", True),
    ("R16_not_an_arn_request", "arn:aws:s3:::b", "b", False),
]


@pytest.mark.parametrize(("pattern", "requested", "expected"), [c[1:] for c in R16], ids=[c[0] for c in R16])
def test_R16_resource_matches(pattern: str, requested: str, expected: bool) -> None:
    assert resource_matches(pattern, requested, DEFAULT_SETTINGS) is expected


@pytest.mark.parametrize(
    ("pattern", "requested", "expected"),
    [
        ("arn:aws:svc:u*:A:x", "arn:aws:svc:u:t:A:x", False),
        (f"arn:aws:svc:*:{A}:finance/*", f"arn:aws:svc:us-east-1:extra:{A}:finance/x", False),
        ("arn:aws:iam::*:role/x", f"arn:aws:iam::{A}:role/x", True),
        ("arn:aws:iam::*", f"arn:aws:iam::{A}:user/bob", True),
        ("arn:aws:s3:::b*", "arn:aws:s3:::b/x:y", True),
    ],
    ids=["trailing-star-stays", "E48-neighbour-stays", "field-star-still-globs", "R16g-padding-still-applies", "field6-still-crosses"],
)
def test_D10_off_keeps_wildcards_inside_fields_1_to_5(pattern: str, requested: str, expected: bool) -> None:
    assert resource_matches(pattern, requested, NO_D10) is expected


def test_D6_off_compares_region_with_case() -> None:
    pattern = f"arn:aws:ec2:US-EAST-1:{A}:instance/i-1"
    assert resource_matches(pattern, f"arn:aws:ec2:us-east-1:{A}:instance/i-1", DEFAULT_SETTINGS)
    assert not resource_matches(pattern, f"arn:aws:ec2:us-east-1:{A}:instance/i-1", NO_D6)


@pytest.mark.parametrize(
    ("pattern", "requested", "needle"),
    [
        (f"arn:aws:iam::{A}:u*", f"arn:aws:iam::{A}:user/bob", "R16f"),
        (f"arn:aws:iam::{A}:user/bob", f"arn:aws:iam::{A}:user/Bob", "R16e"),
        ("arn:aws:s3:::b", "*", "R16a"),
        ("arn:aws:*:::b", "arn:aws:s3:::b", "R16c"),
        ("arn:aws:iam::1", f"arn:aws:iam::{A}:root", "R16g"),
    ],
    ids=["R16f", "R16e", "R16a", "R16c", "R16g"],
)
def test_R16_miss_reasons_name_the_rule(pattern: str, requested: str, needle: str) -> None:
    result = resource_match(pattern, requested)
    assert not result.matched and needle in result.reason


def test_R16f_type_word_helper() -> None:
    assert wildcarded_type_word("iam", "u*") == "u*"
    assert wildcarded_type_word("iam", "user/*") is None
    assert wildcarded_type_word("iam", "*") is None
    assert wildcarded_type_word("s3", "b*/x") is None
    assert wildcarded_type_word("iam", (Literal("u*"), "/x")) is None  # substituted text is literal


def _reference_regex(fields: list[str], crossing: bool) -> re.Pattern[str]:
    """R16b–e and D10 spelled as a regular expression (fine for a test oracle, never for the engine)."""

    def field(text: str) -> str:
        out = []
        for i, c in enumerate(text):
            if c == "*":
                out.append(".*" if crossing and i == len(text) - 1 else "[^:]*")
            elif c == "?":
                out.append("[^:]")
            else:
                out.append(re.escape(c))
        return "".join(out)

    rest = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in fields[5])
    head = ":".join(["arn", *(f"(?i:{field(f)})" for f in fields[1:5])])
    return re.compile(f"{head}:{rest}", re.DOTALL)


@settings(max_examples=400, deadline=None)
@given(
    partition=st.text("aA*?", max_size=3),
    region=st.text("aA*?", max_size=3),
    account=st.text("aA*?", max_size=3),
    rest=st.text("aA*?:/", max_size=4),
    requested=st.tuples(st.text("aA:", max_size=3), st.text("aA:", max_size=3), st.text("aA:", max_size=3), st.text("aA:/", max_size=4)),
    crossing=st.booleans(),
)
def test_D10_R16_fields_agree_with_reference(partition, region, account, rest, requested, crossing) -> None:
    fields = ["arn", partition, "svc", region, account, rest]
    pattern = ":".join(fields)
    target = "arn:{}:svc:{}:{}:{}".format(*requested)
    options = replace(DEFAULT_SETTINGS, resource_trailing_star_crosses_colons=crossing)
    expected = _reference_regex(fields, crossing).fullmatch(target) is not None
    assert resource_matches(pattern, target, options) is expected


# ------------------------------------------------------------------ R16h: variables in field 6


def test_R16h_variable_in_field6_is_substituted() -> None:
    context = Context.of({"aws:username": "alice"})
    entry = resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", context, enabled=True)
    assert resource_matches(entry, "arn:aws:s3:::b/alice/x")
    assert not resource_matches(entry, "arn:aws:s3:::b/bob/x")


def test_R16h_variable_outside_field6_is_plain_text() -> None:
    context = Context.of({"aws:PrincipalAccount": A})
    entry = resolve_resource_entry("arn:aws:iam::${aws:PrincipalAccount}:user/x", context, enabled=True)
    assert entry == "arn:aws:iam::${aws:PrincipalAccount}:user/x"
    assert not resource_matches(entry, f"arn:aws:iam::{A}:user/x")


def test_R16h_unresolved_variable_matches_nothing() -> None:
    context = Context.of({"aws:username": None})
    assert resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", context, enabled=True) is None


def test_R16h_unknown_variable_is_unknown() -> None:
    assert resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", Context(), enabled=True) is Presence.UNKNOWN


def test_R16h_substituted_star_is_literal_in_resource() -> None:
    context = Context.of({"aws:username": "*"})
    entry = resolve_resource_entry("arn:aws:s3:::b/${aws:username}", context, enabled=True)
    assert resource_matches(entry, "arn:aws:s3:::b/*")
    assert not resource_matches(entry, "arn:aws:s3:::b/alice")


# ------------------------------------------------------------------ R37


R37 = [
    ("E48_arn_like_star_stays_in_field", f"arn:aws:svc:*:{A}:finance/*", f"arn:aws:svc:us-east-1:extra:{A}:finance/x", False),
    ("R37_matching_fields", f"arn:aws:svc:*:{A}:finance/*", f"arn:aws:svc:us-east-1:{A}:finance/x", True),
    ("R37_account_wildcard_E58", "arn:aws:iam::*:root", f"arn:aws:iam::{A}:root", True),
    ("R37_case_sensitive_resource", f"arn:aws:iam::{A}:role/R", f"arn:aws:iam::{A}:role/r", False),
    ("R37_case_sensitive_partition", f"arn:AWS:iam::{A}:root", f"arn:aws:iam::{A}:root", False),
    ("R37_case_sensitive_service", f"arn:aws:IAM::{A}:root", f"arn:aws:iam::{A}:root", False),
    ("R37_question", "arn:aws:iam::11112222333?:root", f"arn:aws:iam::{A}:root", True),
    ("R37_field6_is_the_rest", "arn:aws:lambda:*:*:function:*", f"arn:aws:lambda:us-east-1:{A}:function:f:1", True),
    ("R37_value_not_an_arn", "*", "*", False),
    ("R37_account_id_is_not_an_arn", "*", A, False),
    ("R37_pattern_without_six_fields", "arn:aws:iam::*", f"arn:aws:iam::{A}:root", False),
    ("R37_region_star_does_not_cross", f"arn:aws:svc:us-*:{A}:x", f"arn:aws:svc:us-east:1:{A}:x", False),
    ("R37_equal_arns", f"arn:aws:sns:us-east-1:{A}:topic", f"arn:aws:sns:us-east-1:{A}:topic", True),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), [c[1:] for c in R37], ids=[c[0] for c in R37])
def test_R37_arn_like(pattern: str, value: str, expected: bool) -> None:
    assert arn_like(pattern, value) is expected


def test_R37_substituted_value_keeps_its_fields_and_is_literal() -> None:
    principal = f"arn:aws:iam::{A}:role/r*"
    assert arn_like((Literal(principal),), principal)
    assert not arn_like((Literal(principal),), f"arn:aws:iam::{A}:role/rx")
