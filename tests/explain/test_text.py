"""Answers a person understands: decisions rendered as text (issue 4, item 3)."""

from __future__ import annotations

import pytest

from iamdsl.explain.conditions import iam_text, in_words
from iamdsl.explain.text import MODES, render
from iamdsl.model import Condition
from tests_explain_world import WORLD_FILE  # noqa: F401  (placeholder, replaced below)
