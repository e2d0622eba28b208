"""Small AWS CLI documents for the import tests, and helpers to write and import them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iamdsl.interop.aws_import import ImportResult, import_aws
from iamdsl.language.errors import IamdslError

ACCOUNT = "111111111111"
OTHER = "222222222222"
V = "2012-10-17"


def doc(*statements: dict[str, Any], version: str = V) -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def role(name: str, *, account: str = ACCOUNT, path: str = "/", trust: dict | None = None, **fields: Any) -> dict[str, Any]:
    trust = trust or doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    return {
        "Path": path, "RoleName": name, "RoleId": "AROAEXAMPLE", "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "CreateDate": "2024-01-01T00:00:00Z", "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
        "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": [], **fields,
    }


def user(name: str, *, account: str = ACCOUNT, **fields: Any) -> dict[str, Any]:
    return {
        "Path": "/", "UserName": name, "UserId": "AIDAEXAMPLE", "Arn": f"arn:aws:iam::{account}:user/{name}", "CreateDate": "2024-01-01T00:00:00Z",
        "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": [], "Tags": [], **fields,
    }


def group(name: str, *, account: str = ACCOUNT, **fields: Any) -> dict[str, Any]:
    return {
        "Path": "/", "GroupName": name, "GroupId": "AGPAEXAMPLE", "Arn": f"arn:aws:iam::{account}:group/{name}", "CreateDate": "2024-01-01T00:00:00Z",
        "GroupPolicyList": [], "AttachedManagedPolicies": [], **fields,
    }


def managed(name: str, *documents: dict, account: str = ACCOUNT, path: str = "/", default: int = -1) -> dict[str, Any]:
    default = default % len(documents)
    return {
        "PolicyName": name, "PolicyId": "ANPAEXAMPLE", "Arn": f"arn:aws:iam::{account}:policy{path}{name}", "Path": path,
        "DefaultVersionId": f"v{default + 1}", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": "2024-01-01T00:00:00Z", "UpdateDate": "2024-01-01T00:00:00Z",
        "PolicyVersionList": [
            {"Document": d, "VersionId": f"v{i + 1}", "IsDefaultVersion": i == default, "CreateDate": "2024-01-01T00:00:00Z"}
            for i, d in enumerate(documents)
        ],
    }


def aws_managed(name: str, *documents: dict, path: str = "/") -> dict[str, Any]:
    entry = managed(name, *documents, path=path)
    entry["Arn"] = f"arn:aws:iam::aws:policy{path}{name}"
    return entry


def attached(arn: str) -> dict[str, str]:
    return {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn}


def authz(*, roles=(), users=(), groups=(), policies=()) -> dict[str, Any]:
    return {"UserDetailList": list(users), "GroupDetailList": list(groups), "RoleDetailList": list(roles), "Policies": list(policies), "IsTruncated": False}


def write(path: Path, value: Any, *, indent: int | None = 4) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=indent) + "\n", encoding="utf-8")
    return path


def import_files(*paths: Path, **options: Any) -> ImportResult:
    return import_aws([str(p) for p in paths], **options)


def import_errors(*paths: Path, **options: Any) -> IamdslError:
    try:
        import_files(*paths, **options)
    except IamdslError as error:
        return error
    raise AssertionError("the import succeeded")


# ---------------------------------------------------------------- an organization directory

ORG_ID = "o-abc123defg"
ROOT_ID = "r-ab12"
MANAGEMENT = "999999999999"
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"


def org_arn(kind: str, what: str) -> str:
    return f"arn:aws:organizations::{MANAGEMENT}:{kind}/{ORG_ID}/{what}"


def summary(policy_id: str, name: str, kind: str = SCP, aws: bool = False) -> dict:
    return {"Id": policy_id, "Arn": org_arn("policy", f"{kind.lower()}/{policy_id}"), "Name": name, "Description": "", "Type": kind, "AwsManaged": aws}


FULL = summary("p-FullAWSAccess", "FullAWSAccess", aws=True)
RCP_FULL = summary("p-RCPFullAWSAccess", "RCPFullAWSAccess", RCP, aws=True)


def write_org(
    directory: Path,
    *,
    ous: dict[str, tuple[str, str]],  # OU ID -> (name, parent ID)
    accounts: dict[str, tuple[str, str]],  # account ID -> (name, parent ID)
    attached: dict[str, list[dict]] | None = None,  # target -> policy summaries (SCPs and RCPs together)
    documents: dict[str, dict] | None = None,  # policy ID -> document
    types: tuple[str, ...] = (SCP, RCP),
    skip: tuple[str, ...] = (),  # relative paths not to write
) -> Path:
    """A --org directory, laid out as docs/import.md says; unlisted targets get only the built-in policies."""
    attached = attached or {}
    files: dict[str, object] = {
        "list-roots.json": {"Roots": [{"Id": ROOT_ID, "Arn": org_arn("root", ROOT_ID), "Name": "Root",
                                       "PolicyTypes": [{"Type": t, "Status": "ENABLED"} for t in types]}]},
    }
    for parent in [ROOT_ID, *ous]:
        files[f"list-organizational-units-for-parent/{parent}.json"] = {
            "OrganizationalUnits": [{"Id": ou, "Arn": org_arn("ou", ou), "Name": name} for ou, (name, up) in ous.items() if up == parent]}
        files[f"list-accounts-for-parent/{parent}.json"] = {
            "Accounts": [{"Id": a, "Arn": org_arn("account", a), "Email": f"{a}@example.com", "Name": name, "Status": "ACTIVE"}
                         for a, (name, up) in accounts.items() if up == parent]}
    for target in [ROOT_ID, *ous, *accounts]:
        listed = attached.get(target, [FULL, RCP_FULL])
        for kind in (SCP, RCP):
            if kind in types:
                files[f"list-policies-for-target/{target}.{kind}.json"] = {"Policies": [p for p in listed if p["Type"] == kind]}
    for policy_id, document in (documents or {}).items():
        name = next((p["Name"] for ps in attached.values() for p in ps if p["Id"] == policy_id), policy_id)
        kind = next((p["Type"] for ps in attached.values() for p in ps if p["Id"] == policy_id), SCP)
        files[f"describe-policy/{policy_id}.json"] = {"Policy": {"PolicySummary": summary(policy_id, name, kind), "Content": json.dumps(document)}}
    for relative, value in files.items():
        if relative not in skip:
            write(directory / relative, value)
    return directory
