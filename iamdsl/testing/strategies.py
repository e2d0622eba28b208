"""Hypothesis strategies for small valid models, from the generator's own building blocks.

Stage: test support; needs `hypothesis` (a test dependency, never a runtime one).

`models()` draws a small organization (one to three accounts, a handful of
statements) through the same planner and vocabulary as `write_org`, with
every choice a hypothesis draw, so hypothesis can shrink a failing model to
a small one.  Each text loads without errors.
"""

from __future__ import annotations

from typing import Sequence, TypeVar

from hypothesis import strategies as st

from iamdsl.testing.generator import MAIN_FILE, SMALL, Sizes, render

T = TypeVar("T")


class DrawPicker:
    """A Picker whose every choice is a hypothesis draw."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))

    def between(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def chance(self, probability: float) -> bool:
        return self._draw(st.booleans())


@st.composite
def models(draw: st.DrawFn, *, max_accounts: int = 3, max_statements: int = 12, sizes: Sizes = SMALL) -> str:
    """The `.iam` text of a small organization that loads without errors."""
    accounts = draw(st.integers(1, max_accounts))
    statements = draw(st.integers(0, max_statements))
    return render(DrawPicker(draw), statements, accounts, sizes)[MAIN_FILE]
