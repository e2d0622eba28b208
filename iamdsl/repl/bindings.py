"""Keys of the REPL: Enter submits a complete statement, Ctrl-C cancels, Ctrl-D quits.

Stage: the REPL's terminal side (prompt_toolkit).

- Enter submits when the session says the input is a complete statement;
  inside a block (`role B.X {` …) it starts a new line, indented.  With the
  completion menu open on a choice, it takes the choice instead.
- Escape then Enter (Alt-Enter) always starts a new line.
- `}` at the start of a line takes back one level of indentation.
- Ctrl-C drops the input and gives a fresh prompt.
- Ctrl-D on an empty line quits; the app asks first when what-if changes are
  unsaved (`confirm_quit`).
"""

from __future__ import annotations

from prompt_toolkit.application import get_app
from prompt_toolkit.filters import Condition, emacs_insert_mode, vi_insert_mode
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from iamdsl.repl.validator import still_typing

__all__ = ["repl_bindings", "confirm_quit", "INDENT"]

INDENT = "    "


def repl_bindings(session) -> KeyBindings:
    """The REPL's own keys; they take precedence over prompt_toolkit's defaults."""
    bindings = KeyBindings()
    insert_mode = emacs_insert_mode | vi_insert_mode

    @Condition
    def completion_chosen() -> bool:
        state = get_app().current_buffer.complete_state
        return state is not None and state.current_completion is not None

    @bindings.add("enter", filter=insert_mode & completion_chosen)
    def _take_completion(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        buffer.apply_completion(buffer.complete_state.current_completion)

    @bindings.add("enter", filter=insert_mode & ~completion_chosen)
    def _submit_or_newline(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.document.is_cursor_at_the_end and not still_typing(session, buffer.text):
            buffer.validate_and_handle()
        else:
            _newline(buffer)

    @bindings.add("escape", "enter", filter=insert_mode)
    def _always_newline(event: KeyPressEvent) -> None:
        _newline(event.current_buffer)

    @bindings.add("}", filter=insert_mode)
    def _close_block(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        before = buffer.document.current_line_before_cursor
        if before and not before.strip() and before.endswith(INDENT):
            buffer.delete_before_cursor(len(INDENT))
        buffer.insert_text("}")

    @bindings.add("c-c")
    def _cancel(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    @bindings.add("c-d", filter=Condition(lambda: not get_app().current_buffer.text))
    def _quit(event: KeyPressEvent) -> None:
        event.app.exit(exception=EOFError, style="class:exiting")

    return bindings


def _newline(buffer) -> None:
    """A new line, indented like the last one, one level deeper after an opening brace."""
    line = buffer.document.current_line_before_cursor
    indent = line[: len(line) - len(line.lstrip())]
    if line.rstrip().endswith(("{", "[")):
        indent += INDENT
    buffer.insert_text("\n" + indent)


def confirm_quit(session, *, input=None, output=None) -> bool:
    """Ask before quitting with unsaved what-if changes; True to quit."""
    if not session.unsaved:
        return True
    from prompt_toolkit import PromptSession

    count = len(session.changes)
    noun = "change" if count == 1 else "changes"
    question = PromptSession(input=input, output=output)
    try:
        answer = question.prompt(f"{count} unsaved what-if {noun}; quit without saving? [y/N] ")
    except (EOFError, KeyboardInterrupt):
        return True  # a second Ctrl-D: the user means it
    return answer.strip().lower() in ("y", "yes")
