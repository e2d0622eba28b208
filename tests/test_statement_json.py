"""Every statement form of the language, against the IAM JSON it must produce.

Each expected document is written by hand from AWS's policy grammar (the
IAM JSON policy reference), not copied from the exporter's output: the point
is to catch a model that drifts from what AWS would store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from iamdsl.language.loader import Loaded, load_text

ACCOUNTS = """
account A 111111111111
account B 222222222222
user A.alice
role B.SomeRole
resource A.repo : ecr:repository "app"
resource A.bucket : s3:bucket "data"
"""

A_ROOT = "arn:aws:iam::111111111111:root"
B_ROOT = "arn:aws:iam::222222222222:root"
SOME_ROLE = "arn:aws:iam::222222222222:role/SomeRole"
ALICE = "arn:aws:iam::111111111111:user/alice"
REPO = "arn:aws:ecr:us-east-1:111111111111:repository/app"
BUCKET = "arn:aws:s3:::data"
OBJECTS = "arn:aws:s3:::data/*"
GITHUB = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
PULL_ON_REPO = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **elements}


def deny(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Deny", **elements}


@dataclass(frozen=True)
class Case:
    id: str
    dsl: str
    owner: str  # the label Model.policies() gives the policy
    expected: dict[str, Any]
    warnings: tuple[str, ...] = field(default=())


def load(dsl: str) -> Loaded:
    return load_text(ACCOUNTS + dsl, "case.iam")


def policy_document(loaded: Loaded, owner: str) -> dict[str, Any]:
    policies = dict(loaded.model.policies())
    assert owner in policies, f"no policy `{owner}`; the model has {sorted(policies)}"
    return policies[owner].to_iam_json()


# ------------------------------------------------------------------ effects and actions
ACTIONS = [
    Case("allow-one-action", "role A.dev { allow s3:GetObject }", "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource="*"))),
    Case("deny-one-action", "role A.dev { deny s3:DeleteBucket on A.bucket }", "A.dev:inline",
         document(deny(Action="s3:DeleteBucket", Resource=BUCKET))),
    Case("several-actions", "role A.dev { allow s3:GetObject, s3:PutObject on A.bucket/* }", "A.dev:inline",
         document(allow(Action=["s3:GetObject", "s3:PutObject"], Resource=OBJECTS))),
    Case("bracketed-actions", "role A.dev { allow [sqs:SendMessage, sqs:ReceiveMessage] }", "A.dev:inline",
         document(allow(Action=["sqs:SendMessage", "sqs:ReceiveMessage"], Resource="*"))),
    Case("action-wildcard", "role A.dev { allow s3:Get* on A.bucket/* }", "A.dev:inline",
         document(allow(Action="s3:Get*", Resource=OBJECTS))),
    Case("any-action", "role A.dev { allow * }", "A.dev:inline",
         document(allow(Action="*", Resource="*"))),
    Case("not-action", "role A.dev { deny not iam:*, sts:* }", "A.dev:inline",
         document(deny(NotAction=["iam:*", "sts:*"], Resource="*"))),
]

# ------------------------------------------------------------------ verbs
VERBS = [
    Case("pull-in-identity-pairs-token-with-star", "role B.SomeRole { allow pull on A.repo }", "B.SomeRole:inline",
         document(allow(Action=PULL_ON_REPO, Resource=REPO),
                  allow(Action="ecr:GetAuthorizationToken", Resource="*"))),
    Case("read-in-identity-pairs-bucket-and-objects", "role A.dev { allow read on A.bucket }", "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource=OBJECTS),
                  allow(Action="s3:ListBucket", Resource=BUCKET))),
    Case("read-on-objects-keeps-object-actions-only", "role A.dev { allow read on A.bucket/* }", "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource=OBJECTS))),
    Case("verb-without-on-is-every-action-on-star", "role A.dev { allow pull }", "A.dev:inline",
         document(allow(Action=PULL_ON_REPO + ["ecr:GetAuthorizationToken"], Resource="*"))),
    Case("verb-and-action-share-the-resource", "role A.dev { allow ecr:DescribeImages, pull on A.repo }", "A.dev:inline",
         document(allow(Action=["ecr:DescribeImages"] + PULL_ON_REPO, Resource=REPO),
                  allow(Action="ecr:GetAuthorizationToken", Resource="*"))),
    Case("verbs-across-two-resources", "role A.dev { allow pull, read on A.repo, A.bucket }", "A.dev:inline",
         document(allow(Action=PULL_ON_REPO, Resource=REPO),
                  allow(Action="ecr:GetAuthorizationToken", Resource="*"),
                  allow(Action="s3:GetObject", Resource=OBJECTS),
                  allow(Action="s3:ListBucket", Resource=BUCKET))),
    Case("pull-in-resource-block-drops-wildcard-only-action",
         'resource A.repo : ecr:repository "app" { allow pull to account B }', "A.repo:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action=PULL_ON_REPO, Resource=REPO))),
    Case("read-in-resource-block-pairs-with-self",
         'resource A.bucket : s3:bucket "data" { allow read to B.SomeRole }', "A.bucket:policy",
         document(allow(Principal={"AWS": SOME_ROLE}, Action="s3:GetObject", Resource=OBJECTS),
                  allow(Principal={"AWS": SOME_ROLE}, Action="s3:ListBucket", Resource=BUCKET))),
    Case("trust-verbs-have-no-resource", "role A.deploy { trust { allow assume, tag_session to B.SomeRole } }",
         "A.deploy:trust",
         document(allow(Principal={"AWS": SOME_ROLE}, Action=["sts:AssumeRole", "sts:TagSession"]))),
]

# ------------------------------------------------------------------ resources
RESOURCES = [
    Case("on-defaults-to-star-in-identity", "role A.dev { allow sqs:SendMessage }", "A.dev:inline",
         document(allow(Action="sqs:SendMessage", Resource="*"))),
    Case("on-defaults-to-self-in-resource-block",
         'resource A.bucket : s3:bucket "data" { allow s3:ListBucket to account B }', "A.bucket:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action="s3:ListBucket", Resource=BUCKET))),
    Case("trust-has-no-resource", "role A.deploy { trust { allow sts:AssumeRole to account B } }", "A.deploy:trust",
         document(allow(Principal={"AWS": B_ROOT}, Action="sts:AssumeRole"))),
    Case("on-not", "role A.dev { deny s3:* on not [A.bucket, A.bucket/*] }", "A.dev:inline",
         document(deny(Action="s3:*", NotResource=[BUCKET, OBJECTS]))),
    Case("self", 'resource A.bucket : s3:bucket "data" { allow s3:GetBucketPolicy on self to account B }',
         "A.bucket:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action="s3:GetBucketPolicy", Resource=BUCKET))),
    Case("self-children", 'resource A.bucket : s3:bucket "data" { allow s3:GetObject on self/* to account B }',
         "A.bucket:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action="s3:GetObject", Resource=OBJECTS))),
    Case("self-and-children-in-one-list",
         'resource A.bucket : s3:bucket "data" { deny s3:* on self, self/* to anyone when aws:SecureTransport is false }',
         "A.bucket:policy",
         document(deny(Principal="*", Action="s3:*", Resource=[BUCKET, OBJECTS],
                       Condition={"Bool": {"aws:SecureTransport": "false"}}))),
    Case("quoted-child-path", 'role A.dev { allow s3:GetObject on A.bucket/"logs/*" }', "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource="arn:aws:s3:::data/logs/*"))),
    Case("raw-arn", 'role A.dev { allow sqs:SendMessage on "arn:aws:sqs:us-east-1:111111111111:jobs" }',
         "A.dev:inline",
         document(allow(Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:111111111111:jobs"))),
    Case("resource-in-another-region",
         'resource A.west : ecr:repository "app" in us-west-2 { allow * to account B }', "A.west:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action="*",
                        Resource="arn:aws:ecr:us-west-2:111111111111:repository/app"))),
    Case("role-as-resource", "role A.dev { allow iam:PassRole on A.deploy }\nrole A.deploy", "A.dev:inline",
         document(allow(Action="iam:PassRole", Resource="arn:aws:iam::111111111111:role/deploy"))),
]

# ------------------------------------------------------------------ principals
def _bucket_grant(to: str) -> str:
    return f'resource A.bucket : s3:bucket "data" {{ allow s3:ListBucket to {to} }}'


def _listing(principal: Any) -> dict[str, Any]:
    return document(allow(Principal=principal, Action="s3:ListBucket", Resource=BUCKET))


PRINCIPALS = [
    Case("to-account-name", _bucket_grant("account B"), "A.bucket:policy", _listing({"AWS": B_ROOT})),
    Case("to-account-id", _bucket_grant("account 123456789012"), "A.bucket:policy",
         _listing({"AWS": "arn:aws:iam::123456789012:root"})),
    Case("to-anyone", _bucket_grant("anyone"), "A.bucket:policy", _listing("*")),
    Case("to-role", _bucket_grant("B.SomeRole"), "A.bucket:policy", _listing({"AWS": SOME_ROLE})),
    Case("to-user", _bucket_grant("A.alice"), "A.bucket:policy", _listing({"AWS": ALICE})),
    Case("to-root-means-the-account", _bucket_grant("B.root"), "A.bucket:policy", _listing({"AWS": B_ROOT}),
         warnings=("W101",)),
    Case("to-raw-arn", _bucket_grant('"arn:aws:iam::333333333333:role/Auditor"'), "A.bucket:policy",
         _listing({"AWS": "arn:aws:iam::333333333333:role/Auditor"})),
    Case("to-canonical-user", _bucket_grant('canonical "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"'),
         "A.bucket:policy",
         _listing({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})),
    Case("to-service",
         'resource A.jobs : sqs:queue "jobs" { allow sqs:SendMessage to service sns.amazonaws.com '
         'when aws:SourceArn == "arn:aws:sns:us-east-1:111111111111:events" }',
         "A.jobs:policy",
         document(allow(Principal={"Service": "sns.amazonaws.com"}, Action="sqs:SendMessage",
                        Resource="arn:aws:sqs:us-east-1:111111111111:jobs",
                        Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:events"}}))),
    Case("to-quoted-service", 'role A.fn { trust { allow assume to service "lambda.amazonaws.com" } }', "A.fn:trust",
         document(allow(Principal={"Service": "lambda.amazonaws.com"}, Action="sts:AssumeRole"))),
    Case("to-federated-name", 'role A.web { trust { allow sts:AssumeRoleWithWebIdentity to federated cognito-identity.amazonaws.com } }',
         "A.web:trust",
         document(allow(Principal={"Federated": "cognito-identity.amazonaws.com"}, Action="sts:AssumeRoleWithWebIdentity"))),
    Case("several-principal-types-grouped",
         _bucket_grant('[account B, service cloudtrail.amazonaws.com, A.alice, canonical "abc123"]'), "A.bucket:policy",
         _listing({"AWS": [B_ROOT, ALICE], "Service": "cloudtrail.amazonaws.com", "CanonicalUser": "abc123"})),
    # `{"AWS": "*"}` is everyone as `"*"` is (R18); a list cannot hold the bare `"*"` form
    Case("anyone-among-others", _bucket_grant("[anyone, account B]"), "A.bucket:policy",
         _listing({"AWS": ["*", B_ROOT]})),
    Case("deny-to-not", 'resource A.bucket : s3:bucket "data" { deny s3:* on self, self/* to not [account A, B.SomeRole] }',
         "A.bucket:policy",
         document(deny(NotPrincipal={"AWS": [A_ROOT, SOME_ROLE]}, Action="s3:*", Resource=[BUCKET, OBJECTS]))),
    Case("role-with-path-in-principal",
         'role A.deployer { path "/ci/" }\n' + _bucket_grant("A.deployer"), "A.bucket:policy",
         _listing({"AWS": "arn:aws:iam::111111111111:role/ci/deployer"})),
    Case("user-with-path-in-principal",
         'user A.bob { path "/people/" }\n' + _bucket_grant("A.bob"), "A.bucket:policy",
         _listing({"AWS": "arn:aws:iam::111111111111:user/people/bob"})),
]

# ------------------------------------------------------------------ sids
SIDS = [
    Case("sid-name", "role A.dev { sid ReadData allow s3:GetObject }", "A.dev:inline",
         document(allow(Sid="ReadData", Action="s3:GetObject", Resource="*"))),
    Case("sid-string", 'role A.dev { sid "ReadData2024" allow s3:GetObject }', "A.dev:inline",
         document(allow(Sid="ReadData2024", Action="s3:GetObject", Resource="*"))),
    Case("sid-numbered-when-a-verb-splits", "role A.dev { sid Read allow read on A.bucket }", "A.dev:inline",
         document(allow(Sid="Read", Action="s3:GetObject", Resource=OBJECTS),
                  allow(Sid="Read2", Action="s3:ListBucket", Resource=BUCKET))),
]


# ------------------------------------------------------------------ conditions
def _when(case_id: str, when: str, condition: dict[str, Any]) -> Case:
    return Case(case_id, f"role A.dev {{ allow s3:GetObject when {when} }}", "A.dev:inline",
                document(allow(Action="s3:GetObject", Resource="*", Condition=condition)))


CONDITIONS = [
    # String keys
    _when("string-eq", 'aws:PrincipalTag/team == "platform"', {"StringEquals": {"aws:PrincipalTag/team": "platform"}}),
    _when("string-ne", 'aws:RequestedRegion != "us-east-1"', {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}),
    _when("string-like", 's3:prefix like "home/*"', {"StringLike": {"s3:prefix": "home/*"}}),
    _when("string-not-like", 's3:prefix not like "tmp/*"', {"StringNotLike": {"s3:prefix": "tmp/*"}}),
    _when("string-in", 'aws:RequestedRegion in ["us-east-1", "eu-west-1"]',
          {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}),
    _when("string-not-in", 'aws:PrincipalAccount not in ["111111111111", "222222222222"]',
          {"StringNotEquals": {"aws:PrincipalAccount": ["111111111111", "222222222222"]}}),
    _when("service-key", 's3:x-amz-acl == "private"', {"StringEquals": {"s3:x-amz-acl": "private"}}),
    # ARN keys choose the Arn operators
    _when("arn-eq", 'aws:PrincipalArn == "arn:aws:iam::222222222222:role/SomeRole"',
          {"ArnEquals": {"aws:PrincipalArn": SOME_ROLE}}),
    _when("arn-ne", 'aws:SourceArn != "arn:aws:sns:us-east-1:111111111111:events"',
          {"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:events"}}),
    _when("arn-like", 'aws:PrincipalArn like "arn:aws:iam::*:role/ci-*"',
          {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}}),
    _when("arn-not-like", 'aws:SourceArn not like "arn:aws:sns:*:111111111111:*"',
          {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:111111111111:*"}}),
    _when("arn-in", f'aws:PrincipalArn in ["{SOME_ROLE}", "{ALICE}"]', {"ArnEquals": {"aws:PrincipalArn": [SOME_ROLE, ALICE]}}),
    # Numeric keys
    _when("numeric-lt", "aws:MultiFactorAuthAge < 3600", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    _when("numeric-le", "s3:max-keys <= 100", {"NumericLessThanEquals": {"s3:max-keys": "100"}}),
    _when("numeric-gt", "s3:max-keys > 10", {"NumericGreaterThan": {"s3:max-keys": "10"}}),
    _when("numeric-ge", "s3:max-keys >= 10", {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}),
    _when("numeric-eq", "s3:max-keys == 10", {"NumericEquals": {"s3:max-keys": "10"}}),
    _when("numeric-ne", "s3:max-keys != 10", {"NumericNotEquals": {"s3:max-keys": "10"}}),
    # Date keys
    _when("date-before", 'aws:CurrentTime before "2030-01-01T00:00:00Z"',
          {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}),
    _when("date-after", 'aws:TokenIssueTime after "2024-06-01T00:00:00Z"',
          {"DateGreaterThan": {"aws:TokenIssueTime": "2024-06-01T00:00:00Z"}}),
    _when("epoch-lt-is-numeric", "aws:EpochTime < 1893456000", {"NumericLessThan": {"aws:EpochTime": "1893456000"}}),
    _when("epoch-before-is-date", 'aws:EpochTime before "2030-01-01T00:00:00Z"',
          {"DateLessThan": {"aws:EpochTime": "2030-01-01T00:00:00Z"}}),
    # Bool and IP keys
    _when("bool-true", "aws:SecureTransport is true", {"Bool": {"aws:SecureTransport": "true"}}),
    _when("bool-false", "aws:MultiFactorAuthPresent is false", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    _when("ip-in", "aws:SourceIp in 10.0.0.0/8", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    _when("ip-not-in", "aws:SourceIp not in [10.0.0.0/8, 192.168.0.0/16]",
          {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}),
    # Presence
    _when("exists", "aws:SourceVpce exists", {"Null": {"aws:SourceVpce": "false"}}),
    _when("not-exists", "aws:PrincipalTag/team not exists", {"Null": {"aws:PrincipalTag/team": "true"}}),
    # Set qualifiers and IfExists
    _when("any", 'any aws:TagKeys in ["team", "env"]', {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}),
    _when("all", 'all aws:TagKeys like "app-*"', {"ForAllValues:StringLike": {"aws:TagKeys": "app-*"}}),
    _when("if-exists", 'aws:SourceVpce? == "vpce-1a2b3c4d"', {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
    _when("if-exists-on-arn", 'aws:SourceArn? like "arn:aws:sns:*:*:events"',
          {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:events"}}),
    _when("any-with-if-exists", 'any aws:TagKeys? in ["team"]', {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}}),
    # The full operator form
    _when("full-operator", 'StringNotEqualsIfExists aws:SourceVpce ["vpce-1"]',
          {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}),
    _when("full-operator-with-qualifier", 'ForAllValues:StringEquals aws:TagKeys ["team", "env"]',
          {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}),
    _when("full-operator-numeric-value", "NumericLessThan s3:max-keys 5", {"NumericLessThan": {"s3:max-keys": "5"}}),
    # Several conditions: one Condition object, grouped by operator
    _when("several-grouped-by-operator",
          'aws:PrincipalTag/team == "platform" and aws:ResourceTag/team == "platform" '
          "and aws:SecureTransport is true and aws:SourceIp in 10.0.0.0/8",
          {"StringEquals": {"aws:PrincipalTag/team": "platform", "aws:ResourceTag/team": "platform"},
           "Bool": {"aws:SecureTransport": "true"},
           "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    _when("quoted-key", '"kms:EncryptionContext:purpose" == "backup"',
          {"StringEquals": {"kms:EncryptionContext:purpose": "backup"}}),
    # Policy variables pass through untouched, in resources and in values
    Case("policy-variables",
         'role A.dev { allow s3:GetObject on "arn:aws:s3:::data/home/${aws:username}/*" '
         'when s3:prefix like "home/${aws:username}/*" }',
         "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource="arn:aws:s3:::data/home/${aws:username}/*",
                        Condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}))),
]

# ------------------------------------------------------------------ policy kinds
KINDS = [
    Case("trust-cross-account", "role A.deploy { trust { allow assume to account B } }", "A.deploy:trust",
         document(allow(Principal={"AWS": B_ROOT}, Action="sts:AssumeRole"))),
    Case("trust-github-oidc",
         f'role A.ci {{ trust {{ allow assume_web_identity to federated "{GITHUB}" '
         'when token.actions.githubusercontent.com:aud == "sts.amazonaws.com" '
         'and token.actions.githubusercontent.com:sub like "repo:acme/app:*" } }',
         "A.ci:trust",
         document(allow(Principal={"Federated": GITHUB}, Action="sts:AssumeRoleWithWebIdentity",
                        Condition={"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                   "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}))),
    Case("scp", "organization Org { scp DenyS3 { deny s3:* } attach DenyS3 }", "Org:DenyS3",
         document(deny(Action="s3:*", Resource="*"))),
    Case("scp-region-lock",
         'organization Org { scp Regions { deny not iam:*, sts:* when aws:RequestedRegion not in ["us-east-1", "eu-west-1"] } }',
         "Org:Regions",
         document(deny(NotAction=["iam:*", "sts:*"], Resource="*",
                       Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}))),
    Case("scp-full-aws-access-is-built-in", "organization Org { }", "Org:FullAWSAccess",
         document(allow(Action="*", Resource="*"))),
    Case("rcp-full-aws-access-is-built-in", "organization Org { }", "Org:RCPFullAWSAccess",
         document(allow(Principal="*", Action="*", Resource="*"))),
    Case("rcp-deny-to-anyone",
         "organization Org { rcp RequireTls { deny s3:* to anyone when aws:SecureTransport is false } attach RequireTls }",
         "Org:RequireTls",
         document(deny(Principal="*", Action="s3:*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "false"}}))),
    Case("endpoint-policy",
         'endpoint A.s3 "vpce-0123456789abcdef0" { allow s3:GetObject on A.bucket/* to anyone }', "A.s3:policy",
         document(allow(Principal="*", Action="s3:GetObject", Resource=OBJECTS))),
    Case("endpoint-policy-defaults-to-star",
         'endpoint A.s3 "vpce-0123456789abcdef0" { allow * to account A }', "A.s3:policy",
         document(allow(Principal={"AWS": A_ROOT}, Action="*", Resource="*"))),
    Case("managed-policy", "policy A.ReadData { allow read on A.bucket }\nrole A.dev { attach A.ReadData }", "A.ReadData",
         document(allow(Action="s3:GetObject", Resource=OBJECTS), allow(Action="s3:ListBucket", Resource=BUCKET))),
    Case("boundary-policy", "policy A.Bound { allow s3:*, sqs:* }\nrole A.dev { boundary A.Bound }", "A.Bound",
         document(allow(Action=["s3:*", "sqs:*"], Resource="*"))),
    Case("named-inline-policy", "role A.dev { policy Logs { allow logs:PutLogEvents, logs:CreateLogStream } }",
         "A.dev:Logs",
         document(allow(Action=["logs:PutLogEvents", "logs:CreateLogStream"], Resource="*"))),
    Case("group-policy", "group A.admins { allow iam:* }", "A.admins:inline",
         document(allow(Action="iam:*", Resource="*"))),
    Case("user-policy", "user A.alice { deny s3:DeleteBucket on A.bucket }", "A.alice:inline",
         document(deny(Action="s3:DeleteBucket", Resource=BUCKET))),
    Case("delegate-resource-half", "delegate pull on A.repo to B.SomeRole", "A.repo:policy",
         document(allow(Principal={"AWS": B_ROOT}, Action=PULL_ON_REPO, Resource=REPO))),
    Case("delegate-identity-half", "delegate pull on A.repo to B.SomeRole", "B.SomeRole:inline",
         document(allow(Action=PULL_ON_REPO, Resource=REPO), allow(Action="ecr:GetAuthorizationToken", Resource="*"))),
    Case("blocks-merge", "role A.dev { allow s3:GetObject }\nrole A.dev { deny s3:PutObject }", "A.dev:inline",
         document(allow(Action="s3:GetObject", Resource="*"), deny(Action="s3:PutObject", Resource="*"))),
]

CASES = ACTIONS + VERBS + RESOURCES + PRINCIPALS + SIDS + CONDITIONS + KINDS


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_statement_exports_the_expected_iam_json(case: Case) -> None:
    loaded = load(case.dsl)
    assert policy_document(loaded, case.owner) == case.expected
    assert tuple(sorted(d.code for d in loaded.diagnostics)) == case.warnings


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_b_root_in_to_warns_at_the_principal() -> None:
    loaded = load(_bucket_grant("B.root"))
    (warning,) = loaded.diagnostics
    assert warning.code == "W101"
    assert "account B as a whole" in warning.message
    assert "to account B" in (warning.help or "")


def test_attach_and_boundary_name_the_managed_policy_arns() -> None:
    model = load("policy A.ReadData { allow s3:GetObject }\npolicy A.Bound { allow s3:* }\n"
                 "role A.dev { attach A.ReadData\n boundary A.Bound }").model
    dev = model.principals["A.dev"]
    assert dev.managed_policies == ("arn:aws:iam::111111111111:policy/ReadData",)
    assert dev.boundary == "arn:aws:iam::111111111111:policy/Bound"
    assert set(model.managed_policies) == {dev.managed_policies[0], dev.boundary}
    assert dev.inline_policies == ()


def test_tags_and_path_reach_the_model() -> None:
    model = load('role A.deployer { path "/ci/"\n tags { team = "platform", "cost-center" = "42" } }\n'
                 'resource A.logs : s3:bucket "logs" { tags { owner = "ops" } }\n'
                 'account C 333333333333 { tags { env = "prod" } }').model
    deployer = model.principals["A.deployer"]
    assert deployer.arn == "arn:aws:iam::111111111111:role/ci/deployer"
    assert deployer.path == "/ci/"
    assert deployer.tags == {"team": "platform", "cost-center": "42"}
    assert model.resources["A.logs"].tags == {"owner": "ops"}
    assert model.accounts["C"].tags == {"env": "prod"}


def test_delegate_halves_belong_to_their_own_accounts() -> None:
    model = load("delegate pull on A.repo to B.SomeRole").model
    assert model.resources["A.repo"].account == "A"
    assert model.principals["B.SomeRole"].account == "B"


def test_organization_attaches_scps_and_rcps() -> None:
    model = load("organization Org { management A\n scp DenyS3 { deny s3:* }\n"
                 " rcp RequireTls { deny s3:* to anyone when aws:SecureTransport is false }\n"
                 " attach DenyS3, RequireTls\n account B }").model
    org = model.organizations["Org"]
    assert org.root.scps == ("FullAWSAccess", "DenyS3")
    assert org.root.rcps == ("RCPFullAWSAccess", "RequireTls")
    assert set(org.root.accounts) == {"A", "B"}
    assert org.management_account == "A"
