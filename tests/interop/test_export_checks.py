"""What stops an export, and what it says on the way (X001–X103), checked before a file is written."""

from __future__ import annotations

import pytest

import iamdsl
from iamdsl.interop.exporter import export_model


def _codes(text: str, export_format: str = "iam-json", **options) -> list[tuple[str, str]]:
    result = export_model(iamdsl.loads(text), export_format, **options)
    return [(d.code, d.message) for d in result.diagnostics]


def test_derived_account_ids_are_refused_naming_the_account_and_the_flag() -> None:
    result = export_model(iamdsl.loads("account A\naccount B 222222222222\nrole A.R { trust { allow assume to account B } }\n"))
    (error,) = result.errors
    assert error.code == "X001"
    assert "account `A` has no ID" in error.message
    assert "--placeholder-ids" in error.help
    assert (error.span.line, error.span.column) == (1, 1)
    assert result.files == {}


def test_placeholder_ids_export_with_a_warning() -> None:
    model = iamdsl.loads("account A\nrole A.R { trust { allow assume to service ec2.amazonaws.com } }\n")
    result = export_model(model, placeholder_ids=True)
    assert not result.errors
    assert [d.code for d in result.warnings] == ["X101"]
    assert model.accounts["A"].id in result.warnings[0].message
    assert result.files


@pytest.mark.parametrize("export_format", ["iam-json", "terraform"])
def test_a_policy_of_another_account_cannot_be_attached(export_format: str) -> None:
    text = (
        "account A 111111111111\naccount B 222222222222\npolicy A.P { allow s3:* }\n"
        "role B.R { attach A.P\n boundary A.P\n trust { allow assume to account A } }\n"
    )
    result = export_model(iamdsl.loads(text), export_format)
    messages = [d.message for d in result.errors]
    assert messages == [
        "role `B.R` attaches `A.P`, a policy of account A",
        "role `B.R` uses as its boundary `A.P`, a policy of account A",
    ]
    assert {d.code for d in result.errors} == {"X002"}
    assert result.files == {}


def test_names_iam_refuses_are_errors() -> None:
    long_name = "R" * 65
    text = (
        f'account A 111111111111\nrole A.{long_name} {{ trust {{ allow assume to account A }} }}\n'
        'user A."a/b"\npolicy A."p q" { allow s3:* }\n'
    )
    found = _codes(text)
    assert ("X002", f"`{long_name}` is not a name IAM accepts for a role") in found
    assert ("X002", "`a/b` is not a name IAM accepts for a user") in found
    assert ("X002", "`p q` is not a name IAM accepts for a managed policy") in found


def test_names_at_the_limit_are_accepted() -> None:
    text = f"account A 111111111111\nrole A.{'R' * 64} {{ trust {{ allow assume to account A }} }}\ngroup A.{'G' * 128}\n"
    assert not export_model(iamdsl.loads(text)).errors


def test_empty_documents_and_missing_trust_policies_are_warned() -> None:
    text = (
        "account A 111111111111\npolicy A.Empty { }\nrole A.NoTrust\n"
        'resource A.q : sqs:queue "q" { policy json {"Version": "2012-10-17", "Statement": []} }\n'
    )
    found = _codes(text)
    assert ("X102", "managed policy `A.Empty` has no statements: AWS refuses an empty policy document") in found
    assert ("X102", "role `A.NoTrust` has no trust policy, which AWS requires: it is exported with one that has no statements") in found
    assert ("X102", "the policy of `A.q` has no statements: AWS refuses an empty policy document") in found


def test_what_no_format_holds_is_warned_not_dropped() -> None:
    text = (
        'account A 111111111111 { tags { env = "prod" } }\naccount P 999999999999 external\n'
        "role P.Guess { trust { allow assume to account A } }\n"
        'resource A.key : kms:key "k" { grants enabled\n allow kms:* on * to account A }\n'
    )
    found = _codes(text)
    assert ("X103", "the tags of account `A` are not exported") in found
    assert ("X103", "account `P` is external, so the 1 declaration in it is not exported") in found
    assert ("X103", "`A.key` declares `grants enabled`, which is not exported") in found


def test_group_tags_and_endpoint_tags_are_warned() -> None:
    text = (
        'account A 111111111111\ngroup A.devs { tags { team = "x" } }\n'
        'endpoint A.e "vpce-1" { tags { net = "private" }\n allow * on * to anyone }\n'
    )
    found = _codes(text)
    assert ("X103", "group `A.devs` has tags, which IAM groups cannot have: they are not exported") in found
    terraform = _codes(text, "terraform")
    assert ("X103", "the tags of endpoint `A.e` are not written in Terraform") in terraform


def test_an_organization_without_management_account_is_warned() -> None:
    text = "account A 111111111111\norganization o { account A }\n"
    found = _codes(text)
    assert ("X103", "organization `o` names no management account, so its ARNs are not exported") in found
    files = export_model(iamdsl.loads(text)).files
    assert "Arn" not in files["organizations/o/list-roots.json"]


def test_s3_mechanisms_are_exported_as_the_settings_they_stand_for() -> None:
    text = 'account A 111111111111\nresource A.b : s3:bucket "b" { acls enabled\n block_public_access enabled }\n'
    result = export_model(iamdsl.loads(text))
    assert not result.diagnostics
    assert "accounts/A/resources/b/ownership-controls.json" in result.files
    assert "accounts/A/resources/b/public-access-block.json" in result.files
    terraform = export_model(iamdsl.loads(text), "terraform")
    assert [d.message for d in terraform.warnings] == [
        "`A.b` declares `acls enabled`, which is not exported in Terraform",
        "`A.b` declares `block_public_access enabled`, which is not exported in Terraform",
    ]


def test_a_clean_design_exports_without_findings() -> None:
    text = (
        "account A 111111111111\naccount B 222222222222\n"
        'resource A.repo : ecr:repository "app" { allow pull to account B }\n'
        "role B.R { trust { allow assume to service ecs-tasks.amazonaws.com }\n allow pull on A.repo }\n"
    )
    for export_format in ("iam-json", "terraform"):
        result = export_model(iamdsl.loads(text), export_format)
        assert result.diagnostics == ()
        assert result.files


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        export_model(iamdsl.loads("account A 111111111111\n"), "yaml")
