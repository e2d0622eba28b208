"""Findings, the one exception the language raises, and how both are shown.

Stage: shared by every step from text to checked model.

Hierarchy::

    IamdslError                 anything wrong with the user's input; carries Diagnostics
     └── NotSupportedError      valid input that iamdsl cannot (yet) decide or do

Every finding is a `Diagnostic`: a stable code, a severity, a message, the span
it points at and an optional `help` line.  Lark's and pydantic's exceptions
are translated into these at the parser and loader boundaries; none of theirs
reaches the user.  Rendering is separate from finding: `render_text` draws
the source line with a caret, `render_json` gives the machine format.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from iamdsl.model import Span


class Severity(str, enum.Enum):
    ERROR = "error"  # AWS would refuse it, or iamdsl cannot make sense of it: the load fails
    WARNING = "warning"  # it loads, but probably not as meant (inert statements, R45)


# Every code iamdsl emits, with a one-line title.  Codes are stable: never reuse one.
CODES: dict[str, str] = {
    "E001": "syntax error",
    "E002": "file cannot be read",
    "E003": "include cycle",
    "E004": "malformed JSON",
    "E010": "unknown name",
    "E011": "conflicting attributes when blocks merge",
    "E012": "duplicate account ID",
    "E013": "invalid account ID",
    "E014": "unknown resource type",
    "E015": "resource type has no child path",
    "E016": "`to` in an identity policy",
    "E017": "Principal in an identity policy",
    "E018": "element not allowed here",
    "E020": "unknown condition operator",
    "E021": "invalid condition value",
    "E022": "condition sugar does not fit the key",
    "E023": "plain operator on a multi-valued key",
    "E024": "operator and key repeated in one statement",
    "E025": "`or` between conditions",
    "E026": "IfExists on Null",
    "E030": "RCP that allows",
    "E031": "RCP statement outside the RCP syntax",
    "E032": "Allow with NotPrincipal",
    "E033": "NotPrincipal in a trust policy",
    "E034": "malformed policy statement",
    "E035": "invalid Effect",
    "E036": "invalid principal",
    "E037": "AWS-managed policy without a document",
    "E038": "unknown reason after `because`",
    "E039": "verb does not apply to the resource",
    "E040": "invalid resource",
    "E050": "AWS CLI output of an unexpected shape",
    "E051": "AWS data that does not hold together",
    "W101": "`B.root` in `to` means the account",
    "W102": "resource-policy statement without a principal never applies",
    "W103": "partial principal wildcard matches nothing",
    "W104": "wildcard in the resource-type word matches nothing",
    "W105": "unique ID of a deleted entity matches nothing",
    "W106": "plain operator on a multi-valued key never matches",
    "W107": "Allow with NotPrincipal is not supported by AWS",
    "W108": "unknown action",
    "W109": "wildcard in a service prefix matches nothing",
    "W110": "unknown condition key",
    "W120": "AWS data the model does not hold, left out",
    "W121": "unknown field in AWS data, not read",
    "T001": "expectation failed",
    # export (interop/exportable.py, terraform.py): what AWS cannot hold, and what changes on the way
    "X001": "account ID derived, not declared",
    "X002": "AWS cannot hold this",
    "X101": "placeholder account ID exported",
    "X102": "policy document AWS would refuse",
    "X103": "not exported",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    help: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
            "column": self.span.column if self.span else None,
            "end_line": self.span.end_line if self.span else None,
            "end_column": self.span.end_column if self.span else None,
            "help": self.help,
            "notes": list(self.notes),
        }


class IamdslError(Exception):
    """The input cannot be loaded.  Holds every finding, errors and warnings, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None):
        self.diagnostics = sorted(diagnostics, key=lambda d: d.sort_key)
        self.sources = dict(sources or {})
        first = next((d for d in self.diagnostics if d.severity is Severity.ERROR), None)
        super().__init__(first.message if first else "invalid input")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def render(self) -> str:
        return render_text(self.diagnostics, self.sources)


class NotSupportedError(IamdslError):
    """Valid input that iamdsl does not support: it says so instead of guessing."""

    def __init__(self, message: str, span: Span | None = None, help: str | None = None):
        super().__init__([Diagnostic("E000", f"not supported: {message}", span, help=help)])


CODES["E000"] = "not supported"


def did_you_mean(name: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The closest candidate to `name`, comparing without case, if any is close."""
    pool = list(dict.fromkeys(candidates))
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def suggestion(name: str, candidates: Iterable[str]) -> str | None:
    """A `help:` text of the form "did you mean `X`?", or None."""
    best = did_you_mean(name, candidates)
    return f"did you mean `{best}`?" if best else None


@dataclass
class Collector:
    """Gathers findings while a stage runs; stages never stop at the first one."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, Severity.ERROR, help))

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, Severity.WARNING, help))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def render_one(diagnostic: Diagnostic, sources: Mapping[str, str]) -> str:
    """Render as `file:line:col: severity[CODE]: message`, the line, a caret, and help."""
    d = diagnostic
    where = f"{d.span.file}:{d.span.line}:{d.span.column}: " if d.span else ""
    lines = [f"{where}{d.severity.value}[{d.code}]: {d.message}"]
    text = sources.get(d.span.file) if d.span else None
    if d.span is not None and text is not None:
        # Lines as the parser counts them: splitlines() would also break at
        # \f, \x1c, \u2028 and others, and draw the wrong line.
        source_lines = text.split("\n")
        if 1 <= d.span.line <= len(source_lines):
            line = source_lines[d.span.line - 1].rstrip("\r").expandtabs(1)
            line = _CONTROL.sub("\ufffd", line)  # a comment's ESC must not reach the terminal; one column each still
            number = str(d.span.line)
            gutter = " " * len(number)
            column = d.span.column
            end = d.span.end_column if d.span.end_line == d.span.line else len(line) + 1
            line, column, end = _clip(line, column, end)
            width = max(1, min(end, len(line) + 1) - column)
            lines.append(f" {gutter} |")
            lines.append(f" {number} | {line}")
            lines.append(f" {gutter} | {' ' * (column - 1)}{'^' * width}")
    for note in d.notes:
        lines.append(f"note: {note}")
    if d.help:
        lines.append(f"help: {d.help}")
    return "\n".join(lines)


_WIDEST = 160  # a longer line (minified JSON: a whole file on one line) is shown around the caret


def _clip(line: str, column: int, end: int) -> tuple[str, int, int]:
    """The part of a long line around `column`, with `…` where it is cut, and the columns moved to match."""
    if len(line) <= _WIDEST:
        return line, column, end
    start = max(0, min(column - 1 - _WIDEST // 4, len(line) - _WIDEST))
    stop = start + _WIDEST
    head = "…" if start else ""
    shown = head + line[start:stop] + ("…" if stop < len(line) else "")
    shift = start - len(head)
    return shown, column - shift, min(end - shift, len(head) + _WIDEST + 1)


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    return "\n\n".join(render_one(d, sources) for d in diagnostics)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps({"diagnostics": [d.to_json() for d in diagnostics]}, indent=2)
