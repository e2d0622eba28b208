"""Text to syntax tree, with located syntax errors.

Stage: text -> lark tree.

One LALR parser is built from `grammar/iamdsl.lark` and cached for the life of
the process (and on disk by lark's own cache).  Syntax errors become `E001`
diagnostics that name what the parser would have accepted, in words a person
knows ("a name", `{`), never lark's terminal names.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iamdsl.language.errors import Diagnostic, IamdslError
from iamdsl.model import Span

START_RULES = ("start", "query", "json_object")

# Friendly names of the grammar's regex terminals, for "expected …" messages.
_TERMINAL_NAMES = {
    "IDENT": "a name",
    "PNAME": "a prefixed name such as `s3:GetObject`",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "CIDR": "an IP range",
    "QMARK": "`?`",
}


def grammar_path() -> Path:
    """The grammar file: inside the installed package, or in a source checkout."""
    shipped = resources.files("iamdsl") / "grammar" / "iamdsl.lark"
    if shipped.is_file():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[2] / "grammar" / "iamdsl.lark"


_comments: list[Token] = []
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark.open(
        str(grammar_path()),
        parser="lalr",
        start=list(START_RULES),
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
        lexer_callbacks={"COMMENT": _comments.append},
    )


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Parsed:
    tree: Tree
    comments: tuple[Comment, ...]


def parse(text: str, file: str = "<input>", start: str = "start") -> Parsed:
    """Parse `text` from the rule `start`, raising IamdslError on a syntax error."""
    with _lock:
        _comments.clear()
        try:
            tree = parser().parse(text, start=start)
        except UnexpectedInput as error:
            raise IamdslError([syntax_diagnostic(error, text, file)], {file: text}) from None
        comments = tuple(Comment(str(t), t.line, t.column) for t in _comments)
        _comments.clear()
    too_deep = _deeper_than(tree, MAX_DEPTH, text)
    if too_deep is not None:
        raise IamdslError([_depth_diagnostic(too_deep, file)], {file: text})
    return Parsed(tree, comments)


# Levels of the syntax tree the later stages walk (recursively); a real file
# needs a few dozen, and Python's stack would run out in the hundreds.
MAX_DEPTH = 100


def _deeper_than(tree: Tree, limit: int, text: str) -> Tree | None:
    """The first node nested more than `limit` levels deep, found without recursion."""
    if text.count("{") + text.count("[") < limit // 3:
        # Only brackets nest without bound (JSON, `ou`), each adding at most two
        # levels to the dozen a statement needs: too few of them cannot go deep.
        return None
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


def _depth_diagnostic(node: Tree, file: str) -> Diagnostic:
    meta = node.meta
    line, column = (1, 1) if getattr(meta, "empty", True) else (meta.line, meta.column)
    return Diagnostic(
        "E001",
        "this is nested too deeply to read",
        Span(file=file, line=line, column=column, end_line=line, end_column=column + 1),
        help="iamdsl reads a few dozen levels of nested `{ }` and `[ ]`; real policies and organizations need only a few",
    )


def describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    if name == "$END":
        return "the end of the input"
    for terminal in parser().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return f"`{terminal.pattern.value}`"
    return name.lower()


def expected_words(names: set[str] | frozenset[str]) -> list[str]:
    """Accepted terminals as sorted, de-duplicated words; keywords first."""
    words = {describe_terminal(n) for n in names}
    return sorted(words, key=lambda w: (not w.startswith("`"), w))


def syntax_diagnostic(error: UnexpectedInput, text: str, file: str) -> Diagnostic:
    line, column = getattr(error, "line", 1), getattr(error, "column", 1)
    if not isinstance(line, int) or line < 1:
        line, column = _end_position(text)
    found_text = ""
    width = 1
    if isinstance(error, UnexpectedToken):
        # `accepts` is exact (it follows the reductions the lookahead allows);
        # `expected` can miss keywords such as `account` after `to`.
        expected = error.accepts or error.expected
        if error.token.type == "$END":
            line, column = _end_position(text)
            found = "end of input"
        else:
            found_text = str(error.token)
            found = f"`{found_text}`"
            width = max(1, len(found_text.splitlines()[0]) if found_text else 1)
    elif isinstance(error, UnexpectedCharacters):
        expected = error.allowed or set()
        found_text = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        if not found_text:
            found = "end of input"
        elif found_text.isprintable():
            found = f"`{found_text}`"
        else:  # a control or invisible character: name it, so the message shows what to look for
            found = f"character U+{ord(found_text):04X}"
    elif isinstance(error, UnexpectedEOF):
        expected = set(error.expected)
        line, column = _end_position(text)
        found = "end of input"
    else:  # pragma: no cover - lark has no other subclasses today
        expected, found = set(), "this"
    words = expected_words(set(expected))
    span = Span(file=file, line=line, column=column, end_line=line, end_column=column + width)
    if len(words) > 12:
        listing = ", ".join(words[:12]) + f" (or {len(words) - 12} more)"
    else:
        listing = ", ".join(words)
    message = f"unexpected {found}" + (f"; expected one of: {listing}" if words else "")
    return Diagnostic("E001", message, span, help=_hint(found_text, set(expected), text, line))


def _hint(found: str, expected: set[str], text: str, line: int) -> str | None:
    """Targeted advice for mistakes people make often."""
    source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    stripped = source_line.strip()
    if stripped.startswith(("allow ", "deny ")) and found == "." and "to" not in stripped.split()[1:2]:
        return "a statement reads `allow ACTIONS [on RESOURCES] [to PRINCIPALS] [when CONDITIONS]`"
    if found in ("=",) and "==" in {describe_terminal(e).strip("`") for e in expected}:
        return "compare with `==`; a single `=` is only used in `with` clauses and tags"
    if found == "&&" or found == "&":
        return "join conditions with `and`"
    if found.startswith("'"):
        return "strings use double quotes"
    if found == '"':  # no STRING could be read from here
        return "a string closes on the line it opens, holds no tabs or other control characters, and takes only JSON's escapes (`\\\"`, `\\\\`, `\\n`, `\\uXXXX`, …)"
    if "ANYONE" in expected:  # right after `to`: the principal is missing or misspelt
        return "name who it is for, such as `account B`, `B.SomeRole`, `anyone` or `service sns.amazonaws.com`"
    return None


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def token_span(token: Token, file: str) -> Span:
    return Span(
        file=file,
        line=token.line,
        column=token.column,
        end_line=token.end_line or token.line,
        end_column=token.end_column or token.column + len(token),
    )


def tree_span(tree: Tree, file: str) -> Span:
    meta = tree.meta
    if getattr(meta, "empty", True):
        return Span(file=file, line=1, column=1, end_line=1, end_column=1)
    return Span(file=file, line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column)
