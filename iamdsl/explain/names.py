"""ARNs and account IDs back to the names a person wrote in the model.

Stage: explain (trace -> words).  The engine works in ARNs; answers speak in
DSL names: `arn:aws:iam::222222222222:root` is `B.root`, a role ARN is
`B.SomeRole`, a bucket's `…/*` is `A.logs/*`, an account ID is `B`.  An ARN
the model does not declare stays an ARN, so nothing is ever renamed wrongly.

Design.md §1: in paths and pictures `B.root` is the *account principal* (the
guide's node for "account B as a whole").  Wherever an answer means the root
*user*, it says `B.root (root user)`; `Names.caller` does that for callers.
"""

from __future__ import annotations

import re

from iamdsl.engine.callers import DEFAULT_SESSION
from iamdsl.engine.request import Caller, CallerKind
from iamdsl.language.syntax import quote_if_needed
from iamdsl.model import Model

_ROOT_ARN = re.compile(r"arn:[^:\s]+:iam::(\d{12}):root\Z")
_SESSION_ARN = re.compile(r"arn:([^:\s]+):sts::(\d{12}):assumed-role/([^/\s]+)/(\S+)\Z")
# Free text: an ARN runs to the next space or closing punctuation; IDs are exactly 12 digits.
_ARN_IN_TEXT = re.compile(r"arn:[^\s,;()`'\"]+")
_ID_IN_TEXT = re.compile(r"(?<![\w:/.-])\d{12}(?![\w/-])")


def _display(account: str, name: str) -> str:
    return f"{account}.{quote_if_needed(name)}"


class Names:
    """Name lookups for one model; build once per model and reuse."""

    def __init__(self, model: Model):
        self.model = model
        self._accounts: dict[str, str] = {a.id: a.name for a in model.accounts.values()}
        self._by_arn: dict[str, str] = {}
        for entity in model.principals.values():
            self._by_arn[entity.arn] = _display(entity.account, entity.name)
        for managed in model.managed_policies.values():
            self._by_arn[managed.arn] = _display(managed.account, managed.name)
        self._resources: dict[str, str] = {}
        for resource in model.resources.values():
            self._resources[resource.arn] = _display(resource.account, resource.name)
        self._by_arn.update(self._resources)
        self._endpoints = {e.id: _display(e.account, e.name) for e in model.endpoints.values()}

    # ---------------------------------------------------------------- accounts
    def account(self, account_id: str | None) -> str:
        """`222222222222` -> `B`; an account the model does not declare keeps its ID."""
        if account_id is None:
            return "an unknown account"
        return self._accounts.get(account_id, account_id)

    def account_principal(self, account_id: str | None) -> str:
        """The guide's node for a whole account: `B.root` (not the root user)."""
        if account_id is None:
            return "an unknown account"
        name = self._accounts.get(account_id)
        return f"{name}.root" if name else f"arn:aws:iam::{account_id}:root"

    def root_user(self, account_id: str | None) -> str:
        return f"{self.account_principal(account_id)} (root user)"

    # ---------------------------------------------------------------- ARNs
    def of(self, arn: str) -> str:
        """The DSL name of an ARN, a resource child (`A.logs/*`), or the ARN itself."""
        if arn == "*":
            return "*"
        found = self._by_arn.get(arn)
        if found is not None:
            return found
        root = _ROOT_ARN.match(arn)
        if root and root.group(1) in self._accounts:
            return f"{self._accounts[root.group(1)]}.root"
        session = _SESSION_ARN.match(arn)
        if session:
            role = self._by_arn.get(f"arn:{session.group(1)}:iam::{session.group(2)}:role/{session.group(3)}")
            if role is None:  # roles with a path: match on the account and the role's name
                role = next(
                    (self._by_arn[e.arn] for e in self.model.principals.values()
                     if e.name == session.group(3) and self._account_id(e.account) == session.group(2)),
                    None,
                )
            if role is not None:
                return role if session.group(4) == DEFAULT_SESSION else f"{role} (session {session.group(4)})"
        parent = self.resource_node(arn)
        if parent != arn:
            child = arn[len(self._parent_arn(arn)) + 1:]
            return f"{parent}/{'*' if child == '*' else quote_if_needed(child)}"
        if arn in self._endpoints:
            return self._endpoints[arn]
        return arn

    def resource_node(self, arn: str) -> str:
        """The declared resource an ARN belongs to: the bucket for an object; else the name of the ARN."""
        if arn in self._by_arn:
            return self._by_arn[arn]
        parent = self._parent_arn(arn)
        return self._resources[parent] if parent else arn

    def _parent_arn(self, arn: str) -> str | None:
        head, sep, _ = arn.partition("/") if ":s3:::" in arn else ("", "", "")
        return head if sep and head in self._resources else None

    def _account_id(self, name: str) -> str | None:
        account = self.model.accounts.get(name)
        return account.id if account else None

    # ---------------------------------------------------------------- callers
    def caller(self, caller: Caller) -> str:
        """The caller as a node of a path: `B.SomeRole`, `B.root (root user)`, `service sns.amazonaws.com`."""
        kind = caller.kind
        if kind is CallerKind.ANONYMOUS:
            return "anonymous"
        if kind is CallerKind.SERVICE:
            return f"service {caller.service}"
        if kind is CallerKind.WEB_IDENTITY:
            return f"oidc {caller.provider}"
        if kind is CallerKind.SAML:
            return f"saml {caller.provider}"
        if kind is CallerKind.ROOT:
            return self.root_user(caller.account)
        if caller.entity is not None:
            name = _display(caller.entity.account, caller.entity.name)
            if kind is CallerKind.FEDERATED_USER:
                return f"{name} (federated user {caller.session_name})"
            if kind is CallerKind.ROLE_SESSION and caller.session_name not in (None, DEFAULT_SESSION):
                return f"{name} (session {caller.session_name})"
            return name
        return self.of(caller.arn) if caller.arn else kind.value

    # ---------------------------------------------------------------- free text
    def humanize(self, text: str) -> str:
        """Put names in for the ARNs and account IDs in an engine sentence."""
        text = text.replace(f" (session {DEFAULT_SESSION})", "")
        text = _ARN_IN_TEXT.sub(lambda m: self._arn_in_text(m.group(0)), text)
        return _ID_IN_TEXT.sub(lambda m: self._accounts.get(m.group(0), m.group(0)), text)

    def _arn_in_text(self, arn: str) -> str:
        trail = ""
        while arn and arn[-1] in ".:":  # sentence punctuation is not part of the ARN
            trail = arn[-1] + trail
            arn = arn[:-1]
        return self.of(arn) + trail


_last: tuple[Model | None, Names | None] = (None, None)


def names_for(model: Model) -> Names:
    """The Names of `model`, built once for the last model asked about (a 20,000-role model takes a tenth of a second)."""
    global _last
    if _last[0] is not model:
        _last = (model, Names(model))
    return _last[1]  # type: ignore[return-value]
