"""`iamdsl export --format iam-json`: a model as IAM JSON files.

Stage: interop (checked model -> the files of an export directory).

Every policy becomes one valid IAM JSON document, named by its account and
its entity; the same content is written again in the shapes the AWS CLI
prints (aws_cli.py, organizations_cli.py), which is what `iamdsl import`
reads.  A `delegate` line needs nothing special: the resolver already put its
identity half in the principal's policy and its resource half in the
resource's (or role's trust) policy, so each half lands in its own account's
directory.  The layout is described in docs/export.md.
"""

from __future__ import annotations

from iamdsl.interop import aws_cli
from iamdsl.interop import organizations_cli as orgs
from iamdsl.interop.exportable import mechanism_not_exported
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.interop.layout import Files, UniqueNames, account_directories, manifest, organization_directories, to_json
from iamdsl.language.errors import Collector, Diagnostic
from iamdsl.model import Account, Model, NotModelled, PrincipalKind, Resource

FORMAT = "iam-json"
AWS_MANAGED_DIR = "aws-managed"
RESOURCE_INDEX = "resource-index.json"
_KIND_DIRS = {PrincipalKind.ROLE: "roles", PrincipalKind.USER: "users", PrincipalKind.GROUP: "groups"}


def export_iam_json(model: Model) -> tuple[Files, list[Diagnostic]]:
    """The export directory's files by relative path, and what could not be written.

    Run `check_exportable` first: this writes what it is given.
    """
    out = Collector()
    files: Files = {}
    index: dict[str, dict] = {}
    for name, directory in account_directories(model).items():
        _account(model, model.accounts[name], directory, files, index, out)
    files[RESOURCE_INDEX] = to_json(index)
    aws_names = UniqueNames()
    for managed in model.managed_policies.values():
        if managed.account == "aws":
            files[f"{AWS_MANAGED_DIR}/{aws_names(managed.name)}.json"] = to_json(policy_to_json(managed.policy))
    for name, directory in organization_directories(model).items():
        _organization(model, name, directory, files)
    files["iamdsl-export.json"] = manifest(model, FORMAT)
    return files, out.diagnostics


def _account(model: Model, account: Account, directory: str, files: Files, index: dict[str, dict], out: Collector) -> None:
    files[f"{directory}/caller-identity.json"] = to_json(aws_cli.caller_identity(account, model.partition))
    files[f"{directory}/authorization-details.json"] = to_json(aws_cli.authorization_details(model, account))
    documents = f"{directory}/policies"

    kind_names = {kind: UniqueNames() for kind in _KIND_DIRS}
    for entity in model.principals.values():
        if entity.account != account.name:
            continue
        home = f"{documents}/{_KIND_DIRS[entity.kind]}/{kind_names[entity.kind](entity.name)}"
        if entity.kind is PrincipalKind.ROLE:
            trust = policy_to_json(entity.trust_policy) if entity.trust_policy else aws_cli.empty_document()
            files[f"{home}/trust.json"] = to_json(trust)
        inline_names = UniqueNames()
        for policy in entity.inline_policies:
            files[f"{home}/inline/{inline_names(policy.name)}.json"] = to_json(policy_to_json(policy))

    managed_names = UniqueNames()
    for managed in model.managed_policies.values():
        if managed.account == account.name:
            files[f"{documents}/managed/{managed_names(managed.name)}.json"] = to_json(policy_to_json(managed.policy))

    document_names, resource_names = UniqueNames(), UniqueNames()
    for resource in model.resources.values():
        if resource.account != account.name:
            continue
        if resource.policy is not None:
            files[f"{documents}/resources/{document_names(resource.name)}.json"] = to_json(policy_to_json(resource.policy))
        home = f"{directory}/resources/{resource_names(resource.name)}"
        outputs = _resource_outputs(resource, account, out)
        for file_name, body in outputs.items():
            files[f"{home}/{file_name}"] = to_json(body)
        index[resource.arn] = {"Account": account.id, "Name": resource.name, "Files": [f"{home}/{name}" for name in outputs]}

    endpoints = [e for e in model.endpoints.values() if e.account == account.name]
    endpoint_names = UniqueNames()
    for endpoint in endpoints:
        if endpoint.policy is not None:
            files[f"{documents}/endpoints/{endpoint_names(endpoint.name)}.json"] = to_json(policy_to_json(endpoint.policy))
    files[f"{directory}/vpc-endpoints.json"] = to_json(aws_cli.vpc_endpoints(endpoints, account))


def _resource_outputs(resource: Resource, account: Account, out: Collector) -> dict[str, dict]:
    """The CLI outputs saved for one resource, by file name: every resource has its tags, even none,
    so that the index names every resource with its account (an S3 ARN has none)."""
    outputs: dict[str, dict] = {}
    if resource.policy is not None:
        outputs["policy.json"] = aws_cli.resource_policy_output(resource, account)
    outputs["tags.json"] = aws_cli.resource_tags_output(resource)
    bucket = aws_cli.resource_kind(resource) == ("s3", "bucket")
    for mechanism in resource.mechanisms:
        if bucket and mechanism is NotModelled.ACLS:
            outputs["ownership-controls.json"] = aws_cli.ownership_controls("ObjectWriter")
        elif bucket and mechanism is NotModelled.BLOCK_PUBLIC_ACCESS:
            outputs["public-access-block.json"] = aws_cli.public_access_block()
        else:
            # a KMS grant (or an ACL on anything but a bucket) is a real object with a grantee and
            # operations the design does not give: it cannot be written without being made up
            mechanism_not_exported(resource, mechanism, out)
    return outputs


def _organization(model: Model, name: str, directory: str, files: Files) -> None:
    ids = orgs.OrgIds(model.organizations[name], model)
    files[f"{directory}/describe-organization.json"] = to_json(orgs.describe_organization(ids))
    files[f"{directory}/list-roots.json"] = to_json(orgs.list_roots(ids))
    for unit in orgs.units(ids.org):
        unit_id = ids.unit_id(unit)
        files[f"{directory}/list-organizational-units-for-parent/{unit_id}.json"] = to_json(orgs.units_for_parent(ids, unit))
        files[f"{directory}/list-accounts-for-parent/{unit_id}.json"] = to_json(orgs.accounts_for_parent(ids, unit))
    attached: set[tuple[str, str]] = set()
    for target, scps, rcps in orgs.targets(ids):
        files[f"{directory}/list-policies-for-target/{target}.{orgs.SCP}.json"] = to_json(orgs.policies_for_target(ids, scps, orgs.SCP))
        files[f"{directory}/list-policies-for-target/{target}.{orgs.RCP}.json"] = to_json(orgs.policies_for_target(ids, rcps, orgs.RCP))
        attached.update((orgs.SCP, n) for n in scps)
        attached.update((orgs.RCP, n) for n in rcps)
    for kind, folder in ((orgs.SCP, "scps"), (orgs.RCP, "rcps")):
        files[f"{directory}/list-policies/{kind}.json"] = to_json(orgs.list_policies(ids, kind))
        names = UniqueNames()
        for policy_name, policy in orgs.policies(ids, kind).items():
            # described as a reader walking the organization would: the attached ones AWS does not manage
            if (kind, policy_name) in attached and policy_name not in orgs.BUILT_IN:
                files[f"{directory}/describe-policy/{ids.policy_id(policy_name, kind)}.json"] = to_json(orgs.describe_policy(ids, policy_name, kind))
            files[f"{directory}/policies/{folder}/{names(policy_name)}.json"] = to_json(policy_to_json(policy))
