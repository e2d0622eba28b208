"""iamdsl: write AWS IAM designs down, and ask exactly what they allow.

The public API is small::

    model = iamdsl.load("design.iam")                  # files -> checked model
    model = iamdsl.loads(text)                         # text -> checked model
    decision = model.ask("can B.SomeRole pull A.repo") # a query -> a decision (data)
    print(decision.outcome.display, decision.explain(model))
    decision = model.evaluate(request)                 # an engine Request -> a Decision

Loading raises `iamdsl.IamdslError`, which holds every finding with its location.
"""

from __future__ import annotations

import os

from iamdsl.language.errors import Diagnostic, IamdslError, NotSupportedError
from iamdsl.model import Model

__version__ = "0.1.0"
__all__ = ["Diagnostic", "IamdslError", "Model", "NotSupportedError", "load", "loads", "__version__"]


def load(*paths: str | os.PathLike[str]) -> Model:
    """Load and check `.iam` files (with their includes) into one model."""
    from iamdsl.language.loader import load_paths

    return load_paths(paths).model


def loads(text: str, name: str = "<string>") -> Model:
    """Load and check `.iam` text into a model."""
    from iamdsl.language.loader import load_text

    return load_text(text, name).model
