"""One account of a model, in the shapes the AWS CLI prints.

Stage: interop (checked model -> AWS CLI output documents).

What an export writes so that `iamdsl import` (or any tool that reads AWS
CLI output) reads the account back as AWS would describe it:

- `aws iam get-account-authorization-details`: users, groups, roles and
  managed policies, each with its documents (as the CLI prints them: decoded
  JSON objects, not URL-encoded text);
- the service's own command for each resource policy (`aws s3api
  get-bucket-policy`, `aws kms get-key-policy`, …), whose policy is a JSON
  string, as the services return it;
- the service's own command for each resource's tags (`aws s3api
  get-bucket-tagging`, `aws kms list-resource-tags`, …), and for S3 the
  ownership controls and public access block that `acls enabled` and
  `block_public_access enabled` stand for;
- `aws ec2 describe-vpc-endpoints`: the VPC endpoints and their policies;
- `aws sts get-caller-identity` of the account's root: the account's ID.

Fields AWS fills in when it creates something (unique IDs such as AROA…,
dates, version histories) are not known to a design, so they are left out
rather than made up.
"""

from __future__ import annotations

import json
from typing import Any

from iamdsl import catalog
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.model import Account, Endpoint, IdentityEntity, ManagedPolicy, Model, Policy, PrincipalKind, Resource

POLICY_VERSION = "v1"  # a design has one version of each managed policy: the default one


def policy_text(policy: Policy) -> str:
    """A policy as the JSON string a service returns it in."""
    return json.dumps(policy_to_json(policy), separators=(",", ":"), ensure_ascii=False)


def empty_document() -> dict[str, Any]:
    """The trust policy of a role that has none: no statements (exportable.py warns, X102)."""
    return {"Version": "2012-10-17", "Statement": []}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def caller_identity(account: Account, partition: str) -> dict[str, Any]:
    """`aws sts get-caller-identity`, called with the account's root credentials."""
    return {"UserId": account.id, "Account": account.id, "Arn": f"arn:{partition}:iam::{account.id}:root"}


# ---------------------------------------------------------------- aws iam get-account-authorization-details


def account_managed_policies(model: Model, account: Account) -> list[ManagedPolicy]:
    """The managed policies the account's details list: its own, and the AWS-managed ones it uses."""
    used: set[str] = set()
    for entity in model.principals.values():
        if entity.account == account.name:
            used.update(entity.managed_policies)
            if entity.boundary:
                used.add(entity.boundary)
    return [
        m for m in model.managed_policies.values()
        if m.account == account.name or (m.account == "aws" and m.arn in used)
    ]


def authorization_details(model: Model, account: Account) -> dict[str, Any]:
    entities = [e for e in model.principals.values() if e.account == account.name]
    managed = account_managed_policies(model, account)
    return {
        "UserDetailList": [_user(model, e) for e in entities if e.kind is PrincipalKind.USER],
        "GroupDetailList": [_group(e) for e in entities if e.kind is PrincipalKind.GROUP],
        "RoleDetailList": [_role(model, e) for e in entities if e.kind is PrincipalKind.ROLE],
        "Policies": [_managed(m, entities) for m in managed],
    }


def name_and_path(arn: str) -> tuple[str, str]:
    """A managed policy's name and path, from its ARN: `…:policy/service-role/X` is X under /service-role/."""
    _, _, rest = arn.partition(":policy/")
    folder, _, name = rest.rpartition("/")
    return name, f"/{folder}/" if folder else "/"


def _attached(entity: IdentityEntity) -> list[dict[str, str]]:
    return [{"PolicyName": name_and_path(arn)[0], "PolicyArn": arn} for arn in entity.managed_policies]


def _inline(entity: IdentityEntity) -> list[dict[str, Any]]:
    return [{"PolicyName": p.name, "PolicyDocument": policy_to_json(p)} for p in entity.inline_policies]


def _common(entity: IdentityEntity, name_key: str, list_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {"Path": entity.path, name_key: entity.name, "Arn": entity.arn}
    out[list_key] = _inline(entity)
    out["AttachedManagedPolicies"] = _attached(entity)
    if entity.boundary is not None:
        out["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": entity.boundary}
    if entity.tags:
        out["Tags"] = tag_list(entity.tags)
    return out


def _user(model: Model, entity: IdentityEntity) -> dict[str, Any]:
    out = _common(entity, "UserName", "UserPolicyList")
    # GroupList holds bare group names: a user joins groups of its own account only.
    groups = [model.principals[g].name for g in entity.groups if g in model.principals]
    return {**out, "GroupList": groups}


def _group(entity: IdentityEntity) -> dict[str, Any]:
    out = _common(entity, "GroupName", "GroupPolicyList")
    out.pop("Tags", None)  # IAM groups cannot be tagged; the model has none for them either
    return out


def _role(model: Model, entity: IdentityEntity) -> dict[str, Any]:
    out: dict[str, Any] = {"Path": entity.path, "RoleName": entity.name, "Arn": entity.arn}
    out["AssumeRolePolicyDocument"] = policy_to_json(entity.trust_policy) if entity.trust_policy else empty_document()
    out["InstanceProfileList"] = []
    out["RolePolicyList"] = _inline(entity)
    out["AttachedManagedPolicies"] = _attached(entity)
    if entity.boundary is not None:
        out["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": entity.boundary}
    if entity.tags:
        out["Tags"] = tag_list(entity.tags)
    return out


def _managed(managed: ManagedPolicy, entities: list[IdentityEntity]) -> dict[str, Any]:
    name, path = name_and_path(managed.arn)
    return {
        "PolicyName": name,
        "Arn": managed.arn,
        "Path": path,
        "DefaultVersionId": POLICY_VERSION,
        "AttachmentCount": sum(managed.arn in e.managed_policies for e in entities),
        "PermissionsBoundaryUsageCount": sum(managed.arn == e.boundary for e in entities),
        "IsAttachable": True,
        "PolicyVersionList": [
            {"Document": policy_to_json(managed.policy), "VersionId": POLICY_VERSION, "IsDefaultVersion": True}
        ],
    }


# ---------------------------------------------------------------- resource policies


def arn_fields(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource part) of an ARN."""
    parts = arn.split(":", 5)
    parts += [""] * (6 - len(parts))
    return parts[2], parts[3], parts[4], parts[5]


def resource_kind(resource: Resource) -> tuple[str, str]:
    """`(service, type)` in lower case (the catalogue spells some types `Secret`); the ARN's type
    when the model has none, and an empty type when no catalogue template fits it."""
    if resource.type:
        return resource.service, resource.type.lower()
    info = catalog.type_of_arn(resource.arn)
    return (info.service, info.name.lower()) if info else (arn_fields(resource.arn)[0], "")


def resource_policy_output(resource: Resource, account: Account) -> dict[str, Any]:
    """What the resource's own `get-…-policy` command prints.  Other types get `{"Policy": …}`."""
    assert resource.policy is not None
    text = policy_text(resource.policy)
    service, rtype = resource_kind(resource)
    _, _, arn_account, rest = arn_fields(resource.arn)
    if (service, rtype) == ("kms", "key"):
        return {"Policy": text, "PolicyName": "default"}
    if (service, rtype) == ("ecr", "repository"):
        return {"registryId": arn_account or account.id, "repositoryName": rest.split("/", 1)[1] if "/" in rest else rest, "policyText": text}
    if (service, rtype) == ("sqs", "queue"):
        return {"Attributes": {"Policy": text}}
    if (service, rtype) == ("sns", "topic"):
        return {"Attributes": {"Policy": text, "Owner": arn_account or account.id, "TopicArn": resource.arn}}
    if (service, rtype) == ("secretsmanager", "secret"):
        return {"ARN": resource.arn, "Name": rest.split(":", 1)[1] if ":" in rest else rest, "ResourcePolicy": text}
    return {"Policy": text}


# ---------------------------------------------------------------- tags, ACLs, public access, endpoints

def resource_tags_output(resource: Resource) -> dict[str, Any]:
    """What the resource's own tag command prints, with no tags when it has none."""
    kind = resource_kind(resource)
    if kind == ("s3", "bucket"):
        return {"TagSet": tag_list(resource.tags)}
    if kind == ("kms", "key"):
        return {"Tags": [{"TagKey": key, "TagValue": value} for key, value in resource.tags.items()]}
    if kind == ("ecr", "repository"):
        return {"tags": tag_list(resource.tags)}
    if kind in (("sqs", "queue"), ("lambda", "function")):
        return {"Tags": dict(resource.tags)}
    return {"Tags": tag_list(resource.tags)}


def ownership_controls(object_ownership: str) -> dict[str, Any]:
    """`aws s3api get-bucket-ownership-controls`: ACLs are enabled unless it is BucketOwnerEnforced."""
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": object_ownership}]}}


def public_access_block() -> dict[str, Any]:
    """`aws s3api get-public-access-block` with every setting on."""
    settings = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return {"PublicAccessBlockConfiguration": {name: True for name in settings}}


def vpc_endpoints(endpoints: list[Endpoint], account: Account) -> dict[str, Any]:
    """`aws ec2 describe-vpc-endpoints`.  An endpoint without a policy has AWS's default, full access."""
    found = []
    for endpoint in endpoints:
        item: dict[str, Any] = {"VpcEndpointId": endpoint.id}
        if endpoint.vpc is not None:
            item["VpcId"] = endpoint.vpc
        item["OwnerId"] = account.id
        if endpoint.policy is not None:
            item["PolicyDocument"] = policy_text(endpoint.policy)
        item["Tags"] = tag_list(endpoint.tags)
        found.append(item)
    return {"VpcEndpoints": found}
