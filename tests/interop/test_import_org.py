"""An organization from `aws organizations` outputs: tree, names, SCPs and RCPs (issue #8, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

import iamdsl
from aws_support import (
    ACCOUNT,
    FULL,
    MANAGEMENT,
    ORG_ID,
    OTHER,
    RCP,
    RCP_FULL,
    ROOT_ID,
    SCP,
    allow,
    authz,
    doc,
    import_errors,
    import_files,
    role,
    summary,
    write,
    write_org,
)
from iamdsl.interop.aws_output import render
from iamdsl.language.printer import comparable

WORKLOADS, SANDBOX = "ou-ab12-11111111", "ou-ab12-22222222"
DENY_S3_DELETE = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
ALLOW_LIST = doc(allow(["s3:*", "ec2:*"]))
ORG_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}}]}


def org(tmp_path: Path, **changes) -> Path:
    options = dict(
        ous={WORKLOADS: ("Work loads", ROOT_ID), SANDBOX: ("Sandbox", ROOT_ID)},
        accounts={MANAGEMENT: ("Management", ROOT_ID), ACCOUNT: ("Prod Main", WORKLOADS), OTHER: ("sandbox", SANDBOX)},
        attached={
            ROOT_ID: [FULL, summary("p-nodelete", "No S3 deletes"), RCP_FULL, summary("p-orgonly", "OrgOnly", RCP)],
            SANDBOX: [summary("p-allowlst", "AllowList"), RCP_FULL],
        },
        documents={"p-nodelete": DENY_S3_DELETE, "p-allowlst": ALLOW_LIST, "p-orgonly": ORG_ONLY},
    )
    options.update(changes)
    return write_org(tmp_path / "org", **options)


@pytest.fixture
def prod(tmp_path: Path) -> Path:
    admin = role("admin", RolePolicyList=[{"PolicyName": "all", "PolicyDocument": doc(allow("*"))}])
    return write(tmp_path / "prod.json", authz(roles=[admin]))


def test_the_tree_names_and_attachments(tmp_path: Path, prod: Path) -> None:
    result = import_files(prod, org=org(tmp_path))
    model = result.model
    assert list(model.accounts) == ["prod_main", "management", "sandbox"]
    assert {n: a.external for n, a in model.accounts.items()} == {"prod_main": False, "management": True, "sandbox": True}
    (organization,) = model.organizations.values()
    assert (organization.name, organization.id, organization.management_account, organization.all_features) == ("org", ORG_ID, "management", True)
    root = organization.root
    assert root.accounts == ("management",)
    assert root.scps == ("FullAWSAccess", "No_S3_deletes") and root.rcps == ("RCPFullAWSAccess", "OrgOnly")
    work, sandbox = root.children
    assert (work.name, work.accounts, work.scps) == ("Work_loads", ("prod_main",), ("FullAWSAccess",))
    assert (sandbox.name, sandbox.scps) == ("Sandbox", ("AllowList",))  # FullAWSAccess detached
    assert set(organization.scps) == {"FullAWSAccess", "No_S3_deletes", "AllowList"}
    assert set(organization.rcps) == {"RCPFullAWSAccess", "OrgOnly"}
    assert organization.account_attachments["prod_main"].scps == ("FullAWSAccess",)
    assert "management" not in organization.account_attachments
    assert result.summary["SCPs"] == 2 and result.summary["RCPs"] == 1
    text, _ = render(model)
    assert comparable(iamdsl.loads(text)) == comparable(model)


def test_scps_decide_after_import(tmp_path: Path, prod: Path) -> None:
    model = import_files(prod, org=org(tmp_path), account_names={ACCOUNT: "prod"}).model
    assert model.ask("can prod.admin ec2:RunInstances *").outcome.value == "allowed"
    decision = model.ask("can prod.admin s3:DeleteBucket *")
    assert decision.outcome.value == "explicit_deny"
    assert "No_S3_deletes" in decision.explain(model)


def test_account_names_from_the_flag_win_and_are_checked(tmp_path: Path, prod: Path) -> None:
    model = import_files(prod, org=org(tmp_path), account_names={MANAGEMENT: "mgmt"}).model
    assert model.organizations["org"].management_account == "mgmt"
    error = import_errors(prod, org=org(tmp_path), account_names={"123412341234": "x", ACCOUNT: "bad name", OTHER: "aws"})
    messages = sorted(d.message for d in error.errors)
    assert messages == [
        "--account-names names the account 123412341234, which is not in the data",
        "`aws` is reserved for AWS-managed policies",
        "`bad name` is not a DSL name: use letters, digits, `_` and `-`, starting with a letter",
    ]


def test_names_that_clash_or_are_reserved(tmp_path: Path, prod: Path) -> None:
    accounts = {MANAGEMENT: ("aws", ROOT_ID), ACCOUNT: ("Prod", WORKLOADS), OTHER: ("prod", SANDBOX)}
    model = import_files(prod, org=org(tmp_path, accounts=accounts)).model
    assert sorted(model.accounts) == ["aws_account", "prod", "prod_2"]
    assert model.accounts["prod"].id == ACCOUNT  # the lower ID gets the plain name


def test_missing_listings_are_errors_that_say_how_to_get_them(tmp_path: Path, prod: Path) -> None:
    directory = org(tmp_path, skip=(f"list-policies-for-target/{WORKLOADS}.{SCP}.json", f"list-accounts-for-parent/{SANDBOX}.json"))
    error = import_errors(prod, org=directory)
    messages = sorted(d.message.split(": ", 1)[1] for d in error.errors)
    assert messages == [
        f"`{directory}/list-accounts-for-parent/{SANDBOX}.json` is missing",
        f"`{directory}/list-policies-for-target/{WORKLOADS}.{SCP}.json` is missing",
    ]
    helps = {d.help for d in error.errors}
    assert f"save it with `aws organizations list-policies-for-target --target-id {WORKLOADS} --filter {SCP} > FILE` (docs/import.md shows the whole loop)" in helps


def test_a_missing_policy_document(tmp_path: Path, prod: Path) -> None:
    error = import_errors(prod, org=org(tmp_path, documents={"p-allowlst": ALLOW_LIST, "p-orgonly": ORG_ONLY}))
    (diagnostic,) = error.errors
    assert diagnostic.message.endswith("describe-policy/p-nodelete.json` is missing")


def test_an_rcp_that_allows_is_refused(tmp_path: Path, prod: Path) -> None:
    allows = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    error = import_errors(prod, org=org(tmp_path, documents={"p-nodelete": DENY_S3_DELETE, "p-allowlst": ALLOW_LIST, "p-orgonly": allows}))
    (diagnostic,) = error.errors
    assert diagnostic.code == "E030" and diagnostic.message.startswith("$.Policy.Content.Statement[0]: an RCP may only Deny")


def test_policy_types_that_are_off_need_no_listings(tmp_path: Path, prod: Path) -> None:
    directory = org(tmp_path, types=(SCP,), attached={SANDBOX: [summary("p-allowlst", "AllowList")]}, documents={"p-allowlst": ALLOW_LIST})
    organization = import_files(prod, org=directory).model.organizations["org"]
    assert organization.rcps.keys() == {"RCPFullAWSAccess"}
    assert organization.root.children[1].rcps == ("RCPFullAWSAccess",)


def test_consolidated_billing_turns_authorization_policies_off(tmp_path: Path, prod: Path) -> None:
    directory = org(tmp_path, types=())
    write(directory / "describe-organization.json", {"Organization": {"Id": ORG_ID, "FeatureSet": "CONSOLIDATED_BILLING", "MasterAccountId": MANAGEMENT}})
    organization = import_files(prod, org=directory).model.organizations["org"]
    assert organization.all_features is False


def test_what_the_model_does_not_hold_is_said(tmp_path: Path, prod: Path) -> None:
    accounts = {MANAGEMENT: ("Management", WORKLOADS), ACCOUNT: ("Prod", WORKLOADS), OTHER: ("Old", SANDBOX)}
    directory = org(tmp_path, accounts=accounts, types=(SCP, RCP, "TAG_POLICY"))
    write(directory / "list-policies-for-target" / f"{ROOT_ID}.TAG_POLICY.json", {"Policies": []})
    listing = directory / "list-accounts-for-parent" / f"{SANDBOX}.json"
    write(listing, {"Accounts": [{"Id": OTHER, "Arn": "x", "Name": "Old", "Status": "SUSPENDED"}]})
    result = import_files(prod, org=directory)
    warnings = [d.message for d in result.diagnostics if d.code == "W120"]
    assert any("tag policies are enabled, and not modelled" in m for m in warnings)
    assert any(f"the management account {MANAGEMENT} is in the OU `Work_loads`" in m for m in warnings)
    assert any(f"the account {OTHER} is suspended" in m for m in warnings)
    assert any(m.endswith(f"{ROOT_ID}.TAG_POLICY.json` is not read: tag policies are not modelled") for m in warnings)
    assert result.model.organizations["org"].root.accounts == ("management",)


def test_a_truncated_listing(tmp_path: Path, prod: Path) -> None:
    directory = org(tmp_path)
    write(directory / "list-accounts-for-parent" / f"{WORKLOADS}.json", {"Accounts": [], "NextToken": "abc"})
    (diagnostic,) = import_errors(prod, org=directory).errors
    assert diagnostic.message.startswith("$.NextToken: the listing is truncated")


def test_not_a_directory(tmp_path: Path, prod: Path) -> None:
    (diagnostic,) = import_errors(prod, org=tmp_path / "nowhere").errors
    assert diagnostic.code == "E002" and "no such directory" in diagnostic.message


def test_another_partition_is_refused(tmp_path: Path, prod: Path) -> None:
    directory = org(tmp_path)
    roots = directory / "list-roots.json"
    roots.write_text(roots.read_text().replace("arn:aws:organizations", "arn:aws-cn:organizations"))
    error = import_errors(prod, org=directory)
    assert any("one model holds one partition" in d.message for d in error.errors)
