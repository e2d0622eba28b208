#!/usr/bin/env python3
"""Write the realistic AWS fixture of `examples/aws_import/`, and its import.

    python tools/make_aws_fixture.py [--out examples/aws_import]

The fixture is what the AWS CLI prints for a small company, Acme, with an
organization of six accounts.  Two of them have their IAM exported:

- `prod` (444444444444): 61 roles (40 ECS services behind a permissions
  boundary, 10 Lambda functions, a GitHub OIDC deploy role, cross-account
  audit and break-glass roles, service-linked roles, an EC2 role with an
  instance profile), 4 users, 3 groups, customer-managed policies with
  several versions and AWS-managed policies (whose documents here are short
  stand-ins for the real ones, which run to thousands of actions);
- `dev` (555555555555): a CI role that pulls prod's images, and a few more.

Prod's resources come through an index: a data bucket, a log bucket with
ACLs and Block Public Access, a KMS key, an SQS queue, an SNS topic and an
ECR repository that dev may pull from.  The organization has SCPs at the
root, at the workloads OU and at an allow-listed sandbox OU, and an RCP.

Everything is written from the literals below: no randomness, no clock, so
running the script again changes nothing.  It then imports the fixture with
`iamdsl import authz` into `acme.iam`, which the README queries.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ORG_ID = "o-a1b2c3d4e5"
ROOT_ID = "r-a1b2"
MANAGEMENT = "111111111111"
ACCOUNTS = {  # ID -> (name in AWS, OU)
    "111111111111": ("Management", ROOT_ID),
    "222222222222": ("Log Archive", "ou-a1b2-11111111"),
    "333333333333": ("Audit", "ou-a1b2-11111111"),
    "444444444444": ("Prod", "ou-a1b2-33333333"),
    "555555555555": ("Dev", "ou-a1b2-44444444"),
    "666666666666": ("Sandbox", "ou-a1b2-55555555"),
}
OUS = {  # ID -> (name, parent)
    "ou-a1b2-11111111": ("Security", ROOT_ID),
    "ou-a1b2-22222222": ("Workloads", ROOT_ID),
    "ou-a1b2-33333333": ("Prod", "ou-a1b2-22222222"),
    "ou-a1b2-44444444": ("NonProd", "ou-a1b2-22222222"),
    "ou-a1b2-55555555": ("Sandbox", ROOT_ID),
}
PROD, DEV, AUDIT = "444444444444", "555555555555", "333333333333"
DATE = "2024-05-02T09:30:00+00:00"
V = "2012-10-17"
SERVICES = (
    "payments", "orders", "checkout", "inventory", "catalog", "search", "pricing", "shipping", "billing", "invoices",
    "accounts", "profiles", "auth", "sessions", "notifications", "emails", "sms", "push", "reviews", "ratings",
    "recommendations", "cart", "wishlist", "coupons", "loyalty", "fraud", "risk", "ledger", "payouts", "refunds",
    "returns", "warehouse", "fulfilment", "tracking", "analytics", "reporting", "exports", "imports", "media", "thumbnails",
)
TEAMS = ("payments", "commerce", "growth", "platform", "data")
FUNCTIONS = ("resize-images", "send-receipts", "nightly-export", "cleanup-carts", "sync-prices", "rotate-keys", "audit-events", "ingest-orders", "warm-cache", "expire-sessions")
KEY_ARN = f"arn:aws:kms:us-east-1:{PROD}:key/0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{PROD}:orders-jobs"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{PROD}:orders-events"
REPO_ARN = f"arn:aws:ecr:us-east-1:{PROD}:repository/acme/app"
DATA_BUCKET, LOG_BUCKET = "acme-prod-data", "acme-prod-logs"
OIDC = "token.actions.githubusercontent.com"


# ---------------------------------------------------------------- small builders


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def trust(principal: dict[str, Any], action: str = "sts:AssumeRole", condition: dict | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def tags(**values: str) -> list[dict[str, str]]:
    return [{"Key": k.replace("_", "-"), "Value": v} for k, v in values.items()]


def attached(arn: str) -> dict[str, str]:
    return {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn}


def aws_policy(name: str, *documents: dict[str, Any]) -> dict[str, Any]:
    """An AWS-managed policy; the last document is the default version."""
    path, _, short = name.rpartition("/")
    return managed(f"arn:aws:iam::aws:policy/{name}", short, f"/{path}/" if path else "/", documents)


def managed(arn: str, name: str, path: str, documents: tuple[dict[str, Any], ...], default: int | None = None) -> dict[str, Any]:
    default = len(documents) - 1 if default is None else default
    return {
        "PolicyName": name,
        "PolicyId": "ANPA" + "".join(c for c in name.upper() if c.isalnum()).ljust(17, "X")[:17],
        "Arn": arn,
        "Path": path,
        "DefaultVersionId": f"v{default + 1}",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": DATE,
        "UpdateDate": DATE,
        "PolicyVersionList": [
            {"Document": d, "VersionId": f"v{i + 1}", "IsDefaultVersion": i == default, "CreateDate": DATE}
            for i, d in reversed(list(enumerate(documents)))  # the CLI lists the newest first
        ],
    }


def role(account: str, name: str, trust_doc: dict, *, path: str = "/", inline: dict[str, dict] | None = None,
         attach: tuple[str, ...] = (), boundary: str | None = None, tag_list: list | None = None, profiles: tuple[str, ...] = ()) -> dict[str, Any]:
    arn = f"arn:aws:iam::{account}:role{path}{name}"
    entry: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + "".join(c for c in name.upper() if c.isalnum()).ljust(17, "X")[:17],
        "Arn": arn,
        "CreateDate": DATE,
        "AssumeRolePolicyDocument": trust_doc,
        "InstanceProfileList": [
            {"Path": "/", "InstanceProfileName": p, "InstanceProfileId": "AIPA" + p.upper().replace("-", "")[:17].ljust(17, "X"),
             "Arn": f"arn:aws:iam::{account}:instance-profile/{p}", "CreateDate": DATE, "Roles": []}
            for p in profiles
        ],
        "RolePolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
        "AttachedManagedPolicies": [attached(a) for a in attach],
        "Tags": tag_list or [],
        "RoleLastUsed": {"LastUsedDate": DATE, "Region": "us-east-1"},
    }
    if boundary:
        entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return entry


def user(account: str, name: str, *, groups: tuple[str, ...] = (), inline: dict | None = None, attach: tuple[str, ...] = (),
         boundary: str | None = None, tag_list: list | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + name.upper().replace("-", "").ljust(17, "X")[:17],
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "CreateDate": DATE,
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
        "GroupList": list(groups),
        "AttachedManagedPolicies": [attached(a) for a in attach],
        "Tags": tag_list or [],
    }
    if boundary:
        entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return entry


def group(account: str, name: str, *, inline: dict | None = None, attach: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": "AGPA" + name.upper().ljust(17, "X")[:17],
        "Arn": f"arn:aws:iam::{account}:group/{name}",
        "CreateDate": DATE,
        "GroupPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
        "AttachedManagedPolicies": [attached(a) for a in attach],
    }


# ---------------------------------------------------------------- AWS-managed policies (short stand-ins)


def aws_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


ADMIN = aws_arn("AdministratorAccess")
READ_ONLY = aws_arn("ReadOnlyAccess")
SECURITY_AUDIT = aws_arn("SecurityAudit")
LAMBDA_BASIC = aws_arn("service-role/AWSLambdaBasicExecutionRole")
ECS_LINKED = aws_arn("aws-service-role/AmazonECSServiceRolePolicy")
SSM_CORE = aws_arn("AmazonSSMManagedInstanceCore")


def aws_policies(names: tuple[str, ...]) -> list[dict[str, Any]]:
    every = {
        ADMIN: aws_policy("AdministratorAccess", doc(allow("*"))),
        READ_ONLY: aws_policy(
            "ReadOnlyAccess",
            doc(allow(["s3:Get*", "s3:List*", "ec2:Describe*"])),
            doc(allow(["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*", "kms:Describe*", "kms:List*", "sqs:Get*", "sqs:List*",
                       "sns:Get*", "sns:List*", "dynamodb:Describe*", "dynamodb:List*", "ecr:Describe*", "ecr:List*", "lambda:Get*", "lambda:List*",
                       "logs:Describe*", "logs:Get*", "cloudwatch:Get*", "cloudwatch:List*"])),
        ),
        SECURITY_AUDIT: aws_policy(
            "SecurityAudit",
            doc(allow(["iam:GenerateCredentialReport", "iam:Get*", "iam:List*", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:ListAllMyBuckets",
                       "kms:GetKeyPolicy", "kms:ListKeys", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "config:Describe*",
                       "organizations:Describe*", "organizations:List*"])),
        ),
        LAMBDA_BASIC: aws_policy("service-role/AWSLambdaBasicExecutionRole", doc(allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]))),
        ECS_LINKED: aws_policy(
            "aws-service-role/AmazonECSServiceRolePolicy",
            doc(allow(["ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:Describe*",
                       "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:Describe*"])),
        ),
        SSM_CORE: aws_policy(
            "AmazonSSMManagedInstanceCore",
            doc(allow(["ssm:DescribeAssociation", "ssm:GetDocument", "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                       "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
                       "ec2messages:AcknowledgeMessage", "ec2messages:GetMessages", "ec2messages:SendReply"])),
        ),
    }
    return [every[name] for name in names]


# ---------------------------------------------------------------- prod


def prod_authz() -> dict[str, Any]:
    a = PROD
    boundary = f"arn:aws:iam::{a}:policy/boundaries/ServiceBoundary"
    dev_boundary = f"arn:aws:iam::{a}:policy/boundaries/DeveloperBoundary"
    deploy = f"arn:aws:iam::{a}:policy/DeployPolicy"
    developer = f"arn:aws:iam::{a}:policy/DeveloperAccess"
    customer = [
        managed(boundary, "ServiceBoundary", "/boundaries/", (
            doc(allow(["s3:*", "sqs:*", "kms:Decrypt"])),
            doc(
                allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                       "sqs:GetQueueAttributes", "sns:Publish", "kms:Decrypt", "kms:GenerateDataKey", "dynamodb:GetItem", "dynamodb:PutItem",
                       "dynamodb:Query", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue", "ssm:GetParameter", "logs:CreateLogStream",
                       "logs:PutLogEvents", "xray:PutTraceSegments"]),
                {**deny(["iam:*", "organizations:*", "sts:AssumeRole"]), "Sid": "NoIdentityChanges"},
            ),
        )),
        managed(dev_boundary, "DeveloperBoundary", "/boundaries/", (
            doc(allow(["s3:*", "ec2:Describe*", "logs:*", "cloudwatch:*", "ecs:Describe*", "ecs:List*"]),
                deny(["iam:CreateUser", "iam:CreateAccessKey", "iam:DeleteRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"])),
        )),
        managed(deploy, "DeployPolicy", "/", (
            doc(allow(["ecs:UpdateService"])),
            doc(allow(["ecs:UpdateService", "ecs:DescribeServices"]), allow(["ecr:*"], REPO_ARN)),
            doc(
                {**allow(["ecs:UpdateService", "ecs:DescribeServices", "ecs:RegisterTaskDefinition"]), "Sid": "Deploy"},
                {**allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:PutImage",
                          "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"], REPO_ARN), "Sid": "Images"},
                {**allow("ecr:GetAuthorizationToken"), "Sid": "Login"},
                {**allow("iam:PassRole", f"arn:aws:iam::{a}:role/service/*", Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}), "Sid": "PassServiceRoles"},
            ),
        )),
        managed(developer, "DeveloperAccess", "/", (
            doc(allow(["logs:*", "cloudwatch:*"])),
            doc(
                allow(["logs:Get*", "logs:Describe*", "logs:FilterLogEvents", "cloudwatch:Get*", "cloudwatch:List*", "ecs:Describe*", "ecs:List*"]),
                allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{DATA_BUCKET}", f"arn:aws:s3:::{DATA_BUCKET}/reports/*"]),
                deny(["s3:GetObject"], f"arn:aws:s3:::{DATA_BUCKET}/pii/*"),
            ),
        )),
    ]
    roles = [
        role(a, "OrganizationAccountAccessRole", trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}), attach=(ADMIN,)),
        role(a, "GitHubDeploy", trust(
            {"Federated": f"arn:aws:iam::{a}:oidc-provider/{OIDC}"}, "sts:AssumeRoleWithWebIdentity",
            {"StringEquals": {f"{OIDC}:aud": "sts.amazonaws.com"}, "StringLike": {f"{OIDC}:sub": "repo:acme/app:ref:refs/heads/main"}},
        ), path="/ci/", attach=(deploy,), tag_list=tags(team="platform")),
        role(a, "AuditReadOnly", trust({"AWS": f"arn:aws:iam::{AUDIT}:root"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
             attach=(SECURITY_AUDIT, READ_ONLY), tag_list=tags(team="security")),
        role(a, "BreakGlass", trust({"AWS": f"arn:aws:iam::{a}:root"}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
             attach=(ADMIN,), tag_list=tags(team="security", purpose="emergency")),
        role(a, "DataAnalyst", trust({"AWS": f"arn:aws:iam::{a}:root"}), inline={
            "read-team-tables": doc(allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], f"arn:aws:dynamodb:us-east-1:{a}:table/*",
                                          Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})),
            "read-reports": doc(allow(["s3:GetObject"], f"arn:aws:s3:::{DATA_BUCKET}/reports/*"), allow("s3:ListBucket", f"arn:aws:s3:::{DATA_BUCKET}")),
        }, tag_list=tags(team="data")),
        role(a, "AWSServiceRoleForECS", trust({"Service": "ecs.amazonaws.com"}), path="/aws-service-role/ecs.amazonaws.com/", attach=(ECS_LINKED,)),
        role(a, "bastion", trust({"Service": "ec2.amazonaws.com"}), attach=(SSM_CORE,), profiles=("bastion",), tag_list=tags(team="platform")),
    ]
    for index, service in enumerate(SERVICES):
        team = TEAMS[index % len(TEAMS)]
        statements = [
            {**allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{DATA_BUCKET}/{service}/*"), "Sid": "OwnPrefix"},
            {**allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{a}:secret:prod/{service}/*"), "Sid": "OwnSecrets"},
            {**allow(["kms:Decrypt", "kms:GenerateDataKey"], KEY_ARN), "Sid": "DataKey"},
        ]
        if service in ("orders", "payments", "fulfilment", "shipping"):
            statements.append({**allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], QUEUE_ARN), "Sid": "Jobs"})
        if service in ("orders", "checkout"):
            statements.append({**allow("sns:Publish", TOPIC_ARN), "Sid": "Events"})
        roles.append(role(
            a, f"svc-{service}",
            trust({"Service": "ecs-tasks.amazonaws.com"}, condition={"StringEquals": {"aws:SourceAccount": a}}),
            path="/service/", inline={"app": doc(*statements)}, boundary=boundary,
            tag_list=tags(team=team, service=service, env="prod"),
        ))
    for function in FUNCTIONS:
        inline = {"work": doc(allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], QUEUE_ARN))} if function == "ingest-orders" else None
        roles.append(role(a, f"fn-{function}", trust({"Service": "lambda.amazonaws.com"}), path="/lambda/", attach=(LAMBDA_BASIC,), inline=inline,
                          tag_list=tags(team="platform", function=function)))
    users = [
        user(a, "alice", groups=("Admins",), tag_list=tags(team="platform")),
        user(a, "bob", groups=("Developers",), boundary=dev_boundary, tag_list=tags(team="commerce")),
        user(a, "carol", groups=("Developers", "Auditors"), boundary=dev_boundary, tag_list=tags(team="data")),
        user(a, "legacy-uploader", inline={"upload": doc(allow("s3:PutObject", f"arn:aws:s3:::{DATA_BUCKET}/imports/*"))}, boundary=dev_boundary,
             tag_list=tags(team="data", owner="carol")),
    ]
    groups = [
        group(a, "Admins", attach=(ADMIN,), inline={"require-mfa": doc({
            **deny("*"), "Sid": "DenyWithoutMFA", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})}),
        group(a, "Developers", attach=(developer, READ_ONLY)),
        group(a, "Auditors", attach=(SECURITY_AUDIT,)),
    ]
    policies = customer + aws_policies((ADMIN, READ_ONLY, SECURITY_AUDIT, LAMBDA_BASIC, ECS_LINKED, SSM_CORE))
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}


# ---------------------------------------------------------------- dev


def dev_authz() -> dict[str, Any]:
    a = DEV
    roles = [
        role(a, "OrganizationAccountAccessRole", trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}), attach=(ADMIN,)),
        role(a, "ci-deployer", trust(
            {"Federated": f"arn:aws:iam::{a}:oidc-provider/{OIDC}"}, "sts:AssumeRoleWithWebIdentity",
            {"StringEquals": {f"{OIDC}:aud": "sts.amazonaws.com"}, "StringLike": {f"{OIDC}:sub": "repo:acme/*"}},
        ), path="/ci/", inline={"pull-prod-images": doc(
            {**allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], REPO_ARN), "Sid": "PullProd"},
            {**allow("ecr:GetAuthorizationToken"), "Sid": "Login"},
        )}, tag_list=tags(team="platform")),
        role(a, "dev-admin", trust({"AWS": f"arn:aws:iam::{a}:root"}), attach=(ADMIN,)),
        role(a, "fn-test-runner", trust({"Service": "lambda.amazonaws.com"}), path="/lambda/", attach=(LAMBDA_BASIC,)),
    ]
    return {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": aws_policies((ADMIN, LAMBDA_BASIC))}


# ---------------------------------------------------------------- resources


def resources() -> dict[str, Any]:
    """The index and every file it names (path -> JSON)."""
    text = lambda d: json.dumps(d)  # noqa: E731  (services return policies as JSON strings)
    audit_root = f"arn:aws:iam::{AUDIT}:root"
    files: dict[str, Any] = {
        "s3/acme-prod-data.policy.json": {"Policy": text(doc(
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [f"arn:aws:s3:::{DATA_BUCKET}", f"arn:aws:s3:::{DATA_BUCKET}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": audit_root}, "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{DATA_BUCKET}", f"arn:aws:s3:::{DATA_BUCKET}/*"]},
        ))},
        "s3/acme-prod-data.tagging.json": {"TagSet": [{"Key": "classification", "Value": "confidential"}, {"Key": "team", "Value": "data"}]},
        "s3/acme-prod-data.ownership.json": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        "s3/acme-prod-logs.policy.json": {"Policy": text(doc(
            {"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{LOG_BUCKET}/access/*", "Condition": {"StringEquals": {"aws:SourceAccount": PROD}}},
        ))},
        "s3/acme-prod-logs.ownership.json": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}},
        "s3/acme-prod-logs.acl.json": {
            "Owner": {"DisplayName": "acme-prod", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            "Grants": [{"Grantee": {"DisplayName": "acme-prod", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "Type": "CanonicalUser"},
                        "Permission": "FULL_CONTROL"}],
        },
        "s3/acme-prod-logs.public-access-block.json": {"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}},
        "kms/data-key.policy.json": {"Policy": text({"Version": V, "Id": "key-default-1", "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow use of the key", "Effect": "Allow",
             "Principal": {"AWS": [f"arn:aws:iam::{PROD}:role/service/svc-{s}" for s in ("payments", "orders", "ledger")]},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], "Resource": "*"},
        ]}), "PolicyName": "default"},
        "kms/data-key.tags.json": {"Tags": [{"TagKey": "team", "TagValue": "payments"}], "Truncated": False},
        "kms/data-key.grants.json": {"Grants": [], "Truncated": False},
        "sqs/orders-jobs.attributes.json": {"Attributes": {
            "QueueArn": QUEUE_ARN, "VisibilityTimeout": "30", "KmsMasterKeyId": KEY_ARN,
            "Policy": text(doc({"Sid": "FromOrderEvents", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                                "Resource": QUEUE_ARN, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}}})),
        }},
        "sqs/orders-jobs.tags.json": {"Tags": {"team": "commerce"}},
        "sns/orders-events.attributes.json": {"Attributes": {
            "TopicArn": TOPIC_ARN, "DisplayName": "orders",
            "Policy": text({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [
                {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"], "Resource": TOPIC_ARN,
                 "Condition": {"StringEquals": {"AWS:SourceOwner": PROD}}},
            ]}),
        }},
        "ecr/acme-app.policy.json": {"registryId": PROD, "repositoryName": "acme/app", "policyText": text(doc(
            {"Sid": "DevPull", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEV}:root"},
             "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]},
        ))},
        "ecr/acme-app.tags.json": {"tags": [{"Key": "team", "Value": "platform"}]},
    }
    index = {
        f"arn:aws:s3:::{DATA_BUCKET}": {"Account": PROD, "Files": ["s3/acme-prod-data.policy.json", "s3/acme-prod-data.tagging.json", "s3/acme-prod-data.ownership.json"]},
        f"arn:aws:s3:::{LOG_BUCKET}": {"Account": PROD, "Files": ["s3/acme-prod-logs.policy.json", "s3/acme-prod-logs.ownership.json", "s3/acme-prod-logs.acl.json",
                                                                  "s3/acme-prod-logs.public-access-block.json"]},
        KEY_ARN: {"Name": "data-key", "Files": ["kms/data-key.policy.json", "kms/data-key.tags.json", "kms/data-key.grants.json"]},
        QUEUE_ARN: ["sqs/orders-jobs.attributes.json", "sqs/orders-jobs.tags.json"],
        TOPIC_ARN: "sns/orders-events.attributes.json",
        REPO_ARN: {"Name": "app", "Files": ["ecr/acme-app.policy.json", "ecr/acme-app.tags.json"]},
    }
    return {"index.json": index, **files}


# ---------------------------------------------------------------- organization


SCPS = {  # ID -> (name, type, document)
    "p-denyleave1": ("DenyLeaveOrganization", "SERVICE_CONTROL_POLICY", doc({**deny("organizations:LeaveOrganization"), "Sid": "NoLeaving"})),
    "p-baseline01": ("Protect security baseline", "SERVICE_CONTROL_POLICY", doc(
        {**deny(["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "guardduty:DeleteDetector", "config:StopConfigurationRecorder"]), "Sid": "KeepAuditTrail"},
        {**deny(["iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy"], "arn:aws:iam::*:role/OrganizationAccountAccessRole"),
         "Sid": "ProtectAccessRole", "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}},
    )),
    "p-regions001": ("RegionGuardrail", "SERVICE_CONTROL_POLICY", doc({
        "Sid": "OnlyOurRegions", "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*", "cloudfront:*", "route53:*", "ecr:GetAuthorizationToken"],
        "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    })),
    "p-sandbox001": ("SandboxAllowList", "SERVICE_CONTROL_POLICY", doc(allow(["s3:*", "ec2:*", "lambda:*", "dynamodb:*", "logs:*", "cloudwatch:*"]))),
    "p-rcporgonly": ("EnforceOrgIdentities", "RESOURCE_CONTROL_POLICY", doc({
        "Sid": "OnlyOrgPrincipals", "Effect": "Deny", "Principal": "*", "Action": ["s3:*", "kms:*", "sqs:*", "secretsmanager:*"], "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}},
    })),
}
ATTACHED = {  # target -> (SCP IDs, RCP IDs); FullAWSAccess and RCPFullAWSAccess are listed where attached
    ROOT_ID: (["p-FullAWSAccess", "p-denyleave1", "p-baseline01"], ["p-RCPFullAWSAccess", "p-rcporgonly"]),
    "ou-a1b2-22222222": (["p-FullAWSAccess", "p-regions001"], ["p-RCPFullAWSAccess"]),
    "ou-a1b2-55555555": (["p-sandbox001"], ["p-RCPFullAWSAccess"]),
}


def organization() -> dict[str, Any]:
    """Every file of the --org directory (path -> JSON)."""

    def arn(kind: str, what: str) -> str:
        return f"arn:aws:organizations::{MANAGEMENT}:{kind}/{ORG_ID}/{what}"

    def summary(policy_id: str) -> dict[str, Any]:
        if policy_id in ("p-FullAWSAccess", "p-RCPFullAWSAccess"):
            name = policy_id[2:]
            kind = "SERVICE_CONTROL_POLICY" if name == "FullAWSAccess" else "RESOURCE_CONTROL_POLICY"
            return {"Id": policy_id, "Arn": f"arn:aws:organizations::aws:policy/{kind.lower()}/{policy_id}", "Name": name,
                    "Description": "Allows access to every operation", "Type": kind, "AwsManaged": True}
        name, kind, _ = SCPS[policy_id]
        return {"Id": policy_id, "Arn": arn("policy", f"{kind.lower()}/{policy_id}"), "Name": name, "Description": "", "Type": kind, "AwsManaged": False}

    files: dict[str, Any] = {
        "describe-organization.json": {"Organization": {
            "Id": ORG_ID, "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}", "FeatureSet": "ALL",
            "MasterAccountArn": arn("account", MANAGEMENT), "MasterAccountId": MANAGEMENT, "MasterAccountEmail": "aws@acme.example",
            "AvailablePolicyTypes": [],
        }},
        "list-roots.json": {"Roots": [{"Id": ROOT_ID, "Arn": f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT_ID}", "Name": "Root", "PolicyTypes": [
            {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
            {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
            {"Type": "TAG_POLICY", "Status": "ENABLED"},
        ]}]},
    }
    parents = [ROOT_ID, *OUS]
    for parent in parents:
        files[f"list-organizational-units-for-parent/{parent}.json"] = {"OrganizationalUnits": [
            {"Id": ou, "Arn": arn("ou", ou), "Name": name} for ou, (name, up) in OUS.items() if up == parent
        ]}
        files[f"list-accounts-for-parent/{parent}.json"] = {"Accounts": [
            {"Id": account, "Arn": arn("account", account), "Email": f"aws+{name.lower().replace(' ', '-')}@acme.example", "Name": name,
             "Status": "ACTIVE", "JoinedMethod": "CREATED" if account != MANAGEMENT else "INVITED", "JoinedTimestamp": DATE}
            for account, (name, up) in ACCOUNTS.items() if up == parent
        ]}
    targets = parents + [a for a in ACCOUNTS if a != MANAGEMENT]
    for target in targets:
        scps, rcps = ATTACHED.get(target, (["p-FullAWSAccess"], ["p-RCPFullAWSAccess"]))
        files[f"list-policies-for-target/{target}.SERVICE_CONTROL_POLICY.json"] = {"Policies": [summary(p) for p in scps]}
        files[f"list-policies-for-target/{target}.RESOURCE_CONTROL_POLICY.json"] = {"Policies": [summary(p) for p in rcps]}
    for policy_id, (_, _, document) in SCPS.items():
        files[f"describe-policy/{policy_id}.json"] = {"Policy": {"PolicySummary": summary(policy_id), "Content": json.dumps(document, indent=4)}}
    return files


# ---------------------------------------------------------------- writing


def dumps(value: Any) -> str:
    return json.dumps(value, indent=4) + "\n"  # as the AWS CLI prints it


def write_fixture(out: Path) -> list[Path]:
    """Write every input file under `out`, removing what an earlier run left; return the files written."""
    for folder in ("resources", "org"):
        shutil.rmtree(out / folder, ignore_errors=True)
    written = []
    outputs = {"prod-authz.json": prod_authz(), "dev-authz.json": dev_authz()}
    outputs.update({f"resources/{k}": v for k, v in resources().items()})
    outputs.update({f"org/{k}": v for k, v in organization().items()})
    for relative, value in outputs.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(value), encoding="utf-8")
        written.append(path)
    return written


IMPORT_ARGS = ("prod-authz.json", "dev-authz.json", "--resources", "resources/index.json", "--org", "org")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "aws_import")
    args = parser.parse_args()
    written = write_fixture(args.out)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {size / 1024:.0f} KiB, into {args.out}")
    sys.path.insert(0, str(ROOT))
    from iamdsl.cli import main as iamdsl

    import os

    os.chdir(args.out)
    return iamdsl(["import", "authz", *IMPORT_ARGS, "-o", "acme.iam"])


if __name__ == "__main__":
    raise SystemExit(main())
