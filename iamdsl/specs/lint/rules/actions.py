"""Actions: ones the catalogue does not know (L001), ones that miss their resource (L003)."""

from __future__ import annotations

from typing import Iterator

from iamdsl import catalog
from iamdsl.engine.actions import action_matches
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.language.errors import suggestion
from iamdsl.language.loader import PRELUDE_NAME
from iamdsl.model import Span
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule


@rule("L001", "unknown-action", Level.ERROR, "unknown action")
def unknown_actions(ctx: LintContext) -> Iterator[Hit]:
    # Each action is reported where it is written: in a statement, or in the
    # `verb` line that brought it (once, however many statements use the verb).
    for _, statement in ctx.statements():
        for action, span in ctx.raw_actions(statement):
            hit = _unknown(action, span)
            if hit is not None:
                yield hit
    for verb in ctx.index.verbs:
        if verb.span.file == PRELUDE_NAME:
            continue
        for item in verb.actions:
            if item.kind == "action":
                hit = _unknown(item.text, item.span)
                if hit is not None:
                    yield hit


def _unknown(action: str, span: Span | None) -> Hit | None:
    service, sep, name = action.partition(":")
    if action == "*" or not sep or not service or not name or has_wildcard(service):
        return None  # malformed entries and wildcarded prefixes are the loader's findings (E034, W109)
    if service.lower() not in catalog.services():
        return Hit(
            span,
            f"unknown service prefix `{service}` in `{action}`",
            suggestion(service.lower(), catalog.services()) or "the prefix is the service's name in IAM, such as `s3` or `ecr`",
        )
    known = [a.full_name for a in catalog.service_actions(service)]
    if has_wildcard(name):
        if any(action_matches(action, a) for a in known):
            return None
        return Hit(span, f"`{action}` matches no action of {service.lower()}", "check the spelling; the pattern grants nothing")
    if catalog.action(action) is not None:
        return None
    return Hit(span, f"unknown action `{action}`", suggestion(action, known) or f"see the actions of {service.lower()} in the Service Authorization Reference")


@rule("L003", "action-misses-resource-type", Level.WARNING, "action does not act on the resource's type")
def actions_missing_their_resource(ctx: LintContext) -> Iterator[Hit]:
    # Verbs pair each action with the resource it acts on; actions written out
    # are taken as written, so `s3:GetObject on A.bucket` names the bucket,
    # which GetObject never acts on (it acts on A.bucket/*).
    types = _declared_types(ctx)
    for _, statement in ctx.statements():
        resources = statement.resources
        if not resources or statement.actions is None:
            continue
        targets = [_type_of(entry, types) for entry in resources]
        if any(t is None for t in targets):
            continue  # `*`, a pattern or an undeclared ARN: the action may well apply there
        for action, span in ctx.raw_actions(statement):
            info = catalog.action(action) if not has_wildcard(action) else None
            if info is None:
                continue
            if any(catalog.applies_to(info, rtype, child=child) == "self" for rtype, child, _ in targets):
                continue
            yield _miss(info, targets, span or statement.span)


def _declared_types(ctx: LintContext) -> dict[str, tuple[catalog.ResourceTypeInfo, str]]:
    """ARN -> (catalogue type, DSL name) of every declared resource, role, user and group."""
    found: dict[str, tuple[catalog.ResourceTypeInfo, str]] = {}
    for resource in ctx.model.resources.values():
        info = catalog.resource_type(resource.service, resource.type) if resource.type else None
        if info is not None:
            found[resource.arn] = (info, resource.qualified_name)
    for entity in ctx.model.principals.values():
        info = catalog.resource_type("iam", entity.kind.value)
        if info is not None:
            found[entity.arn] = (info, entity.qualified_name)
    return found


def _type_of(entry: str, types: dict[str, tuple[catalog.ResourceTypeInfo, str]]) -> tuple[catalog.ResourceTypeInfo, bool, str] | None:
    """(type, names children, shown name) of a Resource entry that names a declared resource or its children."""
    if entry in types:
        info, name = types[entry]
        return info, False, name
    parent, sep, rest = entry.partition("/")
    while sep:
        if parent in types:
            info, name = types[parent]
            return (info, True, f"{name}/{_shown_child(entry[len(parent) + 1:])}") if catalog.child_types(info) else None
        more, sep, rest = rest.partition("/")
        parent = f"{parent}/{more}"
    return None


def _shown_child(path: str) -> str:
    return "*" if path == "*" else f'"{path}"'


def _miss(info: catalog.ActionInfo, targets: list[tuple[catalog.ResourceTypeInfo, bool, str]], span: Span | None) -> Hit:
    names = ", ".join(f"`{name}`" for _, _, name in targets)
    kinds = ", ".join(dict.fromkeys(f"{t.service}:{t.name}{' children' if child else ''}" for t, child, _ in targets))
    message = f"`{info.full_name}` does not act on {names} ({kinds}), so it grants nothing there"
    if info.wildcard_only:
        return Hit(span, message, f"`{info.full_name}` has no resource-level permissions: write it `on *`")
    to_children = [name for t, child, name in targets if not child and any(c.name in info.resource_types for c in catalog.child_types(t))]
    if to_children:
        return Hit(span, message, f"it acts on what the resource holds: write `on {to_children[0]}/*`")
    acts_on = ", ".join(f"{info.service}:{t}" for t in info.resource_types)
    return Hit(span, message, f"`{info.full_name}` acts on {acts_on}")
