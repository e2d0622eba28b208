"""What access a change adds and removes: the difference of two models' access.

Stage: graph (two models -> access gained and lost).  The universe is the
brute-force enumerator's (graph/access.py): the principals each model names,
every catalogue action that applies to each resource's type, and the modelled
resources.  ALLOWED and CONDITIONAL access are compared separately, so a
request that becomes conditional shows up as lost from one set and gained in
the other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from iamdsl.graph.access import Access, Triple, enumerate_access
from iamdsl.model import Model


@dataclass(frozen=True, slots=True)
class AccessDiff:
    gained: frozenset[Triple]
    lost: frozenset[Triple]
    gained_conditional: frozenset[Triple]
    lost_conditional: frozenset[Triple]

    @property
    def empty(self) -> bool:
        return not (self.gained or self.lost or self.gained_conditional or self.lost_conditional)


def diff_access(before: Access, after: Access) -> AccessDiff:
    return AccessDiff(
        gained=after.allowed - before.allowed,
        lost=before.allowed - after.allowed,
        gained_conditional=after.conditional - before.conditional,
        lost_conditional=before.conditional - after.conditional,
    )


def diff_models(before: Model, after: Model) -> AccessDiff:
    return diff_access(enumerate_access(before), enumerate_access(after))


def grouped(triples: frozenset[Triple]) -> dict[tuple[str, str], list[str]]:
    """Actions grouped by (principal, resource), for display."""
    table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for principal, action, resource in sorted(triples):
        table[(principal, resource)].append(action)
    return dict(table)
