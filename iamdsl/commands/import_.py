"""`iamdsl import authz FILE.json…`: AWS CLI output -> a `.iam` model.

Stage: the command-line shell around `interop/aws_import.py` (read) and
`interop/aws_output.py` (write).  docs/import.md describes the inputs.

The model goes to `-o FILE` (atomically, and only when the whole import
succeeds) or to standard output; warnings and a summary go to standard
error, or into one JSON document on standard output under `--format json`.

Exit codes: 0 imported (with or without warnings), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from iamdsl import collector
from iamdsl.commands import common
from iamdsl.language.errors import IamdslError, Severity, render_json, render_text

SHOWN_WARNINGS = 20  # text output lists this many warnings; JSON lists them all


def register(commands) -> None:
    parser = commands.add_parser(
        "import",
        help="turn AWS CLI output into a .iam model",
        description="Turn what the AWS CLI prints into a .iam model (docs/import.md). Exit codes: 0 imported, 2 bad input or usage.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True, parser_class=type(parser))
    authz = kinds.add_parser(
        "authz",
        help="`aws iam get-account-authorization-details` output, with resource policies and an organization",
        description=(
            "Import the output of `aws iam get-account-authorization-details` (one file per account), resource "
            "policies through an index of ARNs, and an organization's `aws organizations` outputs, into one "
            ".iam model. Exit codes: 0 imported (warnings included), 2 bad input or usage."
        ),
    )
    authz.add_argument(
        "files", nargs="+", metavar="FILE.json",
        help="get-account-authorization-details output, one file per account; the account is read from its ARNs, "
        "else from `aws sts get-caller-identity` output saved as caller-identity.json beside it, or given as ACCOUNT_ID=FILE.json",
    )
    authz.add_argument("--resources", metavar="INDEX.json", help="an index that maps resource ARNs to their CLI outputs")
    authz.add_argument("--org", metavar="DIR", help="a directory of `aws organizations` outputs")
    authz.add_argument(
        "--endpoints", action="append", default=[], metavar="FILE.json",
        help="`aws ec2 describe-vpc-endpoints` output (repeatable: one per region or account)",
    )
    authz.add_argument(
        "--account-names", action="append", default=[], type=_account_names, metavar="ID=NAME[,ID=NAME…]",
        help="names for the accounts (default: the organization's names, else acct_ID)",
    )
    authz.add_argument("-o", "--output", metavar="OUT.iam", help="write the model here, atomically (default: standard output)")
    authz.add_argument("--keep-json", action="store_true", help="keep each policy document as a JSON file beside OUT.iam, and refer to it with `from`")
    authz.add_argument("--format", choices=("text", "json"), default="text", help="how findings and the summary are printed (default: text)")
    authz.set_defaults(run=run)


def _account_names(text: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        account_id, sep, name = pair.partition("=")
        account_id, name = account_id.strip(), name.strip()
        if not sep or not (len(account_id) == 12 and account_id.isdigit()) or not name:
            raise argparse.ArgumentTypeError(f"`{pair}` is not ID=NAME with a 12-digit account ID, such as 111111111111=prod")
        names[account_id] = name
    return names


def run(args: argparse.Namespace) -> int:
    from iamdsl.interop.aws_import import import_aws
    from iamdsl.interop.aws_output import render, write

    if args.keep_json and not args.output:
        return _usage("--keep-json writes the policy documents beside the model: give -o OUT.iam too")
    names: dict[str, str] = {}
    for given in args.account_names:
        names.update(given)
    try:
        with collector.paused():
            result = import_aws(args.files, resources=args.resources, org=args.org, endpoints=args.endpoints, account_names=names)
            keep = _json_directory(args.output) if args.keep_json else None
            text, files = render(result.model, keep)
    except IamdslError as error:
        return _report_error(error, args.format)
    if args.output:
        try:
            write(args.output, text, files)
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            return _usage(f"cannot write `{args.output}`: {reason}")
    if args.format == "json":
        document = {
            "valid": True,
            "output": args.output,
            "files": sorted(files),
            "summary": result.summary,
            "diagnostics": json.loads(render_json(result.diagnostics))["diagnostics"],
        }
        if not args.output:
            document["iam"] = text
        print(json.dumps(document, indent=2))
        return common.EXIT_OK
    if not args.output:
        sys.stdout.write(text)
    _print_warnings(result)
    print(_summary(result.summary, args.output, files), file=sys.stderr)
    return common.EXIT_OK


def _json_directory(output: str) -> str:
    """`model.iam` -> `model.policies`: the directory of the kept documents, beside the model."""
    return Path(output).stem + ".policies"


def _usage(message: str) -> int:
    print(f"iamdsl import authz: error: {message}", file=sys.stderr)
    return common.EXIT_BAD_INPUT


def _report_error(error: IamdslError, fmt: str) -> int:
    if fmt == "json":
        print(json.dumps({"valid": False, **json.loads(render_json(error.diagnostics))}, indent=2))
    else:
        print(render_text(error.diagnostics, error.sources), file=sys.stderr)
        print(f"\n{common.count(len(error.errors), 'error')}; nothing was written", file=sys.stderr)
    return common.EXIT_BAD_INPUT


def _print_warnings(result) -> None:
    warnings = [d for d in result.diagnostics if d.severity is Severity.WARNING]
    if not warnings:
        return
    print(render_text(warnings[:SHOWN_WARNINGS], result.sources), file=sys.stderr)
    if len(warnings) > SHOWN_WARNINGS:
        print(f"… and {len(warnings) - SHOWN_WARNINGS} more warnings (--format json lists them all)", file=sys.stderr)
    print(file=sys.stderr)


def _summary(counts: dict[str, int], output: str | None, files: dict[str, str]) -> str:
    """`imported 2 accounts: 57 roles, …` and where it went."""
    parts = [
        common.count(counts.get("roles", 0), "role"),
        common.count(counts.get("users", 0), "user"),
        common.count(counts.get("groups", 0), "group"),
        f"{_policies(counts.get('customer-managed policies', 0) + counts.get('AWS-managed policies', 0), 'managed policy')}"
        f" ({counts.get('AWS-managed policies', 0)} AWS-managed)",
        common.count(counts.get("resources", 0), "resource"),
    ]
    if counts.get("endpoints"):
        parts.append(common.count(counts["endpoints"], "VPC endpoint"))
    if counts.get("organizations"):
        parts.append(f"an organization with {common.count(counts.get('SCPs', 0), 'SCP')} and {common.count(counts.get('RCPs', 0), 'RCP')}")
    line = f"imported {common.count(counts.get('accounts', 0), 'account')}: {', '.join(parts)}; {common.count(counts.get('statements', 0), 'statement')}"
    skipped = counts.get("non-default versions", 0)
    if skipped:
        line += f" ({common.count(skipped, 'non-default policy version')} not in effect, left out)"
    if output:
        line += f"\nwrote {output}"
        if files:
            line += f" and {common.count(len(files), 'policy file')} in {os.path.join(os.path.dirname(output), next(iter(files)).split('/')[0])}/"
    return line


def _policies(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else noun[:-1] + 'ies'}"
