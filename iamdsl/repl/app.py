"""The REPL's terminal: a prompt_toolkit PromptSession wired to a `Session`.

Stage: the REPL's terminal side.  All the logic is in `Session.execute`; this
module only reads lines, hands them over and prints each `Output`, with the
pieces made by their own modules: lexer, completer, validator, key bindings,
toolbar and style.

History is kept in `history` under the user's data directory (or
`$IAMDSL_DATA_DIR`), and offered back as suggestions while typing.
"""

from __future__ import annotations

import gc
import os
import re
import threading
from pathlib import Path

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.formatted_text import FormattedText, StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import PygmentsLexer

from iamdsl.repl.bindings import confirm_quit, repl_bindings
from iamdsl.repl.completer import create_completer
from iamdsl.repl.lexer import IamdslLexer
from iamdsl.repl.style import create_style
from iamdsl.repl.toolbar import create_toolbar_tokens_func
from iamdsl.repl.validator import create_validator

__all__ = ["run", "create_prompt_session", "data_dir", "PROMPT"]

PROMPT = "iamdsl> "
DATA_DIR_VARIABLE = "IAMDSL_DATA_DIR"


def data_dir() -> Path:
    """Where the REPL keeps its history: `$IAMDSL_DATA_DIR`, else the platform's user data directory."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_data_dir("iamdsl"))


def _history() -> History:
    directory = data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "history"
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()  # a read-only home still gets a working REPL, without memory
    return FileHistory(str(path))


def _continuation(width: int, line_number: int, wrap_count: int) -> StyleAndTextTuples:
    return [("class:continuation", "...".rjust(width - 1) + " ")]


def create_prompt_session(session, *, input=None, output=None) -> PromptSession:
    """The PromptSession of the REPL for `session`."""
    return PromptSession(
        message=[("class:prompt", PROMPT)],
        lexer=PygmentsLexer(IamdslLexer),
        completer=create_completer(session),
        complete_while_typing=True,
        validator=create_validator(session),
        validate_while_typing=False,
        history=_history(),
        auto_suggest=AutoSuggestFromHistory(),
        key_bindings=repl_bindings(session),
        bottom_toolbar=create_toolbar_tokens_func(session),
        style=create_style(),
        multiline=True,
        prompt_continuation=_continuation,
        include_default_pygments_style=False,
        input=input,
        output=output,
    )


def run(session, *, input=None, output=None) -> int:
    """Read, execute and print until `:quit` or Ctrl-D; the exit code (always 0)."""
    prompt = create_prompt_session(session, input=input, output=output)
    style = prompt.style
    warm = _Warmer(prompt)
    if session.startup.text:  # the files did not load: say why before the first prompt
        _show(_fragments(session.startup.text, session.startup.ok), style, output)
    gc.freeze()
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue  # Ctrl-C drops the input
        except EOFError:
            if confirm_quit(session, input=input, output=output):
                return 0
            continue
        if not text.strip():
            continue
        try:
            result = session.execute(text)
        except Exception as error:  # the session reports errors as Output; this is the last line of defence
            _show(FormattedText([("class:error", f"internal error: {type(error).__name__}: {error}\n"
                                                 "help: this is a bug in iamdsl; please report it with the input that caused it")]),
                  style, output)
            continue
        if result.text:
            _show(_fragments(result.text, result.ok), style, output)
        if result.exit:
            return 0
        # The model is kept until the next change: as the command line does, move it out of
        # the cyclic collector's way, or on a large model a full collection lands on a keystroke.
        gc.freeze()
        warm.pending = True


class _Warmer:
    """Builds the completer's index of the model's names in a thread once the prompt is
    drawn (so it never delays the prompt), before the first keystroke needs it."""

    def __init__(self, prompt: PromptSession) -> None:
        self.completer = prompt.completer
        self.pending = True
        prompt.app.after_render += self._drawn

    def _drawn(self, _app) -> None:
        if self.pending and hasattr(self.completer, "refresh"):
            self.pending = False
            threading.Thread(target=self.completer.refresh, name="iamdsl-completion-index", daemon=True).start()


def _show(text: FormattedText, style, output) -> None:
    print_formatted_text(text, style=style, output=output, include_default_pygments_style=False)


# A decision at the start of a line (the answer's first, or one per action of a verb), and ✓/✗ marks.
_ANSWER = re.compile(r"^([ ]*)(ALLOWED|DENIED(?: \([a-z]+\))?|CONDITIONAL|PARTIAL)(?=[:\s]|$)|([✓✗])", re.M)
_DECISION_CLASS = {"ALLOWED": "class:answer.allowed", "DENIED": "class:answer.denied"}
_MARKS = {"✓": "class:answer.yes", "✗": "class:answer.no"}


def _fragments(text: str, ok: bool) -> FormattedText:
    """An Output as styled text: errors in red, decisions and ✓/✗ marks coloured."""
    if not ok:
        return FormattedText([("class:error", text)])
    fragments: StyleAndTextTuples = []
    position = 0
    for match in _ANSWER.finditer(text):
        indent, decision, mark = match.groups()
        start = match.start(3) if mark else match.start(2)
        fragments.append(("", text[position:start]))
        if mark:
            fragments.append((_MARKS[mark], mark))
        else:
            fragments.append((_DECISION_CLASS.get(decision.split()[0], "class:answer.undecided"), decision))
        position = match.end()
    fragments.append(("", text[position:]))
    return FormattedText(fragments)
