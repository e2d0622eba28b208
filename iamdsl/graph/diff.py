"""What access a change adds and removes: the difference of two models' access and become edges.

Stage: graph (two models -> access gained and lost).  The universe is
graph/universe.py's, defined once: principals (symbolic ones included) × the
catalogue actions that apply to each target's type × the modelled targets,
plus the become edges between principals (graph/become.py).  ALLOWED and
CONDITIONAL access are compared separately, so a request that becomes
conditional shows up as lost from one set and gained in the other; edges
likewise.

`diff(before, after)` is the incremental diff: it asks both models only
about the region of the universe the change can affect (changes.py), and is
exact: outside that region, every decision of the two models is the same.
`diff_models(before, after)` asks every request of the universe (brute
force); the tests hold the two equal.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from iamdsl.engine.evaluate import Evaluator
from iamdsl.graph.access import Access, Triple
from iamdsl.graph.changes import Box, Snapshot, compare
from iamdsl.graph.region import Asking, EdgeKey, Found
from iamdsl.graph.universe import Universe
from iamdsl.model import Model

_EMPTY: frozenset = frozenset()


@dataclass(frozen=True, slots=True)
class AccessDiff:
    gained: frozenset[Triple]
    lost: frozenset[Triple]
    gained_conditional: frozenset[Triple]
    lost_conditional: frozenset[Triple]
    # become edges (source, kind, target, via): who can now assume or escalate to whom
    paths_gained: frozenset[EdgeKey] = _EMPTY
    paths_lost: frozenset[EdgeKey] = _EMPTY
    paths_gained_conditional: frozenset[EdgeKey] = _EMPTY
    paths_lost_conditional: frozenset[EdgeKey] = _EMPTY
    stats: dict = field(default_factory=dict, compare=False, hash=False)  # what was asked, for benchmarks

    @property
    def empty(self) -> bool:
        return not (self.gained or self.lost or self.gained_conditional or self.lost_conditional or self.paths_changed)

    @property
    def paths_changed(self) -> bool:
        return bool(self.paths_gained or self.paths_lost or self.paths_gained_conditional or self.paths_lost_conditional)

    @property
    def anything_gained(self) -> bool:
        """Whether any access or become edge was gained, sure or conditional (`--fail-on-new-access`)."""
        return bool(self.gained or self.gained_conditional or self.paths_gained or self.paths_gained_conditional)


def diff_access(before: Access, after: Access) -> AccessDiff:
    return AccessDiff(
        gained=after.allowed - before.allowed,
        lost=before.allowed - after.allowed,
        gained_conditional=after.conditional - before.conditional,
        lost_conditional=before.conditional - after.conditional,
    )


class Side:
    """One model prepared for diffing: its universe, evaluator and snapshot (keep one to diff against it again)."""

    def __init__(self, model: Model, *, now: datetime | None = None):
        self.model = model
        self.universe = Universe(model, Evaluator(model, now=now))
        self.snapshot = Snapshot(self.universe)


def diff(before: Model | Side, after: Model | Side, *, now: datetime | None = None, paths: bool = True) -> AccessDiff:
    """The access and become edges gained and lost, asking only the requests the change can affect."""
    started = time.perf_counter()
    old = before if isinstance(before, Side) else Side(before, now=now)
    new = after if isinstance(after, Side) else Side(after, now=now)
    prepared = time.perf_counter()
    region = compare(old.snapshot, new.snapshot)
    compared = time.perf_counter()
    asking = Asking(old.universe, new.universe)
    found = asking.access(region.boxes)
    asked = time.perf_counter()
    edges: tuple[Found, Found] | None = None
    sources: set[str] = set()
    if paths:
        sources = asking.sources(region.actors, region.actor_accounts, region.actor_boxes)
        edges = asking.edges(sources)
    finished = time.perf_counter()
    stats = {
        "boxes": len(region.boxes), "cells": asking.cells, "requests": asking.asked, "actors": len(sources),
        "prepare_s": prepared - started, "compare_s": compared - prepared, "access_s": asked - compared, "paths_s": finished - asked,
    }
    return _difference(found, edges, stats)


def diff_models(before: Model, after: Model, *, now: datetime | None = None, paths: bool = True) -> AccessDiff:
    """The same difference, by brute force: every request of the universe, every actor's edges, in both models."""
    old, new = (Universe(m, Evaluator(m, now=now)) for m in (before, after))
    asking = Asking(old, new)
    found = asking.access([Box()])
    return _difference(found, asking.edges(None) if paths else None, {"requests": asking.asked})


def _difference(found: tuple[Found, Found], edges: tuple[Found, Found] | None, stats: dict) -> AccessDiff:
    old, new = found
    paths = {}
    if edges is not None:
        before, after = edges
        paths = {
            "paths_gained": frozenset(after.edges - before.edges),
            "paths_lost": frozenset(before.edges - after.edges),
            "paths_gained_conditional": frozenset(after.conditional_edges - before.conditional_edges),
            "paths_lost_conditional": frozenset(before.conditional_edges - after.conditional_edges),
        }
    return AccessDiff(
        gained=frozenset(new.allowed - old.allowed),
        lost=frozenset(old.allowed - new.allowed),
        gained_conditional=frozenset(new.conditional - old.conditional),
        lost_conditional=frozenset(old.conditional - new.conditional),
        stats=stats,
        **paths,
    )


def grouped(triples: frozenset[Triple]) -> dict[tuple[str, str], list[str]]:
    """Actions grouped by (principal, resource), for display."""
    table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for principal, action, resource in sorted(triples):
        table[(principal, resource)].append(action)
    return dict(table)
