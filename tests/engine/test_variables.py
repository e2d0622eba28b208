"""Policy variables (R12, R16h, R23): substitution, defaults, escapes, three outcomes."""

from __future__ import annotations

import pytest

from iamdsl.engine.arn import resource_matches
from iamdsl.engine.context import Context
from iamdsl.engine.variables import Outcome, resolve_resource_entry, substitute, substitute_resource
from iamdsl.engine.wildcard import Literal, glob_match

ALICE = Context.of({"aws:username": "alice"})
ROLE_SESSION = Context.of({"aws:username": None, "aws:userid": "AROAEXAMPLE:s"})


def test_R23_variable_is_substituted_as_literal_piece() -> None:
    result = substitute("home/${aws:username}/*", ALICE, enabled=True)
    assert result.outcome is Outcome.RESOLVED
    assert result.pattern == ("home/", Literal("alice"), "/*")
    assert result.text == "home/alice/*"


def test_R12_disabled_leaves_text_alone() -> None:
    result = substitute("home/${aws:username}/*", ALICE, enabled=False)
    assert result.outcome is Outcome.RESOLVED
    assert result.pattern == "home/${aws:username}/*"


def test_E52_version_2008_resource_is_literal_text() -> None:
    resource = "arn:aws:s3:::b/alice/x"
    old = resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", ALICE, enabled=False)
    new = resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", ALICE, enabled=True)
    assert not resource_matches(old, resource)
    assert resource_matches(new, resource)


def test_R22_variable_key_ignores_case() -> None:
    assert substitute("${AWS:UserName}", ALICE, enabled=True).text == "alice"


def test_R23_text_without_variables_is_unchanged() -> None:
    assert substitute("plain*text", ALICE, enabled=True).pattern == "plain*text"


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("b/${*}.txt", "b/*.txt", True),
        ("b/${*}.txt", "b/a.txt", False),
        ("b/${?}", "b/?", True),
        ("b/${?}", "b/x", False),
        ("cost${$}", "cost$", True),
        ("${$}{x}", "${x}", True),
    ],
    ids=["E54_star_escape_matches_star", "E54_star_escape_is_no_wildcard", "question-escape", "question-escape-literal", "dollar", "dollar-brace"],
)
def test_R23_escapes_are_literal(text: str, value: str, expected: bool) -> None:
    result = substitute(text, Context(), enabled=True)
    assert result.outcome is Outcome.RESOLVED
    assert glob_match(result.pattern, value) is expected


def test_E54_resource_with_star_escape() -> None:
    entry = resolve_resource_entry("arn:aws:s3:::b/${*}.txt", Context(), enabled=True)
    assert not resource_matches(entry, "arn:aws:s3:::b/a.txt")
    assert resource_matches(entry, "arn:aws:s3:::b/*.txt")


def test_R23_substituted_wildcards_are_literal() -> None:
    context = Context.of({"aws:PrincipalTag/team": "a*"})
    pattern = substitute("${aws:PrincipalTag/team}-x", context, enabled=True).pattern
    assert glob_match(pattern, "a*-x")
    assert not glob_match(pattern, "abc-x")


def test_E53_absent_key_without_default_is_unresolved() -> None:
    result = substitute("b/${aws:username}/*", ROLE_SESSION, enabled=True)
    assert result.outcome is Outcome.UNRESOLVED
    assert result.missing == ("aws:username",)
    assert resolve_resource_entry("arn:aws:s3:::b/${aws:username}/*", ROLE_SESSION, enabled=True) is None


def test_E53_default_applies_when_key_absent() -> None:
    entry = resolve_resource_entry("arn:aws:s3:::b/${aws:username, 'shared'}/*", ROLE_SESSION, enabled=True)
    assert resource_matches(entry, "arn:aws:s3:::b/shared/x")
    assert not resource_matches(entry, "arn:aws:s3:::b/alice/x")


def test_R23_default_is_ignored_when_key_given() -> None:
    assert substitute("${aws:username, 'shared'}", ALICE, enabled=True).text == "alice"


def test_R23_default_may_be_empty() -> None:
    result = substitute("b/${aws:username, ''}x", ROLE_SESSION, enabled=True)
    assert result.outcome is Outcome.RESOLVED and result.text == "b/x"


def test_R23_unknown_key_is_unknown() -> None:
    result = substitute("b/${aws:username}/*", Context(), enabled=True)
    assert result.outcome is Outcome.UNKNOWN
    assert result.unknown == ("aws:username",)
    with pytest.raises(ValueError):
        result.pattern


def test_R23_unknown_key_with_default_is_still_unknown() -> None:
    assert substitute("${aws:username, 'x'}", Context(), enabled=True).outcome is Outcome.UNKNOWN


def test_R23_unresolved_wins_over_unknown() -> None:
    result = substitute("${aws:userid}/${aws:username}", Context.of({"aws:username": None}), enabled=True)
    assert result.outcome is Outcome.UNRESOLVED


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (Context.of({"aws:TagKeys": ["a"]}), "${aws:TagKeys}"),
        (Context(), "${aws:TagKeys}"),
        (Context.of({"aws:PrincipalTag/x": ["a", "b"]}), "${aws:PrincipalTag/x}"),
        (Context.of({"aws:PrincipalTag/x": []}), "${aws:PrincipalTag/x}"),
    ],
    ids=["catalogue-multi-given", "catalogue-multi-unknown", "two-values", "no-value"],
)
def test_R23_multi_valued_keys_cannot_be_variables(context: Context, text: str) -> None:
    assert substitute(text, context, enabled=True).outcome is Outcome.UNRESOLVED
    assert substitute(text[:-1] + ", 'd'}", context, enabled=True).text == "d"


def test_R23_malformed_variable_is_plain_text() -> None:
    result = substitute("a${}b${not valid}", ALICE, enabled=True)
    assert result.outcome is Outcome.RESOLVED and result.pattern == "a${}b${not valid}"


@pytest.mark.parametrize(
    ("text", "context", "wildcards", "expected"),
    [
        ("home/${aws:username}/*", ALICE, True, "home/alice/*"),
        ("${aws:PrincipalTag/t}*", Context.of({"aws:PrincipalTag/t": "a*?"}), True, "a${*}${?}*"),
        ("${aws:PrincipalTag/t}", Context.of({"aws:PrincipalTag/t": "a*"}), False, "a*"),
        ("${aws:PrincipalTag/t}", Context.of({"aws:PrincipalTag/t": "${x}"}), False, "${$}{x}"),
        ("${*}-${aws:userid}", ALICE, True, "${*}-${aws:userid}"),
    ],
    ids=["plain", "wildcards-escaped", "equals-keeps-star", "dollar-escaped", "unknown-kept"],
)
def test_R23_residual_text_means_the_same(text: str, context: Context, wildcards: bool, expected: str) -> None:
    assert substitute(text, context, enabled=True).residual_text(wildcards=wildcards) == expected


def test_R16h_substitute_resource_only_touches_field6() -> None:
    context = Context.of({"aws:username": "alice", "aws:PrincipalAccount": "111122223333"})
    result = substitute_resource("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}", context, enabled=True)
    assert result.text == "arn:aws:iam::${aws:PrincipalAccount}:user/alice"


def test_R16h_star_resource_has_no_field6() -> None:
    assert resolve_resource_entry("*", ALICE, enabled=True) == "*"
