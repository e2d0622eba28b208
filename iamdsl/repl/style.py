"""Colours of the REPL: the language's tokens, answers, errors and the toolbar.

Stage: the REPL's terminal side (prompt_toolkit).
"""

from __future__ import annotations

from prompt_toolkit.styles import Style, merge_styles, style_from_pygments_cls
from pygments.styles import get_style_by_name

__all__ = ["create_style"]

_OURS = {
    # The language (token classes come from the pygments lexer).
    "pygments.keyword.effect.allow": "#00aa00 bold",
    "pygments.keyword.effect.deny": "#cc0000 bold",
    "pygments.name.builtin": "#aa22ff bold",
    # Answers.
    "answer.allowed": "#00aa00 bold",
    "answer.denied": "#cc0000 bold",
    "answer.undecided": "#bb8800 bold",
    "answer.yes": "#00aa00",
    "answer.no": "#cc0000",
    "error": "#cc0000",
    # The toolbar.
    "bottom-toolbar": "bg:#222222 #aaaaaa noreverse",
    "bottom-toolbar.files": "#ffffff",
    "bottom-toolbar.separator": "#555555",
    "bottom-toolbar.unsaved": "#ffaa00 bold",
    "bottom-toolbar.hint": "#777777",
    "prompt": "#5f87d7 bold",
    "continuation": "#555555",
}


def create_style() -> Style:
    """pygments' default colours for the tokens, with iamdsl's own on top."""
    return merge_styles([style_from_pygments_cls(get_style_by_name("default")), Style.from_dict(_OURS)])
