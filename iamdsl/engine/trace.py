"""The trace: what the evaluator checked, as plain data.

Stage: engine output.  Slotted classes rather than pydantic models, because a
trace is built on every decision and must be cheap; a statement's reasons
are even worded only when read.  Rendering it as text,
JSON or a graph is `explain/`'s job; nothing here formats for a terminal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from iamdsl.model import Condition, Effect, Policy, PolicyKind, Span, Statement


class Truth(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"  # depends on context keys nobody gave


class GrantClass(str, enum.Enum):
    """How a resource-policy Allow reaches the caller (R18), which decides R61."""

    DIRECT = "direct"
    ACCOUNT = "account"
    ROLE = "role"
    FED_PARENT = "fed_parent"


class Layer(str, enum.Enum):
    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SESSION = "session"
    RESOURCE = "resource"
    SCP = "scp"
    RCP = "rcp"
    ENDPOINT = "endpoint"


class StatementTrace:
    """One statement that applied or nearly applied, and why.

    "Nearly applied" means it matched the action and the resource and failed
    only on the principal or on its conditions.

    The words (`reason`, `condition_reasons`) may be left to `explain`: a
    function and its arguments, `(function, *arguments)`, whose call returns
    both.  The evaluator decides from the data, and words a statement only
    when someone reads it.
    """

    __slots__ = (
        "policy", "layer", "index", "statement", "applies", "action_matched", "resource_matched",
        "principal_matched", "grant", "residual", "_reason", "_condition_reasons", "_explain",
    )

    def __init__(
        self,
        policy: str,  # label of the policy, e.g. "B.SomeRole:inline"
        layer: Layer,
        index: int,  # position in its policy
        statement: Statement,
        applies: Truth,
        action_matched: bool,
        resource_matched: bool,
        principal_matched: bool | None = None,  # None where the policy names no principal
        grant: GrantClass | None = None,
        reason: str = "",
        condition_reasons: tuple[str, ...] = (),
        residual: tuple[Condition, ...] = (),  # when applies is UNKNOWN: the conditions that decide it
        *,
        explain: tuple | None = None,  # (function, *arguments) -> (reason, condition_reasons)
    ) -> None:
        self.policy = policy
        self.layer = layer
        self.index = index
        self.statement = statement
        self.applies = applies
        self.action_matched = action_matched
        self.resource_matched = resource_matched
        self.principal_matched = principal_matched
        self.grant = grant
        self.residual = residual
        self._reason = reason
        self._condition_reasons = condition_reasons
        self._explain = explain

    @property
    def reason(self) -> str:
        if self._explain is not None:
            self._words()
        return self._reason

    @reason.setter
    def reason(self, value: str) -> None:
        self._words()
        self._reason = value

    @property
    def condition_reasons(self) -> tuple[str, ...]:
        if self._explain is not None:
            self._words()
        return self._condition_reasons

    @condition_reasons.setter
    def condition_reasons(self, value: tuple[str, ...]) -> None:
        self._words()
        self._condition_reasons = value

    def _words(self) -> None:
        explain = self._explain
        if explain is not None:
            self._explain = None
            self._reason, self._condition_reasons = explain[0](*explain[1:])

    @property
    def span(self) -> Span | None:
        return self.statement.span

    @property
    def is_deny(self) -> bool:
        return self.statement.effect is _EFFECT_DENY

    def _fields(self) -> tuple:
        return (
            self.policy, self.layer, self.index, self.statement, self.applies, self.action_matched, self.resource_matched,
            self.principal_matched, self.grant, self.reason, self.condition_reasons, self.residual,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq would be

    def __repr__(self) -> str:
        return f"StatementTrace(policy={self.policy!r}, layer={self.layer}, index={self.index}, applies={self.applies}, reason={self.reason!r})"


class LayerTrace:
    """One policy layer in play: what it contained and what it concluded.

    `statements` lists every statement of the layer's policies, in order.
    The evaluator may hand over the records of the statements that cover the
    request's action and leave the others (which cannot apply: their actions
    do not include it) to `pending`, `(function, *arguments)` returning the
    whole list: it is called when `statements` is first read.
    """

    __slots__ = ("layer", "label", "policies", "allows", "denies", "note", "_statements", "_pending")

    def __init__(
        self,
        layer: Layer,
        label: str,  # owner: "B.SomeRole", "SCPs of B at OU Workloads", …
        policies: list[str] | None = None,
        statements: list[StatementTrace] | None = None,
        allows: Truth = Truth.FALSE,  # some Allow applies
        denies: Truth = Truth.FALSE,  # some Deny applies
        note: str = "",
        pending: tuple | None = None,
    ) -> None:
        self.layer = layer
        self.label = label
        self.policies = [] if policies is None else policies
        self.allows = allows
        self.denies = denies
        self.note = note
        # With `pending`, the list is built when first read.
        self._statements = statements if statements is not None else [] if pending is None else None
        self._pending = pending

    @property
    def statements(self) -> list[StatementTrace]:
        pending = self._pending
        if pending is not None:
            self._pending = None
            self._statements = pending[0](*pending[1:])
        return self._statements

    @statements.setter
    def statements(self, value: list[StatementTrace]) -> None:
        self._pending = None
        self._statements = value

    def _fields(self) -> tuple:
        return (self.layer, self.label, self.policies, self.statements, self.allows, self.denies, self.note)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LayerTrace(layer={self.layer}, label={self.label!r}, policies={self.policies!r}, allows={self.allows}, denies={self.denies})"


@dataclass(slots=True)
class Trace:
    layers: list[LayerTrace] = field(default_factory=list)
    grant_classes: list[GrantClass] = field(default_factory=list)
    cross_account: bool = False
    caller_account: str | None = None
    resource_account: str | None = None
    missing_side: str | None = None  # "identity" or "resource" when one side of a cross-account edge is missing
    blocked_by: list[Layer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def layer(self, kind: Layer) -> list[LayerTrace]:
        return [entry for entry in self.layers if entry.layer is kind]

    def deciding_statements(self) -> list[StatementTrace]:
        return [st for entry in self.layers for st in entry.statements if st.applies is not _TRUTH_FALSE]


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy with the label explanations use for it."""

    label: str
    policy: Policy

    @property
    def kind(self) -> PolicyKind:
        return self.policy.kind


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_EFFECT_DENY = Effect.DENY
_TRUTH_FALSE = Truth.FALSE
