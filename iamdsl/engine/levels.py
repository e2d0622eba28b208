"""The policies in play, a run of levels at a time, in the shapes decisions read them.

Stage: engine, request level (R51, R53, R54).  A level is one layer's
policies (the caller's identity policies, its boundary, the resource policy,
one SCP or RCP level, …).  `Evaluator.in_play` lists the levels as
(layer, label, policies, note), each policy with its index.  A `Part` is a
run of consecutive levels of one layer, worked out once (per caller, per
resource policy, per account, per endpoint) and kept in the shapes each way
of deciding walks: the traced evaluation, every level with its policies'
labels (its records list them); the untraced one (untraced.py), which asks
narrower questions (is there an applicable Deny, anywhere, in order?  does an
Allow of this level apply?), the policies that hold a Deny, flattened, and
per level the policies that hold an Allow, so that it skips the others
without looking at them.
"""

from __future__ import annotations

from iamdsl.engine.policy_index import PolicyIndex
from iamdsl.engine.trace import Layer, PolicyRef

Indexed = tuple[tuple[PolicyRef, PolicyIndex], ...]  # policies, each with its index
Level = tuple[Layer, str, Indexed, str]  # (layer, label, policies, note)
InPlay = list[Level]
DenyEntry = tuple[Layer, str, PolicyIndex]  # (layer, the policy's label, its index)


class Part:
    """Consecutive levels in play, in the shapes the traced and the untraced decisions read them."""

    __slots__ = ("records", "denies", "allows")

    def __init__(self, levels: InPlay) -> None:
        # Each level, with its policies' labels (which the traced decision's records list).
        self.records: tuple[tuple[Layer, str, Indexed, str, tuple[str, ...]], ...] = tuple(
            (layer, label, policies, note, tuple(ref.label for ref, _ in policies)) for layer, label, policies, note in levels
        )
        # Every policy with a Deny, in the order the levels walk them.
        self.denies: tuple[DenyEntry, ...] = tuple(
            (layer, ref.label, index) for layer, _, policies, _ in levels for ref, index in policies if index.has_denies
        )
        # Per level: its label, and the indexes of its policies with an Allow.
        self.allows: tuple[tuple[str, tuple[PolicyIndex, ...]], ...] = tuple(
            (label, tuple(index for _, index in policies if index.has_allows)) for _, label, policies, _ in levels
        )

    @property
    def levels(self) -> InPlay:
        """The levels as `Evaluator.in_play` lists them: (layer, label, policies, note)."""
        return [record[:4] for record in self.records]  # type: ignore[misc]


NOTHING = Part([])  # no level: a layer not in play
