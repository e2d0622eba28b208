"""Writing HCL (Terraform's language): values, expressions and blocks.

Stage: interop (a small printer used by terraform.py).

Only what an export needs: strings, numbers, booleans, lists and objects as
literals, references and function calls as expressions, and blocks.  The
layout follows `terraform fmt`: two-space indents, and the `=` of
consecutive one-line attributes aligned.  Strings are escaped for HCL's
templates as well as for its quotes: a policy variable such as
`${aws:username}` must reach AWS as written, so it is written `$${aws:username}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

INDENT = "  "
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # no `-`: a reader could take `a-b` for a subtraction
_KEYWORDS = {"true", "false", "null", "for", "in", "if", "endfor", "endif", "else"}
_LINE_WIDTH = 100  # a list longer than this on one line is written one item a line


@dataclass(frozen=True, slots=True)
class Expr:
    """An expression written as it is: a reference such as `aws_iam_role.app.name`."""

    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call with one argument, such as `jsonencode({...})`."""

    function: str
    argument: "Value"


Value = Union[str, int, bool, None, list, dict, Expr, Call]


@dataclass(slots=True)
class Block:
    """`type "label" … { attributes and blocks, in order }`."""

    type: str
    labels: tuple[str, ...] = ()
    body: list[tuple[str, Value] | "Block"] = field(default_factory=list)
    comment: str | None = None

    def set(self, name: str, value: Value) -> "Block":
        self.body.append((name, value))
        return self

    def add(self, block: "Block") -> "Block":
        self.body.append(block)
        return block


def string(text: str) -> str:
    """A quoted HCL string whose value is exactly `text`."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    escaped = "".join(out)
    # `${` and `%{` open template sequences; doubling the first character makes them literal
    escaped = escaped.replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def is_identifier(name: str) -> bool:
    return bool(_IDENTIFIER.fullmatch(name))


def _key(name: str) -> str:
    """An object key: bare when it is an identifier (HCL takes it literally), quoted otherwise."""
    return name if _BARE_KEY.fullmatch(name) and name not in _KEYWORDS else string(name)


def value(item: Value, level: int) -> str:
    """`item` as an HCL expression starting at indent `level` (its later lines indented to match)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if item is None:
        return "null"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        return string(item)
    if isinstance(item, Expr):
        return item.text
    if isinstance(item, Call):
        return f"{item.function}({value(item.argument, level)})"
    if isinstance(item, list):
        return _list(item, level)
    if isinstance(item, dict):
        return _object(item, level)
    raise TypeError(f"no HCL form for {type(item).__name__}")


def _one_line(item: Value) -> bool:
    return not isinstance(item, (list, dict, Call)) or (isinstance(item, list) and all(_one_line(i) for i in item))


def _list(items: list, level: int) -> str:
    if not items:
        return "[]"
    if all(_one_line(i) and not isinstance(i, list) for i in items):
        flat = "[" + ", ".join(value(i, level) for i in items) + "]"
        if len(flat) + len(INDENT) * level <= _LINE_WIDTH:
            return flat
    inner = INDENT * (level + 1)
    lines = ["["] + [f"{inner}{value(i, level + 1)}," for i in items] + [INDENT * level + "]"]
    return "\n".join(lines)


def _object(items: dict, level: int) -> str:
    if not items:
        return "{}"
    rows = [(_key(str(key)), val) for key, val in items.items()]
    return "{\n" + "\n".join(_attributes(rows, level + 1)) + "\n" + INDENT * level + "}"


def _attributes(rows: list[tuple[str, Value]], level: int) -> list[str]:
    """`name = value` lines, with the `=` of each run of one-line values aligned."""
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(name) for name, _ in run), default=0)
        lines.extend(f"{INDENT * level}{name.ljust(width)} = {text}" for name, text in run)
        run.clear()

    for name, item in rows:
        text = value(item, level)
        if "\n" in text:
            flush()
            lines.append(f"{INDENT * level}{name} = {text}")
        else:
            run.append((name, text))
    flush()
    return lines


def block(item: Block, level: int = 0) -> str:
    labels = "".join(f" {string(label)}" for label in item.labels)
    lines: list[str] = []
    if item.comment:
        lines.extend(f"{INDENT * level}# {line}".rstrip() for line in item.comment.splitlines())
    if not item.body:
        lines.append(f"{INDENT * level}{item.type}{labels} {{}}")
        return "\n".join(lines)
    lines.append(f"{INDENT * level}{item.type}{labels} {{")
    pending: list[tuple[str, Value]] = []

    def flush() -> None:
        lines.extend(_attributes(pending, level + 1))
        pending.clear()

    for entry in item.body:
        if isinstance(entry, Block):
            flush()
            if lines[-1].strip() != "{" and not lines[-1].endswith("{"):
                lines.append("")
            lines.append(block(entry, level + 1))
        else:
            pending.append(entry)
    flush()
    lines.append(INDENT * level + "}")
    return "\n".join(lines)


def document(blocks: list[Block], header: str | None = None) -> str:
    """A whole .tf file: the blocks, one blank line apart."""
    parts = []
    if header:
        parts.append("\n".join(f"# {line}".rstrip() for line in header.splitlines()))
    parts.extend(block(b) for b in blocks)
    return "\n\n".join(parts) + "\n"
