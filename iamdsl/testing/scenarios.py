"""Scenario files: requests and expected decisions in IAM JSON, independent of the DSL.

Stage: testing.  The rulebook's edge cases (tests/scenarios/E*.json) and the
differential corpus share this schema, so that neither depends on the
language and both can be checked against another simulator.

A scenario file holds::

    {
      "id": "E1", "description": "plain English", "rules": ["R20", "R52"],
      "settings": {"notprincipal_strict": true},               # optional, D1–D10
      "accounts": [{"name": "A", "id": "111122223333"}],
      "organization": {                                         # optional
        "id": "o-1", "management": "M", "all_features": true,
        "scps": {"Name": DOC}, "rcps": {"Name": DOC},
        "root": {"scps": [...], "rcps": [...], "accounts": [...], "children": [UNIT, ...]},
        "account_attachments": {"A": {"scps": [...], "rcps": [...]}}
      },
      "principals": [{"type": "user|role|group", "account": "A", "name": "Bob", "path": "/",
                      "tags": {}, "policies": [DOC], "managed": [ARN], "boundary": DOC,
                      "trust": DOC, "groups": ["Devs"]}],
      "managed_policies": [{"arn": ARN, "document": DOC}],
      "resources": [{"arn": ARN, "account": "A", "policy": DOC, "tags": {}}],
      "endpoints": [{"id": "vpce-1", "account": "A", "policy": DOC}],
      "requests": [{
        "principal": {"kind": "user", "account": "A", "name": "Bob"},
        "action": "s3:GetObject", "resource": ARN, "resource_account": "A",
        "context": {"aws:SourceIp": "203.0.113.5", "aws:MultiFactorAuthPresent": null},
        "unknown": ["aws:SourceIp"], "session_policy": DOC, "session_tags": {},
        "expected": "allowed", "decided_by": ["SidOfAStatement"],
        "label": "optional name of the request",
        "allow_conditions": [COND], "deny_conditions": [COND]   # optional, for "conditional"
      }]
    }

DOC is an IAM policy document.  `null` in a context means the key is absent;
keys listed under `unknown` are unknown; every other key not given and not
derived from the model is absent (a scenario describes a complete request).

A request's `principal` is one of
  {"kind": "user", "account": "A", "name": "Bob"},
  {"kind": "role-session", "account": "A", "name": "Role", "session": "s1"},
  {"kind": "federated-user", "account": "A", "name": "ParentUser", "session": "Fed"},
  {"kind": "root", "account": "A"}, {"kind": "anonymous"},
  {"kind": "service", "service": "sns.amazonaws.com"},
  {"kind": "web-identity" | "saml", "provider": "arn:aws:iam::A:oidc-provider/…"}.

`expected` is a decision as design.md §2 names it: allowed, explicit_deny,
implicit_deny, conditional or partial.  For a conditional answer,
`allow_conditions` and `deny_conditions` (each optional) list the residual
conditions the decision must carry, each COND written
{"operator": "IpAddress", "key": "aws:SourceIp", "values": ["10.0.0.0/8"]};
keys compare without case, as IAM's do (R6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from iamdsl.engine.context import Context, Lookup, Source
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.settings import Settings
from iamdsl.interop.iam_json import plain_to_json_value, policy_from_json
from iamdsl.language.errors import Collector
from iamdsl.model import (
    Account,
    AccountAttachments,
    Endpoint,
    IdentityEntity,
    ManagedPolicy,
    Model,
    Organization,
    OrgUnit,
    Policy,
    PolicyKind,
    PrincipalKind,
    Resource,
    Span,
)


class ScenarioError(ValueError):
    """A scenario file that does not follow the schema."""


@dataclass(frozen=True, slots=True)
class ScenarioRequest:
    request: Request
    expected: str
    decided_by: tuple[str, ...] | None
    label: str
    # Expected residual conditions of a conditional answer, as (operator,
    # lower-cased key, values); None when the file does not say.
    allow_conditions: tuple[ExpectedCondition, ...] | None = None
    deny_conditions: tuple[ExpectedCondition, ...] | None = None


ExpectedCondition = tuple[str, str, tuple[str, ...]]


def expected_condition(operator: str, key: str, values) -> ExpectedCondition:
    """The form residual conditions are compared in: key names ignore case (R6)."""
    return (operator, key.lower(), tuple(values))


def _expected_conditions(entry: dict[str, Any], name: str, where: str) -> tuple[ExpectedCondition, ...] | None:
    found = entry.get(name)
    if found is None:
        return None
    try:
        return tuple(expected_condition(c["operator"], c["key"], c["values"]) for c in found)
    except (KeyError, TypeError) as error:
        raise ScenarioError(f"{where}: {name} entries need operator, key and values") from error


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    description: str
    rules: tuple[str, ...]
    model: Model
    settings: Settings
    requests: tuple[ScenarioRequest, ...]
    path: str


def _policy(doc: Any, name: str, kind: PolicyKind, where: str) -> Policy:
    out = Collector()
    span = Span(file=where, line=1, column=1, end_line=1, end_column=1)
    policy = policy_from_json(plain_to_json_value(doc, span), name=name, kind=kind, out=out)
    if policy is None or out.has_errors:
        raise ScenarioError(f"{where}: invalid {kind.value} policy {name}: " + "; ".join(d.message for d in out.diagnostics))
    return policy


def _unit(data: dict[str, Any], name: str) -> OrgUnit:
    return OrgUnit(
        name=data.get("name", name),
        accounts=tuple(data.get("accounts", ())),
        children=tuple(_unit(child, child.get("name", "ou")) for child in data.get("children", ())),
        scps=tuple(data.get("scps", ("FullAWSAccess",))),
        rcps=tuple(data.get("rcps", ("RCPFullAWSAccess",))),
    )


def build_model(data: dict[str, Any], where: str = "<scenario>") -> Model:
    accounts = {a["name"]: Account(name=a["name"], id=a["id"], external=a.get("external", False), tags=a.get("tags", {})) for a in data.get("accounts", ())}
    ids = {name: account.id for name, account in accounts.items()}
    managed: dict[str, ManagedPolicy] = {}
    for entry in data.get("managed_policies", ()):
        arn = entry["arn"]
        name = arn.rsplit("/", 1)[-1]
        account = arn.split(":")[4]
        managed[arn] = ManagedPolicy(account=account, name=name, arn=arn, policy=_policy(entry["document"], name, PolicyKind.MANAGED, where))
    principals: dict[str, IdentityEntity] = {}
    for entry in data.get("principals", ()):
        kind = PrincipalKind(entry["type"])
        account, name, path = entry["account"], entry["name"], entry.get("path", "/")
        arn = f"arn:aws:iam::{ids[account]}:{kind.value}{path}{name}"
        boundary = None
        if entry.get("boundary") is not None:
            boundary = f"arn:aws:iam::{ids[account]}:policy/{name}Boundary"
            managed[boundary] = ManagedPolicy(account=account, name=f"{name}Boundary", arn=boundary, policy=_policy(entry["boundary"], f"{name}Boundary", PolicyKind.MANAGED, where))
        principals[f"{account}.{name}"] = IdentityEntity(
            kind=kind,
            account=account,
            name=name,
            arn=arn,
            path=path,
            tags=entry.get("tags", {}),
            inline_policies=tuple(_policy(doc, f"policy{i + 1}", PolicyKind.IDENTITY, where) for i, doc in enumerate(entry.get("policies", ()))),
            managed_policies=tuple(entry.get("managed", ())),
            boundary=boundary,
            trust_policy=_policy(entry["trust"], "trust", PolicyKind.TRUST, where) if entry.get("trust") is not None else None,
            groups=tuple(f"{account}.{g}" for g in entry.get("groups", ())),
        )
    resources: dict[str, Resource] = {}
    for index, entry in enumerate(data.get("resources", ())):
        arn = entry["arn"]
        service = arn.split(":")[2]
        rtype = "bucket" if service == "s3" and "/" not in arn.split(":::", 1)[-1] else None
        name = entry.get("name", f"resource{index + 1}")
        resources[f"{entry['account']}.{name}"] = Resource(
            account=entry["account"],
            name=name,
            arn=arn,
            service=service,
            type=entry.get("type", rtype),
            tags=entry.get("tags", {}),
            policy=_policy(entry["policy"], "policy", PolicyKind.RESOURCE, where) if entry.get("policy") is not None else None,
        )
    endpoints = {
        f"{e['account']}.{e['id']}": Endpoint(account=e["account"], name=e["id"], id=e["id"], policy=_policy(e["policy"], "policy", PolicyKind.ENDPOINT, where))
        for e in data.get("endpoints", ())
    }
    organizations: dict[str, Organization] = {}
    org = data.get("organization")
    if org is not None:
        full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        rcp_full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
        scps = {"FullAWSAccess": _policy(full, "FullAWSAccess", PolicyKind.SCP, where)}
        scps.update({n: _policy(d, n, PolicyKind.SCP, where) for n, d in org.get("scps", {}).items()})
        rcps = {"RCPFullAWSAccess": _policy(rcp_full, "RCPFullAWSAccess", PolicyKind.RCP, where)}
        rcps.update({n: _policy(d, n, PolicyKind.RCP, where) for n, d in org.get("rcps", {}).items()})
        attachments = {
            name: AccountAttachments(scps=tuple(a.get("scps", ("FullAWSAccess",))), rcps=tuple(a.get("rcps", ("RCPFullAWSAccess",))))
            for name, a in org.get("account_attachments", {}).items()
        }
        organizations["org"] = Organization(
            name="org",
            id=org.get("id", "o-example"),
            management_account=org.get("management"),
            all_features=org.get("all_features", True),
            root=_unit(org.get("root", {}), "root"),
            account_attachments=attachments,
            scps=scps,
            rcps=rcps,
        )
    return Model(accounts=accounts, principals=principals, resources=resources, managed_policies=managed, endpoints=endpoints, organizations=organizations)


def build_caller(data: dict[str, Any], model: Model, session_policy: Policy | None, session_tags: dict[str, str]) -> Caller:
    kind = CallerKind(data["kind"])
    ids = {a.name: a.id for a in model.accounts.values()}
    if kind is CallerKind.ANONYMOUS:
        return Caller(kind)
    if kind is CallerKind.SERVICE:
        return Caller(kind, service=data["service"])
    if kind in (CallerKind.WEB_IDENTITY, CallerKind.SAML):
        return Caller(kind, provider=data["provider"])
    account = data["account"]
    account_id = ids.get(account, account)
    if kind is CallerKind.ROOT:
        root = f"arn:aws:iam::{account_id}:root"
        return Caller(kind, account=account_id, arn=root, principal_arn=root)
    entity = model.principals[f"{account}.{data['name']}"]
    if kind is CallerKind.USER:
        return Caller(kind, account=account_id, arn=entity.arn, principal_arn=entity.arn, entity=entity)
    if kind is CallerKind.ROLE_SESSION:
        session = data.get("session", "session")
        arn = f"arn:aws:sts::{account_id}:assumed-role/{entity.name}/{session}"
        return Caller(kind, account=account_id, arn=arn, principal_arn=entity.arn, entity=entity, session_name=session, session_policy=session_policy, session_tags=session_tags)
    session = data.get("session", entity.name)
    arn = f"arn:aws:sts::{account_id}:federated-user/{session}"
    return Caller(kind, account=account_id, arn=arn, principal_arn=arn, entity=entity, session_name=session, session_policy=session_policy)


def _context(data: dict[str, Any]) -> Context:
    context = Context(closed=True)
    for key, value in data.get("context", {}).items():
        context.set(key, Lookup.absent() if value is None else Lookup.given(value if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value), Source.REQUEST))
    for key in data.get("unknown", ()):
        context.set(key, Lookup.unknown())
    return context


def load_scenario(path: str | Path) -> Scenario:
    return scenario_from_data(json.loads(Path(path).read_text(encoding="utf-8")), str(path))


def scenario_from_data(data: dict[str, Any], where: str = "<scenario>") -> Scenario:
    """A scenario from its already-parsed JSON (the differential corpus holds thousands in one file)."""
    model = build_model(data, where)
    known = {f.name for f in fields(Settings)}
    overrides = data.get("settings", {})
    unknown = set(overrides) - known
    if unknown:
        raise ScenarioError(f"{where}: unknown settings {sorted(unknown)}")
    settings = Settings(**overrides)
    account_ids = {a.name: a.id for a in model.accounts.values()}
    requests = []
    for index, entry in enumerate(data["requests"]):
        session_policy = _policy(entry["session_policy"], "session", PolicyKind.SESSION, where) if entry.get("session_policy") is not None else None
        caller = build_caller(entry["principal"], model, session_policy, entry.get("session_tags", {}))
        resource_account = entry.get("resource_account")
        request = Request(
            caller=caller,
            action=entry["action"],
            resource=entry["resource"],
            context=_context(entry),
            resource_account=account_ids.get(resource_account, resource_account) if resource_account else None,
        )
        decided_by = entry.get("decided_by")
        requests.append(ScenarioRequest(
            request,
            entry["expected"],
            tuple(decided_by) if decided_by is not None else None,
            entry.get("label", f"request {index + 1}"),
            _expected_conditions(entry, "allow_conditions", where),
            _expected_conditions(entry, "deny_conditions", where),
        ))
    return Scenario(data["id"], data.get("description", ""), tuple(data.get("rules", ())), model, settings, tuple(requests), where)
