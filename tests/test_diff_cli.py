"""`iamdsl diff`: two files or a git revision, text and JSON, exit codes, and errors that say what went wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from iamdsl.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "ecr_delegation.iam").read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "diff.v1.json").read_text(encoding="utf-8"))
GRANT = "\nrole B.OtherRole { allow pull on A.repo }\n"
ASSUME = "\nrole B.SomeRole { allow sts:AssumeRole on B.OtherRole }\nrole B.OtherRole { trust { allow assume to account B } }\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args, "--no-cache"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def write(name: str, text: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return write


# ---------------------------------------------------------------- two files


def test_lists_access_gained_by_principal_then_resource(files, capsys):
    code, out, _ = run(capsys, files("old.iam", EXAMPLE), files("new.iam", EXAMPLE + GRANT))
    assert code == 0
    assert out.splitlines() == [
        "access gained (+) and lost (-); +? and -?: only under some context (CONDITIONAL)",
        "  B.OtherRole",
        "    *",
        "      + ecr:GetAuthorizationToken",
        "    A.repo",
        "      + pull: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer",
        "summary: 4 requests gained, 0 lost (0 and 0 only under some context), 1 principal, 2 resources; 0 become edges gained, 0 lost",
    ]


def test_lost_access_and_become_edges(files, capsys):
    old = files("old.iam", EXAMPLE + ASSUME)
    code, out, _ = run(capsys, old, files("new.iam", EXAMPLE))
    assert code == 0
    assert "  B.SomeRole\n    B.OtherRole\n      - sts:AssumeRole\n" in out
    assert "become edges (who can act as whom):\n  - B.SomeRole --AssumeRole--> B.OtherRole\n" in out


def test_no_change_says_so(files, capsys):
    code, out, _ = run(capsys, files("old.iam", EXAMPLE), files("new.iam", "# reformatted\n" + EXAMPLE))
    assert code == 0
    assert out.startswith("no access gained or lost\n")


def test_fail_on_new_access_exits_1_only_when_something_is_gained(files, capsys):
    old, new = files("old.iam", EXAMPLE), files("new.iam", EXAMPLE + GRANT)
    assert run(capsys, old, new, "--fail-on-new-access")[0] == 1
    assert run(capsys, new, old, "--fail-on-new-access")[0] == 0  # only lost
    assert run(capsys, old, old, "--fail-on-new-access")[0] == 0


def test_a_new_become_edge_alone_is_new_access(files, capsys):
    # B.SomeRole may already call sts:AssumeRole on OtherRole in neither; a trust grant alone adds the edge and the access
    old = files("old.iam", EXAMPLE + "\nrole B.SomeRole { allow sts:AssumeRole on B.OtherRole }\n")
    new = files("new.iam", EXAMPLE + ASSUME)
    code, out, _ = run(capsys, old, new, "--fail-on-new-access")
    assert code == 1
    assert "  + B.SomeRole --AssumeRole--> B.OtherRole" in out


def test_symbolic_principals_are_in_the_universe(files, capsys):
    opened = EXAMPLE.replace("account B 222222222222", "account B 222222222222\naccount C 333333333333 external")
    grant = opened.replace("allow pull to account B", "allow pull to account B\n    allow pull to account C")
    code, out, _ = run(capsys, files("old.iam", opened), files("new.iam", grant), "--format", "json")
    document = json.loads(out)
    principals = {row["principal"] for row in document["gained"]}
    assert principals == {"any principal of account 333333333333 (open)"}


def test_json_follows_the_schema(files, capsys):
    old, new = files("old.iam", EXAMPLE), files("new.iam", EXAMPLE + GRANT + ASSUME)
    code, out, _ = run(capsys, old, new, "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert document["schema"] == "iamdsl/diff/v1" and document["old"] == [old] and document["new"] == [new]
    rows = {(r["principal"], r["name"]): r["actions"] for r in document["gained"]}
    assert rows[("B.OtherRole", "A.repo")] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert document["paths_gained"] == [{"source": "B.SomeRole", "kind": "AssumeRole", "target": "B.OtherRole", "via": "sts:AssumeRole"}]
    assert document["new_access"] is True and document["summary"]["gained"] == 5


def test_no_paths_leaves_the_edges_out(files, capsys):
    code, out, _ = run(capsys, files("old.iam", EXAMPLE), files("new.iam", EXAMPLE + ASSUME), "--no-paths", "--format", "json")
    document = json.loads(out)
    assert document["paths_gained"] == [] and document["gained"]


# ---------------------------------------------------------------- bad input


def test_a_file_that_does_not_load_is_a_located_error(files, capsys):
    code, _, err = run(capsys, files("old.iam", EXAMPLE), files("new.iam", EXAMPLE + "\nrole B.X { allow pull on A.nope }\n"))
    assert code == 2
    assert "new.iam:" in err and "A.nope" in err


def test_two_files_are_needed_without_git(files, capsys):
    code, _, err = run(capsys, files("old.iam", EXAMPLE))
    assert code == 2
    assert "give two files" in err


# ---------------------------------------------------------------- git revisions

@pytest.fixture
def _git_on_path() -> None:
    if shutil.which("git") is None:  # never skipped: CI works in a git clone, so git is there
        pytest.fail("the `iamdsl diff --git` tests need git on PATH")


needs_git = pytest.mark.usefixtures("_git_on_path")


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / "iam").mkdir(parents=True)
    (repo / "iam" / "design.iam").write_text('include "roles.iam"\n' + EXAMPLE, encoding="utf-8")
    (repo / "iam" / "roles.iam").write_text("role B.Ci\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    monkeypatch.chdir(repo / "iam")
    return repo


@needs_git
def test_git_compares_the_revision_with_the_working_tree_and_follows_includes_there(repo, capsys):
    # the change is in the included file only: the revision's include must be read from the revision
    (repo / "iam" / "roles.iam").write_text("role B.Ci { allow pull on A.repo }\n", encoding="utf-8")
    before = git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD")
    code, out, _ = run(capsys, "--git", "HEAD", "design.iam", "--fail-on-new-access")
    assert code == 1
    assert "  B.Ci\n" in out and "+ pull: ecr:BatchCheckLayerAvailability" in out
    assert (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD")) == before  # working tree and index untouched
    assert (repo / "iam" / "roles.iam").read_text(encoding="utf-8") == "role B.Ci { allow pull on A.repo }\n"


@needs_git
def test_git_json_names_the_revision_and_commit(repo, capsys):
    code, out, _ = run(capsys, "--git", "HEAD", "design.iam", "--format", "json")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert document["git"]["revision"] == "HEAD" and len(document["git"]["commit"]) == 40
    assert document["new_access"] is False


@needs_git
def test_git_errors_exit_2_with_the_reason(repo, tmp_path, capsys, monkeypatch):
    code, _, err = run(capsys, "--git", "no-such-branch", "design.iam")
    assert (code, "unknown revision `no-such-branch`" in err) == (2, True)
    (repo / "iam" / "new.iam").write_text(EXAMPLE, encoding="utf-8")
    code, _, err = run(capsys, "--git", "HEAD", "new.iam")
    assert (code, "`new.iam` does not exist at HEAD" in err) == (2, True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "design.iam").write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.chdir(outside)
    code, _, err = run(capsys, "--git", "HEAD", "design.iam")
    assert (code, "is not inside a git repository" in err) == (2, True)


@needs_git
def test_an_error_in_the_revisions_files_names_the_revision(repo, capsys):
    (repo / "iam" / "roles.iam").write_text("role B.Ci { allow pull on A.nope }\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    (repo / "iam" / "roles.iam").write_text("role B.Ci\n", encoding="utf-8")
    code, _, err = run(capsys, "--git", "HEAD", "design.iam")
    assert code == 2
    assert "HEAD:iam/roles.iam:1" in err and "iamdsl-diff-" not in err


# ---------------------------------------------------------------- how the text reads


def test_a_whole_service_is_written_service_star_and_conditional_access_apart(files, capsys):
    new = EXAMPLE + "\nrole A.Ops {\n    allow ecr:* on A.repo\n    allow s3:ListAllMyBuckets on * when aws:SourceIp in 10.0.0.0/8\n}\n"
    code, out, _ = run(capsys, files("old.iam", EXAMPLE), files("new.iam", new))
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("      + ecr:* (all ") and line.endswith(" of its actions on it)") for line in lines)
    assert "      +? s3:ListAllMyBuckets" in lines


def test_docs_transcript_matches_the_tool(capsys, monkeypatch):
    import re
    import shlex

    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    (command, expected), = re.findall(r"```\n\$ (iamdsl [^\n]*)\n(.*?)```", text, flags=re.S)
    main([*shlex.split(command)[1:], "--no-cache"])
    assert capsys.readouterr().out == expected
