"""A decision as text a person reads: the answer, why, and the path it took.

Stage: explain (trace -> text).  Design.md §1 sketches the shape:

    DENIED (implicit): a cross-account request from B to A needs both sides
      ✓ A.repo's resource policy allows pull to account B        ecr_delegation.iam:15
      ✗ no identity policy of B.OtherRole allows pull on A.repo
      path: A.repo --Allow--> B.root --x--> B.OtherRole

The first line is the answer (design.md §2's display names) and one reason.
Then one line per policy layer and statement that took part, each with a mark:

    ✓  an Allow that applies
    ✗  a Deny that applies, or a layer whose Allow is missing and is needed
    ?  a statement that applies only if conditions on unknown context hold
    ·  context: a statement that nearly applied (matched the action and the
       resource, failed on the principal or a condition), or a missing Allow
       that did not matter

with the statement's `file:line` in a column on the right.  CONDITIONAL
answers list the conditions they depend on, in words and in IAM form;
PARTIAL answers say which actions of the verb are allowed and which are not.
A verb's actions that share one explanation are explained once.

Modes (design.md §4, `--explain`):
- `full`: every layer and statement that applied or nearly applied;
- `summary`: the answer, the reason, the deciding lines and the path;
- `denies`: only what denied, is missing, or could deny.

Nothing here prints; `render` returns a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Mapping

from iamdsl.engine.evaluate import Decision, Outcome
from iamdsl.engine.request import CallerKind
from iamdsl.engine.trace import Layer, LayerTrace, StatementTrace, Truth
from iamdsl.engine.verbs import VerbDecision
from iamdsl.explain.conditions import iam_text, in_words
from iamdsl.explain.names import Names
from iamdsl.explain.path import path_of
from iamdsl.explain.phrases import grantee, join_words, location, policy_phrase, statement_reason, statement_ref
from iamdsl.model import Condition, Model, Span

Mode = Literal["full", "summary", "denies"]
MODES: tuple[str, ...] = ("full", "summary", "denies")

# One request's explanation is built with these in place of its action and
# resource, so that a verb's actions with the same explanation compare equal
# and are rendered once, with the right words put back (`_Words`).
_ACTION = "\x00action\x00"
_RESOURCE = "\x00resource\x00"

_MISSED_SHOWN = 5  # statements of a layer that missed on action or resource, listed in full mode
_COLUMN_MAX = 84  # the location column starts at most here; longer lines push theirs right
_QUOTE_MAX = 100  # a quoted statement longer than this is cut
# Lines follow the path, from the resource to the caller, then the guardrails.
_ORDER = (Layer.RESOURCE, Layer.IDENTITY, Layer.BOUNDARY, Layer.SESSION, Layer.SCP, Layer.RCP, Layer.ENDPOINT)


def render(
    decision: Decision | VerbDecision,
    model: Model,
    *,
    mode: Mode = "full",
    sources: Mapping[str, str] | None = None,
    fixes: list[str] | None = None,
) -> str:
    """The explanation of a decision or of a verb's decision, as text.

    `sources` maps file names to their text (`Loaded.sources`); when given,
    statement lines quote the source line they point at (full mode, and for
    Denies in denies mode).  `fixes` are the lines of the fix generator
    (`explain/fixes.py`), rendered as given after the path.
    """
    if mode not in MODES:
        raise ValueError(f"unknown explain mode `{mode}`; expected one of {', '.join(MODES)}")
    names = Names(model)
    out = _Out(mode, sources or {})
    if isinstance(decision, VerbDecision):
        _render_verb(decision, names, out)
        asked = list(decision.decisions)
    else:
        explained = _explain(decision, names)
        words = _Words(decision.request.action, names.of(decision.request.resource))
        out.row(0, "", f"{explained.outcome.display}: {words.put(explained.headline)}")
        _render_body(explained, words, 1, out)
        asked = [decision]
    for fix in fixes or ():
        out.row(1, "", fix if fix.startswith("fix") else f"fix: {fix}")
    for note in _caveats(asked, names):
        out.row(1, "", f"note: {note}")
    return out.text()


# ------------------------------------------------------------------ explanation of one request


@dataclass(frozen=True, slots=True)
class _Line:
    mark: str  # ✓ ✗ ? ·
    text: str  # may hold the _ACTION and _RESOURCE placeholders
    where: str | None
    # allow, deny, unknown; missing (a needed Allow), unneeded (an Allow that did not matter);
    # near (an Allow that nearly applied), near-deny, missed (matched neither action nor resource)
    kind: str
    deciding: bool = False
    span: Span | None = None
    children: tuple["_Line", ...] = ()


@dataclass(frozen=True, slots=True)
class _Explained:
    outcome: Outcome
    headline: str
    lines: tuple[_Line, ...]
    conditions: tuple[tuple[str, str], ...]  # (words, IAM form)
    path: str
    notes: tuple[str, ...]
    extras: tuple[tuple[str, "_Explained", str], ...] = ()  # (action, explanation, resource name)
    alternatives: tuple[tuple[tuple[str, str], ...], ...] = ()  # CONDITIONAL: one of these groups must hold too


def _explain(decision: Decision, names: Names) -> _Explained:
    request, trace = decision.request, decision.trace
    placeholders = _Placeholders(request.action, request.resource, names)
    # The layers whose missing Allow is why the request is denied (✗); an explicit
    # Deny is why on its own, so then a missing Allow is only context (·).
    needed = set(trace.blocked_by) if decision.outcome is Outcome.IMPLICIT_DENY else set()
    if trace.missing_side in ("identity", "both") or _identity_missing(decision):
        needed.add(Layer.IDENTITY)
    if trace.missing_side in ("resource", "both"):
        needed.add(Layer.RESOURCE)
    lines: list[_Line] = []
    for layer in _ORDER:
        for entry in trace.layer(layer):
            lines += _layer_lines(entry, decision, names, placeholders, layer in needed)
    conditions: list[tuple[str, str]] = []
    if decision.outcome is Outcome.CONDITIONAL:
        for condition in _unique(decision.allow_conditions):
            conditions.append((in_words(condition), iam_text(condition)))
        for condition in _unique(decision.deny_conditions):
            conditions.append((in_words(condition, negate=True), "not " + iam_text(condition)))
    alternatives: tuple[tuple[tuple[str, str], ...], ...] = ()
    if decision.outcome is Outcome.CONDITIONAL:
        alternatives = tuple(tuple((in_words(c), iam_text(c)) for c in _unique(group)) for group in decision.allow_alternatives)
    extras = tuple(
        (extra.request.action, _explain(extra, names), names.of(extra.request.resource)) for extra in decision.extra
    )
    return _Explained(
        decision.outcome,
        _headline(decision, names, placeholders),
        tuple(lines),
        tuple(conditions),
        path_of(decision, names).render(),
        tuple(placeholders(note) for note in trace.notes),
        extras,
        alternatives=alternatives,
    )


class _Placeholders:
    """Names the ARNs of an engine sentence, with placeholders for the request's own action and resource."""

    def __init__(self, action: str, resource: str, names: Names):
        self.resource, self.names = resource, names
        self.action = re.compile(rf"(?<![\w:*]){re.escape(action)}(?![\w*])")

    def __call__(self, text: str) -> str:
        if self.resource != "*":
            text = text.replace(self.resource, _RESOURCE)
        return self.action.sub(_ACTION, self.names.humanize(text))

    def reason(self, st: StatementTrace) -> str:
        """A statement's reason; condition values stay as IAM compares them (`statement_reason`)."""
        text = statement_reason(st, self.names)
        if self.resource != "*":
            text = text.replace(self.resource, _RESOURCE)
        return self.action.sub(_ACTION, text)


def _headline(decision: Decision, names: Names, placeholders: _Placeholders) -> str:
    trace, caller = decision.trace, decision.request.caller
    if decision.outcome is Outcome.CONDITIONAL:
        return "allowed only if the conditions below hold; they depend on context that was not given"
    if decision.outcome is Outcome.EXPLICIT_DENY:
        deny = next((st for st in trace.deciding_statements() if st.is_deny and st.applies is Truth.TRUE), None)
        if deny is not None:
            return f"an explicit Deny in {_policy(deny, decision, names)} applies"
    if decision.outcome is Outcome.IMPLICIT_DENY and trace.cross_account and trace.missing_side in ("identity", "resource", "both"):
        both = f"a cross-account request from {names.account(trace.caller_account)} to {names.account(trace.resource_account)} needs both sides"
        neither = trace.missing_side == "both" or (trace.missing_side == "resource" and _identity_missing(decision))
        return both + (", and neither allows it" if neither else "")
    if decision.outcome is Outcome.IMPLICIT_DENY and trace.missing_side == "identity" and caller.kind is not CallerKind.ROOT:
        return "nothing allows it"  # the ✗ line under it names the identity policies that do not
    return placeholders(decision.reason)


def _identity_missing(decision: Decision) -> bool:
    """A cross-account request denied with no identity Allow: that side is missing too (R62),
    whatever the engine named first (R60 reports only the resource side)."""
    trace, caller = decision.trace, decision.request.caller
    if decision.outcome is not Outcome.IMPLICIT_DENY or not trace.cross_account or caller.kind is CallerKind.ROOT:
        return False
    return any(entry.allows is Truth.FALSE for entry in trace.layer(Layer.IDENTITY))


def _policy(st: StatementTrace, decision: Decision, names: Names) -> str:
    return names.humanize(policy_phrase(st.policy, st.layer, decision.request.resource))


def _layer_lines(entry: LayerTrace, decision: Decision, names: Names, placeholders: _Placeholders, needed: bool) -> list[_Line]:
    """The lines of one policy layer: Denies, Allows, conditional statements, and a missing Allow."""
    layer = entry.layer
    caller = decision.request.caller
    explicit = decision.outcome is Outcome.EXPLICIT_DENY
    lines: list[_Line] = []

    def scope(st: StatementTrace) -> str:
        if layer is Layer.RESOURCE:
            return f"{_ACTION} to {grantee(st, caller, names)}"
        if layer in (Layer.IDENTITY, Layer.SESSION):
            return f"{_ACTION} on {_RESOURCE}"
        return _ACTION

    def sid(st: StatementTrace) -> str:
        return f" (sid {st.statement.sid})" if st.statement.sid else ""

    for st in entry.statements:
        if st.applies is Truth.FALSE:
            continue
        policy = _policy(st, decision, names)
        where = location(st.span)
        if st.is_deny and st.applies is Truth.TRUE:
            lines.append(_Line("✗", f"{policy} denies {scope(st)}{sid(st)}", where, "deny", True, st.span))
        elif st.is_deny:
            lines.append(_Line("?", f"{policy} denies {scope(st)} if {_all_words(st.residual)}{sid(st)}", where, "unknown", True, st.span))
        elif st.applies is Truth.TRUE:
            deciding = layer in (Layer.IDENTITY, Layer.RESOURCE) and not explicit
            lines.append(_Line("✓", f"{policy} allows {scope(st)}{sid(st)}", where, "allow", deciding, st.span))
        else:
            lines.append(_Line("?", f"{policy} allows {scope(st)} only if {_all_words(st.residual)}{sid(st)}", where, "unknown", True, st.span))
    if entry.allows is Truth.FALSE:
        missing = _missing(entry, decision, names, placeholders, needed)
        if missing is not None:
            lines.append(missing)
    for st in entry.statements:  # Denies that nearly applied: context, so full mode only
        if st.is_deny and st.applies is Truth.FALSE and st.action_matched and st.resource_matched:
            text = f"{_policy(st, decision, names)}, {statement_ref(st)} (a Deny): {placeholders.reason(st)}"
            lines.append(_Line("·", text, location(st.span), "near-deny", span=st.span))
    return lines


def _missing(entry: LayerTrace, decision: Decision, names: Names, placeholders: _Placeholders, needed: bool) -> _Line | None:
    """The line for a layer with no Allow that applies, with what nearly applied under it."""
    layer, trace = entry.layer, decision.trace
    caller = decision.request.caller
    who = names.caller(caller)
    resource = decision.request.resource
    near = [st for st in entry.statements if not st.is_deny and st.action_matched and st.resource_matched]
    if layer is Layer.IDENTITY:
        if caller.kind is CallerKind.ROOT:
            return None  # the root user needs no identity policy in its own account (R63)
        text = f"no identity policy of {who} allows {_ACTION} on {_RESOURCE}"
    elif layer is Layer.BOUNDARY:
        boundary = names.humanize(policy_phrase(entry.policies[0], layer)) if entry.policies else f"the permissions boundary of {entry.label}"
        text = f"{boundary} does not allow {_ACTION}"
    elif layer is Layer.SESSION:
        text = f"the session policy does not allow {_ACTION}"
    elif layer is Layer.RESOURCE:
        if not needed and not near:
            return None  # within one account a resource policy is optional: its silence says nothing
        target = who
        if trace.cross_account and caller.kind is CallerKind.ROOT:
            target = f"account {names.account(caller.account)}"
        elif trace.cross_account and caller.kind.has_identity_side:
            target = f"account {names.account(caller.account)} or {who}"
        if entry.policies:
            text = f"{names.humanize(policy_phrase(entry.policies[0], layer, resource))} does not allow {_ACTION} to {target}"
        else:
            text = f"{names.resource_node(resource)} has no resource policy, so nothing allows {_ACTION} to {target}"
    elif layer in (Layer.SCP, Layer.RCP):
        text = f"no {layer.value.upper()} at {entry.label} allows {_ACTION}"
    else:
        text = f"the policy of endpoint {entry.label} does not allow {_ACTION}"
    children: list[_Line] = []
    for st in near:
        phrase = names.humanize(policy_phrase(st.policy, layer, resource))
        children.append(_Line("·", f"{phrase}, {statement_ref(st)}: {placeholders.reason(st)}", location(st.span), "near", span=st.span))
    missed = [st for st in entry.statements if not st.is_deny and not (st.action_matched and st.resource_matched)]
    for st in missed[:_MISSED_SHOWN]:
        phrase = names.humanize(policy_phrase(st.policy, layer, resource))
        children.append(_Line("·", f"{phrase}, {statement_ref(st)}: {placeholders.reason(st)}", location(st.span), "missed", span=st.span))
    if len(missed) > _MISSED_SHOWN:
        children.append(_Line("·", f"… and {len(missed) - _MISSED_SHOWN} more statements that do not match", None, "missed"))
    if needed:
        return _Line("✗", text, None, "missing", True, children=tuple(children))
    return _Line("·", text, None, "unneeded", children=tuple(children))


def _all_words(conditions: tuple[Condition, ...]) -> str:
    return join_words([in_words(c) for c in _unique(conditions)]) or "its condition holds"


def _unique(conditions: tuple[Condition, ...]) -> list[Condition]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    found = []
    for condition in conditions:
        key = (condition.operator, condition.key.lower(), condition.values)
        if key not in seen:
            seen.add(key)
            found.append(condition)
    return found


# ------------------------------------------------------------------ verbs


def headline(decision: Decision | VerbDecision, names: Names) -> str:
    """The one-line reason of an answer, as its first line says it (without the outcome)."""
    if isinstance(decision, VerbDecision):
        return _verb_headline(decision, _groups(decision, names), names)
    return _Words(decision.request.action, names.of(decision.request.resource)).put(_explain(decision, names).headline)


def _groups(verb: VerbDecision, names: Names) -> dict[_Explained, list[Decision]]:
    """The verb's requests by explanation: actions explained alike are explained once."""
    groups: dict[_Explained, list[Decision]] = {}
    for decision in verb.decisions:
        groups.setdefault(_explain(decision, names), []).append(decision)
    return groups


def _verb_headline(verb: VerbDecision, groups: dict[_Explained, list[Decision]], names: Names) -> str:
    if len(groups) == 1:
        (explained,) = groups
        return _Words(verb.verb, _queried_resource(verb, names)).put(explained.headline)
    return _verb_reason(verb)


def _render_verb(verb: VerbDecision, names: Names, out: "_Out") -> None:
    groups = _groups(verb, names)
    queried = _queried_resource(verb, names)
    out.row(0, "", f"{verb.outcome.display}: {_verb_headline(verb, groups, names)}")
    if len(groups) == 1:
        (explained,) = groups
        _render_body(explained, _Words(verb.verb, queried), 1, out)
    else:
        if verb.outcome is Outcome.PARTIAL:
            for label, outcomes in _PARTS:
                actions = [d.request.action for d in verb.decisions if d.outcome in outcomes]
                if actions:
                    out.row(1, "", f"{label}: {', '.join(actions)}")
        for explained, decisions in groups.items():
            if out.mode == "denies" and explained.outcome is Outcome.ALLOWED:
                continue  # nothing about these actions denies
            resources = _names_of(decisions, names)
            actions = [d.request.action for d in decisions]
            if len(resources) == 1:
                out.row(1, "", f"{', '.join(actions)} on {resources[0]}")
            else:
                out.row(1, "", ", ".join(f"{d.request.action} on {names.of(d.request.resource)}" for d in decisions))
            words = _Words(actions[0] if len(actions) == 1 else "them", resources[0] if len(resources) == 1 else queried)
            out.row(2, "", f"{explained.outcome.display}: {words.put(explained.headline)}")
            _render_body(explained, words, 2, out)
    if verb.skipped:
        out.row(1, "", f"note: not asked, they do not act on this kind of resource: {', '.join(verb.skipped)}")


# PARTIAL: which actions of the verb are allowed, which only under conditions, which not.
_PARTS = (
    ("allowed", (Outcome.ALLOWED,)),
    ("allowed only if conditions hold", (Outcome.CONDITIONAL,)),
    ("not allowed", (Outcome.EXPLICIT_DENY, Outcome.IMPLICIT_DENY)),
)


def _verb_reason(verb: VerbDecision) -> str:
    total = len(verb.decisions)
    if total == 0:
        return f"no action of {verb.verb} acts on this kind of resource"
    if verb.outcome is Outcome.ALLOWED:
        return f"all {total} actions of {verb.verb} are allowed"
    if verb.outcome is Outcome.PARTIAL:
        conditional = sum(1 for d in verb.decisions if d.outcome is Outcome.CONDITIONAL)
        text = f"{len(verb.allowed_actions)} of the {total} actions of {verb.verb} are allowed"
        return text + (f", {conditional} only if conditions hold" if conditional else "")
    if verb.outcome is Outcome.CONDITIONAL:
        return f"the {total} actions of {verb.verb} are allowed only if the conditions below hold"
    return f"none of the {total} actions of {verb.verb} is allowed"


def _queried_resource(verb: VerbDecision, names: Names) -> str:
    """The resource the verb was asked on: the shortest ARN asked (object actions add `/*`)."""
    asked = [d.request.resource for d in verb.decisions if d.request.resource != "*"]
    return names.of(min(asked, key=len)) if asked else "*"


def _names_of(decisions: list[Decision], names: Names) -> list[str]:
    found: list[str] = []
    for decision in decisions:
        name = names.of(decision.request.resource)
        if name not in found:
            found.append(name)
    return found


# ------------------------------------------------------------------ layout


@dataclass(frozen=True, slots=True)
class _Words:
    """What the placeholders stand for in one rendered block."""

    action: str
    resource: str

    def put(self, text: str) -> str:
        return text.replace(_ACTION, self.action).replace(_RESOURCE, self.resource)


def _render_body(explained: _Explained, words: _Words, depth: int, out: "_Out") -> None:
    for line in explained.lines:
        _render_line(line, words, depth, out)
    if explained.conditions:
        out.row(depth, "", "allowed only if all of these hold:")
        for text, iam in explained.conditions:
            out.row(depth + 1, "", text, iam)
    if explained.alternatives:
        out.row(depth, "", "and only if one of these holds:" if explained.conditions else "allowed only if one of these holds:")
        for group in explained.alternatives:
            out.row(depth + 1, "", " and ".join(text for text, _ in group), " and ".join(iam for _, iam in group))
    if explained.path:
        out.row(depth, "", f"path: {explained.path}")
    for note in explained.notes:
        out.row(depth, "", f"note: {words.put(note)}")
    for action, extra, resource in explained.extras:
        also = _Words(action, resource)
        out.row(depth, "", f"also needed: {action} on {resource}: {extra.outcome.display}: {also.put(extra.headline)}")
        _render_body(extra, also, depth + 1, out)


def _render_line(line: _Line, words: _Words, depth: int, out: "_Out") -> None:
    if not out.keeps(line):
        return
    out.row(depth, line.mark, words.put(line.text), line.where)
    quote = out.quote(line)
    if quote:
        out.row(depth + 2, "", f"| {quote}")
    for child in line.children:
        _render_line(child, words, depth + 2, out)


class _Out:
    """Rows of the answer; `text()` lines up the location column."""

    def __init__(self, mode: str, sources: Mapping[str, str]):
        self.mode = mode
        self.sources = sources
        self.rows: list[tuple[str, str | None]] = []

    def keeps(self, line: _Line) -> bool:
        if self.mode == "full":
            return True
        if self.mode == "summary":
            return line.deciding
        return line.kind in ("deny", "missing", "unknown", "near")  # denies

    def quote(self, line: _Line) -> str | None:
        """The source line a statement line points at (full mode; Denies in denies mode)."""
        span = line.span
        if span is None or span.file not in self.sources or line.kind in ("missed",):
            return None
        if self.mode == "summary" or (self.mode == "denies" and line.kind != "deny"):
            return None
        return _source_text(self.sources[span.file], span)

    def row(self, depth: int, mark: str, text: str, where: str | None = None) -> None:
        prefix = "  " * depth + (f"{mark} " if mark else "")
        self.rows.append((prefix + text, where))

    def text(self) -> str:
        widths = [len(text) for text, where in self.rows if where]
        column = min(max(widths, default=0) + 3, _COLUMN_MAX)
        lines = []
        for text, where in self.rows:
            if where:
                lines.append(text + " " * max(column - len(text), 3) + where)
            else:
                lines.append(text)
        return "\n".join(lines)


def _source_text(source: str, span: Span) -> str | None:
    """The statement's own text, on one line: its span's lines, without comments."""
    lines = source.splitlines()
    if not 0 < span.line <= span.end_line <= len(lines):
        return None
    chosen = lines[span.line - 1: span.end_line]
    chosen[-1] = chosen[-1][: span.end_column - 1]
    chosen[0] = chosen[0][span.column - 1:]
    text = " ".join(part.strip() for part in (_without_comment(line) for line in chosen) if part.strip())
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


def _without_comment(line: str) -> str:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


def _caveats(decisions: list[Decision], names: Names) -> list[str]:
    """Caveats once per answer, not once per action: mechanisms that are not modelled."""
    found: list[str] = []
    for decision in decisions:
        for caveat in decision.caveats:
            if caveat not in found:
                found.append(caveat)
        for mechanism in decision.not_modelled:
            resource = names.resource_node(decision.request.resource)
            text = f"{resource} declares {mechanism.value} enabled, which is not modelled and could change this answer"
            if text not in found:
                found.append(text)
    return found
