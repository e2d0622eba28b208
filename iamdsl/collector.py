"""Pausing Python's cyclic garbage collector around work that only allocates.

Stage: shared helper (the loader, the specs runner and `iamdsl fmt`).
Loading a large model, running 10,000 expect lines or formatting a
10,000-statement file builds hundreds of thousands of objects that all stay
alive until the work ends: every collection on the way rescans them and
frees nothing, which doubled those runs (benchmarks/README.md).
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Turn the collector off for the block, and back on after it if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
