"""The bottom toolbar: what is loaded, how big it is, how answers are explained, what is unsaved.

Stage: the REPL's terminal side (prompt_toolkit).

It is drawn on every keystroke, so the model's size is counted once per model
(the session replaces its model on every change) and kept.
"""

from __future__ import annotations

import os
from typing import Callable

from prompt_toolkit.formatted_text import StyleAndTextTuples

__all__ = ["create_toolbar_tokens_func", "model_size"]


def model_size(model) -> str:
    """`2 accounts · 2 principals · 1 resource · 3 statements`"""
    counts = (
        (len(model.accounts), "account"),
        (len(model.principals), "principal"),
        (len(model.resources), "resource"),
        (model.statement_count(), "statement"),
    )
    return " · ".join(f"{n:,} {noun}{'' if n == 1 else 's'}" for n, noun in counts)


def _files(files: list[str]) -> str:
    if not files:
        return "no files"
    names = [os.path.basename(f) for f in files]
    return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"


def create_toolbar_tokens_func(session) -> Callable[[], StyleAndTextTuples]:
    """A function prompt_toolkit calls to draw the toolbar for `session`."""
    sized: list = [None, ""]  # the model last counted, and its size

    def size() -> str:
        model = session.model
        if model is not sized[0]:
            sized[0], sized[1] = model, model_size(model)
        return sized[1]

    def tokens() -> StyleAndTextTuples:
        separator = ("class:bottom-toolbar.separator", " │ ")
        parts: StyleAndTextTuples = [
            ("class:bottom-toolbar.files", f" {_files(session.files)}"),
            separator,
            ("class:bottom-toolbar.size", size()),
            separator,
            ("class:bottom-toolbar.mode", f"explain {session.explain_mode}"),
        ]
        if session.output_format != "text":
            parts += [separator, ("class:bottom-toolbar.mode", f"format {session.output_format}")]
        if session.unsaved:
            count = len(session.changes)
            parts += [separator, ("class:bottom-toolbar.unsaved", f"{count} unsaved change{'' if count == 1 else 's'}")]
        parts += [separator, ("class:bottom-toolbar.hint", ":help  Ctrl-D quit ")]
        return parts

    return tokens
