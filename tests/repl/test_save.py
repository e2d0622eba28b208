""":save: into one file keeping comments, into the file that declares each entity, into FILE,
`replace` rewriting blocks, atomic writes, and nothing written unless asked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import iamdsl.fsutil
from iamdsl.language.loader import load_paths
from iamdsl.language.printer import comparable
from iamdsl.repl import Session
from iamdsl.repl.save import plan_save

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"


@pytest.fixture
def design(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "design.iam"


def comments(text: str) -> list[str]:
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def assert_files_load_to_the_sessions_model(session: Session, files: list[str]) -> None:
    assert comparable(load_paths(files).model) == comparable(session.model)


# ---------------------------------------------------------------- one file


def test_nothing_is_written_until_save(design: Path) -> None:
    before = design.read_bytes()
    session = Session(["design.iam"])
    for line in ("role B.OtherRole { allow pull on A.repo }", "role B.Ci", ":undo", ":redo", ":changes", ":diff", ":reload"):
        session.execute(line)
    assert design.read_bytes() == before
    assert files_in(design.parent) == {"design.iam"}


def test_save_into_one_file_keeps_comments_and_loads_to_the_sessions_model(design: Path) -> None:
    original = design.read_text()
    session = Session(["design.iam"])
    for line in (
        "role B.OtherRole { allow pull on A.repo }",
        "role B.Ci {\n    allow pull on A.repo   # ci pulls images\n}",
        'resource A.repo : ecr:repository "app" { tags { team = "platform" } }',
        "delegate push on A.repo to B.Ci",
        "expect can B.Ci pull A.repo",
    ):
        assert session.execute(line).ok, line
    model = session.model
    out = session.execute(":save")
    assert out.ok
    assert out.text.splitlines() == [
        "saved 5 changes:",
        "  design.iam",
        "    change 1: adds to role B.OtherRole",
        "    change 2: new role B.Ci",
        "    change 3: adds to resource A.repo",
        "    change 4: appends delegate push",
        "    change 5: appends an expectation",
    ]
    saved = design.read_text()
    assert comments(saved) == comments(original) + ["# ci pulls images"]  # every comment, in order
    assert "role B.OtherRole {                  # no identity policy: the cross-account edge stays incomplete\n    allow pull on A.repo\n}" in saved
    assert '    allow pull to account B       # the edge A.repo --Allow--> B.root\n    tags { team = "platform" }\n}' in saved
    assert comparable(load_paths(["design.iam"]).model) == comparable(model)
    assert not session.unsaved and session.execute(":changes").text == "no unsaved changes"
    assert files_in(design.parent) == {"design.iam"}  # no temporary file left behind


def test_save_with_only_an_original_prefix_changed(design: Path) -> None:
    """Every edit inserts text: the saved file starts as the original did, up to the first insertion."""
    original = design.read_text()
    session = Session(["design.iam"])
    session.execute("role B.Ci { allow pull on A.repo }")
    session.execute(":save")
    assert design.read_text().startswith(original.rstrip("\n"))


def test_replace_rewrites_the_entitys_block_in_its_file(design: Path) -> None:
    session = Session(["design.iam"])
    session.execute("replace role B.SomeRole { allow ecr:GetAuthorizationToken }")
    model = session.model
    out = session.execute(":save")
    assert "change 1: replaces role B.SomeRole" in out.text
    saved = design.read_text()
    assert "role B.SomeRole { allow ecr:GetAuthorizationToken }" in saved
    assert "replace" not in saved
    assert "allow pull on A.repo          # the edge B.root --Delegate--> B.SomeRole" not in saved
    assert saved.index("role B.SomeRole") < saved.index("role B.OtherRole")  # where the old block was
    assert comparable(load_paths(["design.iam"]).model) == comparable(model)


def test_replace_removes_every_block_of_the_entity(design: Path) -> None:
    design.write_text(design.read_text() + "\n# more for SomeRole\nrole B.SomeRole { allow ecr:DescribeRepositories on A.repo }\n")
    session = Session(["design.iam"])
    session.execute("replace role B.SomeRole { allow ecr:GetAuthorizationToken }")
    model = session.model
    session.execute(":save")
    saved = design.read_text()
    assert saved.count("role B.SomeRole") == 1
    assert "# more for SomeRole" in saved
    assert comparable(load_paths(["design.iam"]).model) == comparable(model)


# ---------------------------------------------------------------- several files


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "accounts").mkdir()
    (tmp_path / "main.iam").write_text(
        '# the organization\naccount A 111111111111\naccount B 222222222222\ninclude "accounts/a.iam"\ninclude "accounts/b.iam"\n'
    )
    (tmp_path / "accounts" / "a.iam").write_text(
        '# account A\nresource A.repo : ecr:repository "app" {\n    allow pull to account B   # B as a whole\n}\n'
    )
    (tmp_path / "accounts" / "b.iam").write_text(
        "# account B\nrole B.SomeRole {\n    allow pull on A.repo   # the delegated edge\n}\n\nrole B.OtherRole\n"
    )
    (tmp_path / "accounts" / "read.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}]}'
    )
    return tmp_path


def test_save_with_includes_writes_each_change_into_the_file_that_declares_its_entity(layout: Path) -> None:
    main_before = (layout / "main.iam").read_text()
    session = Session(["main.iam"])
    session.execute("role B.OtherRole { allow pull on A.repo }")
    session.execute('resource A.repo : ecr:repository "app" { allow push to account B }')
    session.execute("role B.Ci { allow push on A.repo }")
    out = session.execute(":save")
    assert out.text.splitlines() == [
        "saved 3 changes:",
        "  accounts/b.iam",
        "    change 1: adds to role B.OtherRole",
        "    change 3: new role B.Ci",
        "  accounts/a.iam",
        "    change 2: adds to resource A.repo",
    ]
    assert (layout / "main.iam").read_text() == main_before
    a = (layout / "accounts" / "a.iam").read_text()
    assert a == '# account A\nresource A.repo : ecr:repository "app" {\n    allow pull to account B   # B as a whole\n    allow push to account B\n}\n'
    b = (layout / "accounts" / "b.iam").read_text()
    assert "role B.OtherRole {\n    allow pull on A.repo\n}" in b and b.endswith("role B.Ci { allow push on A.repo }\n")
    assert_files_load_to_the_sessions_model(session, ["main.iam"])


def test_from_paths_typed_at_the_prompt_are_rewritten_for_the_file(layout: Path) -> None:
    session = Session(["main.iam"])
    assert session.execute('role B.OtherRole { policy read from "accounts/read.json" }').ok
    session.execute(":save")
    assert 'policy read from "read.json"' in (layout / "accounts" / "b.iam").read_text()
    assert_files_load_to_the_sessions_model(session, ["main.iam"])


def test_replace_across_files_rewrites_the_blocks_where_they_are(layout: Path) -> None:
    (layout / "main.iam").write_text((layout / "main.iam").read_text() + "role B.SomeRole { allow ecr:DescribeRepositories on A.repo }\n")
    session = Session(["main.iam"])
    session.execute("replace role B.SomeRole { allow push on A.repo }")
    model = session.model
    out = session.execute(":save")
    assert "change 1: replaces role B.SomeRole (2 blocks)" in out.text
    main, b = (layout / "main.iam").read_text(), (layout / "accounts" / "b.iam").read_text()
    assert "role B.SomeRole { allow push on A.repo }" in main  # main.iam is read first
    assert "B.SomeRole" not in b and "# account B" in b
    assert comparable(load_paths(["main.iam"]).model) == comparable(model)


def test_save_into_a_new_file_appends_the_changes_as_typed_and_loads_it(layout: Path) -> None:
    before = {name: (layout / name).read_text() for name in files_in(layout)}
    session = Session(["main.iam"])
    session.execute("replace role B.SomeRole { allow push on A.repo }")
    session.execute("role B.Ci")
    model = session.model
    out = session.execute(":save whatif.iam")
    assert out.text.splitlines() == [
        "saved 2 changes:",
        "  whatif.iam",
        "    change 1: appends replace role B.SomeRole",
        "    change 2: appends role B.Ci",
    ]
    assert (layout / "whatif.iam").read_text() == "replace role B.SomeRole { allow push on A.repo }\n\nrole B.Ci\n"
    assert {name: (layout / name).read_text() for name in before} == before  # no other file changed
    assert session.files == ["main.iam", "whatif.iam"]
    assert comparable(load_paths(["main.iam", "whatif.iam"]).model) == comparable(model)


def test_save_into_an_existing_file_that_is_not_loaded_is_refused(layout: Path) -> None:
    (layout / "other.iam").write_text("# someone else's\n")
    session = Session(["main.iam"])
    session.execute("role B.Ci")
    out = session.execute(":save other.iam")
    assert not out.ok
    assert "`other.iam` exists and is not loaded" in out.text and "nothing was written" in out.text
    assert (layout / "other.iam").read_text() == "# someone else's\n"
    assert session.unsaved


def test_save_refuses_when_a_file_changed_on_disk(design: Path) -> None:
    session = Session(["design.iam"])
    session.execute("role B.Ci")
    design.write_text(design.read_text() + "\n# edited elsewhere\n")
    out = session.execute(":save")
    assert not out.ok
    assert out.text.startswith("error: `design.iam` changed on disk since it was read, so nothing was written")
    assert design.read_text().endswith("# edited elsewhere\n")
    assert session.execute(":reload").ok and session.execute(":save").ok
    assert "role B.Ci" in design.read_text()


def test_save_without_any_file_asks_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    session = Session()
    session.execute("account A 111111111111")
    out = session.execute(":save")
    assert not out.ok and "give one: `:save FILE`" in out.text
    assert session.execute(":save new.iam").ok
    assert (tmp_path / "new.iam").read_text() == "account A 111111111111\n"
    assert session.files == ["new.iam"] and not session.unsaved


def test_nothing_to_save(design: Path) -> None:
    assert Session(["design.iam"]).execute(":save").text == "nothing to save"


# ---------------------------------------------------------------- atomicity


def test_a_failed_write_leaves_the_file_intact_and_no_temporary_file(design: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = design.read_bytes()
    session = Session(["design.iam"])
    session.execute("role B.Ci")

    def refuse(source, target):
        raise OSError(30, "Read-only file system")

    with monkeypatch.context() as patch:
        patch.setattr(iamdsl.fsutil.os, "replace", refuse)
        out = session.execute(":save")
    assert not out.ok
    assert out.text == "error: cannot write `design.iam`: read-only file system; nothing was written"
    assert design.read_bytes() == before
    assert files_in(design.parent) == {"design.iam"}
    assert session.unsaved  # the change is still there to save later
    assert session.execute(":save").ok and "role B.Ci" in design.read_text()


def test_a_directory_that_cannot_be_written_leaves_the_file_intact(design: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = design.read_bytes()
    session = Session(["design.iam"])
    session.execute("role B.Ci")

    def no_room(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(iamdsl.fsutil.tempfile, "mkstemp", no_room)  # what a read-only directory does, even as root
    out = session.execute(":save")
    assert not out.ok and "permission denied" in out.text
    assert design.read_bytes() == before
    assert files_in(design.parent) == {"design.iam"}


def test_the_saved_file_keeps_its_permissions(design: Path) -> None:
    os.chmod(design, 0o640)
    session = Session(["design.iam"])
    session.execute("role B.Ci")
    session.execute(":save")
    assert design.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- the plan alone


def test_a_plan_is_pure() -> None:
    texts = {"a.iam": "account A 111111111111\nrole A.X {\n    allow s3:ListAllMyBuckets\n}\n"}
    plan = plan_save([("<change 1>", "role A.X { allow s3:ListBuckets }")], texts, ["a.iam"], default="a.iam")
    assert plan.texts == {"a.iam": "account A 111111111111\nrole A.X {\n    allow s3:ListAllMyBuckets\n    allow s3:ListBuckets\n}\n"}
    assert texts["a.iam"].count("allow") == 1
    assert [(p.change, p.file, p.action) for p in plan.placements] == [(1, "a.iam", "adds to role A.X")]
