"""What `iamdsl diff` compares, defined once: the universe of requests of two models.

Stage: graph (two models -> the requests their access is made of).  The
universe of a pair of models (docs/diff.md says the same for users):

- **targets**: every modelled resource (its ARN, and `ARN/*` for a type
  with children, such as a bucket's objects), every role, user and group
  (as IAM resources), every customer-managed policy, and `*` for the actions
  without resource-level permissions (R5); a target declared in only one of
  the models is asked only there;
- **actions**: on each target, every catalogue action that acts on its type
  (graph/access.py `resource_targets`);
- **named principals**: the roles and users (as sessions), the root user of
  every modelled account, and an anonymous caller, of either model; one
  declared in only one model is asked only there;
- **symbolic principals**: on each target, those its resource policy (a
  role's trust policy) names in an Allow, in either model, and that the model
  cannot list (design.md §2): anyone outside the model, any principal in an
  organization outside it, any principal of an open account (or one named
  ARN in it), a service, the callers of an identity provider.  Each is a
  hypothetical caller that exists in both models, so a grant that moves from
  `account C` to `anyone` shows no loss for C.

Both models are asked about every request of the universe; a request allowed
in only one of them is access gained or lost (graph/diff.py).  The become
edges (graph/become.py) are compared beside it, over the actors of either
model.

`Universe` builds these tables once per model, lazily where a table is big:
the incremental diff (graph/region.py) asks only about a few targets.
`Grouping` splits a target's actions into groups decided alike, by the
patterns of the policies `in_play` for a principal and target, so that each
group is asked once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamdsl import catalog
from iamdsl.engine.actions import action_matches
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.evaluate import Evaluator
from iamdsl.engine.request import Caller, CallerKind
from iamdsl.engine.verbs import resource_type_of
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.engine.world import World
from iamdsl.graph.access import ANONYMOUS, type_actions, wildcard_only_actions
# who can's own helpers (graph/enumerate.py), so that a symbolic principal is the same caller in both answers
from iamdsl.graph.enumerate import OUTSIDE_ACCOUNT, _account_of, _open_caller, _org_ids
from iamdsl.model import Effect, Model, PrincipalKind, PrincipalType, Subject

STAR = "*"
_EMPTY = Context()
_NO_PATTERNS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Asker:
    """A principal of the universe: its name in the diff, the caller the engine sees, and what it stands for."""

    name: str  # `B.SomeRole`, `B.root`, `anonymous`, `anyone outside the model`, `service sns.amazonaws.com`, …
    caller: Caller
    context: Context = field(default_factory=lambda: _EMPTY)  # the facts a symbolic principal stands for (its organization); shared empty otherwise
    symbolic: bool = False

    @property
    def account(self) -> str | None:
        return self.caller.account


class Universe:
    """One model's part of the universe, with an Evaluator to ask it; tables are built when first needed."""

    def __init__(self, model: Model, evaluator: Evaluator | None = None):
        self.model = model
        self.evaluator = evaluator or Evaluator(model)
        self.world: World = self.evaluator.world
        self._names: dict[str, str] | None = None
        self._askers: dict[str, Asker] = {}
        self._by_account: dict[str, list[str]] | None = None
        self._targets: list[str] | None = None
        self._actions: dict[str, object] = {}
        self._by_service: dict[str, list[str]] = {}
        self._by_candidate: dict[str, list[str]] | None = None
        self._symbolic: dict[str, tuple[Asker, ...]] = {}
        self._modelled = frozenset(a.id for a in model.accounts.values() if not a.external)

    # ---------------------------------------------------------------- principals
    @property
    def names(self) -> dict[str, str]:
        """The named principals (as graph/access.py `principals` lists them), each with its account ID ("" for anonymous)."""
        if self._names is None:
            model = self.model
            ids = {a.name: a.id for a in model.accounts.values()}
            found: dict[str, str] = {}
            for entity in model.principals.values():
                if entity.kind is not PrincipalKind.GROUP and entity.account in ids:
                    found[entity.qualified_name] = ids[entity.account]
            for account in model.accounts.values():
                if not account.external:
                    found[f"{account.name}.root"] = account.id
            found[ANONYMOUS] = ""
            self._names = found
        return self._names

    def asker(self, name: str) -> Asker | None:
        """The named principal `name` of this model, or None."""
        found = self._askers.get(name)
        if found is None:
            account = self.names.get(name)
            if account is None:
                return None
            if name == ANONYMOUS:
                caller = Caller(CallerKind.ANONYMOUS)
            elif name.endswith(".root") and name.rsplit(".", 1)[0] in self.model.accounts and not self.model.accounts[name.rsplit(".", 1)[0]].external:
                caller = caller_for(Subject(kind="root", name=name), self.model)  # the root user wins a clash, as in `principals`
            else:
                caller = caller_for(Subject(kind="name", name=name), self.model)
            found = self._askers[name] = Asker(name, caller)
        return found

    def in_account(self, account: str) -> list[str]:
        """The named principals whose account is `account` (an ID)."""
        if self._by_account is None:
            table: dict[str, list[str]] = {}
            for name, owner in self.names.items():
                table.setdefault(owner, []).append(name)
            self._by_account = table
        return self._by_account.get(account, [])

    def symbolic(self, target: str) -> tuple[Asker, ...]:
        """The symbolic principals the target's own policy names in an Allow (a role's trust policy, for a role)."""
        found = self._symbolic.get(target)
        if found is None:
            found = self._symbolic[target] = tuple(_symbolic(self.world.owner_of(target), self._modelled)) if target != STAR else ()
        return found

    # ---------------------------------------------------------------- targets
    def actions(self, target: str) -> tuple[str, ...] | None:
        """The catalogue actions that act on the target, or None when it is no target of this model.

        Worked out per target, as graph/access.py `resource_targets` lists
        them all: a declared resource, role, user, group or customer-managed
        policy by its ARN, `ARN/*` for a type with children, and `*`.
        """
        found = self._actions.get(target, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._actions[target] = wildcard_only_actions() if target == STAR else _target_actions(self.model, self.world, target)
        return found  # type: ignore[return-value]

    def has(self, target: str) -> bool:
        return self.actions(target) is not None

    @property
    def targets(self) -> list[str]:
        """Every target ARN of the model, `*` first (their actions: `actions`)."""
        if self._targets is None:
            self._targets = [STAR] + [t for service in self._candidates() for t in self.in_service(service)]
        return self._targets

    def in_service(self, service: str) -> list[str]:
        """The targets whose ARN names this service (lower case); `*` names none."""
        found = self._by_service.get(service)
        if found is None:
            found = self._by_service[service] = [t for t in self._candidates().get(service, ()) if self.has(t)]
        return found

    def _candidates(self) -> dict[str, list[str]]:
        """The ARNs that may be targets, by service: every declared ARN, and `ARN/*` (a target only if its type has children)."""
        if self._by_candidate is None:
            table: dict[str, dict[str, None]] = {}
            model = self.model
            arns = [r.arn for r in model.resources.values()] + [e.arn for e in model.principals.values()] + list(model.managed_policies)
            for arn in arns:
                fields = arn.split(":", 3)
                if len(fields) >= 3:
                    found = table.setdefault(fields[2].lower(), {})
                    found[arn] = None
                    found[arn + "/*"] = None
            self._by_candidate = {service: list(found) for service, found in table.items()}
        return self._by_candidate

    def target_account(self, target: str) -> str | None:
        """The account ID that owns a target, as the engine sees it (None for `*`)."""
        return None if target == STAR else self.world.owner_of(target).account_id


_UNKNOWN = object()


def _target_actions(model: Model, world: World, target: str) -> tuple[str, ...] | None:
    """One target's actions, merged as `resource_targets` merges them when several things give the same ARN."""
    found = [type_actions(info)[0] for info in _types_at(model, world, target)]
    if target.endswith("/*"):  # the children of what has the ARN before `/*`
        found += [actions for info in _types_at(model, world, target[:-2]) for actions in type_actions(info)[1]]
    if not found:
        return None
    return found[0] if len(found) == 1 else tuple(dict.fromkeys(a for actions in found for a in actions))


def _types_at(model: Model, world: World, arn: str) -> list[catalog.ResourceTypeInfo]:
    """The catalogue types of what the model declares with this ARN: a resource, a role, user or group, a managed policy."""
    infos = []
    resource = world.resources_by_arn.get(arn)
    if resource is not None:
        infos.append(catalog.resource_type(resource.service, resource.type) if resource.type else resource_type_of(resource.arn, model))
    entity = world.entities_by_arn.get(arn)
    if entity is not None:
        infos.append(catalog.resource_type("iam", entity.kind.value))
    managed = model.managed_policies.get(arn)
    if managed is not None and managed.account in model.accounts:  # AWS-managed policies belong to no account of the model
        infos.append(catalog.resource_type("iam", "policy"))
    return [info for info in infos if info is not None]


def _symbolic(owned, modelled: frozenset[str]):
    """The symbolic principals an Allow of the owned resource's policy names (enumerate.py's, by a stable name)."""
    if owned.policy is None:
        return
    seen: set[str] = set()
    for statement in owned.policy.policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        named = list(statement.principals or ())
        everyone = statement.not_principals is not None  # R20: an Allow with NotPrincipal reaches everyone not listed
        for principal in named:
            kind, value = principal.type, principal.value
            if kind is PrincipalType.STAR or value == "*":
                everyone = True
            elif kind is PrincipalType.SERVICE:
                yield from _once(seen, Asker(f"service {value}", Caller(CallerKind.SERVICE, service=value), symbolic=True))
            elif kind is PrincipalType.FEDERATED:
                saml = ":saml-provider/" in value
                caller = Caller(CallerKind.SAML if saml else CallerKind.WEB_IDENTITY, provider=value)
                yield from _once(seen, Asker(f"{'saml' if saml else 'oidc'} {value}", caller, symbolic=True))
            elif kind is PrincipalType.AWS:
                account = _account_of(value)
                if account is None or account in modelled:
                    continue
                whole = value == account or value.endswith(":root")
                name = f"any principal of account {account} (open)" if whole else f"{value} (open account)"
                yield from _once(seen, Asker(name, _open_caller(account, None if whole else value), symbolic=True))
        if everyone:
            orgs = _org_ids(statement)
            if not orgs:
                yield from _once(seen, Asker("anyone outside the model", _open_caller(OUTSIDE_ACCOUNT, None), symbolic=True))
            for org in orgs:
                context = Context()
                context.set("aws:PrincipalOrgID", Lookup.given(org))
                yield from _once(seen, Asker(f"any principal in org {org} (outside the model)", _open_caller(OUTSIDE_ACCOUNT, None), context, True))


def _once(seen: set[str], asker: Asker):
    if asker.name not in seen:
        seen.add(asker.name)
        yield asker


# ---------------------------------------------------------------- deciding actions in groups


class Grouping:
    """Splits a target's actions into groups that one principal's requests decide alike, in both models.

    A decision depends on the action only through which Action/NotAction
    patterns of the statements in play match it, whether RCPs cover its
    service (R57), and the rules that name `sts:` actions (R71, R78, R81)
    (graph/access.py).  So the actions are grouped by the patterns of the
    policies in play for the principal and the target in either model (its
    identity policies, boundary, the target's resource or trust policy, the
    SCPs and RCPs above the two accounts), and of the statements a diff
    filters by: each group is decided by one representative.
    """

    def __init__(self) -> None:
        self._patterns: dict[int, tuple[object, dict[str, frozenset[str]]]] = {}  # per policy or statement, held
        self._merged: dict[frozenset[int], dict[str, frozenset[str]]] = {}
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        self._keys: dict[tuple[str, bool, frozenset[str]], tuple] = {}
        self._groups: dict[tuple, list[tuple[str, ...]]] = {}
        self._held: list[object] = []

    def groups(self, target: str, actions: tuple[str, ...], sources: frozenset[int]) -> list[tuple[str, ...]]:
        """The actions in groups, in catalogue order; `sources` are the ids of policies and statements `register`ed."""
        star = target == STAR
        memo_key = (id(actions), star, sources)
        found = self._groups.get(memo_key)
        if found is None:
            self._held.append(actions)  # keyed by id(): held so that the id stays its own
            merged = self._merged.get(sources)
            if merged is None:
                table: dict[str, set[str]] = {}
                for source in sources:
                    for service, patterns in self._patterns[source][1].items():
                        table.setdefault(service, set()).update(patterns)
                merged = self._merged[sources] = {k: self._intern(frozenset(v)) for k, v in table.items()}
            by_key: dict[tuple, list[str]] = {}
            for action in actions:
                by_key.setdefault(self._key(action, star, merged), []).append(action)
            found = self._groups[memo_key] = [tuple(group) for group in by_key.values()]
        return found

    def register(self, source) -> int:
        """A policy, or a statement, whose patterns split groups; its id for `groups`."""
        key = id(source)
        known = self._patterns.get(key)
        if known is None or known[0] is not source:
            by_service: dict[str, set[str]] = {}
            for statement in source.statements if hasattr(source, "statements") else (source,):
                add_patterns(by_service, statement)
            self._patterns[key] = (source, {k: self._intern(frozenset(v)) for k, v in by_service.items()})
        return key

    def _intern(self, patterns: frozenset[str]) -> frozenset[str]:
        return self._interned.setdefault(patterns, patterns)

    def _key(self, action: str, star: bool, merged: dict[str, frozenset[str]]) -> tuple:
        service = action.split(":", 1)[0].lower()
        patterns = merged.get(service, _NO_PATTERNS)
        memo_key = (action, star, patterns)  # a frozenset keeps its hash: cheap to key by, and never stale
        key = self._keys.get(memo_key)
        if key is None:
            special = action.lower() if service == "sts" else None  # R71, R78, R81 name sts actions
            covered = None if star else World.rcp_covers(service)  # RCPs never apply on "*" (R5)
            matched = frozenset(p for p in patterns if action_matches(p, action))
            key = self._keys[memo_key] = (special, covered, matched)
        return key


def in_play(universe: Universe, asker: Asker, target: str) -> list:
    """The policies that can be in play for the principal's requests on the target (a superset: RCPs for every action)."""
    world, caller = universe.world, asker.caller
    found: list = []
    entity = caller.entity
    identity_side = caller.kind.has_identity_side
    if identity_side and entity is not None:
        found.extend(ref.policy for ref in world.identity_policies(entity))
        boundary = world.boundary(entity)
        if boundary is not None:
            found.append(boundary.policy)
    if caller.session_policy is not None:
        found.append(caller.session_policy)
    owned = world.owner_of(target) if target != STAR else None
    if owned is not None and owned.policy is not None:
        found.append(owned.policy.policy)
    if identity_side:
        for _, refs in world.scp_levels(caller.account) or ():
            found.extend(ref.policy for ref in refs)
    if owned is not None:
        for _, refs in world.rcp_levels(owned.account_id) or ():
            found.extend(ref.policy for ref in refs)
    return found


def model_patterns(model: Model) -> dict[str, set[str]]:
    """The Action patterns of every statement of the model, by service."""
    by_service: dict[str, set[str]] = {}
    for _, policy in model.policies():
        for statement in policy.statements:
            add_patterns(by_service, statement)
    return by_service


def add_patterns(by_service: dict[str, set[str]], statement) -> None:
    """The statement's Action/NotAction patterns that can tell actions apart, by service."""
    for pattern in (statement.actions or ()) + (statement.not_actions or ()):
        prefix, sep, _ = pattern.partition(":")
        # "*" matches every action alike, and a wildcarded prefix matches none (R14)
        if sep and not has_wildcard(prefix):
            by_service.setdefault(prefix.lower(), set()).add(pattern)
