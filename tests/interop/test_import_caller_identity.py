"""Which account an authorization-details file is: its ARNs, `caller-identity.json` beside it, or ACCOUNT_ID=FILE (issue #8).

An account with no role, user, group or customer-managed policy prints
empty authorization details, which name no account.  `aws sts
get-caller-identity`, saved beside them, says which account it is, so the
account is imported as a modelled account, with its root user, instead of
being refused.  Whatever says the account must agree; a file nothing
identifies is still a located error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iamdsl
from aws_support import ACCOUNT, OTHER, authz, doc, import_errors, import_files, role, write
from iamdsl.cli import main
from iamdsl.engine.decision import Outcome
from iamdsl.interop.aws_output import render
from iamdsl.language.errors import render_text

SANDBOX = "333333333333"
BUCKET = "arn:aws:s3:::sandbox-data"


def identity(account: str = SANDBOX, arn: str | None = None, **extra) -> dict:
    """What `aws sts get-caller-identity` prints, here for a role session."""
    return {"UserId": "AROAEXAMPLE:reader", "Account": account, "Arn": arn or f"arn:aws:sts::{account}:assumed-role/Reader/reader", **extra}


def account_dir(tmp_path: Path, name: str, details: dict, caller: dict | None) -> Path:
    """One account's directory, as the loop in docs/import.md (and `iamdsl export`) lays it out."""
    path = write(tmp_path / name / "authorization-details.json", details)
    if caller is not None:
        write(tmp_path / name / "caller-identity.json", caller)
    return path


def bucket_index(tmp_path: Path, owner: str) -> Path:
    policy = doc({"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})
    write(tmp_path / "res" / "policy.json", {"Policy": json.dumps(policy)})
    return write(tmp_path / "res" / "index.json", {BUCKET: {"Account": owner, "Name": "data", "Files": ["policy.json"]}})


def test_an_account_without_entities_is_identified_by_the_caller_identity_beside_it(tmp_path: Path) -> None:
    prod = account_dir(tmp_path, "prod", authz(roles=[role("app")]), identity(ACCOUNT))
    sandbox = account_dir(tmp_path, "sandbox", authz(), identity())
    result = import_files(prod, sandbox, resources=bucket_index(tmp_path, SANDBOX), account_names={ACCOUNT: "prod", SANDBOX: "sandbox"})
    model = result.model
    assert result.warnings == []
    assert {a.name: (a.id, a.external) for a in model.accounts.values()} == {"prod": (ACCOUNT, False), "sandbox": (SANDBOX, False)}
    assert [e.qualified_name for e in model.principals.values()] == ["prod.app"]
    # a modelled account has its root user, which owns the bucket; prod gets in through the bucket policy
    assert model.ask('can sandbox.root s3:PutObject sandbox.data/"x"').outcome is Outcome.ALLOWED
    assert model.ask('can prod.root s3:GetObject sandbox.data/"x"').outcome is Outcome.ALLOWED
    assert "account sandbox 333333333333\n" in render(model)[0]


def test_without_it_the_account_is_refused_with_a_located_error(tmp_path: Path) -> None:
    sandbox = account_dir(tmp_path, "sandbox", authz(), None)
    error = import_errors(sandbox)
    (diagnostic,) = error.errors
    assert diagnostic.code == "E050"
    assert diagnostic.message.startswith("$: nothing says which account this is: the file has no role, user, group or customer-managed policy")
    assert (diagnostic.span.file, diagnostic.span.line, diagnostic.span.column) == (str(sandbox), 1, 1)
    assert "caller-identity.json" in diagnostic.help and "ACCOUNT_ID=FILE" in diagnostic.help


def test_account_id_equals_file_names_the_account(tmp_path: Path) -> None:
    empty = write(tmp_path / "sandbox-authz.json", authz())
    model = import_files(Path(f"{SANDBOX}={empty}")).model
    assert [(a.name, a.id, a.external) for a in model.accounts.values()] == [(f"acct_{SANDBOX}", SANDBOX, False)]


def test_the_partition_comes_from_the_caller_identity(tmp_path: Path) -> None:
    arn = f"arn:aws-us-gov:iam::{SANDBOX}:user/auditor"
    model = import_files(account_dir(tmp_path, "gov", authz(), identity(arn=arn))).model
    assert model.partition == "aws-us-gov"


def test_the_caller_identity_must_agree_with_the_arns(tmp_path: Path) -> None:
    path = account_dir(tmp_path, "sandbox", authz(roles=[role("app")]), identity())
    error = import_errors(path)
    (diagnostic,) = error.errors
    caller = str(tmp_path / "sandbox" / "caller-identity.json")
    assert diagnostic.code == "E051" and diagnostic.span.file == caller
    assert diagnostic.message == (
        f"$.Account: this caller identity is of the account {SANDBOX}, but `{path}` beside it is of the account {ACCOUNT} "
        f"(`arn:aws:iam::{ACCOUNT}:role/app` at $.RoleDetailList[0].Arn)"
    )
    assert f'"Account": "{SANDBOX}"' in render_text(error.diagnostics, error.sources)
    assert "a directory of their own" in diagnostic.help


def test_account_id_equals_file_must_agree_with_the_arns(tmp_path: Path) -> None:
    path = write(tmp_path / "authz.json", authz(roles=[role("app")]))
    (diagnostic,) = import_errors(Path(f"{OTHER}={path}")).errors
    assert diagnostic.code == "E051" and diagnostic.span.file == str(path)
    assert diagnostic.message.startswith(f"$.RoleDetailList[0].Arn: the file was given as the account {OTHER}")


def test_account_id_equals_file_must_agree_with_the_caller_identity(tmp_path: Path) -> None:
    path = account_dir(tmp_path, "sandbox", authz(), identity())
    (diagnostic,) = import_errors(Path(f"{OTHER}={path}")).errors
    assert diagnostic.code == "E051" and diagnostic.message.startswith(f"$.Account: this caller identity is of the account {SANDBOX}")


def test_an_agreeing_caller_identity_is_read_once_and_changes_nothing(tmp_path: Path) -> None:
    with_it = import_files(account_dir(tmp_path, "a", authz(roles=[role("app")]), identity(ACCOUNT))).model
    without = import_files(account_dir(tmp_path, "b", authz(roles=[role("app")]), None)).model
    assert with_it == without


@pytest.mark.parametrize(
    ("caller", "code", "message"),
    [
        (authz(), "E050", "$: this is not the output of `aws sts get-caller-identity`"),
        ([1], "E050", "$: this is not the output of `aws sts get-caller-identity`: expected an object with UserId, Account and Arn, found a list"),
        (identity(account="33333"), "E050", "$.Account: `33333` is not an account ID (12 digits)"),
        (identity(arn="Reader"), "E050", "$.Arn: `Reader` is not the ARN of a caller"),
        (identity(arn=f"arn:aws:iam::{OTHER}:root"), "E051", f"$.Arn: the caller's ARN is in the account {OTHER}, and `Account` says {SANDBOX}"),
        ({"UserId": "x", "Account": SANDBOX}, "E050", "$: `Arn` is missing"),
    ],
    ids=["authz-output", "a-list", "short-id", "not-an-arn", "arn-of-another-account", "no-arn"],
)
def test_a_broken_caller_identity_is_a_located_error(tmp_path: Path, caller, code: str, message: str) -> None:
    path = account_dir(tmp_path, "sandbox", authz(), caller)
    (diagnostic,) = import_errors(path).errors
    assert diagnostic.code == code and diagnostic.message.startswith(message)
    assert diagnostic.span.file == str(tmp_path / "sandbox" / "caller-identity.json")


def test_an_unknown_field_in_the_caller_identity_is_a_warning(tmp_path: Path) -> None:
    result = import_files(account_dir(tmp_path, "sandbox", authz(), identity(Region="eu-west-1")))
    assert [(d.code, d.message) for d in result.warnings] == [("W121", "$.Region: unknown field `Region`, not read")]


def test_a_caller_identity_given_as_authorization_details_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "caller.json", identity())
    (diagnostic,) = import_errors(path).errors
    assert diagnostic.code == "E050" and "aws sts get-caller-identity" in diagnostic.help


def test_a_bad_account_id_before_the_equals_sign(tmp_path: Path) -> None:
    (diagnostic,) = import_errors(Path("12345=authz.json")).errors
    assert diagnostic.code == "E002" and "`12345` is not an account ID (12 digits)" in diagnostic.message


def test_a_file_really_called_id_equals_name_is_read_as_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / f"{OTHER}=authz.json", authz(roles=[role("app")]))
    assert [a.id for a in import_files(path).model.accounts.values()] == [ACCOUNT]


def test_the_command_line_takes_both_forms_and_writes_modelled_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beside = account_dir(tmp_path, "sandbox", authz(), identity())
    flat = write(tmp_path / "dev-authz.json", authz())
    out = tmp_path / "model.iam"
    assert main(["import", "authz", str(beside), f"{OTHER}={flat}", "--account-names", f"{SANDBOX}=sandbox,{OTHER}=dev", "-o", str(out)]) == 0
    assert "imported 2 accounts" in capsys.readouterr().err
    model = iamdsl.load(str(out))
    assert {a.name: (a.id, a.external) for a in model.accounts.values()} == {"sandbox": (SANDBOX, False), "dev": (OTHER, False)}


def test_the_command_line_exits_2_on_a_file_nothing_identifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "authz.json", authz())
    out = tmp_path / "model.iam"
    assert main(["import", "authz", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1:1: error[E050]: $: nothing says which account this is" in err
    assert not out.exists()
