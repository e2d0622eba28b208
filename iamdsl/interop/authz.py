"""`aws iam get-account-authorization-details` output -> roles, users, groups and managed policies.

Stage: interop (AWS CLI JSON -> parts of a `Model`).

One file holds one account.  `account_in_arns` finds which, from the ARNs in
it (or aws_import.py asks the account's caller identity, when it has none),
before the accounts are named (names may come from the organization's
listing); `read_authz` then builds the account's entities and its managed
policies, AWS-managed ones included, each from its default version.
Everything access-relevant in the file goes into the model; what the model
cannot hold is a warning with its JSON path (docs/import.md).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from iamdsl.interop.aws_input import (
    SHAPE_HELP,
    At,
    Findings,
    JsonFile,
    expect_list,
    expect_object,
    expect_string,
    optional_list,
    read_policy,
    required,
    required_string,
    tag_list,
    unknown_fields,
)
from iamdsl.model import IdentityEntity, ManagedPolicy, Policy, PolicyKind, PrincipalKind

AWS_MANAGED = "aws"  # the DSL's account of AWS-managed policies
SERVICE_LINKED = "/aws-service-role/"  # the path of every service-linked role
TOP_LEVEL = frozenset({"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies", "IsTruncated", "Marker", "ResponseMetadata"})
_METADATA = frozenset({"CreateDate", "UpdateDate", "RoleId", "UserId", "GroupId", "PolicyId", "RoleLastUsed"})
_ROLE_FIELDS = _METADATA | {"Path", "RoleName", "Arn", "AssumeRolePolicyDocument", "InstanceProfileList", "RolePolicyList", "AttachedManagedPolicies", "PermissionsBoundary", "Tags"}
_USER_FIELDS = _METADATA | {"Path", "UserName", "Arn", "UserPolicyList", "GroupList", "AttachedManagedPolicies", "PermissionsBoundary", "Tags"}
_GROUP_FIELDS = _METADATA | {"Path", "GroupName", "Arn", "GroupPolicyList", "AttachedManagedPolicies"}
_POLICY_FIELDS = _METADATA | {
    "PolicyName", "Arn", "Path", "DefaultVersionId", "AttachmentCount", "PermissionsBoundaryUsageCount",
    "IsAttachable", "Description", "PolicyVersionList", "Tags",
}
_VERSION_FIELDS = frozenset({"Document", "VersionId", "IsDefaultVersion", "CreateDate"})
_IAM_ARN = re.compile(r"arn:([a-z0-9-]+):iam::(\d{12}|aws):([a-z-]+)(/.*)\Z", re.S)
_PATH = re.compile(r"/([\x21-\x7e]*/)?\Z")
# (list key, entity kind, name key, inline-policy list key, fields)
_LISTS = (
    ("GroupDetailList", PrincipalKind.GROUP, "GroupName", "GroupPolicyList", _GROUP_FIELDS),
    ("UserDetailList", PrincipalKind.USER, "UserName", "UserPolicyList", _USER_FIELDS),
    ("RoleDetailList", PrincipalKind.ROLE, "RoleName", "RolePolicyList", _ROLE_FIELDS),
)
WRONG_FILE_HELP = "the file must be the output of `aws iam get-account-authorization-details` (no --filter, every page)"


@dataclass(slots=True)
class AuthzPart:
    """What one authorization-details file adds to the model."""

    file: str
    account_id: str
    partition: str
    principals: dict[str, IdentityEntity] = field(default_factory=dict)  # by qualified name
    managed: dict[str, ManagedPolicy] = field(default_factory=dict)  # by ARN, AWS-managed ones included
    counts: Counter = field(default_factory=Counter)


def top_level(file: JsonFile, findings: Findings) -> dict | None:
    """The file's object, if it is authorization details at all."""
    at = file.root
    data = file.data
    if not isinstance(data, dict) or not (set(data) & {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}):
        found = f"an object with {', '.join(sorted(data)[:4])}" if isinstance(data, dict) and data else _kind(data)
        findings.error(
            "E050",
            f"this is not the output of `aws iam get-account-authorization-details`: expected an object with "
            f"UserDetailList, GroupDetailList, RoleDetailList and Policies, found {found}",
            at,
            help=_guess_command(data) or WRONG_FILE_HELP,
        )
        return None
    if data.get("IsTruncated") is True:
        findings.error(
            "E050",
            "the output is truncated (IsTruncated is true): it holds only the first page",
            at / "IsTruncated",
            help="run the command without --max-items or --no-paginate, so that the CLI fetches every page",
        )
        return None
    unknown_fields(data, TOP_LEVEL, at, findings)
    return data


@dataclass(frozen=True, slots=True)
class ArnAccount:
    """The account an authorization-details file's ARNs name, and the first ARN that names it."""

    partition: str
    account_id: str
    arn: str
    at: At


def account_in_arns(file: JsonFile, data: dict) -> ArnAccount | None:
    """The account of the first entity or customer-managed policy ARN in the file; None when there is none.

    An account with no role, user, group or customer-managed policy has none:
    aws_import.py then asks its caller identity (caller_identity.py).
    """
    for key in ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies"):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            arn = item.get("Arn") if isinstance(item, dict) else None
            match = _IAM_ARN.match(arn) if isinstance(arn, str) else None
            if match and match.group(2) != AWS_MANAGED:
                return ArnAccount(match.group(1), match.group(2), arn, file.root / key / index / "Arn")
    return None


def read_authz(
    file: JsonFile,
    data: dict,
    *,
    account: str,
    account_id: str,
    partition: str,
    aws_managed: dict[str, tuple[ManagedPolicy, At]],
    findings: Findings,
) -> AuthzPart:
    """Build one account's entities and managed policies.

    `aws_managed` is shared by every file of the import: AWS-managed policies
    are the same in every account, and may be attached in one file and
    listed in another.
    """
    reader = _Reader(file, account, account_id, partition, aws_managed, findings)
    return reader.read(data)


class _Reader:
    def __init__(self, file: JsonFile, account: str, account_id: str, partition: str, aws_managed: dict, findings: Findings):
        self.file = file
        self.account = account
        self.account_id = account_id
        self.partition = partition
        self.aws_managed = aws_managed
        self.findings = findings
        self.part = AuthzPart(file.name, account_id, partition)
        self.names: dict[str, tuple[PrincipalKind, At]] = {}  # entity name -> its kind, in this account
        self.broken: set[str] = set()  # policies in the file that failed, and said why: attaching them says nothing more

    def read(self, data: dict) -> AuthzPart:
        at = self.file.root
        for index, item in enumerate(optional_list(data, "Policies", at, self.findings)):
            self._managed(item, at / "Policies" / index)
        listed = data.get("GroupDetailList")
        groups = {item.get("GroupName") for item in listed if isinstance(item, dict) and isinstance(item.get("GroupName"), str)} if isinstance(listed, list) else set()
        for list_key, kind, name_key, inline_key, fields in _LISTS:
            for index, item in enumerate(optional_list(data, list_key, at, self.findings)):
                self._entity(item, at / list_key / index, kind, name_key, inline_key, fields, groups)
        return self.part

    # ---------------------------------------------------------------- managed policies
    def _managed(self, item: Any, at: At) -> None:
        f = self.findings
        obj = expect_object(item, at, f, "a managed policy")
        if obj is None:
            return
        unknown_fields(obj, _POLICY_FIELDS, at, f)
        arn = required_string(obj, "Arn", at, f)
        if arn is not None:
            self.broken.add(arn)  # until its default document is read
        name = required_string(obj, "PolicyName", at, f)
        path = self._path(obj, at)
        if arn is None or name is None or path is None:
            return
        owner = self._arn_owner(arn, "policy", path, name, at / "Arn")
        if owner is None:
            return
        versions = required(obj, "PolicyVersionList", at, f)
        if versions is None or expect_list(versions, at / "PolicyVersionList", f) is None:
            return
        default = self._default_version(obj, versions, at)
        if default is None:
            return
        version_at, version = default
        short = arn.split(":policy/", 1)[1]  # the name with its path: the DSL name whose ARN is this one
        document = required(version, "Document", version_at, f)
        if document is None:
            return
        policy = read_policy(document, version_at / "Document", f, name=short, kind=PolicyKind.MANAGED)
        if policy is None:
            return
        self.broken.discard(arn)
        if owner != AWS_MANAGED or arn not in self.aws_managed:  # an AWS-managed policy counts once, in the first file
            self.part.counts["non-default versions"] += len(versions) - 1
        if obj.get("Tags"):
            f.warning(
                "W120",
                f"the tags of the managed policy `{name}` are not modelled, and are left out",
                at / "Tags",
                help="not supported: tags on managed policies (aws:ResourceTag of a policy)",
            )
        if owner == AWS_MANAGED:
            managed = ManagedPolicy(account=AWS_MANAGED, name=short, arn=arn, policy=policy)
            known = self.aws_managed.get(arn)
            if known is None:
                self.aws_managed[arn] = (managed, at)
            elif known[0].policy != policy:
                where = known[1]
                f.warning(
                    "W120",
                    f"the AWS-managed policy `{name}` has another default document here than in {where.file}; the first one is kept",
                    version_at / "Document",
                    help="import files saved at about the same time",
                )
        else:
            self.part.managed[arn] = ManagedPolicy(account=self.account, name=short, arn=arn, policy=policy)
            self.part.counts["customer-managed policies"] += 1

    def _default_version(self, obj: dict, versions: list, at: At) -> tuple[At, dict] | None:
        f = self.findings
        defaults = []
        for index, version in enumerate(versions):
            version_at = at / "PolicyVersionList" / index
            version_obj = expect_object(version, version_at, f, "a policy version")
            if version_obj is None:
                return None
            unknown_fields(version_obj, _VERSION_FIELDS, version_at, f)
            if version_obj.get("IsDefaultVersion") is True:
                defaults.append((version_at, version_obj))
        if len(defaults) != 1:
            f.error(
                "E051",
                f"a managed policy has exactly one default version, and this one has {len(defaults)}",
                at / "PolicyVersionList",
                help="`IsDefaultVersion` must be true for exactly one version; give the file as the CLI printed it",
            )
            return None
        expected = obj.get("DefaultVersionId")
        found = defaults[0][1].get("VersionId")
        if expected is not None and found is not None and expected != found:
            f.error(
                "E051",
                f"`DefaultVersionId` is {expected}, but the version marked default is {found}",
                at / "DefaultVersionId",
                help=SHAPE_HELP,
            )
            return None
        return defaults[0]

    # ---------------------------------------------------------------- roles, users, groups
    def _entity(self, item: Any, at: At, kind: PrincipalKind, name_key: str, inline_key: str, fields: frozenset[str], groups: set) -> None:
        f = self.findings
        obj = expect_object(item, at, f, f"a {kind.value}")
        if obj is None:
            return
        unknown_fields(obj, fields, at, f)
        name = required_string(obj, name_key, at, f)
        arn = required_string(obj, "Arn", at, f)
        path = self._path(obj, at)
        named = name is not None and arn is not None and path is not None
        if named and self._arn_owner(arn, kind.value, path, name, at / "Arn") is None:
            named = False
        if not named:
            self._read_policies_only(obj, at, kind, inline_key)  # for their findings: every error is reported at once
            return
        assert name is not None and arn is not None and path is not None
        if name in self.names:
            other_kind, other_at = self.names[name]
            f.warning(
                "W120",
                f"the {kind.value} `{name}` has the name of the {other_kind.value} at {_path_text(other_at)}; "
                f"a model names each entity of an account once, so this {kind.value} is left out",
                at / name_key,
                help="not supported: a role, a user and a group of one account with the same name",
            )
            return
        self.names[name] = (kind, at)
        inline = self._inline(obj, inline_key, at)
        managed = self._attachments(obj, at)
        boundary = self._boundary(obj, at) if kind is not PrincipalKind.GROUP else None
        trust = None
        if kind is PrincipalKind.ROLE:
            document = required(obj, "AssumeRolePolicyDocument", at, f)
            if document is not None:
                trust = read_policy(document, at / "AssumeRolePolicyDocument", f, name="trust", kind=PolicyKind.TRUST)
            if path.startswith(SERVICE_LINKED):
                f.warning(
                    "W120",
                    f"the role `{name}` is service-linked: AWS lets only its service change it, which the model does not know; "
                    "it is imported as an ordinary role",
                    at / "Path",
                    help="not supported: the protection of service-linked roles (paths that edit them may be listed, though AWS refuses them)",
                )
            for index, profile in enumerate(optional_list(obj, "InstanceProfileList", at, f)):
                profile_name = profile.get("InstanceProfileName") if isinstance(profile, dict) else None
                f.warning(
                    "W120",
                    f"instance profile `{profile_name}` is not modelled; the role `{name}` is, and EC2 instances act as its sessions",
                    at / "InstanceProfileList" / index,
                    help="ask about the role itself: `can ROLE …`",
                )
        tags = tag_list(obj["Tags"], at / "Tags", f) if "Tags" in obj and kind is not PrincipalKind.GROUP else {}
        member_of: list[str] = []
        if kind is PrincipalKind.USER:
            for index, group in enumerate(optional_list(obj, "GroupList", at, f)):
                group_name = expect_string(group, at / "GroupList" / index, f, "a group name")
                if group_name is None:
                    continue
                if group_name not in groups:
                    f.error(
                        "E051",
                        f"the user `{name}` is in the group `{group_name}`, which is not in the file's GroupDetailList",
                        at / "GroupList" / index,
                        help=WRONG_FILE_HELP,
                    )
                    continue
                member_of.append(f"{self.account}.{group_name}")
        key = f"{self.account}.{name}"
        self.part.principals[key] = IdentityEntity(
            kind=kind,
            account=self.account,
            name=name,
            arn=arn,
            path=path,
            tags=tags,
            inline_policies=tuple(inline),
            managed_policies=tuple(managed),
            boundary=boundary,
            trust_policy=trust,
            groups=tuple(member_of),
        )
        self.part.counts[f"{kind.value}s"] += 1
        self.part.counts["inline policies"] += len(inline)

    def _read_policies_only(self, obj: dict, at: At, kind: PrincipalKind, inline_key: str) -> None:
        self._inline(obj, inline_key, at)
        self._attachments(obj, at)
        if kind is PrincipalKind.ROLE and "AssumeRolePolicyDocument" in obj:
            read_policy(obj["AssumeRolePolicyDocument"], at / "AssumeRolePolicyDocument", self.findings, name="trust", kind=PolicyKind.TRUST)

    def _inline(self, obj: dict, key: str, at: At) -> list[Policy]:
        f = self.findings
        policies: list[Policy] = []
        seen: set[str] = set()
        for index, item in enumerate(optional_list(obj, key, at, f)):
            item_at = at / key / index
            entry = expect_object(item, item_at, f, "an inline policy")
            if entry is None:
                continue
            unknown_fields(entry, frozenset({"PolicyName", "PolicyDocument"}), item_at, f)
            name = required_string(entry, "PolicyName", item_at, f)
            document = required(entry, "PolicyDocument", item_at, f)
            if name is None or document is None:
                continue
            if name in seen:
                f.error("E051", f"two inline policies are called `{name}`", item_at / "PolicyName", help=SHAPE_HELP)
                continue
            seen.add(name)
            policy = read_policy(document, item_at / "PolicyDocument", f, name=name, kind=PolicyKind.IDENTITY)
            if policy is not None:
                policies.append(policy)
        return policies

    def _attachments(self, obj: dict, at: At) -> list[str]:
        f = self.findings
        arns: list[str] = []
        for index, item in enumerate(optional_list(obj, "AttachedManagedPolicies", at, f)):
            item_at = at / "AttachedManagedPolicies" / index
            entry = expect_object(item, item_at, f, "an attached policy")
            if entry is None:
                continue
            unknown_fields(entry, frozenset({"PolicyName", "PolicyArn"}), item_at, f)
            arn = required_string(entry, "PolicyArn", item_at, f)
            if arn is not None and self._known_policy(arn, item_at / "PolicyArn", "attached here") and arn not in arns:
                arns.append(arn)
        return arns

    def _boundary(self, obj: dict, at: At) -> str | None:
        f = self.findings
        if "PermissionsBoundary" not in obj:
            return None
        boundary_at = at / "PermissionsBoundary"
        entry = expect_object(obj["PermissionsBoundary"], boundary_at, f, "a permissions boundary")
        if entry is None:
            return None
        unknown_fields(entry, frozenset({"PermissionsBoundaryType", "PermissionsBoundaryArn"}), boundary_at, f)
        kind = entry.get("PermissionsBoundaryType", "Policy")
        if kind != "Policy":
            f.error("E050", f"unknown PermissionsBoundaryType `{kind}`", boundary_at / "PermissionsBoundaryType", help="AWS knows only `Policy`")
            return None
        arn = required_string(entry, "PermissionsBoundaryArn", boundary_at, f)
        if arn is None or not self._known_policy(arn, boundary_at / "PermissionsBoundaryArn", "used as the boundary here"):
            return None
        return arn

    def _known_policy(self, arn: str, at: At, what: str) -> bool:
        if arn in self.part.managed or arn in self.aws_managed:
            return True
        if arn in self.broken:
            return False
        aws = ":iam::aws:policy/" in arn
        self.findings.error(
            "E051",
            f"the policy {what}, `{arn}`, is not in the file's Policies",
            at,
            help=(
                "AWS-managed policies are listed only when the CLI is run without --filter, or with --filter AWSManagedPolicy"
                if aws
                else WRONG_FILE_HELP
            ),
        )
        return False

    # ---------------------------------------------------------------- ARNs and paths
    def _path(self, obj: dict, at: At) -> str | None:
        path = obj.get("Path", "/")
        if not isinstance(path, str) or not _PATH.match(path):
            shown = path if isinstance(path, str) else _kind(path)
            self.findings.error("E050", f"`{shown}` is not an IAM path: a path begins and ends with `/`", at / "Path", help=SHAPE_HELP)
            return None
        return path

    def _arn_owner(self, arn: str, kind: str, path: str, name: str, at: At) -> str | None:
        """The ARN's account (`aws` for AWS-managed policies) if it is the ARN this path and name give."""
        match = _IAM_ARN.match(arn)
        owner = match.group(2) if match else None
        if match is None or match.group(3) != kind:
            self.findings.error("E050", f"`{arn}` is not the ARN of an IAM {kind}", at, help=SHAPE_HELP)
            return None
        if match.group(1) != self.partition:
            self.findings.error("E051", f"`{arn}` is in the partition {match.group(1)}, and the file's account in {self.partition}", at)
            return None
        if owner != self.account_id and not (kind == "policy" and owner == AWS_MANAGED):
            self.findings.error(
                "E051",
                f"`{arn}` belongs to the account {owner}, but the file is the account {self.account_id}'s",
                at,
                help="give each account's authorization details in a file of its own",
            )
            return None
        if match.group(4) != f"{path}{name}":
            self.findings.error(
                "E051",
                f"the ARN `{arn}` is not the one the path `{path}` and the name `{name}` give",
                at,
                help=f"AWS names this {kind} `arn:{self.partition}:iam::{owner}:{kind}{path}{name}`",
            )
            return None
        return owner


def _kind(value: Any) -> str:
    from iamdsl.interop.aws_input import kind_of

    return kind_of(value)


def _path_text(at: At) -> str:
    from iamdsl.interop.aws_input import format_path

    return format_path(at.path)


def _guess_command(data: Any) -> str | None:
    """A help line naming what a file of the wrong kind looks like."""
    if not isinstance(data, dict):
        return None
    guesses = {
        "Roots": "this looks like `aws organizations list-roots` output: give its directory with --org",
        "OrganizationalUnits": "this looks like `aws organizations list-organizational-units-for-parent` output: give its directory with --org",
        "Accounts": "this looks like `aws organizations list-accounts…` output: give its directory with --org",
        "Policy": "this looks like a resource policy (`get-bucket-policy`, `get-key-policy`, …): name it in a --resources index",
        "Statement": "this looks like a policy document: attach it with `from \"file.json\"` in a .iam file",
        "Roles": "this looks like `aws iam list-roles` output, which has no policies: use `aws iam get-account-authorization-details`",
        "UserId": "this looks like `aws sts get-caller-identity` output: save it as caller-identity.json beside its account's authorization details",
    }
    for key, text in guesses.items():
        if key in data:
            return text
    return None
