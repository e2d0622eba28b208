"""Checked model to `.iam` text: the printer behind `:save`, `import` and fixes.

Stage: model -> DSL text (the way back from language/).

The model is IAM-level: verbs are expanded and names are ARNs.  So the
printer writes raw actions, never verbs, and conditions in their full
operator form (`when StringEquals aws:PrincipalTag/team ["x"]`), so that
nothing is read back differently.  It writes a name wherever the name
resolves to exactly the ARN in the model (`on A.repo`, `to account B`,
`to B.Deployer`), and the quoted ARN otherwise.

Loading the output gives a model equal to the input, spans and file names
aside (`comparable`).  Where the DSL cannot say a policy exactly, such as a
`2008-10-17` Version, an `Id`, or a statement that a block's defaults would
change, the whole policy is written as embedded IAM JSON instead.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from iamdsl import catalog
from iamdsl.interop.iam_json import canonical_conditions, canonical_principals, policy_to_json
from iamdsl.language.check import RCP_FULL_ACCESS, check_statement
from iamdsl.language.errors import Collector
from iamdsl.language.organizations import FULL_AWS_ACCESS
from iamdsl.language.resolve import INLINE_POLICY, MECHANISMS, derived_org_id
from iamdsl.language.syntax import quote_if_needed
from iamdsl.model import (
    Account,
    AccountAttachments,
    ContextValue,
    Effect,
    Endpoint,
    Expectation,
    IdentityEntity,
    ManagedPolicy,
    Model,
    Organization,
    OrgUnit,
    Policy,
    PolicyKind,
    Principal,
    PrincipalKind,
    PrincipalType,
    Resource,
    Statement,
    Subject,
)

INDENT = "    "
DSL_VERSION = "2012-10-17"  # the Version a policy written in the DSL gets

# Shapes of the grammar's terminals (grammar/iamdsl.lark), to know what can stand bare.
_PNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*:[A-Za-z0-9_.\-/*?]+\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*\Z")
_ROOT_ARN = re.compile(r"arn:([^:]+):iam::(\d{12}):root\Z")
_WORDS_OF_MECHANISMS = {mechanism: word for word, mechanism in MECHANISMS.items()}
# A condition operator spelt like these would be read as the sugar's quantifier.
_NOT_OPERATORS = {"any", "all"}


class NotExpressible(ValueError):
    """The DSL cannot write this exactly (the caller falls back to IAM JSON)."""


def comparable(model: Model) -> dict[str, Any]:
    """The model as plain data without spans or file names: what "equal models" means here."""
    data = model.model_dump(mode="json")
    data.pop("files", None)
    return _without_spans(data)


def _without_spans(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [_without_spans(v) for v in value]
    return value


def _string(text: str) -> str:
    return json.dumps(text)


def _word(text: str) -> str:
    """An IDENT when the text is one, else a quoted string (grammar: `IDENT | STRING`)."""
    return quote_if_needed(text)


def _dotted(text: str) -> str:
    """A service or provider name: bare when it reads as `a.b.c`, else quoted."""
    return text if _DOTTED.match(text) else _string(text)


def _values(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


# ------------------------------------------------------------------ names


@dataclass(frozen=True, slots=True)
class Names:
    """Lookups from ARNs back to the DSL names that resolve to them."""

    partition: str
    accounts_by_id: dict[str, str]
    targets: dict[str, str]  # ARN -> name an `on` clause resolves to that ARN
    parents: tuple[tuple[str, str], ...]  # (ARN, name) of resources with child paths, longest first
    principals: dict[str, str]  # ARN -> name of a role or user

    @classmethod
    def of(cls, model: Model | None) -> Names:
        if model is None:
            return cls("aws", {}, {}, (), {})
        targets: dict[str, str] = {}
        parents: list[tuple[str, str]] = []
        # The resolver looks a name up among resources, then entities, then managed policies.
        for key, resource in model.resources.items():
            name = _qualified(resource.account, resource.name)
            targets.setdefault(resource.arn, name)
            info = _type_info(resource)
            if info is not None and catalog.child_types(info):
                parents.append((resource.arn, name))
        principals: dict[str, str] = {}
        for key, entity in model.principals.items():
            name = _qualified(entity.account, entity.name)
            if key not in model.resources:
                targets.setdefault(entity.arn, name)
            if entity.kind is not PrincipalKind.GROUP:
                principals[entity.arn] = name
        for managed in model.managed_policies.values():
            key = f"{managed.account}.{managed.name}"
            if key not in model.resources and key not in model.principals:
                targets.setdefault(managed.arn, _qualified(managed.account, managed.name))
        parents.sort(key=lambda pair: -len(pair[0]))
        accounts = {account.id: account.name for account in model.accounts.values()}
        return cls(model.partition, accounts, targets, tuple(parents), principals)


def _qualified(account: str, name: str) -> str:
    return f"{account}.{quote_if_needed(name)}"


def _type_info(resource: Resource) -> catalog.ResourceTypeInfo | None:
    return catalog.resource_type(resource.service, resource.type) if resource.type else None


# ------------------------------------------------------------------ statements


@dataclass(frozen=True, slots=True)
class Where:
    """Where a statement is written: its policy's kind, name, and the block's own resource."""

    kind: PolicyKind
    policy_name: str = "policy"
    self_arn: str | None = None  # the resource of a resource block

    @property
    def default_resources(self) -> tuple[str, ...] | None:
        """What a statement without `on` compiles to here (resolve.py `_default_resources`)."""
        if self.kind is PolicyKind.TRUST:
            return None
        if self.kind is PolicyKind.RESOURCE and self.self_arn is not None:
            return (self.self_arn,)
        return ("*",)


def print_statement(
    statement: Statement,
    kind: PolicyKind,
    *,
    model: Model | None = None,
    self_arn: str | None = None,
    policy_name: str = "policy",
) -> str:
    """One IAM statement as one DSL statement, or NotExpressible if no DSL statement compiles to it.

    `kind` is the kind of policy it will stand in (it decides what a missing
    `on` means and whether `to` is allowed); `self_arn` is the resource of the
    resource block it will stand in.  With `model`, ARNs are written as names.
    """
    return _Statements(Names.of(model)).statement(statement, Where(kind, policy_name, self_arn))


class _Statements:
    def __init__(self, names: Names):
        self.names = names

    def statement(self, st: Statement, where: Where) -> str:
        parts = [f"sid {_string(st.sid)}"] if st.sid is not None else []
        parts.append("allow" if st.effect is Effect.ALLOW else "deny")
        parts.append(self._actions(st))
        on = self._on(st, where)
        if on:
            parts.append(on)
        to = self._to(st, where)
        if to:
            parts.append(to)
        if st.conditions:
            parts.append("when " + self._conditions(st))
        self._check(st, where)
        return " ".join(parts)

    @staticmethod
    def _check(st: Statement, where: Where) -> None:
        """The checks a DSL statement must pass are stricter than JSON's (E023, E032)."""
        out = Collector()
        check_statement(st, Policy(name=where.policy_name, kind=where.kind, statements=(st,)), out, from_dsl=True)
        if out.has_errors:
            raise NotExpressible(out.diagnostics[0].message)

    @staticmethod
    def _actions(st: Statement) -> str:
        actions = st.actions if st.actions is not None else st.not_actions
        if not actions or len(set(actions)) != len(actions):
            raise NotExpressible("the DSL cannot repeat an action or list none")  # it de-duplicates
        for action in actions:
            if action != "*" and not _PNAME.match(action):
                raise NotExpressible(f"`{action}` is not spelt like an action")
        listed = ", ".join(actions)
        return listed if st.actions is not None else f"not {listed}"

    def _on(self, st: Statement, where: Where) -> str:
        if st.not_resources is not None:
            if where.kind is PolicyKind.TRUST:
                raise NotExpressible("a trust policy has no `on`")
            return "on not " + self._resources(st.not_resources, where)
        if st.resources == where.default_resources:
            return ""
        if st.resources is None or where.kind is PolicyKind.TRUST:
            raise NotExpressible("this block would give the statement a Resource it does not have")
        return "on " + self._resources(st.resources, where)

    def _resources(self, arns: tuple[str, ...], where: Where) -> str:
        return ", ".join(self._resource(arn, where.self_arn) for arn in arns)

    def _resource(self, arn: str, self_arn: str | None) -> str:
        if arn == "*":
            return "*"
        if arn == self_arn:
            return "self"
        if arn in self.names.targets:
            return self.names.targets[arn]
        for parent, name in self.names.parents:
            if arn.startswith(parent + "/"):
                child = arn[len(parent) + 1 :]
                stem = "self" if parent == self_arn else name
                return f"{stem}/*" if child == "*" else f"{stem}/{_string(child)}"
        if arn.startswith("arn:"):
            return _string(arn)
        raise NotExpressible(f"`{arn}` is not an ARN")

    def _to(self, st: Statement, where: Where) -> str:
        listed = st.principals if st.principals is not None else st.not_principals
        if listed is None:
            return ""
        if not where.kind.takes_principal:
            raise NotExpressible(f"a {where.kind.value} policy has no `to`")
        if not listed or tuple(listed) != canonical_principals(listed):
            raise NotExpressible("principals out of IAM's canonical order")
        text = ", ".join(self._principal(p, alone=len(listed) == 1) for p in listed)
        return f"to {text}" if st.principals is not None else f"to not {text}"

    def _principal(self, principal: Principal, *, alone: bool) -> str:
        kind, value = principal.type, principal.value
        # `anyone` is a bare "*" alone, and {"AWS": "*"} beside other principals (as IAM JSON has it)
        if kind is PrincipalType.STAR and alone or kind is PrincipalType.AWS and value == "*" and not alone:
            return "anyone"
        if kind is PrincipalType.STAR or kind is PrincipalType.AWS and value == "*":
            raise NotExpressible(f'`anyone` cannot give {{"{kind.value}": "*"}} {"alone" if alone else "beside others"}')
        if kind is PrincipalType.SERVICE:
            return f"service {_dotted(value)}"
        if kind is PrincipalType.FEDERATED:
            return f"federated {_dotted(value)}"
        if kind is PrincipalType.CANONICAL_USER:
            return f"canonical {_string(value)}"
        root = _ROOT_ARN.match(value)
        if root and root.group(1) == self.names.partition:
            return f"account {self.names.accounts_by_id.get(root.group(2), root.group(2))}"
        return self.names.principals.get(value) or _string(value)

    @staticmethod
    def _conditions(st: Statement) -> str:
        conditions = st.conditions
        identities = [(c.operator, c.key.lower()) for c in conditions]
        if tuple(conditions) != canonical_conditions(conditions) or len(set(identities)) != len(identities):
            raise NotExpressible("conditions out of canonical order, or one operator and key twice")
        written = []
        for condition in conditions:
            operator = condition.operator
            if operator in _NOT_OPERATORS or not (_IDENT.match(operator) or _PNAME.match(operator)):
                raise NotExpressible(f"`{operator}` cannot stand as an operator")
            key = condition.key if _PNAME.match(condition.key) else _string(condition.key)
            written.append(f"{operator} {key} {_values(condition.values)}")
        return " and ".join(written)


# ------------------------------------------------------------------ policies


def print_policy_json(policy: Policy, indent: int = 4) -> str:
    """The policy as the IAM JSON document an `json { … }` body holds."""
    return json.dumps(policy_to_json(policy), indent=indent)


def _body(header: str, lines: list[str]) -> list[str]:
    """`header { lines }`, with the lines indented; `header {}` when empty."""
    if not lines:
        return [f"{header} {{}}"]
    return [f"{header} {{", *(INDENT + line for line in lines), "}"]


def _json_body(header: str, policy: Policy) -> list[str]:
    lines = print_policy_json(policy).split("\n")
    return [f"{header} json {lines[0]}", *lines[1:]]


class _Printer:
    """Writes a whole model; one method per declaration kind, each returning lines."""

    def __init__(self, model: Model):
        self.model = model
        self.statements = _Statements(Names.of(model))

    # ---------------------------------------------------------------- policies
    def dsl_statements(self, policy: Policy, where: Where, *, allow_empty: bool = True) -> list[str] | None:
        """The policy's statements as DSL lines, or None if only JSON says it exactly."""
        if policy.version != DSL_VERSION or policy.id is not None:
            return None
        if not policy.statements and not allow_empty:
            return None
        try:
            return [self.statements.statement(st, where) for st in policy.statements]
        except NotExpressible:
            return None

    def policy(self, header: str, policy: Policy, where: Where) -> list[str]:
        """`header { … }` in the DSL when it is exact, else `header json { … }`."""
        lines = self.dsl_statements(policy, where)
        return _body(header, lines) if lines is not None else _json_body(header, policy)

    def tags(self, tags: dict[str, str]) -> list[str]:
        if not tags:
            return []
        return ["tags { " + ", ".join(f"{_word(k)} = {_string(v)}" for k, v in tags.items()) + " }"]

    # ---------------------------------------------------------------- declarations
    def settings(self) -> list[str]:
        lines = [f"region {self.model.region}"]
        if self.model.partition != "aws":
            lines.append(f"partition {self.model.partition}")
        now = getattr(self.model, "now", None)  # the fixed aws:CurrentTime, where the model has one
        if now is not None:
            lines.append(f"now {_string(now)}")
        return lines

    def verbs(self) -> list[str]:
        prelude = _prelude_verbs()
        lines = []
        for name, verb in self.model.verbs.items():
            if name in prelude and prelude[name] == verb.actions:
                continue
            for action in verb.actions:
                if action != "*" and not _PNAME.match(action):
                    raise NotExpressible(f"verb `{name}`: `{action}` is not spelt like an action")
            if not verb.actions:
                raise NotExpressible(f"verb `{name}` has no actions")
            lines.append(f"verb {name} = {', '.join(verb.actions)}")
        return lines

    def account(self, account: Account) -> list[str]:
        header = f"account {account.name}"
        if not account.id_derived:
            header += f" {account.id}"
        if account.external:
            header += " external"
        return _body(header, self.tags(account.tags)) if account.tags else [header]

    def managed(self, managed: ManagedPolicy) -> list[str]:
        header = f"policy {_qualified(managed.account, managed.name)}"
        return self.policy(header, managed.policy, Where(PolicyKind.MANAGED, managed.name))

    def entity(self, entity: IdentityEntity) -> list[str]:
        lines: list[str] = []
        if entity.path != "/":
            lines.append(f"path {_string(entity.path)}")
        lines += self.tags(entity.tags)
        if entity.groups:
            lines.append("member of " + ", ".join(self._entity_name(g) for g in entity.groups))
        if entity.managed_policies:
            lines.append("attach " + ", ".join(self._managed_name(arn) for arn in entity.managed_policies))
        if entity.boundary is not None:
            lines.append(f"boundary {self._managed_name(entity.boundary)}")
        if entity.trust_policy is not None:
            lines += self.policy("trust", entity.trust_policy, Where(PolicyKind.TRUST, "trust"))
        for index, policy in enumerate(entity.inline_policies):
            where = Where(PolicyKind.IDENTITY, policy.name)
            bare = self.dsl_statements(policy, where) if index == 0 and policy.name == INLINE_POLICY else None
            if bare:  # statements written straight in the block form the policy `inline`
                lines += bare
            else:
                lines += self.policy(f"policy {_word(policy.name)}", policy, where)
        header = f"{entity.kind.value} {_qualified(entity.account, entity.name)}"
        return _body(header, lines) if lines else [header]

    def _entity_name(self, key: str) -> str:
        entity = self.model.principals.get(key)
        return _qualified(entity.account, entity.name) if entity else key

    def _managed_name(self, arn: str) -> str:
        managed = self.model.managed_policies.get(arn)
        if managed is None:
            raise NotExpressible(f"no managed policy `{arn}` in the model")
        return _qualified(managed.account, managed.name)

    def resource(self, resource: Resource) -> list[str]:
        header = f"resource {_qualified(resource.account, resource.name)} : {self._resource_kind(resource)}"
        lines = self.tags(resource.tags)
        lines += [f"{_WORDS_OF_MECHANISMS[m]} enabled" for m in resource.mechanisms]
        if resource.policy is not None:
            where = Where(PolicyKind.RESOURCE, "policy", resource.arn)
            statements = self.dsl_statements(resource.policy, where, allow_empty=False)
            lines += statements if statements is not None else _json_body("policy", resource.policy)
        return _body(header, lines) if lines else [header]

    def _resource_kind(self, resource: Resource) -> str:
        """`ecr:repository "app" [in REGION]` when the type's template rebuilds the ARN, else the quoted ARN."""
        typed = self._typed(resource)
        if typed is not None:
            return typed
        if not resource.arn.startswith("arn:") or resource.arn.count(":") < 5:
            raise NotExpressible(f"`{resource.arn}` is not an ARN")
        return _string(resource.arn) + self._region_in(resource.region)

    def _typed(self, resource: Resource) -> str | None:
        info = _type_info(resource)
        account = self.model.accounts.get(resource.account)
        if info is None or account is None or (resource.region is not None) != info.needs_region:
            return None
        region = resource.region or self.model.region
        template = info.arn_template
        for variable, value in (("${Partition}", self.model.partition), ("${Region}", region), ("${Account}", account.id)):
            template = template.replace(variable, value)
        first, last = template.find("${"), template.rfind("}")
        if first == -1:
            return None
        prefix, suffix = template[:first], template[last + 1 :]
        arn = resource.arn
        if len(arn) < len(prefix) + len(suffix) or not (arn.startswith(prefix) and arn.endswith(suffix)):
            return None
        value = arn[len(prefix) : len(arn) - len(suffix)]
        return f"{info.service}:{info.name} {_string(value)}" + self._region_in(resource.region)

    def _region_in(self, region: str | None) -> str:
        return f" in {region}" if region is not None and region != self.model.region else ""

    def endpoint(self, endpoint: Endpoint) -> list[str]:
        header = f"endpoint {_qualified(endpoint.account, endpoint.name)} {_string(endpoint.id)}"
        lines = [f"vpc {_string(endpoint.vpc)}"] if endpoint.vpc is not None else []
        lines += self.tags(getattr(endpoint, "tags", {}))
        if endpoint.policy is not None:
            where = Where(PolicyKind.ENDPOINT, "policy")
            statements = self.dsl_statements(endpoint.policy, where, allow_empty=False)
            lines += statements if statements is not None else _json_body("policy", endpoint.policy)
        return _body(header, lines) if lines else [header]

    # ---------------------------------------------------------------- organizations
    def organization(self, org: Organization) -> list[str]:
        header = f"organization {org.name}"
        if org.id != derived_org_id(org.name):
            header += f" {org.id}"
        lines = [] if org.all_features else ["features consolidated_billing"]
        for name, policy in org.scps.items():
            if name != FULL_AWS_ACCESS:
                lines += self.policy(f"scp {name}", policy, Where(PolicyKind.SCP, name))
        for name, policy in org.rcps.items():
            if name != RCP_FULL_ACCESS:
                lines += self.policy(f"rcp {name}", policy, Where(PolicyKind.RCP, name))
        lines += self._unit_items(org, org.root)
        return _body(header, lines)

    def _unit_items(self, org: Organization, unit: OrgUnit) -> list[str]:
        lines = _attachment_lines(unit.scps, unit.rcps)
        for account in unit.accounts:
            if account == org.management_account and account not in org.account_attachments:
                lines.append(f"management {account}")
                continue
            attachments = org.account_attachments.get(account, AccountAttachments())
            attached = _attachment_lines(attachments.scps, attachments.rcps)
            lines += _body(f"account {account}", attached) if attached else [f"account {account}"]
        for child in unit.children:
            lines += _body(f"ou {child.name}", self._unit_items(org, child))
        return lines

    # ---------------------------------------------------------------- expectations
    def expectation(self, expectation: Expectation) -> str:
        resource = self._query_resource(expectation)
        context = self._with(expectation.context)
        if expectation.kind == "only":
            subjects = ", ".join(self._subject(s) for s in expectation.subjects)
            text = f"expect only {{{subjects}}} can {expectation.action} {resource}{context}"
            return text + (" except roots" if expectation.except_roots else "")
        text = f"expect {expectation.kind} {self._subject(expectation.subjects[0])} {expectation.action} {resource}{context}"
        text += self._session(expectation)
        return text + (f" because {expectation.because}" if expectation.because else "")

    def _query_resource(self, expectation: Expectation) -> str:
        if expectation.resource_name is None:
            return "*" if expectation.resource == "*" else _string(expectation.resource)
        # resource_name is `A.name` or `A."quoted name"`, then `/child` unquoted
        account, _, rest = expectation.resource_name.partition(".")
        if rest.startswith('"'):
            name, end = json.JSONDecoder().raw_decode(rest)
        else:
            name = re.match(r"[^/]*", rest).group(0)
            end = len(name)
        text = _qualified(account, name)
        if rest[end:].startswith("/"):
            child = rest[end + 1 :]
            text += "/*" if child == "*" else f"/{_string(child)}"
        return text

    def _subject(self, subject: Subject) -> str:
        kind = subject.kind
        if kind == "anonymous":
            return "anonymous"
        if kind in ("service", "oidc"):
            return f"{kind} {_dotted(subject.name)}"
        if kind == "saml":
            return f"saml {_string(subject.name)}"
        if kind == "arn":
            return _string(subject.name)
        if kind == "root":
            return subject.name
        entity = self.model.principals.get(subject.name)
        name = _qualified(entity.account, entity.name) if entity else subject.name
        if kind == "federated":
            own = entity.name if entity else None
            return f"federated {name}" + (f" {_string(subject.session_name)}" if subject.session_name not in (None, own) else "")
        return name

    @staticmethod
    def _with(context: tuple[ContextValue, ...]) -> str:
        if not context:
            return ""
        items = []
        for item in context:
            key = item.key if _PNAME.match(item.key) else _string(item.key)
            if item.values is None:
                items.append(f"no {key}")
            elif len(item.values) == 1:
                items.append(f"{key} = {_string(item.values[0])}")
            else:
                items.append(f"{key} = {_values(item.values)}")
        return " with " + ", ".join(items)

    def _session(self, expectation: Expectation) -> str:
        policy, tags = expectation.session_policy, expectation.session_tags
        if policy is None and not tags:
            return ""
        parts = []
        if policy is not None:
            where = Where(PolicyKind.SESSION, policy.name)
            statements = self.dsl_statements(policy, where, allow_empty=False)
            if statements is None:
                raise NotExpressible("a session policy is only written in the DSL, and this one cannot be")
            parts += statements
        parts += self.tags(tags)
        name = f" {_string(policy.name)}" if policy is not None and policy.name != "session" else ""
        return f" as session{name} {{ " + " ".join(parts) + " }"

    # ---------------------------------------------------------------- the file
    def sections(self) -> list[list[list[str]]]:
        """Sections of declarations, each declaration a list of lines."""
        model = self.model
        return [
            [self.settings()],
            [[line] for line in self.verbs()],
            [self.account(a) for a in model.accounts.values()],
            [self.organization(o) for o in model.organizations.values()],
            [self.managed(m) for m in model.managed_policies.values()],
            [self.entity(e) for e in model.principals.values()],
            [self.resource(r) for r in model.resources.values()],
            [self.endpoint(e) for e in model.endpoints.values()],
            [[self.expectation(x)] for x in model.expectations],
        ]


def _attachment_lines(scps: tuple[str, ...], rcps: tuple[str, ...]) -> list[str]:
    """`detach`/`attach` lines that rebuild these attachment lists from the defaults."""
    if not rcps or rcps[0] != RCP_FULL_ACCESS:
        raise NotExpressible("RCPFullAWSAccess is attached first everywhere")
    lines = []
    if scps[:1] == (FULL_AWS_ACCESS,):
        attached = list(scps[1:])
    else:  # detach first, so that a later attach of FullAWSAccess keeps its place
        lines.append(f"detach {FULL_AWS_ACCESS}")
        attached = list(scps)
    attached += rcps[1:]
    if attached:
        lines.append("attach " + ", ".join(attached))
    return lines


@functools.lru_cache(maxsize=1)
def _prelude_verbs() -> dict[str, tuple[str, ...]]:
    from iamdsl.language.loader import load_text

    return {name: verb.actions for name, verb in load_text("", "<prelude>").model.verbs.items()}


def print_model(model: Model, printer: _Printer | None = None) -> str:
    """The model as one canonical `.iam` text that loads back to an equal model.

    Raises NotExpressible for the few models no text can give (a session
    policy the DSL cannot write, an attachment to a policy not in the model).
    `printer` may be a subclass of `_Printer` that writes some bodies
    differently (the import's `--keep-json` writes `from "file.json"`).
    """
    blocks: list[list[str]] = []
    for section in (printer or _Printer(model)).sections():
        section = [declaration for declaration in section if declaration]
        if not section:
            continue
        if blocks:
            blocks.append([])  # a blank line between sections
        previous_multiline = False
        for index, declaration in enumerate(section):
            multiline = len(declaration) > 1
            if index and (multiline or previous_multiline):
                blocks.append([])  # and around every declaration of more than one line
            blocks.append(declaration)
            previous_multiline = multiline
    return "\n".join(line for block in blocks for line in (block or [""])) + "\n"
