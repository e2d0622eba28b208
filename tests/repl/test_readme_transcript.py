"""The README's REPL transcript stays true: each line typed there, given to a session, prints what it shows.

In the transcript, `iamdsl> ` starts a line that is typed, `    ... ` continues
it (a block on several lines), and everything else is output.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from iamdsl.repl.session import Session

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROMPT, CONTINUATION = "iamdsl> ", "    ... "


def transcript() -> tuple[list[str], list[tuple[str, str]]]:
    """The files the REPL was started on, and each typed line with the output it shows."""
    section = README.split("## The REPL", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```text\n\$ (iamdsl repl [^\n]*)\n(.*?)```", section, flags=re.S)
    command, body = block
    steps: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith(PROMPT):
            steps.append((line[len(PROMPT):], []))
        elif line.startswith(CONTINUATION) and not steps[-1][1]:
            steps[-1] = (steps[-1][0] + "\n" + line[len(CONTINUATION):], [])
        else:
            steps[-1][1].append(line)
    return shlex.split(command)[2:], [(typed, "\n".join(shown)) for typed, shown in steps]


FILES, STEPS = transcript()


def test_the_transcript_asks_changes_and_asks_again() -> None:
    typed = [t for t, _ in STEPS]
    assert "can B.OtherRole pull A.repo" in typed
    assert any(t.startswith("role B.OtherRole {") for t in typed)
    assert typed[-1] == ":quit"


def test_every_line_prints_what_the_readme_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    session = Session(FILES)
    for typed, shown in STEPS:
        result = session.execute(typed)
        assert result.ok, result.text
        assert result.text == shown, f"after `{typed}`"
