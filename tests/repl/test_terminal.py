"""One run of the REPL in a real pseudo-terminal, as a person would use it.

The test makes its own terminal (`pty.openpty`), so it runs the same with no
standard input (CI).  Every wait has a deadline, and the child is killed
whatever happens, so a broken REPL fails the test instead of hanging it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0  # seconds for any one answer; a cold start on a busy machine takes a few
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")


class Terminal:
    """A child process on a pseudo-terminal of 40 rows and 120 columns."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.screen = ""  # everything written, without escape sequences
        self.seen = 0  # where the last match ended: the next wait looks after it

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait_for(self, pattern: str) -> str:
        """Read until `pattern` shows after the last match; the text from there to the match's end."""
        start = self.seen
        deadline = time.monotonic() + DEADLINE
        while (found := re.compile(pattern).search(self.screen, start)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"no {pattern!r} within {DEADLINE:.0f} s; the screen ends:\n{self.screen[-2000:]}")
        self.seen = found.end()
        return self.screen[start:found.end()]

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        text = chunk.decode("utf-8", "replace")
        if "\x1b[6n" in text:
            # Answer "where is the cursor?" as a terminal would: prompt_toolkit draws the
            # bottom toolbar only once it knows how much of the screen is below the prompt.
            self.type("\x1b[1;1R" * text.count("\x1b[6n"))
        self.screen += _ESCAPES.sub("", text)
        return bool(chunk)

    def exit_code(self) -> int:
        deadline = time.monotonic() + DEADLINE
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.2)  # keep the terminal drained, so the child can finish writing
        return self.process.wait(timeout=1)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path):
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "IAMDSL_DATA_DIR": str(tmp_path / "data"),
        "IAMDSL_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("PROMPT_TOOLKIT_NO_CPR", None)
    opened = Terminal([sys.executable, "-m", "iamdsl", "repl", "examples/ecr_delegation.iam"], env, ROOT)
    try:
        yield opened
    finally:
        opened.close()


def test_ask_change_ask_again_and_quit(terminal: Terminal) -> None:
    terminal.wait_for(r"iamdsl> ")
    terminal.wait_for(r"ecr_delegation\.iam │ 2 accounts")  # the toolbar

    terminal.type("can B.OtherRole pull A.repo\r")
    answer = terminal.wait_for(r"fix \(in account B\): role B\.OtherRole \{ allow pull on A\.repo \}")
    assert "DENIED (implicit)" in answer

    terminal.type("role B.OtherRole { allow pull on A.repo }\r")
    terminal.wait_for(r"adds to role B\.OtherRole \(change 1, not saved\)")

    terminal.type("can B.OtherRole pull A.repo\r")
    terminal.wait_for(r"ALLOWED: all 4 actions of pull are allowed")

    terminal.type(":quit\r")
    assert terminal.exit_code() == 0
