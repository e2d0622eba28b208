"""`iamdsl export --format terraform`: golden files, and every .tf parsed back with python-hcl2.

The parse is the real check: each `jsonencode({...})` is read back by an
independent HCL parser, and the document it encodes must be exactly the one
`policy_to_json` gives for the policy the Terraform resource stands for.
"""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions
from hypothesis import given, settings
from hypothesis import strategies as st

import iamdsl
from export_support import EXAMPLES, GOLDEN, check_golden, exported, load_example
from iamdsl.interop import hcl
from iamdsl.interop.exporter import export_model
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.model import Model, PrincipalKind
from iamdsl.testing.strategies import models

_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
_EMPTY = {"Version": "2012-10-17", "Statement": []}
_POLICY_ATTRIBUTES = ("policy", "assume_role_policy", "content")


def _template_literal(value):
    """Undo HCL's template escapes, which python-hcl2 leaves in place (it undoes the backslash ones)."""
    if isinstance(value, str):
        return value.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [_template_literal(v) for v in value]
    if isinstance(value, dict):
        return {_template_literal(k): _template_literal(v) for k, v in value.items()}
    return value


def decode_jsonencode(expression: str):
    """The value `jsonencode(...)` encodes, read by python-hcl2."""
    assert expression.startswith("${jsonencode(") and expression.endswith(")}"), expression[:60]
    inner = expression[len("${jsonencode(") : -2]
    return _template_literal(hcl2.loads(f"v = {inner}\n", serialization_options=_OPTIONS)["v"])


def parse_tf(text: str) -> tuple[dict, list[tuple[str, str, dict]]]:
    """The providers and the resources of a .tf file as (type, label, attributes)."""
    data = hcl2.loads(text, serialization_options=_OPTIONS)
    resources = [(rtype, label, attrs) for entry in data.get("resource", []) for rtype, by_label in entry.items() for label, attrs in by_label.items()]
    providers = [attrs for entry in data.get("provider", []) for attrs in entry.values()]
    return {"providers": providers, "data": data}, resources


def _reference_label(expression: str, resource_type: str) -> str:
    prefix = "${" + resource_type + "."
    assert expression.startswith(prefix) and expression.endswith(".name}"), expression
    return expression[len(prefix) : -len(".name}")]


def _documents(model: Model, account: str, resources: list[tuple[str, str, dict]]) -> list[tuple[str, dict, dict]]:
    """(what, decoded document, expected document) for every policy attribute of one account's module."""
    names = {(rtype, label): attrs.get("name") for rtype, label, attrs in resources}
    entities = {(e.kind, e.name): e for e in model.principals.values() if e.account == account}
    managed = {m.name: m for m in model.managed_policies.values() if m.account == account}
    owned = [r for r in model.resources.values() if r.account == account]
    found = []
    for rtype, label, attrs in resources:
        for attribute in _POLICY_ATTRIBUTES:
            if attribute not in attrs:
                continue
            decoded = decode_jsonencode(attrs[attribute])
            if rtype == "aws_iam_policy":
                expected = policy_to_json(managed[attrs["name"]].policy)
            elif rtype == "aws_iam_role":
                trust = entities[(PrincipalKind.ROLE, attrs["name"])].trust_policy
                expected = policy_to_json(trust) if trust else _EMPTY
            elif rtype in ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"):
                kind = PrincipalKind(rtype.split("_")[2])
                owner_label = _reference_label(attrs[kind.value], f"aws_iam_{kind.value}")
                entity = entities[(kind, names[(f"aws_iam_{kind.value}", owner_label)])]
                (policy,) = [p for p in entity.inline_policies if p.name == attrs["name"]]
                expected = policy_to_json(policy)
            elif rtype == "aws_vpc_endpoint_policy":
                (endpoint,) = [e for e in model.endpoints.values() if e.account == account and e.id == attrs["vpc_endpoint_id"]]
                expected = policy_to_json(endpoint.policy)
            else:
                (resource,) = [r for r in owned if _names_resource(rtype, attrs, r.arn)]
                expected = policy_to_json(resource.policy)
            found.append((f"{rtype}.{label}.{attribute}", decoded, expected))
    return found


def _names_resource(rtype: str, attrs: dict, arn: str) -> bool:
    identity = {
        "aws_s3_bucket_policy": lambda: arn == f"arn:aws:s3:::{attrs['bucket']}",
        "aws_kms_key_policy": lambda: arn.endswith(f":key/{attrs['key_id']}"),
        "aws_ecr_repository_policy": lambda: arn.endswith(f":repository/{attrs['repository']}"),
        "aws_sqs_queue_policy": lambda: arn.split(":")[3:] == [attrs["queue_url"].split(".")[1]] + attrs["queue_url"].rsplit("/", 2)[-2:],
        "aws_sns_topic_policy": lambda: arn == attrs["arn"],
        "aws_secretsmanager_secret_policy": lambda: arn == attrs["secret_arn"],
        "aws_dynamodb_resource_policy": lambda: arn == attrs["resource_arn"],
    }
    return identity[rtype]()


def _check_model(model: Model) -> int:
    """Parse every module of the model's export and compare every document; the number compared."""
    files = exported(model, "terraform", placeholder_ids=True)
    compared = 0
    for account in (a for a in model.accounts.values() if not a.external):
        info, resources = parse_tf(files[f"accounts/{account.name}/main.tf"])
        assert all(p["allowed_account_ids"] == [account.id] for p in info["providers"])
        documents = _documents(model, account.name, resources)
        for what, decoded, expected in documents:
            assert decoded == expected, what
        compared += len(documents)
    for org in model.organizations.values():
        _, resources = parse_tf(files[f"organizations/{org.name}/main.tf"])
        for rtype, label, attrs in resources:
            if rtype == "aws_organizations_policy":
                table = org.scps if attrs["type"] == "SERVICE_CONTROL_POLICY" else org.rcps
                assert decode_jsonencode(attrs["content"]) == policy_to_json(table[attrs["name"]]), label
                compared += 1
    return compared


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_policy_parses_back_to_its_document(example: Path) -> None:
    model = load_example(example)
    compared = _check_model(model)
    # every policy of the design is in some module, but resource policies of types Terraform cannot hold
    expected = sum(1 for e in model.principals.values() if e.kind is PrincipalKind.ROLE)
    expected += sum(len(e.inline_policies) for e in model.principals.values())
    expected += sum(1 for m in model.managed_policies.values() if m.account != "aws")
    expected += sum(1 for r in model.resources.values() if r.policy is not None)
    expected += sum(1 for e in model.endpoints.values() if e.policy is not None)
    expected += sum(len(o.scps) + len(o.rcps) - 2 for o in model.organizations.values())
    assert compared == expected


@settings(max_examples=40, deadline=None)
@given(models(max_accounts=3, max_statements=10))
def test_generated_models_parse_back_to_their_documents(text: str) -> None:
    _check_model(iamdsl.loads(text))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_terraform_golden(example: Path, update_goldens: bool) -> None:
    check_golden(exported(load_example(example), "terraform"), GOLDEN / "terraform" / example.stem, update_goldens)


@given(st.text())
def test_hcl_strings_read_back_as_written(text: str) -> None:
    parsed = hcl2.loads(f"v = {hcl.string(text)}\n", serialization_options=_OPTIONS)["v"]
    assert _template_literal(parsed) == text


def test_policy_variables_are_escaped_so_terraform_leaves_them_alone() -> None:
    text = 'account A 111111111111\nuser A.u { allow iam:GetUser on "arn:aws:iam::111111111111:user/${aws:username}" }\n'
    module = exported(iamdsl.loads(text), "terraform")["accounts/A/main.tf"]
    assert '"arn:aws:iam::111111111111:user/$${aws:username}"' in module
    _check_model(iamdsl.loads(text))


def test_a_resource_in_another_region_gets_its_own_provider() -> None:
    text = (
        "region eu-west-1\naccount A 111111111111\n"
        'resource A.q : sqs:queue "jobs" in us-east-2 { allow sqs:SendMessage to account A }\n'
        'resource A.k : kms:key "k1" { allow kms:* on * to account A }\n'
    )
    info, resources = parse_tf(exported(iamdsl.loads(text), "terraform")["accounts/A/main.tf"])
    assert [(p.get("alias"), p["region"]) for p in info["providers"]] == [(None, "eu-west-1"), ("us_east_2", "us-east-2")]
    by_type = {rtype: attrs for rtype, _, attrs in resources}
    assert by_type["aws_sqs_queue_policy"]["provider"] == "${aws.us_east_2}"
    assert by_type["aws_sqs_queue_policy"]["queue_url"] == "https://sqs.us-east-2.amazonaws.com/111111111111/jobs"
    assert "provider" not in by_type["aws_kms_key_policy"]


def test_identities_attachments_and_memberships() -> None:
    model = load_example(Path(__file__).parents[2] / "examples" / "permission_boundary.iam")
    _, resources = parse_tf(exported(model, "terraform")["accounts/dev/main.tf"])
    by_label = {(rtype, label): attrs for rtype, label, attrs in resources}
    role = by_label[("aws_iam_role", "orders_api")]
    assert (role["path"], role["permissions_boundary"]) == ("/app/", "${aws_iam_policy.DevBoundary.arn}")
    assert role["tags"] == {"team": "orders", "created-by": "alice"}
    assert by_label[("aws_iam_group_policy_attachment", "Developers_DeveloperAccess")] == {
        "group": "${aws_iam_group.Developers.name}", "policy_arn": "${aws_iam_policy.DeveloperAccess.arn}",
    }
    assert by_label[("aws_iam_user_group_membership", "alice")]["groups"] == ["${aws_iam_group.Developers.name}"]


def test_what_terraform_cannot_hold_is_warned() -> None:
    text = (
        "account A 111111111111\n"
        'resource A.f : lambda:function "f" { allow lambda:InvokeFunction to service events.amazonaws.com }\n'
        'resource A.b : s3:bucket "bkt" { tags { env = "prod" } }\n'
    )
    result = export_model(iamdsl.loads(text), "terraform")
    assert [d.message for d in result.warnings] == [
        "the policy of `A.f` is not written: Terraform has no resource for a whole lambda:function policy",
        "the tags of `A.b` are not written in Terraform",
    ]
    assert "aws_lambda" not in result.files["accounts/A/main.tf"]


def test_organization_module_attaches_what_the_design_attaches() -> None:
    model = load_example(Path(__file__).parents[2] / "examples" / "organization_scp_rcp.iam")
    result = export_model(model, "terraform")
    _, resources = parse_tf(result.files["organizations/acme/main.tf"])
    attachments = sorted((attrs["policy_id"], attrs["target_id"]) for rtype, _, attrs in resources if rtype == "aws_organizations_policy_attachment")
    root = "${data.aws_organizations_organization.this.roots[0].id}"
    assert attachments == sorted([
        ("${aws_organizations_policy.DenyLeaveOrganization.id}", root),
        ("${aws_organizations_policy.DenyOutsideEU.id}", root),
        ("${aws_organizations_policy.OrgOnlyResources.id}", root),
        ("${aws_organizations_policy.ProtectAuditLogs.id}", "200000000002"),
        ("${aws_organizations_policy.SandboxAllowList.id}", "${aws_organizations_organizational_unit.Sandbox.id}"),
    ])
    warned = [d.message for d in result.warnings if d.code == "X103"]
    assert "`FullAWSAccess` is detached from `Sandbox`, which Terraform does not do" in warned
    assert "account `sandbox` belongs in OU `Sandbox`, which Terraform does not arrange" in warned
