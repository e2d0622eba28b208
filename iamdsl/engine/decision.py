"""What a decision is: its outcome, the reasons, and the trace behind it.

Stage: engine output.  Both ways of deciding return a `Decision`: the traced
one (evaluate.py) and the untraced one (untraced.py); `iamdsl.engine.evaluate`
re-exports both names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from iamdsl.engine.request import Request
from iamdsl.engine.trace import Trace
from iamdsl.model import Condition, NotModelled


class Outcome(str, enum.Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"
    CONDITIONAL = "conditional"
    PARTIAL = "partial"

    @property
    def display(self) -> str:
        return _DISPLAY[self.value]

    @property
    def denied(self) -> bool:
        return self is _OUTCOME_EXPLICIT_DENY or self is _OUTCOME_IMPLICIT_DENY


_DISPLAY = {
    "allowed": "ALLOWED",
    "explicit_deny": "DENIED (explicit)",
    "implicit_deny": "DENIED (implicit)",
    "conditional": "CONDITIONAL",
    "partial": "PARTIAL",
}


@dataclass(slots=True)
class Decision:
    outcome: Outcome
    request: Request
    reason: str  # one line a person can read
    trace: Trace
    reasons: frozenset[str] = frozenset()  # explicit, implicit, scp, rcp, boundary, session, endpoint
    allow_conditions: tuple[Condition, ...] = ()  # CONDITIONAL: must hold
    allow_alternatives: tuple[tuple[Condition, ...], ...] = ()  # CONDITIONAL: and one of these must hold too
    deny_conditions: tuple[Condition, ...] = ()  # CONDITIONAL: must not hold
    caveats: tuple[str, ...] = ()
    not_modelled: tuple[NotModelled, ...] = ()  # declared mechanisms that could change this answer
    extra: list["Decision"] = field(default_factory=list)  # companion requests (sts:TagSession, R73)

    def explain(self, model, *, mode: str = "full", sources=None) -> str:
        """This decision as text (design.md §1); rendering lives in `iamdsl.explain`."""
        from iamdsl.explain.text import render

        return render(self, model, mode=mode, sources=sources)


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_OUTCOME_EXPLICIT_DENY = Outcome.EXPLICIT_DENY
_OUTCOME_IMPLICIT_DENY = Outcome.IMPLICIT_DENY
