"""Where an export puts things: directory names, file names and the manifest.

Stage: interop (shared by the iam-json and Terraform exports).

Both formats lay a model out the same way: `accounts/<account>/` for each
modelled account, `organizations/<org>/` for each organization, and the
manifest `iamdsl-export.json` at the top, which says what the directory holds
and marks it as an export (so that `--force` replaces exports, never some
other directory).
"""

from __future__ import annotations

import json
import re
from typing import Any

from iamdsl import __version__
from iamdsl.interop.exportable import modelled_accounts
from iamdsl.model import Model

MANIFEST = "iamdsl-export.json"
LAYOUT_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=,@-]")

Files = dict[str, str]  # relative POSIX path -> text


def safe_name(name: str) -> str:
    """`name` as one file or directory name on any file system: nothing that separates or hides."""
    cleaned = _UNSAFE.sub("_", name)
    return cleaned if cleaned and not cleaned.startswith(".") else "_" + cleaned


class UniqueNames:
    """Safe names, unique within one directory even where case does not count (macOS, Windows)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, name: str) -> str:
        base = safe_name(name)
        candidate, number = base, 2
        while candidate.lower() in self._taken:
            candidate, number = f"{base}_{number}", number + 1
        self._taken.add(candidate.lower())
        return candidate


def account_directories(model: Model) -> dict[str, str]:
    """Account name -> its directory, for every modelled account."""
    names = UniqueNames()
    return {a.name: f"accounts/{names(a.name)}" for a in modelled_accounts(model)}


def organization_directories(model: Model) -> dict[str, str]:
    names = UniqueNames()
    return {name: f"organizations/{names(name)}" for name in model.organizations}


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def manifest(model: Model, export_format: str, extra: dict[str, Any] | None = None) -> str:
    """The manifest: the format, and each account's and organization's name, ID and directory."""
    accounts = account_directories(model)
    orgs = organization_directories(model)
    body: dict[str, Any] = {
        "iamdsl_export": LAYOUT_VERSION,
        "format": export_format,
        "iamdsl_version": __version__,
        "partition": model.partition,
        "region": model.region,
        "accounts": [
            {"name": name, "id": model.accounts[name].id, "placeholder_id": model.accounts[name].id_derived, "directory": directory}
            for name, directory in accounts.items()
        ],
        "organizations": [
            {"name": name, "id": model.organizations[name].id, "directory": directory} for name, directory in orgs.items()
        ],
    }
    body.update(extra or {})
    return to_json(body)
