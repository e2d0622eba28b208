"""The canonical formatter, and edits that leave the rest of a file alone.

Stage: text -> text (beside the pipeline: it never builds a model).

`format_source` lays a file out the one canonical way while keeping
everything the user wrote: every comment, every piece of shorthand (verbs,
condition sugar, `self`, the order of statements), every token.  It works
from a parse tree that keeps all tokens, so it only ever changes the space
between them:

- each declaration and each item of a `{ … }` block starts its own line,
  indented four spaces per block;
- inside one statement or declaration, tokens are one space apart, lists read
  `[a, b]` and `A.repo`, and a line break the user made is kept as a
  continuation line (indented by the brackets open at that point, or by four
  spaces), so long statements and embedded JSON stay as the user broke them;
- runs of blank lines become one blank line, and blank lines at the start or
  end of a block go;
- a comment on its own line stays on its own line, at the indentation of what
  follows it; a comment after code stays after that code, at its column if
  there is room.

The output has the same tokens in the same order as the input (checked every
time), so it loads to the same model, and formatting it again changes nothing.

`insert_statement` and `append_declaration` edit a file by inserting text
only, so that the REPL's `:save` and suggested fixes touch nothing else.
The model -> text printer lives in `printer.py` and is re-exported here.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Iterator

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from iamdsl.language import syntax as s
from iamdsl.language.errors import IamdslError
from iamdsl.language.parser import Comment, grammar_path, parse
from iamdsl.language.printer import NotExpressible, comparable, print_model, print_policy_json, print_statement
from iamdsl.language.transformer import parse_file
from iamdsl.model import Span

__all__ = [
    "NotExpressible",
    "append_declaration",
    "comparable",
    "format_source",
    "insert_statement",
    "print_model",
    "print_policy_json",
    "print_statement",
]

INDENT = 4
# Rules whose braces hold items, one per line.  Other braces (tags, `only {…}`,
# sessions, JSON) are brackets within one statement.
_BLOCKS = frozenset(
    {"account_body", "organization", "ou", "org_account", "identity_body", "resource_body", "endpoint_body", "block"}
)
_TIGHT_BRACES = frozenset({"json_object", "only_expect"})  # `{"a": 1}` and `{B.X, B.Y}`, not `{ a = "b" }`
_OPENERS, _CLOSERS = frozenset("{["), frozenset("}]")


_comments: list[Token] = []
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _layout_parser() -> Lark:
    """The grammar's parser, keeping every token, keywords and punctuation included."""
    return Lark.open(
        str(grammar_path()),
        parser="lalr",
        start="start",
        propagate_positions=True,
        maybe_placeholders=True,
        keep_all_tokens=True,
        cache=True,
        lexer_callbacks={"COMMENT": _comments.append},
    )


def _parse_layout(text: str, name: str) -> tuple[Tree, tuple[Comment, ...]]:
    """The tree with every token, and the comments; a syntax error raises the usual E001."""
    with _lock:
        _comments.clear()
        try:
            tree = _layout_parser().parse(text)
        except UnexpectedInput:
            tree = None
        comments = tuple(Comment(str(t), t.line, t.column) for t in _comments)
        _comments.clear()
    if tree is None:
        parse(text, name)  # the language's own parser says where and why
        raise AssertionError("the two parsers of one grammar disagree")  # pragma: no cover
    return tree, comments


@dataclass(frozen=True, slots=True)
class _Tok:
    """A token with the rule it stands in, which decides the spaces around it."""

    text: str
    rule: str
    line: int
    column: int
    end_line: int

    @property
    def position(self) -> tuple[int, int]:
        return (self.line, self.column)


class _Layout:
    """Writes tokens and comments out line by line.

    A comment is written when the next token (or block boundary) after it is
    reached, so comments need no place in the tree.
    """

    def __init__(self, comments: tuple[Comment, ...]):
        self.lines: list[str] = []
        self.line: str | None = None  # the line being written
        self.closed = False  # the line ends in a comment: nothing more goes on it
        self.comments = sorted(comments, key=lambda c: (c.line, c.column))
        self.next_comment = 0
        self.last_line = 0  # source line of the last token or comment written
        self.block_start = True  # nothing written yet in the innermost block (or file)
        self.base = 0  # indentation of the current statement
        self.origin = 1  # source column of the current statement's first token
        self.depth = 0  # brackets open in the current statement
        self.previous: _Tok | None = None

    # ---------------------------------------------------------------- lines
    def _end_line(self) -> None:
        if self.line is not None:
            self.lines.append(self.line.rstrip())
        self.line, self.closed = None, False

    def _new_line(self, indent: int, source_line: int, *, blank_allowed: bool) -> None:
        self._end_line()
        if blank_allowed and not self.block_start and source_line - self.last_line >= 2:
            self.lines.append("")
        self.line = " " * indent
        self.block_start = False

    def _continuation_indent(self, column: int, *, closer: bool = False, least: int = INDENT) -> int:
        """Inside brackets, four spaces a bracket; outside, the user's own indentation
        relative to the statement's start (alignment under `when` stays), at least `least`."""
        if closer:
            return self.base + INDENT * max(self.depth - 1, 0)
        if self.depth:
            return self.base + INDENT * self.depth
        return self.base + max(least, column - self.origin)

    # ---------------------------------------------------------------- comments
    def _pending(self, before: tuple[int, int] | None) -> Iterator[Comment]:
        while self.next_comment < len(self.comments):
            comment = self.comments[self.next_comment]
            if before is not None and (comment.line, comment.column) >= before:
                return
            self.next_comment += 1
            yield comment

    def _comment(self, comment: Comment, own_line_indent: int, *, trailing_line: int | None = None) -> None:
        text = comment.text.rstrip()
        if self.line is not None and comment.line == (trailing_line or self.last_line):
            column = max(comment.column - 1, len(self.line.rstrip()) + 2)
            self.line = self.line.rstrip().ljust(column) + text
            self.closed = True
        else:
            self._new_line(own_line_indent, comment.line, blank_allowed=True)
            self.line += text
            self.closed = True
        self.last_line = comment.line

    def comments_before(self, position: tuple[int, int] | None, own_line_indent: int | None) -> None:
        for comment in self._pending(position):
            indent = own_line_indent if own_line_indent is not None else self._continuation_indent(comment.column)
            self._comment(comment, indent)

    # ---------------------------------------------------------------- statements and blocks
    def start_item(self, indent: int, first: _Tok) -> None:
        """Begin a declaration or block item on its own line."""
        self.comments_before(first.position, indent)
        self._new_line(indent, first.line, blank_allowed=True)
        self.base, self.origin, self.depth, self.previous = indent, first.column, 0, None

    def token(self, tok: _Tok) -> None:
        closer = tok.text in _CLOSERS
        self.comments_before(tok.position, None)
        if self.line is None:  # only the file's first token can get here
            self._new_line(self.base, tok.line, blank_allowed=False)
        elif self.previous is not None and (self.closed or tok.line > self.last_line):
            # a statement may put its `sid` on a line of its own
            least = 0 if tok.rule == "effect" and self.previous.rule == "sid" else INDENT
            self._new_line(self._continuation_indent(tok.column, closer=closer, least=least), tok.line, blank_allowed=False)
        elif self.previous is not None and _space_between(self.previous, tok):
            self.line += " "
        self.line += tok.text
        if tok.text in _OPENERS:
            self.depth += 1
        elif closer:
            self.depth = max(self.depth - 1, 0)
        self.previous, self.last_line = tok, tok.end_line

    def open_block(self, brace: _Tok, inner_indent: int) -> None:
        """`{` ends the line it opens; comments before it move inside the block."""
        header_line = self.last_line
        moved = list(self._pending(brace.position))
        if self.line is not None and self.line.strip():
            self.line += " "
        self.line = (self.line or "") + "{"
        self.last_line = brace.end_line
        self.block_start = True
        for comment in moved:
            self._comment(comment, inner_indent, trailing_line=header_line if comment is moved[0] else None)

    def close_block(self, brace: _Tok, indent: int) -> None:
        self.comments_before(brace.position, indent + INDENT)
        if self.block_start and not self.closed:  # an empty block: `{}`
            self.line += "}"
        else:
            self._end_line()
            self.line = " " * indent + "}"
        self.block_start = False
        self.base, self.depth = indent, 0
        self.previous, self.last_line = _Tok("}", "block", brace.line, brace.column, brace.end_line), brace.end_line

    def finish(self) -> str:
        self.comments_before(None, 0)
        self._end_line()
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""


def _space_between(previous: _Tok, tok: _Tok) -> bool:
    before, text = previous.text, tok.text
    if text == "," or text == "]" or before == "[":
        return False
    if text == "." or before == "." or text == "/" or before == "/":  # `A.repo`, `A.bucket/*`
        return False
    if text == ":" and tok.rule == "json_pair":
        return False
    if before == "{" and text == "}":
        return False
    if (before == "{" and previous.rule in _TIGHT_BRACES) or (text == "}" and tok.rule in _TIGHT_BRACES):
        return False
    return True


# ------------------------------------------------------------------ walking the tree


def _first_token(tree: Tree) -> Token:
    return next(tree.scan_values(lambda value: isinstance(value, Token)))  # every item has a keyword


def _tok(token: Token, rule: str) -> _Tok:
    return _Tok(str(token), rule, token.line, token.column, token.end_line or token.line)


class _Walker:
    def __init__(self, layout: _Layout):
        self.out = layout

    def items(self, items: list[Tree], indent: int) -> None:
        for item in items:
            self.out.start_item(indent, _tok(_first_token(item), ""))
            self.node(item, indent)

    def node(self, tree: Tree, indent: int) -> None:
        children = [c for c in tree.children if c is not None]
        braces = [i for i, c in enumerate(children) if isinstance(c, Token) and c == "{"]
        if tree.data in _BLOCKS and braces:
            opening = braces[0]
            self.children(tree.data, children[:opening], indent)
            items = children[opening + 1 : -1]
            if children[opening].line == self.out.last_line and _one_line_block(children[opening], children[-1], items):
                self.children(tree.data, [children[opening], items[0], children[-1]], indent)
                return
            self.out.open_block(_tok(children[opening], tree.data), indent + INDENT)
            self.items(items, indent + INDENT)
            self.out.close_block(_tok(children[-1], tree.data), indent)
        else:
            self.children(tree.data, children, indent)

    def children(self, rule: str, children: list[Tree | Token], indent: int) -> None:
        for child in children:
            if isinstance(child, Token):
                self.out.token(_tok(child, rule))
            else:
                self.node(child, indent)


def _one_line_block(opening: Token, closing: Token, items: list) -> bool:
    """A block of one item the user wrote on one line stays on it: `trust { allow assume to … }`.

    Blocks nested in that item must be of the same kind (or empty).
    """
    if len(items) != 1 or opening.line != closing.line:
        return False
    for nested in items[0].iter_subtrees():
        nested_items = [c for c in nested.children if c is not None]
        if nested.data in _BLOCKS and any(isinstance(c, Token) and c == "{" for c in nested_items):
            opening_index = next(i for i, c in enumerate(nested_items) if isinstance(c, Token) and c == "{")
            if len(nested_items) - opening_index - 2 > 1:
                return False
    return True


def _tokens(tree: Tree) -> list[tuple[str, str]]:
    return [(t.type, str(t)) for t in tree.scan_values(lambda v: isinstance(v, Token))]


def format_source(text: str, name: str = "<input>") -> str:
    """The canonical layout of `text`, keeping its comments and shorthand.

    Raises IamdslError (E001) if `text` does not parse.
    """
    text = text.replace("\r\n", "\n")
    tree, comments = _parse_layout(text, name)
    layout = _Layout(comments)
    _Walker(layout).items([c for c in tree.children if c is not None], 0)
    result = layout.finish()
    _check_same_tokens(tree, comments, result, name)
    return result


def _check_same_tokens(tree: Tree, comments: tuple[Comment, ...], result: str, name: str) -> None:
    """The formatter may move space and nothing else; a bug here must not reach a file."""
    expected = (_tokens(tree), [c.text.rstrip() for c in sorted(comments, key=lambda c: (c.line, c.column))])
    try:
        after, after_comments = _parse_layout(result, name)
        found = (_tokens(after), [c.text.rstrip() for c in after_comments])
    except IamdslError:
        found = None
    if found != expected:
        raise RuntimeError(f"formatting {name} would change its tokens or comments; please report this file")


# ------------------------------------------------------------------ edits that insert only

_ENTITY_KINDS = ("role", "user", "group")
_NEW_BLOCK_KINDS = _ENTITY_KINDS + ("policy",)


def _offsets(text: str) -> list[int]:
    """The offset where each line starts (line 1 is index 0)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _declaration_name(decl: s.Declaration) -> tuple[str, str] | None:
    """(kind, qualified name) of a declaration that holds statements."""
    if isinstance(decl, s.EntityDecl):
        return decl.kind, decl.name.key
    if isinstance(decl, s.ResourceDecl):
        return "resource", decl.name.key
    if isinstance(decl, s.EndpointDecl):
        return "endpoint", decl.name.key
    if isinstance(decl, s.ManagedPolicyDecl) and decl.body.kind == "block":
        return "policy", decl.name.key
    return None


def _find(declarations: list[s.Declaration], target: str | Span, name: str) -> s.Declaration | None:
    if isinstance(target, Span):
        if name != "<input>" and target.file != name:
            raise ValueError(f"the span {target} is in `{target.file}`, not in `{name}`")
        for decl in declarations:
            span = decl.span
            if (span.line, span.column) <= (target.line, target.column) <= (span.end_line, span.end_column):
                return decl
        return None
    kind, _, qualified = target.strip().rpartition(" ")
    for decl in declarations:
        found = _declaration_name(decl)
        if found is not None and found[1] == qualified and kind in ("", found[0]):
            return decl
    return None


def insert_statement(text: str, target: str | Span, statement_text: str, name: str = "<input>") -> str:
    """Add a statement at the end of a block of `text`, inserting text and changing nothing else
    (but the spaces before a `}` that shares its line with the block's last item).

    `target` names the block: `"B.SomeRole"`, `"role B.SomeRole"`, `"resource A.repo"`,
    `"policy A.Managed"`, or the span of a declaration (a model node's `span`).  The
    statement goes into the first block that declares it; a declaration without a
    body gets one.  When no block declares it and `target` says its kind (a role,
    user, group or managed policy), a new block is appended.  Raises IamdslError if
    the result does not parse, and ValueError if there is no place for the statement.
    """
    statement_text = statement_text.strip()
    source = parse_file(text, name)
    decl = _find(source.declarations, target, name)
    if decl is None:
        kind, _, qualified = str(target).strip().rpartition(" ") if isinstance(target, str) else ("", "", "")
        if not kind:
            raise ValueError(f"no block declares `{target}`; to add one, say its kind, such as `role {target}`")
        if kind not in _NEW_BLOCK_KINDS:
            raise ValueError(f"no block declares `{qualified}`, and a new {kind} needs more than a name: declare it first")
        result = append_declaration(text, f"{kind} {qualified} {{\n{' ' * INDENT}{statement_text}\n}}")
    elif _declaration_name(decl) is None:
        raise ValueError(f"`{target}` does not hold statements")
    else:
        result = _insert_into(text, decl, statement_text)
    parse_file(result, name)  # a statement that does not parse must not reach the file
    return result


def _insert_into(text: str, decl: s.Declaration, statement_text: str) -> str:
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1  # lark counts lines and columns from 1

    span = decl.span
    end = offset(span.end_line, span.end_column)
    line_start = starts[span.line - 1]
    outer = re.match(r"[ \t]*", text[line_start:]).group(0)
    items = getattr(decl, "items", None) or (decl.body.statements if isinstance(decl, s.ManagedPolicyDecl) else [])
    inner = outer + " " * INDENT
    if items:
        first = items[0].span
        before = text[starts[first.line - 1] : offset(first.line, first.column)]
        if not before.strip():
            inner = before
    statement_text = statement_text.replace("\n", "\n" + inner)  # a statement broken over lines keeps its shape
    if text[end - 1 : end] != "}":  # no body yet: open one after the declaration, close it after its line's comment
        line_end = text.find("\n", end)
        line_end = len(text) if line_end == -1 else line_end
        rest = text[end:line_end].strip()
        if rest and not rest.startswith("#"):
            return text[:end] + f" {{\n{inner}{statement_text}\n{outer}}}" + text[end:]
        return text[:end] + " {" + text[end:line_end] + f"\n{inner}{statement_text}\n{outer}}}" + text[line_end:]
    close = end - 1
    close_line_start = text.rfind("\n", 0, close) + 1
    if not text[close_line_start:close].strip():  # `}` on its own line
        return text[:close_line_start] + f"{inner}{statement_text}\n" + text[close_line_start:]
    # `{ … }` on one line: the statement and the `}` each get a line (only the spaces before `}` go)
    last = len(text[:close].rstrip(" \t"))
    return text[:last] + f"\n{inner}{statement_text}\n{outer}" + text[close:]


def append_declaration(text: str, declaration_text: str) -> str:
    """`text` with a declaration added at its end, after a blank line; nothing else changes."""
    declaration_text = declaration_text.strip("\n") + "\n"
    if not text.strip():
        return text + declaration_text
    if not text.endswith("\n"):
        text += "\n"
    if not text.endswith("\n\n"):
        text += "\n"
    return text + declaration_text
