"""Completion that knows the grammar, the model and AWS's catalogue.

Stage: the REPL's terminal side (prompt_toolkit); it reads the session, never changes it.

What to offer at the cursor comes from the LALR parser itself: the text before
the word being typed is fed to lark's interactive parser (from both the `start`
and the `query` rules), and the terminals it `accepts()` say which keywords fit
and what kind of name comes next.  `can ` accepts `anonymous`, `service` and a
name, so a principal comes next; `allow ` accepts a prefixed name or a name, so
an action or a verb does; `when ` accepts `any`, so a condition key does.

Names are indexed once per model (the session replaces its model on every
change), and the catalogue is read one service at a time, by the prefix typed
(`s3:`), so a keystroke costs a parse of the input and a few bisections, even
on a model with ten thousand roles.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Sequence

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

__all__ = ["IamdslCompleter", "create_completer", "NameIndex", "accepted_terminals"]

# The word being completed: a name, a reference (`B.Some`), a prefixed name (`s3:Get`).
_WORD = re.compile(r"[A-Za-z0-9_\-.:/*?]*\Z")
_META_LINE = re.compile(r"\A\s*(:\S*)(\s+)?")
# Tokens that a list of names is made of: walking back over them finds the clause keyword.
_NAME_PARTS = frozenset({"IDENT", "DOT", "STRING", "COMMA", "SLASH", "STAR", "PNAME", "NUMBER", "LSQB"})
_BECAUSE = ("explicit", "implicit", "scp", "rcp", "boundary", "session")
_LIMIT = 300  # per kind of name; a menu longer than this is scrolled, never read


class Kind:
    """What a position expects; also the text shown beside each completion."""

    KEYWORD = "keyword"
    PRINCIPAL = "principal"
    RESOURCE = "resource"
    ACCOUNT = "account"
    POLICY = "policy"
    VERB = "verb"
    ACTION = "action"
    SERVICE = "service"
    KEY = "condition key"
    OPERATOR = "operator"
    RESOURCE_TYPE = "resource type"
    REASON = "reason"


# ---------------------------------------------------------------- the grammar


@functools.lru_cache(maxsize=1)
def _keyword_terminals() -> dict[str, str]:
    """Terminal name -> keyword text, for the grammar's word-like literals (`ALLOW` -> `allow`)."""
    from iamdsl.language.parser import parser

    return {
        t.name: t.pattern.value
        for t in parser().terminals
        if t.pattern.type == "str" and t.pattern.value.isalpha()
    }


@dataclass(frozen=True, slots=True)
class Position:
    """What the parser accepts after the text before the word, and the clause it is in."""

    accepts: frozenset[str]
    keyword: str | None  # the nearest token before the word that is not part of a name list


def accepted_terminals(text: str) -> Position | None:
    """The terminals either start rule accepts after `text`; None when neither can read it."""
    from lark.exceptions import LarkError

    from iamdsl.language.parser import parser

    accepts: set[str] = set()
    keyword: str | None = None
    readable = False
    for start in ("start", "query"):
        interactive = parser().parse_interactive(text, start=start)
        try:
            tokens = list(interactive.iter_parse())
            accepts |= interactive.accepts()
        except LarkError:
            continue
        readable = True
        for token in reversed(tokens):
            if token.type not in _NAME_PARTS:
                keyword = token.type
                break
    return Position(frozenset(accepts), keyword) if readable else None


def expected_kinds(position: Position) -> tuple[str, ...]:
    """The kinds of name that fit where the parser stands."""
    accepts, keyword = position.accepts, position.keyword
    if "ANY" in accepts:  # a condition starts: a key, or an operator in IAM's full form
        return (Kind.KEY, Kind.OPERATOR)
    if "PNAME" in accepts:
        if "RBRACE" in accepts:  # a tag's key: anything goes
            return ()
        if "IDENT" in accepts:
            return (Kind.VERB, Kind.ACTION)
        return (Kind.RESOURCE_TYPE,) if keyword == "COLON" else (Kind.KEY,)
    if "IDENT" not in accepts:
        return ()
    if "ANONYMOUS" in accepts or "ANYONE" in accepts:
        return (Kind.PRINCIPAL,)
    if "SELF" in accepts or "STAR" in accepts:
        return (Kind.RESOURCE,)
    return {
        "ACCOUNT": (Kind.ACCOUNT,),
        "MANAGEMENT": (Kind.ACCOUNT,),
        "ROLE": (Kind.PRINCIPAL,),
        "USER": (Kind.PRINCIPAL,),
        "GROUP": (Kind.PRINCIPAL,),
        "OF": (Kind.PRINCIPAL,),
        "RESOURCE": (Kind.RESOURCE,),
        "ATTACH": (Kind.POLICY,),
        "BOUNDARY": (Kind.POLICY,),
        "POLICY": (Kind.POLICY,),
        "VERB": (Kind.VERB,),
        "BECAUSE": (Kind.REASON,),
    }.get(keyword or "", ())


# ---------------------------------------------------------------- names


class _Sorted:
    """Names kept sorted without case, for prefix lookups by bisection."""

    __slots__ = ("keys", "names")

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        ordered = sorted(pairs)
        self.keys = [key for key, _ in ordered]
        self.names = [name for _, name in ordered]

    def starting(self, prefix: str) -> Iterator[str]:
        index = bisect.bisect_left(self.keys, prefix)
        while index < len(self.keys) and self.keys[index].startswith(prefix):
            yield self.names[index]
            index += 1


class NameIndex:
    """The model's names, indexed for completion: by the whole name and by the part after the account."""

    def __init__(self, names: Mapping[str, Sequence[str]]) -> None:
        self.whole: dict[str, _Sorted] = {}
        self.tail: dict[str, _Sorted] = {}
        for kind, values in names.items():
            unique = set(values)
            self.whole[kind] = _Sorted((n.lower(), n) for n in unique)
            self.tail[kind] = _Sorted((n.rpartition(".")[2].lower(), n) for n in unique if "." in n)

    def matching(self, kind: str, word: str, limit: int = _LIMIT) -> list[str]:
        """Names of `kind` that start with `word`, then those whose entity part does (`Some` -> `B.SomeRole`)."""
        lowered = word.lower()
        found: list[str] = []
        seen: set[str] = set()
        for index in (self.whole, self.tail):
            table = index.get(kind)
            if table is None:
                continue
            for name in table.starting(lowered):
                if name not in seen:
                    seen.add(name)
                    found.append(name)
                    if len(found) >= limit:
                        return found
        return found


_NAME_KINDS = {
    Kind.PRINCIPAL: "principals",
    Kind.RESOURCE: "resources",
    Kind.ACCOUNT: "accounts",
    Kind.POLICY: "policies",
    Kind.VERB: "verbs",
}


# ---------------------------------------------------------------- the catalogue


@functools.lru_cache(maxsize=1)
def _services() -> _Sorted:
    from iamdsl import catalog

    return _Sorted((s, s) for s in catalog.services())


@functools.lru_cache(maxsize=512)
def _actions_of(service: str) -> _Sorted:
    from iamdsl import catalog

    return _Sorted((a.name.lower(), a.full_name) for a in catalog.service_actions(service))


@functools.lru_cache(maxsize=512)
def _resource_types_of(service: str) -> _Sorted:
    from iamdsl import catalog

    return _Sorted((t.name.lower(), f"{t.service}:{t.name}") for t in catalog.service_resource_types(service))


@functools.lru_cache(maxsize=1)
def _condition_keys() -> dict[str, _Sorted]:
    """Every condition key, grouped by its prefix (`aws`, `s3`, …)."""
    from iamdsl import catalog

    grouped: dict[str, set[tuple[str, str]]] = {}
    for key in catalog.all_condition_key_names():
        # `aws:ResourceTag/${TagKey}` is typed as `aws:ResourceTag/` and then the tag's own key.
        key = key.split("${", 1)[0]
        prefix, _, rest = key.partition(":")
        grouped.setdefault(prefix.lower(), set()).add((rest.lower(), key))
    return {prefix: _Sorted(pairs) for prefix, pairs in grouped.items()}


@functools.lru_cache(maxsize=1)
def _key_prefixes() -> _Sorted:
    return _Sorted((p, p) for p in _condition_keys())


@functools.lru_cache(maxsize=1)
def _operators() -> _Sorted:
    from iamdsl.language.operators import all_operator_names

    return _Sorted((o.lower(), o) for o in all_operator_names())


def _prefixed(word: str, table_of, prefixes: _Sorted) -> list[str]:
    """`s3:Get` -> s3's names starting `Get`; `s3` -> the prefixes `s3:`, `s3express:`, …"""
    prefix, colon, rest = word.partition(":")
    if colon:
        return list(table_of(prefix.lower()).starting(rest.lower()))[:_LIMIT]
    if not word:
        return []
    return [f"{p}:" for p in prefixes.starting(word.lower())][:_LIMIT]


def _keys_table(prefix: str) -> _Sorted:
    return _condition_keys().get(prefix, _Sorted(()))


# ---------------------------------------------------------------- the completer


class IamdslCompleter(Completer):
    """Completes keywords, names, verbs, actions, condition keys and meta-commands."""

    def __init__(self, session, commands: Mapping[str, str] | None = None) -> None:
        self.session = session
        self._commands = commands
        self._indexed_model: object = None
        self._index: NameIndex | None = None
        self._lock = threading.Lock()
        self._paths = PathCompleter(expanduser=True)

    # The session swaps its model on every change; the index follows it.
    def names(self) -> NameIndex:
        with self._lock:  # one build at a time, so a keystroke waits for `refresh` rather than repeating it
            model = self.session.model
            if self._index is None or model is not self._indexed_model:
                self._index = NameIndex(self.session.names())
                self._indexed_model = model
            return self._index

    def refresh(self) -> None:
        """Index the current model and read the catalogue's tables now (the app runs this in a
        thread after each line), so that the next keystroke finds them ready."""
        self.names()
        _services()
        _condition_keys()
        _operators()
        _keyword_terminals()

    def commands(self) -> Mapping[str, str]:
        """Meta-command name -> one-line help, from the session's registry."""
        if self._commands is None:
            from iamdsl.repl import commands as registry

            self._commands = {name: command.help for name, command in registry.COMMANDS.items()}
        return self._commands

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        meta = _META_LINE.match(document.text)
        if meta is not None and document.cursor_position >= meta.start(1):
            yield from self._meta_completions(document, meta)
            return
        if _in_string_or_comment(document.current_line_before_cursor):
            return
        word = _WORD.search(before).group()  # type: ignore[union-attr]  # matches the empty word at worst
        if not word and not complete_event.completion_requested and not _after_space(document):
            return  # after `}` or `,` or on a fresh line, a menu would only get in the way; Tab still opens it
        position = accepted_terminals(before[: len(before) - len(word)])
        if position is None:
            return
        yield from self._grammar_completions(word, position)

    def _grammar_completions(self, word: str, position: Position) -> Iterator[Completion]:
        lowered = word.lower()
        keywords = _keyword_terminals()
        offered = sorted({keywords[t] for t in position.accepts if t in keywords})
        for keyword in offered:
            if keyword.startswith(lowered) and keyword != word:
                yield Completion(keyword, -len(word), display_meta=Kind.KEYWORD)
        for kind in expected_kinds(position):
            for name in self._candidates(kind, word, position):
                if name != word:
                    yield Completion(name, -len(word), display_meta=kind)

    def _candidates(self, kind: str, word: str, position: Position) -> list[str]:
        if kind in _NAME_KINDS:
            names = self.names().matching(_NAME_KINDS[kind], word)
            if kind == Kind.PRINCIPAL and "ANONYMOUS" in position.accepts:
                # In a query, `A.root` asks about the root user of a modelled account.
                roots = [f"{a}.root" for a in self.names().matching("accounts", word.partition(".")[0])]
                names += [r for r in roots if r.lower().startswith(word.lower())]
            return names
        if kind == Kind.ACTION:
            return _prefixed(word, _actions_of, _services())
        if kind == Kind.RESOURCE_TYPE:
            return _prefixed(word, _resource_types_of, _services())
        if kind == Kind.KEY:
            if not word:
                return [k for k in _keys_table("aws").names][:_LIMIT]
            return _prefixed(word, _keys_table, _key_prefixes())
        if kind == Kind.OPERATOR:
            return list(_operators().starting(word.lower())) if word else []
        if kind == Kind.REASON:
            return [r for r in _BECAUSE if r.startswith(word.lower())]
        return []

    def _meta_completions(self, document: Document, meta: re.Match[str]) -> Iterator[Completion]:
        name = meta.group(1)
        if meta.group(2) is None:  # still typing the command's name
            typed = document.text_before_cursor[meta.start(1):]
            for command, help_text in sorted(self.commands().items()):
                if command.startswith(typed) and command != typed:
                    yield Completion(command, -len(typed), display_meta=help_text)
            return
        argument = document.text_before_cursor[meta.end():]
        choices = _ARGUMENTS.get(name)
        if choices is not None:
            for choice in choices:
                if choice.startswith(argument) and choice != argument:
                    yield Completion(choice, -len(argument))
        elif name in _PATH_COMMANDS:
            yield from self._paths.get_completions(Document(argument, len(argument)), CompleteEvent())


_ARGUMENTS = {
    ":explain": ("full", "summary", "denies"),
    ":format": ("text", "json"),
    ":graph": ("mermaid", "dot", "json"),
}
_PATH_COMMANDS = frozenset({":load", ":save", ":include"})


def _after_space(document: Document) -> bool:
    """The user has just typed a space after a word: the moment to show what comes next."""
    line = document.current_line_before_cursor
    return bool(line.strip()) and line[-1:].isspace()


def _in_string_or_comment(line: str) -> bool:
    """Whether the cursor sits inside a string or a comment of its line (nothing to complete there)."""
    in_string = False
    escaped = False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return True
    return in_string


def create_completer(session, commands: Mapping[str, str] | None = None) -> IamdslCompleter:
    """The REPL's completer for `session`; `commands` overrides the meta-command registry (tests)."""
    return IamdslCompleter(session, commands)
