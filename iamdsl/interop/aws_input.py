"""Reading AWS CLI output: files, JSON paths, located findings, policy documents.

Stage: interop (AWS CLI JSON files -> plain values, and findings that name
the file and the JSON path).

The readers (`authz.py`, `resource_policies.py`, `org_import.py`,
`endpoints.py`) walk plain values decoded by the standard `json` module,
which reads a 50 MB file in about a second; the located JSON parser of
`language/` would take far longer and hold far more.  So a
finding is first recorded against a JSON path (`$.RoleDetailList[3].Path`),
and only when findings are turned into diagnostics does `locate` walk the
text once more, to find the line and column of every path that needs one.

A policy document is read with `iam_json.policy_from_json` and checked with
`check.check_policy`, exactly as a `from "file.json"` document is, and its
findings are moved to the JSON path of the statement they are about.
"""

from __future__ import annotations

import bisect
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from iamdsl.interop.iam_json import plain_to_json_value, policy_from_json
from iamdsl.language.check import check_policy
from iamdsl.language.errors import Collector, Diagnostic, Severity
from iamdsl.language.syntax import JsonValue
from iamdsl.model import Policy, PolicyKind, Span

JsonPath = tuple[str | int, ...]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MARK = "\0statement"  # the file of the spans that tie a policy's findings to its statements
_DECODER = json.JSONDecoder()
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def format_path(path: JsonPath) -> str:
    """`$.RoleDetailList[3].Path`, with keys that are not plain words quoted: `$["arn:aws:s3:::b"]`."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _KEY.match(part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "".join(parts)


def kind_of(value: Any) -> str:
    """How a finding names what it found: `an object`, `a list`, `a string`, …"""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "null"


_NOT_NAME = re.compile(r"[^A-Za-z0-9_\-]+")
_NAME_START = re.compile(r"[A-Za-z]")


def identifier(text: str, *, fallback: str, lower: bool = False) -> str:
    """`text` as a DSL name: every run of characters a name cannot hold becomes `_` (docs/import.md)."""
    name = _NOT_NAME.sub("_", text.strip()).strip("_")
    if lower:
        name = name.lower()
    if not name:
        return fallback
    return name if _NAME_START.match(name) else f"a_{name}"


# ------------------------------------------------------------------ findings


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem at a JSON path of one file, before it has a line and column."""

    code: str
    message: str
    file: str
    path: JsonPath
    severity: Severity = Severity.ERROR
    help: str | None = None


@dataclass
class Findings:
    """Gathers every finding of an import; nothing stops at the first one."""

    items: list[Finding] = field(default_factory=list)
    plain: list[Diagnostic] = field(default_factory=list)  # findings about a whole file (cannot read it, not JSON)
    sources: dict[str, str] = field(default_factory=dict)  # the text of every file read, JSON or not, to draw findings

    def error(self, code: str, message: str, at: "At", help: str | None = None) -> None:
        self.items.append(Finding(code, message, at.file, at.path, Severity.ERROR, help))

    def warning(self, code: str, message: str, at: "At", help: str | None = None) -> None:
        self.items.append(Finding(code, message, at.file, at.path, Severity.WARNING, help))

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.items) or any(d.severity is Severity.ERROR for d in self.plain)

    def diagnostics(self, texts: Mapping[str, str] | None = None) -> list[Diagnostic]:
        """Every finding as a diagnostic, located in the text of its file."""
        texts = self.sources if texts is None else texts
        wanted: dict[str, set[JsonPath]] = {}
        for finding in self.items:
            wanted.setdefault(finding.file, set()).add(finding.path)
        spans = {name: locate(texts[name], paths, name) if name in texts else {} for name, paths in wanted.items()}
        found = list(self.plain)
        for f in self.items:
            span = spans[f.file].get(f.path)
            found.append(Diagnostic(f.code, f"{format_path(f.path)}: {f.message}", span, f.severity, f.help))
        return found


@dataclass(frozen=True, slots=True)
class At:
    """Where a value is: a file and the JSON path inside it.  `at / "Key" / 3` goes deeper."""

    file: str
    path: JsonPath = ()

    def __truediv__(self, part: str | int) -> At:
        return At(self.file, self.path + (part,))


# ------------------------------------------------------------------ files


@dataclass(frozen=True, slots=True)
class JsonFile:
    name: str  # as given on the command line, or joined to the index's directory
    text: str
    data: Any

    @property
    def root(self) -> At:
        return At(self.name)


def read_json(path: str | Path, findings: Findings, *, named_by: str | None = None) -> JsonFile | None:
    """Read and decode one JSON file; a problem is a finding (E002, E004), and the result None."""
    name = str(path)
    where = f" (named by {named_by})" if named_by else ""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        findings.plain.append(Diagnostic("E002", f"cannot read `{name}`{where}: {reason}", None))
        return None
    text = _decode(data, name, findings)
    if text is None:
        return None
    findings.sources[name] = text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        findings.plain.append(_malformed(error, text, name))
        return None
    except RecursionError:
        findings.plain.append(Diagnostic("E004", f"`{name}` nests JSON too deeply to read", None))
        return None
    return JsonFile(name, text, value)


def _decode(data: bytes, name: str, findings: Findings) -> str | None:
    # PowerShell 5 redirects the CLI's output as UTF-16 with a byte-order mark.
    encoding, skip = "utf-8", 0
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            encoding, skip = bom_encoding, len(bom)
            break
    try:
        return data[skip:].decode(encoding)
    except UnicodeDecodeError as error:
        findings.plain.append(Diagnostic("E002", f"`{name}` is not {encoding.upper()} text (byte {error.start + skip})", None))
        return None


def _malformed(error: json.JSONDecodeError, text: str, name: str) -> Diagnostic:
    rest = text[error.pos :].strip()
    if not text.strip():
        message, hint = "the file is empty", "save the command's output into it again"
    elif not rest or error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
        # a JSON string cannot hold a raw newline, so an unterminated one ran into the end of the file
        message = f"malformed JSON: the file ends before the JSON does ({error.msg.lower()})"
        hint = "the file looks cut short; save the command's whole output again"
    else:
        message = f"malformed JSON: {error.msg[0].lower()}{error.msg[1:]}"
        hint = "save the command's output as it printed it, with `--output json`"
    line, column = error.lineno, error.colno
    span = Span(name, line, column, line, column + 1)
    return Diagnostic("E004", message, span, help=hint)


# ------------------------------------------------------------------ shapes


def expect_object(value: Any, at: At, findings: Findings, what: str = "an object") -> dict | None:
    if isinstance(value, dict):
        return value
    findings.error("E050", f"expected {what}, found {kind_of(value)}", at, help=SHAPE_HELP)
    return None


def expect_list(value: Any, at: At, findings: Findings, what: str = "a list") -> list | None:
    if isinstance(value, list):
        return value
    findings.error("E050", f"expected {what}, found {kind_of(value)}", at, help=SHAPE_HELP)
    return None


def expect_string(value: Any, at: At, findings: Findings, what: str = "a string") -> str | None:
    if isinstance(value, str):
        return value
    findings.error("E050", f"expected {what}, found {kind_of(value)}", at, help=SHAPE_HELP)
    return None


def required(obj: dict, key: str, at: At, findings: Findings) -> Any:
    """The value of `key`, or None with a finding when it is missing."""
    if key in obj:
        return obj[key]
    findings.error("E050", f"`{key}` is missing", at, help=SHAPE_HELP)
    return None


def required_string(obj: dict, key: str, at: At, findings: Findings) -> str | None:
    value = required(obj, key, at, findings)
    return None if value is None else expect_string(value, at / key, findings)


def optional_list(obj: dict, key: str, at: At, findings: Findings) -> list:
    """A list that may be absent (the CLI leaves out empty lists in places)."""
    value = obj.get(key)
    if value is None:
        return []
    return expect_list(value, at / key, findings) or []


def unknown_fields(obj: dict, known: frozenset[str], at: At, findings: Findings) -> None:
    """A field nobody reads is said out loud (W121), never dropped in silence."""
    for key in obj:
        if key not in known:
            findings.warning("W121", f"unknown field `{key}`, not read", at / key, help="iamdsl does not know this field; if it matters to access, please report it")


def tag_list(value: Any, at: At, findings: Findings, key: str = "Key", value_key: str = "Value") -> dict[str, str]:
    """`[{"Key": k, "Value": v}, …]` as a dict."""
    tags: dict[str, str] = {}
    for index, item in enumerate(expect_list(value, at, findings) or []):
        item_at = at / index
        obj = expect_object(item, item_at, findings, f"a tag ({{\"{key}\": …, \"{value_key}\": …}})")
        if obj is None:
            continue
        tag_key = required_string(obj, key, item_at, findings)
        tag_value = obj.get(value_key, "")
        if not isinstance(tag_value, str):
            findings.error("E050", f"expected a string, found {kind_of(tag_value)}", item_at / value_key, help=SHAPE_HELP)
            continue
        if tag_key is not None:
            tags[tag_key] = tag_value
    return tags


SHAPE_HELP = "give the file exactly as the AWS CLI printed it (`--output json`)"


# ------------------------------------------------------------------ policy documents


def document(value: Any, at: At, findings: Findings) -> dict | None:
    """A policy document: a JSON object, or a string holding one, plain or URL-encoded (RFC 3986)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        findings.error("E050", f"expected a policy document (an object or a JSON string), found {kind_of(value)}", at, help=SHAPE_HELP)
        return None
    text = value.strip()
    if not text.startswith("{"):
        text = urllib.parse.unquote(text).strip()  # the API returns documents URL-encoded
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as error:
        findings.error(
            "E004",
            f"the policy document in this string is not JSON: {error.msg[0].lower()}{error.msg[1:]} "
            f"(line {error.lineno}, column {error.colno} of the document)",
            at,
            help="a document is a JSON object, or a string holding one (plain or URL-encoded)",
        )
        return None
    except RecursionError:
        findings.error("E004", "the policy document in this string nests too deeply to read", at)
        return None
    if not isinstance(decoded, dict):
        findings.error("E050", f"expected a policy document, found {kind_of(decoded)} in the string", at, help=SHAPE_HELP)
        return None
    return decoded


def read_policy(value: Any, at: At, findings: Findings, *, name: str, kind: PolicyKind) -> Policy | None:
    """A policy document at `at` as a checked Policy; its findings go to the statements' JSON paths."""
    plain = document(value, at, findings)
    if plain is None:
        return None
    out = Collector()
    policy = policy_from_json(plain_to_json_value(plain, None), name=name, kind=kind, out=out)  # type: ignore[arg-type]
    if policy is not None:
        check_policy(policy, out, from_dsl=False)
    if out.diagnostics:
        _report_policy_findings(plain, at, findings, name=name, kind=kind)
    if out.has_errors:
        return None
    return policy


def _report_policy_findings(plain: dict, at: At, findings: Findings, *, name: str, kind: PolicyKind) -> None:
    """Read the document again with a span per statement, to say which statement each finding is about."""
    statements = plain.get("Statement")
    listed = isinstance(statements, list)
    items = statements if listed else [statements]
    marked: dict[str, Any] = {}
    for key, value in plain.items():
        if key == "Statement":
            nodes = [plain_to_json_value(item, Span(_MARK, index + 1, 1, index + 1, 1)) for index, item in enumerate(items)]
            marked[key] = _node(nodes if listed else nodes[0])
        else:
            marked[key] = plain_to_json_value(value, None)  # type: ignore[arg-type]
    root = _node(marked, key_spans={k: None for k in plain})
    out = Collector()
    policy = policy_from_json(root, name=name, kind=kind, out=out)
    if policy is not None:
        check_policy(policy, out, from_dsl=False)
    for d in out.diagnostics:
        where = at
        if d.span is not None and d.span.file == _MARK:
            where = at / "Statement" / (d.span.line - 1) if listed else at / "Statement"
        if d.severity is Severity.ERROR:
            findings.error(d.code, d.message, where, d.help)
        else:
            findings.warning(d.code, d.message, where, d.help)


def _node(value: Any, key_spans: dict | None = None) -> JsonValue:
    return JsonValue(value, None, key_spans)  # type: ignore[arg-type]


# ------------------------------------------------------------------ locating paths in the text


def locate(text: str, paths: Iterable[JsonPath], file: str) -> dict[JsonPath, Span]:
    """The span of each path's value in `text`, found in one walk.

    A path that is not in the text gets the span of the deepest part of it
    that is: a path into a policy document held as a string gets the span of
    the string, a missing key the span of its object.
    """
    paths = list(paths)
    trie: dict = {}
    for path in paths:
        node = trie
        for part in path:
            node = node.setdefault(part, {})
    offsets: dict[JsonPath, tuple[int, int]] = {}
    try:
        _walk(text, _skip_space(text, 0), trie, (), offsets)
    except (ValueError, IndexError, RecursionError):
        pass  # a text that does not decode has no paths; what was found so far stands
    spans = _spans(text, offsets, file)
    located: dict[JsonPath, Span] = {}
    for path in paths:
        for length in range(len(path), -1, -1):
            span = spans.get(path[:length])
            if span is not None:
                located[path] = span
                break
    return located


def _skip_space(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()


def _walk(text: str, index: int, trie: dict, path: JsonPath, offsets: dict) -> int:
    """Walk the value at `index`, recording where each wanted path starts; return the value's end.

    Values nobody asked about are skipped by the C decoder, so the walk costs
    little more than decoding the file.
    """
    char = text[index]
    if char not in "{[":
        end = _value_end(text, index)
        offsets[path] = (index, end)
        return end
    offsets[path] = (index, index + 1)
    if not trie:
        return _value_end(text, index)
    closing = "}" if char == "{" else "]"
    index = _skip_space(text, index + 1)
    if text[index] == closing:
        return index + 1
    position = 0
    while True:
        if char == "{":
            key, index = json.decoder.scanstring(text, index + 1)
            index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
        else:
            key = position
        sub = trie.get(key)
        index = _walk(text, index, sub, path + (key,), offsets) if sub is not None else _value_end(text, index)
        index = _skip_space(text, index)
        if text[index] == closing:
            return index + 1
        index = _skip_space(text, index + 1)  # past the comma
        position += 1


def _value_end(text: str, index: int) -> int:
    return _DECODER.raw_decode(text, index)[1]


def _spans(text: str, offsets: dict[JsonPath, tuple[int, int]], file: str) -> dict[JsonPath, Span]:
    newlines = [m.start() for m in re.finditer("\n", text)] if offsets else []
    spans: dict[JsonPath, Span] = {}
    for path, (start, end) in offsets.items():
        line = bisect.bisect_right(newlines, start)
        line_start = newlines[line - 1] + 1 if line else 0
        end_line = bisect.bisect_right(newlines, max(start, end - 1))
        end_start = newlines[end_line - 1] + 1 if end_line else 0
        spans[path] = Span(file, line + 1, start - line_start + 1, end_line + 1, end - end_start + 1)
    return spans
