"""Live validation on a `Document`: a syntax error keeps the input, with the cursor on the error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prompt_toolkit.document import Document
from prompt_toolkit.validation import ValidationError

from iamdsl.repl.session import Session
from iamdsl.repl.validator import create_validator, start_rule, still_typing

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return Session(["design.iam"])


def error_of(session: Session, text: str) -> ValidationError | None:
    try:
        create_validator(session).validate(Document(text))
    except ValidationError as error:
        return error
    return None


VALID = {
    "query": "can B.SomeRole pull A.repo",
    "query with a trailing ?": "who can pull A.repo?",
    "declaration": "role B.OtherRole { allow pull on A.repo }",
    "replace": "replace role B.OtherRole { allow pull on A.repo }",
    "block on several lines": "role B.OtherRole {\n    allow pull on A.repo\n}",
    "meta-command": ":explain full",
    "meta-command alias": ":q",
    "empty": "",
    "comment": "# just a note",
    "an unknown name is the session's to report": "can B.Nobody pull A.repo",
}


@pytest.mark.parametrize("text", VALID.values(), ids=list(VALID))
def test_valid_input_passes(session: Session, text: str) -> None:
    assert error_of(session, text) is None


# (text, the text at the cursor after the error, words the message holds)
INVALID = {
    "a stray word in a query": ("can B.SomeRole pull A.repo A.other", "A.other", "unexpected `A`"),
    "a misplaced clause": ("role B.X { allow pull to account B on A.repo }", "on A.repo }", "unexpected `on`"),
    "a single =": ('role B.X { allow pull when aws:x = "a" }', '= "a" }', "help: compare with `==`"),
    "an error on the second line": ("role B.X {\n    allow pull on A.repo,, A.x\n}", ", A.x\n}", "line 2: unexpected `,`"),
}


@pytest.mark.parametrize(("text", "at", "message"), INVALID.values(), ids=list(INVALID))
def test_the_cursor_jumps_to_the_error(session: Session, text: str, at: str, message: str) -> None:
    error = error_of(session, text)
    assert error is not None
    assert text[error.cursor_position:] == at
    assert message in error.message


def test_an_unknown_meta_command_points_at_its_name(session: Session) -> None:
    error = error_of(session, "  :explian full")
    assert error is not None
    assert error.cursor_position == 2
    assert "unknown command `:explian`" in error.message
    assert "did you mean `:explain`?" in error.message


@pytest.mark.parametrize(
    "text",
    ["role B.X {", "role B.X {\n    allow pull on", "can B.SomeRole pull", "resource A.r : ecr:repository"],
    ids=["open block", "open statement in a block", "query without a resource", "resource without a name"],
)
def test_a_statement_still_being_typed_is_not_an_error(session: Session, text: str) -> None:
    assert still_typing(session, text)
    assert error_of(session, text) is None


@pytest.mark.parametrize(
    ("text", "typing"),
    [
        ("can B.SomeRole pull A.repo", False),
        ("role B.X {\n  allow pull\n}", False),
        ("role B.X {\n  allow pull", True),
        ("role B.X {\n  allow pull on A.repo,, A.x", False),  # a wrong word before the end: submit, so the error shows
        (":help", False),
    ],
    ids=["query", "closed block", "open block", "error inside an open block", "meta-command"],
)
def test_when_enter_submits(session: Session, text: str, typing: bool) -> None:
    assert still_typing(session, text) is typing


@pytest.mark.parametrize(
    ("text", "rule"),
    [("can B.X pull A.r", "query"), ("  who can pull A.r", "query"), ("role B.X", "start"), ("expect can B.X pull A.r", "start")],
    ids=["can", "who after spaces", "declaration", "expect is a declaration"],
)
def test_start_rule(text: str, rule: str) -> None:
    assert start_rule(text) == rule
