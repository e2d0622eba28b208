"""`iamdsl export --format iam-json`: one valid document per policy, and the AWS CLI shapes beside them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamdsl
from export_support import EXAMPLES, GOLDEN, check_golden, exported, load_example, read_json
from iamdsl.engine.world import World
from iamdsl.interop.iam_json import plain_to_json_value, policy_from_json, policy_to_json
from iamdsl.language.errors import Collector
from iamdsl.model import Model, PolicyKind, PrincipalKind, Span

KIND_DIRS = {PrincipalKind.ROLE: "roles", PrincipalKind.USER: "users", PrincipalKind.GROUP: "groups"}


def _expected_documents(model: Model) -> dict[str, dict]:
    """Every plain document the export must write, by path (the examples' names need no escaping)."""
    found: dict[str, dict] = {}
    for entity in model.principals.values():
        home = f"accounts/{entity.account}/policies/{KIND_DIRS[entity.kind]}/{entity.name}"
        if entity.kind is PrincipalKind.ROLE:
            found[f"{home}/trust.json"] = (
                policy_to_json(entity.trust_policy) if entity.trust_policy else {"Version": "2012-10-17", "Statement": []}
            )
        for policy in entity.inline_policies:
            found[f"{home}/inline/{policy.name}.json"] = policy_to_json(policy)
    for managed in model.managed_policies.values():
        where = "aws-managed" if managed.account == "aws" else f"accounts/{managed.account}/policies/managed"
        found[f"{where}/{managed.name}.json"] = policy_to_json(managed.policy)
    for resource in model.resources.values():
        if resource.policy is not None:
            found[f"accounts/{resource.account}/policies/resources/{resource.name}.json"] = policy_to_json(resource.policy)
    for endpoint in model.endpoints.values():
        if endpoint.policy is not None:
            found[f"accounts/{endpoint.account}/policies/endpoints/{endpoint.name}.json"] = policy_to_json(endpoint.policy)
    for org in model.organizations.values():
        for folder, table in (("scps", org.scps), ("rcps", org.rcps)):
            for name, policy in table.items():
                found[f"organizations/{org.name}/policies/{folder}/{name}.json"] = policy_to_json(policy)
    return found


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_policy_is_one_valid_document_named_by_account_and_entity(example: Path) -> None:
    model = load_example(example)
    files = exported(model)
    expected = _expected_documents(model)
    written = {p for p in files if "/policies/" in p or p.startswith("aws-managed/")}
    assert written == set(expected)
    for path, document in expected.items():
        assert read_json(files, path) == document, path
        out = Collector()
        kind = PolicyKind.TRUST if path.endswith("trust.json") else PolicyKind.IDENTITY
        policy_from_json(plain_to_json_value(json.loads(files[path]), Span(path, 1, 1, 1, 1)), name="p", kind=kind, out=out)
        assert not out.has_errors, (path, [d.message for d in out.diagnostics])


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_authorization_details_hold_every_entity_and_its_documents(example: Path) -> None:
    model = load_example(example)
    files = exported(model)
    for account in (a for a in model.accounts.values() if not a.external):
        details = read_json(files, f"accounts/{account.name}/authorization-details.json")
        assert set(details) == {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}
        assert read_json(files, f"accounts/{account.name}/caller-identity.json")["Account"] == account.id
        lists = {PrincipalKind.ROLE: ("RoleDetailList", "RoleName", "RolePolicyList"),
                 PrincipalKind.USER: ("UserDetailList", "UserName", "UserPolicyList"),
                 PrincipalKind.GROUP: ("GroupDetailList", "GroupName", "GroupPolicyList")}  # fmt: skip
        entities = [e for e in model.principals.values() if e.account == account.name]
        for entity in entities:
            list_key, name_key, inline_key = lists[entity.kind]
            (item,) = [i for i in details[list_key] if i[name_key] == entity.name]
            assert (item["Arn"], item["Path"]) == (entity.arn, entity.path)
            assert item[inline_key] == [{"PolicyName": p.name, "PolicyDocument": policy_to_json(p)} for p in entity.inline_policies]
            assert [a["PolicyArn"] for a in item["AttachedManagedPolicies"]] == list(entity.managed_policies)
            assert item.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == entity.boundary
            assert {t["Key"]: t["Value"] for t in item.get("Tags", [])} == entity.tags
            if entity.kind is PrincipalKind.ROLE and entity.trust_policy is not None:
                assert item["AssumeRolePolicyDocument"] == policy_to_json(entity.trust_policy)
            if entity.kind is PrincipalKind.USER:
                assert item["GroupList"] == [model.principals[g].name for g in entity.groups]
        assert sum(len(details[key]) for key, _, _ in lists.values()) == len(entities)
        for item in details["Policies"]:
            managed = model.managed_policies[item["Arn"]]
            (version,) = item["PolicyVersionList"]
            assert version["IsDefaultVersion"] is True and version["VersionId"] == item["DefaultVersionId"]
            assert version["Document"] == policy_to_json(managed.policy)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_the_resource_index_names_every_resource_with_its_account_and_files(example: Path) -> None:
    model = load_example(example)
    files = exported(model)
    index = read_json(files, "resource-index.json")
    resources = [r for r in model.resources.values() if not model.accounts[r.account].external]
    assert set(index) == {r.arn for r in resources}
    for resource in resources:
        entry = index[resource.arn]
        assert entry["Account"] == model.accounts[resource.account].id
        assert entry["Name"] == resource.name
        assert all(name in files for name in entry["Files"])
        policies = [json.loads(files[name]) for name in entry["Files"] if name.endswith("/policy.json")]
        assert len(policies) == (resource.policy is not None)
        for output in policies:
            text = output.get("Policy") or output.get("policyText") or output.get("ResourcePolicy") or output["Attributes"]["Policy"]
            assert json.loads(text) == policy_to_json(resource.policy)


RESOURCE_SHAPES = {
    's3:bucket "b"': ({"Policy"}, "TagSet"),
    'kms:key "k"': ({"Policy", "PolicyName"}, "Tags"),
    'ecr:repository "team/app"': ({"registryId", "repositoryName", "policyText"}, "tags"),
    'sqs:queue "q"': ({"Attributes"}, "Tags"),
    'sns:topic "t"': ({"Attributes"}, "Tags"),
    'secretsmanager:secret "s"': ({"ARN", "Name", "ResourcePolicy"}, "Tags"),
    'dynamodb:table "t"': ({"Policy"}, "Tags"),
    'lambda:function "f"': ({"Policy"}, "Tags"),
    'glacier:vault "v"': ({"Policy"}, "Tags"),
}


@pytest.mark.parametrize("declaration", sorted(RESOURCE_SHAPES), ids=lambda d: d.split()[0])
def test_resource_policies_take_their_services_cli_shape(declaration: str) -> None:
    text = f'account A 111111111111\nresource A.r : {declaration} {{\n tags {{ team = "x" }}\n allow * to account A\n}}\n'
    model = iamdsl.loads(text)
    files = exported(model)
    policy_keys, tags_key = RESOURCE_SHAPES[declaration]
    output = read_json(files, "accounts/A/resources/r/policy.json")
    assert set(output) == policy_keys
    if declaration.startswith("ecr"):
        assert (output["registryId"], output["repositoryName"]) == ("111111111111", "team/app")
    if declaration.startswith("sns"):
        assert output["Attributes"]["TopicArn"] == model.resources["A.r"].arn
    tags = read_json(files, "accounts/A/resources/r/tags.json")
    assert list(tags) == [tags_key]
    assert "x" in json.dumps(tags)


def test_an_aws_managed_policy_with_a_path_keeps_name_and_path_apart() -> None:
    text = (
        "account A 111111111111\n"
        'policy aws."service-role/AWSLambdaRole" json {"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}\n'
        'role A.R { trust { allow assume to service lambda.amazonaws.com }\n attach aws."service-role/AWSLambdaRole" }\n'
    )
    files = exported(iamdsl.loads(text))
    details = read_json(files, "accounts/A/authorization-details.json")
    (policy,) = details["Policies"]
    assert (policy["PolicyName"], policy["Path"]) == ("AWSLambdaRole", "/service-role/")
    assert details["RoleDetailList"][0]["AttachedManagedPolicies"] == [
        {"PolicyName": "AWSLambdaRole", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"}
    ]
    assert "aws-managed/service-role_AWSLambdaRole.json" in files


def test_delegate_writes_each_half_in_its_own_account() -> None:
    text = (
        "account A 111111111111\naccount B 222222222222\n"
        'resource A.repo : ecr:repository "app"\n'
        "role B.SomeRole { trust { allow assume to service ecs-tasks.amazonaws.com } }\n"
        "role A.Shared { trust { allow assume to service ec2.amazonaws.com } }\n"
        "delegate pull on A.repo to B.SomeRole\n"
        "delegate assume on A.Shared to B.SomeRole\n"
    )
    files = exported(iamdsl.loads(text))
    resource_half = read_json(files, "accounts/A/policies/resources/repo.json")["Statement"]
    assert [s["Principal"] for s in resource_half] == [{"AWS": "arn:aws:iam::222222222222:root"}]
    trust = read_json(files, "accounts/A/policies/roles/Shared/trust.json")["Statement"]
    assert trust[-1] == {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}
    identity_half = read_json(files, "accounts/B/policies/roles/SomeRole/inline/inline.json")["Statement"]
    assert {r for s in identity_half for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])} == {
        "arn:aws:ecr:us-east-1:111111111111:repository/app", "*", "arn:aws:iam::111111111111:role/Shared",
    }
    # neither half strays into the other account
    assert "222222222222:root" not in "".join(text for path, text in files.items() if path.startswith("accounts/B/policies/"))
    assert "repository/app" not in "".join(
        text for path, text in files.items() if path.startswith("accounts/A/") and "/roles/" in path
    )


def test_organizations_outputs_refer_to_each_other() -> None:
    model = load_example(Path(__file__).parents[2] / "examples" / "organization_scp_rcp.iam")
    files = exported(model)
    base = "organizations/acme"
    (root,) = read_json(files, f"{base}/list-roots.json")["Roots"]
    org = model.organizations["acme"]
    placement = World(model).placement(model.accounts["prod"].id)
    assert placement.paths.split("/")[1] == root["Id"]  # the engine's aws:PrincipalOrgPaths names the same root
    assert root["Arn"] == f"arn:aws:organizations::100000000001:root/{org.id}/{root['Id']}"
    organization = read_json(files, f"{base}/describe-organization.json")["Organization"]
    assert (organization["Id"], organization["MasterAccountId"], organization["FeatureSet"]) == (org.id, "100000000001", "ALL")

    def walk(parent: str) -> dict[str, list[str]]:
        units = read_json(files, f"{base}/list-organizational-units-for-parent/{parent}.json")["OrganizationalUnits"]
        accounts = read_json(files, f"{base}/list-accounts-for-parent/{parent}.json")["Accounts"]
        found = {parent: [a["Name"] for a in accounts]}
        for unit in units:
            found.update({unit["Name"]: walk(unit["Id"])[unit["Id"]]})
        return found

    assert walk(root["Id"]) == {root["Id"]: ["mgmt"], "Workloads": ["staging", "prod"], "Sandbox": ["sandbox"]}
    attached = {}
    for path, text in files.items():
        if path.startswith(f"{base}/list-policies-for-target/"):
            target, kind = path.rsplit("/", 1)[1].removesuffix(".json").split(".")
            attached[(target, kind)] = [p["Name"] for p in json.loads(text)["Policies"]]
            for summary in json.loads(text)["Policies"]:
                if summary["AwsManaged"]:
                    assert f"{base}/describe-policy/{summary['Id']}.json" not in files  # as a reader's loop skips them
                    continue
                described = read_json(files, f"{base}/describe-policy/{summary['Id']}.json")["Policy"]
                assert described["PolicySummary"] == summary
                table = org.scps if kind == "SERVICE_CONTROL_POLICY" else org.rcps
                assert json.loads(described["Content"]) == policy_to_json(table[summary["Name"]])
    assert attached[(root["Id"], "SERVICE_CONTROL_POLICY")] == ["FullAWSAccess", "DenyLeaveOrganization", "DenyOutsideEU"]
    assert attached[(root["Id"], "RESOURCE_CONTROL_POLICY")] == ["RCPFullAWSAccess", "OrgOnlyResources"]
    assert attached[("200000000002", "SERVICE_CONTROL_POLICY")] == ["FullAWSAccess", "ProtectAuditLogs"]
    sandbox = [u for u in org.root.children if u.name == "Sandbox"][0]
    assert sandbox.scps == ("SandboxAllowList",)


def test_external_accounts_get_no_directory() -> None:
    text = "account A 111111111111\naccount P 999999999999 external\nrole A.R { trust { allow assume to account P } }\n"
    files = exported(iamdsl.loads(text))
    assert {p.split("/")[1] for p in files if p.startswith("accounts/")} == {"A"}


def test_names_become_safe_unique_file_names() -> None:
    text = (
        'account A 111111111111\nrole A.Dev { trust { allow assume to account A } }\n'
        'role A.dev { trust { allow assume to account A } }\n'
        'resource A."../up" : s3:bucket "b1" { allow s3:GetObject on self/* to account A }\n'
    )
    files = exported(iamdsl.loads(text))
    assert "accounts/A/policies/roles/Dev/trust.json" in files
    assert "accounts/A/policies/roles/dev_2/trust.json" in files
    assert all(".." not in path.split("/") for path in files)


@pytest.mark.parametrize("stem", ["ecr_delegation", "organization_scp_rcp"])
def test_iam_json_golden(stem: str, update_goldens: bool) -> None:
    model = load_example(Path(__file__).parents[2] / "examples" / f"{stem}.iam")
    check_golden(exported(model), GOLDEN / "iam-json" / stem, update_goldens)
