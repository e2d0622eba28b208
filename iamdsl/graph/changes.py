"""What changed between two models, and which requests of the universe it can affect.

Stage: graph (two models -> the region of the universe a change can touch).

A decision depends on the statements in play that cover its action, match
its resource and reach its caller, in every layer (identity, with groups and
managed policies; boundary; resource or trust policy; the SCPs and RCPs of
the accounts' organization path), and on the facts its context derives from
the model (tags, organization, accounts, `now`).  Endpoint policies are never
in play in the universe (its requests give no aws:SourceVpce) and session
policies neither (its callers carry none).  So the difference of two models
is taken where the engine puts statements in play:

- each *placement* (the identity policies of a principal, its boundary, the
  policy of a resource, the trust policy of a role, one SCP or RCP level of
  an account) holds a set of statements, compared by meaning (without spans
  or Sids): a statement added or removed there can affect only the requests
  it could apply to, a `Box`: the principals it can reach (the owner, the
  callers of an account, or those its Principal element names), the targets
  its Resource/NotResource can match (or the resource it belongs to), and the
  actions its Action/NotAction covers.  Each is decided by the engine's own
  predicates (`CompiledStatement`), so the box is never too small;
- a principal or target that is added, removed or changed in what it is
  (kind, account, ARN, type) is a whole row or column;
- a fact that changes (a principal's or resource's tags, an account's
  organization path, `now`) re-asks the requests of the statements that read
  it, as though they had changed;
- a change in an SCP or RCP level's shape (a level more or less, SCPs that
  start or stop applying) is every request of the account's callers, or on
  its targets.

`compare` walks both models once, owner by owner (roles, users and groups,
managed policies, resources, accounts and their organization levels), and
compares each policy with its counterpart statement by statement, in order,
spans and Sids aside (`same_policy`): that quick test passes for nearly every
policy of two loads of nearly the same text, and only a policy that fails it
is compared by meaning (`statement_key`).  `Snapshot` is one model as
`compare` reads it.  It returns the boxes, and what graph/region.py needs to
find the principals whose become edges may have changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterator

from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.settings import DEFAULT_SETTINGS
from iamdsl.graph.universe import Universe
from iamdsl.model import IdentityEntity, Model, Policy, PrincipalKind, Statement

Key = tuple  # a statement's meaning: what the engine reads of it, without its span and Sid
Placed = tuple[Policy, ...]  # the policies at a placement (or one SCP or RCP level)

IDENTITY, BOUNDARY, RESOURCE, TRUST, SCP, RCP = "identity", "boundary", "resource", "trust", "scp", "rcp"

_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_PRINCIPAL_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
_RESOURCE_ORG_KEYS = frozenset({"aws:resourceorgid", "aws:resourceorgpaths"})
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def statement_key(statement: Statement, policy: Policy) -> Key:
    """What the engine reads of a statement: never its span or Sid; the policy's version (R12) and kind."""
    return (
        policy.version == "2012-10-17", policy.kind, statement.effect,
        statement.actions, statement.not_actions, statement.resources, statement.not_resources,
        None if statement.principals is None else tuple((p.type, p.value) for p in statement.principals),
        None if statement.not_principals is None else tuple((p.type, p.value) for p in statement.not_principals),
        tuple((c.operator, c.key, c.values) for c in statement.conditions),
    )


def same_policy(a: Policy, b: Policy) -> bool:
    """Whether two policies say the same, statement by statement in order (spans and Sids aside).

    The quick test that most policies pass, two loads of the same text
    apart; a policy that fails it is compared by meaning (`statement_key`).
    """
    if a is b:
        return True
    if a.version != b.version or a.kind is not b.kind or len(a.statements) != len(b.statements):
        return False
    for x, y in zip(a.statements, b.statements):
        dx, dy = x.__dict__, y.__dict__
        if not (
            dx["effect"] is dy["effect"] and dx["actions"] == dy["actions"] and dx["resources"] == dy["resources"]
            and dx["not_actions"] == dy["not_actions"] and dx["not_resources"] == dy["not_resources"]
            and dx["principals"] == dy["principals"] and dx["not_principals"] == dy["not_principals"]
            and _same_conditions(dx["conditions"], dy["conditions"])
        ):
            return False
    return True


def _same_conditions(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.operator != y.operator or x.key != y.key or x.values != y.values:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Placement:
    kind: str  # IDENTITY, BOUNDARY (owner: principal name), RESOURCE, TRUST (owner: ARN), SCP, RCP (owner: account ID)
    owner: str
    level: int = 0  # SCP and RCP levels, from the organization root down


# ---------------------------------------------------------------- one model


class Snapshot:
    """One model as `compare` reads it: the model, its world (for organizations), and tables built when first asked."""

    def __init__(self, universe: Universe):
        self.universe = universe
        self.model = universe.model
        self.world = universe.world
        self.ids = {a.name: a.id for a in self.model.accounts.values()}
        self.now = universe.evaluator.now
        self._members: dict[str, list[str]] | None = None
        self._attached: dict[str, list[str]] | None = None

    def callers(self) -> Iterator[IdentityEntity]:
        """The roles and users that call (their account is the model's)."""
        ids = self.ids
        for entity in self.model.principals.values():
            if entity.kind is not PrincipalKind.GROUP and entity.account in ids:
                yield entity

    def identity(self, name: str) -> Placed | None:
        entity = self.model.principals.get(name)
        if entity is None or entity.kind is PrincipalKind.GROUP or entity.account not in self.ids:
            return None
        return identity_policies(self.model, entity)

    def boundary(self, name: str) -> Placed | None:
        """The boundary layer's policy (None: no boundary layer, as `World.boundary` finds it)."""
        entity = self.model.principals.get(name)
        if entity is None or entity.boundary is None:
            return None
        managed = self.model.managed_policies.get(entity.boundary)
        return None if managed is None else (managed.policy,)

    def members(self, group: str) -> list[str]:
        """The users of a group, by name."""
        if self._members is None:
            table: dict[str, list[str]] = {}
            for entity in self.callers():
                for name in entity.groups:
                    table.setdefault(name, []).append(entity.qualified_name)
            self._members = table
        return self._members.get(group, [])

    def attached(self, arn: str) -> list[str]:
        """The callers whose identity or boundary a managed policy is part of (directly, or through a group)."""
        if self._attached is None:
            table: dict[str, list[str]] = {}
            groups = {e.qualified_name: e for e in self.model.principals.values() if e.kind is PrincipalKind.GROUP}
            for entity in self.callers():
                arns = list(entity.managed_policies) + [entity.boundary or ""]
                for name in entity.groups:
                    if name in groups:
                        arns += groups[name].managed_policies
                for each in dict.fromkeys(arns):
                    table.setdefault(each, []).append(entity.qualified_name)
            self._attached = table
        return self._attached.get(arn, [])

    def scp(self, account: str) -> tuple[Placed, ...] | None:
        levels = self.world.scp_levels(account)
        return None if levels is None else tuple(tuple(ref.policy for ref in refs) for _, refs in levels)

    def rcp(self, account: str) -> tuple[Placed, ...] | None:
        levels = self.world.rcp_levels(account)
        return None if levels is None else tuple(tuple(ref.policy for ref in refs) for _, refs in levels)

    def org(self, account: str) -> tuple | None:
        """What the facts say of an account's organization (facts.py): its ID and path, none, or unknown."""
        placement = self.world.placement(account)
        if placement is not None:
            return placement.org.id, placement.paths
        known = self.world.accounts_by_id.get(account)
        return None if known is None or known.external else ("not in an organization",)

    def placements(self) -> Iterator[tuple[Placement, Placed]]:
        """Every placement with its policies (worked out now: for the rare changes that ask them all)."""
        model = self.model
        for entity in self.callers():
            name = entity.qualified_name
            yield Placement(IDENTITY, name), identity_policies(model, entity)
            boundary = self.boundary(name)
            if boundary is not None:
                yield Placement(BOUNDARY, name), boundary
        for resource in model.resources.values():
            if resource.policy is not None:
                yield Placement(RESOURCE, resource.arn), (resource.policy,)
        for entity in model.principals.values():
            if entity.trust_policy is not None:
                yield Placement(TRUST, entity.arn), (entity.trust_policy,)
        for account in self.ids.values():
            for kind, levels in ((SCP, self.scp(account)), (RCP, self.rcp(account))):
                for level, placed in enumerate(levels or ()):
                    yield Placement(kind, account, level), placed


def identity_policies(model: Model, entity) -> Placed:
    """The identity policies of a role or user, as `World.identity_policies` finds them (R2), without their labels."""
    owners = [entity]
    if entity.kind is PrincipalKind.USER:
        owners += [model.principals[g] for g in entity.groups if g in model.principals]
    found: list[Policy] = []
    for owner in owners:
        found.extend(owner.inline_policies)
        for arn in owner.managed_policies:
            managed = model.managed_policies.get(arn)
            if managed is not None:
                found.append(managed.policy)
    return tuple(found)


def held(placed: Placed | None) -> dict[Key, tuple[Statement, Policy]]:
    """A placement's statements by meaning, each with a policy it stands in."""
    found: dict[Key, tuple[Statement, Policy]] = {}
    for policy in placed or ():
        for statement in policy.statements:
            found.setdefault(statement_key(statement, policy), (statement, policy))
    return found


# ---------------------------------------------------------------- the requests a change can affect


@dataclass(slots=True)
class Box:
    """Requests of the universe: the principals × targets × actions that pass every filter set here.

    An unset filter lets everything through; a box with none set is the whole universe.
    """

    principals: frozenset[str] | None = None  # names
    account: str | None = None  # callers of this account only
    grant: CompiledStatement | None = None  # callers its Principal element reaches (in either model)
    targets: frozenset[str] | None = None  # target ARNs
    target_account: str | None = None  # targets this account owns only
    resources: CompiledStatement | None = None  # targets its Resource/NotResource can match
    actions: CompiledStatement | None = None  # actions it covers
    sts_only: bool = False  # trust policies decide sts actions only (R71)
    why: str = ""  # for debugging and the benchmark's notes

    def narrowed(self, **limits) -> Box | None:
        """This box within `limits` (principals, account, targets, target_account), or None when nothing is left."""
        found = replace(self)
        for name in ("principals", "targets"):
            limit = limits.get(name)
            if limit is not None:
                mine = getattr(found, name)
                setattr(found, name, limit if mine is None else mine & limit)
                if not getattr(found, name):
                    return None
        for name in ("account", "target_account"):
            limit = limits.get(name)
            if limit is not None:
                mine = getattr(found, name)
                if mine is not None and mine != limit:
                    return None
                setattr(found, name, limit)
        return found


@dataclass(slots=True)
class Region:
    """What `compare` found: the boxes to ask again, and the actors whose become edges to ask again."""

    boxes: list[Box] = field(default_factory=list)
    actors: set[str] = field(default_factory=set)  # names; `*` for every actor
    actor_accounts: set[str] = field(default_factory=set)  # every actor of these account IDs
    actor_boxes: list[Box] = field(default_factory=list)  # every actor a box's principals reach

    @property
    def empty(self) -> bool:
        return not (self.boxes or self.actors or self.actor_accounts or self.actor_boxes)


def compile_statement(statement: Statement, policy: Policy) -> CompiledStatement:
    return CompiledStatement(0, statement, policy, DEFAULT_SETTINGS)


def box_of(placement: Placement, statement: Statement, policy: Policy, old: Snapshot, new: Snapshot) -> Box:
    """The requests a statement at this placement can apply to."""
    compiled = compile_statement(statement, policy)
    why = f"{placement.kind} {placement.owner}"
    if placement.kind in (IDENTITY, BOUNDARY):
        return Box(principals=frozenset({placement.owner}), resources=compiled, actions=compiled, why=why)
    if placement.kind == RESOURCE:
        return Box(targets=_owned_targets(placement.owner, old, new), grant=compiled, resources=compiled, actions=compiled, why=why)
    if placement.kind == TRUST:
        return Box(targets=frozenset({placement.owner}), grant=compiled, actions=compiled, sts_only=True, why=why)
    if placement.kind == SCP:
        return Box(account=placement.owner, resources=compiled, actions=compiled, why=why)
    return Box(target_account=placement.owner, grant=compiled, resources=compiled, actions=compiled, why=why)


def _owned_targets(arn: str, old: Snapshot, new: Snapshot) -> frozenset[str]:
    """The targets whose resource policy is the one of resource `arn`: itself, and its children."""
    return frozenset({arn, arn + "/*"})  # the child only where a model has it (region.py asks only existing targets)


def compare(old: Snapshot, new: Snapshot) -> Region:
    """The region of the universe where the two models can decide differently."""
    return _Comparison(old, new).region


class _Comparison:
    """One pass over both models, owner by owner: what each policy owner changed, as boxes of requests."""

    def __init__(self, old: Snapshot, new: Snapshot):
        self.old, self.new = old, new
        self.region = region = Region()
        self.changed: list[tuple[Placement, Statement, Policy]] = []  # statements added or removed at a placement
        self._same: dict[tuple[int, int], bool] = {}  # same_policy, once per pair
        self.identities: set[str] = set()  # callers whose identity policies may differ
        self.boundaries: set[str] = set()  # callers whose boundary may differ
        self.principal_facts: dict[str, set[str]] = {}  # principal -> changed keys of its facts
        self.target_facts: dict[str, set[str]] = {}  # target -> changed tag keys
        self._principals()
        self._managed()
        self._resources()
        self._roots()
        for name in self.identities:
            self.held_diff(Placement(IDENTITY, name), old.identity(name), new.identity(name))
        for name in self.boundaries:
            before, after = old.boundary(name), new.boundary(name)
            if (before is None) != (after is None):  # the boundary layer comes or goes: R64 for every request
                self.row(name, f"boundary of {name}")
            else:
                self.held_diff(Placement(BOUNDARY, name), before, after)
        mentioned, account_facts = self._accounts()
        time_changed = old.now != new.now
        if old.model.partition != new.model.partition or old.model.region != new.model.region:
            region.boxes.append(Box(why="partition or region"))  # every ARN changes
            region.actors.add("*")
        # every changed statement, as the requests it can apply to
        for placement, statement, policy in self.changed:
            _add(region, box_of(placement, statement, policy, old, new))
        # statements that name a changed account (open or modelled, its ID), as though they had changed
        if mentioned:
            for placement, statement, policy in _every_statement(old, new):
                if _mentions(statement, mentioned):
                    _add(region, box_of(placement, statement, policy, old, new))
        # facts that changed: the statements that read them, within the principals or targets they are about
        if self.principal_facts or self.target_facts or account_facts or time_changed:
            for placement, statement, policy, reads in _readers(old, new):
                if time_changed and reads & _TIME_KEYS:
                    _add(region, box_of(placement, statement, policy, old, new))
                for name, keys in self.principal_facts.items():
                    if reads & keys:
                        _add(region, box_of(placement, statement, policy, old, new).narrowed(principals=frozenset({name})))
                for target, keys in self.target_facts.items():
                    if any(read.endswith(f":resourcetag/{k}") for read in reads for k in keys):
                        _add(region, box_of(placement, statement, policy, old, new).narrowed(targets=frozenset({target})))
                for account in account_facts:
                    if reads & _PRINCIPAL_ORG_KEYS:
                        _add(region, box_of(placement, statement, policy, old, new).narrowed(account=account))
                    if reads & _RESOURCE_ORG_KEYS:
                        _add(region, box_of(placement, statement, policy, old, new).narrowed(target_account=account))

    # ---------------------------------------------------------------- helpers
    def same(self, a: Policy | None, b: Policy | None) -> bool:
        if a is None or b is None:
            return a is b
        pair = (id(a), id(b))
        found = self._same.get(pair)
        if found is None:
            found = self._same[pair] = same_policy(a, b)
        return found

    def held_diff(self, placement: Placement, before: Placed | None, after: Placed | None) -> None:
        before, after = before or (), after or ()
        if len(before) == len(after) and all(self.same(a, b) for a, b in zip(before, after)):
            return  # the same policies, statement for statement
        was, now = held(before), held(after)
        for key, (statement, policy) in was.items():
            if key not in now:
                self.changed.append((placement, statement, policy))
        for key, (statement, policy) in now.items():
            if key not in was:
                self.changed.append((placement, statement, policy))

    def row(self, name: str, why: str) -> None:
        """Every request of a principal (it is added, removed, or not the same caller)."""
        self.region.boxes.append(Box(principals=frozenset({name}), why=why))
        self.region.actors.add(name)

    def column(self, arn: str, why: str) -> None:
        """Every request on a target and its children (added, removed, or not the same resource)."""
        self.region.boxes.append(Box(targets=frozenset({arn, arn + "/*"}), why=why))

    def accounts_of(self, name: str) -> None:
        """Every actor of the accounts that hold `name`: PassRole, EditPolicy and CreateCredentials stay in one account."""
        for snapshot in (self.old, self.new):
            entity = snapshot.model.principals.get(name)
            if entity is not None and entity.account in snapshot.ids:
                self.region.actor_accounts.add(snapshot.ids[entity.account])

    # ---------------------------------------------------------------- owners
    def _principals(self) -> None:
        old, new = self.old.model, self.new.model
        old_ids, new_ids = self.old.ids, self.new.ids
        for name in old.principals.keys() | new.principals.keys():
            a, b = old.principals.get(name), new.principals.get(name)
            if a is not None and b is not None and a.kind is b.kind and a.arn == b.arn and a.name == b.name and a.path == b.path \
                    and old_ids.get(a.account) == new_ids.get(b.account) and (a.account in old_ids) == (b.account in new_ids):
                self._entity(name, a, b)
                continue
            # added, removed, or not the same entity: its requests, the requests on it, and its members' or users' identities
            for entity, snapshot in ((a, self.old), (b, self.new)):
                if entity is None:
                    continue
                if entity.kind is PrincipalKind.GROUP:
                    self.identities.update(snapshot.members(name))
                self.column(entity.arn, f"{entity.kind.value} {name}")
                if entity.trust_policy is not None:
                    self._trust(entity.arn, entity.trust_policy if entity is a else None, entity.trust_policy if entity is b else None, name)
            if (a is not None and a.kind is not PrincipalKind.GROUP) or (b is not None and b.kind is not PrincipalKind.GROUP):
                self.row(name, f"principal {name}")
            self.accounts_of(name)

    def _entity(self, name: str, a: IdentityEntity, b: IdentityEntity) -> None:
        """The same entity in both models: what changed about it."""
        group = a.kind is PrincipalKind.GROUP
        shape = a.managed_policies != b.managed_policies or a.groups != b.groups
        identity = shape or len(a.inline_policies) != len(b.inline_policies) or not all(self.same(x, y) for x, y in zip(a.inline_policies, b.inline_policies))
        if identity:
            members = set(self.old.members(name)) | set(self.new.members(name)) if group else {name}
            self.identities.update(members)
            if shape:
                for member in members | {name}:
                    self.accounts_of(member)  # EditPolicy asks about a principal's groups and managed policies
        if a.boundary != b.boundary:
            self.boundaries.add(name)
        if a.tags != b.tags:
            keys = _tag_keys(a.tags, b.tags)
            if not group:
                self.principal_facts.setdefault(name, set()).update(f"aws:principaltag/{k}" for k in keys)
            self.target_facts.setdefault(a.arn, set()).update(keys)  # a role or user as a resource: aws:ResourceTag
        if not self.same(a.trust_policy, b.trust_policy):
            self._trust(a.arn, a.trust_policy, b.trust_policy, name)

    def _trust(self, arn: str, before: Policy | None, after: Policy | None, name: str) -> None:
        count = len(self.changed)
        self.held_diff(Placement(TRUST, arn), (before,) if before else (), (after,) if after else ())
        if len(self.changed) > count:
            self.accounts_of(name)  # PassRole and UpdateAssumeRolePolicy into the role come from its own account

    def _managed(self) -> None:
        old, new = self.old.model, self.new.model
        for arn in old.managed_policies.keys() | new.managed_policies.keys():
            a, b = old.managed_policies.get(arn), new.managed_policies.get(arn)
            if a is not None and b is not None and self.same(a.policy, b.policy):
                if (a.account in old.accounts) != (b.account in new.accounts) or self.old.ids.get(a.account) != self.new.ids.get(b.account):
                    self.column(arn, f"managed policy {arn}")
                    for snapshot in (self.old, self.new):
                        for name in snapshot.attached(arn):
                            self.accounts_of(name)
                continue
            # its statements changed (or it came or went): every caller it is part of, in either model
            for snapshot in (self.old, self.new):
                for name in snapshot.attached(arn):
                    self.identities.add(name)
                    self.boundaries.add(name)
            if (a is None) != (b is None) or (a is not None and b is not None and a.account != b.account):
                self.column(arn, f"managed policy {arn}")
                for snapshot in (self.old, self.new):  # EditPolicy asks about the customer-managed policies a principal has
                    for name in snapshot.attached(arn):
                        self.accounts_of(name)

    def _resources(self) -> None:
        old, new = self.old, self.new
        was, now = old.world.resources_by_arn, new.world.resources_by_arn
        for arn in was.keys() | now.keys():
            a, b = was.get(arn), now.get(arn)
            if a is None or b is None or a.service != b.service or a.type != b.type or old.ids.get(a.account) != new.ids.get(b.account):
                self.column(arn, f"resource {arn}")
                for resource, snapshot in ((a, old), (b, new)):  # a launch may ask about a declared resource of its account
                    if resource is not None and resource.account in snapshot.ids:
                        self.region.actor_accounts.add(snapshot.ids[resource.account])
            if a is not None and b is not None and a.tags != b.tags:
                keys = _tag_keys(a.tags, b.tags)
                for target in (arn, arn + "/*"):
                    self.target_facts.setdefault(target, set()).update(keys)
            if not self.same(a.policy if a else None, b.policy if b else None):
                self.held_diff(Placement(RESOURCE, arn), (a.policy,) if a and a.policy else (), (b.policy,) if b and b.policy else ())

    def _roots(self) -> None:
        """The root users (one per modelled account) and the anonymous caller, which no policy owns."""
        old, new = self.old.model.accounts, self.new.model.accounts
        for name in old.keys() | new.keys():
            a, b = old.get(name), new.get(name)
            was = None if a is None or a.external else a.id
            now = None if b is None or b.external else b.id
            if was != now:
                self.row(f"{name}.root", f"root user of {name}")

    def _accounts(self) -> tuple[set[str], set[str]]:
        """Organization facts and SCP and RCP levels per account; the IDs of accounts added, removed or changed."""
        old, new, region = self.old, self.new, self.region
        account_facts: set[str] = set()
        for account in set(old.ids.values()) | set(new.ids.values()):
            if old.org(account) != new.org(account):
                account_facts.add(account)
            for kind, before, after in ((SCP, old.scp(account), new.scp(account)), (RCP, old.rcp(account), new.rcp(account))):
                if before is None and after is None:
                    continue
                if before is None or after is None or len(before) != len(after):
                    # SCPs (RCPs) start or stop applying, or a level comes or goes: every request of the account's
                    # callers (on its targets, from anyone: an RCP can stop an AssumeRole into its roles)
                    box = Box(account=account) if kind == SCP else Box(target_account=account)
                    box.why = f"{kind} levels of account {account}"
                    _add(region, box)
                    continue
                for level, (b, a) in enumerate(zip(before, after)):
                    self.held_diff(Placement(kind, account, level), b, a)
        accounts = {n: (a.id, a.external) for n, a in old.model.accounts.items()}
        others = {n: (a.id, a.external) for n, a in new.model.accounts.items()}
        changed = {n for n in accounts.keys() | others.keys() if accounts.get(n) != others.get(n)}
        mentioned = {accounts[n][0] for n in changed if n in accounts} | {others[n][0] for n in changed if n in others}
        region.actor_accounts.update(mentioned)
        return mentioned, account_facts


def _add(region: Region, box: Box | None) -> None:
    if box is not None:
        region.boxes.append(box)
        if _may_edge(box):
            region.actor_boxes.append(box)


def _tag_keys(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The lower-cased tag keys whose value differs (or that only one side has)."""
    return {k.lower() for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _every_statement(old: Snapshot, new: Snapshot) -> Iterator[tuple[Placement, Statement, Policy]]:
    for snapshot in (old, new):
        for placement, placed in snapshot.placements():
            for policy in placed:
                for statement in policy.statements:
                    yield placement, statement, policy


def _readers(old: Snapshot, new: Snapshot) -> Iterator[tuple[Placement, Statement, Policy, frozenset[str]]]:
    """Statements that read context keys (in conditions or policy variables), with the keys, lower-cased."""
    for placement, statement, policy in _every_statement(old, new):
        reads = reads_of(statement)
        if reads:
            yield placement, statement, policy, reads


def reads_of(statement: Statement) -> frozenset[str]:
    found: set[str] = set()
    for condition in statement.conditions:
        found.add(condition.key.lower())
        for value in condition.values:
            found.update(v.lower() for v in _VARIABLE.findall(value))
    for entry in (statement.resources or ()) + (statement.not_resources or ()):
        found.update(v.lower() for v in _VARIABLE.findall(entry))
    return frozenset(found)


def _mentions(statement: Statement, ids: set[str]) -> bool:
    texts: list[str] = list(statement.resources or ()) + list(statement.not_resources or ())
    texts += [p.value for p in (statement.principals or ()) + (statement.not_principals or ())]
    texts += [v for c in statement.conditions for v in c.values]
    return any(i in text for i in ids for text in texts)


# Actions that make or break a become edge (graph/become.py); a change that covers none of them leaves every edge as it was.
EDGE_ACTIONS = (
    "sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "iam:PassRole",
    "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
)


def edge_actions() -> tuple[str, ...]:
    from iamdsl.graph.become import launch_actions

    return EDGE_ACTIONS + launch_actions()


def _may_edge(box: Box) -> bool:
    """Whether the box's statement covers an action that a become edge asks about."""
    if box.actions is None:
        return True
    from iamdsl.engine.actions import action_key

    return any(box.actions.covers(action, action_key(action)) for action in edge_actions())

