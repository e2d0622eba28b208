"""The REPL end to end, through prompt_toolkit with a pipe for keys (no terminal needed).

Keys go in through `create_pipe_input()`; the screen is `DummyOutput()`, or a
plain-text output into a string where a test reads what was printed.  The
session is the real one, on a copy of the guide's example.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput

from iamdsl.repl import app
from iamdsl.repl.session import Output, Session

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"
ENTER = "\r"
CTRL_C = "\x03"
CTRL_D = "\x04"
ALT_ENTER = "\x1b\r"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """History goes to a temporary directory, never the user's."""
    directory = tmp_path / "data"
    monkeypatch.setenv("IAMDSL_DATA_DIR", str(directory))
    return directory


class Recording(Session):
    """The real session, keeping every line it was given and what it answered."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[tuple[str, Output]] = []

    def execute(self, line: str) -> Output:
        result = super().execute(line)
        self.lines.append((line, result))
        return result


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recording:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return Recording(["design.iam"])


def drive(session: Session, keys: str, *, printed: io.StringIO | None = None) -> int:
    """Run the REPL on `keys`; the exit code."""
    with create_pipe_input() as keyboard:
        keyboard.send_text(keys)
        output = DummyOutput() if printed is None else PlainTextOutput(printed)
        with create_app_session(input=keyboard, output=output):
            return app.run(session)


def test_ask_change_and_ask_again(session: Recording) -> None:
    """The guide's question, a what-if change that fixes it, the question again, :quit."""
    keys = (
        "can B.OtherRole pull A.repo" + ENTER
        + "role B.OtherRole {" + ENTER + "allow pull on A.repo" + ENTER + "}" + ENTER
        + "can B.OtherRole pull A.repo?" + ENTER
        + ":quit" + ENTER
    )
    assert drive(session, keys) == 0
    lines = [line for line, _ in session.lines]
    assert lines == [
        "can B.OtherRole pull A.repo",
        "role B.OtherRole {\n    allow pull on A.repo\n}",  # Enter inside the block added indented lines
        "can B.OtherRole pull A.repo?",
        ":quit",
    ]
    answers = [result.text.splitlines()[0] for _, result in session.lines[:3]]
    assert answers[0].startswith("DENIED (implicit)")
    assert answers[1] == "adds to role B.OtherRole (change 1, not saved)"
    assert answers[2].startswith("ALLOWED")
    assert session.lines[-1][1].exit


def test_answers_and_errors_are_printed(session: Recording) -> None:
    printed = io.StringIO()
    keys = "can B.SomeRole pull A.repo" + ENTER + "role B.Nobody { allow pull on A.nothing }" + ENTER + ":q" + ENTER
    assert drive(session, keys, printed=printed) == 0
    shown = printed.getvalue()
    assert "ALLOWED: all 4 actions of pull are allowed" in shown
    assert "unknown resource `A.nothing`" in shown
    assert "the change was rejected; the model is unchanged" in shown


def test_a_syntax_error_is_not_submitted(session: Recording) -> None:
    """The validator keeps the input; the user fixes it (here: Ctrl-C drops it) and goes on."""
    keys = "can B.SomeRole pull A.repo A.other" + ENTER + CTRL_C + ":quit" + ENTER
    assert drive(session, keys) == 0
    assert [line for line, _ in session.lines] == [":quit"]


def test_ctrl_c_cancels_the_input(session: Recording) -> None:
    keys = "can B.Some" + CTRL_C + "role B.X {" + ENTER + "allow pull" + CTRL_C + ":quit" + ENTER
    assert drive(session, keys) == 0
    assert [line for line, _ in session.lines] == [":quit"]


def test_alt_enter_always_starts_a_new_line(session: Recording) -> None:
    keys = "can B.SomeRole" + ALT_ENTER + "pull A.repo" + ENTER + ":quit" + ENTER
    assert drive(session, keys) == 0
    assert session.lines[0][0] == "can B.SomeRole\npull A.repo"


def test_ctrl_d_quits_at_once_with_nothing_unsaved(session: Recording) -> None:
    assert drive(session, CTRL_D) == 0
    assert session.lines == []


def test_ctrl_d_asks_first_when_changes_are_unsaved(session: Recording) -> None:
    keys = (
        "role B.OtherRole { allow pull on A.repo }" + ENTER
        + CTRL_D + "n" + ENTER  # no: the session goes on
        + "can B.OtherRole pull A.repo" + ENTER
        + CTRL_D + "y" + ENTER
    )
    assert drive(session, keys) == 0
    lines = [line for line, _ in session.lines]
    assert lines == ["role B.OtherRole { allow pull on A.repo }", "can B.OtherRole pull A.repo"]
    assert session.unsaved  # nothing was written


def test_history_is_kept_in_the_data_directory(session: Recording, data_dir: Path) -> None:
    drive(session, "who can pull A.repo" + ENTER + ":quit" + ENTER)
    history = (data_dir / "history").read_text(encoding="utf-8")
    assert "+who can pull A.repo" in history


def test_the_toolbar_shows_files_size_mode_and_unsaved_changes(session: Recording) -> None:
    from iamdsl.repl.toolbar import create_toolbar_tokens_func

    toolbar = create_toolbar_tokens_func(session)
    text = "".join(fragment for _, fragment in toolbar())
    assert "design.iam" in text
    assert "2 accounts · 2 principals · 1 resource · 3 statements" in text
    assert "explain summary" in text
    assert "unsaved" not in text
    session.execute("role B.OtherRole { allow pull on A.repo }")
    session.execute(":explain full")
    text = "".join(fragment for _, fragment in toolbar())
    assert "5 statements" in text
    assert "explain full" in text
    assert "1 unsaved change" in text


def test_a_file_that_does_not_load_is_reported_before_the_first_prompt(tmp_path: Path) -> None:
    (tmp_path / "broken.iam").write_text("role B.X { allow pull on }\n", encoding="utf-8")
    session = Recording([str(tmp_path / "broken.iam")])
    printed = io.StringIO()
    assert drive(session, ":quit" + ENTER, printed=printed) == 0
    shown = printed.getvalue()
    assert "broken.iam:1:" in shown
    assert "the session starts with an empty model" in shown
    assert session.lines == [(":quit", session.lines[0][1])]  # and the session went on to the prompt


def test_answers_are_coloured_by_decision() -> None:
    text = "DENIED (implicit): no\n  ecr:X on A.r\n    ALLOWED: yes\n    ✓ one\n    ✗ two\nCONDITIONAL: when"
    styled = [(style, fragment) for style, fragment in app._fragments(text, ok=True) if style]
    assert styled == [
        ("class:answer.denied", "DENIED (implicit)"),
        ("class:answer.allowed", "ALLOWED"),
        ("class:answer.yes", "✓"),
        ("class:answer.no", "✗"),
        ("class:answer.undecided", "CONDITIONAL"),
    ]
    assert "".join(fragment for _, fragment in app._fragments(text, ok=True)) == text
    assert app._fragments("error: no", ok=False) == [("class:error", "error: no")]
