"""The checked model: what a set of `.iam` files means, faithful to IAM JSON.

Stage: checked model (the output of `language/`, the input of the engine).

Every policy here is already in IAM's own terms: verbs are expanded to actions,
names are resolved to ARNs, condition sugar is turned into the real operator.
What the user wrote (their shorthand, comments, layout) lives in the syntax
tree and in source spans, never here.  Every node carries the span of the
text it came from, so that explanations can point at it.

All models are frozen pydantic v2 models that forbid unknown fields, except
`Span`: a load makes one for nearly every node, millions for a large
organization, and as a slotted frozen dataclass it takes a tenth of the
memory of a pydantic model (same fields, equality, hashing and JSON dump).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """A range of source text; lines and columns count from 1."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Effect(str, enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(str, enum.Enum):
    IDENTITY = "identity"  # inline policy of a role, user or group
    MANAGED = "managed"  # customer- or AWS-managed policy
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    ENDPOINT = "endpoint"  # VPC endpoint policy
    SESSION = "session"

    @property
    def takes_principal(self) -> bool:
        """Whether statements of this kind name a Principal (R19)."""
        return self in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.ENDPOINT)


class PrincipalType(str, enum.Enum):
    """The keys of an IAM Principal element; STAR is the bare `"*"` form."""

    STAR = "*"
    AWS = "AWS"
    SERVICE = "Service"
    FEDERATED = "Federated"
    CANONICAL_USER = "CanonicalUser"


class Principal(Frozen):
    type: PrincipalType
    value: str


class Condition(Frozen):
    """One operator/key pair of a Condition block, e.g. `StringLike s3:prefix [..]`.

    `operator` is the full IAM operator name, qualifiers included
    (`ForAnyValue:StringNotEqualsIfExists`).
    """

    operator: str
    key: str
    values: tuple[str, ...]
    span: Span | None = None


class Statement(Frozen):
    """One IAM statement.  Exactly one of actions/not_actions is set, and at most
    one of resources/not_resources and of principals/not_principals (R10)."""

    sid: str | None = None
    effect: Effect
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principals: tuple[Principal, ...] | None = None
    not_principals: tuple[Principal, ...] | None = None
    conditions: tuple[Condition, ...] = ()
    span: Span | None = None


class Policy(Frozen):
    """A policy document of one kind.  `name` identifies it within its owner."""

    name: str
    kind: PolicyKind
    version: str | None = "2012-10-17"
    id: str | None = None
    statements: tuple[Statement, ...] = ()
    span: Span | None = None

    def to_iam_json(self) -> dict[str, Any]:
        """The IAM JSON document of this policy."""
        from iamdsl.interop.iam_json import policy_to_json

        return policy_to_json(self)


class Account(Frozen):
    name: str
    id: str
    id_derived: bool = False
    external: bool = False  # open: its principals are not known (design.md §2)
    tags: dict[str, str] = Field(default_factory=dict)
    span: Span | None = None

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.id}:root"


class PrincipalKind(str, enum.Enum):
    ROLE = "role"
    USER = "user"
    GROUP = "group"


class IdentityEntity(Frozen):
    """A role, user or group, with everything attached to it."""

    kind: PrincipalKind
    account: str  # account name
    name: str
    arn: str
    path: str = "/"
    tags: dict[str, str] = Field(default_factory=dict)
    inline_policies: tuple[Policy, ...] = ()
    managed_policies: tuple[str, ...] = ()  # ARNs of ManagedPolicy
    boundary: str | None = None  # ARN of a ManagedPolicy
    trust_policy: Policy | None = None  # roles only
    groups: tuple[str, ...] = ()  # users only: qualified group names
    span: Span | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.account}.{self.name}"


class ManagedPolicy(Frozen):
    account: str  # account name, or "aws" for AWS-managed policies
    name: str
    arn: str
    path: str = "/"
    policy: Policy
    span: Span | None = None


class NotModelled(str, enum.Enum):
    """Mechanisms that can grant or remove access but are not evaluated (R51)."""

    ACLS = "acls"
    GRANTS = "grants"
    BLOCK_PUBLIC_ACCESS = "block-public-access"


class Resource(Frozen):
    account: str
    name: str
    arn: str
    service: str
    type: str | None = None  # catalogue resource type, None for raw ARNs
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    policy: Policy | None = None
    mechanisms: tuple[NotModelled, ...] = ()  # declared `acls enabled` and so on
    span: Span | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.account}.{self.name}"


class Endpoint(Frozen):
    """A VPC endpoint: requests with aws:SourceVpce == id go through its policy."""

    account: str
    name: str
    id: str
    vpc: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    policy: Policy | None = None
    span: Span | None = None


class OrgUnit(Frozen):
    """The organization root or an OU, with the SCPs and RCPs attached at it."""

    name: str
    accounts: tuple[str, ...] = ()  # account names directly under this unit
    children: tuple[OrgUnit, ...] = ()
    scps: tuple[str, ...] = ("FullAWSAccess",)
    rcps: tuple[str, ...] = ("RCPFullAWSAccess",)
    span: Span | None = None


class AccountAttachments(Frozen):
    scps: tuple[str, ...] = ("FullAWSAccess",)
    rcps: tuple[str, ...] = ("RCPFullAWSAccess",)


class Organization(Frozen):
    name: str
    id: str
    management_account: str | None = None
    all_features: bool = True
    root: OrgUnit
    account_attachments: dict[str, AccountAttachments] = Field(default_factory=dict)
    scps: dict[str, Policy] = Field(default_factory=dict)  # by name, FullAWSAccess included
    rcps: dict[str, Policy] = Field(default_factory=dict)  # by name, RCPFullAWSAccess included
    span: Span | None = None


class Verb(Frozen):
    name: str
    actions: tuple[str, ...]  # fully expanded action names
    span: Span | None = None


class ContextValue(Frozen):
    """A request context key given in a query: values, or absent when None."""

    key: str
    values: tuple[str, ...] | None
    span: Span | None = None


class Subject(Frozen):
    """The principal of a query: a declared entity, an ARN or a special caller."""

    kind: str  # role-session, user, root, federated, anonymous, service, oidc, saml, arn
    name: str  # qualified name, ARN, service or provider
    arn: str | None = None
    session_name: str | None = None
    span: Span | None = None


class Expectation(Frozen):
    """An `expect` line.  `kind` is can, cannot or only."""

    kind: str
    subjects: tuple[Subject, ...]
    action: str  # verb name or action
    actions: tuple[str, ...]  # expanded
    resource: str  # ARN or "*"
    resource_name: str | None = None
    context: tuple[ContextValue, ...] = ()
    session_policy: Policy | None = None
    session_tags: dict[str, str] = Field(default_factory=dict)
    because: str | None = None
    except_roots: bool = False
    span: Span | None = None


class Model(Frozen):
    """Everything the files declare, resolved and checked."""

    partition: str = "aws"
    region: str = "us-east-1"
    now: str | None = None  # ISO 8601; fixes aws:CurrentTime so answers are reproducible
    accounts: dict[str, Account] = Field(default_factory=dict)
    principals: dict[str, IdentityEntity] = Field(default_factory=dict)  # by qualified name
    resources: dict[str, Resource] = Field(default_factory=dict)
    managed_policies: dict[str, ManagedPolicy] = Field(default_factory=dict)  # by ARN
    endpoints: dict[str, Endpoint] = Field(default_factory=dict)
    organizations: dict[str, Organization] = Field(default_factory=dict)
    verbs: dict[str, Verb] = Field(default_factory=dict)
    expectations: tuple[Expectation, ...] = ()
    files: tuple[str, ...] = ()

    def policies(self) -> list[tuple[str, Policy]]:
        """Every policy document with a label naming its owner, in a stable order."""
        found: list[tuple[str, Policy]] = []
        for entity in self.principals.values():
            for policy in entity.inline_policies:
                found.append((f"{entity.qualified_name}:{policy.name}", policy))
            if entity.trust_policy is not None:
                found.append((f"{entity.qualified_name}:trust", entity.trust_policy))
        for managed in self.managed_policies.values():
            found.append((f"{managed.account}.{managed.name}", managed.policy))
        for resource in self.resources.values():
            if resource.policy is not None:
                found.append((f"{resource.qualified_name}:policy", resource.policy))
        for endpoint in self.endpoints.values():
            if endpoint.policy is not None:
                found.append((f"{endpoint.account}.{endpoint.name}:policy", endpoint.policy))
        for org in self.organizations.values():
            for name, policy in {**org.scps, **org.rcps}.items():
                found.append((f"{org.name}:{name}", policy))
        return found

    def evaluate(self, request: Any, *, trace: bool = True) -> Any:
        """Decide one `iamdsl.engine.request.Request` against this model (a `Decision`)."""
        from iamdsl.engine.shared import evaluator_for

        return evaluator_for(self).evaluate(request, trace=trace)

    def ask(self, query: str) -> Any:
        """Decide a `can P VERB R` query written in the query syntax (a `VerbDecision`)."""
        from iamdsl.answers import decide_can

        return decide_can(self, query)

    def statement_count(self) -> int:
        return sum(len(policy.statements) for _, policy in self.policies())
