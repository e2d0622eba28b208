"""The REPL's meta-commands (`:help`, `:undo`, `:save`, …): a registry filled by a decorator.

Stage: REPL (the shell's logic; no terminal code).  Each command is a function
`(session, args) -> Output` registered with `@command(":name", "what it does")`;
`:help` is written from the registry, so a new command documents itself.
Arguments are split as a shell would (quotes keep spaces in file names).
"""

from __future__ import annotations

import inspect
import json
import os
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from iamdsl.language.errors import suggestion
from iamdsl.repl.save import SaveError
from iamdsl.repl.session import EXPLAIN_MODES, OUTPUT_FORMATS, Output

if TYPE_CHECKING:
    from iamdsl.repl.session import Session

Run = Callable[["Session", list[str]], Output]


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # with its colon: ":undo"
    help: str  # one line for :help
    usage: str  # ":explain full|summary|denies"
    run: Run
    aliases: tuple[str, ...] = ()

    @property
    def details(self) -> str:
        return inspect.getdoc(self.run) or ""


COMMANDS: dict[str, Command] = {}  # by name and by alias: what completion and validation know


def command(name: str, help: str, *, usage: str | None = None, aliases: Sequence[str] = ()) -> Callable[[Run], Run]:
    """Register a meta-command: `@command(":undo", "undo the last change")`."""

    def register(run: Run) -> Run:
        entry = Command(name, help, usage or name, run, tuple(aliases))
        for key in (name, *aliases):
            COMMANDS[key] = entry
        return run

    return register


def commands() -> list[Command]:
    """Every command once, in the order they were registered."""
    return list(dict.fromkeys(COMMANDS.values()))


def find(name: str) -> Command | None:
    return COMMANDS.get(name)


def run(session: "Session", line: str) -> Output:
    """Run the meta-command on `line` (which starts with `:`)."""
    try:
        words = shlex.split(line)
    except ValueError as error:
        return Output(f"error: cannot read the arguments: {str(error).lower()}\nhelp: close the quote", ok=False)
    name, args = words[0], words[1:]
    found = find(name)
    if found is None:
        hint = suggestion(name, COMMANDS) or "type :help for the commands"
        return Output(f"error: unknown command `{name}`\nhelp: {hint}", ok=False)
    return found.run(session, args)


def _usage(name: str, problem: str) -> Output:
    return Output(f"error: {problem}\nusage: {find(name).usage}", ok=False)


# ------------------------------------------------------------------ help

_INTRO = """\
Ask a question (a trailing ? is optional):
  can P VERB-OR-ACTION R [with KEY = V, no KEY] [as session "name" {…}]
  who can VERB R
  what can P do [on R]
  how can P reach R                 (assume-role and escalation paths)

Change the model (what-if): type a declaration, as in a file.
  role B.OtherRole { allow pull on A.repo }
  A block for an entity that exists ADDS to it: blocks merge, as in files.
  `replace role B.X { … }` replaces every earlier block of B.X instead.
  Each change is checked by loading the files and every change again, in order;
  a change with errors is rejected, and the model stays as it was.
  Nothing is written to a file until :save.
  End a line inside { … } to continue a block on the next line.

Commands:"""


@command(":help", "show this help, or one command's", usage=":help [COMMAND]", aliases=(":h", ":?"))
def _help(session: "Session", args: list[str]) -> Output:
    """`:help :save` shows one command in detail."""
    if args:
        name = args[0] if args[0].startswith(":") else ":" + args[0]
        found = find(name)
        if found is None:
            hint = suggestion(name, COMMANDS) or "type :help for the commands"
            return Output(f"error: unknown command `{name}`\nhelp: {hint}", ok=False)
        lines = [f"{found.usage}    {found.help}"]
        if found.aliases:
            lines.append(f"also: {', '.join(found.aliases)}")
        if found.details:
            lines.append(found.details)
        return Output("\n".join(lines))
    entries = commands()
    width = max(len(c.usage) for c in entries)
    lines = [_INTRO] + [f"  {c.usage.ljust(width)}  {c.help}" for c in entries]
    lines.append("\n:help COMMAND shows more about one command.")
    return Output("\n".join(lines))


# ------------------------------------------------------------------ settings


@command(":explain", "how much of the reasoning answers show", usage=":explain [full|summary|denies]")
def _explain(session: "Session", args: list[str]) -> Output:
    """full: every policy consulted; summary: the deciding statements and the path;
    denies: only what denies.  With no argument, shows the current mode."""
    if not args:
        return Output(f"explain mode: {session.explain_mode}")
    if len(args) > 1 or args[0] not in EXPLAIN_MODES:
        return _usage(":explain", f"`{' '.join(args)}` is not a mode; choose one of {', '.join(EXPLAIN_MODES)}")
    session.explain_mode = args[0]
    return Output(f"explain mode: {session.explain_mode}")


@command(":format", "show answers as text or JSON", usage=":format [text|json]")
def _format(session: "Session", args: list[str]) -> Output:
    """JSON answers follow the same schema as `iamdsl query --format json`."""
    if not args:
        return Output(f"output format: {session.output_format}")
    if len(args) > 1 or args[0] not in OUTPUT_FORMATS:
        return _usage(":format", f"`{' '.join(args)}` is not a format; choose one of {', '.join(OUTPUT_FORMATS)}")
    session.output_format = args[0]
    return Output(f"output format: {session.output_format}")


# ------------------------------------------------------------------ changes


@command(":undo", "undo the last change")
def _undo(session: "Session", args: list[str]) -> Output:
    """Changes already saved cannot be undone here."""
    if args:
        return _usage(":undo", ":undo takes no arguments")
    return session.undo()


@command(":redo", "redo the last change undone")
def _redo(session: "Session", args: list[str]) -> Output:
    """Typing a new change forgets what was undone."""
    if args:
        return _usage(":redo", ":redo takes no arguments")
    return session.redo()


@command(":changes", "list the unsaved changes, and where :save will write each")
def _changes(session: "Session", args: list[str]) -> Output:
    if args:
        return _usage(":changes", ":changes takes no arguments")
    changes = session.changes
    if not changes:
        return Output("no unsaved changes")
    try:
        plan, _ = session.plan()
        where: dict[int, list[str]] = {}
        for placement in plan.placements:
            where.setdefault(placement.change, []).append(f"{placement.file} ({placement.action})")
        problem = None
    except SaveError as error:
        where, problem = {}, str(error)
    lines = [f"{len(changes)} unsaved change{'s' if len(changes) != 1 else ''}:"]
    for number, change in enumerate(changes, start=1):
        lines.append(f"  {number}. {change.summary}")
        lines.append("       " + change.text.replace("\n", "\n       "))
        for target in where.get(number, []):
            lines.append(f"     -> {target}")
    if problem:
        lines.append(f"not placed: {problem}")
    return Output("\n".join(lines))


@command(":diff", "the access and become edges gained and lost since the files were read")
def _diff(session: "Session", args: list[str]) -> Output:
    """Compares the session's model with the files as last read, over every
    principal (symbolic ones included), catalogue action and resource, and the
    become edges (assume-role, PassRole, policy editing), as `iamdsl diff`
    does: only the requests the changes can affect are asked again.  Under
    `:explain full`, every action is listed; `:format json` gives the
    `iamdsl/diff/v1` document (docs/diff.md)."""
    if args:
        return _usage(":diff", ":diff takes no arguments")
    from iamdsl.explain.diff_output import diff_json, edge_text
    from iamdsl.explain.names import Names
    from iamdsl.graph.diff import grouped

    before, after = session.base_model, session.model
    found = session.access_diff()
    if session.output_format == "json":
        return Output(json.dumps(diff_json(found, before, after), indent=2))
    names_after, names_before = Names(after), Names(before)

    def name_of(arn: str) -> str:
        shown = names_after.of(arn)
        return names_before.of(arn) if shown == arn else shown

    sections = [
        ("gained", found.gained),
        ("lost", found.lost),
        ("gained_conditional", found.gained_conditional),
        ("lost_conditional", found.lost_conditional),
    ]
    if found.empty:
        if session.unsaved:
            return Output("no access gained or lost: the changes grant and remove nothing")
        return Output("no access gained or lost: there are no unsaved changes")
    titles = {
        "gained": "gained",
        "lost": "lost",
        "gained_conditional": "gained, only under some context",
        "lost_conditional": "lost, that was allowed only under some context",
    }
    everything = session.explain_mode == "full"
    lines: list[str] = []
    for key, triples in sections:
        if not triples and key.endswith("conditional"):
            continue
        lines.append(f"access {titles[key]}: {'none' if not triples else ''}".rstrip())
        by_principal: dict[str, list[tuple[str, list[str]]]] = {}
        for (principal, resource), actions in grouped(triples).items():
            by_principal.setdefault(principal, []).append((resource, actions))
        for principal, rows in by_principal.items():
            lines.append(f"  {principal}")
            for resource, actions in rows:
                lines.append(f"    on {name_of(resource)}: {_actions(actions, everything)}")
    paths = [("+", e) for e in sorted(found.paths_gained)] + [("-", e) for e in sorted(found.paths_lost)]
    paths += [("+ (only under some context)", e) for e in sorted(found.paths_gained_conditional)]
    paths += [("- (only under some context)", e) for e in sorted(found.paths_lost_conditional)]
    if paths:
        lines.append("become edges:")
        lines.extend(f"  {mark} {edge_text(edge)}" for mark, edge in paths)
    return Output("\n".join(lines))


def _actions(actions: list[str], everything: bool, shown: int = 6) -> str:
    if everything or len(actions) <= shown:
        return ", ".join(actions)
    return ", ".join(actions[:shown]) + f", … and {len(actions) - shown} more (:explain full lists them)"


# ------------------------------------------------------------------ files


GRAPH_FORMATS = ("mermaid", "dot", "json")


@command(":graph", "draw the Permissions Graph of the model as it is now", usage=":graph [mermaid|dot|json] [NAME…]")
def _graph(session: "Session", args: list[str]) -> Output:
    """Mermaid by default (JSON under `:format json`), with the unsaved changes in.
    Each NAME keeps a principal (with whom it can become) or a resource (with who reaches it).
    `iamdsl graph` also draws SVG and a self-contained HTML page."""
    from iamdsl.engine.evaluate import Evaluator
    from iamdsl.graph.build import build_graph
    from iamdsl.interop.dot import to_dot
    from iamdsl.interop.graph_json import graph_to_json
    from iamdsl.interop.mermaid import to_mermaid
    from iamdsl.language.errors import IamdslError

    fmt = "json" if session.output_format == "json" else "mermaid"
    if args and args[0] in GRAPH_FORMATS:
        fmt, args = args[0], args[1:]
    model = session.model
    resources = [name for name in args if _is_resource(model, name)]
    principals = [name for name in args if name not in resources]
    try:
        graph = build_graph(
            model, evaluator=Evaluator(model, now=session.now), principals=principals or None, resources=resources or None
        )
    except IamdslError as error:
        problem = error.diagnostics[0]
        hint = problem.help or "name a principal or a resource of the model"
        if args and not any(c in args[0] for c in ".:"):  # a word, not a DSL name or an ARN: most likely a format
            formats = ", ".join(GRAPH_FORMATS)
            hint = f"the first word may be a format ({formats}; `iamdsl graph` also draws svg and html), then names; {hint}"
        return Output(f"error: {problem.message}\nhelp: {hint}", ok=False)
    if fmt == "json":
        return Output(json.dumps(graph_to_json(graph), indent=2))
    return Output((to_dot(graph) if fmt == "dot" else to_mermaid(graph)).rstrip("\n"))


def _is_resource(model, name: str) -> bool:
    return any(name in (r.qualified_name, r.arn) for r in model.resources.values())


@command(":save", "write the changes into the files, atomically, keeping comments", usage=":save [FILE]")
def _save(session: "Session", args: list[str]) -> Output:
    """With one loaded file, the changes go into it.  With several files or
    includes, each change goes into the file that declares its entity (a new
    entity: the file that declares its account, else the first file).  A block
    for an entity that exists is added inside its block; `replace` rewrites the
    entity's blocks.  With FILE, the changes are appended to FILE, a new file
    or one already loaded; a new FILE is loaded from then on.
    Prints what it wrote where.  Nothing is written without :save."""
    if len(args) > 1:
        return _usage(":save", "give at most one file")
    return session.save(os.path.expanduser(args[0]) if args else None)


@command(":load", "load other files instead (unsaved changes are dropped)", usage=":load FILE…")
def _load(session: "Session", args: list[str]) -> Output:
    if not args:
        return _usage(":load", "name the files to load")
    return session.load([os.path.expanduser(a) for a in args])


@command(":reload", "read the files again, keeping unsaved changes on top if they still load")
def _reload(session: "Session", args: list[str]) -> Output:
    if args:
        return _usage(":reload", ":reload takes no arguments")
    return session.reload()


@command(":quit", "end the session (unsaved changes are not written)", aliases=(":q", ":exit"))
def _quit(session: "Session", args: list[str]) -> Output:
    if session.unsaved:
        count = len(session.changes)
        return Output(f"{count} unsaved change{'s' if count != 1 else ''} not written", exit=True)
    return Output("", exit=True)
