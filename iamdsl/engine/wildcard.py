"""IAM wildcards: `*` matches any run of characters (none included), `?` exactly one.

Stage: engine primitive, used by action, resource and condition matching
(R14, R16, R31, R37).

A pattern is either policy text (`str`), where `*` and `?` are wildcards, or
a tuple of pieces mixing policy text with `Literal` text.  `Literal` pieces
are what policy variables put in (R23: a substituted value is literal text, a
`*` inside it is no wildcard) and what `${*}`, `${?}` and `${$}` stand for.

The algorithm never backtracks.  A compiled glob is the list of its
`*`-free segments.  The first segment must match at the start of the value,
the last at the end, and each middle segment is found at its leftmost place
after the previous one; that greedy choice is safe because whatever a later
segment could match after a later occurrence it can also match after the
leftmost one.  Every search starts where the previous one stopped, so the
value is scanned once:

- a segment without `?` is found with `str.find`, which since CPython 3.10
  falls back to the two-way algorithm (Crochemore–Perrin) whenever the
  simple search does too much work, so it is linear in the text scanned;
- a segment with `?` is found with the bit-parallel Shift-And algorithm:
  one step per character of the value, each step a few operations on an
  integer of as many bits as the segment is long (one machine word for any
  segment up to 60 characters, so linear in practice).

Compiled globs are memoised, so a policy's patterns are compiled once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable, Union


@dataclass(frozen=True, slots=True)
class Literal:
    """Text a glob takes literally: `*` and `?` in it are plain characters."""

    text: str


Piece = Union[str, Literal]
Pattern = Union[str, tuple[Piece, ...]]
"""Policy text, or pieces of policy text (wildcards live) and `Literal` text."""

WILDCARDS = frozenset("*?")


def has_wildcard(text: str) -> bool:
    """Whether policy text contains `*` or `?`."""
    return "*" in text or "?" in text


def pieces(pattern: Pattern) -> tuple[Piece, ...]:
    """The pattern as a tuple of pieces."""
    return (pattern,) if isinstance(pattern, str) else pattern


def pattern_text(pattern: Pattern) -> str:
    """The characters of the pattern, wildcards and literals alike (for display)."""
    if isinstance(pattern, str):
        return pattern
    return "".join(p if isinstance(p, str) else p.text for p in pattern)


def pattern_has_wildcard(pattern: Pattern) -> bool:
    """Whether the pattern has a live wildcard (one in policy text, not in a Literal)."""
    return any(isinstance(p, str) and has_wildcard(p) for p in pieces(pattern))


def is_star(pattern: Pattern) -> bool:
    """Whether the pattern is exactly one live `*`."""
    return pattern_text(pattern) == "*" and pattern_has_wildcard(pattern)


def ends_with_star(pattern: Pattern) -> bool:
    """Whether the pattern's last character is a live `*`."""
    for piece in reversed(pieces(pattern)):
        if isinstance(piece, Literal):
            if piece.text:
                return False
        elif piece:
            return piece.endswith("*")
    return False


def split_pattern(pattern: Pattern, sep: str, maxsplit: int = -1) -> list[Pattern]:
    """Split at `sep` like `str.split`, keeping each piece's kind.

    Separators inside Literal pieces split too: literalness is about
    wildcards only, and an ARN substituted into a pattern still has fields.
    """
    if isinstance(pattern, str):
        return pattern.split(sep, maxsplit)
    fields: list[list[Piece]] = [[]]
    for piece in pattern:
        text = piece if isinstance(piece, str) else piece.text
        left = maxsplit - (len(fields) - 1) if maxsplit >= 0 else -1
        parts = text.split(sep, left) if left != 0 else [text]
        for i, part in enumerate(parts):
            if i:
                fields.append([])
            if part:
                fields[-1].append(part if isinstance(piece, str) else Literal(part))
    return [tuple(field) for field in fields]


def concat(*patterns: Pattern) -> Pattern:
    """Join patterns into one."""
    if all(isinstance(p, str) for p in patterns):
        return "".join(patterns)  # type: ignore[arg-type]
    return tuple(piece for p in patterns for piece in pieces(p))


def fold(text: str) -> str:
    """Lower-case `text` without changing its length (so `?` still means one character)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


# ------------------------------------------------------------------ compiled globs


class _Segment:
    """A run of pattern characters between two `*`s; `wild` has a bit per `?`."""

    __slots__ = ("text", "wild", "masks")

    def __init__(self, chars: list[str], wild_positions: list[int]) -> None:
        self.text = "".join(chars)
        self.wild = 0
        for position in wild_positions:
            self.wild |= 1 << position
        self.masks: dict[str, int] | None = None
        if self.wild:
            # Shift-And table: bit i of masks[c] says "pattern position i accepts c".
            masks: dict[str, int] = {}
            for i, c in enumerate(self.text):
                if not self.wild >> i & 1:
                    masks[c] = masks.get(c, self.wild) | 1 << i
            self.masks = masks

    def __len__(self) -> int:
        return len(self.text)

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost index in [start, end) where the segment occurs entirely before `end`, or -1."""
        if self.masks is None:
            return value.find(self.text, start, end)
        masks, default = self.masks, self.wild
        goal = 1 << (len(self.text) - 1)
        state = 0
        for i in range(start, end):
            state = ((state << 1) | 1) & masks.get(value[i], default)
            if state & goal:
                return i - len(self.text) + 1
        return -1

    def matches_at(self, value: str, position: int) -> bool:
        if self.masks is None:
            return value.startswith(self.text, position)
        end = position + len(self.text)
        return end <= len(value) and self.find(value, position, end) == position


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled pattern: `segments` are the `*`-free runs, at least one.

    One segment means the pattern has no `*`.  Empty middle segments (from
    `**`) are dropped; the first and last are kept even when empty, because
    they anchor the pattern's ends.
    """

    segments: tuple[_Segment, ...]
    ignore_case: bool

    def match(self, value: str) -> bool:
        if self.ignore_case:
            value = fold(value)
        segments = self.segments
        first = segments[0]
        if len(segments) == 1:
            return len(value) == len(first) and first.matches_at(value, 0)
        last = segments[-1]
        end = len(value) - len(last)
        if end < len(first) or not first.matches_at(value, 0) or not last.matches_at(value, end):
            return False
        position = len(first)
        for segment in segments[1:-1]:
            found = segment.find(value, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True


def _characters(pattern: Pattern, ignore_case: bool) -> Iterable[tuple[str, bool]]:
    """(character, is_live_wildcard_char) pairs."""
    for piece in pieces(pattern):
        live = isinstance(piece, str)
        text = piece if live else piece.text
        if ignore_case:
            text = fold(text)
        for c in text:
            yield c, live and c in WILDCARDS


@functools.lru_cache(maxsize=8192)
def compile_glob(pattern: Pattern, ignore_case: bool = False) -> Glob:
    """Compile (and memoise) a pattern."""
    segments: list[_Segment] = []
    chars: list[str] = []
    wild: list[int] = []
    for c, live in _characters(pattern, ignore_case):
        if live and c == "*":
            segments.append(_Segment(chars, wild))
            chars, wild = [], []
        else:
            if live:  # a live `?`
                wild.append(len(chars))
            chars.append(c)
    segments.append(_Segment(chars, wild))
    if len(segments) > 2:
        segments = [segments[0], *(s for s in segments[1:-1] if len(s)), segments[-1]]
    return Glob(tuple(segments), ignore_case)


def glob_match(pattern: Pattern, value: str, *, ignore_case: bool = False) -> bool:
    """Whether `value` matches `pattern` as a whole (`*` any run, `?` one character)."""
    return compile_glob(pattern, ignore_case).match(value)
