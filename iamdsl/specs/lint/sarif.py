"""Lint findings as SARIF 2.1.0, the format code-scanning services read.

Stage: rendering of lint findings.

One run, one tool (`iamdsl`), its rules listed in `tool.driver.rules` (every
lint rule, and the loader codes that occur), and one result per finding.
Suppressed findings are results too, marked `suppressions: [{kind: inSource}]`,
as SARIF asks, so a code-scanning service shows them as dismissed.
Columns count Unicode code points, as the parser does.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from iamdsl import __version__
from iamdsl.language.errors import CODES
from iamdsl.specs.lint.findings import Finding, Level
from iamdsl.specs.lint.registry import RULES
from iamdsl.specs.lint.runner import LintReport

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}


def artifact_uri(file: str) -> str:
    """A relative path stays relative (with `/`); an absolute one becomes a file: URI."""
    if os.path.isabs(file):
        return Path(file).as_uri()
    return quote(PurePosixPath(*Path(file).parts).as_posix(), safe="/")


def _rule_descriptor(code: str) -> dict:
    registered = RULES.get(code)
    if registered is not None:
        return {
            "id": code,
            "name": registered.name,
            "shortDescription": {"text": registered.title},
            "defaultConfiguration": {"level": _LEVELS[registered.level]},
        }
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": CODES.get(code, code)},
        "defaultConfiguration": {"level": "warning"},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict:
    text = finding.message + (f"; help: {finding.help}" if finding.help else "")
    result: dict = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
    }
    span = finding.span
    if span is not None:
        region = {"startLine": span.line, "startColumn": span.column}
        if (span.end_line, span.end_column) > (span.line, span.column):
            region.update(endLine=span.end_line, endColumn=span.end_column)
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(span.file)}, "region": region}}]
    if finding.suppressed_by is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed_by}]
    return result


def to_sarif(report: LintReport) -> dict:
    everything = list(report.findings) + list(report.suppressed)
    codes = sorted(RULES) + sorted({f.code for f in everything} - set(RULES))
    index = {code: position for position, code in enumerate(codes)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "iamdsl", "version": __version__, "rules": [_rule_descriptor(c) for c in codes]}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index) for f in sorted(everything, key=lambda f: f.sort_key)],
            }
        ],
    }
