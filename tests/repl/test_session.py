"""Session.execute: queries, what-if changes, `replace`, rejected changes, complete_statement, and a fuzz run.

The session has no terminal code, so these tests drive it line by line, as
the REPL does, on a copy of the guide's example.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamdsl
from iamdsl import answers
from iamdsl.repl import Output, Session

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return Session(["design.iam"])


def first_line(output: Output) -> str:
    return output.text.splitlines()[0]


# ---------------------------------------------------------------- queries


def test_the_guides_question_is_answered_with_the_explanation_and_the_fix(session: Session) -> None:
    out = session.execute("can B.OtherRole pull A.repo")
    assert out.ok and not out.exit
    assert first_line(out).startswith("DENIED (implicit)")
    assert "A.repo's resource policy allows them to account B" in out.text
    assert "design.iam:15" in out.text  # the deciding statement, located in the loaded file
    assert "fix (in account B): role B.OtherRole { allow pull on A.repo }" in out.text


QUERIES = {
    "can": ("can B.SomeRole pull A.repo", "ALLOWED"),
    "can with a trailing ?": ("can B.SomeRole pull A.repo?", "ALLOWED"),
    "who can": ("who can pull A.repo", "B.SomeRole"),
    "what can": ("what can B.SomeRole do on A.repo", "ecr:BatchGetImage"),
}


@pytest.mark.parametrize(("line", "expected"), QUERIES.values(), ids=list(QUERIES))
def test_every_query_form_answers(session: Session, line: str, expected: str) -> None:
    out = session.execute(line)
    assert out.ok
    assert expected in out.text


def test_how_can_lists_the_paths(session: Session) -> None:
    out = session.execute("how can B.SomeRole reach A.repo")
    assert out.ok
    assert "how can B.SomeRole reach A.repo: 1 path" in out.text
    assert "B.SomeRole ==> A.repo: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer" in out.text


def test_a_query_with_an_unknown_name_points_at_it_with_a_suggestion(session: Session) -> None:
    out = session.execute("can B.OtherRole pull A.rep")
    assert not out.ok
    assert "<query>:1:22: error[E010]: unknown resource `A.rep`" in out.text
    assert "^^^^^" in out.text
    assert "did you mean `A.repo`?" in out.text


def test_json_format_gives_the_decision_document(session: Session) -> None:
    session.output_format = "json"
    document = json.loads(session.execute("can B.OtherRole pull A.repo").text)
    assert document["schema"] == "iamdsl/decision/v1"
    assert document["outcome"] == "implicit_deny"
    assert document["fixes"][0]["account"] == "B"


# ---------------------------------------------------------------- what-if changes


def test_the_guides_what_if_turns_the_denial_into_an_allow(session: Session) -> None:
    assert first_line(session.execute("can B.OtherRole pull A.repo")).startswith("DENIED")
    added = session.execute("role B.OtherRole { allow pull on A.repo }")
    assert added.ok
    assert added.text.startswith("adds to role B.OtherRole (change 1, not saved)")
    out = session.execute("can B.OtherRole pull A.repo")
    assert first_line(out).startswith("ALLOWED")
    assert "<change 1>:1" in out.text  # the granting statement is the typed one
    assert session.unsaved and [c.summary for c in session.changes] == ["adds to role B.OtherRole"]


def test_a_block_for_an_existing_entity_adds_to_it(session: Session) -> None:
    session.execute('role B.SomeRole { allow s3:GetObject on "arn:aws:s3:::bucket/*" }')
    statements = session.model.principals["B.SomeRole"].inline_policies[0].statements
    assert {a for st in statements for a in st.actions} >= {"ecr:BatchGetImage", "s3:GetObject"}
    assert first_line(session.execute("can B.SomeRole pull A.repo")).startswith("ALLOWED")


def test_a_new_entity_is_new(session: Session) -> None:
    out = session.execute("role B.Ci {\n    allow pull on A.repo\n}")
    assert out.text.startswith("new role B.Ci")
    assert "B.Ci" in session.model.principals


def test_replace_drops_the_earlier_blocks(session: Session) -> None:
    out = session.execute('replace role B.SomeRole { allow s3:GetObject on "arn:aws:s3:::bucket/*" }')
    assert out.ok and out.text.startswith("replaces role B.SomeRole")
    statements = session.model.principals["B.SomeRole"].inline_policies[0].statements
    assert [st.actions for st in statements] == [("s3:GetObject",)]
    assert first_line(session.execute("can B.SomeRole pull A.repo")).startswith("DENIED")


def test_blocks_after_a_replace_merge_with_it(session: Session) -> None:
    session.execute('replace role B.SomeRole { allow s3:GetObject on "arn:aws:s3:::bucket/*" }')
    session.execute("role B.SomeRole { allow pull on A.repo }")
    assert first_line(session.execute("can B.SomeRole pull A.repo")).startswith("ALLOWED")
    actions = {a for st in session.model.principals["B.SomeRole"].inline_policies[0].statements for a in st.actions}
    assert "s3:GetObject" in actions


def test_replace_in_files_drops_blocks_read_earlier_across_includes(tmp_path: Path) -> None:
    (tmp_path / "roles.iam").write_text("role B.X { allow s3:GetObject on \"arn:aws:s3:::b/*\" }\n")
    (tmp_path / "main.iam").write_text(
        'account B 222222222222\ninclude "roles.iam"\n'
        "role B.X { allow s3:PutObject on \"arn:aws:s3:::b/*\" }\n"
    )
    (tmp_path / "last.iam").write_text(
        'replace role B.X { allow s3:ListBucket on "arn:aws:s3:::b" }\nrole B.X { allow s3:DeleteObject on "arn:aws:s3:::b/*" }\n'
    )
    model = iamdsl.load(tmp_path / "main.iam", tmp_path / "last.iam")
    actions = [a for st in model.principals["B.X"].inline_policies[0].statements for a in st.actions]
    assert actions == ["s3:ListBucket", "s3:DeleteObject"]


def test_a_rejected_change_leaves_the_session_unchanged(session: Session) -> None:
    session.execute("role B.OtherRole { allow pull on A.repo }")
    model, changes = session.model, session.changes
    out = session.execute("role B.Ci { allow pull on A.rep }")
    assert not out.ok
    assert "<change 2>:1:27: error[E010]: unknown resource `A.rep`" in out.text
    assert "did you mean `A.repo`?" in out.text
    assert out.text.endswith("the change was rejected; the model is unchanged")
    assert session.model is model and session.changes == changes
    assert "B.Ci" not in session.model.principals


def test_a_change_that_conflicts_with_the_files_is_rejected_with_both_places(session: Session) -> None:
    out = session.execute("account A 999999999999")
    assert not out.ok
    assert "E011" in out.text or "E012" in out.text
    assert session.model.accounts["A"].id == "111111111111"


def test_a_syntax_error_in_a_block_is_located(session: Session) -> None:
    out = session.execute("role B.Ci { allow pull on }")
    assert not out.ok
    assert "<change 1>:1:27: error[E001]: unexpected `}`" in out.text
    assert not session.changes


def test_junk_says_what_the_session_understands(session: Session) -> None:
    out = session.execute("hello there")
    assert not out.ok
    assert "error[E001]: unexpected `hello`" in out.text
    assert out.text.endswith("this is not a query, a declaration or a :command; :help lists them")


def test_a_typed_expectation_is_run(session: Session) -> None:
    passed = session.execute("expect can B.SomeRole pull A.repo")
    assert passed.ok and "✓ expectation holds" in passed.text
    failed = session.execute("expect can B.OtherRole pull A.repo")
    assert "error[T001]: expectation failed: expect can B.OtherRole pull A.repo" in failed.text
    assert len(session.model.expectations) == 5  # three from the file, two typed


def test_a_warning_in_a_change_is_shown(session: Session) -> None:
    out = session.execute("resource A.logs : s3:bucket \"logs\" { allow s3:GetObject on self/* to B.root }")
    assert out.ok
    assert "warning[W101]" in out.text


def test_blank_lines_and_comments_do_nothing(session: Session) -> None:
    assert session.execute("   ") == Output("")
    assert session.execute("# just a note") == Output("")
    assert not session.changes


def test_names_for_completion_follow_the_model(session: Session) -> None:
    names = session.names()
    assert names["accounts"] == ["A", "B"]
    assert names["principals"] == ["B.OtherRole", "B.SomeRole"]
    assert names["resources"] == ["A.repo"]
    assert "pull" in names["verbs"]
    session.execute('role B."ci@x" { allow pull on A.repo }')
    assert '"B.\\"ci@x\\""' not in session.names()["principals"]
    assert 'B."ci@x"' in session.names()["principals"]


def test_a_session_whose_files_do_not_load_starts_empty_and_recovers_on_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.iam").write_text("account A 111111111111\nrole A.X { allow pull on A.nope }\n")
    session = Session(["bad.iam"])
    assert not session.startup.ok
    assert "bad.iam:2:" in session.startup.text and "unknown resource `A.nope`" in session.startup.text
    assert session.model.accounts == {}
    assert not session.execute(":save").ok  # nothing is written from a session whose files are broken
    (tmp_path / "bad.iam").write_text("account A 111111111111\nrole A.X\n")
    assert session.execute(":reload").ok
    assert "A.X" in session.model.principals


def test_an_internal_error_is_reported_and_the_session_goes_on(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(answers, "answer", broken)
        out = session.execute("can B.SomeRole pull A.repo")
    assert not out.ok
    assert out.text.startswith("internal error: RuntimeError: boom")
    assert session.execute("can B.SomeRole pull A.repo").ok


# ---------------------------------------------------------------- complete_statement

COMPLETE = {
    "query": ("can B.SomeRole pull A.repo", True),
    "query with ?": ("who can pull A.repo?", True),
    "unfinished query": ("can B.SomeRole pull", False),
    "open block": ("role B.X {", False),
    "open block with a statement": ("role B.X {\n    allow pull on A.repo", False),
    "closed block": ("role B.X {\n    allow pull on A.repo\n}", True),
    "nested open block": ("role B.X {\n    trust {\n        allow assume to account A\n    }", False),
    "brace in a string": ('resource A.b : s3:bucket "{" {', False),
    "brace in a comment": ("role B.X  # {", True),
    "open list": ("role B.X { allow [s3:GetObject,", False),
    "declaration without a body": ("role B.X", True),
    "meta-command": (":undo", True),
    "meta-command with arguments": (":load a.iam b.iam", True),
    "empty": ("", True),
    "comment": ("# a note", True),
    "junk: no more lines can fix it": ("hello there", True),
    "a stray closing brace": ("role B.X }", True),
    "a keyword waiting for more": ("expect", False),
    "an unfinished statement in a closed block": ("role B.X { allow }", True),
    "two declarations": ("role B.X role B.Y { allow pull on A.repo }", True),
}


@pytest.mark.parametrize(("text", "complete"), COMPLETE.values(), ids=list(COMPLETE))
def test_complete_statement(session: Session, text: str, complete: bool) -> None:
    assert session.complete_statement(text) is complete


# ---------------------------------------------------------------- robustness: random lines

_VALID = [
    "can B.SomeRole pull A.repo",
    "can B.OtherRole pull A.repo?",
    "who can pull A.repo",
    "what can B.SomeRole do",
    "how can B.SomeRole reach A.repo",
    "can anonymous ecr:BatchGetImage A.repo with aws:SourceIp = 10.0.0.1",
    "role B.OtherRole { allow pull on A.repo }",
    "replace role B.SomeRole { allow ecr:GetAuthorizationToken }",
    'resource A.logs : s3:bucket "logs" { allow s3:GetObject on self/* to account B }',
    "account C 333333333333",
    "delegate pull on A.repo to B.OtherRole",
    "expect cannot B.OtherRole pull A.repo",
    "role B.X {\n    allow pull on A.repo\n}",
    ":help", ":help :save", ":explain full", ":explain denies", ":explain nonsense", ":format json", ":format text",
    ":undo", ":redo", ":changes", ":reload", ":load missing.iam", ":quit", ":nope", ':load "unclosed',
]
_JUNK_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
_WORDS = ["role", "resource", "allow", "deny", "on", "to", "{", "}", "[", "]", "A.repo", "B.SomeRole", "pull", "can",
          "who", "what", "how", "replace", ":", ":save", "\"", "#", "when", "==", "account", "self", "*", "?", "\n"]


@st.composite
def _mutated(draw) -> str:
    """A valid line cut, spliced or sprinkled with grammar words."""
    line = draw(st.sampled_from(_VALID))
    cut = draw(st.integers(0, len(line)))
    insert = draw(st.one_of(st.sampled_from(_WORDS), st.text(_JUNK_ALPHABET, max_size=8)))
    return line[:cut] + insert + line[cut + draw(st.integers(0, 4)):]


_LINES = st.one_of(
    st.sampled_from(_VALID),
    _mutated(),
    st.text(_JUNK_ALPHABET, max_size=40),
    st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join),
)


@pytest.fixture(scope="module")
def fuzz_dir():
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(EXAMPLE, Path(folder) / "design.iam")
        yield Path(folder)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINES, min_size=1, max_size=3))
def test_random_lines_never_escape_execute(fuzz_dir: Path, lines: list[str]) -> None:
    before = os.getcwd()
    os.chdir(fuzz_dir)  # `:load` and `include` name files relative to here; nothing here is saved
    try:
        session = Session(["design.iam"])
        for line in lines:
            out = session.execute(line)
            assert isinstance(out, Output) and isinstance(out.text, str)
            assert out.ok or out.text  # an error always says something
            assert not out.text.startswith("internal error"), (line, out.text)  # the catch-all is not a way out
        assert session.execute("can B.SomeRole pull A.repo").ok  # and the session still answers
    finally:
        os.chdir(before)
        written = (fuzz_dir / "design.iam").read_bytes()
        shutil.copy(EXAMPLE, fuzz_dir / "design.iam")  # the next example starts from the example again
    if not any(line.lstrip().startswith(":save") for line in lines):
        assert written == EXAMPLE.read_bytes()  # nothing is written unless the user asks
