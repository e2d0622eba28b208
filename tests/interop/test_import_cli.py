"""`iamdsl import authz`: where the model goes, what is said on the way, and `--keep-json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamdsl
from aws_support import ACCOUNT, OTHER, allow, authz, aws_managed, attached, doc, managed, role, write
from iamdsl.cli import main
from iamdsl.language.loader import load_paths
from iamdsl.language.printer import comparable

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.fixture
def account(tmp_path: Path) -> Path:
    data = authz(
        roles=[
            role("app", RolePolicyList=[{"PolicyName": "work", "PolicyDocument": doc(allow("sqs:SendMessage"))}],
                 AttachedManagedPolicies=[attached(READ_ONLY), attached(f"arn:aws:iam::{ACCOUNT}:policy/Base")]),
            role("web", InstanceProfileList=[{"InstanceProfileName": "web"}]),
        ],
        policies=[managed("Base", doc(allow("*")), doc(allow("dynamodb:GetItem"))), aws_managed("ReadOnlyAccess", doc(allow("s3:Get*")))],
    )
    return write(tmp_path / "authz.json", data)


def test_the_model_goes_to_standard_output_and_the_summary_to_standard_error(account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "authz", str(account), "--account-names", f"{ACCOUNT}=prod"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("region us-east-1\n\naccount prod 111111111111\n")
    model = iamdsl.loads(captured.out)
    assert set(model.principals) == {"prod.app", "prod.web"}
    assert "warning[W120]: $.RoleDetailList[1].InstanceProfileList[0]: instance profile `web` is not modelled" in captured.err
    assert captured.err.rstrip().endswith(
        "imported 1 account: 2 roles, 0 users, 0 groups, 2 managed policies (1 AWS-managed), 0 resources; "
        "5 statements (1 non-default policy version not in effect, left out)"
    )


def test_output_to_a_file(account: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "deep" / "model.iam"
    assert main(["import", "authz", str(account), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.rstrip().endswith(f"wrote {out}")
    assert load_paths([out]).model.principals.keys() == {f"acct_{ACCOUNT}.app", f"acct_{ACCOUNT}.web"}


def test_keep_json_refers_to_the_documents_and_decides_alike(account: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain, kept = tmp_path / "plain.iam", tmp_path / "kept.iam"
    assert main(["import", "authz", str(account), "-o", str(plain)]) == 0
    assert main(["import", "authz", str(account), "-o", str(kept), "--keep-json"]) == 0
    err = capsys.readouterr().err
    assert f"wrote {kept} and 5 policy files in {tmp_path}/kept.policies/" in err
    text = kept.read_text()
    assert f'trust from "kept.policies/acct_{ACCOUNT}/role/app/trust.json"' in text
    assert f'policy work from "kept.policies/acct_{ACCOUNT}/role/app/inline/work.json"' in text
    assert 'policy aws.ReadOnlyAccess from "kept.policies/aws/policy/ReadOnlyAccess.json"' in text
    document = json.loads((tmp_path / "kept.policies" / f"acct_{ACCOUNT}" / "policy" / "Base.json").read_text())
    assert document == doc(allow("dynamodb:GetItem"))  # the default version only
    assert comparable(load_paths([kept]).model) == comparable(load_paths([plain]).model)


def test_keep_json_replaces_the_old_documents_whole(account: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept.iam"
    stale = tmp_path / "kept.policies" / "stale.json"
    stale.parent.mkdir()
    stale.write_text("{}")
    assert main(["import", "authz", str(account), "-o", str(kept), "--keep-json"]) == 0
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["authz.json", "kept.iam", "kept.policies"]  # nothing temporary left


def test_keep_json_needs_an_output_file(account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "authz", str(account), "--keep-json"]) == 2
    assert "--keep-json writes the policy documents beside the model: give -o OUT.iam too" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["prod", "12=prod", f"{ACCOUNT}=", f"{ACCOUNT}"])
def test_account_names_must_be_id_equals_name(account: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "authz", str(account), "--account-names", value])
    assert exit_info.value.code == 2
    assert "is not ID=NAME with a 12-digit account ID" in capsys.readouterr().err


def test_account_names_take_several_pairs(tmp_path: Path, account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = write(tmp_path / "other.json", authz(roles=[role("x", account=OTHER)]))
    assert main(["import", "authz", str(account), str(other), "--account-names", f"{ACCOUNT}=prod, {OTHER}=dev"]) == 0
    assert set(iamdsl.loads(capsys.readouterr().out).accounts) == {"prod", "dev"}


def test_json_format_gives_the_summary_the_findings_and_the_model(account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "authz", str(account), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is True and document["output"] is None and document["files"] == []
    assert document["summary"]["roles"] == 2
    assert [d["code"] for d in document["diagnostics"]] == ["W120"]
    assert iamdsl.loads(document["iam"]).principals.keys() == {f"acct_{ACCOUNT}.app", f"acct_{ACCOUNT}.web"}


def test_many_warnings_are_cut_short_in_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roles = [role(f"r{i}", Unknown=i) for i in range(25)]
    path = write(tmp_path / "authz.json", authz(roles=roles))
    assert main(["import", "authz", str(path), "-o", str(tmp_path / "m.iam")]) == 0
    err = capsys.readouterr().err
    assert err.count("warning[W121]") == 20
    assert "… and 5 more warnings (--format json lists them all)" in err


def test_help_describes_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "authz", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--resources", "--org", "--endpoints", "--account-names", "--keep-json", "-o", "--format"):
        assert option in out
