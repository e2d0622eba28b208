"""Who can do this? A brute-force enumerator over every principal, named or symbolic.

Stage: graph (many requests).  It asks the engine the same question for every
principal the model declares, every root user of a modelled account, and the
symbolic principals the resource's policy reaches but the model cannot list
(design.md §2, "the world is open"):

- anyone, when a statement names `"*"`: an anonymous caller, and a principal
  of an account outside the model;
- any principal of an open account (`external`, or only referenced by ID),
  whose IAM policies are unknown, so iamdsl assumes they could allow anything;
- a service or an identity provider that a statement names.

Roles and users that no Allow statement could reach are implicitly denied,
and are left out before the engine is asked (`candidates.py`: exact
pruning).  `who_can(..., prune=False)` asks every principal, which is how the
tests check the pruning.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.verbs import VerbDecision, evaluate_actions, requests_for
from iamdsl.graph.candidates import candidates_for
from iamdsl.model import Effect, IdentityEntity, Model, Policy, PolicyKind, Principal, PrincipalKind, PrincipalType, Statement, Subject

PARTIAL_TRACED = 10  # up to this many PARTIAL answers get a traced decision (a path); more are a crowd
OUTSIDE_ACCOUNT = "999999999999"  # stands for "an account the model does not know"
_ALLOW_EVERYTHING = Policy(
    name="unknown IAM policies",
    kind=PolicyKind.IDENTITY,
    statements=(Statement(effect=Effect.ALLOW, actions=("*",), resources=("*",)),),
)


@dataclass(slots=True)
class Reach:
    """One principal's answer to the question."""

    label: str  # `B.SomeRole`, `B.root (root user)`, `any principal of account 333333333333`, `anyone`
    caller: Caller
    decision: VerbDecision
    symbolic: bool = False
    root: bool = False
    name: str | None = None  # the qualified name a spec would use (`B.SomeRole`, `B.root`)
    keys: tuple[str, ...] = ()  # what an `only {…}` list may call it: `B.SomeRole`, `anyone`, `account 333333333333`, …

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome

    @property
    def denied(self) -> bool:
        return self.outcome.denied


class Reaches(list):
    """The principals asked, each with its answer; `considered` counts those left out as surely denied too."""

    considered: int = 0


def who_can(
    model: Model, evaluator: Evaluator, verb: str, actions: tuple[str, ...], resource: str, context: Context,
    *, prune: bool = True, trace: bool = False,
) -> Reaches:
    """Every principal that might be allowed, with its answer, in a stable order.

    With `trace=False` the engine decides without the trace, and only the
    first action a principal is not denied is decided again with it, which
    is what its path needs; `trace=True` traces every decision (coverage).
    """
    requests = candidates_for(model).by_request(actions, resource) if prune else None
    possible = _union(requests)
    found = Reaches()
    for label, caller, symbolic, root, name, facts, keys in _candidates(model, resource, possible):
        asked = _asked(requests, name) if not trace and not root and not symbolic else None
        decision = _decide(evaluator, caller, verb, actions, resource, _with(context, facts), trace=trace, asked=asked)
        if not trace and decision.outcome in (Outcome.ALLOWED, Outcome.CONDITIONAL):
            decision = _traced_first(evaluator, decision)
        found.append(Reach(label, caller, decision, symbolic, root, name, keys))
    partial = [index for index, reach in enumerate(found) if reach.outcome is Outcome.PARTIAL]
    if not trace and len(partial) <= PARTIAL_TRACED:
        # A crowd of PARTIAL answers is counted, not drawn (explain/listing.py): only a few get a path.
        for index in partial:
            reach = found[index]
            reach.decision = _traced_first(evaluator, reach.decision)
    found.considered = len(found) + _left_out(model, possible)
    return found


def _union(requests) -> set[str] | None:
    if requests is None or any(names is None for _, names in requests):
        return None
    return set().union(*(names for _, names in requests))


def _asked(requests, name: str | None) -> list[tuple[str, str]] | None:
    """The requests some Allow might grant `name`, or None when that is all of them (or unknown)."""
    if requests is None or name is None:
        return None
    asked = [pair for pair, names in requests if names is None or name in names]
    return None if len(asked) == len(requests) else asked


def _decide(evaluator: Evaluator, caller, verb: str, actions: tuple[str, ...], resource: str, context: Context, *, trace: bool, asked) -> VerbDecision:
    """The verb's answer.  With `asked`, only those requests are decided: every other one has no Allow
    that could reach the caller, so it is denied, and if any asked one is not, the answer is PARTIAL
    whatever the rest say.  When every asked one is denied too, all are decided, for the exact kind of denial."""
    if asked is not None:
        decisions = [evaluator.evaluate(Request(caller, action, target, context), trace=False) for action, target in asked]
        if any(not d.outcome.denied for d in decisions):
            pairs, skipped = requests_for(actions, resource, evaluator.model)
            taken = {(d.request.action, d.request.resource) for d in decisions}
            unasked = [action for action, target in pairs if (action, target) not in taken]
            return VerbDecision(Outcome.PARTIAL, verb, decisions, skipped, unasked)
    return evaluate_actions(evaluator, caller, verb, actions, resource, context, trace=trace)


def _traced_first(evaluator: Evaluator, decision: VerbDecision) -> VerbDecision:
    """The same answer, with its first decision that is not a denial traced (for the path)."""
    decisions = list(decision.decisions)
    for index, one in enumerate(decisions):
        if not one.outcome.denied:
            decisions[index] = evaluator.evaluate(one.request, trace=True)
            break
    return VerbDecision(decision.outcome, decision.verb, decisions, list(decision.skipped), list(decision.unasked))


def _left_out(model: Model, possible: set[str] | None) -> int:
    if possible is None:
        return 0
    named = sum(1 for e in model.principals.values() if e.kind is not PrincipalKind.GROUP and e.account in model.accounts)
    return named - len(possible & set(model.principals))


def _with(context: Context, facts: dict[str, str]) -> Context:
    """The query's context, plus what a symbolic principal stands for (its organization)."""
    if not facts:
        return context
    merged = context.copy()
    for key, value in facts.items():
        merged.set(key, Lookup.given(value))
    return merged


def _candidates(model: Model, resource: str, possible: set[str] | None):
    modelled = {a.id for a in model.accounts.values() if not a.external}
    for entity in model.principals.values():
        if entity.kind is PrincipalKind.GROUP or entity.account not in model.accounts:
            continue
        if possible is not None and entity.qualified_name not in possible:
            continue
        name = entity.qualified_name
        yield name, caller_for(Subject(kind="name", name=name), model), False, False, name, {}, (name,)
    for account in model.accounts.values():
        if not account.external:
            name = f"{account.name}.root"
            yield f"{name} (root user)", caller_for(Subject(kind="root", name=name), model), False, True, name, {}, (name,)
    yield from _symbolic(model, resource, modelled)


def symbolic_principals(model: Model, resource: str) -> list[tuple[str, Caller, dict[str, str], tuple[str, ...]]]:
    """The symbolic principals the resource's policy reaches: (label, caller, the context
    facts it stands for, what an `only` list calls it).  The Permissions Graph draws them."""
    modelled = {a.id for a in model.accounts.values() if not a.external}
    return [(label, caller, facts, keys) for label, caller, _, _, _, facts, keys in _symbolic(model, resource, modelled)]


def _symbolic(model: Model, resource: str, modelled: set[str]):
    names = {a.id: a.name for a in model.accounts.values()}
    seen: set[str] = set()
    for principal, statement in _granted_principals(model, resource):
        value, kind = principal.value, principal.type
        facts: dict[str, str] = {}
        if kind is PrincipalType.STAR or value == "*":
            orgs = _org_ids(statement)
            found = [("anyone (anonymous)", Caller(CallerKind.ANONYMOUS), {}, ("anonymous", "anyone"))]
            if orgs:  # design.md §2: a grant to everyone in an organization reaches "any principal in org o-…"
                found += [
                    (f"any principal in org {org} (outside the model)", _open_caller(OUTSIDE_ACCOUNT, None),
                     {"aws:PrincipalOrgID": org}, (f"organization {org}", "anyone"))
                    for org in orgs
                ]
            else:
                found.append(("any principal of an account outside the model", _open_caller(OUTSIDE_ACCOUNT, None), {}, ("anyone",)))
        elif kind is PrincipalType.SERVICE:
            found = [(f"service {value}", Caller(CallerKind.SERVICE, service=value), facts, (f"service {value}",))]
        elif kind is PrincipalType.FEDERATED:
            found = [(f"callers of {value}", Caller(CallerKind.WEB_IDENTITY, provider=value), facts, (f"federated {value}",))]
        elif kind is PrincipalType.AWS:
            account = _account_of(value)
            if account is None or account in modelled:
                continue
            label = f"any principal of account {names.get(account, account)} (open: its IAM policies are unknown)"
            found = [(label, _open_caller(account, value), facts, (f"account {account}",))]
        else:
            continue
        for label, caller, given, keys in found:
            if label not in seen:
                seen.add(label)
                yield label, caller, True, False, None, given, keys


def _org_ids(statement: Statement) -> list[str]:
    """The organizations a statement's `aws:PrincipalOrgID` condition admits (exact values only)."""
    found: list[str] = []
    for condition in statement.conditions:
        base = condition.operator.removesuffix("IfExists")
        if condition.key.lower() == "aws:principalorgid" and base in ("StringEquals", "StringEqualsIgnoreCase"):
            found.extend(v for v in condition.values if "$" not in v)
    return list(dict.fromkeys(found))


def _granted_principals(model: Model, resource: str) -> list[tuple[Principal, Statement]]:
    """Principals named by Allow statements of the resource's policy (or the role's trust policy)."""
    policies: list[Policy] = []
    for candidate in model.resources.values():
        if candidate.policy is not None and (resource == candidate.arn or resource.startswith(candidate.arn + "/")):
            policies.append(candidate.policy)
    for entity in model.principals.values():
        if entity.arn == resource and entity.trust_policy is not None:
            policies.append(entity.trust_policy)
    found: list[tuple[Principal, Statement]] = []
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            if statement.not_principals is not None:
                found.append((Principal(type=PrincipalType.STAR, value="*"), statement))  # R20: everyone not listed
            found.extend((principal, statement) for principal in statement.principals or ())
    return found


def _account_of(value: str) -> str | None:
    if len(value) == 12 and value.isdigit():
        return value
    fields = value.split(":", 5)
    if len(fields) == 6 and fields[0] == "arn" and fields[4].isdigit() and len(fields[4]) == 12:
        return fields[4]
    return None


def _open_caller(account: str, arn: str | None) -> Caller:
    """A principal of an account whose IAM policies iamdsl cannot see: assume they allow anything."""
    role_arn = arn if arn and ":role/" in arn else f"arn:aws:iam::{account}:role/unknown"
    entity = IdentityEntity(kind=PrincipalKind.ROLE, account=account, name="unknown", arn=role_arn, inline_policies=(_ALLOW_EVERYTHING,))
    session = f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/session"
    if arn and ":user/" in arn:
        entity = entity.model_copy(update={"kind": PrincipalKind.USER, "arn": arn})
        return Caller(CallerKind.USER, account=account, arn=arn, principal_arn=arn, entity=entity)
    return Caller(CallerKind.ROLE_SESSION, account=account, arn=session, principal_arn=role_arn, entity=entity, session_name="session")
