"""`get-account-authorization-details` -> model: what each part of the output becomes (issue #8, item 1).

The written `.iam` text loads back to an equal model (`comparable`) and makes
the same decisions; it is already in `iamdsl fmt`'s canonical layout.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamdsl
from aws_support import (
    ACCOUNT,
    OTHER,
    allow,
    attached,
    authz,
    aws_managed,
    doc,
    group,
    import_errors,
    import_files,
    managed,
    role,
    user,
    write,
)
from iamdsl.interop.aws_output import render
from iamdsl.language.fmt import format_source
from iamdsl.language.printer import comparable
from iamdsl.model import Model, PolicyKind, PrincipalKind
from iamdsl.testing.aws_data import dumps, synthetic_authz

BASE = f"arn:aws:iam::{ACCOUNT}:policy/team/Base"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
LAMBDA = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def sample() -> dict:
    return authz(
        groups=[group("Admins", GroupPolicyList=[{"PolicyName": "mfa", "PolicyDocument": doc({"Effect": "Deny", "Action": "*", "Resource": "*",
                                                                                                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})}],
                      AttachedManagedPolicies=[attached(READ_ONLY)])],
        users=[user("alice", GroupList=["Admins"], Tags=[{"Key": "team", "Value": "ops"}],
                    PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": BASE})],
        roles=[
            role("Deployer", path="/ci/", RolePolicyList=[{"PolicyName": "deploy", "PolicyDocument": doc(allow("ecs:UpdateService"))}],
                 AttachedManagedPolicies=[attached(BASE), attached(LAMBDA)], Tags=[{"Key": "env", "Value": "prod"}],
                 trust=doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"})),
            role("worker"),
        ],
        policies=[
            # v1 allows everything, but v2 is the default: only v2 is in effect
            managed("Base", doc(allow("*")), doc(allow(["s3:GetObject", "ecs:*"])), path="/team/", default=1),
            aws_managed("ReadOnlyAccess", doc(allow(["s3:Get*", "s3:List*"]))),
            aws_managed("AWSLambdaBasicExecutionRole", doc(allow(["logs:CreateLogStream", "logs:PutLogEvents"])), path="/service-role/"),
        ],
    )


@pytest.fixture
def imported(tmp_path: Path):
    return import_files(write(tmp_path / "authz.json", sample()))


def test_entities_keep_their_arns_paths_tags_and_policies(imported) -> None:
    model = imported.model
    account = model.accounts[f"acct_{ACCOUNT}"]
    assert (account.id, account.external, account.id_derived) == (ACCOUNT, False, False)
    deployer = model.principals[f"acct_{ACCOUNT}.Deployer"]
    assert deployer.kind is PrincipalKind.ROLE
    assert deployer.arn == f"arn:aws:iam::{ACCOUNT}:role/ci/Deployer" and deployer.path == "/ci/"
    assert deployer.tags == {"env": "prod"}
    assert [p.name for p in deployer.inline_policies] == ["deploy"]
    assert deployer.managed_policies == (BASE, LAMBDA)
    assert deployer.trust_policy is not None and deployer.trust_policy.kind is PolicyKind.TRUST
    assert deployer.trust_policy.statements[0].principals[0].value == f"arn:aws:iam::{OTHER}:root"
    alice = model.principals[f"acct_{ACCOUNT}.alice"]
    assert alice.groups == (f"acct_{ACCOUNT}.Admins",) and alice.boundary == BASE and alice.tags == {"team": "ops"}
    admins = model.principals[f"acct_{ACCOUNT}.Admins"]
    assert admins.kind is PrincipalKind.GROUP and admins.managed_policies == (READ_ONLY,)


def test_managed_policies_use_the_default_version_and_keep_their_path(imported) -> None:
    model = imported.model
    base = model.managed_policies[BASE]
    assert (base.account, base.name) == (f"acct_{ACCOUNT}", "team/Base")
    assert base.policy.statements[0].actions == ("s3:GetObject", "ecs:*")
    lambda_policy = model.managed_policies[LAMBDA]
    assert (lambda_policy.account, lambda_policy.name) == ("aws", "service-role/AWSLambdaBasicExecutionRole")
    assert imported.summary["non-default versions"] == 1


def test_only_the_default_version_decides(imported) -> None:
    model = imported.model
    who = f"acct_{ACCOUNT}.Deployer"
    assert model.ask(f"can {who} ecs:UpdateService *").outcome.value == "allowed"
    # only v1 (not in effect) allows iam:CreateUser
    assert model.ask(f"can {who} iam:CreateUser *").outcome.value == "implicit_deny"


def test_the_text_loads_back_to_an_equal_model(imported) -> None:
    text, files = render(imported.model)
    assert files == {}
    assert comparable(iamdsl.loads(text)) == comparable(imported.model)


def test_the_text_is_already_formatted(imported) -> None:
    text, _ = render(imported.model)
    assert format_source(text) == text


def test_the_group_deny_and_the_boundary_apply_after_import(imported) -> None:
    model = imported.model
    alice = f"acct_{ACCOUNT}.alice"
    # ReadOnlyAccess through Admins allows s3:List*, but the boundary (Base v2) does not
    assert model.ask(f"can {alice} s3:ListAllMyBuckets * with aws:MultiFactorAuthPresent = true").outcome.value == "implicit_deny"
    # the group's Deny without MFA
    assert model.ask(f"can {alice} s3:GetObject * with aws:MultiFactorAuthPresent = true").outcome.value == "allowed"
    assert model.ask(f"can {alice} s3:GetObject * with aws:MultiFactorAuthPresent = false").outcome.value == "explicit_deny"


@pytest.mark.parametrize("form", ["object", "json-string", "url-encoded"])
def test_documents_are_read_in_every_form_the_cli_prints(tmp_path: Path, form: str) -> None:
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    inline = doc(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a b%20c"}}))

    def encode(document: dict):
        if form == "object":
            return document
        text = json.dumps(document)
        return text if form == "json-string" else urllib.parse.quote(text, safe="")

    data = authz(roles=[role("r", trust=encode(trust), RolePolicyList=[{"PolicyName": "p", "PolicyDocument": encode(inline)}])])
    model = import_files(write(tmp_path / "authz.json", data)).model
    entity = model.principals[f"acct_{ACCOUNT}.r"]
    assert entity.trust_policy.statements[0].principals[0].value == "ec2.amazonaws.com"
    condition = entity.inline_policies[0].statements[0].conditions[0]
    assert condition.values == ("a b%20c",)  # a plain JSON string is never URL-decoded


def test_several_accounts_import_into_one_model_and_share_aws_managed_policies(tmp_path: Path) -> None:
    read_only = aws_managed("ReadOnlyAccess", doc(allow("s3:Get*")))
    first = write(tmp_path / "a.json", authz(roles=[role("r", AttachedManagedPolicies=[attached(READ_ONLY)])], policies=[read_only]))
    second = write(tmp_path / "b.json", authz(roles=[role("r", account=OTHER, AttachedManagedPolicies=[attached(READ_ONLY)])], policies=[read_only]))
    result = import_files(first, second, account_names={OTHER: "dev"})
    model = result.model
    assert set(model.accounts) == {f"acct_{ACCOUNT}", "dev"}
    assert {f"acct_{ACCOUNT}.r", "dev.r"} <= set(model.principals)
    assert [m.arn for m in model.managed_policies.values()] == [READ_ONLY]
    assert comparable(iamdsl.loads(render(model)[0])) == comparable(model)


def test_one_account_twice_is_an_error(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", authz(roles=[role("r")]))
    second = write(tmp_path / "b.json", authz(roles=[role("s")]))
    error = import_errors(first, second)
    assert [d.code for d in error.errors] == ["E051"]
    assert "already imported from" in error.errors[0].message and error.errors[0].span.file == str(second)


def test_a_role_and_a_user_with_one_name_keep_the_first_and_say_so(tmp_path: Path) -> None:
    result = import_files(write(tmp_path / "authz.json", authz(users=[user("deploy")], roles=[role("deploy")])))
    assert result.model.principals[f"acct_{ACCOUNT}.deploy"].kind is PrincipalKind.USER
    warning = next(d for d in result.diagnostics if d.code == "W120")
    assert warning.message.startswith("$.RoleDetailList[0].RoleName: the role `deploy` has the name of the user at $.UserDetailList[0]")
    assert "not supported" in warning.help


def test_instance_profiles_and_unknown_fields_are_warned_about_with_their_paths(tmp_path: Path) -> None:
    profile = {"Path": "/", "InstanceProfileName": "web", "InstanceProfileId": "AIPAX", "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/web",
               "CreateDate": "2024-01-01T00:00:00Z", "Roles": []}
    data = authz(roles=[role("web", InstanceProfileList=[profile], MaxSessionDuration=3600)])
    result = import_files(write(tmp_path / "authz.json", data))
    messages = {d.code: d.message for d in result.diagnostics}
    assert messages["W120"].startswith("$.RoleDetailList[0].InstanceProfileList[0]: instance profile `web` is not modelled")
    assert messages["W121"] == "$.RoleDetailList[0].MaxSessionDuration: unknown field `MaxSessionDuration`, not read"
    assert all(d.span is not None and d.span.file == str(tmp_path / "authz.json") for d in result.diagnostics)


def test_tags_on_a_managed_policy_are_not_dropped_in_silence(tmp_path: Path) -> None:
    policy = managed("Tagged", doc(allow("s3:GetObject")))
    policy["Tags"] = [{"Key": "owner", "Value": "x"}]
    result = import_files(write(tmp_path / "authz.json", authz(roles=[role("r")], policies=[policy])))
    assert any(d.code == "W120" and "tags of the managed policy `Tagged`" in d.message for d in result.diagnostics)


def test_policy_findings_name_the_statement(tmp_path: Path) -> None:
    inline = doc(allow("s3:GetObject"), allow("s3:NoSuchAction"))
    result = import_files(write(tmp_path / "authz.json", authz(roles=[role("r", RolePolicyList=[{"PolicyName": "p", "PolicyDocument": inline}])])))
    (warning,) = [d for d in result.diagnostics if d.code == "W108"]
    assert warning.message == "$.RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1]: unknown action `s3:NoSuchAction`"
    # and the statement stays in the model: AWS saves it, and it matches nothing
    assert len(result.model.principals[f"acct_{ACCOUNT}.r"].inline_policies[0].statements) == 2


def test_a_file_written_by_powershell_in_utf16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_bytes("\ufeff".encode("utf-16-le") + json.dumps(authz(roles=[role("r")])).encode("utf-16-le"))
    assert f"acct_{ACCOUNT}.r" in import_files(path).model.principals


def test_a_document_with_an_id_or_the_old_version_stays_json(tmp_path: Path) -> None:
    old = doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}"), version="2008-10-17")
    data = authz(roles=[role("r", RolePolicyList=[{"PolicyName": "old", "PolicyDocument": old}])])
    result = import_files(write(tmp_path / "authz.json", data))
    text, _ = render(result.model)
    assert '"Version": "2008-10-17"' in text
    loaded = iamdsl.loads(text)
    assert comparable(loaded) == comparable(result.model)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10_000), roles=st.integers(min_value=1, max_value=25))
def test_generated_accounts_round_trip(tmp_path: Path, seed: int, roles: int) -> None:
    path = tmp_path / f"authz-{seed}-{roles}.json"
    path.write_text(dumps(synthetic_authz(roles=roles, seed=seed)), encoding="utf-8")
    result = import_files(path)
    assert result.diagnostics == ()
    text, _ = render(result.model)
    loaded = iamdsl.loads(text)
    assert comparable(loaded) == comparable(result.model)
    _same_decisions(result.model, loaded)


def _same_decisions(first: Model, second: Model) -> None:
    """A sample of requests, decided alike by both models."""
    names = sorted(e.qualified_name for e in first.principals.values() if e.kind is not PrincipalKind.GROUP)[:6]
    for name in names:
        for action, resource in (("s3:GetObject", "*"), ("sqs:SendMessage", "*"), ("dynamodb:Query", "*")):
            query = f"can {name} {action} {resource}"
            try:
                a = first.ask(query).outcome
            except iamdsl.IamdslError:
                continue
            assert second.ask(query).outcome == a, query
