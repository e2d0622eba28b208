"""`iamdsl fmt`: print, --check, --diff, -w, and errors (issue 7, item 4)."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from iamdsl.cli import main

MESSY = """\
account A 111111111111   # the owner
account B 222222222222
resource   A.repo : ecr:repository "app"{allow pull to account B}
role B.SomeRole {
allow pull on A.repo      # shorthand stays
        deny ecr:PutImage on A.repo
}


expect can B.SomeRole pull A.repo
"""

CANONICAL = """\
account A 111111111111   # the owner
account B 222222222222
resource A.repo : ecr:repository "app" { allow pull to account B }
role B.SomeRole {
    allow pull on A.repo  # shorthand stays
    deny ecr:PutImage on A.repo
}

expect can B.SomeRole pull A.repo
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    messy, tidy = tmp_path / "messy.iam", tmp_path / "tidy.iam"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(CANONICAL, encoding="utf-8")
    return messy, tidy


def test_the_fixture_is_what_format_source_writes() -> None:
    from iamdsl.language.fmt import format_source

    assert format_source(MESSY) == CANONICAL


def test_one_file_prints_the_formatted_text_and_changes_nothing(tmp_path, capsys):
    messy, _ = _files(tmp_path)
    assert main(["fmt", str(messy)]) == 0
    assert capsys.readouterr().out == CANONICAL
    assert messy.read_text(encoding="utf-8") == MESSY


def test_check_lists_the_files_that_would_change_and_exits_1(tmp_path, capsys):
    messy, tidy = _files(tmp_path)
    assert main(["fmt", "--check", str(messy), str(tidy)]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"would reformat {messy}\n"
    assert captured.err == "1 file would be reformatted, 1 unchanged\n"
    assert messy.read_text(encoding="utf-8") == MESSY


def test_check_passes_on_canonical_files(tmp_path, capsys):
    _, tidy = _files(tmp_path)
    assert main(["fmt", "--check", str(tidy)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("flags", "code"), [(("--diff",), 0), (("--diff", "--check"), 1)], ids=["diff", "diff-check"])
def test_diff_prints_a_unified_diff(tmp_path, capsys, flags, code):
    messy, tidy = _files(tmp_path)
    assert main(["fmt", *flags, str(messy), str(tidy)]) == code
    out = capsys.readouterr().out
    assert out.startswith(f"--- {messy} (original)\n+++ {messy} (formatted)\n@@ ")
    assert '-resource   A.repo : ecr:repository "app"{allow pull to account B}\n' in out
    assert '+resource A.repo : ecr:repository "app" { allow pull to account B }\n' in out
    assert str(tidy) not in out
    assert messy.read_text(encoding="utf-8") == MESSY


def test_write_rewrites_only_what_changes_and_keeps_the_mode(tmp_path, capsys):
    messy, tidy = _files(tmp_path)
    os.chmod(messy, 0o640)
    tidy_inode = tidy.stat().st_ino
    assert main(["fmt", "-w", str(messy), str(tidy)]) == 0
    assert messy.read_text(encoding="utf-8") == CANONICAL
    assert stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert tidy.stat().st_ino == tidy_inode  # untouched, not rewritten
    assert capsys.readouterr().out == f"reformatted {messy}\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    assert main(["fmt", "--check", str(messy)]) == 0


def test_a_syntax_error_exits_2_with_the_located_message(tmp_path, capsys):
    messy, _ = _files(tmp_path)
    bad = tmp_path / "bad.iam"
    bad.write_text("account A 111111111111\nrole A.R { allow = }\n", encoding="utf-8")
    assert main(["fmt", "--check", str(bad), str(messy)]) == 2  # 2 wins over 1
    captured = capsys.readouterr()
    assert f"{bad}:2:18: error[E001]: unexpected `=`" in captured.err
    assert " 2 | role A.R { allow = }" in captured.err
    assert captured.out == f"would reformat {messy}\n"  # the other files are still checked


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["fmt", "--check", str(tmp_path / "nope.iam")]) == 2
    assert "error[E002]: cannot read" in capsys.readouterr().err


def test_several_files_need_a_mode(tmp_path, capsys):
    messy, tidy = _files(tmp_path)
    assert main(["fmt", str(messy), str(tidy)]) == 2
    assert "give -w, --check or --diff" in capsys.readouterr().err


def test_write_and_check_together_are_a_usage_error(tmp_path):
    messy, _ = _files(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["fmt", "-w", "--check", str(messy)])
    assert exit_info.value.code == 2


def test_standard_input(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(MESSY))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == CANONICAL


def test_json_reports_each_file(tmp_path, capsys):
    messy, tidy = _files(tmp_path)
    assert main(["fmt", "--check", "--format", "json", str(messy), str(tidy)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is True
    assert [(f["file"], f["changed"], f["written"]) for f in document["files"]] == [(str(messy), True, False), (str(tidy), False, False)]


def test_crlf_line_endings_count_as_a_change(tmp_path, capsys):
    path = tmp_path / "crlf.iam"
    path.write_bytes(CANONICAL.replace("\n", "\r\n").encode("utf-8"))
    assert main(["fmt", "--check", str(path)]) == 1
    assert main(["fmt", "-w", str(path)]) == 0
    assert path.read_bytes() == CANONICAL.encode("utf-8")
