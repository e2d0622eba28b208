"""`iamdsl export FILE… DIR`: a design as IAM JSON or Terraform that can be deployed.

Everything is checked before anything is written (interop/exporter.py):
derived account IDs (unless `--placeholder-ids`), cross-account attachments
and names IAM refuses stop the export with exit code 2; what exports but
changes on the way is printed as a warning.  The directory is written as a
whole (fsutil.write_tree_atomic): it appears complete or not at all.  An
existing DIR must be empty, or an earlier export replaced with `--force`.

Exit codes: 0 written, 2 invalid input or a model AWS cannot hold.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from iamdsl.commands import common
from iamdsl.fsutil import write_tree_atomic
from iamdsl.interop.exportable import modelled_accounts
from iamdsl.interop.exporter import FORMATS, export_model
from iamdsl.interop.layout import MANIFEST
from iamdsl.language.errors import IamdslError, render_text


def register(commands) -> None:
    parser = commands.add_parser(
        "export",
        help="write a design as IAM JSON policy documents or Terraform",
        description=(
            "Write every policy of a design as IAM JSON documents (with the AWS CLI outputs `iamdsl import` reads) "
            "or as Terraform, one directory per account (docs/export.md). Nothing is written unless all of it can be. "
            "Exit codes: 0 written, 2 invalid input or a design AWS cannot hold."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files, one model (includes are followed)")
    parser.add_argument("directory", metavar="DIR", help="the directory to write; it must not exist, or be empty (see --force)")
    parser.add_argument("--format", choices=FORMATS, default="iam-json", help="what to write (default: iam-json)")
    parser.add_argument(
        "--placeholder-ids", action="store_true",
        help="export accounts declared without an ID with their derived IDs, as placeholders to replace",
    )
    parser.add_argument("--force", action="store_true", help="replace DIR if it holds an earlier export")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the checked-model cache")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    refusal = _refuse_target(target, args.force)
    if refusal is not None:
        print(f"iamdsl export: error: {refusal[0]}\nhelp: {refusal[1]}", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    try:
        loaded = common.load(args.files, args)
    except IamdslError as error:
        return common.report_error(error, "text")
    common.print_warnings(loaded)
    result = export_model(loaded.model, args.format, placeholder_ids=args.placeholder_ids)
    if result.diagnostics:
        print(render_text(result.diagnostics, loaded.sources), file=sys.stderr)
        print(file=sys.stderr)
    if result.errors:
        count = len(result.errors)
        print(f"{count} error{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    try:
        write_tree_atomic(target, result.files, replace=args.force)
    except OSError as error:
        print(f"iamdsl export: error: cannot write `{target}`: {error.strerror or error}\nhelp: nothing was written", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    accounts = len(modelled_accounts(loaded.model))
    warnings = len(result.warnings)
    print(
        f"wrote {common.count(len(result.files), 'file')} for {common.count(accounts, 'account')} to {target} ({args.format})"
        + (f", with {common.count(warnings, 'warning')}" if warnings else "")
    )
    return common.EXIT_OK


def _refuse_target(target: Path, force: bool) -> tuple[str, str] | None:
    """Why DIR must not be written, and what to do instead; None when it may be."""
    if not target.exists():
        return None
    if not target.is_dir():
        return f"`{target}` exists and is not a directory", "name a new directory"
    if not any(target.iterdir()):
        return None
    if not (target / MANIFEST).is_file() or not _is_manifest(target / MANIFEST):
        return (
            f"`{target}` is not empty, and holds no earlier export",
            "name a new or empty directory; --force replaces only a directory an earlier export wrote",
        )
    if not force:
        return f"`{target}` holds an earlier export", "pass --force to replace it, or name a new directory"
    return None


def _is_manifest(path: Path) -> bool:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and "iamdsl_export" in body
