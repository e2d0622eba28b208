"""An index over a checked model for the questions the evaluator asks.

Stage: engine (built once per model, then shared by every decision).

Which policies does this caller carry?  Who owns this ARN, and what is its
resource policy?  Which SCPs and RCPs sit above this account, level by level?
Answering these by scanning the model on every request would dominate the
cost of a decision, so they are indexed here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamdsl import catalog
from iamdsl.engine.trace import PolicyRef
from iamdsl.model import Account, IdentityEntity, Model, Organization, OrgUnit, Policy, PrincipalKind, Resource


_MEMO_SIZE = 65_536  # requested ARNs remembered by `owner_of`


@dataclass(frozen=True, slots=True)
class OwnedResource:
    """What the model knows about a requested ARN."""

    account_id: str | None
    policy: PolicyRef | None
    resource: Resource | None = None
    entity: IdentityEntity | None = None  # for role ARNs: the role (its trust policy is the resource policy)


@dataclass(frozen=True, slots=True)
class OrgPlacement:
    org: Organization
    units: tuple[OrgUnit, ...]  # root first, down to the unit that holds the account
    account: str  # account name

    @property
    def is_management(self) -> bool:
        return self.org.management_account == self.account

    @property
    def paths(self) -> str:
        """aws:PrincipalOrgPaths / aws:ResourceOrgPaths value: o-id/r-root/ou-…/"""
        parts = [self.org.id, "r-" + self.org.id[2:6]] + [f"ou-{u.name}" for u in self.units[1:]]
        return "/".join(parts) + "/"


class World:
    def __init__(self, model: Model):
        self.model = model
        self.accounts_by_id: dict[str, Account] = {a.id: a for a in model.accounts.values()}
        self.account_ids: dict[str, str] = {a.name: a.id for a in model.accounts.values()}
        self.entities_by_arn: dict[str, IdentityEntity] = {e.arn: e for e in model.principals.values()}
        self.resources_by_arn: dict[str, Resource] = {r.arn: r for r in model.resources.values()}
        self.buckets: dict[str, Resource] = {
            r.arn.split(":::", 1)[1]: r for r in model.resources.values() if r.service == "s3" and r.type == "bucket"
        }
        self.endpoints_by_id = {e.id: e for e in model.endpoints.values()}
        self.placements: dict[str, OrgPlacement] = {}
        for org in model.organizations.values():
            self._place(org, (org.root,))
        self._identity_cache: dict[str, tuple[PolicyRef, ...]] = {}
        # Answers that depend on the model alone, memoised: each decision asks them again.
        self._boundaries: dict[int, tuple[IdentityEntity, PolicyRef | None]] = {}  # the entity is held, so its id() stays its own
        self._owners: dict[str, OwnedResource] = {}
        self._without_policy: dict[str, OwnedResource] = {}  # role ARN -> the role with its trust policy set aside (R71)
        self._declared: dict[int, OwnedResource] = {}  # per declared resource or entity, by identity (`_owned`)
        self._undeclared: dict[str | None, OwnedResource] = {}  # ARNs the model does not declare, by account
        self._level_memo: dict[tuple[str | None, str], list[tuple[str, list[PolicyRef]]] | None] = {}

    def _place(self, org: Organization, units: tuple[OrgUnit, ...]) -> None:
        unit = units[-1]
        for account in unit.accounts:
            self.placements[account] = OrgPlacement(org, units, account)
        for child in unit.children:
            self._place(org, units + (child,))

    # ---------------------------------------------------------------- accounts
    def account_name(self, account_id: str | None) -> str | None:
        account = self.accounts_by_id.get(account_id or "")
        return account.name if account else None

    def placement(self, account_id: str | None) -> OrgPlacement | None:
        name = self.account_name(account_id)
        return self.placements.get(name) if name else None

    # ---------------------------------------------------------------- the identity side
    def identity_policies(self, entity: IdentityEntity) -> tuple[PolicyRef, ...]:
        """Inline and managed policies of the entity, and of its groups for a user (R2)."""
        cached = self._identity_cache.get(entity.arn)
        if cached is not None:
            return cached
        found: list[PolicyRef] = []
        owners = [entity]
        if entity.kind is _PRINCIPAL_USER:
            owners += [self.model.principals[g] for g in entity.groups if g in self.model.principals]
        for owner in owners:
            for policy in owner.inline_policies:
                found.append(PolicyRef(f"{owner.qualified_name}:{policy.name}", policy))
            for arn in owner.managed_policies:
                managed = self.model.managed_policies.get(arn)
                if managed is not None:
                    found.append(PolicyRef(f"{managed.account}.{managed.name} (attached to {owner.qualified_name})", managed.policy))
        result = tuple(found)
        self._identity_cache[entity.arn] = result
        return result

    def boundary(self, entity: IdentityEntity) -> PolicyRef | None:
        found = self._boundaries.get(id(entity))
        if found is None or found[0] is not entity:
            found = self._boundaries[id(entity)] = (entity, self._find_boundary(entity))
        return found[1]

    def _find_boundary(self, entity: IdentityEntity) -> PolicyRef | None:
        if entity.boundary is None:
            return None
        managed = self.model.managed_policies.get(entity.boundary)
        if managed is None:
            return None
        return PolicyRef(f"{managed.account}.{managed.name} (boundary of {entity.qualified_name})", managed.policy)

    # ---------------------------------------------------------------- the resource side
    def owner_of(self, arn: str) -> OwnedResource:
        """The account and resource policy of a requested ARN (R5, R71, R80)."""
        found = self._owners.get(arn)
        if found is None:
            if len(self._owners) >= _MEMO_SIZE:
                self._owners.clear()
            found = self._owners[arn] = self._find_owner(arn)
        return found

    def without_policy(self, owned: OwnedResource) -> OwnedResource:
        """A role as the resource of a non-sts action: its trust policy is no resource policy then (R71)."""
        entity = owned.entity
        if entity is None:
            return OwnedResource(owned.account_id, None, resource=owned.resource)
        found = self._without_policy.get(entity.arn)
        if found is None or found.entity is not entity or found.account_id != owned.account_id:
            found = self._without_policy[entity.arn] = OwnedResource(owned.account_id, None, entity=entity)
        return found

    def _find_owner(self, arn: str) -> OwnedResource:
        if arn == "*":
            return _NOBODY
        resource = self.resources_by_arn.get(arn)
        if resource is None and arn.startswith("arn:") and ":s3:::" in arn:
            bucket = arn.split(":::", 1)[1].split("/", 1)[0]
            resource = self.buckets.get(bucket)
        if resource is not None:
            return self._owned(resource, None)
        entity = self.entities_by_arn.get(arn)
        if entity is not None:
            return self._owned(None, entity)
        fields = arn.split(":", 5)
        account = fields[4] if len(fields) == 6 and fields[4].isdigit() and len(fields[4]) == 12 else None
        found = self._undeclared.get(account)
        if found is None:
            if len(self._undeclared) >= _MEMO_SIZE:
                self._undeclared.clear()
            found = self._undeclared[account] = OwnedResource(account, None)
        return found

    def _owned(self, resource: Resource | None, entity: IdentityEntity | None) -> OwnedResource:
        """One `OwnedResource` per declared resource or entity, shared by all the ARNs that name it (a bucket's
        objects): decisions memoise what they derive from it (its policy's index, its facts) by identity."""
        held = resource if resource is not None else entity
        found = self._declared.get(id(held))
        if found is not None and (found.resource is held or found.entity is held):
            return found
        if resource is not None:
            policy = PolicyRef(f"{resource.qualified_name}:policy", resource.policy) if resource.policy else None
            found = OwnedResource(self.account_ids.get(resource.account), policy, resource=resource)
        else:
            assert entity is not None
            policy = PolicyRef(f"{entity.qualified_name}:trust", entity.trust_policy) if entity.trust_policy is not None else None
            found = OwnedResource(self.account_ids.get(entity.account), policy, entity=entity)
        self._declared[id(held)] = found  # holds the resource or entity, so its id() stays its own
        return found

    # ---------------------------------------------------------------- organizations
    def scp_levels(self, account_id: str | None) -> list[tuple[str, list[PolicyRef]]] | None:
        """The SCPs at each level above and at the account, or None if SCPs cannot apply."""
        return self._levels(account_id, "scp")

    def rcp_levels(self, account_id: str | None) -> list[tuple[str, list[PolicyRef]]] | None:
        return self._levels(account_id, "rcp")

    def _levels(self, account_id: str | None, kind: str) -> list[tuple[str, list[PolicyRef]]] | None:
        """Memoised per account: the lists are shared by every decision, so nobody changes them."""
        key = (account_id, kind)
        if key not in self._level_memo:
            self._level_memo[key] = self._find_levels(account_id, kind)
        return self._level_memo[key]

    def _find_levels(self, account_id: str | None, kind: str) -> list[tuple[str, list[PolicyRef]]] | None:
        placement = self.placement(account_id)
        if placement is None or placement.is_management or not placement.org.all_features:
            return None
        org = placement.org
        table = org.scps if kind == "scp" else org.rcps
        levels: list[tuple[str, list[PolicyRef]]] = []
        for unit in placement.units:
            names = unit.scps if kind == "scp" else unit.rcps
            where = "the organization root" if unit is org.root else f"OU {unit.name}"
            levels.append((where, [PolicyRef(f"{kind.upper()} {n} at {where}", table[n]) for n in names if n in table]))
        attached = org.account_attachments.get(placement.account)
        names = (attached.scps if kind == "scp" else attached.rcps) if attached else (("FullAWSAccess",) if kind == "scp" else ("RCPFullAWSAccess",))
        where = f"account {placement.account}"
        levels.append((where, [PolicyRef(f"{kind.upper()} {n} at {where}", table[n]) for n in names if n in table]))
        return levels

    @staticmethod
    def rcp_covers(service: str) -> bool:
        return service.lower() in catalog.rcp_supported_services()


_NOBODY = OwnedResource(None, None)  # the resource `*`


def policy_ref(label: str, policy: Policy | None) -> PolicyRef | None:
    return PolicyRef(label, policy) if policy is not None else None


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_PRINCIPAL_USER = PrincipalKind.USER
