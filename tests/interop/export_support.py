"""Helpers shared by the export tests: examples, golden directories, reading an export back."""

from __future__ import annotations

import json
from pathlib import Path

import iamdsl
from iamdsl.interop.exporter import export_model
from iamdsl.interop.layout import MANIFEST
from iamdsl.model import Model

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))
GOLDEN = ROOT / "tests" / "golden" / "export"


def load_example(path: Path) -> Model:
    return iamdsl.load(str(path))


def exported(model: Model, export_format: str = "iam-json", **options) -> dict[str, str]:
    result = export_model(model, export_format, **options)
    assert not result.errors, [d.message for d in result.errors]
    return result.files


def check_golden(files: dict[str, str], directory: Path, update: bool) -> None:
    """Compare the files (but the manifest, which names iamdsl's version) with a golden directory.

    `pytest --update-goldens` rewrites the directory from the files instead.
    """
    wanted = {path: text for path, text in files.items() if path != MANIFEST}
    if update:
        if directory.exists():
            for old in sorted(directory.rglob("*"), reverse=True):
                old.unlink() if old.is_file() else old.rmdir()
        for path, text in wanted.items():
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    assert directory.is_dir(), f"no golden directory {directory}; run pytest with --update-goldens"
    found = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    assert sorted(found) == sorted(wanted), "the export writes other files than the golden directory holds"
    for path, text in wanted.items():
        assert text == (directory / path).read_text(encoding="utf-8"), f"{path} differs from its golden file"


def read_json(files: dict[str, str], path: str):
    return json.loads(files[path])
