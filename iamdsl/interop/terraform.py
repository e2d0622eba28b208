"""`iamdsl export --format terraform`: a model as Terraform, one root module per account.

Stage: interop (checked model -> .tf files).

Each account gets `accounts/<account>/main.tf`, with a provider pinned to
that account (`allowed_account_ids`), because applying it with another
account's credentials must fail rather than write there; each organization
gets `organizations/<org>/main.tf` for the management account.  Policies are
`jsonencode({...})` of the very document `policy_to_json` gives, so the
export and the JSON export agree to the character once encoded.

The modules manage identities and policies, not the resources a policy is
attached to; what Terraform cannot hold that way is returned as warnings
(X103), never left out in silence.  docs/export.md has the table.
"""

from __future__ import annotations

import os

from iamdsl.interop import aws_cli, hcl
from iamdsl.interop.aws_cli import arn_fields, resource_kind
from iamdsl.interop.exportable import mechanism_not_exported
from iamdsl.interop.hcl import Block, Call, Expr
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.interop.layout import Files, account_directories, manifest, organization_directories
from iamdsl.interop.organizations_cli import BUILT_IN, RCP, SCP, units
from iamdsl.language.errors import Collector, Diagnostic
from iamdsl.model import Account, IdentityEntity, Model, Organization, OrgUnit, Policy, PrincipalKind, Resource

FORMAT = "terraform"
PROVIDER_VERSION = ">= 5.80"  # RESOURCE_CONTROL_POLICY in aws_organizations_policy, aws_dynamodb_resource_policy
_ENTITY_TYPES = {PrincipalKind.ROLE: "aws_iam_role", PrincipalKind.USER: "aws_iam_user", PrincipalKind.GROUP: "aws_iam_group"}
_HEADER = "Written by `iamdsl export --format terraform` from {files}.\nAccount {name} ({id}): apply with credentials for this account."


def export_terraform(model: Model) -> tuple[Files, list[Diagnostic]]:
    """The export directory's files by relative path, and what Terraform could not hold."""
    out = Collector()
    files: Files = {}
    for name, directory in account_directories(model).items():
        files[f"{directory}/main.tf"] = _Account(model, model.accounts[name], out).render()
    for name, directory in organization_directories(model).items():
        files[f"{directory}/main.tf"] = _Organization(model, model.organizations[name], out).render()
    files["iamdsl-export.json"] = manifest(model, FORMAT)
    return files, out.diagnostics


def _sources(model: Model) -> str:
    return ", ".join(os.path.basename(f) for f in model.files) or "a model"


def encoded(policy: Policy | None) -> Call:
    document = policy_to_json(policy) if policy is not None else aws_cli.empty_document()
    return Call("jsonencode", document)


class Labels:
    """Terraform resource names: identifiers, unique within one resource type."""

    def __init__(self) -> None:
        self._taken: dict[str, set[str]] = {}

    def __call__(self, resource_type: str, name: str) -> str:
        base = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in name)
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = "_" + base
        taken = self._taken.setdefault(resource_type, set())
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}_{number}", number + 1
        taken.add(candidate)
        return candidate


def _terraform_block() -> Block:
    required = Block("required_providers").set("aws", {"source": "hashicorp/aws", "version": PROVIDER_VERSION})
    terraform = Block("terraform")
    terraform.add(required)
    return terraform


def _provider(region: str, account_id: str | None, alias: str | None = None) -> Block:
    provider = Block("provider", ("aws",))
    if alias is not None:
        provider.set("alias", alias)
    provider.set("region", region)
    if account_id is not None:
        provider.set("allowed_account_ids", [account_id])
    return provider


def _alias(region: str) -> str:
    return region.replace("-", "_")


class _Account:
    def __init__(self, model: Model, account: Account, out: Collector) -> None:
        self.model, self.account, self.out = model, account, out
        self.labels = Labels()
        self.blocks: list[Block] = []
        self.regions: set[str] = set()
        self.entity_labels: dict[str, str] = {}  # qualified name -> label
        self.managed_labels: dict[str, str] = {}  # ARN -> label of an aws_iam_policy of this module

    def render(self) -> str:
        for managed in self.model.managed_policies.values():
            if managed.account == self.account.name:
                label = self.managed_labels[managed.arn] = self.labels("aws_iam_policy", managed.name)
                policy = self._resource("aws_iam_policy", label)
                policy.set("name", managed.name).set("path", managed.path).set("policy", encoded(managed.policy))
        entities = [e for e in self.model.principals.values() if e.account == self.account.name]
        for entity in entities:
            self.entity_labels[entity.qualified_name] = self.labels(_ENTITY_TYPES[entity.kind], entity.name)
        for entity in entities:
            self._entity(entity)
        for resource in self.model.resources.values():
            if resource.account == self.account.name:
                self._resource_policy(resource)
        for endpoint in self.model.endpoints.values():
            if endpoint.account == self.account.name and endpoint.tags:
                self.out.warning(
                    "X103",
                    f"the tags of endpoint `{endpoint.account}.{endpoint.name}` are not written in Terraform",
                    endpoint.span,
                    help="the module writes the endpoint's policy, not the endpoint; set the tags where the endpoint is defined",
                )
            if endpoint.account == self.account.name and endpoint.policy is not None:
                label = self.labels("aws_vpc_endpoint_policy", endpoint.name)
                self._resource("aws_vpc_endpoint_policy", label).set("vpc_endpoint_id", endpoint.id).set("policy", encoded(endpoint.policy))
        head = [_terraform_block(), _provider(self.model.region, self.account.id)]
        head += [_provider(region, self.account.id, _alias(region)) for region in sorted(self.regions)]
        header = _HEADER.format(files=_sources(self.model), name=self.account.name, id=self.account.id)
        return hcl.document(head + self.blocks, header)

    def _resource(self, resource_type: str, label: str) -> Block:
        block = Block("resource", (resource_type, label))
        self.blocks.append(block)
        return block

    def _policy_arn(self, arn: str) -> str | Expr:
        label = self.managed_labels.get(arn)
        return Expr(f"aws_iam_policy.{label}.arn") if label else arn

    def _entity(self, entity: IdentityEntity) -> None:
        resource_type = _ENTITY_TYPES[entity.kind]
        label = self.entity_labels[entity.qualified_name]
        ref = Expr(f"{resource_type}.{label}.name")
        block = self._resource(resource_type, label).set("name", entity.name).set("path", entity.path)
        if entity.kind is PrincipalKind.ROLE:
            block.set("assume_role_policy", encoded(entity.trust_policy))
        if entity.boundary is not None:
            block.set("permissions_boundary", self._policy_arn(entity.boundary))
        if entity.tags:
            block.set("tags", dict(entity.tags))
        kind = entity.kind.value
        for policy in entity.inline_policies:
            inline_type = f"aws_iam_{kind}_policy"
            inline = self._resource(inline_type, self.labels(inline_type, f"{label}_{policy.name}"))
            inline.set("name", policy.name).set(kind, ref).set("policy", encoded(policy))
        for arn in entity.managed_policies:
            attach_type = f"aws_iam_{kind}_policy_attachment"
            managed = self.model.managed_policies.get(arn)
            attachment = self._resource(attach_type, self.labels(attach_type, f"{label}_{managed.name if managed else arn.rsplit('/', 1)[-1]}"))
            attachment.set(kind, ref).set("policy_arn", self._policy_arn(arn))
        if entity.groups:
            membership = self._resource("aws_iam_user_group_membership", self.labels("aws_iam_user_group_membership", label))
            groups = [Expr(f"aws_iam_group.{self.entity_labels[g]}.name") if g in self.entity_labels else self.model.principals[g].name for g in entity.groups]
            membership.set("user", ref).set("groups", groups)

    def _resource_policy(self, resource: Resource) -> None:
        for mechanism in resource.mechanisms:
            mechanism_not_exported(resource, mechanism, self.out, " in Terraform")
        if resource.tags:
            self.out.warning(
                "X103",
                f"the tags of `{resource.qualified_name}` are not written in Terraform",
                resource.span,
                help="the module writes policies, not resources; set the tags where the resource itself is defined",
            )
        if resource.policy is None:
            return
        target = _policy_target(resource, self.model.partition)
        if target is None:
            service, rtype = resource_kind(resource)
            self.out.warning(
                "X103",
                f"the policy of `{resource.qualified_name}` is not written: Terraform has no resource for a whole {service}:{rtype or '?'} policy",
                resource.span,
                help="apply it with the service's own API, or use `iamdsl export --format iam-json`, which writes it",
            )
            return
        resource_type, identity = target
        block = self._resource(resource_type, self.labels(resource_type, resource.name))
        for name, item in identity.items():
            block.set(name, item)
        block.set("policy", encoded(resource.policy))
        _, region, _, _ = arn_fields(resource.arn)
        region = region or (resource.region if resource.region else "")
        if region and region != self.model.region:
            self.regions.add(region)
            block.set("provider", Expr(f"aws.{_alias(region)}"))


def _policy_target(resource: Resource, partition: str) -> tuple[str, dict[str, str]] | None:
    """The Terraform resource type that holds this resource's policy, and what names the resource."""
    service, rtype = resource_kind(resource)
    _, region, account, rest = arn_fields(resource.arn)
    tail = rest.split("/", 1)[1] if "/" in rest else rest
    if (service, rtype) == ("s3", "bucket"):
        return "aws_s3_bucket_policy", {"bucket": rest}
    if (service, rtype) == ("kms", "key"):
        return "aws_kms_key_policy", {"key_id": tail}
    if (service, rtype) == ("ecr", "repository"):
        return "aws_ecr_repository_policy", {"repository": tail}
    if (service, rtype) == ("sqs", "queue"):
        domain = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
        return "aws_sqs_queue_policy", {"queue_url": f"https://sqs.{region}.{domain}/{account}/{rest}"}
    if (service, rtype) == ("sns", "topic"):
        return "aws_sns_topic_policy", {"arn": resource.arn}
    if (service, rtype) == ("secretsmanager", "secret"):
        return "aws_secretsmanager_secret_policy", {"secret_arn": resource.arn}
    if (service, rtype) == ("dynamodb", "table"):
        return "aws_dynamodb_resource_policy", {"resource_arn": resource.arn}
    return None


class _Organization:
    def __init__(self, model: Model, org: Organization, out: Collector) -> None:
        self.model, self.org, self.out = model, org, out
        self.labels = Labels()
        self.blocks: list[Block] = []
        self.unit_refs: dict[int, Expr] = {id(org.root): Expr("data.aws_organizations_organization.this.roots[0].id")}
        self.policy_refs: dict[tuple[str, str], Expr] = {}

    def render(self) -> str:
        management = self.model.accounts.get(self.org.management_account or "")
        if not self.org.all_features:
            self.out.warning(
                "X103",
                f"organization `{self.org.name}` has consolidated billing only, which the module does not set",
                self.org.span,
                help="SCPs and RCPs take effect only with all features; the module reads the organization, it does not manage it",
            )
        data = Block("data", ("aws_organizations_organization", "this"))
        self.blocks.append(data)
        for kind, table in ((SCP, self.org.scps), (RCP, self.org.rcps)):
            for name, policy in table.items():
                if name in BUILT_IN:
                    continue
                label = self.labels("aws_organizations_policy", name)
                self.policy_refs[(kind, name)] = Expr(f"aws_organizations_policy.{label}.id")
                block = Block("resource", ("aws_organizations_policy", label))
                block.set("name", name).set("type", kind).set("content", encoded(policy))
                self.blocks.append(block)
        for unit in units(self.org):
            if unit is not self.org.root:
                self._unit(unit)
        for unit in units(self.org):
            self._attachments(self.unit_refs[id(unit)], unit.name, unit.scps, unit.rcps, unit.span)
            for account_name in unit.accounts:
                attached = self.org.account_attachments.get(account_name)
                account = self.model.accounts[account_name]
                if attached is not None:
                    self._attachments(account.id, account_name, attached.scps, attached.rcps, unit.span)
                if unit is not self.org.root:
                    self.out.warning(
                        "X103",
                        f"account `{account_name}` belongs in OU `{unit.name}`, which Terraform does not arrange",
                        unit.span or self.org.span,
                        help=f"move it once: `aws organizations move-account --account-id {account.id} "
                        f"--source-parent-id <its parent> --destination-parent-id <the ID of {unit.name}>`",
                    )
        head = [_terraform_block(), _provider(self.model.region, management.id if management else None)]
        header = (
            f"Written by `iamdsl export --format terraform` from {_sources(self.model)}.\n"
            f"Organization {self.org.name} ({self.org.id}): apply with credentials for its management account."
        )
        return hcl.document(head + self.blocks, header)

    def _unit(self, unit: OrgUnit) -> None:
        parent = self._parent_of(unit)
        label = self.labels("aws_organizations_organizational_unit", unit.name)
        block = Block("resource", ("aws_organizations_organizational_unit", label))
        block.set("name", unit.name).set("parent_id", self.unit_refs[id(parent)])
        self.blocks.append(block)
        self.unit_refs[id(unit)] = Expr(f"aws_organizations_organizational_unit.{label}.id")

    def _parent_of(self, unit: OrgUnit) -> OrgUnit:
        def find(current: OrgUnit) -> OrgUnit | None:
            for child in current.children:
                if child is unit:
                    return current
                found = find(child)
                if found is not None:
                    return found
            return None

        return find(self.org.root) or self.org.root

    def _attachments(self, target: Expr | str, where: str, scps: tuple[str, ...], rcps: tuple[str, ...], span) -> None:
        if "FullAWSAccess" not in scps:
            self.out.warning(
                "X103",
                f"`FullAWSAccess` is detached from `{where}`, which Terraform does not do",
                span or self.org.span,
                help=f"detach it once: `aws organizations detach-policy --policy-id p-FullAWSAccess --target-id <the ID of {where}>`",
            )
        for kind, names in ((SCP, scps), (RCP, rcps)):
            for name in names:
                if name in BUILT_IN:
                    continue  # AWS attaches the built-in policies by default
                label = self.labels("aws_organizations_policy_attachment", f"{name}_{where}")
                block = Block("resource", ("aws_organizations_policy_attachment", label))
                block.set("policy_id", self.policy_refs[(kind, name)]).set("target_id", target)
                self.blocks.append(block)
