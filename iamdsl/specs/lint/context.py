"""What every lint rule reads: the model, the user's text, and the model's policies by owner.

Stage: lint input.  Built once per run and shared by the rules, which never
change it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator, Mapping

from iamdsl.engine.world import World
from iamdsl.language import syntax as s
from iamdsl.model import Account, IdentityEntity, Model, Policy, PolicyKind, PrincipalKind, PrincipalType, Resource, Span, Statement
from iamdsl.specs.lint.sources import SourceIndex, index_sources


@dataclass(frozen=True, slots=True)
class Site:
    """A policy and what it belongs to."""

    policy: Policy
    where: str  # how messages name it: "the trust policy of `B.Deployer`"
    account: str | None  # the owning account's name (None for an organization's policies)
    entity: IdentityEntity | None = None  # inline and trust policies
    resource: Resource | None = None  # resource policies
    managed_arn: str | None = None  # managed policies
    builtin: bool = False  # FullAWSAccess and RCPFullAWSAccess: written by no one

    @property
    def kind(self) -> PolicyKind:
        return self.policy.kind

    @property
    def span(self) -> Span | None:
        return self.policy.span


class LintContext:
    def __init__(self, model: Model, sources: Mapping[str, str]):
        self.model = model
        self.sources = sources
        self.index: SourceIndex = index_sources(model.files, sources)
        self.world = World(model)

    # ---------------------------------------------------------------- policies
    @functools.cached_property
    def sites(self) -> list[Site]:
        """Every policy of the model with its owner, in a stable order."""
        found: list[Site] = []
        model = self.model
        for entity in model.principals.values():
            name = entity.qualified_name
            for policy in entity.inline_policies:
                where = f"the inline policy of `{name}`" if policy.name == "inline" else f"the policy `{policy.name}` of `{name}`"
                found.append(Site(policy, where, entity.account, entity=entity))
            if entity.trust_policy is not None:
                found.append(Site(entity.trust_policy, f"the trust policy of `{name}`", entity.account, entity=entity))
        for arn, managed in model.managed_policies.items():
            found.append(Site(managed.policy, f"the managed policy `{managed.account}.{managed.name}`", managed.account, managed_arn=arn))
        for resource in model.resources.values():
            if resource.policy is not None:
                found.append(Site(resource.policy, f"the resource policy of `{resource.qualified_name}`", resource.account, resource=resource))
        for endpoint in model.endpoints.values():
            if endpoint.policy is not None:
                found.append(Site(endpoint.policy, f"the endpoint policy of `{endpoint.account}.{endpoint.name}`", endpoint.account))
        for org in model.organizations.values():
            for name, policy in {**org.scps, **org.rcps}.items():
                word = "SCP" if policy.kind is PolicyKind.SCP else "RCP"
                found.append(Site(policy, f"the {word} `{name}`", None, builtin=policy.span is None))
        return found

    def statements(self) -> Iterator[tuple[Site, Statement]]:
        for site in self.sites:
            if site.builtin:
                continue
            for statement in site.policy.statements:
                yield site, statement

    # ---------------------------------------------------------------- what the user wrote
    def written(self, statement: Statement) -> s.StatementSyntax | s.DelegateDecl | None:
        return self.index.written(statement.span)

    def raw_actions(self, statement: Statement) -> list[tuple[str, Span | None]]:
        """The statement's actions the user wrote out (not brought by a verb), each with its own span."""
        actions = statement.actions or statement.not_actions or ()
        written = self.written(statement)
        if written is None:  # IAM JSON: every action is written out, at the statement
            return [(a, statement.span) for a in actions]
        spans = {item.text: item.span for item in written.actions if item.kind == "action"}
        if any(item.kind == "any" for item in written.actions):
            spans.setdefault("*", written.span)
        return [(a, spans[a]) for a in actions if a in spans]

    # ---------------------------------------------------------------- accounts and principals
    def account_of_id(self, account_id: str) -> Account | None:
        return self.world.accounts_by_id.get(account_id)

    def is_modelled(self, account_name: str) -> bool:
        """Declared with its principals (design.md §2); anything else is open."""
        account = self.model.accounts.get(account_name)
        if account is None or account.external:
            return False
        return account_name in self._accounts_with_principals

    @functools.cached_property
    def _accounts_with_principals(self) -> frozenset[str]:
        return frozenset(e.account for e in self.model.principals.values())

    def principal_account(self, value: str) -> str | None:
        """The account name of an AWS principal (`arn:aws:iam::ID:…` or a bare ID), if modelled at all."""
        if value.isdigit() and len(value) == 12:
            account_id = value
        else:
            fields = value.split(":", 5)
            if len(fields) != 6 or fields[0] != "arn":
                return None
            account_id = fields[4]
        account = self.account_of_id(account_id)
        return account.name if account else None

    def is_account_principal(self, value: str) -> bool:
        return (value.isdigit() and len(value) == 12) or (value.startswith("arn:") and value.endswith(":root"))

    def members(self, group: IdentityEntity) -> list[IdentityEntity]:
        return [e for e in self.model.principals.values() if group.qualified_name in e.groups]

    def applies_to(self, site: Site) -> list[IdentityEntity]:
        """The roles and users an identity-side policy (inline, managed, boundary) always applies to."""
        entities: list[IdentityEntity] = []
        if site.entity is not None and site.kind is PolicyKind.IDENTITY:
            owners = [site.entity]
        elif site.managed_arn is not None:
            owners = [e for e in self.model.principals.values() if site.managed_arn in e.managed_policies or e.boundary == site.managed_arn]
        else:
            return []
        for owner in owners:
            entities.extend(self.members(owner) if owner.kind is PrincipalKind.GROUP else [owner])
        return list({e.arn: e for e in entities}.values())

    def name_of_arn(self, arn: str) -> str:
        """A DSL name for an ARN where the model declares one, else the ARN."""
        resource = self.world.resources_by_arn.get(arn)
        if resource is not None:
            return resource.qualified_name
        entity = self.world.entities_by_arn.get(arn)
        if entity is not None:
            return entity.qualified_name
        for account in self.model.accounts.values():
            if arn == account.root_arn or arn == account.id:
                return f"account {account.name}"
        return arn


def is_everyone(principal_type: PrincipalType, value: str) -> bool:
    """`"*"` or `{"AWS": "*"}`: every principal, anonymous callers included."""
    return principal_type is PrincipalType.STAR or (principal_type is PrincipalType.AWS and value == "*")
