"""The REPL's session: queries, what-if changes and meta-commands, with no terminal code.

Stage: REPL (the shell's logic).  `Session.execute(line) -> Output` does all
that a line asks; the prompt_toolkit app only reads lines and shows outputs,
so everything here is tested without a terminal (design.md §5).

A session holds the files it loaded and the what-if changes typed since.  Its
model is always the files and then the changes, in order, read by the same
loader as files, so a change means what it would mean at the end of a file: a
block for an entity that exists adds to it (blocks merge), and `replace …`
replaces it.  A change with errors is rejected and the model stays as it was.
Nothing is written to a file until `:save`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from iamdsl.fsutil import write_atomic
from iamdsl.language import syntax as s
from iamdsl.language.errors import IamdslError, Severity, render_json, render_text
from iamdsl.language.loader import Loaded, load_layers, load_paths
from iamdsl.language.parser import parse
from iamdsl.language.printer import comparable
from iamdsl.language.syntax import quote_if_needed
from iamdsl.language.transformer import parse_file
from iamdsl.model import Model

if TYPE_CHECKING:
    from iamdsl.graph.diff import AccessDiff
from iamdsl.repl.save import Plan, SaveError, describe, entity_key, plan_save

QUERY_WORDS = ("can", "who", "what", "how")  # the words a query starts with (grammar: `query`)
EXPLAIN_MODES = ("full", "summary", "denies")
OUTPUT_FORMATS = ("text", "json")
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


@dataclass(slots=True)
class Output:
    """What one line produced."""

    text: str  # what to show (may be multi-line); "" for nothing
    ok: bool = True  # False when it reports an error (rendered located error text)
    exit: bool = False  # the session asked to end (:quit)


@dataclass(frozen=True, slots=True)
class Change:
    """One what-if change: the text typed, under the name its messages use (`<change 2>`)."""

    source: str
    text: str
    summary: str  # "adds to role B.X", "new resource A.logs", "replaces role B.Y"


@dataclass(frozen=True, slots=True)
class _Step:
    change: Change
    loaded: Loaded  # the files with this change and every earlier one


class Session:
    """A model to question and change, line by line."""

    def __init__(self, files: Sequence[str | os.PathLike[str]] = (), *, now: datetime | None = None, cache_dir=None):
        self.files: list[str] = [os.fspath(f) for f in files]
        self.now = now
        self.cache_dir = cache_dir
        self.explain_mode = "summary"
        self.output_format = "text"
        self._steps: list[_Step] = []
        self._redo: list[str] = []  # texts of undone changes, the last undone last
        self._names: tuple[Model, dict[str, list[str]]] | None = None
        self._base_access: tuple[Model, Any] | None = None  # the files' side of :diff (graph/diff.py `Side`), kept
        self.startup = Output("")  # what the app shows before the first prompt: a load error, if any
        try:
            self._base = self._read(self.files)
            self._files_load = True
        except IamdslError as error:
            self._base = load_layers([])
            self._files_load = False
            self.startup = self._failure(error, "the files did not load, so the session starts with an empty model: fix them and :reload")

    # ---------------------------------------------------------------- state
    @property
    def loaded(self) -> Loaded:
        """The current model with its sources (for located messages)."""
        return self._steps[-1].loaded if self._steps else self._base

    @property
    def model(self) -> Model:
        """The files and the what-if changes, in order."""
        return self.loaded.model

    @property
    def base_model(self) -> Model:
        """The files as last read (start, :load, :reload, :save): what :diff compares against."""
        return self._base.model

    @property
    def changes(self) -> list[Change]:
        """The what-if changes since the files were read, in order."""
        return [step.change for step in self._steps]

    @property
    def unsaved(self) -> bool:
        return bool(self._steps)

    def names(self) -> dict[str, list[str]]:
        """The model's names, for completion: accounts, principals, resources, verbs, policies."""
        model = self.model
        if self._names is None or self._names[0] is not model:
            self._names = (model, _names_of(model))
        return self._names[1]

    # ---------------------------------------------------------------- lines
    def execute(self, line: str) -> Output:
        """Do what `line` asks: a query, a change or a meta-command.  Never raises."""
        try:
            return self._execute(line)
        except IamdslError as error:
            return self._failure(error)
        except RecursionError:
            return Output("error: this input is nested too deeply to read", ok=False)
        except Exception as error:  # the last line of defence: the session goes on
            return Output(
                f"internal error: {type(error).__name__}: {error}\n"
                "help: this is a bug in iamdsl; please report it with the line that caused it",
                ok=False,
            )

    def _execute(self, line: str) -> Output:
        text = line.strip()
        if _blank(text):
            return Output("")
        if text.startswith(":"):
            from iamdsl.repl import commands  # commands.py builds on this module

            return commands.run(self, text)
        if _first_word(text) in QUERY_WORDS:
            return self._query(text)
        return self._change(text)

    def complete_statement(self, text: str) -> bool:
        """Whether Enter should submit `text`.  False means more lines are coming: a
        bracket is still open, or the parser reached the end wanting more (`can B.X pull`).

        Input that parses as a query, declarations or a meta-command is complete.
        So is input with a syntax error before its end, which no further line can
        fix: submitting it shows the located error, instead of waiting forever.
        """
        stripped = text.strip()
        if _blank(stripped) or stripped.startswith(":"):
            return True
        if _open_brackets(stripped) > 0:
            return False
        start = "query" if _first_word(stripped) in QUERY_WORDS else "start"
        try:
            parse(stripped, "<input>", start)
        except IamdslError as error:
            lines = stripped.split("\n")
            end = (len(lines), len(lines[-1]) + 1)
            return not any(d.span is not None and (d.span.line, d.span.column) == end for d in error.errors)
        except RecursionError:
            return True  # execute reports it
        return True

    def _query(self, text: str) -> Output:
        from iamdsl.answers import answer  # the engine loads on the first question, not before the first prompt

        rendered, _code = answer(
            self.model, text, explain=self.explain_mode, fmt=self.output_format, now=self.now, sources=self.loaded.sources
        )
        return Output(rendered)

    # ---------------------------------------------------------------- what-if changes
    def _change(self, text: str) -> Output:
        try:
            step = self._apply(text)
        except IamdslError as error:
            source = f"<change {len(self._steps) + 1}>"
            first = error.errors[0] if error.errors else None
            at_start = first is not None and first.code == "E001" and first.span is not None and (first.span.file, first.span.line, first.span.column) == (source, 1, 1)
            note = "this is not a query, a declaration or a :command; :help lists them" if at_start else "the change was rejected; the model is unchanged"
            return self._failure(error, note, shown_warnings=source)
        if step is None:
            return Output("")
        self._steps.append(step)
        self._redo.clear()
        return Output(self._accepted(step))

    def _apply(self, text: str) -> _Step | None:
        """The model with `text` as the next change; raises IamdslError if it does not load."""
        source = f"<change {len(self._steps) + 1}>"
        declarations = parse_file(text, source).declarations
        if not declarations:
            return None
        layers = [(c.source, c.text) for c in self.changes] + [(source, text)]
        loaded = load_layers(self._model_files(), layers)
        summary = "; ".join(_summary(decl, self.model) for decl in declarations)
        return _Step(Change(source, text, summary), loaded)

    def _accepted(self, step: _Step) -> str:
        source = step.change.source
        number = len(self._steps)
        lines = [f"{step.change.summary} (change {number}, not saved)"]
        warnings = [d for d in step.loaded.diagnostics if d.severity is Severity.WARNING and d.span and d.span.file == source]
        if warnings:
            lines.append(render_text(warnings, step.loaded.sources))
        lines.extend(self._expectations(step.loaded, source))
        return "\n".join(lines)

    def _expectations(self, loaded: Loaded, source: str) -> list[str]:
        """Run the expectations a change typed, and say how they went."""
        typed = [e for e in loaded.model.expectations if e.span is not None and e.span.file == source]
        if not typed:
            return []
        from iamdsl.engine.evaluate import Evaluator
        from iamdsl.specs.expectations import Status, run_expectation
        from iamdsl.specs.report import render_result

        evaluator = Evaluator(loaded.model, now=self.now)
        lines = []
        for expectation in typed:
            result = run_expectation(loaded.model, expectation, evaluator)
            if result.status is Status.PASS:
                lines.append(f"✓ expectation holds: {result.message}")
            else:
                lines.append(render_result(result, loaded.sources))
        return lines

    def undo(self) -> Output:
        if not self._steps:
            return Output("nothing to undo")
        step = self._steps.pop()
        self._redo.append(step.change.text)
        return Output(f"undid change {len(self._steps) + 1}: {step.change.summary}")

    def redo(self) -> Output:
        if not self._redo:
            return Output("nothing to redo")
        text = self._redo[-1]
        try:
            step = self._apply(text)
        except IamdslError as error:
            return self._failure(error, "the change no longer loads, so it was not redone")
        self._redo.pop()
        if step is not None:
            self._steps.append(step)
            return Output(f"redid change {len(self._steps)}: {step.change.summary}")
        return Output("")

    # ---------------------------------------------------------------- files
    def load(self, files: Sequence[str]) -> Output:
        """Replace the session's files; unsaved changes are dropped."""
        try:
            base = self._read(files)
        except IamdslError as error:
            return self._failure(error, "nothing was loaded; the session goes on with what it had")
        dropped = len(self._steps)
        self.files, self._base, self._files_load = list(files), base, True
        self._steps, self._redo = [], []
        lines = [f"loaded {', '.join(self.files)}: {_size(base.model)}"]
        if dropped:
            lines.append(f"{_count(dropped, 'unsaved change')} dropped")
        return Output("\n".join(lines))

    def reload(self) -> Output:
        """Read the files again, and keep the unsaved changes on top of them if they still load."""
        try:
            base = self._read(self.files)
        except IamdslError as error:
            return self._failure(error, "the files did not reload; the session goes on with the model it had")
        texts = [c.text for c in self.changes]
        self._base, self._files_load = base, True
        self._steps, self._redo = [], []
        lines = [f"reloaded {', '.join(self.files) or 'nothing'}: {_size(base.model)}"]
        dropped = []
        for text in texts:
            try:
                step = self._apply(text)
            except IamdslError as error:
                dropped.append(f"dropped a change that no longer loads:\n  {_indent(text)}\n{self._failure(error).text}")
                continue
            if step is not None:
                self._steps.append(step)
        if self._steps:
            lines.append(f"{_count(len(self._steps), 'unsaved change')} kept on top")
        lines.extend(dropped)
        return Output("\n".join(lines), ok=not dropped)

    def plan(self, into: str | None = None) -> tuple[Plan, str | None]:
        """Where :save would put each change (see save.py); raises SaveError."""
        order, texts = self._file_texts()
        into, verbatim = self._destination(into, order)
        default = self.files[0] if self.files else None
        return plan_save([(c.source, c.text) for c in self.changes], texts, order, default=default, into=into, verbatim=verbatim), into

    def save(self, into: str | None = None) -> Output:
        """Write the changes into the files (or into `into`), atomically, and make them the base."""
        if not self._files_load:
            return Output("error: the loaded files have errors; fix them and :reload before saving", ok=False)
        if not self._steps:
            return Output("nothing to save")
        order, texts = self._file_texts()
        stale = [path for path in order if _read_text(path) != texts[path]]
        if stale:
            return Output(
                f"error: `{stale[0]}` changed on disk since it was read, so nothing was written\n"
                "help: :reload reads it again and keeps your changes on top; then :save",
                ok=False,
            )
        try:
            plan, into = self.plan(into)
            for path, text in plan.texts.items():
                parse_file(text, path)  # an edit that breaks a file must not reach it
        except SaveError as error:
            return Output(f"error: {error}; nothing was written", ok=False)
        written: list[str] = []
        for path, text in plan.texts.items():
            try:
                write_atomic(path, text)
            except OSError as error:
                reason = (error.strerror or str(error)).lower()
                done = f"; already written: {', '.join(written)}" if written else "; nothing was written"
                return Output(f"error: cannot write `{path}`: {reason}{done}", ok=False)
            written.append(path)
        files = self.files + ([into] if into is not None and into not in order else [])
        return Output(self._after_save(plan, files))

    def _after_save(self, plan: Plan, files: list[str]) -> str:
        count = len(self._steps)
        lines = [f"saved {_count(count, 'change')}:"]
        by_file: dict[str, list[str]] = {}
        for placement in plan.placements:
            by_file.setdefault(placement.file, []).append(f"change {placement.change}: {placement.action}")
        for path, actions in by_file.items():
            lines.append(f"  {path}")
            lines.extend(f"    {action}" for action in actions)
        session_model = self.model
        try:
            base = self._read(files)
        except IamdslError as error:  # the edits only insert text, so this is a bug
            lines.append(self._failure(error, "the saved files do not load; please report this").text)
            return "\n".join(lines)
        if _canonical(comparable(base.model)) != _canonical(comparable(session_model)):
            lines.append("note: the saved files load to a model that differs from the session's; please report this")
        self.files, self._base, self._files_load = files, base, True
        self._steps, self._redo = [], []
        return "\n".join(lines)

    def _file_texts(self) -> tuple[list[str], dict[str, str]]:
        """The loaded `.iam` files in the order the loader read them, and their texts as read."""
        order = [path for path in self._base.model.files if not path.startswith("<")]
        return order, {path: self._base.sources[path] for path in order}

    def _destination(self, into: str | None, order: list[str]) -> tuple[str | None, bool]:
        """`into` as the loader names it, and whether changes go there as typed (it is read last)."""
        if into is None:
            return None, False
        same = [path for path in order if os.path.realpath(path) == os.path.realpath(into)]
        if same:
            return same[0], same[0] == order[-1]
        if os.path.exists(into):
            raise SaveError(f"`{into}` exists and is not loaded; :load it with the other files first, or save into a new file")
        return into, True

    # ---------------------------------------------------------------- helpers
    def _read(self, files: Sequence[str]) -> Loaded:
        return load_paths(list(files), cache_dir=self.cache_dir)

    def _model_files(self) -> list[str]:
        return self.files if self._files_load else []

    def _failure(self, error: IamdslError, note: str | None = None, *, shown_warnings: str | None = None) -> Output:
        """A located error, as the CLI draws it; warnings only where the user just typed."""
        shown = [d for d in error.diagnostics if d.severity is Severity.ERROR or (d.span and d.span.file == shown_warnings)]
        if self.output_format == "json":
            text = json.dumps({"valid": False, **json.loads(render_json(shown))}, indent=2)
        else:
            text = render_text(shown, error.sources)
        return Output(text + (f"\n{note}" if note else ""), ok=False)

    def access_diff(self) -> "AccessDiff":
        """The access and become edges gained and lost since the files were read (graph/diff.py's incremental diff)."""
        from iamdsl.graph.diff import Side, diff

        base = self._base.model
        if self._base_access is None or self._base_access[0] is not base:
            self._base_access = (base, Side(base, now=self.now))  # the files' side is the same for every :diff
        side = self._base_access[1]
        return diff(side, side if self.model is base else Side(self.model, now=self.now))

    def size(self) -> str:
        """The model's size in words, for banners and the toolbar."""
        return _size(self.model)


# ------------------------------------------------------------------ small helpers


def _blank(text: str) -> bool:
    """Nothing but space and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n"))


def _first_word(text: str) -> str:
    found = _FIRST_WORD.match(text)
    return found.group(0) if found else ""


def _open_brackets(text: str) -> int:
    """`{` and `[` not yet closed, outside strings and comments."""
    depth = 0
    in_string = escaped = in_comment = False
    for char in text:
        if in_comment:
            in_comment = char != "\n"
        elif in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"' or char == "\n":
                in_string = False
        elif char == "#":
            in_comment = True
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def _summary(decl: Any, model: Model) -> str:
    """What a declaration does to the model: `adds to role B.X`, `new role B.Y`, `replaces …`."""
    if isinstance(decl, s.ReplaceDecl):
        return f"replaces {describe(decl)}"
    key = entity_key(decl)
    if key is not None:
        return f"{'adds to' if _declared(model, key) else 'new'} {describe(decl)}"
    if isinstance(decl, s.AccountDecl):
        return f"{'adds to' if decl.name in model.accounts else 'new'} {describe(decl)}"
    if isinstance(decl, s.OrgDecl):
        return f"{'adds to' if decl.name in model.organizations else 'new'} {describe(decl)}"
    return f"adds {describe(decl)}"


def _declared(model: Model, key: tuple[str, str]) -> bool:
    family, name = key
    if family == "principal":
        return name in model.principals
    if family == "resource":
        return name in model.resources
    if family == "endpoint":
        return name in model.endpoints
    return any(f"{m.account}.{m.name}" == name for m in model.managed_policies.values())


def _names_of(model: Model) -> dict[str, list[str]]:
    def shown(account: str, name: str) -> str:
        return f"{account}.{quote_if_needed(name)}"

    return {
        "accounts": sorted(model.accounts),
        "principals": sorted(shown(e.account, e.name) for e in model.principals.values()),
        "resources": sorted(shown(r.account, r.name) for r in model.resources.values()),
        "verbs": sorted(model.verbs),
        "policies": sorted(shown(m.account, m.name) for m in model.managed_policies.values()),
    }


def _size(model: Model) -> str:
    parts = [
        _count(len(model.accounts), "account"),
        _count(len(model.principals), "principal"),
        _count(len(model.resources), "resource"),
    ]
    if model.expectations:
        parts.append(_count(len(model.expectations), "expectation"))
    return ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _read_text(path: str) -> str | None:
    try:
        return Path(path).read_bytes().decode("utf-8")  # as the loader reads it: no newline translation
    except (OSError, UnicodeDecodeError):
        return None


def _canonical(value: Any) -> Any:
    """Plain data with lists sorted: merged blocks may order statements differently, and mean the same."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value
