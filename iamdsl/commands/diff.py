"""`iamdsl diff OLD.iam NEW.iam`, `iamdsl diff --git REV FILE…`: the access a change gains and loses.

It compares two versions of a model over the universe of docs/diff.md (every
principal, symbolic ones included, × the catalogue actions of each target's
type × the modelled targets, and the become edges between principals), asking
only the requests the change can affect (graph/diff.py), and lists the access
gained and lost by principal and resource, as text or JSON.

Exit codes: 0 compared (and, under `--fail-on-new-access`, nothing gained);
1 access or a become edge gained under `--fail-on-new-access`; 2 bad input:
a file that does not load, not a git repository, an unknown revision, a file
missing at that revision.
"""

from __future__ import annotations

import argparse
import json
import sys

from iamdsl.commands import common
from iamdsl.commands.git_revision import GitError, Revision, checkout
from iamdsl.language.errors import IamdslError, render_json, render_text


def register(commands) -> None:
    parser = commands.add_parser(
        "diff",
        help="the access gained and lost between two versions of a model",
        description=(
            "Compare two versions of a model: `iamdsl diff OLD.iam NEW.iam`, or the files at a git revision "
            "with the working tree: `iamdsl diff --git HEAD~1 FILE…`. Lists the access gained (+) and lost (-) "
            "by principal and resource, and the become edges (assume-role, PassRole, policy editing) gained and lost. "
            "Exit codes: 0 compared; 1 something gained under --fail-on-new-access; 2 bad input."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="OLD.iam NEW.iam; with --git, the files of the model (includes are followed)")
    parser.add_argument("--git", metavar="REV", default=None, help="compare FILE… as they were at git revision REV with the working tree")
    parser.add_argument("--fail-on-new-access", action="store_true", help="exit 1 when any access or become edge is gained (for pull requests)")
    parser.add_argument("--no-paths", action="store_true", help="leave out the become edges (faster on large models)")
    common.add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.git is None and len(args.files) != 2:
        return _usage("give two files, `iamdsl diff OLD.iam NEW.iam`, or a revision and the files: `iamdsl diff --git HEAD~1 design.iam`", args.format)
    revision: Revision | None = None
    try:
        if args.git is not None:
            try:
                revision = checkout(args.git, args.files)
            except GitError as error:
                return _usage(f"{error}", args.format, hint=error.hint)
            old_files, new_files = revision.files, list(args.files)
        else:
            old_files, new_files = [args.files[0]], [args.files[1]]
        try:
            before = common.load(old_files, args).model
        except IamdslError as error:
            return _report(error, args.format, revision)
        try:
            after = common.load(new_files, args).model
        except IamdslError as error:
            return _report(error, args.format, None)
        from iamdsl.explain.diff_output import diff_json, diff_text
        from iamdsl.graph.diff import Side, diff

        try:
            sides = Side(before, now=args.now), Side(after, now=args.now)
            found = diff(*sides, paths=not args.no_paths)
        except IamdslError as error:
            return common.report_error(error, args.format)
        if args.format == "json":
            about = {"git": {"revision": revision.name, "commit": revision.commit, "files": list(args.files)}} if revision else {"old": old_files, "new": new_files}
            print(json.dumps(diff_json(found, before, after, **about), indent=2))
        else:
            sys.stdout.write(diff_text(found, before, after, (sides[0].universe, sides[1].universe)))
    finally:
        if revision is not None:
            revision.cleanup()
    return common.EXIT_FAILED if args.fail_on_new_access and found.anything_gained else common.EXIT_OK


def _usage(message: str, fmt: str, hint: str | None = None) -> int:
    if fmt == "json":
        print(json.dumps({"valid": False, "error": message, "help": hint}, indent=2))
    else:
        print(f"iamdsl diff: error: {message}", file=sys.stderr)
        if hint:
            print(f"help: {hint}", file=sys.stderr)
    return common.EXIT_BAD_INPUT


def _report(error: IamdslError, fmt: str, revision: Revision | None) -> int:
    """A load error, with the revision's temporary files written as `REV:path`."""
    if revision is None:
        return common.report_error(error, fmt)
    if fmt == "json":
        document = json.loads(revision.relabel(render_json(error.diagnostics)))
        print(json.dumps({"valid": False, **document}, indent=2))
    else:
        print(revision.relabel(render_text(error.diagnostics, error.sources)), file=sys.stderr)
        count = len(error.errors)
        print(f"\n{count} error{'s' if count != 1 else ''} in the files at {revision.name}; nothing was compared", file=sys.stderr)
    return common.EXIT_BAD_INPUT
