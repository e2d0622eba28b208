"""The glob matcher: `*` and `?`, literal pieces, case folding, and agreement with a reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamdsl.engine.wildcard import (
    Literal,
    compile_glob,
    ends_with_star,
    glob_match,
    has_wildcard,
    is_star,
    pattern_has_wildcard,
    pattern_text,
    split_pattern,
)

CASES = [
    # (pattern, value, expected)
    ("*", "", True),
    ("*", "anything at all", True),
    ("", "", True),
    ("", "a", False),
    ("abc", "abc", True),
    ("abc", "abcd", False),
    ("abc", "ab", False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
    ("a?c", "abbc", False),
    ("?", "", False),
    ("??", "ab", True),
    ("a*", "a", True),
    ("a*", "ba", False),
    ("*a", "ba", True),
    ("*a", "ab", False),
    ("a*b", "ab", True),
    ("a*b", "aXYZb", True),
    ("a*b", "aXYZbc", False),
    ("a*b*c", "abbbc", True),
    ("a*b*c", "acb", False),
    ("*ab*ab*", "abab", True),
    ("*ab*ab*", "aab", False),
    ("a**b", "ab", True),
    ("*?", "", False),
    ("*?", "x", True),
    ("?*?", "x", False),
    ("a*?b", "ab", False),
    ("a*?b", "axb", True),
    ("*aab", "aaab", True),  # the greedy search must not skip the overlapping occurrence
    ("*a?a*", "xxaba", True),
    ("repo:org/app:*", "repo:org/app:ref:refs/heads/main", True),
    ("b/*/test/*", "b/1/2/test/x.jpg", True),
    ("b/*/test/*", "b/test/x.jpg", False),
    ("a.b+c(d)[e]|f", "a.b+c(d)[e]|f", True),  # regex metacharacters are plain characters
    ("a.b", "aXb", False),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), CASES, ids=[f"{p!r}~{v!r}" for p, v, _ in CASES])
def test_glob_match(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("GetObject", "getobject", False, False),
        ("GetObject", "getobject", True, True),
        ("Get*", "GETOBJECT", True, True),
        ("get?bject", "GetObject", True, True),
        ("ÄB*", "äbc", True, True),
    ],
    ids=["case-sensitive", "ignore-case", "ignore-case-star", "ignore-case-question", "non-ascii"],
)
def test_glob_match_case(pattern: str, value: str, ignore_case: bool, expected: bool) -> None:
    assert glob_match(pattern, value, ignore_case=ignore_case) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (("b/", Literal("*"), ".txt"), "b/*.txt", True),
        (("b/", Literal("*"), ".txt"), "b/a.txt", False),
        (("b/", Literal("a?"), "/*"), "b/a?/x", True),
        (("b/", Literal("a?"), "/*"), "b/ab/x", False),
        ((Literal("x"), "*", Literal("y")), "x123y", True),
        ((), "", True),
    ],
    ids=["literal-star-matches-star", "literal-star-is-no-wildcard", "literal-question", "literal-question-no-wildcard", "mixed", "empty"],
)
def test_R23_literal_pieces_are_not_wildcards(pattern, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


def test_has_wildcard() -> None:
    assert has_wildcard("a*") and has_wildcard("a?") and not has_wildcard("abc")


def test_pattern_helpers_respect_literal_pieces() -> None:
    pattern = ("arn:aws:s3:::b/", Literal("x*"))
    assert pattern_text(pattern) == "arn:aws:s3:::b/x*"
    assert not pattern_has_wildcard(pattern)
    assert not ends_with_star(pattern)
    assert ends_with_star(("b/", Literal(""), "*"))
    assert is_star("*") and is_star(("*",)) and not is_star((Literal("*"),))


def test_split_pattern_keeps_piece_kinds_and_maxsplit() -> None:
    fields = split_pattern(("arn:aws:s3:::b/", Literal("x:y"), "/*"), ":", 5)
    assert fields == [("arn",), ("aws",), ("s3",), (), (), ("b/", Literal("x:y"), "/*")]
    assert split_pattern("a:b:c", ":", 1) == ["a", "b:c"]
    assert split_pattern((Literal("a:b"),), ":") == [(Literal("a"),), (Literal("b"),)]


def test_compiled_patterns_are_memoised() -> None:
    assert compile_glob("a*b?c") is compile_glob("a*b?c")
    assert compile_glob("a*b?c", True) is not compile_glob("a*b?c", False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a" * 99_999 + "b", False), ("a" * 100_000, True), ("ba" * 50_000, True)],
    ids=["ends-in-b", "all-a", "alternating"],
)
def test_adversarial_pattern_is_answered(value: str, expected: bool) -> None:
    # The benchmark times this; here only the answers are checked.
    assert glob_match("*a" * 2500, value) is expected


def test_long_segment_with_questions_scans_whole_value() -> None:
    pattern = "*" + "a?" * 40 + "b*"
    assert not glob_match(pattern, "a" * 5000)
    assert glob_match(pattern, "a" * 5000 + "b" + "a" * 79 + "b")


# ------------------------------------------------------------------ agreement with a reference


def reference_match(tokens: list[tuple[str, bool]], value: str) -> bool:
    """Textbook dynamic programming over (pattern prefix, value prefix)."""
    n = len(value)
    row = [True] + [False] * n
    for char, live in tokens:
        if live and char == "*":
            new = row[:]
            for j in range(1, n + 1):
                new[j] = new[j] or new[j - 1]
        else:
            new = [False] * (n + 1)
            for j in range(1, n + 1):
                new[j] = row[j - 1] and ((live and char == "?") or value[j - 1] == char)
        row = new
    return row[n]


def tokens_of(pattern) -> list[tuple[str, bool]]:
    pieces = (pattern,) if isinstance(pattern, str) else pattern
    out = []
    for piece in pieces:
        live = isinstance(piece, str)
        text = piece if live else piece.text
        out.extend((c, live and c in "*?") for c in text)
    return out


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(alphabet="ab*?", max_size=10), value=st.text(alphabet="ab", max_size=12))
def test_glob_agrees_with_reference(pattern: str, value: str) -> None:
    assert glob_match(pattern, value) is reference_match(tokens_of(pattern), value)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(
        st.one_of(st.text(alphabet="ab*?", max_size=4), st.text(alphabet="ab*?", max_size=3).map(Literal)),
        max_size=4,
    ),
    value=st.text(alphabet="ab*?", max_size=10),
)
def test_pre_tokenised_glob_agrees_with_reference(pieces, value: str) -> None:
    pattern = tuple(pieces)
    assert glob_match(pattern, value) is reference_match(tokens_of(pattern), value)


@settings(max_examples=200, deadline=None)
@given(pattern=st.text(alphabet="aAbB*?", max_size=8), value=st.text(alphabet="aAbB", max_size=10))
def test_ignore_case_agrees_with_reference_on_folded_text(pattern: str, value: str) -> None:
    expected = reference_match(tokens_of(pattern.lower()), value.lower())
    assert glob_match(pattern, value, ignore_case=True) is expected
