"""ARNs, and how a Resource entry or an ArnLike value matches one.

Stage: engine primitive (R5, R16, R37, settings D6 and D10).

Two different matchers live here, and they differ on purpose:

- `resource_matches` is the Resource/NotResource rule R16: fields 2–5
  without case (D6), field 6 with case, a `*` that ends one of fields 1–5 may
  run past the colons after it (D10), short patterns are padded (R16g), and a
  wildcarded resource-type word matches nothing (R16f);
- `arn_like` is the ArnLike/ArnEquals condition rule R37: all six fields
  with case, each globbed on its own, so no wildcard ever crosses a colon.

Fields are numbered as in the rulebook: 1 `arn`, 2 partition, 3 service,
4 region, 5 account, 6 the rest (everything after the fifth colon).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from iamdsl import catalog
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.wildcard import (
    Glob,
    Pattern,
    compile_glob,
    ends_with_star,
    fold,
    glob_match,
    is_star,
    pattern_has_wildcard,
    pattern_text,
    pieces,
    split_pattern,
)

_SERVICE_FIELD = 2  # index of field 3 in a list of fields


@dataclass(frozen=True, slots=True)
class Arn:
    """A parsed ARN: `arn:partition:service:region:account:resource` (R5)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the fifth colon, colons included

    @classmethod
    def parse(cls, text: str) -> "Arn | None":
        """The ARN, or None when `text` is not `arn:` followed by five more fields."""
        fields = text.split(":", 5)
        if len(fields) != 6 or fields[0] != "arn":
            return None
        return cls(*fields[1:])

    @property
    def fields(self) -> tuple[str, ...]:
        return ("arn", self.partition, self.service, self.region, self.account, self.resource)

    def __str__(self) -> str:
        return ":".join(self.fields)


@dataclass(frozen=True, slots=True)
class ResourceMatch:
    """Whether a Resource entry matches, and why, in plain words."""

    matched: bool
    reason: str

    def __bool__(self) -> bool:
        return self.matched


def resource_matches(pattern: Pattern, requested: str, settings: Settings = DEFAULT_SETTINGS) -> bool:
    """Whether the Resource entry `pattern` covers the requested resource (R16).

    `pattern` is policy text, or the pieces `variables.resolve_resource_entry`
    returns once variables are substituted (R16h); substituted text is literal.
    The same rules as `resource_match`, without the reason, and with the
    pattern's analysis memoised: this is on every decision's hot path.
    """
    compiled = _compile_resource(pattern, settings.resource_fields_2_to_5_ignore_case, settings.resource_trailing_star_crosses_colons)
    if compiled.star:  # R16a
        return True
    if requested == "*":  # R16a
        return False
    target = requested.split(":", 5)
    if len(target) != 6 or target[0] != "arn":
        return glob_match(pattern, requested)  # not an ARN: one glob over the whole text
    if compiled.never:  # R16c, R16f, R16g
        return False
    if compiled.globs is None:  # a trailing `*` in fields 1-5 may cross colons (D10)
        return _fields_match(compiled.fields, requested, settings)
    return all(glob.match(text) for glob, text in zip(compiled.globs, target))


@dataclass(frozen=True, slots=True)
class _CompiledResource:
    star: bool  # the pattern is `*`
    never: bool  # the pattern matches no ARN (R16c, R16f, R16g)
    fields: list[Pattern]  # the six fields, padded (R16g)
    globs: tuple[Glob, ...] | None  # one glob per field, when no field can cross a colon


@functools.lru_cache(maxsize=8192)
def _compile_resource(pattern: Pattern, ignore_case: bool, crossing: bool) -> _CompiledResource:
    """The analysis `resource_match` makes of a pattern before it looks at the request."""
    if is_star(pattern):
        return _CompiledResource(True, False, [], None)
    fields = split_pattern(pattern, ":", 5)
    if len(fields) < 6:
        if not ends_with_star(fields[-1]):
            return _CompiledResource(False, True, fields, None)  # R16g
        padded: list[Pattern] = [*fields, *(["*"] * (6 - len(fields)))]
        written = len(fields)
    else:
        padded, written = fields, 6
    service = padded[_SERVICE_FIELD]
    if written > _SERVICE_FIELD and pattern_has_wildcard(service):
        return _CompiledResource(False, True, padded, None)  # R16c
    if written == 6 and wildcarded_type_word(pattern_text(service), padded[5]) is not None:
        return _CompiledResource(False, True, padded, None)  # R16f
    if crossing and any(ends_with_star(field) for field in padded[:5]):
        return _CompiledResource(False, False, padded, None)
    # No field can cross a colon: each lines up with one field of the ARN (as `_fields_match` does).
    globs = tuple(compile_glob(field, ignore_case=ignore_case and 0 < number < 5) for number, field in enumerate(padded))
    return _CompiledResource(False, False, padded, globs)


def request_fields(requested: str) -> list[str] | None:
    """The six fields of a requested ARN, split once per request for every `ResourceCheck`; None when not an ARN."""
    fields = requested.split(":", 5)
    return fields if len(fields) == 6 and fields[0] == "arn" else None


class ResourceCheck:
    """A Resource entry without variables, compiled once: `resource_matches` with the analysis done.

    Each field that is a `*` is dropped, a field without wildcards becomes a
    string comparison, and only the others keep their glob.  The decision is
    the one `resource_matches` makes, step for step.
    """

    __slots__ = ("pattern", "settings", "star", "never", "fields", "exact", "folded", "globs")

    def __init__(self, pattern: str, settings: Settings) -> None:
        compiled = _compile_resource(pattern, settings.resource_fields_2_to_5_ignore_case, settings.resource_trailing_star_crosses_colons)
        self.pattern = pattern
        self.settings = settings
        self.star = compiled.star
        self.never = compiled.never
        self.fields = compiled.fields
        self.exact: tuple[tuple[int, str], ...] = ()  # (field, text) compared as they are
        self.folded: tuple[tuple[int, str], ...] = ()  # (field, folded text) compared without case (D6)
        self.globs: tuple[tuple[int, Glob], ...] | None = None  # None: a field may cross colons (D10)
        if compiled.globs is not None:
            exact, folded, globs = [], [], []
            for number, (field, glob) in enumerate(zip(compiled.fields, compiled.globs)):
                if len(glob.segments) == 2 and not glob.segments[0].text and not glob.segments[1].text:
                    continue  # a lone `*` takes any field
                if len(glob.segments) == 1 and glob.segments[0].masks is None:
                    (folded if glob.ignore_case else exact).append((number, glob.segments[0].text))
                else:
                    globs.append((number, glob))
            self.exact, self.folded, self.globs = tuple(exact), tuple(folded), tuple(globs)

    def matches(self, requested: str, fields: list[str] | None) -> bool:
        """Whether the entry covers `requested`, whose `request_fields` are `fields`."""
        if self.star:  # R16a
            return True
        if requested == "*":  # R16a
            return False
        if fields is None:
            return glob_match(self.pattern, requested)  # not an ARN: one glob over the whole text
        if self.never:  # R16c, R16f, R16g
            return False
        if self.globs is None:
            return _fields_match(self.fields, requested, self.settings)
        for number, text in self.exact:
            if fields[number] != text:
                return False
        for number, text in self.folded:
            if fold(fields[number]) != text:
                return False
        for number, glob in self.globs:
            if not glob.match(fields[number]):
                return False
        return True


def resource_match(pattern: Pattern, requested: str, settings: Settings = DEFAULT_SETTINGS) -> ResourceMatch:
    """`resource_matches` with its reason."""
    shown = pattern_text(pattern)
    if is_star(pattern):  # R16a: `*` covers everything, the `*` resource included
        return ResourceMatch(True, "`*` covers every resource (R16a)")
    if requested == "*":  # R16a: an action without resource-level permissions
        return ResourceMatch(False, f"`{shown}` names specific resources, and the request is on `*` (R16a)")
    target = Arn.parse(requested)
    if target is None:
        # Not an ARN, so no fields to line up: the whole text is one glob.
        if glob_match(pattern, requested):
            return ResourceMatch(True, f"`{shown}` matches `{requested}`")
        return ResourceMatch(False, f"`{shown}` does not match `{requested}`")
    fields = split_pattern(pattern, ":", 5)
    if len(fields) < 6:
        if not ends_with_star(fields[-1]):  # R16g: only a trailing `*` pads
            return ResourceMatch(False, f"`{shown}` has fewer than six ARN fields, so it matches nothing (R16g)")
        padded: list[Pattern] = [*fields, *(["*"] * (6 - len(fields)))]
        written = len(fields)
    else:
        padded, written = fields, 6
    service = padded[_SERVICE_FIELD]
    if written > _SERVICE_FIELD and pattern_has_wildcard(service):
        # R16c: the service field takes no wildcard.  Fields added by padding
        # (R16g) are not written by the author and stay unrestricted.
        return ResourceMatch(False, f"`{shown}` has a wildcard in its service field, so it matches nothing (R16c)")
    word = wildcarded_type_word(pattern_text(service), padded[5]) if written == 6 else None
    if word is not None:
        return ResourceMatch(False, f"`{shown}` wildcards the resource-type word `{word}`, so it matches nothing (R16f)")
    if _fields_match(padded, requested, settings):
        return ResourceMatch(True, f"`{shown}` matches `{requested}`")
    return ResourceMatch(False, _miss_reason(padded, target, shown, settings))


def _fields_match(fields: list[Pattern], requested: str, settings: Settings) -> bool:
    """R16b–e, D6, D10: line the pattern's five separators up with colons of `requested`.

    Fields 1–5 are each matched against the text between two colons (R16c),
    without case under D6 (field 1 is always `arn`, so its case is moot).
    Under D10 a field of 1–5 that ends in `*` may instead reach across later
    colons: its part before the `*` must match the start of the text up to
    the next colon, and the `*` takes the rest up to any later colon.  Field 6
    is one case-sensitive glob over what remains, colons and slashes included
    (R16d, R16e).

    The state is the set of places where the next field may start; it holds
    at most one place per colon of `requested`, so the cost is
    O(colons × length) only when a trailing `*` actually crosses colons, and
    one pass over the fields otherwise.
    """
    colons = [i for i, c in enumerate(requested) if c == ":"]
    ignore_case = settings.resource_fields_2_to_5_ignore_case
    crossing = settings.resource_trailing_star_crosses_colons
    starts = [0]
    for number, field in enumerate(fields[:5]):
        field_case = ignore_case and number > 0
        following: list[int] = []
        for start in starts:
            stop = _next_colon(colons, start)
            if stop is None:
                continue
            text = requested[start:stop]
            if crossing and ends_with_star(field):
                if glob_match(field, text, ignore_case=field_case):
                    # The `*` may also run on through any later colon.
                    following = [c + 1 for c in colons if c >= stop]
                    break  # later starts reach a subset of these places
            elif glob_match(field, text, ignore_case=field_case):
                following.append(stop + 1)
        starts = sorted(set(following))
        if not starts:
            return False
    last = fields[5]
    if _starts_with_star(last):
        starts = starts[:1]  # a leading `*` absorbs whatever a later start would skip
    return any(glob_match(last, requested[start:]) for start in starts)


def _starts_with_star(pattern: Pattern) -> bool:
    first = next((p for p in pieces(pattern) if (p if isinstance(p, str) else p.text)), "")
    return isinstance(first, str) and first.startswith("*")


def _next_colon(colons: list[int], start: int) -> int | None:
    for c in colons:
        if c >= start:
            return c
    return None


def _miss_reason(fields: list[Pattern], target: Arn, shown: str, settings: Settings) -> str:
    """Name the first field that differs, for explanations."""
    names = ("prefix", "partition", "service", "region", "account", "resource")
    for number, (field, value) in enumerate(zip(fields, target.fields)):
        ignore_case = number < 5 and number > 0 and settings.resource_fields_2_to_5_ignore_case
        if not glob_match(field, value, ignore_case=ignore_case):
            if number == 5 and glob_match(field, value, ignore_case=True):
                return f"`{shown}` does not match `{target}`: the resource part compares with case (R16e)"
            return f"`{shown}` does not match `{target}`: the {names[number]} differs"
    return f"`{shown}` does not match `{target}`"


# ------------------------------------------------------------------ R16f


def wildcarded_type_word(service: str, rest: Pattern) -> str | None:
    """The resource-type word of `rest` (field 6) if it is wildcarded, else None (R16f).

    The type word is field 6 up to its first `/` or `:` (`user` in
    `user/bob`, `function` in `function:f`).  It counts as wildcarded when it
    holds a live `*` or `?` and is not exactly `*`: so `u*`, `user*`,
    `use?/bob` and `*r/bob` match nothing, while `*` (everything) and
    `*/bob` (any type) are ordinary globs.  The rule applies only to services
    whose every ARN, per the catalogue, begins field 6 with a type word: S3
    bucket names, SQS queue names and SNS topic names are not type words, so
    `arn:aws:s3:::b*` is an ordinary glob.
    """
    word: list[tuple[str, bool]] = []
    for piece in pieces(rest):
        live = isinstance(piece, str)
        text = piece if live else piece.text
        cut = min((i for i in (text.find("/"), text.find(":")) if i >= 0), default=-1)
        word.extend((c, live) for c in (text if cut < 0 else text[:cut]))
        if cut >= 0:
            break
    text = "".join(c for c, _ in word)
    if text == "*" or not any(live and c in "*?" for c, live in word):
        return None
    if not service_has_type_words(service):
        return None
    return text


@functools.lru_cache(maxsize=512)
def service_has_type_words(service: str) -> bool:
    """Whether every ARN of the service begins its last field with a literal word."""
    types = catalog.service_resource_types(service.lower())
    if not types:
        return False
    return all(not info.arn_template.split(":", 5)[-1].startswith("${") for info in types)


# ------------------------------------------------------------------ R37


def arn_like(pattern: Pattern, value: str) -> bool:
    """ArnLike / ArnEquals (R37): case-sensitive, each of the six fields globbed alone.

    A wildcard never crosses a colon, unlike StringLike (E48).  A value that
    is not an ARN does not match, and neither does a pattern without six
    fields.  Field 6 takes the rest of each string, so its own colons are
    compared inside one glob; there a `*` does span `:`, as every field-6
    wildcard does.
    """
    target = Arn.parse(value)
    if target is None:
        return False
    fields = split_pattern(pattern, ":", 5)
    if len(fields) != 6:
        return False
    return all(glob_match(field, text) for field, text in zip(fields, target.fields))

