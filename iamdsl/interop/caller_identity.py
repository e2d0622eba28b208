"""`aws sts get-caller-identity` output -> the account an authorization-details file belongs to.

Stage: interop (AWS CLI JSON -> an account ID and its partition).

`aws iam get-account-authorization-details` never names its account: the
import reads it from the ARNs of the roles, users, groups and
customer-managed policies in it.  An account that has none of them prints
empty lists, which say nothing, and the account would be lost.  So the
import also reads what `aws sts get-caller-identity` printed with the same
credentials, saved as `caller-identity.json` in the same directory (one
directory per account: the layout docs/import.md's loop and `iamdsl export`
write).  When the file's ARNs name an account too, the two must agree
(aws_import.py checks it): a file in the wrong account's directory is an
error, never a silent mix-up.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from iamdsl.interop.aws_input import SHAPE_HELP, At, Findings, JsonFile, kind_of, read_json, required_string, unknown_fields

NAME = "caller-identity.json"  # beside an authorization-details file
COMMAND = "aws sts get-caller-identity"
_FIELDS = frozenset({"UserId", "Account", "Arn"})
_ACCOUNT = re.compile(r"\d{12}\Z")
# the caller: the root user, an IAM user, or a role session (arn:aws:sts::ID:assumed-role/…)
_CALLER_ARN = re.compile(r"arn:([a-z0-9-]+):(?:iam|sts)::(\d{12}):\S+\Z")


@dataclass(frozen=True, slots=True)
class Identity:
    """Which account a caller-identity file says, and where it says it."""

    account_id: str
    partition: str
    at: At  # `$.Account` of the file, where a disagreement is reported


def beside(authz_path: str) -> str | None:
    """The `caller-identity.json` in the directory of an authorization-details file, if there is one."""
    candidate = os.path.join(os.path.dirname(authz_path), NAME)
    return candidate if os.path.isfile(candidate) else None


def read_caller_identity(path: str, findings: Findings, files: dict[str, JsonFile]) -> Identity | None:
    """The account and partition of one `get-caller-identity` output; a problem is a located finding, and None."""
    file = read_json(path, findings)
    if file is None:
        return None
    files[file.name] = file
    at = file.root
    data = file.data
    if not isinstance(data, dict) or "Account" not in data:
        found = f"an object with {', '.join(sorted(data)[:4])}" if isinstance(data, dict) and data else kind_of(data)
        findings.error(
            "E050",
            f"this is not the output of `{COMMAND}`: expected an object with UserId, Account and Arn, found {found}",
            at,
            help=f"save what `{COMMAND}` prints, run with the credentials that read the authorization details beside it",
        )
        return None
    unknown_fields(data, _FIELDS, at, findings)
    account_id = required_string(data, "Account", at, findings)
    arn = required_string(data, "Arn", at, findings)
    if account_id is None or arn is None:
        return None
    if not _ACCOUNT.match(account_id):
        findings.error("E050", f"`{account_id}` is not an account ID (12 digits)", at / "Account", help=SHAPE_HELP)
        return None
    match = _CALLER_ARN.match(arn)
    if match is None:
        findings.error(
            "E050",
            f"`{arn}` is not the ARN of a caller (arn:PARTITION:iam::ACCOUNT:… or arn:PARTITION:sts::ACCOUNT:…)",
            at / "Arn",
            help=SHAPE_HELP,
        )
        return None
    if match.group(2) != account_id:
        findings.error(
            "E051",
            f"the caller's ARN is in the account {match.group(2)}, and `Account` says {account_id}",
            at / "Arn",
            help=SHAPE_HELP,
        )
        return None
    return Identity(account_id, match.group(1), at / "Account")
