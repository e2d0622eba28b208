"""How the REPL is started: `iamdsl repl FILE…`, a bare `iamdsl`, and no terminal at all."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iamdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr_delegation.iam"


class _Keyboard(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list:
    """Sessions the REPL app was started with (the app itself is replaced)."""
    import iamdsl.repl.app

    found: list = []
    monkeypatch.setattr(iamdsl.repl.app, "run", lambda session: found.append(session) or 0)
    monkeypatch.setenv("IAMDSL_CACHE_DIR", str(tmp_path / "cache"))
    return found


def test_bare_iamdsl_at_a_terminal_opens_the_repl(started: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Keyboard())
    assert main([]) == 0
    (session,) = started
    assert session.files == []


def test_repl_with_files_at_a_terminal(started: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Keyboard())
    assert main(["repl", str(EXAMPLE)]) == 0
    (session,) = started
    assert sorted(session.model.principals) == ["B.OtherRole", "B.SomeRole"]


def test_bare_iamdsl_without_a_terminal_prints_help(started: list, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main([]) == 2
    assert "usage: iamdsl" in capsys.readouterr().err
    assert started == []


def test_without_a_terminal_the_statements_on_stdin_are_run(
    started: list, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    lines = "can B.OtherRole pull A.repo\nrole B.OtherRole {\n    allow pull on A.repo\n}\ncan B.OtherRole pull A.repo?\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert main(["repl", "design.iam"]) == 0
    out = capsys.readouterr().out
    assert out.index("DENIED (implicit)") < out.index("adds to role B.OtherRole") < out.index("ALLOWED")
    assert started == []  # no prompt_toolkit app without a terminal


@pytest.mark.parametrize(
    ("lines", "stderr"),
    [("can B.Nobody pull A.repo\n", "unknown principal"), ("role B.X {\n  allow pull\n", "error[E001]")],
    ids=["an error", "input ending inside a block"],
)
def test_without_a_terminal_an_error_exits_2(
    started: list, monkeypatch: pytest.MonkeyPatch, capsys, lines: str, stderr: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    assert main(["repl", str(EXAMPLE)]) == 2
    assert stderr in capsys.readouterr().err


def test_a_script_piping_into_python_m_iamdsl_never_waits() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "iamdsl", "repl", str(EXAMPLE), "--no-cache"],
        input="who can pull A.repo\n:quit\ncan B.SomeRole pull A.repo\n",
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "B.SomeRole" in done.stdout
    assert "ALLOWED: all 4 actions of pull" not in done.stdout  # nothing runs after :quit
