"""The files of a git revision, read into a temporary directory, for `iamdsl diff --git REV FILE…`.

Stage: the command-line shell.  Only read-only git commands run
(`rev-parse`, `cat-file`, `archive`): the user's working tree and index are
never touched.  The whole tree of the revision is written out, so that the
files' `include`s and `from "….json"` files resolve as they did then, wherever
they point inside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    """What went wrong, in words for the user, with a hint."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Revision:
    """A revision's tree in `directory`; `files` are the asked files inside it."""

    name: str  # as the user wrote it: HEAD~1, main, a hash
    commit: str
    directory: str
    files: list[str]

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def relabel(self, text: str) -> str:
        """`text` with the temporary directory written as `REV:` (for messages about the revision's files)."""
        return text.replace(self.directory + os.sep, f"{self.name}:")


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)", "install git, or compare two files: `iamdsl diff OLD.iam NEW.iam`") from None


def checkout(revision: str, files: list[str], cwd: str | None = None) -> Revision:
    """Write `revision`'s tree to a temporary directory and find `files` (paths as given, from `cwd`) in it."""
    cwd = os.path.abspath(cwd or os.getcwd())
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise GitError(f"{cwd} is not inside a git repository", "run `iamdsl diff --git` inside the repository, or compare two files")
    root = os.path.realpath(top.stdout.strip())
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], root)
    if found.returncode != 0 or not found.stdout.strip():
        raise GitError(f"unknown revision `{revision}`", "give a commit, branch or tag that exists, such as HEAD~1 or main (see `git log`)")
    commit = found.stdout.strip()
    inside: list[str] = []
    for file in files:
        path = os.path.realpath(os.path.join(cwd, file))
        relative = os.path.relpath(path, root)
        if relative.startswith(os.pardir + os.sep) or relative == os.pardir:
            raise GitError(f"`{file}` is outside the repository at {root}", "name files inside the repository")
        exists = _git(["cat-file", "-e", f"{commit}:{Path(relative).as_posix()}"], root)
        if exists.returncode != 0:
            raise GitError(f"`{file}` does not exist at {revision}", f"check the path, or the revision: `git ls-tree -r --name-only {revision}`")
        inside.append(relative)
    directory = tempfile.mkdtemp(prefix="iamdsl-diff-")
    try:
        _extract(commit, root, directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Revision(revision, commit, directory, [os.path.join(directory, r) for r in inside])


def _extract(commit: str, root: str, directory: str) -> None:
    with subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: nothing outside `directory`, no devices or odd modes
                archive.extractall(directory, filter="data")
            else:  # git's own archive of its own tree: no absolute paths or `..` entries
                archive.extractall(directory)
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise GitError(f"git archive failed: {error.strip()}", "check that the repository is readable")
