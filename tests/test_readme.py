"""The README stays true: its quick start has two commands, and its transcripts match the tool."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from iamdsl.cli import main

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TRANSCRIPTS = re.findall(r"```\n\$ (iamdsl [^\n]*)\n(.*?)```", README, flags=re.S)


def test_quick_start_has_exactly_two_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(commands) == 2
    assert "examples/ecr_delegation.iam" in commands[0]
    assert "pytest" in commands[1]


@pytest.mark.parametrize(("command", "expected"), TRANSCRIPTS, ids=[c for c, _ in TRANSCRIPTS])
def test_transcript_matches_the_tool(command, expected, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    main([*shlex.split(command)[1:], "--no-cache"])
    assert capsys.readouterr().out == expected


def test_there_are_transcripts():
    assert len(TRANSCRIPTS) >= 2
