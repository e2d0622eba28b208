"""Writing files so that nothing is ever half-written.

Stage: shared I/O helper (the cache, fmt -w, :save and export).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Mapping


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    A reader sees the old file or the new one, never a mix, even if the
    process dies halfway through.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_tree_atomic(
    directory: str | os.PathLike[str], files: Mapping[str, str | bytes], *, replace: bool = False
) -> None:
    """Write a whole directory of files, so that it appears complete or not at all.

    The files (relative POSIX paths) are written into a temporary directory
    beside `directory`, flushed to disk, and the directory is then renamed
    into place.  An existing empty directory is replaced; a non-empty one
    only when `replace` is true (FileExistsError otherwise), by moving it
    aside first and removing it once the new one is in place.  Between those
    two renames the path is briefly absent, but never half-written.
    """
    target = Path(directory).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    for relative in files:
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a relative path inside the directory: {relative!r}")
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(str(target))
    if target.is_dir() and any(target.iterdir()) and not replace:
        raise FileExistsError(str(target))
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0o700; files and subdirectories get the umask anyway
        written = []
        for relative, data in files.items():
            path = staging.joinpath(*PurePosixPath(relative).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_file(path, data.encode("utf-8") if isinstance(data, str) else data)
            written.append(path)
        _flush(written)
        if not target.is_dir() or not any(target.iterdir()):
            os.replace(staging, target)  # rename(2) replaces an empty directory in one step
        else:
            aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, aside)
            try:
                os.replace(staging, target)
            except BaseException:
                os.replace(aside, target)
                raise
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_directory(target.parent)


def _write_file(path: Path, payload: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(payload)


def _flush(paths: list[Path]) -> None:
    """Put the files on disk before the rename makes them visible.

    One sync of the file systems costs about what a single fsync does, where
    an fsync per file costs milliseconds each: seconds for an export of
    thousands of files.  Where there is no `os.sync`, each file is synced.
    """
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    """Make a rename inside `path` durable (where the platform allows opening directories)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
