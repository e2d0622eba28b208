"""Render a page in headless Chromium and record every request the page makes.

The tests talk to Chromium over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: commands on fd 3, replies on fd 4, each message
a JSON text ended by NUL), so that what they see is what the page asked for
(`Network.requestWillBeSent`), not the browser's own background traffic.
Host resolution is mapped to nowhere, so not even a mistake can reach the
network from a test.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT = 60.0  # seconds for the whole page; a cold Chromium start takes a few

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


@dataclass
class Rendered:
    text: str  # document.documentElement.textContent, whitespace collapsed
    svg_text: list[str]  # the text of every <text> element of the page's SVG
    rows: list[str]  # the text of every table row
    requests: list[str] = field(default_factory=list)  # every URL the page requested, its own file included


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise AssertionError(
            "these tests need Debian's `chromium` (headless); `.ci/run` installs it: apt-get install chromium"
        )
    return found


def render(page: Path) -> Rendered:
    with tempfile.TemporaryDirectory(prefix="iamdsl-chromium-") as profile:
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.  The child's ends are moved
        # out of the way first (fd 100 and up), so that putting them at 3 and 4 cannot clobber one.
        high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 100)
        high_write = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, 100)

        def place_pipes() -> None:
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        process = subprocess.Popen(
            [chromium(), *_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=place_pipes,
            close_fds=False,  # fds 3 and 4 must survive; every other fd of ours is close-on-exec
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (high_read, high_write, commands_read, replies_write):
            os.close(fd)  # the child's ends: Chromium holds them now, and EOF must come when it exits
        try:
            return _Session(commands_write, replies_read).render(page.resolve().as_uri())
        finally:
            os.close(commands_write)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(replies_read)


class _Session:
    def __init__(self, write_fd: int, read_fd: int):
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []
        self.deadline = time.monotonic() + TIMEOUT

    def render(self, url: str) -> Rendered:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Network.enable", {}, session)
        self.call("Page.enable", {}, session)
        self.call("Page.navigate", {"url": url}, session)
        self.wait_for("Page.loadEventFired", session)
        text = self.evaluate("document.documentElement.textContent.replace(/\\s+/g, ' ')", session)
        svg_text = self.evaluate("Array.from(document.querySelectorAll('svg text'), t => t.textContent)", session)
        rows = self.evaluate("Array.from(document.querySelectorAll('tr'), r => r.innerText.replace(/\\s+/g, ' ').trim())", session)
        requests = [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]
        self.call("Browser.close", {})
        return Rendered(text, svg_text, rows, requests)

    def evaluate(self, expression: str, session: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result["result"]["value"]

    def call(self, method: str, params: dict, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise AssertionError(f"Chromium refused {method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> None:
        if any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            return
        while True:
            event = self.read()
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return

    def read(self) -> dict:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise AssertionError(f"Chromium did not answer within {TIMEOUT:.0f} seconds")
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed the DevTools pipe (did it start? try `chromium --headless --no-sandbox`)")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)
