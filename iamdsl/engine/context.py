"""The request context, three-valued: each key is given, absent, or unknown.

Stage: engine input (design.md §2).

A key can be
- given: the user said its value (`with aws:SourceIp = 10.1.2.3`), or the
  model derives it (the principal's ARN, account, tags, …);
- absent: the user said it is not there (`with no aws:SourceVpce`), or the
  model knows it cannot be (aws:username for a role session);
- unknown: nobody said.  Conditions on unknown keys are not guessed: they
  become residual conditions, and the decision can be CONDITIONAL.

Key names compare without case, the tag part of tag keys included (R6).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    from iamdsl.model import ContextValue


class Presence(enum.Enum):
    GIVEN = "given"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class Source(enum.Enum):
    """Where a key's state came from, so explanations can say."""

    REQUEST = "request"  # the user gave it in the query (`with …`)
    DERIVED = "derived"  # the model implies it
    DEFAULT = "default"  # a documented default
    UNSTATED = "unstated"  # nobody said: unknown


# Enum members the functions below read, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_PRESENCE_ABSENT = Presence.ABSENT
_PRESENCE_GIVEN = Presence.GIVEN
_PRESENCE_UNKNOWN = Presence.UNKNOWN
_SOURCE_UNSTATED = Source.UNSTATED


@dataclass(frozen=True, slots=True)
class Lookup:
    """The state of one key: `values` is set only when presence is GIVEN.

    `values` is always a tuple: a single-valued key has one element (R6).  An
    empty tuple is "present but empty", which is not the same as absent.
    """

    presence: Presence
    values: tuple[str, ...] = ()
    source: Source = Source.UNSTATED

    @classmethod
    def given(cls, values: str | Iterable[str], source: Source = Source.REQUEST) -> "Lookup":
        return cls(_PRESENCE_GIVEN, (values,) if isinstance(values, str) else tuple(values), source)

    @classmethod
    def absent(cls, source: Source = Source.REQUEST) -> "Lookup":
        return cls(_PRESENCE_ABSENT, (), source)

    @classmethod
    def unknown(cls) -> "Lookup":
        return cls(_PRESENCE_UNKNOWN, (), _SOURCE_UNSTATED)


UNKNOWN = Lookup.unknown()
NOT_LISTED = Lookup.absent(Source.DEFAULT)  # a key a closed context does not list (lookups are immutable, so shared)
LEFT_OUT = Lookup.absent(Source.DERIVED)  # a key under a prefix whose every key is listed


@dataclass(slots=True)
class Context:
    """Context keys by lower-cased name.  Keys not listed are unknown unless `closed`.

    `closed` makes every unlisted key absent instead of unknown: scenario files
    and the differential corpus describe complete requests, so there nothing
    is unknown.
    """

    keys: dict[str, Lookup] = field(default_factory=dict)
    closed: bool = False
    # Lower-cased key prefixes, such as "aws:principaltag/", whose every key is
    # known: the model lists all of a principal's tags, so a tag it does not
    # list is absent, not unknown.
    closed_prefixes: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, values: Mapping[str, str | Iterable[str] | None], *, closed: bool = False, source: Source = Source.REQUEST) -> "Context":
        context = cls(closed=closed)
        for key, value in values.items():
            context.set(key, Lookup.absent(source) if value is None else Lookup.given(value, source))
        return context

    @classmethod
    def from_values(cls, items: Iterable["ContextValue"]) -> "Context":
        """An open context from a query's `with` clause: `no KEY` is absent, the rest unknown."""
        context = cls()
        for item in items:
            context.set(item.key, Lookup.absent() if item.values is None else Lookup.given(item.values))
        return context

    def set(self, key: str, lookup: Lookup) -> None:
        self.keys[key.lower()] = lookup

    def setdefault(self, key: str, lookup: Lookup) -> None:
        self.keys.setdefault(key.lower(), lookup)

    def get(self, key: str) -> Lookup:
        return self.get_lower(key.lower())

    def get_lower(self, lower: str) -> Lookup:
        """`get` for a key already in lower case (compiled conditions lower theirs once)."""
        found = self.keys.get(lower)
        if found is not None:
            return found
        if self.closed:
            return NOT_LISTED
        for prefix in self.closed_prefixes:
            if lower.startswith(prefix):
                return LEFT_OUT
        return UNKNOWN

    def close_prefix(self, prefix: str) -> None:
        self.closed_prefixes.add(prefix.lower())

    def copy(self) -> "Context":
        return Context(dict(self.keys), self.closed, set(self.closed_prefixes))

