"""AWS CLI output to import: a large synthetic account, in the shapes the CLI prints.

Stage: test support (nothing in `iamdsl` imports it).  Used by the import
tests and by `benchmarks/bench_import.py`; the realistic fixture of
`examples/aws_import/` is written by `tools/make_aws_fixture.py`.

Everything is drawn from a seeded `random.Random`, so a seed gives the same
document every time, and every action and condition key is one the
catalogue knows, so that an import of it finds nothing to warn about.
"""

from __future__ import annotations

import json
import random
import zlib
from typing import Any

ACTIONS = (
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetBucketLocation",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey",
    "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    "sns:Publish", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken",
    "logs:CreateLogStream", "logs:PutLogEvents", "cloudwatch:PutMetricData", "xray:PutTraceSegments",
    "ecs:UpdateService", "ecs:DescribeServices", "lambda:InvokeFunction", "secretsmanager:GetSecretValue",
    "ssm:GetParameter", "ssm:GetParametersByPath", "ec2:DescribeInstances", "sts:AssumeRole",
)
WILDCARDS = ("s3:Get*", "s3:List*", "ec2:Describe*", "cloudwatch:Get*", "logs:*", "dynamodb:*")
SERVICES = ("ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com", "events.amazonaws.com")
TEAMS = ("payments", "platform", "data", "identity", "search", "mobile", "growth", "risk")
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
DATE = "2024-03-01T12:00:00+00:00"


def _statement(rng: random.Random, account_id: str, team: str) -> dict[str, Any]:
    actions = sorted(set(rng.sample(ACTIONS, rng.randint(1, 4)) + ([rng.choice(WILDCARDS)] if rng.random() < 0.2 else [])))
    resources = rng.choice((
        ["*"],
        [f"arn:aws:s3:::{team}-{rng.randint(1, 40)}-data", f"arn:aws:s3:::{team}-{rng.randint(1, 40)}-data/*"],
        [f"arn:aws:sqs:{rng.choice(REGIONS)}:{account_id}:{team}-jobs-{rng.randint(1, 99)}"],
        [f"arn:aws:dynamodb:{rng.choice(REGIONS)}:{account_id}:table/{team}-{rng.randint(1, 99)}"],
        [f"arn:aws:kms:{rng.choice(REGIONS)}:{account_id}:key/{rng.getrandbits(128):032x}"],
    ))
    statement: dict[str, Any] = {
        "Sid": f"S{rng.getrandbits(32):08x}",
        "Effect": "Deny" if rng.random() < 0.1 else "Allow",
        "Action": actions if len(actions) > 1 else actions[0],
        "Resource": resources if len(resources) > 1 else resources[0],
    }
    roll = rng.random()
    if roll < 0.15:
        statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": rng.sample(REGIONS, 2)}}
    elif roll < 0.25:
        statement["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": team}}
    elif roll < 0.3:
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}
    return statement


def _document(rng: random.Random, account_id: str, team: str, statements: int) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [_statement(rng, account_id, team) for _ in range(statements)]}


def _trust(rng: random.Random, account_id: str) -> dict[str, Any]:
    if rng.random() < 0.7:
        principal: dict[str, Any] = {"Service": rng.choice(SERVICES)}
    else:
        principal = {"AWS": f"arn:aws:iam::{account_id}:root"}
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


def synthetic_authz(account_id: str = "123456789012", *, roles: int, seed: int = 1) -> dict[str, Any]:
    """An account's `get-account-authorization-details` with `roles` roles and the rest in proportion.

    Per 100 roles: 10 users, 3 groups and 20 customer-managed policies with
    three versions each (the second one default), plus five AWS-managed
    policies for the whole account.  A role has two inline policies of one
    to four statements, two attached policies, tags, and now and then a
    boundary and an instance profile.
    """
    rng = random.Random(seed)
    policies = []
    aws_managed = ["ReadOnlyAccess", "service-role/AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess", "SecurityAudit", "AdministratorAccess"]
    for name in aws_managed:
        path, _, short = name.rpartition("/")
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": rng.sample(WILDCARDS, 2), "Resource": "*"}]}
        policies.append(_managed(f"arn:aws:iam::aws:policy/{name}", short, f"/{path}/" if path else "/", [document], 0))
    customer = []
    for index in range(max(1, roles // 5)):
        team = TEAMS[index % len(TEAMS)]
        name = f"{team}-policy-{index}"
        versions = [_document(rng, account_id, team, rng.randint(2, 6)) for _ in range(3)]
        arn = f"arn:aws:iam::{account_id}:policy/teams/{name}"
        policies.append(_managed(arn, name, "/teams/", versions, 1))
        customer.append(arn)
    groups = []
    for index in range(max(1, roles * 3 // 100)):
        name = f"group-{index}"
        groups.append({
            "Path": "/", "GroupName": name, "GroupId": f"AGPA{index:016d}", "Arn": f"arn:aws:iam::{account_id}:group/{name}", "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": _document(rng, account_id, TEAMS[index % len(TEAMS)], 2)}],
            "AttachedManagedPolicies": [_attached(rng.choice(customer))],
        })
    users = []
    for index in range(max(1, roles // 10)):
        name = f"user-{index}"
        user: dict[str, Any] = {
            "Path": "/", "UserName": name, "UserId": f"AIDA{index:016d}", "Arn": f"arn:aws:iam::{account_id}:user/{name}", "CreateDate": DATE,
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": _document(rng, account_id, TEAMS[index % len(TEAMS)], 2)}],
            "GroupList": [rng.choice(groups)["GroupName"]],
            "AttachedManagedPolicies": [_attached(rng.choice(customer))],
            "Tags": [{"Key": "team", "Value": TEAMS[index % len(TEAMS)]}],
        }
        users.append(user)
    role_list = []
    for index in range(roles):
        team = TEAMS[index % len(TEAMS)]
        name = f"{team}-service-{index}"
        path = "/service/"
        role: dict[str, Any] = {
            "Path": path, "RoleName": name, "RoleId": f"AROA{index:016d}", "Arn": f"arn:aws:iam::{account_id}:role{path}{name}", "CreateDate": DATE,
            "AssumeRolePolicyDocument": _trust(rng, account_id),
            "InstanceProfileList": [],
            "RolePolicyList": [
                {"PolicyName": f"{name}-{suffix}", "PolicyDocument": _document(rng, account_id, team, rng.randint(1, 4))} for suffix in ("access", "extra")
            ],
            "AttachedManagedPolicies": [_attached(arn) for arn in sorted(set(rng.sample(customer, min(2, len(customer)))))],
            "Tags": [{"Key": "team", "Value": team}, {"Key": "env", "Value": "prod"}],
            "RoleLastUsed": {"LastUsedDate": DATE, "Region": "us-east-1"},
        }
        if rng.random() < 0.2:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": rng.choice(customer)}
        role_list.append(role)
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": role_list, "Policies": policies}


def _managed(arn: str, name: str, path: str, documents: list[dict], default: int) -> dict[str, Any]:
    return {
        "PolicyName": name, "PolicyId": f"ANPA{zlib.crc32(arn.encode()):016d}", "Arn": arn, "Path": path,
        "DefaultVersionId": f"v{default + 1}", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": DATE, "UpdateDate": DATE,
        "PolicyVersionList": [
            {"Document": document, "VersionId": f"v{index + 1}", "IsDefaultVersion": index == default, "CreateDate": DATE}
            for index, document in enumerate(documents)
        ],
    }


def _attached(arn: str) -> dict[str, str]:
    return {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn}


def dumps(document: Any) -> str:
    """As the AWS CLI prints JSON: four-space indents."""
    return json.dumps(document, indent=4) + "\n"
