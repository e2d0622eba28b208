"""Files to checked model: read, follow includes and `from` files, resolve, cache.

Stage: the whole of `language/`, text -> checked model, behind one call.

This is the exception boundary of the language: whatever goes wrong while
reading, parsing or resolving comes out as an IamdslError holding every
finding, sorted by location, with the sources needed to draw them.

The cache keeps checked models keyed by the content of every file they were
built from (and by the versions of iamdsl, the grammar and the catalogue), so
a warm load skips parsing and checking.  A hit is verified by re-hashing each
file the model depends on.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from iamdsl import catalog, collector
from iamdsl.fsutil import write_atomic
from iamdsl.language import syntax as s
from iamdsl.language.errors import Collector, Diagnostic, IamdslError, Severity
from iamdsl.language.parser import grammar_path
from iamdsl.language.resolve import resolve
from iamdsl.language.transformer import parse_file, parse_json
from iamdsl.model import Model, Span

PRELUDE_NAME = "<verbs.iam>"
CACHE_FORMAT = 2  # 2: Span is a dataclass


@dataclass(frozen=True, slots=True)
class Loaded:
    """A checked model with the warnings found on the way and the source texts."""

    model: Model
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


@functools.lru_cache(maxsize=1)
def prelude() -> s.SourceFile:
    return parse_file(prelude_text(), PRELUDE_NAME)


class _Reader:
    """Reads the root files, their includes and their `from` files."""

    def __init__(self) -> None:
        self.out = Collector()
        self.sources: dict[str, str] = {}
        self.files: list[s.SourceFile] = []
        self.dependencies: dict[str, str] = {}  # path -> sha256 of its bytes
        self._loaded: set[str] = set()

    def add_text(self, text: str, name: str) -> None:
        self.sources[name] = text
        self._parse(text, name, ())

    def add_path(self, path: str, stack: tuple[str, ...] = (), span: Span | None = None) -> None:
        if not self._nameable(path, span):
            return
        key = os.path.realpath(path)
        if key in stack:
            self.out.error(
                "E003",
                f"`{path}` includes itself through {' -> '.join(os.path.basename(p) for p in stack + (key,))}",
                span,
                help="remove one of these includes; blocks merge, so each file needs including only once",
            )
            return
        if key in self._loaded:
            return
        text = self._read(path, span)
        if text is None:
            return
        self._loaded.add(key)
        self._parse(text, path, stack + (key,))

    def _nameable(self, path: str, span: Span | None) -> bool:
        """Whether `path` can name a file at all; the OS refuses a NUL with ValueError, not OSError."""
        if "\0" not in path:
            return True
        shown = path.replace("\0", "\\u0000")
        self.out.error("E002", f"cannot read `{shown}`: a file name cannot contain a NUL character", span)
        return False

    def _read(self, path: str, span: Span | None) -> str | None:
        if not self._nameable(path, span):
            return None
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            reason = error.strerror or str(error)
            named_in_file = span is not None and not span.file.startswith("<")
            where = "paths are relative to the file that names them" if named_in_file else None
            self.out.error("E002", f"cannot read `{path}`: {reason.lower()}", span, help=where)
            return None
        self.dependencies[path] = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.out.error("E002", f"`{path}` is not UTF-8 text (byte {error.start})", span)
            return None
        self.sources[path] = text
        return text

    def _parse(self, text: str, name: str, stack: tuple[str, ...]) -> None:
        try:
            source = parse_file(text, name)
        except IamdslError as error:
            self.out.diagnostics.extend(error.diagnostics)
            return
        self.files.append(source)
        base = Path(name).parent if not name.startswith("<") else Path.cwd()
        for decl in source.declarations:
            if isinstance(decl, s.IncludeDecl):
                self.add_path(os.path.normpath(str(base / decl.path)), stack, decl.span)
        for body in _policy_bodies(source.declarations):
            if body.kind == "file" and body.path is not None:
                body.document = self._read_json(os.path.normpath(str(base / body.path)), body.span)

    def _read_json(self, path: str, span: Span) -> s.JsonValue | None:
        text = self._read(path, span)
        if text is None:
            return None
        try:
            return parse_json(text, path)
        except IamdslError as error:
            for d in error.diagnostics:
                self.out.diagnostics.append(
                    Diagnostic(
                        "E004",
                        f"malformed JSON in `{path}`: {d.message}",
                        d.span,
                        help="fix the JSON document; iamdsl reads it as IAM policy JSON",
                        notes=(f"loaded by `from` at {span}",),
                    )
                )
            return None


def _policy_bodies(node: Any) -> Iterator[s.PolicyBody]:
    """Every PolicyBody anywhere under `node` (a syntax node or a list of them)."""
    if isinstance(node, s.PolicyBody):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _policy_bodies(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, (s.JsonValue, s.StatementSyntax, s.Name)):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, (list, s.PolicyBody)) or dataclasses.is_dataclass(value):
                yield from _policy_bodies(value)


def _finish(reader: _Reader) -> Loaded:
    sources = dict(reader.sources)
    sources[PRELUDE_NAME] = prelude_text()
    if reader.out.has_errors:
        raise IamdslError(reader.out.diagnostics, sources)
    model, diagnostics = resolve(reader.files, [prelude()])
    diagnostics = reader.out.diagnostics + diagnostics
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise IamdslError(diagnostics, sources)
    ordered = tuple(sorted(diagnostics, key=lambda d: d.sort_key))
    return Loaded(model, ordered, sources)


@functools.lru_cache(maxsize=1)
def prelude_text() -> str:
    return (resources.files("iamdsl") / "verbs.iam").read_text(encoding="utf-8")


def load_text(text: str, name: str = "<string>") -> Loaded:
    """Load a model from text; `include` and `from` paths are relative to the working directory."""
    with collector.paused():
        reader = _Reader()
        reader.add_text(text, name)
        return _finish(reader)


def load_layers(paths: Sequence[str | os.PathLike[str]], texts: Sequence[tuple[str, str]] = ()) -> Loaded:
    """Files, then `(name, text)` pairs read as if they came after them (the REPL's what-if changes).

    Never cached: the texts change with every edit.  A text's `include` and
    `from` paths are relative to the working directory.
    """
    with collector.paused():
        reader = _Reader()
        for path in paths:
            reader.add_path(os.fspath(path))
        for name, text in texts:
            reader.add_text(text, name)
        return _finish(reader)


def load_paths(paths: Sequence[str | os.PathLike[str]], *, cache_dir: str | os.PathLike[str] | None = None) -> Loaded:
    """Load a model from files.  With `cache_dir`, reuse a checked model if no file changed."""
    names = [os.fspath(p) for p in paths]
    key = _cache_key(names) if cache_dir is not None else None
    with collector.paused():
        if key is not None:
            hit = _cache_get(Path(cache_dir), key)
            if hit is not None:
                return hit
        reader = _Reader()
        for name in names:
            reader.add_path(name)
        loaded = _finish(reader)
        if key is not None:
            _cache_put(Path(cache_dir), key, reader.dependencies, loaded)
        return loaded


# ------------------------------------------------------------------ the cache


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    from iamdsl import __version__

    digest = hashlib.sha256()
    for part in (__version__, catalog.version(), grammar_path().read_text(encoding="utf-8"), prelude_text(), str(CACHE_FORMAT)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _cache_key(names: Iterable[str]) -> str | None:
    digest = hashlib.sha256(_code_fingerprint().encode())
    for name in names:
        try:
            data = Path(name).read_bytes()
        except OSError:
            return None  # let the real load report it
        digest.update(os.path.abspath(name).encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _cache_get(directory: Path, key: str) -> Loaded | None:
    path = directory / f"{key}.pickle"
    try:
        with path.open("rb") as handle:
            entry = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
        return None
    for dependency, digest in entry["dependencies"].items():
        try:
            if hashlib.sha256(Path(dependency).read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
    return entry["loaded"]


def _cache_put(directory: Path, key: str, dependencies: dict[str, str], loaded: Loaded) -> None:
    entry = {"format": CACHE_FORMAT, "dependencies": dependencies, "loaded": loaded}
    try:
        write_atomic(directory / f"{key}.pickle", pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a cache that cannot be written only costs time


def default_cache_dir() -> Path:
    configured = os.environ.get("IAMDSL_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("iamdsl"))
