"""Organizations: units, SCPs and RCPs, and what is attached where.

Stage: syntax tree -> model, for one `organization` block (merged across
files).  The built-in policies are always there: FullAWSAccess is attached at
every level by default and can be detached; RCPFullAWSAccess is attached
everywhere and cannot be (rulebook R53).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iamdsl.language import syntax as s
from iamdsl.language.check import RCP_FULL_ACCESS
from iamdsl.language.errors import suggestion
from iamdsl.model import AccountAttachments, Effect, OrgUnit, Policy, PolicyKind, Principal, PrincipalType, Span, Statement

if TYPE_CHECKING:
    from iamdsl.language.resolve import Resolver

FULL_AWS_ACCESS = "FullAWSAccess"


class OrgBuilder:
    """Builds one organization's tree of units, policies and attachments."""

    def __init__(self, resolver: "Resolver", name: str):
        self.r = resolver
        self.name = name
        self.management: str | None = None
        self.all_features = True
        self.scps: dict[str, Policy] = {FULL_AWS_ACCESS: _full_access(FULL_AWS_ACCESS, PolicyKind.SCP)}
        self.rcps: dict[str, Policy] = {RCP_FULL_ACCESS: _full_access(RCP_FULL_ACCESS, PolicyKind.RCP)}
        self.attachments: dict[str, AccountAttachments] = {}
        self.accounts_seen: dict[str, Span] = {}

    def _policies(self, items: list[Any]) -> None:
        for item in items:
            if isinstance(item, s.OrgPolicyDecl):
                table = self.scps if item.kind == "scp" else self.rcps
                kind = PolicyKind.SCP if item.kind == "scp" else PolicyKind.RCP
                if item.name in table and item.name in (FULL_AWS_ACCESS, RCP_FULL_ACCESS):
                    self.r.out.error("E011", f"`{item.name}` is built in and cannot be redefined", item.span)
                    continue
                policy = self.r._policy_from_body(item.body, item.name, kind, self.r.policy_context(kind))
                if policy is not None:
                    if item.name in table:
                        policy = policy.model_copy(update={"statements": table[item.name].statements + policy.statements})
                    table[item.name] = policy
            elif isinstance(item, (s.OuDecl, s.OrgAccount)):
                self._policies(item.items)

    def unit(self, name: str, items: list[Any], span: Span, *, is_root: bool = False) -> OrgUnit:
        if is_root:
            self._policies(items)
        scps, rcps = [FULL_AWS_ACCESS], [RCP_FULL_ACCESS]
        accounts: list[str] = []
        children: list[OrgUnit] = []
        for item in items:
            if isinstance(item, s.Management):
                if not is_root:
                    self.r.out.error("E018", "the management account is named at the organization's root", item.span)
                elif self.management is not None and self.management != item.account:
                    self.r.out.error("E011", f"two management accounts: `{self.management}` and `{item.account}`", item.span)
                elif self.r._account(item.account, item.span) is not None:
                    self.management = item.account
                    self._place(item.account, item.span)
                    accounts.append(item.account)
            elif isinstance(item, s.Features):
                if item.value not in ("all", "consolidated_billing"):
                    self.r.out.error("E018", f"unknown feature set `{item.value}`", item.span, help="use `features all` or `features consolidated_billing`")
                self.all_features = item.value == "all"
            elif isinstance(item, s.OuDecl):
                children.append(self.unit(item.name, item.items, item.span))
            elif isinstance(item, s.OrgAccount):
                for account, account_span in item.names:
                    if self.r._account(account, account_span) is None:
                        continue
                    self._place(account, account_span)
                    accounts.append(account)
                    a_scps, a_rcps = [FULL_AWS_ACCESS], [RCP_FULL_ACCESS]
                    self._attachments(item.items, a_scps, a_rcps)
                    self.attachments[account] = AccountAttachments(scps=tuple(a_scps), rcps=tuple(a_rcps))
            elif isinstance(item, (s.OrgAttach, s.OrgDetach)):
                self._attachments([item], scps, rcps)
        return OrgUnit(name=name, accounts=tuple(dict.fromkeys(accounts)), children=tuple(children), scps=tuple(scps), rcps=tuple(rcps), span=span)

    def _place(self, account: str, span: Span) -> None:
        if account in self.accounts_seen and self.accounts_seen[account] != span:
            self.r.out.error("E011", f"account `{account}` is placed twice in organization `{self.name}`", span, help=f"it is already at {self.accounts_seen[account]}")
        self.accounts_seen.setdefault(account, span)

    def _attachments(self, items: list[Any], scps: list[str], rcps: list[str]) -> None:
        for item in items:
            if isinstance(item, s.OrgAttach):
                for policy_name, span in item.names:
                    if policy_name in self.scps:
                        scps.append(policy_name)
                    elif policy_name in self.rcps:
                        rcps.append(policy_name)
                    else:
                        self.r.out.error("E010", f"unknown SCP or RCP `{policy_name}`", span, help=suggestion(policy_name, list(self.scps) + list(self.rcps)) or f"declare it: `scp {policy_name} {{ … }}`")
            elif isinstance(item, s.OrgDetach):
                if item.name == RCP_FULL_ACCESS:
                    self.r.out.error("E018", "RCPFullAWSAccess is attached everywhere and cannot be detached (R53)", item.span)
                elif item.name in scps:
                    scps.remove(item.name)
                elif item.name in rcps:
                    rcps.remove(item.name)
                else:
                    self.r.out.error("E010", f"`{item.name}` is not attached here", item.span, help=suggestion(item.name, scps + rcps))
        scps[:] = list(dict.fromkeys(scps))
        rcps[:] = list(dict.fromkeys(rcps))


def _full_access(name: str, kind: PolicyKind) -> Policy:
    principals = (Principal(type=PrincipalType.STAR, value="*"),) if kind is PolicyKind.RCP else None
    statement = Statement(effect=Effect.ALLOW, actions=("*",), resources=("*",), principals=principals)
    return Policy(name=name, kind=kind, statements=(statement,))
