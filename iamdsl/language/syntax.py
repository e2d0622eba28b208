"""The syntax tree: what the user wrote, before names are resolved.

Stage: lark tree -> syntax tree (built by transformer.py, read by resolve.py
and fmt.py).

These are plain slotted dataclasses, not pydantic models: they hold the
user's own words (verbs, sugar, `self`, unresolved names) and are thrown away
once the checked model is built.  Every node has the span of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union

from iamdsl.model import Span

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def quote_if_needed(name: str) -> str:
    import json

    return name if _PLAIN_NAME.match(name) else json.dumps(name)


@dataclass(slots=True)
class Name:
    """A qualified name such as `A.repo` or `B."svc@x"`."""

    account: str
    name: str
    span: Span

    def __str__(self) -> str:
        return f"{self.account}.{quote_if_needed(self.name)}"

    @property
    def key(self) -> str:
        return f"{self.account}.{self.name}"


@dataclass(slots=True)
class Value:
    kind: str  # string, number, cidr, bool
    text: str
    span: Span


@dataclass(slots=True)
class ActionItem:
    kind: str  # action, verb, any
    text: str
    span: Span


@dataclass(slots=True)
class ResourceItem:
    kind: str  # name, self, arn, any
    span: Span
    name: Name | None = None
    child: str | None = None  # "*" or the quoted child path
    text: str | None = None  # the ARN, for kind arn


@dataclass(slots=True)
class PrincipalItem:
    kind: str  # account, anyone, name, service, federated, canonical, arn
    value: str
    span: Span
    name: Name | None = None


@dataclass(slots=True)
class ConditionSyntax:
    form: str  # sugar, quantified, full
    op: str  # sugar word (eq, ne, like, in_, ...) or the full IAM operator
    key: str
    key_span: Span
    values: list[Value]
    span: Span
    op_span: Span
    quantifier: str | None = None  # any, all


@dataclass(slots=True)
class StatementSyntax:
    effect: str  # allow, deny
    actions: list[ActionItem]
    span: Span
    sid: str | None = None
    not_actions: bool = False
    resources: list[ResourceItem] | None = None  # None: no `on` clause
    not_resources: bool = False
    principals: list[PrincipalItem] | None = None  # None: no `to` clause
    not_principals: bool = False
    conditions: list[ConditionSyntax] = field(default_factory=list)
    or_spans: list[Span] = field(default_factory=list)
    on_span: Span | None = None
    to_span: Span | None = None


@dataclass(slots=True)
class JsonValue:
    """A JSON value with the span of its text, for located errors in IAM JSON."""

    value: Any  # dict[str, JsonValue] | list[JsonValue] | str | float | int | bool | None
    span: Span
    key_spans: dict[str, Span] | None = None

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


@dataclass(slots=True)
class PolicyBody:
    kind: str  # block, file, json
    span: Span
    statements: list[StatementSyntax] = field(default_factory=list)
    path: str | None = None  # for kind file, as written
    document: JsonValue | None = None  # for kind json (and file, once read)


@dataclass(slots=True)
class Tags:
    items: list[tuple[str, str, Span]]
    span: Span


@dataclass(slots=True)
class InlinePolicy:
    name: str
    body: PolicyBody
    span: Span


@dataclass(slots=True)
class Attach:
    names: list[Name]
    span: Span


@dataclass(slots=True)
class Boundary:
    name: Name
    span: Span


@dataclass(slots=True)
class Trust:
    body: PolicyBody
    span: Span


@dataclass(slots=True)
class Member:
    names: list[Name]
    span: Span


@dataclass(slots=True)
class PathItem:
    value: str
    span: Span


@dataclass(slots=True)
class ResourcePolicy:
    body: PolicyBody
    span: Span


@dataclass(slots=True)
class Mechanism:
    word: str
    span: Span


@dataclass(slots=True)
class VpcItem:
    value: str
    span: Span


# ------------------------------------------------------------------ declarations


@dataclass(slots=True)
class RegionDecl:
    name: str
    span: Span


@dataclass(slots=True)
class PartitionDecl:
    name: str
    span: Span


@dataclass(slots=True)
class NowDecl:
    """`now "2026-01-01T00:00:00Z"`: the instant aws:CurrentTime holds, for reproducible answers."""

    value: str
    span: Span


@dataclass(slots=True)
class IncludeDecl:
    path: str
    span: Span


@dataclass(slots=True)
class VerbDecl:
    name: str
    actions: list[ActionItem]
    span: Span


@dataclass(slots=True)
class AccountDecl:
    name: str
    span: Span
    id: str | None = None
    id_span: Span | None = None
    external: bool = False
    tags: list[Tags] = field(default_factory=list)


@dataclass(slots=True)
class EntityDecl:
    kind: str  # role, user, group
    name: Name
    items: list[Any]
    span: Span


@dataclass(slots=True)
class ResourceDecl:
    name: Name
    span: Span
    type: str | None  # `ecr:repository`, None for a raw ARN
    type_span: Span | None
    value: str  # the name filled into the ARN template, or the raw ARN
    value_span: Span
    region: str | None = None
    items: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class ManagedPolicyDecl:
    name: Name
    body: PolicyBody
    span: Span


@dataclass(slots=True)
class EndpointDecl:
    name: Name
    id: str
    span: Span
    items: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class OrgPolicyDecl:
    kind: str  # scp, rcp
    name: str
    body: PolicyBody
    span: Span


@dataclass(slots=True)
class Management:
    account: str
    span: Span


@dataclass(slots=True)
class Features:
    value: str
    span: Span


@dataclass(slots=True)
class OrgAttach:
    names: list[tuple[str, Span]]
    span: Span


@dataclass(slots=True)
class OrgDetach:
    name: str
    span: Span


@dataclass(slots=True)
class OrgAccount:
    names: list[tuple[str, Span]]
    items: list[Any]
    span: Span


@dataclass(slots=True)
class OuDecl:
    name: str
    items: list[Any]
    span: Span


@dataclass(slots=True)
class OrgDecl:
    name: str
    span: Span
    id: str | None = None
    items: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class DelegateDecl:
    actions: list[ActionItem]
    resources: list[ResourceItem]
    principals: list[PrincipalItem]
    span: Span
    conditions: list[ConditionSyntax] = field(default_factory=list)
    or_spans: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class ReplaceDecl:
    """`replace role B.X {…}`: drops every earlier block of the entity and keeps this one."""

    decl: Union[EntityDecl, ResourceDecl, ManagedPolicyDecl, EndpointDecl]
    span: Span


# ------------------------------------------------------------------ queries


@dataclass(slots=True)
class SubjectSyntax:
    kind: str  # name, arn, anonymous, service, federated, oidc, saml
    span: Span
    name: Name | None = None
    text: str | None = None
    session_name: str | None = None


@dataclass(slots=True)
class ContextItem:
    key: str
    values: list[Value] | None  # None: `no KEY`
    span: Span


@dataclass(slots=True)
class SessionSyntax:
    span: Span
    name: str | None = None
    statements: list[StatementSyntax] = field(default_factory=list)
    tags: list[Tags] = field(default_factory=list)


@dataclass(slots=True)
class RequestSyntax:
    subject: SubjectSyntax
    action: ActionItem
    resource: ResourceItem
    span: Span
    context: list[ContextItem] = field(default_factory=list)
    session: SessionSyntax | None = None


@dataclass(slots=True)
class ExpectDecl:
    kind: str  # can, cannot, only
    span: Span
    request: RequestSyntax | None = None  # can / cannot
    because: str | None = None
    because_span: Span | None = None
    subjects: list[SubjectSyntax] = field(default_factory=list)  # only
    action: ActionItem | None = None  # only
    resource: ResourceItem | None = None  # only
    context: list[ContextItem] = field(default_factory=list)  # only
    except_roots: bool = False


@dataclass(slots=True)
class CanQuery:
    request: RequestSyntax
    span: Span


@dataclass(slots=True)
class WhoQuery:
    action: ActionItem
    resource: ResourceItem
    span: Span
    context: list[ContextItem] = field(default_factory=list)


@dataclass(slots=True)
class WhatQuery:
    subject: SubjectSyntax
    span: Span
    resource: ResourceItem | None = None


@dataclass(slots=True)
class HowQuery:
    subject: SubjectSyntax
    resource: ResourceItem
    span: Span


Declaration = Union[
    RegionDecl,
    PartitionDecl,
    NowDecl,
    IncludeDecl,
    VerbDecl,
    AccountDecl,
    OrgDecl,
    EntityDecl,
    ResourceDecl,
    ManagedPolicyDecl,
    EndpointDecl,
    DelegateDecl,
    ExpectDecl,
    ReplaceDecl,
]
Query = Union[CanQuery, WhoQuery, WhatQuery, HowQuery]


@dataclass(slots=True)
class SourceFile:
    """One parsed file: its declarations in order, and its text for error rendering."""

    path: str
    text: str
    declarations: list[Declaration]
