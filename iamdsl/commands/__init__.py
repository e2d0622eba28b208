"""The subcommands of `iamdsl`, one module each.

Each module has `register(subparsers)`, which adds its parser and sets
`run` to a function `(args) -> exit code`.  cli.py only wires them up.

The modules are imported when a parser is built (`modules()`), not with this
package: `iamdsl repl` builds only its own parser, so that the first prompt
does not wait for every other command's imports.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Sequence

NAMES = ("check", "query", "repl", "fmt", "lint", "import_", "export", "graph", "diff")  # in the order `iamdsl --help` lists them


def modules(names: Sequence[str] = NAMES) -> tuple[ModuleType, ...]:
    """The command modules called `names`, imported now."""
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def __getattr__(name: str) -> object:
    if name == "COMMANDS":  # every command module, as before the imports were deferred
        return modules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
