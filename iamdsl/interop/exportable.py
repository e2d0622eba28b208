"""What a model can become in AWS: the checks every export format runs first.

Stage: interop (checked model -> findings about exporting it).

A design can say things AWS cannot hold: an account whose ID iamdsl made up,
a role that attaches another account's policy, a name IAM refuses.  Those are
errors (X001, X002), found all at once before a single file is written.  Other
things export, but not quite as they are, and each is said as a warning
rather than left out in silence: an empty policy document AWS would refuse
(X102), a declaration an export format cannot hold (X103), a placeholder ID (X101).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iamdsl.language.errors import Collector, Diagnostic, Severity
from iamdsl.model import Account, IdentityEntity, Model, NotModelled, Policy, PrincipalKind, Resource, Span

# IAM's own name rules (the IAM API reference): characters and maximum lengths.
_NAME_CHARS = re.compile(r"[\w+=,.@-]+", re.ASCII)
NAME_LIMITS = {PrincipalKind.ROLE: 64, PrincipalKind.USER: 64, PrincipalKind.GROUP: 128}
POLICY_NAME_LIMIT = 128
AWS_MANAGED = "aws"  # the account name of AWS-managed policies (`policy aws.X …`)


@dataclass(slots=True)
class Findings:
    """Errors stop an export; warnings go with the files it writes."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def modelled_accounts(model: Model) -> list[Account]:
    """The accounts an export writes: every account that is not open (`external`)."""
    return [a for a in model.accounts.values() if not a.external]


def check_exportable(model: Model, *, placeholder_ids: bool) -> Findings:
    """Everything that stops `model` from becoming AWS configuration, and what changes on the way."""
    out = Collector()
    _account_ids(model, out, placeholder_ids)
    for entity in model.principals.values():
        if model.accounts.get(entity.account) is not None and model.accounts[entity.account].external:
            continue  # reported once for the account, below
        _entity(model, entity, out)
    for managed in model.managed_policies.values():
        if managed.account != AWS_MANAGED:
            _name(managed.name, POLICY_NAME_LIMIT, "a managed policy", managed.span, out)
        _empty(managed.policy, f"managed policy `{managed.account}.{managed.name}`", managed.span, out)
    for resource in model.resources.values():
        if resource.policy is not None:
            _empty(resource.policy, f"the policy of `{resource.qualified_name}`", resource.span, out)
    for endpoint in model.endpoints.values():
        if endpoint.policy is not None:
            _empty(endpoint.policy, f"the policy of endpoint `{endpoint.account}.{endpoint.name}`", endpoint.span, out)
    for org in model.organizations.values():
        if org.management_account is None:
            out.warning(
                "X103",
                f"organization `{org.name}` names no management account, so its ARNs are not exported",
                org.span,
                help="every AWS organization has one, and its ARNs name it: add `management ACCOUNT`",
            )
        for name, policy in {**org.scps, **org.rcps}.items():
            _empty(policy, f"`{name}` of organization `{org.name}`", policy.span or org.span, out)
    _external_declarations(model, out)
    for account in model.accounts.values():
        if account.tags and not account.external:
            out.warning(
                "X103",
                f"the tags of account `{account.name}` are not exported",
                account.span,
                help="AWS keeps account tags in AWS Organizations (`aws organizations tag-resource`); set them there",
            )
    return Findings(sorted(out.diagnostics, key=lambda d: d.sort_key))


def _account_ids(model: Model, out: Collector, placeholder_ids: bool) -> None:
    derived = [a for a in model.accounts.values() if a.id_derived]
    for account in derived:
        if placeholder_ids:
            out.warning(
                "X101",
                f"account `{account.name}` is exported with the placeholder ID {account.id}",
                account.span,
                help=f"replace it with the real ID before deploying, or declare it: `account {account.name} 123456789012`",
            )
        else:
            out.error(
                "X001",
                f"account `{account.name}` has no ID: {account.id} was derived from its name",
                account.span,
                help=f"declare the real ID (`account {account.name} 123456789012`), "
                "or pass --placeholder-ids to export the derived ID as a placeholder",
            )


def _entity(model: Model, entity: IdentityEntity, out: Collector) -> None:
    what = f"{entity.kind.value} `{entity.qualified_name}`"
    _name(entity.name, NAME_LIMITS[entity.kind], f"a {entity.kind.value}", entity.span, out)
    for policy in entity.inline_policies:
        _name(policy.name, POLICY_NAME_LIMIT, "an inline policy", policy.span or entity.span, out)
        _empty(policy, f"the inline policy `{policy.name}` of {what}", policy.span or entity.span, out)
    uses = [(arn, "attaches") for arn in entity.managed_policies]
    if entity.boundary is not None:
        uses.append((entity.boundary, "uses as its boundary"))
    for arn, how in uses:
        managed = model.managed_policies.get(arn)
        if managed is not None and managed.account not in (AWS_MANAGED, entity.account):
            out.error(
                "X002",
                f"{what} {how} `{managed.account}.{managed.name}`, a policy of account {managed.account}",
                entity.span,
                help=f"AWS attaches only policies of the same account or AWS-managed ones; declare the policy in account {entity.account}",
            )
    if entity.kind is PrincipalKind.GROUP and entity.tags:
        out.warning(
            "X103",
            f"{what} has tags, which IAM groups cannot have: they are not exported",
            entity.span,
            help="tag the group's users instead; a group's tags never reach aws:PrincipalTag",
        )
    if entity.kind is PrincipalKind.ROLE and entity.trust_policy is None:
        out.warning(
            "X102",
            f"{what} has no trust policy, which AWS requires: it is exported with one that has no statements",
            entity.span,
            help="AWS refuses an empty policy document; add a `trust { … }` block saying who may assume the role",
        )


def _name(name: str, limit: int, what: str, span: Span | None, out: Collector) -> None:
    if not _NAME_CHARS.fullmatch(name) or len(name) > limit:
        out.error(
            "X002",
            f"`{name}` is not a name IAM accepts for {what}",
            span,
            help=f"IAM names are 1 to {limit} characters of letters, digits and + = , . @ _ -",
        )


def _empty(policy: Policy, what: str, span: Span | None, out: Collector) -> None:
    if not policy.statements:
        out.warning(
            "X102",
            f"{what} has no statements: AWS refuses an empty policy document",
            span,
            help="add a statement, or remove the policy before deploying",
        )


def mechanism_not_exported(resource: Resource, mechanism: NotModelled, out: Collector, where: str = "") -> None:
    """X103 for a declared mechanism (`acls enabled` …) a format cannot write."""
    out.warning(
        "X103",
        f"`{resource.qualified_name}` declares `{mechanism.value.replace('-', '_')} enabled`, which is not exported{where}",
        resource.span,
        help="configure it on the resource itself",
    )


def _external_declarations(model: Model, out: Collector) -> None:
    open_accounts = {a.name: a for a in model.accounts.values() if a.external}
    held: dict[str, int] = {}
    for group in (model.principals.values(), model.resources.values(), model.endpoints.values(), model.managed_policies.values()):
        for item in group:
            if item.account in open_accounts:
                held[item.account] = held.get(item.account, 0) + 1
    for name, count in held.items():
        out.warning(
            "X103",
            f"account `{name}` is external, so the {count} declaration{'s' if count != 1 else ''} in it {'are' if count != 1 else 'is'} not exported",
            open_accounts[name].span,
            help="an external account is one whose principals you do not know or control; drop `external` to export it",
        )
