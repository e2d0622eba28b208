"""IAM JSON and the DSL load into the same model (design.md §1, "both directions").

A policy written as DSL, the same policy written inline as `json {…}`, and the
same policy read with `from "file.json"` must give equal models once source
spans are ignored.  The property test closes the loop: any generated DSL
statement, exported to IAM JSON and loaded back in the same place, gives the
model it came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from iamdsl.language.loader import load_text
from iamdsl.model import Model

ACCOUNTS = """
account A 111111111111
account B 222222222222
user A.alice
role B.SomeRole
resource A.bucket : s3:bucket "data"
"""

B_ROOT = "arn:aws:iam::222222222222:root"
BUCKET = "arn:aws:s3:::data"
OBJECTS = "arn:aws:s3:::data/*"


def without_spans(node: BaseModel) -> Any:
    """The model as plain JSON data with every `span` key removed, at any depth."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "span"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(node.model_dump(mode="json"))


def load_model(body: str) -> Model:
    return load_text(ACCOUNTS + body, "case.iam").model


def policy_of(model: Model, owner: str):
    return dict(model.policies())[owner]


def test_without_spans_removes_spans_at_every_depth() -> None:
    model = load_model("role A.dev { allow s3:GetObject when aws:SecureTransport is true }")
    policy = model.principals["A.dev"].inline_policies[0]
    assert policy.span is not None and policy.statements[0].conditions[0].span is not None
    text = json.dumps(without_spans(model))
    assert '"span"' not in text
    assert '"aws:SecureTransport"' in text


# ------------------------------------------------------------------ hand-written pairs
@dataclass(frozen=True)
class Pair:
    """The DSL text, and the same text with POLICY where a JSON document goes."""

    id: str
    dsl: str
    json_form: str
    document: dict[str, Any]

    def with_json(self) -> str:
        return self.json_form.replace("POLICY", "json " + json.dumps(self.document))

    def with_file(self, path: Path) -> str:
        path.write_text(json.dumps(self.document, indent=2), encoding="utf-8")
        return self.json_form.replace("POLICY", f"from {json.dumps(str(path))}")


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


PAIRS = [
    Pair(
        "identity-named-inline",
        "role A.dev { policy Data { allow s3:GetObject, s3:PutObject on A.bucket/*\n deny s3:DeleteBucket on A.bucket } }",
        "role A.dev { policy Data POLICY }",
        doc(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": OBJECTS},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": BUCKET},
        ),
    ),
    Pair(
        "identity-verb-expands",
        "role A.dev { policy Pull { allow read on A.bucket } }",
        "role A.dev { policy Pull POLICY }",
        doc(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        ),
    ),
    Pair(
        "managed",
        "policy A.ReadData { sid Read allow s3:GetObject on A.bucket/* }\nrole A.dev { attach A.ReadData }",
        "policy A.ReadData POLICY\nrole A.dev { attach A.ReadData }",
        doc({"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}),
    ),
    Pair(
        "boundary",
        "policy A.Bound { allow s3:*, sqs:* }\nrole A.dev { boundary A.Bound }",
        "policy A.Bound POLICY\nrole A.dev { boundary A.Bound }",
        doc({"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}),
    ),
    Pair(
        "resource",
        'resource A.bucket : s3:bucket "data" { allow read to account B }',
        'resource A.bucket : s3:bucket "data" { policy POLICY }',
        doc(
            {"Effect": "Allow", "Principal": {"AWS": B_ROOT}, "Action": "s3:GetObject", "Resource": OBJECTS},
            {"Effect": "Allow", "Principal": {"AWS": B_ROOT}, "Action": "s3:ListBucket", "Resource": BUCKET},
        ),
    ),
    Pair(
        "resource-every-principal-type",
        'resource A.bucket : s3:bucket "data" { allow s3:ListBucket to [account B, B.SomeRole, A.alice, '
        '"arn:aws:iam::333333333333:role/Auditor", service cloudtrail.amazonaws.com, '
        'federated cognito-identity.amazonaws.com, canonical "abc123"] }',
        'resource A.bucket : s3:bucket "data" { policy POLICY }',
        doc(
            {
                "Effect": "Allow",
                "Principal": {
                    "CanonicalUser": "abc123",
                    "Federated": "cognito-identity.amazonaws.com",
                    "Service": "cloudtrail.amazonaws.com",
                    "AWS": [
                        B_ROOT,
                        "arn:aws:iam::222222222222:role/SomeRole",
                        "arn:aws:iam::111111111111:user/alice",
                        "arn:aws:iam::333333333333:role/Auditor",
                    ],
                },
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
            }
        ),
    ),
    Pair(
        "resource-anyone",
        'resource A.bucket : s3:bucket "data" { deny s3:* on self, self/* to anyone when aws:SecureTransport is false }',
        'resource A.bucket : s3:bucket "data" { policy POLICY }',
        doc(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [BUCKET, OBJECTS],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    ),
    Pair(
        "resource-not-principal",
        'resource A.bucket : s3:bucket "data" { deny s3:* to not [account A, B.SomeRole] }',
        'resource A.bucket : s3:bucket "data" { policy POLICY }',
        doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:role/SomeRole"]},
                "Action": "s3:*",
                "Resource": BUCKET,
            }
        ),
    ),
    Pair(
        "trust",
        'role A.deploy { trust { allow assume to account B when aws:PrincipalTag/team == "ci" } }',
        "role A.deploy { trust POLICY }",
        doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": B_ROOT},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ci"}},
            }
        ),
    ),
    Pair(
        "trust-oidc",
        'role A.ci { trust { allow sts:AssumeRoleWithWebIdentity to federated '
        '"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" '
        'when token.actions.githubusercontent.com:sub like "repo:acme/*" '
        'and token.actions.githubusercontent.com:aud == "sts.amazonaws.com" } }',
        "role A.ci { trust POLICY }",
        doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                },
            }
        ),
    ),
    Pair(
        "scp",
        'organization Org { scp Guard { deny not iam:*, sts:* when aws:RequestedRegion not in ["us-east-1", "eu-west-1"]\n'
        ' deny s3:DeleteBucket } attach Guard }',
        "organization Org { scp Guard POLICY attach Guard }",
        doc(
            {
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            },
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
        ),
    ),
    Pair(
        "rcp",
        "organization Org { rcp Tls { deny s3:* to anyone when aws:SecureTransport is false } attach Tls }",
        "organization Org { rcp Tls POLICY attach Tls }",
        doc(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    ),
    Pair(
        "endpoint",
        'endpoint A.s3 "vpce-0123456789abcdef0" { allow s3:GetObject on A.bucket/* to anyone }',
        'endpoint A.s3 "vpce-0123456789abcdef0" { policy POLICY }',
        doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": OBJECTS}),
    ),
    Pair(
        "conditions-with-several-operators",
        "role A.dev { policy Guarded { allow s3:GetObject on A.bucket/* when "
        'aws:PrincipalTag/team == "data" and aws:ResourceTag/team == "data" and aws:SourceIp in 10.0.0.0/8 '
        'and aws:SecureTransport is true and aws:PrincipalArn like "arn:aws:iam::*:role/etl-*" '
        'and aws:CurrentTime before "2030-01-01T00:00:00Z" and s3:max-keys <= 100 and aws:SourceVpce exists '
        'and any aws:TagKeys in ["team"] and aws:SourceVpc? == "vpc-1" } }',
        "role A.dev { policy Guarded POLICY }",
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": OBJECTS,
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/team": "data", "aws:ResourceTag/team": "data"},
                    "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                    "Bool": {"aws:SecureTransport": "true"},
                    "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/etl-*"},
                    "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                    "NumericLessThanEquals": {"s3:max-keys": "100"},
                    "Null": {"aws:SourceVpce": "false"},
                    "ForAnyValue:StringEquals": {"aws:TagKeys": "team"},
                    "StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"},
                },
            }
        ),
    ),
    Pair(
        "not-resource-and-policy-variables",
        'role A.dev { policy Home { deny s3:* on not ["arn:aws:s3:::data/home/${aws:username}/*"] '
        'when s3:prefix not like "home/${aws:username}/*" } }',
        "role A.dev { policy Home POLICY }",
        doc(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": "arn:aws:s3:::data/home/${aws:username}/*",
                "Condition": {"StringNotLike": {"s3:prefix": "home/${aws:username}/*"}},
            }
        ),
    ),
]


@pytest.mark.parametrize("pair", PAIRS, ids=[p.id for p in PAIRS])
def test_inline_json_loads_as_the_dsl_does(pair: Pair) -> None:
    assert without_spans(load_model(pair.with_json())) == without_spans(load_model(pair.dsl))


@pytest.mark.parametrize("pair", PAIRS, ids=[p.id for p in PAIRS])
def test_json_file_loads_as_the_dsl_does(pair: Pair, tmp_path: Path) -> None:
    assert without_spans(load_model(pair.with_file(tmp_path / "policy.json"))) == without_spans(load_model(pair.dsl))


@pytest.mark.parametrize("pair", PAIRS, ids=[p.id for p in PAIRS])
def test_dsl_exports_the_document_it_was_paired_with(pair: Pair) -> None:
    model = load_model(pair.dsl)
    exported = [p.to_iam_json() for _, p in model.policies()]
    assert pair.document in exported


def test_json_statements_with_numbers_and_booleans_read_as_text() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
                "Condition": {"NumericLessThanEquals": {"s3:max-keys": 100}, "Bool": {"aws:SecureTransport": True}},
            }
        ],
    }
    from_json = load_model(f"role A.dev {{ policy P json {json.dumps(document)} }}")
    from_dsl = load_model("role A.dev { policy P { allow s3:ListBucket on A.bucket when s3:max-keys <= 100 "
                          "and aws:SecureTransport is true } }")
    assert without_spans(from_json) == without_spans(from_dsl)


# ------------------------------------------------------------------ the old Version
LEGACY = {
    "Version": "2008-10-17",
    "Id": "LegacyPolicy",
    "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": OBJECTS}],
}
LEGACY_IDENTITY = {
    "Version": "2008-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}],
}
LEGACY_PLACES = [
    ("resource", 'resource A.bucket : s3:bucket "data" { policy POLICY }', "A.bucket:policy", LEGACY),
    ("endpoint", 'endpoint A.s3 "vpce-1" { policy POLICY }', "A.s3:policy", LEGACY),
    ("trust", "role A.old { trust POLICY }", "A.old:trust", {**LEGACY, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": B_ROOT}, "Action": "sts:AssumeRole"}]}),
    ("identity", "role A.old { policy Legacy POLICY }", "A.old:Legacy", LEGACY_IDENTITY),
    ("managed", "policy A.Legacy POLICY", "A.Legacy", LEGACY_IDENTITY),
    ("scp", "organization Org { scp Legacy POLICY }", "Org:Legacy", LEGACY_IDENTITY),
]


@pytest.mark.parametrize("source", ["json", "file"], ids=["inline-json", "from-file"])
@pytest.mark.parametrize(("place", "owner", "document"), [p[1:] for p in LEGACY_PLACES], ids=[p[0] for p in LEGACY_PLACES])
def test_2008_version_documents_keep_their_version(place: str, owner: str, document: dict[str, Any], source: str, tmp_path: Path) -> None:
    if source == "json":
        text = place.replace("POLICY", "json " + json.dumps(document))
    else:
        path = tmp_path / "legacy.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        text = place.replace("POLICY", f"from {json.dumps(str(path))}")
    policy = policy_of(load_model(text), owner)
    assert policy.version == "2008-10-17"
    assert policy.to_iam_json() == document


def test_a_document_without_version_exports_without_one() -> None:
    document = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": OBJECTS}]}
    text = 'resource A.bucket : s3:bucket "data" { policy json ' + json.dumps(document) + " }"
    policy = policy_of(load_model(text), "A.bucket:policy")
    assert policy.version is None
    assert policy.to_iam_json() == document


# ------------------------------------------------------------------ property: DSL -> JSON -> model
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:Get*", "sqs:SendMessage", "*"]
VERBS = ["read", "write", "list"]
# Each condition has its own key, so no operator/key pair repeats (E024).
CONDITIONS = [
    'aws:PrincipalTag/team == "data"',
    'aws:RequestedRegion in ["us-east-1", "eu-west-1"]',
    's3:prefix not like "tmp/*"',
    'aws:PrincipalArn like "arn:aws:iam::*:role/etl-*"',
    'aws:SourceArn? != "arn:aws:sns:us-east-1:111111111111:t"',
    "aws:SourceIp not in [10.0.0.0/8, 192.168.0.0/16]",
    "aws:SecureTransport is true",
    'aws:CurrentTime after "2024-01-01T00:00:00Z"',
    "aws:EpochTime < 1893456000",
    "s3:max-keys >= 5",
    "aws:SourceVpce not exists",
    'any aws:TagKeys in ["team", "env"]',
    'all aws:PrincipalOrgPaths like "o-abc/*"',
    'StringNotEqualsIfExists aws:SourceVpc ["vpc-1"]',
    'aws:userid like "AROA*:${aws:username}"',
]
PRINCIPALS = [
    "account B",
    "account 123456789012",
    "B.SomeRole",
    "A.alice",
    '"arn:aws:iam::333333333333:role/Auditor"',
    "service sns.amazonaws.com",
    "federated cognito-identity.amazonaws.com",
    'canonical "abc123"',
]
IDENTITY_RESOURCES = ["A.bucket", "A.bucket/*", 'A.bucket/"logs/*"', '"arn:aws:s3:::other/*"', "*"]
RESOURCE_BLOCK_RESOURCES = ["self", "self/*", 'self/"logs/*"']


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


@st.composite
def statements(draw: st.DrawFn, place: str) -> str:
    effect = draw(st.sampled_from(["allow", "deny"]))
    negate_actions = effect == "deny" and draw(st.booleans())
    uses_verbs = not negate_actions and draw(st.booleans())
    pool = VERBS if uses_verbs else ACTIONS
    actions = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    parts = [effect, ("not " if negate_actions else "") + _listed(actions)]
    if place != "trust":
        # A verb needs a resource its actions act on: the bucket, not only its objects.
        pool = IDENTITY_RESOURCES if place in ("identity", "scp") else RESOURCE_BLOCK_RESOURCES
        if uses_verbs:
            pool = ["A.bucket", "*"] if place in ("identity", "scp") else ["self"]
        resources = draw(st.none() | st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        if resources is not None:
            negate_resources = not uses_verbs and draw(st.booleans())
            parts.append("on " + ("not " if negate_resources else "") + _listed(resources))
    if place in ("resource", "trust"):
        negate_principals = place == "resource" and effect == "deny" and draw(st.booleans())
        anyone = not negate_principals and draw(st.booleans())
        principals = ["anyone"] if anyone else draw(st.lists(st.sampled_from(PRINCIPALS), min_size=1, max_size=3, unique=True))
        parts.append("to " + ("not " if negate_principals else "") + _listed(principals))
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True))
    if conditions:
        parts.append("when " + " and ".join(conditions))
    sid = draw(st.none() | st.from_regex(r"[A-Z][A-Za-z0-9]{0,8}", fullmatch=True))
    return (f"sid {sid} " if sid else "") + " ".join(parts)


# Where a statement is written, where its policy's JSON goes instead, and the policy's label.
PLACES = {
    "identity": ("role A.dev { policy P { BODY } }", "role A.dev { policy P POLICY }", "A.dev:P"),
    "resource": ('resource A.bucket : s3:bucket "data" { BODY }', 'resource A.bucket : s3:bucket "data" { policy POLICY }', "A.bucket:policy"),
    "trust": ("role A.deploy { trust { BODY } }", "role A.deploy { trust POLICY }", "A.deploy:trust"),
    "scp": ("organization Org { scp Guard { BODY } }", "organization Org { scp Guard POLICY }", "Org:Guard"),
}


@pytest.mark.parametrize("place", list(PLACES), ids=list(PLACES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_exported_json_loads_back_into_the_same_model(place: str, data: st.DataObject) -> None:
    dsl_form, json_form, owner = PLACES[place]
    body = "\n".join(data.draw(st.lists(statements(place), min_size=1, max_size=3), label="statements"))
    from_dsl = load_model(dsl_form.replace("BODY", body))
    document = policy_of(from_dsl, owner).to_iam_json()
    from_json = load_model(json_form.replace("POLICY", "json " + json.dumps(document)))
    assert without_spans(policy_of(from_json, owner)) == without_spans(policy_of(from_dsl, owner))
    assert without_spans(from_json) == without_spans(from_dsl)
