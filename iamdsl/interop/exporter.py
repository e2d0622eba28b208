"""Export a model: check what AWS can hold, then lay out the files of one format.

Stage: interop (checked model -> files by relative path, and findings).

The one entry point the command and the tests share.  The files are
returned, not written: writing them is `fsutil.write_tree_atomic`'s job, and
happens only when there is no error.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamdsl.interop.exportable import check_exportable
from iamdsl.interop.layout import Files
from iamdsl.language.errors import Diagnostic, Severity
from iamdsl.model import Model

FORMATS = ("iam-json", "terraform")


@dataclass(frozen=True, slots=True)
class Export:
    files: Files  # empty when there are errors
    diagnostics: tuple[Diagnostic, ...]  # sorted by place

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def export_model(model: Model, export_format: str = "iam-json", *, placeholder_ids: bool = False) -> Export:
    """The files of `export_format` for `model`, or the errors that stop it (files then empty)."""
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r}; formats: {', '.join(FORMATS)}")
    findings = check_exportable(model, placeholder_ids=placeholder_ids)
    diagnostics = list(findings.diagnostics)
    files: Files = {}
    if not findings.errors:
        # imported here: each format needs only its own modules
        if export_format == "terraform":
            from iamdsl.interop.terraform import export_terraform

            files, more = export_terraform(model)
        else:
            from iamdsl.interop.export_json import export_iam_json

            files, more = export_iam_json(model)
        diagnostics.extend(more)
    return Export(files, tuple(sorted(diagnostics, key=lambda d: d.sort_key)))
