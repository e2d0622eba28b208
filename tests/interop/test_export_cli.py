"""`iamdsl export` on the command line: exit codes, refusals, and a directory never half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from export_support import ROOT
from iamdsl import fsutil
from iamdsl.cli import main

EXAMPLE = str(ROOT / "examples" / "ecr_delegation.iam")
DERIVED = "account A\naccount B\nrole A.R { trust { allow assume to account B } }\n"


def _run(*argv: str) -> int:
    return main(["export", "--no-cache", *argv])


def test_export_writes_the_directory_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(EXAMPLE, str(out)) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote 14 files for 2 accounts to {out} (iam-json), with 2 warnings")
    assert "warning[X102]: role `B.OtherRole` has no trust policy" in captured.err
    assert json.loads((out / "iamdsl-export.json").read_text())["format"] == "iam-json"
    assert (out / "accounts" / "A" / "policies" / "resources" / "repo.json").is_file()


def test_terraform_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tf"
    assert _run("--format", "terraform", EXAMPLE, str(out)) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "accounts/A/main.tf", "accounts/B/main.tf", "iamdsl-export.json",
    ]


def test_derived_ids_are_refused_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = tmp_path / "sketch.iam"
    design.write_text(DERIVED)
    out = tmp_path / "out"
    assert _run(str(design), str(out)) == 2
    err = capsys.readouterr().err
    assert "error[X001]: account `A` has no ID" in err and "error[X001]: account `B` has no ID" in err
    assert "--placeholder-ids" in err
    assert "2 errors; nothing was written" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [design]  # no temporary directory left behind either
    assert _run("--placeholder-ids", str(design), str(out)) == 0
    assert "warning[X101]" in capsys.readouterr().err


def test_invalid_design_exits_2_with_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = tmp_path / "bad.iam"
    design.write_text("account A 111111111111\nrole A.R { allow s3:GetObject on A.nothing }\n")
    assert _run(str(design), str(tmp_path / "out")) == 2
    assert "error[E010]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_existing_empty_directory_is_used(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert _run(EXAMPLE, str(out)) == 0
    assert (out / "resource-index.json").is_file()


def test_a_directory_holding_something_else_is_never_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for extra in ([], ["--force"]):
        assert _run(*extra, EXAMPLE, str(out)) == 2
        assert "holds no earlier export" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_an_earlier_export_is_replaced_only_with_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run("--format", "terraform", EXAMPLE, str(out)) == 0
    assert _run(EXAMPLE, str(out)) == 2
    assert "pass --force to replace it" in capsys.readouterr().err
    assert (out / "accounts" / "A" / "main.tf").is_file()
    assert _run("--force", EXAMPLE, str(out)) == 0
    assert not (out / "accounts" / "A" / "main.tf").exists()  # the old export is gone, not merged
    assert json.loads((out / "iamdsl-export.json").read_text())["format"] == "iam-json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_in_the_way_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.write_text("x")
    assert _run(EXAMPLE, str(out)) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_help_lists_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "iamdsl", "export", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "--placeholder-ids" in result.stdout and "--force" in result.stdout and "terraform" in result.stdout


# ------------------------------------------------------------------ write_tree_atomic


def _fail_after(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Make the `count`-th file write fail, as a full disk would, partway through the files."""
    real = fsutil._write_file
    calls = {"n": 0}

    def write(path: Path, payload: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == count:
            raise OSError(28, "No space left on device")
        real(path, payload)

    monkeypatch.setattr(fsutil, "_write_file", write)


def test_a_failure_midway_leaves_no_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_after(monkeypatch, 3)
    with pytest.raises(OSError):
        fsutil.write_tree_atomic(tmp_path / "out", {f"d/f{i}.json": "{}" for i in range(6)})
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_keeps_the_old_directory_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    fsutil.write_tree_atomic(out, {"a.json": "old", "b/c.json": "old"})
    _fail_after(monkeypatch, 2)
    with pytest.raises(OSError):
        fsutil.write_tree_atomic(out, {"a.json": "new", "x.json": "new"}, replace=True)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["a.json", "b/c.json"]
    assert (out / "a.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_export_command_reports_a_write_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _fail_after(monkeypatch, 5)
    assert _run(EXAMPLE, str(tmp_path / "out")) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_directory_needs_replace(tmp_path: Path) -> None:
    out = tmp_path / "out"
    fsutil.write_tree_atomic(out, {"a": "1"})
    with pytest.raises(FileExistsError):
        fsutil.write_tree_atomic(out, {"b": "2"})
    assert (out / "a").read_text() == "1"


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/../../b", "", "."])
def test_paths_must_stay_inside(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        fsutil.write_tree_atomic(tmp_path / "out", {bad: "x"})
    assert not (tmp_path / "out").exists()


def test_files_and_directories_get_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fsutil.write_tree_atomic(tmp_path / "out", {"d/f.json": "{}"})
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "d").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "d" / "f.json").stat().st_mode & 0o777 == 0o644
