"""An organization of a model, in the shapes `aws organizations …` prints.

Stage: interop (checked model -> AWS CLI output documents).

An export writes, for each organization, the answers a reader would collect
by walking it with the CLI from the management account:

    describe-organization                          the ID, feature set and management account
    list-roots                                     the root and its enabled policy types
    list-organizational-units-for-parent PARENT    the OUs under the root or an OU
    list-accounts-for-parent PARENT                the accounts directly under it
    list-policies --filter TYPE                    every SCP (or RCP)
    list-policies-for-target TARGET --filter TYPE  what is attached to a root, OU or account
    describe-policy POLICY                         a policy's summary and its content

The IDs AWS would assign are made from the model, so that the files refer
to each other: the root is `r-` and four characters of the organization ID
(as the engine names it in aws:PrincipalOrgPaths), an OU is `ou-` with the
root's characters and a hash of its path, a policy `p-` and a hash of its
name.  The built-in policies keep their real IDs, `p-FullAWSAccess` and
`p-RCPFullAWSAccess`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from iamdsl.interop.aws_cli import policy_text
from iamdsl.model import AccountAttachments, Model, Organization, OrgUnit, Policy

SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
BUILT_IN = {"FullAWSAccess": "p-FullAWSAccess", "RCPFullAWSAccess": "p-RCPFullAWSAccess"}


def _hash(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(slots=True)
class OrgIds:
    """The IDs of one organization's root, OUs, accounts and policies."""

    org: Organization
    model: Model
    root_id: str = ""
    unit_ids: dict[int, str] = field(default_factory=dict)  # id(OrgUnit) -> ID

    def __post_init__(self) -> None:
        self.root_id = "r-" + self.org.id[2:6]
        self._number(self.org.root, ())

    def _number(self, unit: OrgUnit, path: tuple[str, ...]) -> None:
        for child in unit.children:
            child_path = path + (child.name,)
            self.unit_ids[id(child)] = f"ou-{self.org.id[2:6]}-{_hash(self.org.id + '/' + '/'.join(child_path), 8)}"
            self._number(child, child_path)

    def unit_id(self, unit: OrgUnit) -> str:
        return self.root_id if unit is self.org.root else self.unit_ids[id(unit)]

    def account_id(self, name: str) -> str:
        return self.model.accounts[name].id

    @property
    def management_id(self) -> str | None:
        name = self.org.management_account
        return self.model.accounts[name].id if name and name in self.model.accounts else None

    def policy_id(self, name: str, kind: str) -> str:
        return BUILT_IN.get(name) or f"p-{_hash(f'{self.org.id}/{kind}/{name}', 10)}"

    def arn(self, what: str) -> str | None:
        """An Organizations ARN, which names the management account; None when the model has none."""
        management = self.management_id
        return f"arn:{self.model.partition}:organizations::{management}:{what}" if management else None


def _with_arn(item: dict[str, Any], arn: str | None) -> dict[str, Any]:
    if arn is not None:
        item["Arn"] = arn
    return item


def units(org: Organization) -> list[OrgUnit]:
    """The root and every OU, parents before children."""
    found: list[OrgUnit] = []

    def walk(unit: OrgUnit) -> None:
        found.append(unit)
        for child in unit.children:
            walk(child)

    walk(org.root)
    return found


def describe_organization(ids: OrgIds) -> dict[str, Any]:
    org = ids.org
    item: dict[str, Any] = {"Id": org.id}
    _with_arn(item, ids.arn(f"organization/{org.id}"))
    item["FeatureSet"] = "ALL" if org.all_features else "CONSOLIDATED_BILLING"
    if ids.management_id is not None:
        item["MasterAccountArn"] = f"arn:{ids.model.partition}:organizations::{ids.management_id}:account/{org.id}/{ids.management_id}"
        item["MasterAccountId"] = ids.management_id
    return {"Organization": item}


def list_roots(ids: OrgIds) -> dict[str, Any]:
    types = [{"Type": SCP, "Status": "ENABLED"}, {"Type": RCP, "Status": "ENABLED"}] if ids.org.all_features else []
    root = _with_arn({"Id": ids.root_id}, ids.arn(f"root/{ids.org.id}/{ids.root_id}"))
    return {"Roots": [{**root, "Name": "Root", "PolicyTypes": types}]}


def units_for_parent(ids: OrgIds, unit: OrgUnit) -> dict[str, Any]:
    found = []
    for child in unit.children:
        child_id = ids.unit_id(child)
        found.append({**_with_arn({"Id": child_id}, ids.arn(f"ou/{ids.org.id}/{child_id}")), "Name": child.name})
    return {"OrganizationalUnits": found}


def accounts_for_parent(ids: OrgIds, unit: OrgUnit) -> dict[str, Any]:
    found = []
    for name in unit.accounts:
        account_id = ids.account_id(name)
        item = _with_arn({"Id": account_id}, ids.arn(f"account/{ids.org.id}/{account_id}"))
        found.append({**item, "Name": name, "Status": "ACTIVE"})
    return {"Accounts": found}


def policy_summary(ids: OrgIds, name: str, kind: str) -> dict[str, Any]:
    policy_id = ids.policy_id(name, kind)
    built_in = name in BUILT_IN
    if built_in:
        arn: str | None = f"arn:{ids.model.partition}:organizations::aws:policy/{kind.lower()}/{policy_id}"
    else:
        arn = ids.arn(f"policy/{ids.org.id}/{kind.lower()}/{policy_id}")
    item = _with_arn({"Id": policy_id}, arn)
    return {**item, "Name": name, "Type": kind, "AwsManaged": built_in}


def policies(ids: OrgIds, kind: str) -> dict[str, Policy]:
    return ids.org.scps if kind == SCP else ids.org.rcps


def list_policies(ids: OrgIds, kind: str) -> dict[str, Any]:
    return {"Policies": [policy_summary(ids, name, kind) for name in policies(ids, kind)]}


def describe_policy(ids: OrgIds, name: str, kind: str) -> dict[str, Any]:
    return {"Policy": {"PolicySummary": policy_summary(ids, name, kind), "Content": policy_text(policies(ids, kind)[name])}}


def targets(ids: OrgIds) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Every target (root, OU, account) with the SCPs and RCPs attached to it directly."""
    found = []
    for unit in units(ids.org):
        found.append((ids.unit_id(unit), unit.scps, unit.rcps))
        for name in unit.accounts:
            attached = ids.org.account_attachments.get(name, AccountAttachments())
            found.append((ids.account_id(name), attached.scps, attached.rcps))
    return found


def policies_for_target(ids: OrgIds, names: tuple[str, ...], kind: str) -> dict[str, Any]:
    return {"Policies": [policy_summary(ids, name, kind) for name in names]}
