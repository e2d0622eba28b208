"""An access diff, for people and for programs: text grouped by principal and resource, and JSON.

Stage: explain (graph/diff.py's AccessDiff -> text / JSON).  The text lists,
for each principal and then each resource (by its DSL name), the actions
gained (`+`) and lost (`-`), and apart from them those gained or lost only
under some context (`+?`, `-?`: the request is CONDITIONAL on one side).
Where every action of a service that acts on the resource changes, it is
written `service:*`; where every action of a verb that acts on the resource
is gained, the line names the verb.  The become edges gained and lost come
next, then a summary line.  The JSON document (`iamdsl/diff/v1`,
docs/diff.md) lists every triple and edge.
"""

from __future__ import annotations

from collections import defaultdict

from iamdsl.explain.names import Names
from iamdsl.graph.diff import AccessDiff, grouped
from iamdsl.graph.universe import STAR
from iamdsl.model import Model

SCHEMA = "iamdsl/diff/v1"

_ACCESS = (
    ("gained", "+"),
    ("lost", "-"),
    ("gained_conditional", "+?"),
    ("lost_conditional", "-?"),
)
_PATHS = (("paths_gained", "+"), ("paths_lost", "-"), ("paths_gained_conditional", "+?"), ("paths_lost_conditional", "-?"))
_LEGEND = "access gained (+) and lost (-); +? and -?: only under some context (CONDITIONAL)"


class _Namer:
    """DSL names from either model (a resource only one of them declares keeps its name)."""

    def __init__(self, before: Model, after: Model):
        self._names = (Names(after), Names(before))

    def of(self, arn: str) -> str:
        if arn == STAR:
            return STAR
        for names in self._names:
            shown = names.of(arn)
            if shown != arn:
                return shown
        return arn


def diff_json(diff: AccessDiff, before: Model, after: Model, **about) -> dict:
    """The diff as a JSON-ready document; `about` says what was compared (`old`, `new`, `git`)."""
    namer = _Namer(before, after)
    document: dict = {"schema": SCHEMA, **about}
    for key, _ in _ACCESS:
        document[key] = [
            {"principal": principal, "resource": resource, "name": namer.of(resource), "actions": actions}
            for (principal, resource), actions in grouped(getattr(diff, key)).items()
        ]
    for key, _ in _PATHS:
        document[key] = [
            {"source": source, "kind": kind, "target": target, "via": via or None}
            for source, kind, target, via in sorted(getattr(diff, key))
        ]
    document["summary"] = summary_counts(diff)
    document["new_access"] = diff.anything_gained
    return document


def summary_counts(diff: AccessDiff) -> dict[str, int]:
    counts = {key: len(getattr(diff, key)) for key, _ in _ACCESS + _PATHS}
    triples = [t for key, _ in _ACCESS for t in getattr(diff, key)]
    counts["principals"] = len({p for p, _, _ in triples})
    counts["resources"] = len({r for _, _, r in triples})
    return counts


def diff_text(diff: AccessDiff, before: Model, after: Model, universes: tuple | None = None) -> str:
    """Access gained and lost by principal, then resource; the become edges; a summary line.

    `universes` are the two models' graph/universe.py `Universe`s, when the caller has them (for `service:*`).
    """
    if diff.empty:
        return "no access gained or lost\n" + _summary(diff) + "\n"
    namer = _Namer(before, after)
    verbs = {**before.verbs, **after.verbs}
    rows: dict[str, dict[str, list[tuple[str, list[str]]]]] = defaultdict(lambda: defaultdict(list))
    for key, mark in _ACCESS:
        for (principal, resource), actions in grouped(getattr(diff, key)).items():
            rows[principal][resource].append((mark, actions))
    lines = [_LEGEND] if rows else []
    targets = _Targets(before, after, universes)
    for principal in sorted(rows):
        lines.append(f"  {principal}")
        for resource in sorted(rows[principal], key=lambda r: (r != STAR, namer.of(r))):
            lines.append(f"    {namer.of(resource)}")
            for mark, actions in rows[principal][resource]:
                lines.extend(f"      {mark} {part}" for part in _compact(actions, targets.actions(resource), verbs if mark == "+" else {}))
    paths = [(mark, edge) for key, mark in _PATHS for edge in sorted(getattr(diff, key))]
    if paths:
        lines.append("become edges (who can act as whom):")
        lines.extend(f"  {mark} {edge_text(edge)}" for mark, edge in paths)
    lines.append(_summary(diff))
    return "\n".join(lines) + "\n"


def edge_text(edge: tuple[str, str, str, str]) -> str:
    source, kind, target, via = edge
    shown = kind if not via or via == "sts:AssumeRole" else f"{kind}({via})"
    return f"{source} --{shown}--> {target}"


def _summary(diff: AccessDiff) -> str:
    counts = summary_counts(diff)
    paths = counts["paths_gained"] + counts["paths_gained_conditional"], counts["paths_lost"] + counts["paths_lost_conditional"]
    return (
        f"summary: {_count(counts['gained'], 'request')} gained, {counts['lost']} lost "
        f"({counts['gained_conditional']} and {counts['lost_conditional']} only under some context), "
        f"{_count(counts['principals'], 'principal')}, {_count(counts['resources'], 'resource')}; "
        f"{_count(paths[0], 'become edge')} gained, {paths[1]} lost"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _Targets:
    """The catalogue actions on a target in either model: what `service:*` means on it."""

    def __init__(self, before: Model, after: Model, universes: tuple | None):
        from iamdsl.graph.universe import Universe

        self._universes = tuple(reversed(universes)) if universes else (Universe(after), Universe(before))

    def actions(self, target: str) -> tuple[str, ...]:
        for universe in self._universes:
            found = universe.actions(target)
            if found:
                return found
        return ()


def _compact(actions: list[str], on_target: tuple[str, ...], verbs: dict) -> list[str]:
    """The actions of one line, shortest exact form first: `service:*` when all of a service's on the target, verbs named."""
    changed = set(actions)
    by_service: dict[str, list[str]] = defaultdict(list)
    for action in on_target:
        by_service[action.split(":", 1)[0]].append(action)
    parts: list[str] = []
    rest = list(actions)
    for service, every in sorted(by_service.items()):
        if len(every) > 1 and changed.issuperset(every):
            parts.append(f"{service}:* (all {len(every)} of its actions on it)")
            rest = [a for a in rest if a.split(":", 1)[0] != service]
    named = []
    for verb in sorted(verbs.values(), key=lambda v: v.name):
        here = [a for a in verb.actions if a in on_target]
        if len(here) > 1 and set(here) <= set(rest) and len(here) == len(set(here)):
            named.append(f"{verb.name}: {', '.join(sorted(here))}")
            rest = [a for a in rest if a not in here]
    return parts + named + ([", ".join(rest)] if rest else [])
