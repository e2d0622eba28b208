"""The pre-commit hooks and the documented CI commands are real iamdsl command lines (issue 7, item 6)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from iamdsl.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _hooks() -> list[dict[str, str]]:
    """`.pre-commit-hooks.yaml`: a list of flat mappings, read without a YAML library (it is kept that simple)."""
    hooks: list[dict[str, str]] = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.fullmatch(r"(- |  )(\w+): (.*)", line)
        assert item, f"not a flat `key: value` line: {line!r}"
        if item.group(1) == "- ":
            hooks.append({})
        hooks[-1][item.group(2)] = item.group(3)
    return hooks


HOOKS = _hooks()


def _parses(argv: list[str]) -> None:
    """argparse accepts the command line (it exits 2 on a usage error)."""
    args = build_parser().parse_args(argv)
    assert callable(args.run)


def test_the_three_hooks() -> None:
    assert [h["id"] for h in HOOKS] == ["iamdsl-check", "iamdsl-fmt", "iamdsl-lint"]
    assert all(h["language"] == "python" and h["entry"].startswith("iamdsl ") for h in HOOKS)
    assert {h["id"]: h["entry"] for h in HOOKS}["iamdsl-fmt"] == "iamdsl fmt --check"


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_each_hook_entry_is_a_command_line(hook: dict[str, str]) -> None:
    # One model per run for check and lint: pre-commit passes no file names, the user's `args` name the model.
    takes_files = hook.get("pass_filenames", "true") != "false"
    assert takes_files == (hook["id"] == "iamdsl-fmt")
    assert re.search(hook["files"], "iam/main.iam")
    _parses([*shlex.split(hook["entry"])[1:], "iam/main.iam"])


def _documented_commands() -> list[str]:
    docs = (ROOT / "docs" / "specs.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = readme.split("## Specs in CI", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"run: (iamdsl [^\n]*)", docs)
    for block in re.findall(r"```sh\n(.*?)```", docs + ci, flags=re.S):
        found.extend(line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("iamdsl "))
    return found


DOCUMENTED = _documented_commands()


def test_the_docs_show_commands() -> None:
    assert len(DOCUMENTED) >= 10
    assert any("--format junit" in c for c in DOCUMENTED) and any("--threshold" in c for c in DOCUMENTED)


@pytest.mark.parametrize("command", DOCUMENTED, ids=DOCUMENTED)
def test_each_documented_command_parses(command: str) -> None:
    words = shlex.split(command.split(" > ", 1)[0])
    _parses(words[1:])
