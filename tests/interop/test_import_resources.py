"""Resource policies, tags and mechanisms through the index, and VPC endpoints (issue #8, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamdsl
from aws_support import ACCOUNT, OTHER, allow, authz, doc, import_errors, import_files, role, write
from iamdsl.interop.aws_output import render
from iamdsl.language.printer import comparable
from iamdsl.model import NotModelled

BUCKET = "arn:aws:s3:::acme-data"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
REPO = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/app"


def bucket_policy(principal: str = f"arn:aws:iam::{OTHER}:root") -> dict:
    return {"Policy": json.dumps(doc({"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}))}


@pytest.fixture
def account(tmp_path: Path) -> Path:
    return write(tmp_path / "authz.json", authz(roles=[role("r")]))


def index(tmp_path: Path, entries: dict, files: dict) -> Path:
    for name, value in files.items():
        write(tmp_path / "res" / name, value)
    return write(tmp_path / "res" / "index.json", entries)


def test_each_output_shape_becomes_policy_tags_or_mechanism(tmp_path: Path, account: Path) -> None:
    key_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"})
    queue_policy = doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": QUEUE})
    repo_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "ecr:BatchGetImage"})
    files = {
        "b.policy.json": bucket_policy(),
        "b.tagging.json": {"TagSet": [{"Key": "classification", "Value": "internal"}]},
        "b.ownership.json": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
        "b.pab.json": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": False}},
        "k.policy.json": {"Policy": json.dumps(key_policy), "PolicyName": "default"},
        "k.tags.json": {"Tags": [{"TagKey": "team", "TagValue": "data"}], "Truncated": False},
        "k.grants.json": {"Grants": [{"GrantId": "g1", "Operations": ["Decrypt"]}], "Truncated": False},
        "q.attributes.json": {"Attributes": {"Policy": json.dumps(queue_policy), "QueueArn": QUEUE, "VisibilityTimeout": "30"}},
        "q.tags.json": {"Tags": {"team": "jobs"}},
        "r.policy.json": {"registryId": ACCOUNT, "repositoryName": "team/app", "policyText": json.dumps(repo_policy)},
        "r.tags.json": {"tags": [{"Key": "team", "Value": "platform"}]},
    }
    entries = {
        BUCKET: ["b.policy.json", "b.tagging.json", "b.ownership.json", "b.pab.json"],
        KEY: {"Name": "data-key", "Files": ["k.policy.json", "k.tags.json", "k.grants.json"]},
        QUEUE: ["q.attributes.json", "q.tags.json"],
        REPO: {"Files": ["r.policy.json", "r.tags.json"]},
    }
    result = import_files(account, resources=index(tmp_path, entries, files))
    resources = result.model.resources
    bucket = resources[f"acct_{ACCOUNT}.acme-data"]
    assert bucket.arn == BUCKET and (bucket.service, bucket.type, bucket.region) == ("s3", "bucket", None)
    assert bucket.tags == {"classification": "internal"}
    assert set(bucket.mechanisms) == {NotModelled.ACLS, NotModelled.BLOCK_PUBLIC_ACCESS}
    assert bucket.policy.statements[0].sid == "Read"
    key = resources[f"acct_{ACCOUNT}.data-key"]
    assert (key.type, key.region, key.tags, key.mechanisms) == ("key", "eu-west-1", {"team": "data"}, (NotModelled.GRANTS,))
    queue = resources[f"acct_{ACCOUNT}.jobs"]
    assert queue.tags == {"team": "jobs"} and queue.policy.statements[0].actions == ("sqs:SendMessage",)
    repo = resources[f"acct_{ACCOUNT}.team/app"]
    assert repo.tags == {"team": "platform"} and repo.policy.statements[0].resources is None
    assert result.diagnostics == ()
    text, _ = render(result.model)
    assert comparable(iamdsl.loads(text)) == comparable(result.model)


def test_the_imported_bucket_policy_decides(tmp_path: Path, account: Path) -> None:
    reader = role("reader", account=OTHER, RolePolicyList=[{"PolicyName": "read", "PolicyDocument": doc(allow("s3:GetObject"))}])
    other = write(tmp_path / "other.json", authz(roles=[reader, role("idle", account=OTHER)]))
    resources = index(tmp_path, {BUCKET: {"Account": ACCOUNT, "Files": ["b.json"]}}, {"b.json": bucket_policy()})
    model = import_files(account, other, resources=resources).model
    target = f'acct_{ACCOUNT}.acme-data/"reports/q1.csv"'
    assert model.ask(f"can acct_{OTHER}.reader s3:GetObject {target}").outcome.value == "allowed"
    assert model.ask(f"can acct_{OTHER}.idle s3:GetObject {target}").outcome.value == "implicit_deny"
    assert model.ask(f"can acct_{ACCOUNT}.r s3:GetObject {target}").outcome.value == "implicit_deny"


def test_acls_come_from_grants_to_others_unless_ownership_is_enforced(tmp_path: Path, account: Path) -> None:
    owner = {"ID": "abc", "DisplayName": "me"}
    shared = {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
                                         {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}
    private = {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}]}
    enforced = {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}
    files = {"shared.json": shared, "private.json": private, "enforced.json": enforced}
    entries = {
        "arn:aws:s3:::shared": "shared.json",
        "arn:aws:s3:::private": "private.json",
        "arn:aws:s3:::shared-but-enforced": ["shared.json", "enforced.json"],
    }
    resources = import_files(account, resources=index(tmp_path, entries, files)).model.resources
    assert resources[f"acct_{ACCOUNT}.shared"].mechanisms == (NotModelled.ACLS,)
    assert resources[f"acct_{ACCOUNT}.private"].mechanisms == ()
    assert resources[f"acct_{ACCOUNT}.shared-but-enforced"].mechanisms == ()


def test_an_empty_policy_is_no_policy(tmp_path: Path, account: Path) -> None:
    resources = import_files(account, resources=index(tmp_path, {QUEUE: "q.json"}, {"q.json": {"Attributes": {"QueueArn": QUEUE}}})).model.resources
    assert resources[f"acct_{ACCOUNT}.jobs"].policy is None


def test_a_bucket_needs_its_account_when_several_are_imported(tmp_path: Path, account: Path) -> None:
    other = write(tmp_path / "other.json", authz(roles=[role("r", account=OTHER)]))
    entries = {BUCKET: "b.json"}
    error = import_errors(account, other, resources=index(tmp_path, entries, {"b.json": bucket_policy()}))
    (diagnostic,) = error.errors
    assert diagnostic.code == "E051"
    assert diagnostic.message.startswith('$["arn:aws:s3:::acme-data"]: `arn:aws:s3:::acme-data` names no account')
    assert '"Account"' in diagnostic.help
    result = import_files(account, other, resources=index(tmp_path, {BUCKET: {"Account": OTHER, "Files": ["b.json"]}}, {"b.json": bucket_policy()}))
    assert result.model.resources[f"acct_{OTHER}.acme-data"].account == f"acct_{OTHER}"


def test_a_resource_of_an_account_without_its_iam_is_in_an_open_account(tmp_path: Path, account: Path) -> None:
    arn = f"arn:aws:sqs:us-east-1:{OTHER}:theirs"
    model = import_files(account, resources=index(tmp_path, {arn: "q.json"}, {"q.json": {"Attributes": {}}})).model
    assert model.accounts[f"acct_{OTHER}"].external is True
    assert model.accounts[f"acct_{ACCOUNT}"].external is False


def test_a_resource_name_that_is_taken_gets_a_number(tmp_path: Path) -> None:
    account = write(tmp_path / "authz.json", authz(roles=[role("jobs")]))
    model = import_files(account, resources=index(tmp_path, {QUEUE: "q.json"}, {"q.json": {"Attributes": {}}})).model
    assert f"acct_{ACCOUNT}.jobs_2" in model.resources and model.principals[f"acct_{ACCOUNT}.jobs"].kind.value == "role"


@pytest.mark.parametrize(
    ("entries", "files", "message"),
    [
        ({"not-an-arn": "x.json"}, {"x.json": {}}, '$["not-an-arn"]: `not-an-arn` is not an ARN'),
        ({QUEUE: 3}, {}, f'$["{QUEUE}"]: expected a file name or a list of them, found a number'),
        ({QUEUE: {"Account": ACCOUNT}}, {}, f'$["{QUEUE}"]: `Files` is missing'),
        ({QUEUE: {"Account": OTHER, "Files": ["x.json"]}}, {"x.json": {}}, f'$["{QUEUE}"].Account: `Account` says {OTHER}, but the ARN is in {ACCOUNT}'),
        ({QUEUE: "x.json"}, {"x.json": {"Color": "blue"}}, "$: iamdsl does not know this output (it has Color) as anything about"),
        ({QUEUE: ["a.json", "b.json"]}, {"a.json": bucket_policy(), "b.json": bucket_policy()}, f"$.Policy: a second resource policy for `{QUEUE}`"),
    ],
    ids=["not-an-arn", "not-files", "no-files", "wrong-account", "unknown-output", "two-policies"],
)
def test_index_problems_name_the_entry(tmp_path: Path, account: Path, entries: dict, files: dict, message: str) -> None:
    error = import_errors(account, resources=index(tmp_path, entries, files))
    assert any(d.message.startswith(message) for d in error.errors), [d.message for d in error.errors]


def test_a_missing_output_file_names_the_index_entry(tmp_path: Path, account: Path) -> None:
    error = import_errors(account, resources=index(tmp_path, {QUEUE: "missing.json"}, {}))
    (diagnostic,) = error.errors
    assert diagnostic.code == "E002" and "missing.json" in diagnostic.message and f'at $["{QUEUE}"]' in diagnostic.message


def test_a_bad_document_inside_a_policy_string(tmp_path: Path, account: Path) -> None:
    files = {"b.json": {"Policy": json.dumps(doc({"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "s3:GetObject", "Resource": "*"}))}}
    (diagnostic,) = import_errors(account, resources=index(tmp_path, {BUCKET: "b.json"}, files)).errors
    assert diagnostic.code == "E036" and diagnostic.message == "$.Policy.Statement[0]: unknown principal type `Robot`"
    assert diagnostic.span.file.endswith("b.json") and diagnostic.span.line == 2  # the string itself: the document inside has no lines of the file


# ---------------------------------------------------------------- VPC endpoints


def endpoints_output(*items: dict) -> dict:
    return {"VpcEndpoints": list(items)}


def endpoint(endpoint_id: str, policy: dict | None, state: str = "available") -> dict:
    item = {
        "VpcEndpointId": endpoint_id, "VpcEndpointType": "Gateway", "VpcId": "vpc-0abc", "ServiceName": "com.amazonaws.us-east-1.s3",
        "State": state, "RouteTableIds": ["rtb-1"], "SubnetIds": [], "OwnerId": ACCOUNT, "Tags": [{"Key": "Name", "Value": "s3"}],
    }
    if policy is not None:
        item["PolicyDocument"] = json.dumps(policy)
    return item


def test_endpoints_and_their_policies_decide(tmp_path: Path, account: Path) -> None:
    policy = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::only-this/*"})
    path = write(tmp_path / "vpce.json", endpoints_output(endpoint("vpce-0a1b", policy), endpoint("vpce-gone", None, state="deleted")))
    result = import_files(account, endpoints=[path])
    model = result.model
    (item,) = model.endpoints.values()
    assert (item.id, item.vpc, item.tags, item.account) == ("vpce-0a1b", "vpc-0abc", {"Name": "s3"}, f"acct_{ACCOUNT}")
    assert any(d.code == "W120" and "vpce-gone is deleted" in d.message for d in result.diagnostics)
    text, _ = render(model)
    assert comparable(iamdsl.loads(text)) == comparable(model)


def test_endpoints_of_another_shape(tmp_path: Path, account: Path) -> None:
    path = write(tmp_path / "vpce.json", {"Vpcs": []})
    (diagnostic,) = import_errors(account, endpoints=[path]).errors
    assert diagnostic.message.startswith("$: this is not the output of `aws ec2 describe-vpc-endpoints`")
