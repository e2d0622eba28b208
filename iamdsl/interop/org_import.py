"""An organization from `aws organizations` CLI output: its tree, accounts, SCPs and RCPs.

Stage: interop (AWS CLI JSON -> an `Organization` of a `Model`).

The outputs do not say everything about themselves: a listing of OUs or
accounts does not name its parent, and an empty listing of policies does
not say which filter it was run with.  So the files live in a directory
where their names say it (docs/import.md):
`list-accounts-for-parent/PARENT-ID.json`,
`list-policies-for-target/TARGET-ID.FILTER.json`, and so on.  The tree is
walked from the root, and every file it needs must be there: guessing what
is attached where could grant what AWS denies.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from iamdsl.interop.aws_input import (
    SHAPE_HELP,
    At,
    Findings,
    JsonFile,
    expect_list,
    expect_object,
    identifier,
    optional_list,
    read_json,
    read_policy,
    required,
    required_string,
    unknown_fields,
)
from iamdsl.language.check import RCP_FULL_ACCESS
from iamdsl.language.organizations import FULL_AWS_ACCESS, _full_access
from iamdsl.model import AccountAttachments, Organization, OrgUnit, Policy, PolicyKind

ORG_NAME = "org"  # AWS gives an organization no name; the model needs one
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
_KINDS = {SCP: PolicyKind.SCP, RCP: PolicyKind.RCP}
_BUILT_IN = {SCP: FULL_AWS_ACCESS, RCP: RCP_FULL_ACCESS}
_ORG_ARN = re.compile(r"arn:([a-z0-9-]+):organizations::(\d{12}):(root|ou|account)/(o-[a-z0-9]+)/")
_UNIT_FIELDS = frozenset({"Id", "Arn", "Name", "PolicyTypes"})
_ACCOUNT_FIELDS = frozenset({"Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod", "JoinedTimestamp", "Paths"})
_SUMMARY_FIELDS = frozenset({"Id", "Arn", "Name", "Description", "Type", "AwsManaged"})
_LISTINGS = ("list-organizational-units-for-parent", "list-accounts-for-parent", "list-policies-for-target", "describe-policy")


def _listed(data: dict, key: str, at: At, findings: Findings) -> list:
    """The list under `key`, which a listing must have; a finding and no items otherwise."""
    value = required(data, key, at, findings)
    if value is None:
        return []
    return expect_list(value, at / key, findings) or []


def _policy_type(kind: str) -> str:
    """`TAG_POLICY` -> `tag policies`."""
    return kind.removesuffix("_POLICY").replace("_", " ").lower() + " policies"


def _command_help(command: str, argument: str) -> str:
    return f"save it with `aws organizations {command} {argument} > FILE` (docs/import.md shows the whole loop)"


@dataclass(slots=True)
class UnitDraft:
    """The root or an OU: its AWS ID and name, the accounts and OUs under it, and what is attached."""

    id: str
    name: str
    accounts: list[str] = field(default_factory=list)  # account IDs
    children: list["UnitDraft"] = field(default_factory=list)
    scps: tuple[str, ...] = (FULL_AWS_ACCESS,)
    rcps: tuple[str, ...] = (RCP_FULL_ACCESS,)


@dataclass(slots=True)
class OrgDraft:
    """What the directory says, with accounts still known by ID (they are named once every input is read)."""

    id: str
    partition: str
    management_id: str
    all_features: bool
    root: UnitDraft
    account_names: dict[str, str] = field(default_factory=dict)  # ID -> the Name AWS has for it
    account_attachments: dict[str, AccountAttachments] = field(default_factory=dict)  # by ID
    scps: dict[str, Policy] = field(default_factory=dict)
    rcps: dict[str, Policy] = field(default_factory=dict)

    def build(self, account_name: Callable[[str], str]) -> Organization:
        """The model's organization, with every account ID replaced by the account's name."""

        def unit(draft: UnitDraft) -> OrgUnit:
            accounts = [account_name(a) for a in draft.accounts]
            return OrgUnit(name=draft.name, accounts=tuple(accounts), children=tuple(unit(c) for c in draft.children), scps=draft.scps, rcps=draft.rcps)

        return Organization(
            name=ORG_NAME,
            id=self.id,
            management_account=account_name(self.management_id),
            all_features=self.all_features,
            root=unit(self.root),
            account_attachments={account_name(a): v for a, v in self.account_attachments.items()},
            scps={FULL_AWS_ACCESS: _full_access(FULL_AWS_ACCESS, PolicyKind.SCP), **self.scps},
            rcps={RCP_FULL_ACCESS: _full_access(RCP_FULL_ACCESS, PolicyKind.RCP), **self.rcps},
        )


def read_org(directory: str, findings: Findings, files: dict[str, JsonFile]) -> OrgDraft | None:
    """Read the directory; every file read goes into `files` (for locating findings)."""
    if not os.path.isdir(directory):
        from iamdsl.language.errors import Diagnostic

        reason = "no such directory" if not os.path.exists(directory) else "not a directory"
        findings.plain.append(Diagnostic("E002", f"cannot read the organization directory `{directory}`: {reason}", None, help="--org names a directory of `aws organizations` outputs (docs/import.md)"))
        return None
    return _OrgReader(directory, findings, files).read()


class _OrgReader:
    def __init__(self, directory: str, findings: Findings, files: dict[str, JsonFile]):
        self.dir = directory
        self.findings = findings
        self.files = files
        self.placed: dict[str, At] = {}  # account ID -> where it was listed
        self.policy_names: dict[str, str] = {}  # AWS policy ID -> its name in the model
        self.used_names: set[str] = {FULL_AWS_ACCESS, RCP_FULL_ACCESS}
        self.draft: OrgDraft | None = None
        self.enabled: set[str] = set()

    def _file(self, *parts: str, needed_for: At | None = None, command: str = "", argument: str = "") -> JsonFile | None:
        path = os.path.join(self.dir, *parts)
        if needed_for is not None and not os.path.exists(path):
            self.findings.error(
                "E051",
                f"`{path}` is missing",
                needed_for,
                help=_command_help(command, argument),
            )
            return None
        file = read_json(path, self.findings)
        if file is not None:
            self.files[file.name] = file
        return file

    def read(self) -> OrgDraft | None:
        f = self.findings
        roots_file = self._file("list-roots.json")
        if roots_file is None:
            return None
        at = roots_file.root
        data = expect_object(roots_file.data, at, f, "the output of `aws organizations list-roots`")
        roots = optional_list(data, "Roots", at, f) if data is not None else []
        if data is not None and "Roots" not in data:
            f.error("E050", "this is not the output of `aws organizations list-roots`: `Roots` is missing", at, help=SHAPE_HELP)
            return None
        self._not_truncated(data, at)
        if len(roots) != 1:
            f.error("E050", f"an organization has one root, and this listing has {len(roots)}", at / "Roots", help=SHAPE_HELP)
            return None
        root_at = at / "Roots" / 0
        root = expect_object(roots[0], root_at, f, "a root")
        if root is None:
            return None
        unknown_fields(root, _UNIT_FIELDS, root_at, f)
        root_id = required_string(root, "Id", root_at, f)
        arn = required_string(root, "Arn", root_at, f)
        match = _ORG_ARN.match(arn or "")
        if root_id is None or arn is None:
            return None
        if match is None:
            f.error("E050", f"`{arn}` is not the ARN of an organization's root", root_at / "Arn", help=SHAPE_HELP)
            return None
        partition, management_id, _, org_id = match.groups()
        for index, entry in enumerate(optional_list(root, "PolicyTypes", root_at, f)):
            entry_obj = expect_object(entry, root_at / "PolicyTypes" / index, f, "a policy type")
            if entry_obj is not None and entry_obj.get("Status") == "ENABLED" and isinstance(entry_obj.get("Type"), str):
                self.enabled.add(entry_obj["Type"])
        for other in sorted(self.enabled - {SCP, RCP}):
            f.warning(
                "W120",
                f"{_policy_type(other)} are enabled, and not modelled: they do not grant or deny the requests iamdsl decides",
                root_at / "PolicyTypes",
                help="not supported: organization policies other than SCPs and RCPs",
            )
        all_features = self._features(org_id, management_id)
        if not all_features:
            self.enabled -= {SCP, RCP}  # consolidated billing: no authorization policies apply
        self.draft = OrgDraft(org_id, partition, management_id, all_features, UnitDraft(root_id, "root"))
        self._attachments(self.draft.root.id, root_at, self.draft.root)
        self._unit(self.draft.root, root_at, set())
        if management_id not in self.placed:  # the root's ARN says it is the management account
            self.draft.root.accounts.insert(0, management_id)
        self._unread()
        return self.draft

    def _unread(self) -> None:
        """A file of the directory that the walk never needed is said out loud, never dropped in silence."""
        from iamdsl.language.errors import Diagnostic, Severity

        read = {os.path.normpath(name) for name in self.files}
        for folder in _LISTINGS:
            path = os.path.join(self.dir, folder)
            for entry in sorted(os.listdir(path)) if os.path.isdir(path) else ():
                full = os.path.normpath(os.path.join(path, entry))
                if full in read:
                    continue
                why = "no enabled SCP or RCP filter, no parent and no attached policy of the organization names it"
                if entry.count(".") >= 2 and entry.split(".")[-2] not in (SCP, RCP):
                    why = f"{_policy_type(entry.split('.')[-2])} are not modelled"
                self.findings.plain.append(
                    Diagnostic("W120", f"`{full}` is not read: {why}", None, Severity.WARNING, help="not supported: organization policies other than SCPs and RCPs" if "not modelled" in why else None)
                )

    def _features(self, org_id: str, management_id: str) -> bool:
        f = self.findings
        path = os.path.join(self.dir, "describe-organization.json")
        if not os.path.exists(path):
            return True  # with consolidated billing only, no policy type is enabled: the same decisions
        file = self._file("describe-organization.json")
        if file is None:
            return True
        data = expect_object(file.data, file.root, f, "the output of `aws organizations describe-organization`")
        org = expect_object(data.get("Organization"), file.root / "Organization", f) if data is not None else None
        if org is None:
            return True
        at = file.root / "Organization"
        if org.get("Id") not in (None, org_id):
            f.error("E051", f"this is the organization {org.get('Id')}, and list-roots.json is {org_id}'s", at / "Id")
        if org.get("MasterAccountId") not in (None, management_id):
            f.error("E051", f"the management account here is {org.get('MasterAccountId')}, and the root's ARN says {management_id}", at / "MasterAccountId")
        return org.get("FeatureSet", "ALL") == "ALL"

    def _not_truncated(self, data: dict | None, at: At) -> None:
        if data is not None and data.get("NextToken"):
            self.findings.error(
                "E050",
                "the listing is truncated (it has a NextToken): it holds only the first page",
                at / "NextToken",
                help="run the command without --max-items or --no-paginate, so that the CLI fetches every page",
            )

    # ---------------------------------------------------------------- the tree
    def _unit(self, unit: UnitDraft, at: At, seen: set[str]) -> None:
        f = self.findings
        seen.add(unit.id)
        accounts_file = self._file("list-accounts-for-parent", f"{unit.id}.json", needed_for=at, command="list-accounts-for-parent", argument=f"--parent-id {unit.id}")
        if accounts_file is not None:
            data = expect_object(accounts_file.data, accounts_file.root, f, "the output of `aws organizations list-accounts-for-parent`")
            if data is not None:
                self._not_truncated(data, accounts_file.root)
                listed = _listed(data, "Accounts", accounts_file.root, f)
                for index, account in enumerate(listed):
                    self._account(account, accounts_file.root / "Accounts" / index, unit)
        ous_file = self._file("list-organizational-units-for-parent", f"{unit.id}.json", needed_for=at, command="list-organizational-units-for-parent", argument=f"--parent-id {unit.id}")
        if ous_file is None:
            return
        data = expect_object(ous_file.data, ous_file.root, f, "the output of `aws organizations list-organizational-units-for-parent`")
        if data is None:
            return
        self._not_truncated(data, ous_file.root)
        listed = _listed(data, "OrganizationalUnits", ous_file.root, f)
        for index, ou in enumerate(listed):
            ou_at = ous_file.root / "OrganizationalUnits" / index
            ou_obj = expect_object(ou, ou_at, f, "an organizational unit")
            if ou_obj is None:
                continue
            unknown_fields(ou_obj, _UNIT_FIELDS, ou_at, f)
            ou_id = required_string(ou_obj, "Id", ou_at, f)
            ou_name = required_string(ou_obj, "Name", ou_at, f)
            if ou_id is None or ou_name is None:
                continue
            if ou_id in seen:
                f.error("E051", f"the OU {ou_id} is its own ancestor", ou_at / "Id")
                continue
            child = UnitDraft(ou_id, identifier(ou_name, fallback="ou"))
            unit.children.append(child)
            self._attachments(ou_id, ou_at, child)
            self._unit(child, ou_at, seen)

    def _account(self, account: Any, at: At, unit: UnitDraft) -> None:
        f = self.findings
        draft = self.draft
        obj = expect_object(account, at, f, "an account")
        if obj is None or draft is None:
            return
        unknown_fields(obj, _ACCOUNT_FIELDS, at, f)
        account_id = required_string(obj, "Id", at, f)
        if account_id is None:
            return
        if not (len(account_id) == 12 and account_id.isdigit()):
            f.error("E050", f"`{account_id}` is not an account ID", at / "Id", help=SHAPE_HELP)
            return
        if account_id in self.placed:
            f.error("E051", f"the account {account_id} is listed under two parents", at / "Id", help=f"it is also at {self.placed[account_id].file}")
            return
        self.placed[account_id] = at
        name = obj.get("Name")
        if isinstance(name, str) and name:
            draft.account_names[account_id] = name
        state = obj.get("State", obj.get("Status"))
        if state not in (None, "ACTIVE"):
            f.warning(
                "W120",
                f"the account {account_id} is {str(state).lower().replace('_', ' ')}; the model has no such state, and imports it as an active member",
                at,
                help="not supported: suspended and closing accounts",
            )
        if account_id == draft.management_id:
            unit_is_root = unit is draft.root
            if not unit_is_root:
                f.warning(
                    "W120",
                    f"the management account {account_id} is in the OU `{unit.name}`; the model places it at the root, "
                    "where it makes no difference: SCPs and RCPs do not apply to it",
                    at,
                    help="not supported: the management account outside the root",
                )
            draft.root.accounts.insert(0, account_id)
            self._management_attachments(account_id, at)
            return
        unit.accounts.append(account_id)
        holder = UnitDraft(account_id, account_id)
        self._attachments(account_id, at, holder)
        draft.account_attachments[account_id] = AccountAttachments(scps=holder.scps, rcps=holder.rcps)

    def _management_attachments(self, account_id: str, at: At) -> None:
        """SCPs and RCPs do not apply to the management account: its listings may be left out, and are only checked."""
        if not any(os.path.exists(os.path.join(self.dir, "list-policies-for-target", f"{account_id}.{kind}.json")) for kind in (SCP, RCP)):
            return
        holder = UnitDraft(account_id, account_id)
        self._attachments(account_id, at, holder)
        extra = [name for name in holder.scps + holder.rcps if name not in (FULL_AWS_ACCESS, RCP_FULL_ACCESS)]
        if extra:
            self.findings.warning(
                "W120",
                f"the management account {account_id} has {', '.join(extra)} attached, left out: SCPs and RCPs do not apply to it",
                at,
            )

    # ---------------------------------------------------------------- attachments and policies
    def _attachments(self, target: str, at: At, holder: UnitDraft) -> None:
        """What is attached at `target`, for each enabled policy type, into the holder's lists."""
        for kind in (SCP, RCP):
            if kind not in self.enabled:
                continue
            file = self._file(
                "list-policies-for-target", f"{target}.{kind}.json", needed_for=at,
                command="list-policies-for-target", argument=f"--target-id {target} --filter {kind}",
            )
            if file is None:
                continue
            names = self._listing(file, kind)
            if names is None:
                continue
            if kind == SCP:
                holder.scps = tuple(names)
            else:
                holder.rcps = (RCP_FULL_ACCESS, *(n for n in names if n != RCP_FULL_ACCESS))

    def _listing(self, file: JsonFile, kind: str) -> list[str] | None:
        f = self.findings
        data = expect_object(file.data, file.root, f, "the output of `aws organizations list-policies-for-target`")
        if data is None:
            return None
        self._not_truncated(data, file.root)
        if "Policies" not in data or not isinstance(data["Policies"], list):
            _listed(data, "Policies", file.root, f)
            return None
        policies = data["Policies"]
        names: list[str] = []
        for index, summary in enumerate(policies):
            at = file.root / "Policies" / index
            summary_obj = expect_object(summary, at, f, "a policy summary")
            if summary_obj is None:
                continue
            unknown_fields(summary_obj, _SUMMARY_FIELDS, at, f)
            if summary_obj.get("Type") not in (None, kind):
                f.error("E051", f"a {summary_obj.get('Type')} in the listing of {kind}s", at / "Type", help="the file's name says which --filter it was saved with")
                continue
            name = self._policy(summary_obj, at, kind)
            if name is not None:
                names.append(name)
        return list(dict.fromkeys(names))

    def _policy(self, summary: dict, at: At, kind: str) -> str | None:
        """The model's name of an attached policy, reading its document the first time it is met."""
        f = self.findings
        policy_id = required_string(summary, "Id", at, f)
        name = required_string(summary, "Name", at, f)
        if policy_id is None or name is None:
            return None
        if policy_id in self.policy_names:
            return self.policy_names[policy_id]
        if summary.get("AwsManaged") is True and name == _BUILT_IN[kind]:
            self.policy_names[policy_id] = name
            return name
        file = self._file("describe-policy", f"{policy_id}.json", needed_for=at, command="describe-policy", argument=f"--policy-id {policy_id}")
        if file is None:
            return None
        data = expect_object(file.data, file.root, f, "the output of `aws organizations describe-policy`")
        described = expect_object(required(data, "Policy", file.root, f), file.root / "Policy", f) if data is not None else None
        if described is None:
            return None
        content = required(described, "Content", file.root / "Policy", f)
        if content is None:
            return None
        model_name = self._unique(identifier(name, fallback="policy"))
        policy = read_policy(content, file.root / "Policy" / "Content", f, name=model_name, kind=_KINDS[kind])
        if policy is None:
            return None
        assert self.draft is not None
        (self.draft.scps if kind == SCP else self.draft.rcps)[model_name] = policy
        self.policy_names[policy_id] = model_name
        return model_name

    def _unique(self, name: str) -> str:
        candidate, number = name, 2
        while candidate in self.used_names:
            candidate = f"{name}_{number}"
            number += 1
        self.used_names.add(candidate)
        return candidate
