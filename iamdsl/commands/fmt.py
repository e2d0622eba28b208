"""`iamdsl fmt FILE…`: lay files out the canonical way (`language/fmt.py`).

Only the space between tokens changes: every comment, every piece of
shorthand and the order of statements stay as written.  Files are formatted
one by one, without loading a model, so a file that `include`s nothing it
needs still formats.

- no flag: print the formatted text of one file (`-` reads standard input);
- `--check`: list the files that would change, exit 1 if any would;
- `--diff`: print a unified diff of each change;
- `-w`/`--write`: rewrite the files that change, atomically.

Exit codes: 0 done (or nothing to change), 1 `--check` found files to
change, 2 a file cannot be read or parsed (this wins over 1).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import dataclass

from iamdsl import collector
from iamdsl.commands import common
from iamdsl.fsutil import write_atomic
from iamdsl.language.errors import Diagnostic, IamdslError, Severity, render_json, render_text
from iamdsl.language.fmt import format_source

STDIN = "-"


def register(commands) -> None:
    parser = commands.add_parser(
        "fmt",
        help="lay .iam files out the canonical way (keeps comments and shorthand)",
        description=(
            "Lay .iam files out the canonical way, keeping every comment, every piece of shorthand and the order "
            "of statements. Exit codes: 0 done, 1 --check found files to change, 2 a file cannot be read or parsed."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".iam files (`-` for standard input)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; list the files that would change and exit 1 if any would")
    mode.add_argument("-w", "--write", action="store_true", help="rewrite the files that change, atomically")
    parser.add_argument("--diff", action="store_true", help="print a unified diff of each change")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


@dataclass(slots=True)
class _Result:
    file: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"{self.file} (original)", tofile=f"{self.file} (formatted)",
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def format_file_text(text: str, name: str) -> str:
    """`format_source` with the garbage collector paused (a large file's parse tree only grows): what the command does for each file."""
    with collector.paused():
        return format_source(text, name)


def run(args: argparse.Namespace) -> int:
    printing = not (args.check or args.write or args.diff)
    if printing and len(args.files) > 1:
        return _usage("fmt prints one file; give -w, --check or --diff to format several")
    if args.write and STDIN in args.files:
        return _usage("standard input cannot be written back; leave out -w")
    results: list[_Result] = []
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    failed: list[str] = []  # files not formatted
    for name in args.files:
        try:
            before = sys.stdin.read() if name == STDIN else _read(name)
            results.append(_Result(name, before, format_file_text(before, "<stdin>" if name == STDIN else name)))
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            problems.append(Diagnostic("E002", f"cannot read `{name}`: {reason}", None, Severity.ERROR))
            failed.append(name)
        except UnicodeDecodeError as error:
            problems.append(Diagnostic("E002", f"`{name}` is not UTF-8 text (byte {error.start})", None, Severity.ERROR))
            failed.append(name)
        except IamdslError as error:
            problems.extend(error.diagnostics)
            sources.update(error.sources)
            failed.append(name)
    if args.write:
        for result in results:
            if result.changed:
                write_atomic(result.file, result.after)
    if args.format == "json":
        _print_json(results, problems, args)
    else:
        _print_text(results, problems, sources, failed, args, printing)
    if problems:
        return common.EXIT_BAD_INPUT
    if args.check and any(r.changed for r in results):
        return common.EXIT_FAILED
    return common.EXIT_OK


def _read(name: str) -> str:
    with open(name, encoding="utf-8", newline="") as handle:  # keep \r\n, so that a file written with it counts as changed
        return handle.read()


def _usage(message: str) -> int:
    print(f"iamdsl fmt: error: {message}", file=sys.stderr)
    return common.EXIT_BAD_INPUT


def _print_text(results: list[_Result], problems: list[Diagnostic], sources: dict[str, str], failed: list[str], args, printing: bool) -> None:
    if problems:
        print(render_text(problems, sources), file=sys.stderr)
    if printing:
        for result in results:
            sys.stdout.write(result.after)
        return
    for result in results:
        if args.diff and result.changed:
            sys.stdout.write(result.diff())
    changed = [r.file for r in results if r.changed]
    verb = "reformatted" if args.write else "would reformat"
    for name in changed:
        print(f"{verb} {name}", file=sys.stderr if args.diff else sys.stdout)
    unchanged = len(results) - len(changed)
    summary = f"{common.count(len(changed), 'file')} {'reformatted' if args.write else 'would be reformatted'}, {unchanged} unchanged"
    if failed:
        summary += f", {len(failed)} not formatted"
    print(summary, file=sys.stderr)


def _print_json(results: list[_Result], problems: list[Diagnostic], args) -> None:
    document = {
        "valid": not problems,
        "files": [
            {
                "file": r.file,
                "changed": r.changed,
                "written": bool(args.write and r.changed),
                **({"diff": r.diff()} if args.diff else {}),
                **({"formatted": r.after} if not (args.check or args.write or args.diff) else {}),
            }
            for r in results
        ],
        "diagnostics": json.loads(render_json(problems))["diagnostics"] if problems else [],
    }
    print(json.dumps(document, indent=2))
