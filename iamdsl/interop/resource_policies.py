"""Resource policies, tags, ACLs and grants from AWS CLI output, through an index of ARNs.

Stage: interop (AWS CLI JSON -> resources of a `Model`).

ARNs hold `/` and `:`, so a file cannot be named after its resource: the
index (a JSON object) maps each ARN to the output files saved for it.  Each
file is recognised by its shape (docs/import.md has the table): a resource
policy (`get-bucket-policy`, `get-key-policy`, `get-repository-policy`,
`get-queue-attributes`, …), tags, or a mechanism the engine does not
evaluate but must know is there (S3 ACLs, Block Public Access, KMS grants),
which becomes `acls enabled` and so on, so that answers carry the caveat.
"""

from __future__ import annotations

import os
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
    kind_of,
    read_json,
    read_policy,
    tag_list,
    unknown_fields,
)
from iamdsl.model import NotModelled, Policy, PolicyKind

_POLICY_EXTRAS = frozenset({"Policy", "PolicyName", "RevisionId", "FileSystemId", "BackupVaultName", "BackupVaultArn", "ResponseMetadata"})
_ECR_EXTRAS = frozenset({"policyText", "registryId", "repositoryName"})
_SECRET_EXTRAS = frozenset({"ResourcePolicy", "ARN", "Name"})
_INDEX_ENTRY = frozenset({"Files", "Account", "Name"})
ENFORCED = "BucketOwnerEnforced"
INDEX_HELP = 'the index maps each ARN to a file, a list of files, or {"Files": […], "Account": "…", "Name": "…"}'
SHAPES = (
    "a resource policy ({\"Policy\": …}, {\"policyText\": …}, {\"Attributes\": {\"Policy\": …}}, {\"ResourcePolicy\": …}), "
    "tags ({\"TagSet\": …}, {\"Tags\": …}, {\"tags\": …}), an ACL, ownership controls, a public access block, or KMS grants"
)


@dataclass(slots=True)
class ResourceDraft:
    """One ARN of the index, with what its files say."""

    arn: str
    at: At  # its entry in the index
    account_id: str | None  # from the ARN, or the entry's Account
    name: str | None  # the entry's Name
    policy: Policy | None = None
    policy_at: At | None = None
    tags: dict[str, str] = field(default_factory=dict)
    mechanisms: list[NotModelled] = field(default_factory=list)
    ownership: str | None = None  # S3 ObjectOwnership, when a file said
    acl_grants_others: bool = False  # an S3 ACL grants someone other than the owner


def read_index(path: str, findings: Findings, files: dict[str, JsonFile]) -> list[ResourceDraft]:
    """Read the index and every file it names; `files` collects each file read (for locating findings)."""
    index = read_json(path, findings)
    if index is None:
        return []
    files[index.name] = index
    entries = expect_object(index.data, index.root, findings, "an index: an object that maps ARNs to files")
    if entries is None:
        return []
    base = os.path.dirname(index.name)
    drafts: list[ResourceDraft] = []
    for arn, value in entries.items():
        at = index.root / arn
        draft = _entry(arn, value, at, base, findings, files)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _entry(arn: str, value: Any, at: At, base: str, findings: Findings, files: dict[str, JsonFile]) -> ResourceDraft | None:
    fields = arn.split(":", 5)
    if not arn.startswith("arn:") or len(fields) < 6 or not fields[2]:
        findings.error("E050", f"`{arn}` is not an ARN", at, help="an ARN reads arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")
        return None
    account_id = fields[4] or None
    if account_id is not None and not (len(account_id) == 12 and account_id.isdigit()):
        findings.error("E050", f"`{arn}` names `{account_id}` where an ARN has its account's 12-digit ID", at, help=INDEX_HELP)
        return None
    name = None
    if isinstance(value, dict):
        unknown_fields(value, _INDEX_ENTRY, at, findings)
        names = value.get("Files")
        if names is None:
            findings.error("E050", "`Files` is missing", at, help=INDEX_HELP)
            return None
        names_at = at / "Files"
        given = value.get("Account")
        if given is not None:
            if not (isinstance(given, str) and len(given) == 12 and given.isdigit()):
                findings.error("E050", "`Account` must be a 12-digit account ID", at / "Account", help=INDEX_HELP)
                return None
            if account_id is not None and given != account_id:
                findings.error("E051", f"`Account` says {given}, but the ARN is in {account_id}", at / "Account")
                return None
            account_id = given
        if "Name" in value:
            name = expect_string(value["Name"], at / "Name", findings, "a name")
            if name == "":
                findings.error("E050", "`Name` is empty", at / "Name", help=INDEX_HELP)
            if not name:
                return None
    else:
        names, names_at = value, at
    listed = [names] if isinstance(names, str) else names
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed) or not listed:
        findings.error("E050", f"expected a file name or a list of them, found {kind_of(names)}", names_at, help=INDEX_HELP)
        return None
    draft = ResourceDraft(arn, at, account_id, name)
    for position, relative in enumerate(listed):
        named_at = names_at / position if isinstance(names, list) else names_at
        file = read_json(os.path.join(base, relative), findings, named_by=f"{_describe(named_at)}")
        if file is None:
            continue
        files[file.name] = file
        _output(file, draft, findings)
    if draft.ownership is not None:
        if draft.ownership != ENFORCED:
            draft.mechanisms.append(NotModelled.ACLS)
    elif draft.acl_grants_others:
        draft.mechanisms.append(NotModelled.ACLS)
    draft.mechanisms = list(dict.fromkeys(draft.mechanisms))
    return draft


def _describe(at: At) -> str:
    from iamdsl.interop.aws_input import format_path

    return f"{at.file} at {format_path(at.path)}"


def _output(file: JsonFile, draft: ResourceDraft, findings: Findings) -> None:
    """Read one saved CLI output into the draft, by its shape."""
    at = file.root
    data = expect_object(file.data, at, findings, "the JSON object an AWS CLI command printed")
    if data is None:
        return
    if "Policy" in data:  # get-bucket-policy, get-key-policy, lambda get-policy, …
        unknown_fields(data, _POLICY_EXTRAS, at, findings)
        _policy(data.get("Policy"), at / "Policy", draft, findings)
    elif "policyText" in data:  # ecr get-repository-policy
        unknown_fields(data, _ECR_EXTRAS, at, findings)
        _policy(data["policyText"], at / "policyText", draft, findings)
    elif "Attributes" in data:  # sqs get-queue-attributes, sns get-topic-attributes
        attributes = expect_object(data["Attributes"], at / "Attributes", findings)
        if attributes is not None and "Policy" in attributes:
            _policy(attributes["Policy"], at / "Attributes" / "Policy", draft, findings)
    elif "ResourcePolicy" in data:  # secretsmanager get-resource-policy
        unknown_fields(data, _SECRET_EXTRAS, at, findings)
        _policy(data["ResourcePolicy"], at / "ResourcePolicy", draft, findings)
    elif isinstance(data.get("policy"), dict):  # glacier get-vault-access-policy
        _policy(data["policy"].get("Policy"), at / "policy" / "Policy", draft, findings)
    elif "TagSet" in data:  # s3api get-bucket-tagging
        draft.tags.update(tag_list(data["TagSet"], at / "TagSet", findings))
    elif "Tags" in data:
        _tags(data["Tags"], at / "Tags", draft, findings)
    elif "tags" in data:  # ecr list-tags-for-resource
        draft.tags.update(tag_list(data["tags"], at / "tags", findings))
    elif "OwnershipControls" in data:
        _ownership(data["OwnershipControls"], at / "OwnershipControls", draft, findings)
    elif "Grants" in data and "Owner" in data:  # s3api get-bucket-acl
        _acl(data, at, draft, findings)
    elif "Grants" in data:  # kms list-grants
        grants = expect_list(data["Grants"], at / "Grants", findings)
        if grants:
            draft.mechanisms.append(NotModelled.GRANTS)
    elif "PublicAccessBlockConfiguration" in data:
        settings = expect_object(data["PublicAccessBlockConfiguration"], at / "PublicAccessBlockConfiguration", findings)
        if settings is not None and any(value is True for value in settings.values()):
            draft.mechanisms.append(NotModelled.BLOCK_PUBLIC_ACCESS)
    else:
        keys = ", ".join(sorted(data)[:5]) or "no keys"
        findings.error(
            "E050",
            f"iamdsl does not know this output (it has {keys}) as anything about `{draft.arn}`",
            at,
            help=f"the files of an index entry are CLI outputs: {SHAPES}",
        )


def _policy(value: Any, at: At, draft: ResourceDraft, findings: Findings) -> None:
    if value is None or value == "":
        return  # no policy: the CLI prints an empty one for some services
    if draft.policy_at is not None:
        findings.error(
            "E051",
            f"a second resource policy for `{draft.arn}`",
            at,
            help=f"the first is in {draft.policy_at.file}; name one policy file per ARN",
        )
        return
    policy = read_policy(value, at, findings, name="policy", kind=PolicyKind.RESOURCE)
    draft.policy_at = at
    draft.policy = policy


def _tags(value: Any, at: At, draft: ResourceDraft, findings: Findings) -> None:
    if isinstance(value, dict):  # sqs list-queue-tags, lambda list-tags
        for key, tag_value in value.items():
            if not isinstance(tag_value, str):
                findings.error("E050", f"expected a string, found {kind_of(tag_value)}", at / key, help=SHAPE_HELP)
                continue
            draft.tags[key] = tag_value
        return
    items = expect_list(value, at, findings, "a list of tags")
    if items is None:
        return
    kms = any(isinstance(item, dict) and "TagKey" in item for item in items)
    draft.tags.update(tag_list(items, at, findings, *(("TagKey", "TagValue") if kms else ("Key", "Value"))))


def _ownership(value: Any, at: At, draft: ResourceDraft, findings: Findings) -> None:
    controls = expect_object(value, at, findings)
    rules = expect_list(controls.get("Rules"), at / "Rules", findings) if controls is not None else None
    for index, rule in enumerate(rules or ()):
        rule_obj = expect_object(rule, at / "Rules" / index, findings)
        setting = rule_obj.get("ObjectOwnership") if rule_obj is not None else None
        if isinstance(setting, str):
            draft.ownership = setting


def _acl(data: dict, at: At, draft: ResourceDraft, findings: Findings) -> None:
    owner = data.get("Owner")
    owner_id = owner.get("ID") if isinstance(owner, dict) else None
    for index, grant in enumerate(expect_list(data["Grants"], at / "Grants", findings) or ()):
        grant_obj = expect_object(grant, at / "Grants" / index, findings, "an ACL grant")
        if grant_obj is None:
            continue
        grantee = expect_object(grant_obj.get("Grantee"), at / "Grants" / index / "Grantee", findings, "a grantee")
        if grantee is None:
            continue
        if grantee.get("Type") != "CanonicalUser" or grantee.get("ID") != owner_id:
            draft.acl_grants_others = True
