"""Syntax tree to checked model: resolve names, merge blocks, expand verbs.

Stage: syntax tree -> model (with check.py's findings).

It runs in two passes.  The first gathers every declaration of every file,
merging blocks that declare the same entity (design.md §1: "blocks merge").
The second gives everything its ARN and compiles each statement into IAM
statements: verbs become actions paired with the resource types they act on,
names become ARNs, condition sugar becomes the operator the key's type calls
for.  Every finding is collected, never raised, so one run reports them all.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable

from iamdsl import catalog
from iamdsl.interop.iam_json import canonical_conditions, canonical_principals, policy_from_json
from iamdsl.language import syntax as s
from iamdsl.language.check import check_policy
from iamdsl.language.errors import Collector, Diagnostic, suggestion
from iamdsl.language.operators import parse_date
from iamdsl.language.organizations import OrgBuilder
from iamdsl.language.sugar import condition_of
from iamdsl.language.syntax import quote_if_needed
from iamdsl.model import (
    Account,
    Condition,
    ContextValue,
    Effect,
    Endpoint,
    Expectation,
    IdentityEntity,
    ManagedPolicy,
    Model,
    NotModelled,
    Organization,
    Policy,
    PolicyKind,
    Principal,
    PrincipalKind,
    PrincipalType,
    Resource,
    Span,
    Statement,
    Subject,
    Verb,
)

DEFAULT_REGION = "us-east-1"
DEFAULT_PARTITION = "aws"
INLINE_POLICY = "inline"
REASONS = ("explicit", "implicit", "scp", "rcp", "boundary", "session")
MECHANISMS = {"acls": NotModelled.ACLS, "grants": NotModelled.GRANTS, "block_public_access": NotModelled.BLOCK_PUBLIC_ACCESS}
_IDENTITY_KINDS = (PolicyKind.IDENTITY, PolicyKind.MANAGED, PolicyKind.SCP, PolicyKind.SESSION)

def derived_account_id(name: str) -> str:
    """A stable 12-digit ID for an account declared without one."""
    return str(int(hashlib.sha256(f"account:{name}".encode()).hexdigest(), 16) % 10**12).zfill(12)


def derived_org_id(name: str) -> str:
    return "o-" + hashlib.sha256(f"org:{name}".encode()).hexdigest()[:10]


@dataclass(slots=True)
class Target:
    """A resolved `on` entry: its ARN and, when known, its catalogue type."""

    arn: str
    type: catalog.ResourceTypeInfo | None = None
    child: bool = False
    label: str | None = None  # the name the user wrote, for messages


@dataclass(slots=True)
class PolicyContext:
    kind: PolicyKind
    account: str | None = None  # the owning account's name
    self_target: Target | None = None  # the resource of a resource block


@dataclass(slots=True)
class EntityDraft:
    kind: str
    account: str
    name: str
    span: Span
    path: str | None = None
    path_span: Span | None = None
    tags: dict[str, str] = field(default_factory=dict)
    statements: list[s.StatementSyntax] = field(default_factory=list)
    extra_statements: list[Statement] = field(default_factory=list)  # from `delegate`
    extra_trust: list[Statement] = field(default_factory=list)  # from `delegate … on` this role
    inline: dict[str, list[s.PolicyBody]] = field(default_factory=dict)
    attach: list[s.Name] = field(default_factory=list)
    boundary: s.Name | None = None
    trust: list[s.PolicyBody] = field(default_factory=list)
    members: list[s.Name] = field(default_factory=list)


@dataclass(slots=True)
class ResourceDraft:
    decl: s.ResourceDecl | None  # None when rebuilt from a finished model (queries)
    tags: dict[str, str] = field(default_factory=dict)
    statements: list[s.StatementSyntax] = field(default_factory=list)
    extra_statements: list[Statement] = field(default_factory=list)
    bodies: list[s.PolicyBody] = field(default_factory=list)
    mechanisms: list[NotModelled] = field(default_factory=list)
    target: Target | None = None
    region: str | None = None


_for_model: tuple[Model | None, tuple] = (None, ())  # Resolver.for_model's tables, for the last model


class Resolver:
    def __init__(self, files: list[s.SourceFile], prelude: list[s.SourceFile] = ()):
        self.files = files
        self.prelude = list(prelude)
        self.out = Collector()
        self.region: tuple[str, Span] | None = None
        self.partition: tuple[str, Span] | None = None
        self.now: tuple[str, Span] | None = None
        self.verb_decls: dict[str, tuple[s.VerbDecl, bool]] = {}
        self.verbs: dict[str, Verb] = {}
        self.account_decls: dict[str, list[s.AccountDecl]] = {}
        self.accounts: dict[str, Account] = {}
        self.entities: dict[str, EntityDraft] = {}
        self.resources: dict[str, ResourceDraft] = {}
        self.managed_decls: dict[str, list[s.ManagedPolicyDecl]] = {}
        self.managed: dict[str, ManagedPolicy] = {}
        self.managed_by_name: dict[tuple[str, str], str] = {}  # (account, name) -> ARN, for attach
        self.endpoint_decls: dict[str, list[s.EndpointDecl]] = {}
        self.org_decls: dict[str, list[s.OrgDecl]] = {}
        self.delegates: list[s.DelegateDecl] = []
        self.expects: list[s.ExpectDecl] = []

    @classmethod
    def for_model(cls, model: Model) -> "Resolver":
        """A resolver over a finished model, to resolve queries with the same rules as files.

        The name tables are built once per model (the last one asked about):
        on a 20,000-role organization they take a second, and every query of
        a session or a `who can` loop asks for them.  Each resolver gets its
        own copies, so nothing one query does reaches the next.
        """
        global _for_model
        if _for_model[0] is not model:
            _for_model = (model, cls._tables(model))
        accounts, verbs, managed, by_name, entities, resources = _for_model[1]
        resolver = cls([])
        resolver.partition = (model.partition, None)
        resolver.region = (model.region, None)
        resolver.accounts = dict(accounts)
        resolver.verbs = dict(verbs)
        resolver.managed = dict(managed)
        resolver.managed_by_name = dict(by_name)
        resolver.entities = dict(entities)
        resolver.resources = dict(resources)
        return resolver

    @classmethod
    def _tables(cls, model: Model) -> tuple[dict, dict, dict, dict, dict, dict]:
        by_name = {(managed.account, managed.name): arn for arn, managed in model.managed_policies.items()}
        entities = {
            key: EntityDraft(entity.kind.value, entity.account, entity.name, entity.span, path=entity.path)
            for key, entity in model.principals.items()
        }
        resources = {}
        for key, resource in model.resources.items():
            rtype = catalog.resource_type(resource.service, resource.type) if resource.type else cls._type_of_arn(resource.arn)
            resources[key] = ResourceDraft(decl=None, target=Target(resource.arn, rtype, label=key), region=resource.region)
        return dict(model.accounts), dict(model.verbs), dict(model.managed_policies), by_name, entities, resources

    def resolve_query(self, query: s.Query) -> "ResolvedQuery | None":
        """A parsed query, resolved against the model; None if it has errors (see `self.out`)."""
        if isinstance(query, s.CanQuery):
            expectation = self._resolve_expect(s.ExpectDecl(kind="can", span=query.span, request=query.request))
            return ResolvedQuery("can", query.span, expectation=expectation) if expectation else None
        if isinstance(query, s.WhoQuery):
            errors_before = len(self.out.diagnostics)
            actions = self._request_actions(query.action)
            target = self._target(query.resource, PolicyContext(PolicyKind.IDENTITY))
            context = tuple(self._context_value(item) for item in query.context)
            if target is None or self._errors_since(errors_before):
                return None
            return ResolvedQuery("who", query.span, action=query.action.text, actions=tuple(actions), resource=target.arn, resource_name=target.label, context=context)
        if isinstance(query, s.WhatQuery):
            errors_before = len(self.out.diagnostics)
            subject = self._subject(query.subject)
            target = self._target(query.resource, PolicyContext(PolicyKind.IDENTITY)) if query.resource else None
            if subject is None or (query.resource is not None and target is None) or self._errors_since(errors_before):
                return None
            return ResolvedQuery("what", query.span, subject=subject, resource=target.arn if target else None, resource_name=target.label if target else None)
        subject = self._subject(query.subject)
        target = self._target(query.resource, PolicyContext(PolicyKind.IDENTITY))
        if subject is None or target is None:
            return None
        return ResolvedQuery("how", query.span, subject=subject, resource=target.arn, resource_name=target.label)

    def _errors_since(self, index: int) -> bool:
        return any(d.severity.value == "error" for d in self.out.diagnostics[index:])

    # ================================================================ pass 1: gather
    def gather(self) -> None:
        for file in self.prelude:
            for decl in file.declarations:
                if isinstance(decl, s.VerbDecl):
                    self.verb_decls[decl.name] = (decl, True)
        for file in self.files:
            for decl in file.declarations:
                self._gather(decl)

    def _gather(self, decl: Any) -> None:
        if isinstance(decl, s.RegionDecl):
            self.region = self._setting(self.region, decl.name, decl.span, "region")
        elif isinstance(decl, s.PartitionDecl):
            self.partition = self._setting(self.partition, decl.name, decl.span, "partition")
        elif isinstance(decl, s.NowDecl):
            if parse_date(decl.value) is None:
                self.out.error("E021", f"`{decl.value}` is not a date", decl.span, help='write an ISO 8601 instant such as "2026-01-31T00:00:00Z"')
            else:
                self.now = self._setting(self.now, decl.value, decl.span, "now")
        elif isinstance(decl, s.VerbDecl):
            previous = self.verb_decls.get(decl.name)
            if previous is not None and not previous[1]:
                old = [a.text for a in previous[0].actions]
                if old != [a.text for a in decl.actions]:
                    self.out.error(
                        "E011",
                        f"verb `{decl.name}` is declared twice with different actions",
                        decl.span,
                        help=f"the first declaration is at {previous[0].span}",
                    )
            self.verb_decls[decl.name] = (decl, False)
        elif isinstance(decl, s.AccountDecl):
            self.account_decls.setdefault(decl.name, []).append(decl)
        elif isinstance(decl, s.EntityDecl):
            self._gather_entity(decl)
        elif isinstance(decl, s.ResourceDecl):
            self._gather_resource(decl)
        elif isinstance(decl, s.ManagedPolicyDecl):
            self.managed_decls.setdefault(decl.name.key, []).append(decl)
        elif isinstance(decl, s.EndpointDecl):
            self.endpoint_decls.setdefault(decl.name.key, []).append(decl)
        elif isinstance(decl, s.OrgDecl):
            self.org_decls.setdefault(decl.name, []).append(decl)
        elif isinstance(decl, s.DelegateDecl):
            self.delegates.append(decl)
        elif isinstance(decl, s.ExpectDecl):
            self.expects.append(decl)
        elif isinstance(decl, s.ReplaceDecl):
            self._forget(decl.decl)
            self._gather(decl.decl)
        # IncludeDecl is the loader's business

    def _forget(self, decl: Any) -> None:
        """Drop what the blocks gathered so far say about `decl`'s entity (`replace`)."""
        key = decl.name.key
        if isinstance(decl, s.EntityDecl):
            self.entities.pop(key, None)
        elif isinstance(decl, s.ResourceDecl):
            self.resources.pop(key, None)
        elif isinstance(decl, s.ManagedPolicyDecl):
            self.managed_decls.pop(key, None)
        elif isinstance(decl, s.EndpointDecl):
            self.endpoint_decls.pop(key, None)

    def _setting(self, current, value: str, span: Span, what: str):
        if current is not None and current[0] != value:
            self.out.error("E011", f"{what} is set twice: `{current[0]}` and `{value}`", span, help=f"the first is at {current[1]}")
            return current
        return current or (value, span)

    def _gather_entity(self, decl: s.EntityDecl) -> None:
        key = decl.name.key
        draft = self.entities.get(key)
        if draft is None:
            draft = self.entities[key] = EntityDraft(decl.kind, decl.name.account, decl.name.name, decl.name.span)
        elif draft.kind != decl.kind:
            self.out.error(
                "E011",
                f"`{key}` is declared as a {draft.kind} and as a {decl.kind}",
                decl.name.span,
                help=f"the {draft.kind} is declared at {draft.span}",
            )
            return
        for item in decl.items:
            if isinstance(item, s.StatementSyntax):
                draft.statements.append(item)
            elif isinstance(item, s.InlinePolicy):
                draft.inline.setdefault(item.name, []).append(item.body)
            elif isinstance(item, s.Attach):
                draft.attach.extend(item.names)
            elif isinstance(item, s.Boundary):
                if decl.kind == "group":
                    self.out.error("E018", "a group cannot have a permissions boundary", item.span, help="set the boundary on each user or role")
                elif draft.boundary is not None and draft.boundary.key != item.name.key:
                    self.out.error("E011", f"`{key}` has two boundaries: `{draft.boundary}` and `{item.name}`", item.span)
                else:
                    draft.boundary = item.name
            elif isinstance(item, s.Trust):
                if decl.kind != "role":
                    self.out.error(
                        "E018",
                        f"only roles have trust policies, and `{key}` is a {decl.kind}",
                        item.span,
                        help=f"declare `role {decl.name}` if it is meant to be assumed, or remove the `trust` block",
                    )
                else:
                    draft.trust.append(item.body)
            elif isinstance(item, s.Member):
                if decl.kind != "user":
                    self.out.error("E018", f"only users join groups, and `{key}` is a {decl.kind}", item.span)
                else:
                    draft.members.extend(item.names)
            elif isinstance(item, s.Tags):
                self._merge_tags(draft.tags, item, key)
            elif isinstance(item, s.PathItem):
                if draft.path is not None and draft.path != item.value:
                    self.out.error("E011", f"`{key}` has two paths: `{draft.path}` and `{item.value}`", item.span)
                else:
                    draft.path, draft.path_span = item.value, item.span

    def _merge_tags(self, tags: dict[str, str], item: s.Tags, owner: str) -> None:
        for tag_key, value, span in item.items:
            if tag_key in tags and tags[tag_key] != value:
                self.out.error("E011", f"`{owner}` has two values for the tag `{tag_key}`", span)
            tags[tag_key] = value

    def _gather_resource(self, decl: s.ResourceDecl) -> None:
        key = decl.name.key
        draft = self.resources.get(key)
        if draft is None:
            draft = self.resources[key] = ResourceDraft(decl)
        else:
            first = draft.decl
            regions = {r for r in (first.region, decl.region) if r is not None}
            if (first.type, first.value) != (decl.type, decl.value) or len(regions) > 1:
                self.out.error(
                    "E011",
                    f"`{key}` is declared twice with different types, names or regions",
                    decl.span,
                    help=f"the first declaration is at {first.span}; blocks that merge must agree",
                )
                return
            if first.region is None and decl.region is not None:
                first.region = decl.region  # a region said once holds for every block
        for item in decl.items:
            if isinstance(item, s.StatementSyntax):
                draft.statements.append(item)
            elif isinstance(item, s.ResourcePolicy):
                draft.bodies.append(item.body)
            elif isinstance(item, s.Tags):
                self._merge_tags(draft.tags, item, key)
            elif isinstance(item, s.Mechanism):
                mechanism = MECHANISMS.get(item.word)
                if mechanism is None:
                    self.out.error(
                        "E018",
                        f"unknown mechanism `{item.word}`",
                        item.span,
                        help=suggestion(item.word, MECHANISMS) or f"known mechanisms: {', '.join(MECHANISMS)}",
                    )
                else:
                    draft.mechanisms.append(mechanism)

    # ================================================================ pass 2: resolve
    def run(self) -> tuple[Model, list[Diagnostic]]:
        self.gather()
        self._resolve_accounts()
        self._resolve_verbs()
        self._resolve_targets()
        self._resolve_managed()
        self._resolve_delegates()
        principals = self._resolve_entities()
        resources = self._resolve_resources()
        endpoints = self._resolve_endpoints()
        organizations = self._resolve_orgs()
        expectations = tuple(e for e in (self._resolve_expect(x) for x in self.expects) if e is not None)
        model = Model(
            partition=self.partition_name,
            region=self.default_region,
            now=self.now[0] if self.now else None,
            accounts=self.accounts,
            principals=principals,
            resources=resources,
            managed_policies=self.managed,
            endpoints=endpoints,
            organizations=organizations,
            verbs=self.verbs,
            expectations=expectations,
            files=tuple(f.path for f in self.files),
        )
        return model, self.out.diagnostics

    @property
    def partition_name(self) -> str:
        return self.partition[0] if self.partition else DEFAULT_PARTITION

    @property
    def default_region(self) -> str:
        return self.region[0] if self.region else DEFAULT_REGION

    # ---------------------------------------------------------------- accounts
    def _resolve_accounts(self) -> None:
        by_id: dict[str, tuple[str, Span]] = {}
        for name, decls in self.account_decls.items():
            account_id, id_span = None, None
            external = False
            tags: dict[str, str] = {}
            for decl in decls:
                if decl.id is not None:
                    if account_id is not None and decl.id != account_id:
                        self.out.error(
                            "E011",
                            f"account `{name}` has two IDs: {account_id} and {decl.id}",
                            decl.id_span,
                            help=f"the first is at {id_span}",
                        )
                        continue
                    if not (len(decl.id) == 12 and decl.id.isdigit()):
                        self.out.error(
                            "E013",
                            f"`{decl.id}` is not an account ID; an account ID has 12 digits",
                            decl.id_span,
                            help="write all 12 digits, leading zeros included, or leave the ID out to derive one",
                        )
                        continue
                    account_id, id_span = decl.id, decl.id_span
                external = external or decl.external
                for tag_group in decl.tags:
                    self._merge_tags(tags, tag_group, name)
            derived = account_id is None
            account_id = account_id or derived_account_id(name)
            span = decls[0].span
            if account_id in by_id:
                other, other_span = by_id[account_id]
                self.out.error(
                    "E012",
                    f"accounts `{other}` and `{name}` have the same ID {account_id}",
                    id_span or span,
                    help=f"`{other}` is declared at {other_span}; every account needs its own ID",
                )
            by_id[account_id] = (name, id_span or span)
            self.accounts[name] = Account(
                name=name, id=account_id, id_derived=derived, external=external, tags=tags, span=span
            )

    def _account(self, name: str, span: Span) -> Account | None:
        account = self.accounts.get(name)
        if account is None:
            self.out.error(
                "E010",
                f"unknown account `{name}`",
                span,
                help=suggestion(name, self.accounts) or f"declare it: `account {name} 123456789012`",
            )
        return account

    # ---------------------------------------------------------------- verbs
    def _resolve_verbs(self) -> None:
        for name in self.verb_decls:
            self._expand_verb(name, ())

    def _expand_verb(self, name: str, stack: tuple[str, ...]) -> Verb | None:
        if name in self.verbs:
            return self.verbs[name]
        decl, _ = self.verb_decls[name]
        if name in stack:
            self.out.error("E011", f"verb `{name}` is defined in terms of itself", decl.span)
            return None
        actions: list[str] = []
        for item in decl.actions:
            if item.kind == "verb":
                if item.text not in self.verb_decls:
                    self.out.error("E010", f"unknown verb `{item.text}`", item.span, help=suggestion(item.text, self.verb_decls))
                    continue
                inner = self._expand_verb(item.text, stack + (name,))
                actions.extend(inner.actions if inner else ())
            else:
                actions.append(self._canonical_action(item.text))
        verb = Verb(name=name, actions=tuple(dict.fromkeys(actions)), span=decl.span)
        self.verbs[name] = verb
        return verb

    @staticmethod
    def _canonical_action(text: str) -> str:
        info = catalog.action(text) if "*" not in text and "?" not in text else None
        return info.full_name if info else text

    # ---------------------------------------------------------------- ARNs
    def _entity_arn(self, draft: EntityDraft) -> str | None:
        account = self.accounts.get(draft.account)
        if account is None:
            return None
        path = draft.path or "/"
        return f"arn:{self.partition_name}:iam::{account.id}:{draft.kind}{path}{draft.name}"

    def _resolve_targets(self) -> None:
        for key, draft in self.resources.items():
            decl = draft.decl
            account = self._account(decl.name.account, decl.name.span)
            region = decl.region or self.default_region
            draft.region = region
            if decl.type is None:
                if not decl.value.startswith("arn:") or decl.value.count(":") < 5:
                    self.out.error("E040", f"`{decl.value}` is not an ARN", decl.value_span, help="an ARN reads arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")
                    continue
                draft.target = Target(decl.value, self._type_of_arn(decl.value))
                continue
            service, _, type_name = decl.type.partition(":")
            info = catalog.resource_type(service, type_name)
            if info is None:
                candidates = [f"{t.service}:{t.name}" for t in catalog.service_resource_types(service)]
                if not candidates:
                    candidates = [f"{svc}:{t.name}" for svc in ("s3", "ecr", "kms", "sqs", "sns", "iam", "dynamodb", "lambda", "secretsmanager") for t in catalog.service_resource_types(svc)]
                self.out.error("E014", f"unknown resource type `{decl.type}`", decl.type_span, help=suggestion(decl.type, candidates))
                continue
            if account is None:
                continue
            draft.target = Target(self._fill_template(info, decl.value, account.id, region), info)

    def _fill_template(self, info: catalog.ResourceTypeInfo, value: str, account_id: str, region: str) -> str:
        template = info.arn_template
        standard = {"${Partition}": self.partition_name, "${Region}": region, "${Account}": account_id}
        for variable, replacement in standard.items():
            template = template.replace(variable, replacement)
        first, last = template.find("${"), template.rfind("}")
        if first == -1:
            return template
        return template[:first] + value + template[last + 1 :]

    @staticmethod
    def _type_of_arn(arn: str) -> catalog.ResourceTypeInfo | None:
        """The catalogue type of a raw ARN: the template it fits (a bucket ARN has no type word)."""
        return catalog.type_of_arn(arn)

    def _resolve_managed(self) -> None:
        for key, decls in self.managed_decls.items():
            decl = decls[0]
            account_name = decl.name.account
            if account_name == "aws":
                arn = f"arn:{self.partition_name}:iam::aws:policy/{decl.name.name}"
            else:
                account = self._account(account_name, decl.name.span)
                if account is None:
                    continue
                arn = f"arn:{self.partition_name}:iam::{account.id}:policy/{decl.name.name}"
            statements: list[Statement] = []
            version: str | None = "2012-10-17"
            policy_id: str | None = None  # a JSON document's Id, kept for export
            for d in decls:
                policy = self._policy_from_body(d.body, decl.name.name, PolicyKind.MANAGED, PolicyContext(PolicyKind.MANAGED, account_name))
                if policy is not None:
                    statements.extend(policy.statements)
                    version, policy_id = policy.version, policy.id
            policy = Policy(name=decl.name.name, kind=PolicyKind.MANAGED, version=version, id=policy_id, statements=tuple(statements), span=decl.span)
            self.managed[arn] = ManagedPolicy(account=account_name, name=decl.name.name, arn=arn, policy=policy, span=decl.span)
            self.managed_by_name.setdefault((account_name, decl.name.name), arn)

    def _managed_arn(self, name: s.Name, what: str) -> str | None:
        arn = self.managed_by_name.get((name.account, name.name))
        if arn is not None:
            return arn
        if name.account == "aws":
            self.out.error(
                "E037",
                f"the AWS-managed policy `{name.name}` has no document",
                name.span,
                help=f'iamdsl cannot know its statements; declare it: `policy aws.{name.name} from "{name.name}.json"`',
            )
            return None
        if name.key in self.managed_decls:
            return None  # its declaration already failed, and said why
        known = [f"{m.account}.{m.name}" for m in self.managed.values()]
        self.out.error("E010", f"unknown {what} `{name}`", name.span, help=suggestion(name.key, known) or f"declare it: `policy {name} {{ … }}`")
        return None

    # ---------------------------------------------------------------- policies and statements
    def _policy_from_body(self, body: s.PolicyBody, name: str, kind: PolicyKind, ctx: PolicyContext) -> Policy | None:
        if body.kind == "block":
            return self._policy_from_statements(body.statements, name, kind, ctx, body.span)
        if body.document is None:
            return None  # the loader could not read it, and said why
        policy = policy_from_json(body.document, name=name, kind=kind, out=self.out)
        if policy is not None:
            check_policy(policy, self.out, from_dsl=False)
        return policy

    def _policy_from_statements(
        self, statements: Iterable[s.StatementSyntax], name: str, kind: PolicyKind, ctx: PolicyContext, span: Span | None, extra: Iterable[Statement] = ()
    ) -> Policy:
        compiled: list[Statement] = []
        for statement in statements:
            compiled.extend(self.compile_statement(statement, ctx))
        policy = Policy(name=name, kind=kind, statements=tuple(compiled), span=span)
        check_policy(policy, self.out, from_dsl=True)
        extra = tuple(extra)
        if extra:
            policy = policy.model_copy(update={"statements": policy.statements + extra})
        return policy

    def compile_statement(self, st: s.StatementSyntax, ctx: PolicyContext) -> list[Statement]:
        """One DSL statement -> one or more IAM statements (verbs may split it)."""
        kind = ctx.kind
        principals = not_principals = None
        if st.principals is not None:
            if kind in _IDENTITY_KINDS:
                self.out.error(
                    "E016",
                    f"`to` is not allowed in {'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value} policy",
                    st.to_span or st.span,
                    help="an identity policy grants to the role, user or group it belongs to; "
                    "to grant another principal, write the statement in the resource's block",
                )
            else:
                compiled = self._principals(st.principals, st.not_principals)
                if st.not_principals:
                    not_principals = compiled
                else:
                    principals = compiled
        if st.resources is not None and kind is PolicyKind.TRUST:
            self.out.error("E018", "`on` is not allowed in a trust policy: it is always about its own role", st.on_span or st.span)
        conditions = self._conditions(st.conditions, st.or_spans)
        base: dict[str, Any] = {
            "effect": Effect.ALLOW if st.effect == "allow" else Effect.DENY,
            "principals": principals,
            "not_principals": not_principals,
            "conditions": conditions,
            "span": st.span,
        }
        targets = self._targets(st.resources or [], ctx) if st.resources is not None else None
        if st.resources and not targets:
            return []  # every `on` entry failed and said why; more findings would only echo that
        if st.not_actions:
            actions = self._flat_actions(st.actions)
            groups = [(actions, self._default_resources(ctx, targets))]
            action_field = "not_actions"
        else:
            groups = self._pair(st, targets, ctx)
            action_field = "actions"
        result = []
        for index, (actions, arns) in enumerate(groups):
            fields = dict(base)
            fields[action_field] = tuple(actions)
            if st.not_resources:
                fields["not_resources"] = arns
            else:
                fields["resources"] = arns
            if st.sid is not None:
                fields["sid"] = st.sid if index == 0 else f"{st.sid}{index + 1}"
            result.append(Statement(**fields))
        return result

    def _default_resources(self, ctx: PolicyContext, targets: list[Target] | None) -> tuple[str, ...] | None:
        if targets is not None:
            return tuple(t.arn for t in targets) or None
        if ctx.kind is PolicyKind.TRUST:
            return None
        if ctx.kind is PolicyKind.RESOURCE and ctx.self_target is not None:
            return (ctx.self_target.arn,)
        return ("*",)

    def _flat_actions(self, items: list[s.ActionItem]) -> list[str]:
        actions: list[str] = []
        for item in items:
            if item.kind == "verb":
                verb = self._verb(item)
                actions.extend(verb.actions if verb else ())
            else:
                actions.append(item.text)
        return list(dict.fromkeys(actions))

    def _verb(self, item: s.ActionItem) -> Verb | None:
        verb = self.verbs.get(item.text)
        if verb is None:
            self.out.error(
                "E010",
                f"unknown verb `{item.text}`",
                item.span,
                help=suggestion(item.text, self.verbs) or "declare it with `verb NAME = service:Action, …`, or write the action itself",
            )
        return verb

    def _pair(self, st: s.StatementSyntax, targets: list[Target] | None, ctx: PolicyContext) -> list[tuple[list[str], tuple[str, ...] | None]]:
        """Group actions by the resources they apply to (design.md §1, verbs)."""
        if targets is None and ctx.kind is PolicyKind.RESOURCE and ctx.self_target is not None and not st.not_resources:
            pair_targets: list[Target] | None = [ctx.self_target]
        else:
            pair_targets = targets
        groups: dict[tuple[str, ...] | None, list[str]] = {}
        plain = self._default_resources(ctx, targets)
        for item in st.actions:
            if item.kind != "verb":
                groups.setdefault(plain, []).append(item.text)
                continue
            verb = self._verb(item)
            if verb is None:
                continue
            if pair_targets is None or st.not_resources or any(t.arn == "*" for t in pair_targets):
                groups.setdefault(plain, []).extend(verb.actions)
                continue
            placed = 0
            for action in verb.actions:
                arns = self._arns_for(action, pair_targets, ctx)
                if arns:
                    groups.setdefault(arns, []).append(action)
                    # a wildcard-only action lands on "*" whatever the target: it does not count
                    placed += arns != ("*",)
            if not placed:
                where = ", ".join(
                    f"`{t.label or t.arn}` ({t.type.service}:{t.type.name}{' children' if t.child else ''})" if t.type else f"`{t.label or t.arn}`"
                    for t in pair_targets
                )
                self.out.error(
                    "E039",
                    f"no action of the verb `{item.text}` applies to {where}",
                    item.span,
                    help=f"`{item.text}` means {', '.join(verb.actions)}",
                )
        return [(list(dict.fromkeys(actions)), arns) for arns, actions in groups.items()]

    def _arns_for(self, action: str, targets: list[Target], ctx: PolicyContext) -> tuple[str, ...]:
        info = catalog.action(action)
        if info is None:
            return tuple(t.arn for t in targets)
        arns: list[str] = []
        for target in targets:
            if target.type is None:
                arns.append(target.arn)
                continue
            reach = catalog.applies_to(info, target.type, child=target.child)
            if reach == "self":
                arns.append(target.arn)
            elif reach == "child":
                arns.append(target.arn + "/*")
        if not arns and info.wildcard_only and ctx.kind in _IDENTITY_KINDS + (PolicyKind.ENDPOINT,):
            arns.append("*")
        return tuple(dict.fromkeys(arns))

    def _targets(self, items: list[s.ResourceItem], ctx: PolicyContext) -> list[Target]:
        targets = []
        for item in items:
            target = self._target(item, ctx)
            if target is not None:
                targets.append(target)
        return targets

    def _target(self, item: s.ResourceItem, ctx: PolicyContext) -> Target | None:
        if item.kind == "any":
            return Target("*")
        if item.kind == "arn":
            if item.text != "*" and not item.text.startswith("arn:"):
                self.out.error("E040", f"`{item.text}` is not an ARN", item.span, help="an ARN reads arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")
                return None
            return Target(item.text, self._type_of_arn(item.text))
        if item.kind == "self":
            if ctx.self_target is None:
                self.out.error("E018", "`self` only means something inside a resource's block", item.span)
                return None
            base = ctx.self_target
        else:
            base = self._named_target(item.name)
            if base is None:
                return None
        label = "self" if item.kind == "self" else str(item.name)
        if item.child is None:
            return dataclasses.replace(base, label=label)
        if base.type is None or not catalog.child_types(base.type):
            what = f"{base.type.service}:{base.type.name}" if base.type else "this resource"
            self.out.error(
                "E015",
                f"{what} has no child path, so `/{item.child}` means nothing here",
                item.span,
                help="name the resource itself; only types with children, such as an S3 bucket's objects, take `/…`",
            )
            return None
        child = "*" if item.child == "*" else item.child
        return Target(f"{base.arn}/{child}", base.type, child=True, label=f"{label}/{quote_if_needed(child) if child != '*' else '*'}")

    def _named_target(self, name: s.Name) -> Target | None:
        draft = self.resources.get(name.key)
        if draft is not None:
            return draft.target
        entity = self.entities.get(name.key)
        if entity is not None:
            arn = self._entity_arn(entity)
            return Target(arn, catalog.resource_type("iam", entity.kind)) if arn else None
        for managed in self.managed.values():
            if f"{managed.account}.{managed.name}" == name.key:
                return Target(managed.arn, catalog.resource_type("iam", "policy"))
        if name.account not in self.accounts and name.account != "aws":
            self._account(name.account, name.span)
            return None
        known = list(self.resources) + list(self.entities)
        self.out.error("E010", f"unknown resource `{name}`", name.span, help=suggestion(name.key, known) or "declare it: `resource A.name : service:type \"name\"`")
        return None

    def _principals(self, items: list[s.PrincipalItem], negated: bool) -> tuple[Principal, ...]:
        found: list[Principal] = []
        for item in items:
            principal = self._principal(item)
            if principal is not None:
                found.append(principal)
        if len(found) > 1:
            # IAM JSON can hold a bare "*" only alone; beside others it is {"AWS": "*"} (R18: the same)
            found = [Principal(type=PrincipalType.AWS, value="*") if p.type is PrincipalType.STAR else p for p in found]
        return canonical_principals(found)

    def _principal(self, item: s.PrincipalItem) -> Principal | None:
        aws = PrincipalType.AWS
        if item.kind == "anyone":
            return Principal(type=PrincipalType.STAR, value="*")
        if item.kind == "account":
            if item.value.isdigit():
                if len(item.value) != 12:
                    self.out.error(
                        "E013",
                        f"`{item.value}` is not an account ID; an account ID has 12 digits",
                        item.span,
                        help="write all 12 digits, leading zeros included, or name a declared account",
                    )
                    return None
                return Principal(type=aws, value=f"arn:{self.partition_name}:iam::{item.value}:root")
            account = self._account(item.value, item.span)
            return Principal(type=aws, value=account.root_arn.replace("arn:aws:", f"arn:{self.partition_name}:")) if account else None
        if item.kind == "service":
            return Principal(type=PrincipalType.SERVICE, value=item.value)
        if item.kind == "federated":
            return Principal(type=PrincipalType.FEDERATED, value=item.value)
        if item.kind == "canonical":
            return Principal(type=PrincipalType.CANONICAL_USER, value=item.value)
        if item.kind == "arn":
            return Principal(type=PrincipalType.STAR if item.value == "*" else aws, value=item.value)
        name = item.name
        if name.name == "root" and name.key not in self.entities:
            account = self._account(name.account, name.span)
            if account is None:
                return None
            self.out.warning(
                "W101",
                f"`{name}` here grants to account {name.account} as a whole, not to its root user",
                item.span,
                help=f"write `to account {name.account}`: it delegates to {name.account}'s own IAM policies",
            )
            return Principal(type=aws, value=account.root_arn)
        entity = self.entities.get(name.key)
        if entity is None:
            self._unknown_principal(name)
            return None
        if entity.kind == "group":
            self.out.error("E036", f"`{name}` is a group, and a group cannot be a principal", name.span, help="name its users, or the account")
            return None
        arn = self._entity_arn(entity)
        return Principal(type=aws, value=arn) if arn else None

    @staticmethod
    def policy_context(kind: PolicyKind) -> PolicyContext:
        return PolicyContext(kind)

    def _unknown_principal(self, name: s.Name) -> None:
        """Report a principal name that resolves to nothing: the account, or the name in it."""
        if name.account in self.accounts:
            known = [k for k, e in self.entities.items() if e.kind != "group"]
            self.out.error("E010", f"unknown principal `{name}`", name.span, help=suggestion(name.key, known) or f"declare it: `role {name}`")
        else:
            self._account(name.account, name.span)

    def _conditions(self, items: list[s.ConditionSyntax], or_spans: list[Span]) -> tuple[Condition, ...]:
        for span in or_spans:
            self.out.error(
                "E025",
                "IAM cannot express `or` between conditions",
                span,
                help="conditions in a statement all must hold; write one statement for each alternative, "
                "or list the values of one key: `KEY in [\"a\", \"b\"]`",
            )
        found: list[Condition] = []
        seen: dict[tuple[str, str], Span] = {}
        for item in items:
            condition = condition_of(item, self.out)
            if condition is None:
                continue
            identity = (condition.operator, condition.key.lower())
            if identity in seen:
                self.out.error(
                    "E024",
                    f"`{condition.operator}` on `{condition.key}` appears twice in one statement",
                    item.span,
                    help=f"IAM JSON holds each operator and key once, so merge the two into one condition; the first is at {seen[identity]}",
                )
                continue
            seen[identity] = item.span
            found.append(condition)
        return canonical_conditions(found)

    # ---------------------------------------------------------------- delegation
    def _resolve_delegates(self) -> None:
        for decl in self.delegates:
            ctx_identity = PolicyContext(PolicyKind.IDENTITY)
            for principal in decl.principals:
                if principal.kind != "name" or principal.name is None:
                    self.out.error("E018", "`delegate` hands access to a role or user: name one, such as `B.SomeRole`", principal.span)
                    continue
                entity = self.entities.get(principal.name.key)
                if entity is None or entity.kind == "group":
                    self._principal(principal)  # reports the unknown name or the group
                    continue
                identity_half = s.StatementSyntax(
                    effect="allow", actions=decl.actions, span=decl.span, resources=decl.resources,
                    conditions=decl.conditions, or_spans=decl.or_spans,
                )
                entity.extra_statements.extend(self.compile_statement(identity_half, ctx_identity))
                for resource_item in decl.resources:
                    account_item = s.PrincipalItem("account", principal.name.account, principal.span)
                    named = resource_item.name.key if resource_item.kind == "name" and resource_item.name else None
                    role = self.entities.get(named) if named else None
                    if role is not None and role.kind == "role" and resource_item.child is None:
                        # a role's resource policy is its trust policy: that is where the other half goes
                        trust_half = s.StatementSyntax(
                            effect="allow", actions=decl.actions, span=decl.span, principals=[account_item], conditions=decl.conditions,
                        )
                        role.extra_trust.extend(self.compile_statement(trust_half, PolicyContext(PolicyKind.TRUST, role.account)))
                        continue
                    draft = self.resources.get(named) if named else None
                    if draft is None or draft.target is None:
                        if resource_item.kind != "name":
                            self.out.error("E018", "`delegate` writes the resource's policy, so name a declared resource", resource_item.span)
                        elif named in self.entities:
                            self.out.error("E018", f"`delegate` can write the trust policy of a role, but `{resource_item.name}` is a {self.entities[named].kind}", resource_item.span)
                        continue
                    resource_half = s.StatementSyntax(
                        effect="allow", actions=decl.actions, span=decl.span,
                        resources=[s.ResourceItem("self", resource_item.span, child=resource_item.child)],
                        principals=[account_item], conditions=decl.conditions,
                    )
                    ctx = PolicyContext(PolicyKind.RESOURCE, draft.decl.name.account, draft.target)
                    draft.extra_statements.extend(self.compile_statement(resource_half, ctx))

    # ---------------------------------------------------------------- entities
    def _resolve_entities(self) -> dict[str, IdentityEntity]:
        principals: dict[str, IdentityEntity] = {}
        for key, draft in self.entities.items():
            if self._account(draft.account, draft.span) is None:
                continue
            arn = self._entity_arn(draft)
            ctx = PolicyContext(PolicyKind.IDENTITY, draft.account)
            inline: list[Policy] = []
            if draft.statements or draft.extra_statements:
                inline.append(self._policy_from_statements(draft.statements, INLINE_POLICY, PolicyKind.IDENTITY, ctx, draft.span, draft.extra_statements))
            for name, bodies in draft.inline.items():
                statements: list[Statement] = []
                version: str | None = "2012-10-17"
                policy_id: str | None = None  # a JSON document's Id, kept for export
                for body in bodies:
                    policy = self._policy_from_body(body, name, PolicyKind.IDENTITY, ctx)
                    if policy is not None:
                        statements.extend(policy.statements)
                        version, policy_id = policy.version, policy.id
                inline.append(Policy(name=name, kind=PolicyKind.IDENTITY, version=version, id=policy_id, statements=tuple(statements), span=bodies[0].span))
            managed = tuple(a for a in (self._managed_arn(n, "managed policy") for n in draft.attach) if a)
            boundary = self._managed_arn(draft.boundary, "boundary policy") if draft.boundary else None
            trust = None
            if draft.trust or draft.extra_trust:
                trust_ctx = PolicyContext(PolicyKind.TRUST, draft.account)
                statements = []
                version = "2012-10-17"
                policy_id = None
                for body in draft.trust:
                    policy = self._policy_from_body(body, "trust", PolicyKind.TRUST, trust_ctx)
                    if policy is not None:
                        statements.extend(policy.statements)
                        version, policy_id = policy.version, policy.id
                statements.extend(draft.extra_trust)
                span = draft.trust[0].span if draft.trust else draft.span
                trust = Policy(name="trust", kind=PolicyKind.TRUST, version=version, id=policy_id, statements=tuple(statements), span=span)
            groups = []
            for group in draft.members:
                target = self.entities.get(group.key)
                if target is None or target.kind != "group":
                    known = [k for k, e in self.entities.items() if e.kind == "group"]
                    self.out.error("E010", f"unknown group `{group}`", group.span, help=suggestion(group.key, known) or f"declare it: `group {group}`")
                elif group.account != draft.account:
                    self.out.error("E018", f"a user can only join groups of its own account, and `{group}` is in {group.account}", group.span)
                else:
                    groups.append(group.key)
            if draft.path is not None and not (draft.path.startswith("/") and draft.path.endswith("/")):
                self.out.error("E018", f"the path `{draft.path}` must begin and end with `/`", draft.path_span)
            principals[key] = IdentityEntity(
                kind=PrincipalKind(draft.kind),
                account=draft.account,
                name=draft.name,
                arn=arn,
                path=draft.path or "/",
                tags=draft.tags,
                inline_policies=tuple(inline),
                managed_policies=managed,
                boundary=boundary,
                trust_policy=trust,
                groups=tuple(groups),
                span=draft.span,
            )
        return principals

    # ---------------------------------------------------------------- resources and endpoints
    def _resolve_resources(self) -> dict[str, Resource]:
        resources: dict[str, Resource] = {}
        for key, draft in self.resources.items():
            target = draft.target
            if target is None:
                continue
            decl = draft.decl
            ctx = PolicyContext(PolicyKind.RESOURCE, decl.name.account, target)
            statements: list[Statement] = []
            version: str | None = "2012-10-17"
            policy_id: str | None = None  # a JSON document's Id, kept for export
            if draft.statements:
                statements.extend(self._policy_from_statements(draft.statements, "policy", PolicyKind.RESOURCE, ctx, decl.span).statements)
            for body in draft.bodies:
                policy = self._policy_from_body(body, "policy", PolicyKind.RESOURCE, ctx)
                if policy is not None:
                    statements.extend(policy.statements)
                    version, policy_id = policy.version, policy.id
            statements.extend(draft.extra_statements)
            policy = Policy(name="policy", kind=PolicyKind.RESOURCE, version=version, id=policy_id, statements=tuple(statements), span=decl.span) if (statements or draft.bodies) else None
            service = target.arn.split(":")[2] if target.arn.count(":") >= 5 else ""
            resources[key] = Resource(
                account=decl.name.account,
                name=decl.name.name,
                arn=target.arn,
                service=service,
                type=target.type.name if target.type else None,
                region=draft.region if (target.type is None or target.type.needs_region) else None,
                tags=draft.tags,
                policy=policy,
                mechanisms=tuple(dict.fromkeys(draft.mechanisms)),
                span=decl.span,
            )
        return resources

    def _resolve_endpoints(self) -> dict[str, Endpoint]:
        endpoints: dict[str, Endpoint] = {}
        for key, decls in self.endpoint_decls.items():
            first = decls[0]
            if self._account(first.name.account, first.name.span) is None:
                continue
            ctx = PolicyContext(PolicyKind.ENDPOINT, first.name.account)
            statements: list[Statement] = []
            bodies: list[s.PolicyBody] = []
            syntax_statements: list[s.StatementSyntax] = []
            vpc = None
            tags: dict[str, str] = {}
            for decl in decls:
                if decl.id != first.id:
                    self.out.error("E011", f"endpoint `{key}` has two IDs: `{first.id}` and `{decl.id}`", decl.span)
                for item in decl.items:
                    if isinstance(item, s.StatementSyntax):
                        syntax_statements.append(item)
                    elif isinstance(item, s.ResourcePolicy):
                        bodies.append(item.body)
                    elif isinstance(item, s.VpcItem):
                        vpc = item.value
                    elif isinstance(item, s.Tags):
                        self._merge_tags(tags, item, key)
            if syntax_statements:
                statements.extend(self._policy_from_statements(syntax_statements, "policy", PolicyKind.ENDPOINT, ctx, first.span).statements)
            version: str | None = "2012-10-17"
            policy_id: str | None = None  # a JSON document's Id, kept for export
            for body in bodies:
                policy = self._policy_from_body(body, "policy", PolicyKind.ENDPOINT, ctx)
                if policy is not None:
                    statements.extend(policy.statements)
                    version, policy_id = policy.version, policy.id  # a JSON document keeps its own Version, as for resources
            policy = Policy(name="policy", kind=PolicyKind.ENDPOINT, version=version, id=policy_id, statements=tuple(statements), span=first.span) if (syntax_statements or bodies) else None
            endpoints[key] = Endpoint(account=first.name.account, name=first.name.name, id=first.id, vpc=vpc, tags=tags, policy=policy, span=first.span)
        return endpoints

    # ---------------------------------------------------------------- organizations
    def _resolve_orgs(self) -> dict[str, Organization]:
        organizations: dict[str, Organization] = {}
        placed: dict[str, str] = {}  # account -> org
        for name, decls in self.org_decls.items():
            org_id = None
            for decl in decls:
                if decl.id is not None:
                    if org_id is not None and decl.id != org_id:
                        self.out.error("E011", f"organization `{name}` has two IDs: `{org_id}` and `{decl.id}`", decl.span)
                    org_id = org_id or decl.id
            items = [item for decl in decls for item in decl.items]
            builder = OrgBuilder(self, name)
            root = builder.unit("root", items, decls[0].span, is_root=True)
            for account in builder.accounts_seen:
                if account in placed and placed[account] != name:
                    self.out.error("E011", f"account `{account}` is in two organizations: `{placed[account]}` and `{name}`", decls[0].span)
                placed[account] = name
            organizations[name] = Organization(
                name=name,
                id=org_id or derived_org_id(name),
                management_account=builder.management,
                all_features=builder.all_features,
                root=root,
                account_attachments=builder.attachments,
                scps=builder.scps,
                rcps=builder.rcps,
                span=decls[0].span,
            )
        return organizations

    # ---------------------------------------------------------------- expectations
    def _resolve_expect(self, decl: s.ExpectDecl) -> Expectation | None:
        errors_before = len(self.out.diagnostics)
        if decl.kind == "only":
            subjects = [self._subject(x) for x in decl.subjects]
            action_item, resource_item, context_items = decl.action, decl.resource, decl.context
            session_policy, session_tags = None, {}
        else:
            request = decl.request
            subjects = [self._subject(request.subject)]
            if request.session is not None and request.session.name and subjects[0] is not None:
                subjects = [subjects[0].model_copy(update={"session_name": request.session.name})]
            action_item, resource_item, context_items = request.action, request.resource, request.context
            session_policy, session_tags = self._session(request.session)
        if decl.because is not None and decl.because not in REASONS:
            self.out.error(
                "E038",
                f"unknown reason `{decl.because}`",
                decl.because_span,
                help=suggestion(decl.because, REASONS) or f"reasons: {', '.join(REASONS)}",
            )
        actions = self._request_actions(action_item)
        target = self._target(resource_item, PolicyContext(PolicyKind.IDENTITY))
        context = tuple(self._context_value(item) for item in context_items)
        if any(d.severity.value == "error" for d in self.out.diagnostics[errors_before:]) or target is None or None in subjects:
            return None
        return Expectation(
            kind=decl.kind,
            subjects=tuple(subjects),
            action=action_item.text,
            actions=tuple(actions),
            resource=target.arn,
            resource_name=str(resource_item.name) + (f"/{resource_item.child}" if resource_item.child else "") if resource_item.name else None,
            context=context,
            session_policy=session_policy,
            session_tags=session_tags,
            because=decl.because,
            except_roots=decl.except_roots,
            span=decl.span,
        )

    def _open_account_subject(self, text: str, span: Span) -> Subject | None:
        """`account C` in an `only` list: every principal of an open account, which the model cannot list."""
        if text.isdigit():
            if len(text) != 12:
                self.out.error("E013", f"`{text}` is not an account ID; an account ID has 12 digits", span)
                return None
            account_id = text
        else:
            account = self._account(text, span)
            if account is None:
                return None
            if not account.external:
                self.out.error(
                    "E018",
                    f"account `{text}` is modelled, so its principals are named one by one",
                    span,
                    help=f"list its roles and users, and `{text}.root` for its root user; `account {text}` is for open accounts (declared `external`)",
                )
                return None
            account_id = account.id
        return Subject(kind="open-account", name=account_id, span=span)

    def _request_actions(self, item: s.ActionItem) -> list[str]:
        if item.kind == "verb":
            verb = self._verb(item)
            return list(verb.actions) if verb else []
        info = catalog.action(item.text)
        if info is None and "*" not in item.text:
            self.out.warning("W108", f"unknown action `{item.text}`", item.span, help=suggestion(item.text, catalog.all_action_names()))
        return [info.full_name if info else item.text]

    def _context_value(self, item: s.ContextItem) -> ContextValue:
        if catalog.condition_key(item.key) is None:
            self.out.warning("W110", f"unknown condition key `{item.key}`", item.span, help=suggestion(item.key, catalog.all_condition_key_names()))
        values = tuple(v.text for v in item.values) if item.values is not None else None
        return ContextValue(key=item.key, values=values, span=item.span)

    def _session(self, session: s.SessionSyntax | None) -> tuple[Policy | None, dict[str, str]]:
        if session is None:
            return None, {}
        tags: dict[str, str] = {}
        for group in session.tags:
            self._merge_tags(tags, group, "the session")
        policy = None
        if session.statements:
            policy = self._policy_from_statements(session.statements, session.name or "session", PolicyKind.SESSION, PolicyContext(PolicyKind.SESSION), session.span)
        return policy, tags

    def _subject(self, subject: s.SubjectSyntax) -> Subject | None:
        span = subject.span
        if subject.kind == "anonymous":
            return Subject(kind="anonymous", name="anonymous", span=span)
        if subject.kind == "service":
            return Subject(kind="service", name=subject.text, span=span)
        if subject.kind in ("oidc", "saml"):
            return Subject(kind=subject.kind, name=subject.text, span=span)
        if subject.kind == "arn":
            return Subject(kind="arn", name=subject.text, arn=subject.text, span=span)
        if subject.kind == "anyone":
            return Subject(kind="anyone", name="anyone", span=span)
        if subject.kind == "organization":
            return Subject(kind="organization", name=subject.text, span=span)
        if subject.kind == "open-account":
            return self._open_account_subject(subject.text, span)
        name = subject.name
        entity = self.entities.get(name.key)
        if subject.kind == "federated":
            if entity is None or entity.kind != "user":
                known = [k for k, e in self.entities.items() if e.kind == "user"]
                self.out.error("E010", f"unknown user `{name}`", name.span, help=suggestion(name.key, known) or "a federated session belongs to an IAM user")
                return None
            return Subject(kind="federated", name=name.key, arn=self._entity_arn(entity), session_name=subject.session_name or name.name, span=span)
        if entity is None:
            if name.name == "root":
                account = self._account(name.account, name.span)
                return Subject(kind="root", name=name.key, arn=account.root_arn, span=span) if account else None
            self._unknown_principal(name)
            return None
        if entity.kind == "group":
            self.out.error("E036", f"`{name}` is a group, and a group cannot make requests", name.span, help="ask about one of its users")
            return None
        kind = "role-session" if entity.kind == "role" else "user"
        return Subject(kind=kind, name=name.key, arn=self._entity_arn(entity), span=span)


@dataclass(slots=True)
class ResolvedQuery:
    """A query in model terms: `can` carries an Expectation-shaped request; the others their parts."""

    kind: str  # can, who, what, how
    span: Span
    expectation: Expectation | None = None
    subject: Subject | None = None
    action: str | None = None
    actions: tuple[str, ...] = ()
    resource: str | None = None
    resource_name: str | None = None
    context: tuple[ContextValue, ...] = ()


def resolve(files: list[s.SourceFile], prelude: list[s.SourceFile] = ()) -> tuple[Model, list[Diagnostic]]:
    return Resolver(files, prelude).run()
