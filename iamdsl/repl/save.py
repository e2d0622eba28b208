"""`:save`: where the session's what-if changes go in the files, and the new texts.

Stage: REPL (changes -> file texts).  Planning is pure: it takes the texts of
the loaded files and the changes, and returns the new texts with what went
where, so `:changes` shows exactly what `:save` would write.

Every edit inserts text and leaves the rest of a file alone, comments included:
- a block for an entity that a file declares goes into that entity's block
  (`fmt.insert_statement`), one item at a time;
- a block for a new entity goes at the end of the first file that holds
  entities of its account, else of the file that declares the account, else
  of the first loaded file (`fmt.append_declaration`);
- `replace` removes every block of the entity, in every file, and writes the
  new block where the first one was;
- anything else (an account, a delegation, an expectation, a setting) is appended.
With FILE (`:save FILE`), changes are appended to FILE.  When FILE is read
last (a new file, or the last file loaded), each change is appended as typed,
`replace` included, which means exactly what the session meant.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from iamdsl.language import syntax as s
from iamdsl.language.fmt import append_declaration, insert_statement
from iamdsl.language.transformer import parse_file
from iamdsl.model import Span


class SaveError(ValueError):
    """The changes cannot be placed in the files; nothing is written."""


@dataclass(frozen=True, slots=True)
class Placement:
    change: int  # 1-based, as `:changes` numbers them
    file: str
    action: str  # "adds to role B.X", "new role B.X", "replaces role B.X", "appends delegate …"


@dataclass(slots=True)
class Plan:
    texts: dict[str, str]  # every file the plan changes -> its new text
    placements: list[Placement] = field(default_factory=list)


def plan_save(
    changes: Sequence[tuple[str, str]],
    texts: Mapping[str, str],
    order: Sequence[str],
    *,
    default: str | None,
    into: str | None = None,
    verbatim: bool = False,
) -> Plan:
    """Place each change `(source name, text)` in the files.

    `texts` holds the loaded `.iam` files by path and `order` is the order the
    loader read them in.  `default` receives what no file claims (the first
    loaded file).  With `into`, changes go to that file; `verbatim` appends
    them as typed (only right when `into` is read after every other file).
    Raises SaveError when a change has nowhere to go.
    """
    files = _Files(texts, order)
    placements: list[Placement] = []
    for number, (source, text) in enumerate(changes, start=1):
        declarations = parse_file(text, source).declarations
        if verbatim and into is not None:
            files.set(into, append_declaration(files.text(into), _relocated(text, declarations, 0, len(text), into)))
            placements.extend(Placement(number, into, f"appends {_kind_word(d)}{describe(d)}") for d in declarations)
            continue
        editor = _Editor(files, text, default, into)
        for decl in declarations:
            path, action = editor.place(decl)
            placements.append(Placement(number, path, action))
    return Plan({path: files.text(path) for path in files.changed}, placements)


def describe(decl: Any) -> str:
    """A declaration in a few words: `role B.X`, `resource A.repo`, `delegate pull on A.repo`."""
    if isinstance(decl, s.ReplaceDecl):
        return describe(decl.decl)
    if isinstance(decl, s.EntityDecl):
        return f"{decl.kind} {decl.name}"
    if isinstance(decl, s.ResourceDecl):
        return f"resource {decl.name}"
    if isinstance(decl, s.ManagedPolicyDecl):
        return f"policy {decl.name}"
    if isinstance(decl, s.EndpointDecl):
        return f"endpoint {decl.name}"
    if isinstance(decl, s.AccountDecl):
        return f"account {decl.name}"
    if isinstance(decl, s.OrgDecl):
        return f"organization {decl.name}"
    if isinstance(decl, s.DelegateDecl):
        return "delegate " + ", ".join(a.text for a in decl.actions)
    if isinstance(decl, s.ExpectDecl):
        return "an expectation"
    if isinstance(decl, s.VerbDecl):
        return f"verb {decl.name}"
    if isinstance(decl, s.IncludeDecl):
        return f"include {json.dumps(decl.path)}"
    if isinstance(decl, s.RegionDecl):
        return f"region {decl.name}"
    if isinstance(decl, s.PartitionDecl):
        return f"partition {decl.name}"
    if isinstance(decl, s.NowDecl):
        return f"now {json.dumps(decl.value)}"
    return "a declaration"  # pragma: no cover - every declaration kind is named above


def _kind_word(decl: Any) -> str:
    return "replace " if isinstance(decl, s.ReplaceDecl) else ""


def entity_key(decl: Any) -> tuple[str, str] | None:
    """(family, qualified name): blocks of one family and name are one entity (they merge)."""
    if isinstance(decl, s.ReplaceDecl):
        return entity_key(decl.decl)
    if isinstance(decl, s.EntityDecl):
        return ("principal", decl.name.key)  # a role and a user cannot share a name (E011)
    if isinstance(decl, s.ResourceDecl):
        return ("resource", decl.name.key)
    if isinstance(decl, s.ManagedPolicyDecl):
        return ("policy", decl.name.key)
    if isinstance(decl, s.EndpointDecl):
        return ("endpoint", decl.name.key)
    return None


# ------------------------------------------------------------------ the files being edited


class _Files:
    """The texts being edited, in the loader's order, parsed again when they change."""

    def __init__(self, texts: Mapping[str, str], order: Sequence[str]):
        self._texts = dict(texts)
        self.order = [path for path in order if path in self._texts]
        self.changed: list[str] = []
        self._parsed: dict[str, tuple[str, list[s.Declaration]]] = {}

    def text(self, path: str) -> str:
        return self._texts.get(path, "")

    def set(self, path: str, text: str) -> None:
        self._texts[path] = text
        if path not in self.order:
            self.order.append(path)
        if path not in self.changed:
            self.changed.append(path)

    def declarations(self, path: str) -> list[s.Declaration]:
        text = self.text(path)
        cached = self._parsed.get(path)
        if cached is None or cached[0] is not text:
            cached = (text, parse_file(text, path).declarations)
            self._parsed[path] = cached
        return cached[1]

    def blocks(self, key: tuple[str, str]) -> list[tuple[str, Any]]:
        """Every top-level block of the entity, `replace` ones included, in reading order."""
        return [(path, decl) for path in self.order for decl in self.declarations(path) if entity_key(decl) == key]

    def account_file(self, account: str) -> str | None:
        """Where a new entity of `account` belongs: with the account's other entities, else with the account."""
        for path in self.order:
            if any(entity_key(d) is not None and _name(d).account == account for d in self.declarations(path)):
                return path
        for path in self.order:
            if any(isinstance(d, s.AccountDecl) and d.name == account for d in self.declarations(path)):
                return path
        return None


def _name(decl: Any) -> s.Name:
    return decl.decl.name if isinstance(decl, s.ReplaceDecl) else decl.name


class _Editor:
    """Places the declarations of one change."""

    def __init__(self, files: _Files, text: str, default: str | None, into: str | None):
        self.files = files
        self.text = text
        self.starts = _line_starts(text)
        self.default = default
        self.into = into

    # ---------------------------------------------------------------- where things go
    def place(self, decl: Any) -> tuple[str, str]:
        if isinstance(decl, s.ReplaceDecl):
            return self._replace(decl)
        key = entity_key(decl)
        if key is None:
            path = self.into or self._home(decl) or self._fallback(decl)
            self._append(path, decl)
            return path, f"appends {describe(decl)}"
        blocks = self.files.blocks(key)
        if self.into is not None:
            self._append(self.into, decl)
            return self.into, f"{'adds to' if blocks else 'new'} {describe(decl)}"
        last_replace = max((i for i, (_, b) in enumerate(blocks) if isinstance(b, s.ReplaceDecl)), default=None)
        if last_replace is not None:
            # blocks read before a file's own `replace` are dropped: add after it, in its file
            path = blocks[last_replace][0]
            self._append(path, decl)
            return path, f"adds to {describe(decl)}"
        if not blocks:
            path = self.files.account_file(decl.name.account) or self._fallback(decl)
            self._append(path, decl)
            return path, f"new {describe(decl)}"
        path, first = blocks[0]
        if _insertable(first, decl):
            self._insert_items(path, first, decl)
        else:
            self._append(path, decl)
        return path, f"adds to {describe(decl)}"

    def _home(self, decl: Any) -> str | None:
        """The file a non-block declaration belongs in, when one stands out."""
        if isinstance(decl, s.AccountDecl):
            return self.files.account_file(decl.name)
        if isinstance(decl, s.DelegateDecl):
            for item in decl.resources:
                if item.name is not None:
                    found = self.files.blocks(("resource", item.name.key))
                    if found:
                        return found[0][0]
        return None

    def _fallback(self, decl: Any) -> str:
        if self.default is None:
            raise SaveError(f"no file is loaded to hold {describe(decl)}; give one: `:save FILE`")
        return self.default

    # ---------------------------------------------------------------- edits
    def _append(self, path: str, decl: Any) -> None:
        lo, hi = self._chunk(decl)
        self.files.set(path, append_declaration(self.files.text(path), _relocated(self.text, [decl], lo, hi, path)))

    def _insert_items(self, path: str, block: Any, decl: Any) -> None:
        items = decl.body.statements if isinstance(decl, s.ManagedPolicyDecl) else decl.items
        for item in items:
            lo, hi = self._offset(item.span.line, item.span.column), self._offset(item.span.end_line, item.span.end_column)
            item_text = _dedent_continuation(_relocated(self.text, [item], lo, hi, path), item.span.column)
            self.files.set(path, insert_statement(self.files.text(path), block.span, item_text, name=path))

    def _replace(self, decl: s.ReplaceDecl) -> tuple[str, str]:
        inner = decl.decl
        lo, hi = self._offset(inner.span.line, inner.span.column), self._offset(inner.span.end_line, inner.span.end_column)
        blocks = self.files.blocks(entity_key(decl))
        home = self.into or (blocks[0][0] if blocks else None)
        new_text = _relocated(self.text, [inner], lo, hi, home) if home else None
        by_file: dict[str, list[Span]] = {}
        for path, block in blocks:
            by_file.setdefault(path, []).append(block.span)
        for path, spans in by_file.items():
            first_here = self.into is None and path == blocks[0][0]
            self.files.set(path, _remove_blocks(self.files.text(path), spans, new_text if first_here else None))
        if self.into is not None:
            self.files.set(self.into, append_declaration(self.files.text(self.into), new_text))
            return self.into, f"replaces {describe(decl)}"
        if not blocks:
            path = self.files.account_file(inner.name.account) or self._fallback(decl)
            self.files.set(path, append_declaration(self.files.text(path), _relocated(self.text, [inner], lo, hi, path)))
            return path, f"new {describe(decl)}"
        count = len(blocks)
        return blocks[0][0], f"replaces {describe(decl)}" + (f" ({count} blocks)" if count > 1 else "")

    # ---------------------------------------------------------------- text positions
    def _offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1  # lark counts lines and columns from 1

    def _chunk(self, decl: Any) -> tuple[int, int]:
        """The declaration's text, with the comment that ends its last line."""
        lo = self._offset(decl.span.line, decl.span.column)
        hi = self._offset(decl.span.end_line, decl.span.end_column)
        line_end = self.text.find("\n", hi)
        line_end = len(self.text) if line_end == -1 else line_end
        if self.text[hi:line_end].strip().startswith("#"):
            hi = line_end
        return lo, hi


def _insertable(existing: Any, typed: Any) -> bool:
    """Whether the typed block's items can go into the existing block without losing its header."""
    if type(existing) is not type(typed):
        return False
    if isinstance(typed, s.EntityDecl):
        return existing.kind == typed.kind
    if isinstance(typed, s.ResourceDecl):
        same = (existing.type, existing.value) == (typed.type, typed.value)
        return same and typed.region in (None, existing.region)
    if isinstance(typed, s.EndpointDecl):
        return existing.id == typed.id
    if isinstance(typed, s.ManagedPolicyDecl):
        return existing.body.kind == typed.body.kind == "block"
    return False


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, char in enumerate(text) if char == "\n")
    return starts


def _remove_blocks(text: str, spans: list[Span], replacement: str | None) -> str:
    """`text` without the blocks at `spans`; the first one gives way to `replacement` when there is one."""
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    ordered = sorted(spans, key=lambda sp: (sp.line, sp.column))
    first = ordered[0]
    for span in reversed(ordered):
        lo, hi = offset(span.line, span.column), offset(span.end_line, span.end_column)
        if span is first and replacement is not None:
            text = text[:lo] + replacement.strip() + text[hi:]
            continue
        text = text[:lo] + text[hi:]
        line_start = text.rfind("\n", 0, lo) + 1
        line_end = text.find("\n", lo)
        line_end = len(text) if line_end == -1 else line_end
        if not text[line_start:line_end].strip():  # the block had the line to itself: the line goes too
            text = text[:line_start] + text[line_end + 1 :]
            if text[max(line_start - 2, 0) : line_start] == "\n\n" and text[line_start : line_start + 1] == "\n":
                text = text[:line_start] + text[line_start + 1 :]  # and so does a second blank line
    return text


def _dedent_continuation(text: str, column: int) -> str:
    """An item typed over several lines, with its continuation lines relative to its first."""
    first, _, rest = text.partition("\n")
    if not rest:
        return text
    indent = " " * (column - 1)
    lines = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in rest.split("\n")]
    return first + "\n" + "\n".join(lines)


# ------------------------------------------------------------------ paths in `include` and `from`


def _relocated(text: str, nodes: Sequence[Any], lo: int, hi: int, destination: str) -> str:
    """`text[lo:hi]` with its `include` and `from` paths made relative to the destination's folder.

    Typed at the prompt they were relative to the working directory; in a file
    they are relative to the file.
    """
    chunk = text[lo:hi]
    folder = os.path.dirname(os.path.abspath(destination))
    if os.path.normcase(folder) == os.path.normcase(os.getcwd()):
        return chunk
    starts = _line_starts(text)
    edits = []
    for node in _path_nodes(nodes):
        start = starts[node.span.line - 1] + node.span.column - 1
        end = starts[node.span.end_line - 1] + node.span.end_column - 1
        if lo <= start and end <= hi:
            keyword = "include" if isinstance(node, s.IncludeDecl) else "from"
            edits.append((start, end, f"{keyword} {json.dumps(_moved(node.path, folder))}"))
    for start, end, new in sorted(edits, reverse=True):
        chunk = chunk[: start - lo] + new + chunk[end - lo :]
    return chunk


def _moved(path: str, folder: str) -> str:
    if os.path.isabs(path):
        return path
    return os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")


def _path_nodes(nodes: Sequence[Any]) -> list[Any]:
    """Every `include` declaration and `from "file"` policy body under `nodes`."""
    found: list[Any] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, s.IncludeDecl) or (isinstance(node, s.PolicyBody) and node.kind == "file" and node.path):
            found.append(node)
        elif isinstance(node, list):
            stack.extend(node)
        elif dataclasses.is_dataclass(node) and not isinstance(node, (s.JsonValue, s.Name, Span)):
            stack.extend(getattr(node, f.name) for f in dataclasses.fields(node))
    return found
