"""An imported model as `.iam` text, optionally with its policy documents kept as JSON files.

Stage: model -> DSL text (the import's way out, through `language/printer.py`).

By default every policy document becomes DSL statements where the DSL says
it exactly, and embedded IAM JSON where it cannot (the printer decides).
With `keep_json`, every document from the AWS data is written to a JSON file
of its own and the model refers to it with `from "…"`: the text stays small,
and the documents stay as reviewable JSON.

`print_model` already lays the text out the canonical way `iamdsl fmt`
does (tests/interop hold it to that), so the text is not formatted again:
on a large account that would cost more than the import itself.

Files are written atomically; the JSON files go into a fresh directory that
replaces the old one in one rename, before the `.iam` file that refers to
them is replaced.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from iamdsl.fsutil import write_atomic
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.language.check import RCP_FULL_ACCESS
from iamdsl.language.organizations import FULL_AWS_ACCESS
from iamdsl.language.printer import Where, _body, _Printer, _qualified, _WORDS_OF_MECHANISMS, print_model
from iamdsl.model import Endpoint, Model, Policy, Resource

_UNSAFE = re.compile(r"[^A-Za-z0-9_.+=,@-]+")


def render(model: Model, keep_json: str | None = None) -> tuple[str, dict[str, str]]:
    """The `.iam` text, and the JSON files it refers to (relative path -> text).

    `keep_json` is the directory for the JSON files, as the `.iam` file will
    name it (relative to the `.iam` file's own directory).
    """
    if keep_json is None:
        return print_model(model), {}
    files = _policy_files(model, keep_json)
    paths = {key: path for key, (path, _) in files.items()}
    text = print_model(model, _KeepJsonPrinter(model, paths))
    return text, {path: body for path, body in files.values()}


def write(output: str, text: str, files: dict[str, str]) -> None:
    """Write the `.iam` file and its JSON files, each atomically, the JSON files first."""
    base = Path(output).resolve().parent
    directories = sorted({Path(relative).parts[0] for relative in files})
    for directory in directories:
        _replace_directory(base / directory, {str(Path(r).relative_to(directory)): body for r, body in files.items() if Path(r).parts[0] == directory})
    write_atomic(output, text)


def _replace_directory(target: Path, files: dict[str, str]) -> None:
    """Fill a fresh directory beside `target`, then put it in `target`'s place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        for relative, body in files.items():
            path = fresh / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(fresh, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


# ------------------------------------------------------------------ the JSON files


def _policy_files(model: Model, directory: str) -> dict[int, tuple[str, str]]:
    """id(policy) -> (path as the .iam file names it, the document's text), for every document from AWS."""
    chosen: dict[int, tuple[str, str]] = {}
    taken: set[str] = set()

    def add(policy: Policy, *parts: str) -> None:
        relative = "/".join(_safe(p) for p in parts)
        candidate, number = relative, 2
        while candidate.lower() in taken:  # case-insensitive file systems
            candidate, number = f"{relative}~{number}", number + 1
        taken.add(candidate.lower())
        body = json.dumps(policy_to_json(policy), indent=4) + "\n"
        chosen[id(policy)] = (f"{directory}/{candidate}.json", body)

    for managed in model.managed_policies.values():
        add(managed.policy, managed.account, "policy", *managed.name.split("/"))
    for entity in model.principals.values():
        if entity.trust_policy is not None:
            add(entity.trust_policy, entity.account, entity.kind.value, entity.name, "trust")
        for policy in entity.inline_policies:
            add(policy, entity.account, entity.kind.value, entity.name, "inline", policy.name)
    for resource in model.resources.values():
        if resource.policy is not None:
            add(resource.policy, resource.account, "resource", resource.name)
    for endpoint in model.endpoints.values():
        if endpoint.policy is not None:
            add(endpoint.policy, endpoint.account, "endpoint", endpoint.name)
    for org in model.organizations.values():
        for name, policy in org.scps.items():
            if name != FULL_AWS_ACCESS:
                add(policy, org.name, "scp", name)
        for name, policy in org.rcps.items():
            if name != RCP_FULL_ACCESS:
                add(policy, org.name, "rcp", name)
    return chosen


def _safe(part: str) -> str:
    cleaned = _UNSAFE.sub("_", part).strip(".")
    return cleaned or "_"


class _KeepJsonPrinter(_Printer):
    """The printer, writing `from "file.json"` for every document that has a file."""

    def __init__(self, model: Model, paths: dict[int, str]):
        super().__init__(model)
        self.paths = paths

    def dsl_statements(self, policy: Policy, where: Where, *, allow_empty: bool = True) -> list[str] | None:
        if id(policy) in self.paths:
            return None  # never bare statements: the document is in its file
        return super().dsl_statements(policy, where, allow_empty=allow_empty)

    def policy(self, header: str, policy: Policy, where: Where) -> list[str]:
        path = self.paths.get(id(policy))
        return [f"{header} from {json.dumps(path)}"] if path is not None else super().policy(header, policy, where)

    def endpoint(self, endpoint: Endpoint) -> list[str]:
        path = self.paths.get(id(endpoint.policy)) if endpoint.policy is not None else None
        if path is None:
            return super().endpoint(endpoint)
        header = f"endpoint {_qualified(endpoint.account, endpoint.name)} {json.dumps(endpoint.id)}"
        lines = [f"vpc {json.dumps(endpoint.vpc)}"] if endpoint.vpc is not None else []
        lines += self.tags(endpoint.tags)
        lines.append(f"policy from {json.dumps(path)}")
        return _body(header, lines)

    def resource(self, resource: Resource) -> list[str]:
        path = self.paths.get(id(resource.policy)) if resource.policy is not None else None
        if path is None:
            return super().resource(resource)
        header = f"resource {_qualified(resource.account, resource.name)} : {self._resource_kind(resource)}"
        lines = self.tags(resource.tags)
        lines += [f"{_WORDS_OF_MECHANISMS[m]} enabled" for m in resource.mechanisms]
        lines.append(f"policy from {json.dumps(path)}")
        return _body(header, lines)


__all__ = ["render", "write"]
