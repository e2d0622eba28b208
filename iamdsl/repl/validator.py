"""Live validation: a syntax error keeps the input open, with the cursor on it.

Stage: the REPL's terminal side (prompt_toolkit).

The input is parsed as the session will read it: a meta-command (`:help`), a
query (`can …`, `who …`, `what …`, `how …`) or declarations.  A statement
still being typed (`role B.X {` with no `}` yet, or `can B.X` with no action)
is not an error: the parser stops at the end of the input, and Enter adds a
line (`still_typing`).  A wrong word before the end is: Enter submits, and
the validator keeps the input with the cursor on that word.  Names are not
checked here; the session reports unknown names with did-you-mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from prompt_toolkit.document import Document
from prompt_toolkit.validation import ValidationError, Validator

__all__ = ["IamdslValidator", "create_validator", "start_rule", "still_typing", "syntax_error"]

_META = re.compile(r"\A\s*(:\S*)")
_FIRST_WORD = re.compile(r"[A-Za-z_]+")
_QUERY_WORDS = ("can", "who", "what", "how")  # as the session tells queries from declarations


def start_rule(text: str) -> str:
    """The grammar rule a line is read from: `query` for questions, `start` for declarations."""
    first = _FIRST_WORD.match(text.strip())
    return "query" if first is not None and first.group() in _QUERY_WORDS else "start"


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    index: int  # where the cursor goes
    message: str


def syntax_error(text: str) -> SyntaxProblem | None:
    """The first syntax error of `text` (read as a query or as declarations), or None."""
    if not text.strip() or _META.match(text):
        return None
    from iamdsl.language.errors import IamdslError
    from iamdsl.language.parser import parse

    try:
        parse(text, "<input>", start_rule(text))
    except IamdslError as error:
        first = min(error.diagnostics, key=lambda d: d.sort_key)
        message = first.message + (f"; help: {first.help}" if first.help else "")
        if first.span is None:
            return SyntaxProblem(len(text), message)
        line, column = first.span.line - 1, first.span.column - 1
        if "\n" in text.strip():
            message = f"line {line + 1}: {message}"
        return SyntaxProblem(Document(text).translate_row_col_to_index(line, column), message)
    except RecursionError:
        return None  # the session reports input nested too deeply
    return None


def _end_of_input(text: str) -> int:
    return len(text.rstrip())


def still_typing(session, text: str) -> bool:
    """Whether Enter should start a new line: the statement is not complete and
    nothing is wrong before its end (a wrong word in the middle is submitted, so
    that the validator can point at it)."""
    if session.complete_statement(text):
        return False
    error = syntax_error(text)
    return error is None or error.index >= _end_of_input(text)


class IamdslValidator(Validator):
    """Rejects input that cannot parse, pointing the cursor at the first error."""

    def __init__(self, session, commands: Callable[[], Iterable[str]] | None = None) -> None:
        self.session = session
        self._commands = commands

    def command_names(self) -> set[str]:
        if self._commands is not None:
            return set(self._commands())
        from iamdsl.repl import commands as registry

        return set(registry.COMMANDS)

    def validate(self, document: Document) -> None:
        text = document.text
        meta = _META.match(text)
        if meta is not None:
            self._validate_command(meta)
            return
        error = syntax_error(text)
        if error is None or (error.index >= _end_of_input(text) and not self.session.complete_statement(text)):
            return  # valid, or a block still being typed
        raise ValidationError(cursor_position=error.index, message=error.message)

    def _validate_command(self, meta: re.Match[str]) -> None:
        name = meta.group(1)
        known = self.command_names()
        if name in known:
            return
        from iamdsl.language.errors import suggestion

        guess = suggestion(name, sorted(known))
        hint = guess if guess else "type :help for the commands"
        raise ValidationError(cursor_position=meta.start(1), message=f"unknown command `{name}`; help: {hint}")


def create_validator(session, commands: Callable[[], Iterable[str]] | None = None) -> IamdslValidator:
    """The REPL's validator for `session`; `commands` overrides the meta-command registry (tests)."""
    return IamdslValidator(session, commands)
