"""The meta-commands: the registry and :help, settings, :undo/:redo/:changes, :diff, :load, :reload, :quit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from iamdsl.repl import Output, Session
from iamdsl.repl import commands as registry

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"
GRANT = "role B.OtherRole { allow pull on A.repo }"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return Session(["design.iam"])


# ---------------------------------------------------------------- the registry and :help


def test_help_documents_every_registered_command_and_the_what_if_rules(session: Session) -> None:
    text = session.execute(":help").text
    for command in registry.commands():
        assert command.usage in text and command.help in text
    assert "ADDS to it" in text
    assert "replace role B.X" in text
    assert "a change with errors is rejected" in text
    assert "Nothing is written to a file until :save" in text


def test_help_on_one_command_shows_its_details(session: Session) -> None:
    out = session.execute(":help save")
    assert out.text.startswith(":save [FILE]")
    assert "the file that declares its entity" in out.text


def test_a_registered_command_is_run_and_documented(session: Session) -> None:
    @registry.command(":hello", "say hello", usage=":hello NAME", aliases=(":hi",))
    def hello(session: Session, args: list[str]) -> Output:
        return Output(f"hello {' '.join(args)}")

    try:
        assert session.execute(":hello big world") == Output("hello big world")
        assert session.execute(":hi 'a b'") == Output("hello a b")  # arguments split as a shell does
        assert ":hello NAME" in session.execute(":help").text
    finally:
        for name in (":hello", ":hi"):
            del registry.COMMANDS[name]


def test_an_unknown_command_suggests_the_closest(session: Session) -> None:
    out = session.execute(":undu")
    assert not out.ok
    assert out.text == "error: unknown command `:undu`\nhelp: did you mean `:undo`?"


def test_an_unclosed_quote_is_an_error(session: Session) -> None:
    out = session.execute(':load "design.iam')
    assert not out.ok and "no closing quotation" in out.text


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("mode", ["full", "summary", "denies"], ids=["full", "summary", "denies"])
def test_explain_sets_the_mode_the_answers_use(session: Session, mode: str) -> None:
    assert session.execute(f":explain {mode}") == Output(f"explain mode: {mode}")
    assert session.explain_mode == mode
    assert session.execute(":explain").text == f"explain mode: {mode}"


def test_explain_modes_change_the_answer(session: Session) -> None:
    session.execute(":explain full")
    full = session.execute("can B.SomeRole pull A.repo").text
    session.execute(":explain denies")
    denies = session.execute("can B.SomeRole pull A.repo").text
    assert full != denies


def test_a_bad_setting_says_the_choices_and_changes_nothing(session: Session) -> None:
    out = session.execute(":explain loud")
    assert not out.ok
    assert "choose one of full, summary, denies" in out.text
    assert "usage: :explain [full|summary|denies]" in out.text
    assert session.explain_mode == "summary"


def test_format_json_makes_answers_json(session: Session) -> None:
    assert session.execute(":format json").text == "output format: json"
    assert json.loads(session.execute("who can pull A.repo").text)
    assert session.execute(":format yaml").ok is False
    assert session.output_format == "json"


# ---------------------------------------------------------------- undo, redo, changes


def test_undo_and_redo_move_through_the_changes(session: Session) -> None:
    session.execute(GRANT)
    session.execute("role B.Ci")
    assert [c.summary for c in session.changes] == ["adds to role B.OtherRole", "new role B.Ci"]
    assert session.execute(":undo").text == "undid change 2: new role B.Ci"
    assert session.execute(":undo").text == "undid change 1: adds to role B.OtherRole"
    assert session.execute(":undo").text == "nothing to undo"
    assert not session.unsaved
    assert session.execute("can B.OtherRole pull A.repo").text.startswith("DENIED")
    assert session.execute(":redo").text == "redid change 1: adds to role B.OtherRole"
    assert session.execute("can B.OtherRole pull A.repo").text.startswith("ALLOWED")
    assert session.execute(":redo").text == "redid change 2: new role B.Ci"
    assert session.execute(":redo").text == "nothing to redo"
    assert "B.Ci" in session.model.principals


def test_a_new_change_forgets_what_was_undone(session: Session) -> None:
    session.execute(GRANT)
    session.execute(":undo")
    session.execute("role B.Ci")
    assert session.execute(":redo").text == "nothing to redo"
    assert [c.summary for c in session.changes] == ["new role B.Ci"]


def test_changes_lists_each_change_and_where_it_will_be_saved(session: Session) -> None:
    assert session.execute(":changes").text == "no unsaved changes"
    session.execute(GRANT)
    session.execute("role B.Ci {\n    allow pull on A.repo\n}")
    text = session.execute(":changes").text
    assert text.splitlines() == [
        "2 unsaved changes:",
        "  1. adds to role B.OtherRole",
        "       role B.OtherRole { allow pull on A.repo }",
        "     -> design.iam (adds to role B.OtherRole)",
        "  2. new role B.Ci",
        "       role B.Ci {",
        "           allow pull on A.repo",
        "       }",
        "     -> design.iam (new role B.Ci)",
    ]


def test_changes_says_when_a_change_has_no_file_to_go_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    session = Session()
    session.execute("account A 111111111111")
    text = session.execute(":changes").text
    assert "not placed: no file is loaded to hold account A; give one: `:save FILE`" in text


# ---------------------------------------------------------------- :diff


def test_diff_lists_the_access_a_change_grants(session: Session) -> None:
    assert session.execute(":diff").text == "no access gained or lost: there are no unsaved changes"
    session.execute(GRANT)
    lines = session.execute(":diff").text.splitlines()
    assert lines == [
        "access gained:",
        "  B.OtherRole",
        "    on A.repo: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer",
        "    on *: ecr:GetAuthorizationToken",
        "access lost: none",
    ]


def test_diff_lists_the_access_a_replace_removes(session: Session) -> None:
    session.execute("replace role B.SomeRole { allow iam:GetRole on B.OtherRole }")
    text = session.execute(":diff").text
    gained, lost = text.split("access lost:")
    assert "B.SomeRole\n    on A.repo: ecr:BatchCheckLayerAvailability" in lost
    assert gained == "access gained:\n  B.SomeRole\n    on B.OtherRole: iam:GetRole\n"


def test_diff_of_a_change_that_grants_nothing_says_so(session: Session) -> None:
    session.execute("role B.SomeRole { allow pull on A.repo }")  # already granted
    assert session.execute(":diff").text == "no access gained or lost: the changes grant and remove nothing"


def test_diff_in_json(session: Session) -> None:
    session.execute(GRANT)
    session.execute(":format json")
    document = json.loads(session.execute(":diff").text)
    rows = {(r["principal"], r["name"]): r["actions"] for r in document["gained"]}
    assert rows[("B.OtherRole", "A.repo")] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert document["lost"] == []


def test_diff_shortens_long_action_lists_unless_explain_is_full(session: Session) -> None:
    session.execute("role B.OtherRole { allow iam:* on B.SomeRole }")
    short = session.execute(":diff").text
    assert "more (:explain full lists them)" in short
    session.execute(":explain full")
    assert "more (:explain full" not in session.execute(":diff").text


# ---------------------------------------------------------------- files


def test_load_replaces_the_files_and_reports_dropped_changes(session: Session, tmp_path: Path) -> None:
    (tmp_path / "other.iam").write_text("account C 333333333333\nrole C.Admin\n")
    session.execute(GRANT)
    out = session.execute(":load other.iam")
    assert out.ok
    assert out.text == "loaded other.iam: 1 account, 1 principal, 0 resources\n1 unsaved change dropped"
    assert session.files == ["other.iam"] and not session.changes
    assert list(session.model.principals) == ["C.Admin"]


def test_load_of_a_missing_file_keeps_the_session(session: Session) -> None:
    session.execute(GRANT)
    out = session.execute(":load missing.iam")
    assert not out.ok
    assert "cannot read `missing.iam`" in out.text
    assert out.text.endswith("nothing was loaded; the session goes on with what it had")
    assert session.files == ["design.iam"] and len(session.changes) == 1


def test_reload_keeps_the_changes_on_top(session: Session, tmp_path: Path) -> None:
    session.execute(GRANT)
    design = tmp_path / "design.iam"
    design.write_text(design.read_text() + "\nrole B.Ci\n")
    out = session.execute(":reload")
    assert out.ok
    assert out.text.splitlines() == ["reloaded design.iam: 2 accounts, 3 principals, 1 resource, 3 expectations", "1 unsaved change kept on top"]
    assert "B.Ci" in session.model.principals
    assert session.execute("can B.OtherRole pull A.repo").text.startswith("ALLOWED")


def test_reload_drops_a_change_that_no_longer_loads_and_says_why(session: Session, tmp_path: Path) -> None:
    session.execute(GRANT)
    session.execute("role B.Ci")
    design = tmp_path / "design.iam"
    text = design.read_text().replace("resource A.repo", "resource A.registry")
    design.write_text(text.replace("allow pull on A.repo", "allow pull on A.registry").replace("pull A.repo", "pull A.registry"))
    out = session.execute(":reload")
    assert not out.ok
    assert "dropped a change that no longer loads:\n  role B.OtherRole { allow pull on A.repo }" in out.text
    assert "unknown resource `A.repo`" in out.text
    assert [c.summary for c in session.changes] == ["new role B.Ci"]


def test_reload_of_a_broken_file_keeps_the_model(session: Session, tmp_path: Path) -> None:
    session.execute(GRANT)
    model = session.model
    (tmp_path / "design.iam").write_text("role {")
    out = session.execute(":reload")
    assert not out.ok and "design.iam:1:6: error[E001]" in out.text
    assert session.model is model and len(session.changes) == 1


def test_quit_ends_the_session_and_says_what_was_not_written(session: Session) -> None:
    assert session.execute(":quit") == Output("", exit=True)
    session.execute(GRANT)
    assert session.execute(":q") == Output("1 unsaved change not written", exit=True)


def test_diff_lists_become_edges_and_asks_only_what_the_change_affects(session: Session) -> None:
    session.execute("role B.SomeRole { allow sts:AssumeRole on B.OtherRole }")
    session.execute("role B.OtherRole { trust { allow assume to account B } }")
    text = session.execute(":diff").text
    assert "become edges:\n  + B.SomeRole --AssumeRole--> B.OtherRole" in text
    found = session.access_diff()
    assert found.stats["boxes"] >= 1 and found.stats["cells"] <= 4  # the incremental diff, not every request
    session.execute(":format json")
    document = json.loads(session.execute(":diff").text)
    assert document["schema"] == "iamdsl/diff/v1"
    assert document["paths_gained"] == [{"source": "B.SomeRole", "kind": "AssumeRole", "target": "B.OtherRole", "via": "sts:AssumeRole"}]
