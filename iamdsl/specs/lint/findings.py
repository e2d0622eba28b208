"""What a lint rule reports: a finding with a stable code, a level and a place.

Stage: lint output (made by the rules in `rules/`, shown by `output.py` and `sarif.py`).

A finding has the same fields as a loader `Diagnostic` (code, message, span,
severity, help, notes), so `language.errors.render_one` draws both alike; only
the levels differ, because lint has an `info` level that loading does not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from iamdsl.model import Span


class Level(str, enum.Enum):
    ERROR = "error"  # certainly wrong: AWS refuses it, or it can never do what it says
    WARNING = "warning"  # probably not what was meant
    INFO = "info"  # harmless but worth tidying: redundant or unused

    @property
    def rank(self) -> int:
        """Higher is more severe; `--fail-on` compares ranks."""
        return {Level.INFO: 0, Level.WARNING: 1, Level.ERROR: 2}[self]


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule yields: where, what and the fix.  The runner adds the code and level."""

    span: Span | None
    message: str
    help: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    span: Span | None
    severity: Level
    help: str | None = None
    notes: tuple[str, ...] = ()
    suppressed_by: str | None = None  # the `# iamdsl: ignore[…]` comment that silences it

    @property
    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def to_json(self) -> dict:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "help": self.help,
            "notes": list(self.notes),
        }
