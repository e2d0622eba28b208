"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`.

Stage: engine primitive (R12, R16h, R23).

A substitution splits policy text into pieces: policy text, where `*` and
`?` stay wildcards, and `Literal` text, which is what a variable's value or
`${*}`, `${?}`, `${$}` put in (R23: a substituted value is literal text).
The pieces are a `wildcard.Pattern`, so `glob_match`, `resource_matches`
and `arn_like` take them as they are.

Three outcomes, because the context is three-valued:
- RESOLVED: every variable had a value (or its default);
- UNRESOLVED: a variable's key is absent, has no single value, or is
  multi-valued, and there is no default.  The caller decides what that means
  (R23): a positive String/ARN operator's value does not match, a negated
  one's does, a Resource entry matches nothing;
- UNKNOWN: a variable's key is unknown in the context, so the answer
  depends on it and the caller keeps a residual.

Variables exist only under Version 2012-10-17 (R12); otherwise (`enabled`
False) `${…}` is plain text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from iamdsl import catalog
from iamdsl.engine.context import Context, Presence
from iamdsl.engine.wildcard import Literal, Pattern

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# `key` or `key, 'default'` (R23 writes one space after the comma; be lenient).
_BODY = re.compile(r"\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?\Z")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class Outcome(enum.Enum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Variable:
    """A variable left in place: its key was unknown, or absent without default."""

    key: str
    default: str | None
    source: str  # as written, e.g. "${aws:username}"


@dataclass(frozen=True, slots=True)
class _Escape(Literal):
    """`${*}`, `${?}` or `${$}`: literal, and written back the same way in residuals."""


Part = str | Literal | Variable


@dataclass(frozen=True, slots=True)
class Substitution:
    """The result of substituting the variables of one piece of policy text."""

    outcome: Outcome
    parts: tuple[Part, ...]
    missing: tuple[str, ...] = ()  # keys that left a variable unresolved
    unknown: tuple[str, ...] = ()  # keys unknown in the context

    @property
    def resolved(self) -> bool:
        return self.outcome is _OUTCOME_RESOLVED

    @property
    def pattern(self) -> Pattern:
        """The pattern to match with; only when every variable was resolved."""
        if self.outcome is not _OUTCOME_RESOLVED:
            raise ValueError(f"no pattern: the substitution is {self.outcome.value}")
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]  # plain policy text, the usual case
        parts = tuple(p for p in self.parts if not isinstance(p, Variable))
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)  # type: ignore[arg-type]
        return tuple(Literal(p.text) if isinstance(p, Literal) else p for p in parts)

    @property
    def text(self) -> str:
        """The text after substitution, for display: unresolved variables as written."""
        return "".join(p if isinstance(p, str) else p.text if isinstance(p, Literal) else p.source for p in self.parts)

    def residual_text(self, *, wildcards: bool) -> str:
        """Policy text meaning the same as this substitution, with known values put in.

        Substituted values are escaped (`${*}`, `${?}`, `${$}`) where they
        would otherwise be read as wildcards or variables; `wildcards` says
        whether the operator globs (Like and ARN operators) or not.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Variable):
                out.append(part.source)
            elif isinstance(part, _Escape):
                out.append("${" + part.text + "}")
            else:
                out.append(_escape(part.text, wildcards=wildcards))
        return "".join(out)


def _escape(text: str, *, wildcards: bool) -> str:
    out = []
    for i, c in enumerate(text):
        if c == "$" and (i + 1 == len(text) or text[i + 1] == "{"):
            out.append("${$}")
        elif wildcards and c in "*?":
            out.append("${" + c + "}")
        else:
            out.append(c)
    return "".join(out)


def substitute(text: str, context: Context, *, enabled: bool) -> Substitution:
    """Substitute the policy variables of `text` from `context` (R23)."""
    if not enabled or "${" not in text:
        return Substitution(_OUTCOME_RESOLVED, (text,))
    parts: list[Part] = []
    missing: list[str] = []
    unknown: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > position:
            parts.append(text[position : found.start()])
        position = found.end()
        body = found.group(1)
        if body in _ESCAPES:
            parts.append(_Escape(_ESCAPES[body]))
            continue
        shape = _BODY.match(body)
        if shape is None:
            parts.append(found.group(0))  # not a variable AWS would accept: plain text
            continue
        key, default = shape.group(1), shape.group(2)
        value, state = _value(key, context)
        if state is _PRESENCE_GIVEN:
            parts.append(Literal(value))
        elif state is _PRESENCE_UNKNOWN:
            parts.append(Variable(key, default, found.group(0)))
            unknown.append(key)
        elif default is not None:
            parts.append(Literal(default))
        else:
            parts.append(Variable(key, default, found.group(0)))
            missing.append(key)
    if position < len(text):
        parts.append(text[position:])
    outcome = _OUTCOME_UNRESOLVED if missing else _OUTCOME_UNKNOWN if unknown else _OUTCOME_RESOLVED
    return Substitution(outcome, tuple(parts), tuple(missing), tuple(unknown))


def _value(key: str, context: Context) -> tuple[str, Presence]:
    """The single value a variable takes, or ABSENT (use the default) or UNKNOWN.

    Multi-valued keys cannot be variables (R23): a key the catalogue calls
    multi-valued, or one given with other than exactly one value, counts as
    absent, so the default applies if there is one.
    """
    known = catalog.condition_key(key)
    if known is not None and known[1].multi:
        return "", _PRESENCE_ABSENT
    lookup = context.get(key)
    if lookup.presence is _PRESENCE_UNKNOWN:
        return "", _PRESENCE_UNKNOWN
    if lookup.presence is _PRESENCE_GIVEN and len(lookup.values) == 1:
        return lookup.values[0], _PRESENCE_GIVEN
    return "", _PRESENCE_ABSENT


def substitute_resource(entry: str, context: Context, *, enabled: bool) -> Substitution:
    """Substitute a Resource/NotResource entry: variables live in field 6 only (R16h).

    In fields 1–5 `${…}` is plain text.  Text that is not a six-field ARN
    (such as `*`) has no field 6, so nothing is substituted.
    """
    fields = entry.split(":", 5)
    if not enabled or len(fields) < 6 or "${" not in fields[5]:
        return Substitution(_OUTCOME_RESOLVED, (entry,))
    head = ":".join(fields[:5]) + ":"
    rest = substitute(fields[5], context, enabled=True)
    return Substitution(rest.outcome, (head, *rest.parts), rest.missing, rest.unknown)


def resolve_resource_entry(entry: str, context: Context, *, enabled: bool) -> Pattern | Presence | None:
    """A Resource entry ready for `arn.resource_matches`.

    None when a variable cannot be resolved (the entry matches nothing,
    R16h and R23), `Presence.UNKNOWN` when a variable's key is unknown, and
    otherwise the pattern, in which substituted text is literal.
    """
    if not enabled or "${" not in entry:
        return entry  # nothing to substitute: the common case, kept cheap
    result = substitute_resource(entry, context, enabled=enabled)
    if result.outcome is _OUTCOME_UNRESOLVED:
        return None
    if result.outcome is _OUTCOME_UNKNOWN:
        return _PRESENCE_UNKNOWN
    return result.pattern


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_OUTCOME_RESOLVED = Outcome.RESOLVED
_OUTCOME_UNKNOWN = Outcome.UNKNOWN
_OUTCOME_UNRESOLVED = Outcome.UNRESOLVED
_PRESENCE_ABSENT = Presence.ABSENT
_PRESENCE_GIVEN = Presence.GIVEN
_PRESENCE_UNKNOWN = Presence.UNKNOWN
