"""A verb is several requests: each action against the resource it really acts on.

Stage: engine, above single requests (design.md §1, verbs; issue: PARTIAL).

`can B.SomeRole pull A.repo` asks four questions: three repository actions on
the repository, and ecr:GetAuthorizationToken on `*` (R5).  The answer is
ALLOWED only if every one is allowed, denied if none is, and PARTIAL in
between, naming what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamdsl import catalog
from iamdsl.engine.evaluate import Decision, Evaluator, Outcome
from iamdsl.engine.request import Caller, Request
from iamdsl.engine.context import Context
from iamdsl.model import Model


@dataclass(slots=True)
class VerbDecision:
    outcome: Outcome
    verb: str
    decisions: list[Decision] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # actions that do not apply to the resource's type
    # Actions no Allow statement could reach, so they are denied and were not asked (graph/candidates.py);
    # only `who can` leaves any out, and only where the answer is PARTIAL either way.
    unasked: list[str] = field(default_factory=list)

    def explain(self, model, *, mode: str = "full", sources=None) -> str:
        """This decision as text (design.md §1); rendering lives in `iamdsl.explain`."""
        from iamdsl.explain.text import render

        return render(self, model, mode=mode, sources=sources)

    @property
    def allowed_actions(self) -> list[str]:
        return [d.request.action for d in self.decisions if d.outcome is Outcome.ALLOWED]

    @property
    def reasons(self) -> frozenset[str]:
        found: set[str] = set()
        for decision in self.decisions:
            found |= decision.reasons
        return frozenset(found)


_declared: tuple[Model | None, dict[str, catalog.ResourceTypeInfo | None]] = (None, {})


def _declared_types(model: Model) -> dict[str, catalog.ResourceTypeInfo | None]:
    """The type of each declared resource and principal, by ARN, built once per model.

    `iamdsl check` pairs the actions of every expect line: scanning the model
    each time made 10,000 lines on a large model cost seconds.
    """
    global _declared
    held, types = _declared
    if held is not model:
        types = {}
        for resource in model.resources.values():
            if resource.type:
                types.setdefault(resource.arn, catalog.resource_type(resource.service, resource.type))
        for entity in model.principals.values():
            types.setdefault(entity.arn, catalog.resource_type("iam", entity.kind.value))
        _declared = (model, types)
    return types


def resource_type_of(arn: str, model: Model) -> catalog.ResourceTypeInfo | None:
    declared = _declared_types(model)
    if arn in declared:
        return declared[arn]
    fields = arn.split(":", 5)
    if len(fields) < 6:
        return None
    for info in catalog.service_resource_types(fields[2]):
        word = info.arn_template.split(":", 5)[-1].split("${", 1)[0]
        if word and fields[5].startswith(word):
            return info
    if fields[2] == "s3" and "/" in fields[5]:
        return catalog.resource_type("s3", "object")
    if fields[2] == "s3":
        return catalog.resource_type("s3", "bucket")
    return None


def requests_for(actions: tuple[str, ...], resource: str, model: Model) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair each action with the resource it acts on: (action, resource) pairs, and skipped actions."""
    rtype = resource_type_of(resource, model) if resource != "*" else None
    pairs: list[tuple[str, str]] = []
    skipped: list[str] = []
    for action in actions:
        info = catalog.action(action)
        if info is None or rtype is None or resource == "*":
            pairs.append((action, "*" if info is not None and info.wildcard_only else resource))
            continue
        reach = catalog.applies_to(info, rtype)
        if reach == "self":
            pairs.append((action, resource))
        elif reach == "child":
            pairs.append((action, resource + "/*"))  # "any object of the bucket"
        elif info.wildcard_only:
            pairs.append((action, "*"))
        else:
            skipped.append(action)
    return pairs, skipped


def evaluate_actions(
    evaluator: Evaluator, caller: Caller, verb: str, actions: tuple[str, ...], resource: str, context: Context, *, trace: bool = True
) -> VerbDecision:
    pairs, skipped = requests_for(actions, resource, evaluator.model)
    decisions = [evaluator.evaluate(Request(caller, action, target, context), trace=trace) for action, target in pairs]
    return VerbDecision(combine([d.outcome for d in decisions]), verb, decisions, skipped)


def combine(outcomes: list[Outcome]) -> Outcome:
    if not outcomes:
        return Outcome.IMPLICIT_DENY
    if all(o is Outcome.ALLOWED for o in outcomes):
        return Outcome.ALLOWED
    if all(o.denied for o in outcomes):
        return Outcome.EXPLICIT_DENY if any(o is Outcome.EXPLICIT_DENY for o in outcomes) else Outcome.IMPLICIT_DENY
    if any(o is Outcome.ALLOWED for o in outcomes) and any(o.denied for o in outcomes):
        return Outcome.PARTIAL
    if any(o.denied for o in outcomes):
        return Outcome.PARTIAL  # some denied, some conditional: partial, never all-or-nothing
    return Outcome.CONDITIONAL
