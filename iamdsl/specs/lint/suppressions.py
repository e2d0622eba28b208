"""`# iamdsl: ignore[CODE, …]` comments, and which findings they silence.

Stage: lint, after the rules ran.

A comment silences the listed codes for findings on its own line and on the
line after it, so it can stand at the end of the line or on a line of its own
above.  A finding inside a JSON document loaded with `from "x.json"` (JSON has
no comments) is silenced by a comment at that `from` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamdsl.model import Span
from iamdsl.specs.lint.sources import SourceIndex

_IGNORE = re.compile(r"#\s*iamdsl:\s*ignore\[([^\]]*)\]")
_CODE = re.compile(r"[A-Z]\d{3}\Z")


@dataclass(frozen=True, slots=True)
class Suppression:
    file: str
    line: int  # the comment's line
    codes: frozenset[str]
    text: str  # the whole comment, which should say why


class Suppressions:
    def __init__(self, index: SourceIndex):
        self._by_line: dict[tuple[str, int], list[Suppression]] = {}
        self._from_lines = index.from_lines
        for file, comments in index.comments.items():
            for comment in comments:
                match = _IGNORE.search(comment.text)
                if match is None:
                    continue
                codes = frozenset(c.strip().upper() for c in match.group(1).split(",") if _CODE.match(c.strip().upper()))
                found = Suppression(file, comment.line, codes, comment.text.lstrip("#").strip())
                for line in (comment.line, comment.line + 1):
                    self._by_line.setdefault((file, line), []).append(found)

    def silencing(self, code: str, span: Span | None) -> Suppression | None:
        """The comment that silences `code` at `span`, if any."""
        if span is None:
            return None
        span = self._from_lines.get(span.file, span)  # inside a `from` document: its `from` line
        for suppression in self._by_line.get((span.file, span.line), ()):
            if code in suppression.codes:
                return suppression
        return None
