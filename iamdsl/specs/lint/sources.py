"""What the user wrote, read again for lint: statements as written, verbs, comments.

Stage: lint input, beside the checked model.

The checked model keeps IAM's own terms only: verbs are expanded and the
comments are gone.  A few rules need the user's words (was this action
written out, or did a verb bring it?  is this verb used anywhere?) and the
suppression comments need the comments, so each `.iam` file of the model is
parsed once more here.  Statements are found again by their span, which the
model keeps.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from iamdsl.language import syntax as s
from iamdsl.language.errors import IamdslError
from iamdsl.language.parser import Comment, parse
from iamdsl.language.transformer import ToSyntax
from iamdsl.model import Span

SpanKey = tuple[str, int, int]


def span_key(span: Span) -> SpanKey:
    return (span.file, span.line, span.column)


@dataclass
class SourceIndex:
    statements: dict[SpanKey, s.StatementSyntax | s.DelegateDecl] = field(default_factory=dict)
    verbs: list[s.VerbDecl] = field(default_factory=list)  # declared in the files, not the prelude
    verb_uses: set[str] = field(default_factory=set)  # every verb name written where actions go
    comments: dict[str, list[Comment]] = field(default_factory=dict)  # by file
    from_lines: dict[str, Span] = field(default_factory=dict)  # JSON file -> the `from` that loads it

    def written(self, span: Span | None) -> s.StatementSyntax | s.DelegateDecl | None:
        """The DSL statement (or `delegate`) a model statement was compiled from; None for IAM JSON."""
        return self.statements.get(span_key(span)) if span is not None else None


def index_sources(files: tuple[str, ...], sources: Mapping[str, str]) -> SourceIndex:
    # Parsing makes many objects that all live until the end, so the cyclic
    # collector would rescan them for nothing (as in the loader).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _index(files, sources)
    finally:
        if enabled:
            gc.enable()


def _index(files: tuple[str, ...], sources: Mapping[str, str]) -> SourceIndex:
    index = SourceIndex()
    for name in files:
        text = sources.get(name)
        if text is None:
            continue
        try:
            parsed = parse(text, name)
        except IamdslError:
            continue  # it loaded, so it parses; a changed file is the loader's business
        index.comments[name] = list(parsed.comments)
        declarations = ToSyntax(name).transform(parsed.tree)
        base = Path(name).parent if not name.startswith("<") else Path.cwd()
        for node in _walk(declarations):
            if isinstance(node, (s.StatementSyntax, s.DelegateDecl)):
                index.statements[span_key(node.span)] = node
            elif isinstance(node, s.VerbDecl):
                index.verbs.append(node)
            elif isinstance(node, s.ActionItem) and node.kind == "verb":
                index.verb_uses.add(node.text)
            elif isinstance(node, s.PolicyBody) and node.kind == "file" and node.path is not None:
                # The same normalisation as the loader's, so the key is the span's file name.
                index.from_lines[os.path.normpath(str(base / node.path))] = node.span
    return index


def _walk(node: Any) -> Iterator[Any]:
    """Every syntax node under `node`, without descending into JSON documents."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif dataclasses.is_dataclass(item) and not isinstance(item, (s.JsonValue, Span)):
            yield item
            for f in dataclasses.fields(item):
                value = getattr(item, f.name)
                if isinstance(value, list) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
                    stack.append(value)
