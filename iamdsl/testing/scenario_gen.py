"""Random request scenarios in the scenario-file schema, for the differential corpus.

Stage: test support (nothing in the pipeline imports it).

`vocabulary.py` says what a generated policy may talk about (resource kinds
and their actions, teams, regions, service principals) and draws every
choice through a `Picker`.  This module builds on it to write whole
scenarios in IAM JSON (the schema of `iamdsl.testing.scenarios`): a small
organization, one caller of any kind, the policies in play around one
request, and a complete context.  IAM JSON rather than DSL text, because the
corpus must also reach what the DSL refuses on purpose (a plain operator on a
multi-valued key, NotPrincipal, old policy versions) and must be readable by
another simulator.

`request_facts` derives the context keys AWS itself would add to a request
(rulebook R7) from the scenario alone, independently of the engine, so that
a translator for another simulator can pass them explicitly.

Outcomes are biased, not decided here: each policy is drawn to match the
request more often than not, conditions are drawn to hold more often than
not, and denies are sprinkled in, so that allowed, explicit and implicit
denials all occur often.  The simulators decide.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from typing import Any

from iamdsl.testing import vocabulary as v
from iamdsl.testing.vocabulary import Picker

ACCOUNT_IDS = {"A": "111122223333", "B": "444455556666", "C": "777788889999", "M": "123456789012"}
ORG_ID = "o-a1b2c3d4e5"
ORG_ROOT = "r-a1b2"
OU_NAME = "workloads"
VERSION = "2012-10-17"
REGION = "us-east-1"
VPCE_ID = "vpce-0a1b2c3d"
CURRENT_TIME = "2026-03-15T12:00:00Z"
EPOCH_TIME = "1773576000"  # CURRENT_TIME in seconds
FULL_ACCESS = {"Version": VERSION, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

DocT = dict[str, Any]


# ---------------------------------------------------------------- what is requested


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of requested resource: how its ARN is written and which actions act on it."""

    name: str  # bucket, object, ecr, kms, sqs, sns, dynamodb, role, global
    actions: tuple[str, ...]  # concrete actions a request may name
    wildcard: str = ""  # `service:*`


def _concrete(actions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a for a in actions if "*" not in a)


_VOCAB = {kind.type: kind for kind in v.RESOURCE_KINDS}
KINDS: dict[str, Kind] = {
    "bucket": Kind("bucket", _concrete(_VOCAB["s3:bucket"].actions), "s3:*"),
    "object": Kind("object", _concrete(_VOCAB["s3:bucket"].child_actions), "s3:*"),
    "ecr": Kind("ecr", _concrete(_VOCAB["ecr:repository"].actions), "ecr:*"),
    "kms": Kind("kms", ("kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey"), "kms:*"),
    "sqs": Kind("sqs", ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:PurgeQueue", "sqs:GetQueueAttributes"), "sqs:*"),
    "sns": Kind("sns", _concrete(_VOCAB["sns:topic"].actions), "sns:*"),
    "dynamodb": Kind("dynamodb", ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable", "dynamodb:UpdateItem"), "dynamodb:*"),
    "role": Kind("role", ("sts:AssumeRole", "sts:AssumeRole", "sts:AssumeRole", "iam:GetRole", "iam:PassRole"), "sts:*"),
    "global": Kind("global", _concrete(v.GLOBAL_ACTIONS)),
}

# Actions of the same services that never name the requested action: a statement
# about them must not apply.
UNRELATED_ACTIONS = ("s3:PutBucketAcl", "ecr:PutImage", "kms:ScheduleKeyDeletion", "sqs:DeleteQueue", "sns:DeleteTopic",
                     "dynamodb:DeleteTable", "iam:CreateUser", "ec2:RunInstances", "sts:GetSessionToken", "lambda:InvokeFunction")


@dataclass(slots=True)
class Target:
    kind: Kind
    action: str
    arn: str  # the requested ARN, or "*"
    account: str | None  # owning account name; None for "*"
    name: str  # the resource's own name (bucket, queue, role, …)
    holder: dict[str, Any] | None = None  # the scenario entry that carries its policy


# ---------------------------------------------------------------- the scenario under construction


@dataclass(slots=True)
class Draft:
    """A scenario being written: the JSON, and what later choices need to know."""

    number: int
    pick: Picker
    data: dict[str, Any]
    caller: dict[str, Any]
    caller_account: str | None
    target: Target
    context: dict[str, Any] = field(default_factory=dict)
    entity: dict[str, Any] | None = None  # the user or role the caller acts as
    session_tags: dict[str, str] = field(default_factory=dict)
    features: set[str] = field(default_factory=set)  # what the draft put in, for the report

    @property
    def kind(self) -> str:
        return self.caller["kind"]

    @property
    def cross_account(self) -> bool:
        return self.target.account is not None and self.caller_account is not None and self.caller_account != self.target.account


def _arn_id(account: str) -> str:
    return ACCOUNT_IDS[account]


def entity_arn(entity: dict[str, Any]) -> str:
    return f"arn:aws:iam::{_arn_id(entity['account'])}:{entity['type']}{entity.get('path', '/')}{entity['name']}"


def caller_arn(draft_caller: dict[str, Any], data: dict[str, Any]) -> str | None:
    """The caller's identity ARN (session ARN for sessions), as AWS writes it (R2)."""
    kind = draft_caller["kind"]
    if kind in ("anonymous", "service"):
        return None
    account = _arn_id(draft_caller["account"])
    if kind == "root":
        return f"arn:aws:iam::{account}:root"
    if kind == "role-session":
        return f"arn:aws:sts::{account}:assumed-role/{draft_caller['name']}/{draft_caller.get('session', 'session')}"
    if kind == "federated-user":
        return f"arn:aws:sts::{account}:federated-user/{draft_caller.get('session', draft_caller['name'])}"
    entity = find_entity(data, draft_caller["account"], draft_caller["name"])
    return entity_arn(entity)


def principal_arn(draft_caller: dict[str, Any], data: dict[str, Any]) -> str | None:
    """aws:PrincipalArn: the role's ARN (with its path) for a role session (R2)."""
    if draft_caller["kind"] == "role-session":
        return entity_arn(find_entity(data, draft_caller["account"], draft_caller["name"]))
    return caller_arn(draft_caller, data)


def find_entity(data: dict[str, Any], account: str, name: str) -> dict[str, Any]:
    for entry in data.get("principals", ()):
        if entry["account"] == account and entry["name"] == name and entry["type"] != "group":
            return entry
    raise KeyError(f"{account}.{name}")


# ---------------------------------------------------------------- the facts AWS adds to a request (R7)


def org_placement(data: dict[str, Any], account: str | None) -> tuple[str, list[str]] | None:
    """(org id, [OU names from the root down]) for an account in the scenario's organization."""
    org = data.get("organization")
    if org is None or account is None:
        return None

    def walk(unit: dict[str, Any], chain: list[str]) -> list[str] | None:
        if account in unit.get("accounts", ()):
            return chain
        for child in unit.get("children", ()):
            found = walk(child, chain + [child["name"]])
            if found is not None:
                return found
        return None

    chain = walk(org.get("root", {}), [])
    return None if chain is None else (org["id"], chain)


def org_paths(org_id: str, chain: list[str]) -> str:
    return "/".join([org_id, ORG_ROOT] + [f"ou-{name}" for name in chain]) + "/"


def request_facts(data: dict[str, Any], request: dict[str, Any]) -> dict[str, str | list[str]]:
    """The context keys AWS derives from who calls and what is called (R7), given keys left out.

    A key that is absent is not listed.  Explicit context in the request is
    not included: the caller merges it on top (explicit values win).
    """
    caller = request["principal"]
    kind = caller["kind"]
    facts: dict[str, str | list[str]] = {}
    facts["aws:SecureTransport"] = "true"
    facts["aws:ViaAWSService"] = "false"
    if kind == "service":
        facts["aws:PrincipalIsAWSService"] = "true"
        facts["aws:PrincipalServiceName"] = caller["service"]
    elif kind == "anonymous":
        facts["aws:PrincipalType"] = "Anonymous"
        facts["aws:userid"] = "anonymous"
    else:
        facts["aws:PrincipalIsAWSService"] = "false"
        facts["aws:PrincipalAccount"] = _arn_id(caller["account"])
        facts["aws:PrincipalArn"] = principal_arn(caller, data) or ""
        facts["aws:PrincipalType"] = {"user": "User", "role-session": "AssumedRole", "federated-user": "FederatedUser", "root": "Account"}[kind]
        if kind == "user":
            facts["aws:username"] = caller["name"]
        placement = org_placement(data, caller["account"])
        if placement is not None:
            facts["aws:PrincipalOrgID"] = placement[0]
            facts["aws:PrincipalOrgPaths"] = [org_paths(*placement)]
        if kind in ("user", "role-session", "federated-user"):
            entity = find_entity(data, caller["account"], caller["name"])
            tags = {k.lower(): (k, value) for k, value in entity.get("tags", {}).items()}
            tags.update({k.lower(): (k, value) for k, value in request.get("session_tags", {}).items()})  # R3
            for key, value in tags.values():
                facts[f"aws:PrincipalTag/{key}"] = value
    resource = request["resource"]
    if resource != "*":
        account = request.get("resource_account")
        if account:
            facts["aws:ResourceAccount"] = _arn_id(account)
            placement = org_placement(data, account)
            if placement is not None:
                facts["aws:ResourceOrgID"] = placement[0]
                facts["aws:ResourceOrgPaths"] = [org_paths(*placement)]
        for key, value in resource_tags(data, resource).items():
            facts[f"aws:ResourceTag/{key}"] = value
    return facts


def resource_tags(data: dict[str, Any], resource: str) -> dict[str, str]:
    for entry in data.get("resources", ()):
        arn = entry["arn"]
        if resource == arn or (":s3:::" in arn and resource.startswith(arn + "/")):
            return dict(entry.get("tags", {}))
    for entry in data.get("principals", ()):
        if entry["type"] != "group" and entity_arn(entry) == resource:
            return dict(entry.get("tags", {}))
    return {}


def full_context(data: dict[str, Any], request: dict[str, Any]) -> dict[str, str | list[str]]:
    """Derived facts with the request's explicit context on top; None values mean absent."""
    merged: dict[str, Any] = {k.lower(): (k, value) for k, value in request_facts(data, request).items()}
    for key, value in request.get("context", {}).items():
        merged[key.lower()] = (key, value)
    return {k: value for k, value in merged.values() if value is not None}


# ---------------------------------------------------------------- the generator


class ScenarioGenerator:
    """Draws scenarios one at a time; deterministic for the picker's seed."""

    def __init__(self, pick: Picker):
        self.pick = pick
        self.count = 0

    def scenario(self) -> dict[str, Any]:
        self.count += 1
        draft = self._draft()
        self._identity_side(draft)
        self._resource_side(draft)
        self._guardrails(draft)
        request = draft.data["requests"][0]
        request["context"] = draft.context
        if draft.session_tags:
            request["session_tags"] = draft.session_tags
        draft.data["features"] = sorted(draft.features)
        return draft.data

    # ------------------------------------------------------------ the world, the caller and the target
    def _draft(self) -> Draft:
        pick = self.pick
        data: dict[str, Any] = {
            "id": f"D{self.count:05d}",
            "description": "",
            "accounts": [{"name": name, "id": id_} for name, id_ in ACCOUNT_IDS.items()],
            "principals": [],
            "managed_policies": [],
            "resources": [],
        }
        in_org = pick.chance(0.6)
        if in_org:
            members = ["A", "B"] if pick.chance(0.7) else ["A"]
            data["organization"] = {
                "id": ORG_ID,
                "management": "M",
                "all_features": True,
                "scps": {},
                "rcps": {},
                "root": {"accounts": ["M"], "children": [{"name": OU_NAME, "accounts": members}]},
            }
        kind = pick.choice(("user",) * 5 + ("role-session",) * 6 + ("federated-user",) * 2 + ("root",) * 2 + ("anonymous",) * 2 + ("service",) * 2)
        account = "A"
        if kind not in ("anonymous", "service"):
            account = pick.choice(("A", "A", "A", "B", "C")) if not in_org or pick.chance(0.9) else "M"
        caller: dict[str, Any] = {"kind": kind}
        caller_account: str | None = None
        if kind in ("user", "role-session", "federated-user", "root"):
            caller["account"] = account
            caller_account = account
        target_kind = self._target_kind(kind)
        resource_account = account if pick.chance(0.6) else pick.choice([a for a in ("A", "B", "C") if a != account])
        if kind in ("anonymous", "service"):
            resource_account = pick.choice(("A", "A", "B"))
        target = self._target(target_kind, resource_account)
        data["requests"] = [{"principal": caller, "action": target.action, "resource": target.arn}]
        if target.account is not None:
            data["requests"][0]["resource_account"] = target.account
        draft = Draft(self.count, pick, data, caller, caller_account, target)
        draft.features.add(f"caller:{kind}")
        draft.features.add(f"target:{target.kind.name}")
        if target.account is not None:
            draft.features.add("cross-account" if draft.cross_account else "same-account")
        self._caller_entity(draft)
        self._context(draft)
        return draft

    def _target_kind(self, caller_kind: str) -> Kind:
        pick = self.pick
        if caller_kind == "anonymous":
            return KINDS[pick.choice(("object", "object", "bucket", "sqs", "sns"))]
        if caller_kind == "service":
            return KINDS[pick.choice(("sqs", "sns", "object", "kms", "role"))]
        names = ("bucket", "object", "object", "ecr", "kms", "sqs", "sns", "dynamodb", "role", "role", "global")
        return KINDS[pick.choice(names)]

    def _target(self, kind: Kind, account: str) -> Target:
        pick = self.pick
        account_id = _arn_id(account)
        action = pick.choice(kind.actions)
        if kind.name == "global":
            return Target(kind, action, "*", None, "*")
        word = pick.choice(("logs", "assets", "data", "reports", "jobs", "events", "orders", "app"))
        if kind.name in ("bucket", "object"):
            name = f"acme-{account.lower()}-{word}"
            arn = f"arn:aws:s3:::{name}"
            if kind.name == "object":
                key = pick.choice(("reports/q1.csv", "logs/app.log", "home/alice/notes.txt", "home/bob/todo.md", "public/index.html", "a/b/test/x.jpg"))
                arn = f"{arn}/{key}"
            return Target(kind, action, arn, account, name)
        if kind.name == "ecr":
            name = f"{pick.choice(v.TEAMS)}/{word}"
            return Target(kind, action, f"arn:aws:ecr:{REGION}:{account_id}:repository/{name}", account, name)
        if kind.name == "kms":
            name = f"{pick.between(0, 0xFFFF):04x}abcd-1234-4abc-8def-0123456789ab"
            return Target(kind, action, f"arn:aws:kms:{REGION}:{account_id}:key/{name}", account, name)
        if kind.name in ("sqs", "sns"):
            return Target(kind, action, f"arn:aws:{kind.name}:{REGION}:{account_id}:{word}", account, word)
        if kind.name == "dynamodb":
            return Target(kind, action, f"arn:aws:dynamodb:{REGION}:{account_id}:table/{word}", account, word)
        # role: the ARN is built once the role exists (its path is part of it)
        name = pick.choice(v.ROLE_WORDS) + "Target"
        path = pick.choice(v.ROLE_PATHS)
        return Target(kind, action, f"arn:aws:iam::{account_id}:role{path}{name}", account, name)

    def _caller_entity(self, draft: Draft) -> None:
        """The user or role behind the caller, with its tags, groups, boundary and path."""
        pick, caller = self.pick, draft.caller
        kind = draft.kind
        if kind not in ("user", "role-session", "federated-user"):
            return
        account = caller["account"]
        if kind == "role-session":
            name = pick.choice(v.ROLE_WORDS)
            path = pick.choice(v.ROLE_PATHS + ("/aws-service-role/",) if pick.chance(0.05) else v.ROLE_PATHS)
            entity: dict[str, Any] = {"type": "role", "account": account, "name": name, "path": path}
            entity["trust"] = {"Version": VERSION, "Statement": [{"Effect": "Allow", "Principal": {"AWS": _arn_id(account)}, "Action": "sts:AssumeRole"}]}
            caller["name"] = name
            caller["session"] = pick.choice(("alice", "build-42", "ops-session", "botocore-session-1"))
            if path == "/aws-service-role/":
                draft.features.add("service-linked-role")
        else:
            name = pick.choice(v.USER_WORDS)
            # iam-simulate finds a federated user's parent by name, so the session is named after it
            path = "/" if kind == "federated-user" or pick.chance(0.6) else pick.choice(v.USER_PATHS)
            entity = {"type": "user", "account": account, "name": name, "path": path}
            caller["name"] = name
            if kind == "federated-user":
                caller["session"] = name
        if pick.chance(0.55):
            entity["tags"] = {"team": pick.choice(v.TEAMS), "env": pick.choice(v.ENVIRONMENTS)}
            if pick.chance(0.2):
                entity["tags"]["blob"] = base64.b64encode(pick.choice((b"alpha", b"beta"))).decode()
        if kind == "role-session" and pick.chance(0.2):
            draft.session_tags = {"team": pick.choice(v.TEAMS)}
            draft.features.add("session-tags")
        draft.data["principals"].append(entity)
        draft.entity = entity

    def _context(self, draft: Draft) -> None:
        """The explicit part of the request context: network, time, MFA, tags, service facts."""
        pick, context, kind = self.pick, draft.context, draft.kind
        via_endpoint = kind not in ("service",) and pick.chance(0.12)
        if via_endpoint:
            context["aws:SourceVpce"] = VPCE_ID
            context["aws:SourceVpc"] = "vpc-0feed"
            context["aws:VpcSourceIp"] = pick.choice(("10.0.3.4", "10.8.0.9"))
            draft.features.add("vpc-endpoint")
        elif kind != "service":
            context["aws:SourceIp"] = pick.choice(("203.0.113.5", "203.0.113.77", "10.1.2.3", "192.168.4.20", "198.51.100.7", "2001:db8::5"))
        if pick.chance(0.15):
            context["aws:SecureTransport"] = "false"
        context["aws:CurrentTime"] = CURRENT_TIME
        context["aws:EpochTime"] = EPOCH_TIME
        context["aws:RequestedRegion"] = pick.choice(v.REGIONS)
        if kind in ("role-session", "federated-user"):
            mfa = pick.chance(0.5)
            context["aws:MultiFactorAuthPresent"] = "true" if mfa else "false"
            context["aws:TokenIssueTime"] = "2026-03-15T11:00:00Z"
            if mfa:
                context["aws:MultiFactorAuthAge"] = str(pick.choice((60, 1200, 7200)))
        elif kind == "user" and pick.chance(0.3):
            context["aws:MultiFactorAuthPresent"] = "true"
            context["aws:MultiFactorAuthAge"] = str(pick.choice((30, 5000)))
        if kind == "service":
            sender = draft.caller["service"] = pick.choice(("sns.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com", v.SERVICE_PRINCIPALS[0]))
            source_account = pick.choice(("A", "B"))
            short = sender.split(".", 1)[0]
            context["aws:SourceAccount"] = _arn_id(source_account)
            context["aws:SourceArn"] = f"arn:aws:{short}:{REGION}:{_arn_id(source_account)}:{pick.choice(('alerts', 'nightly', 'uploads'))}"
        if draft.target.action != "sts:AssumeRole" and kind not in ("anonymous", "service") and pick.chance(0.2):
            keys = v.pick_some(pick, ("team", "env", "owner", "app-name"), 3)
            context["aws:TagKeys"] = keys
            for key in keys:
                context[f"aws:RequestTag/{key}"] = pick.choice(v.TEAMS + v.ENVIRONMENTS)
            draft.features.add("request-tags")
        if kind in ("user", "role-session") and pick.chance(0.08):
            context["aws:ViaAWSService"] = "true"
            context["aws:CalledVia"] = [pick.choice(("athena.amazonaws.com", "cloudformation.amazonaws.com"))]
        if draft.target.action == "sts:AssumeRole" and pick.chance(0.3):
            context["sts:ExternalId"] = pick.choice(("ext-1234", "ext-9999"))

    # ------------------------------------------------------------ the identity side
    def _identity_side(self, draft: Draft) -> None:
        pick, entity = self.pick, draft.entity
        if entity is not None:
            allow = pick.chance(0.7)
            statements = self._identity_statements(draft, allow=allow, deny=pick.chance(0.14))
            placement = pick.between(0, 3) if entity["type"] == "user" else pick.between(0, 2)
            if placement == 0 or not statements:
                entity["policies"] = [self._doc(statements or [self._noise_statement(draft)])]
                draft.features.add("policy:identity-inline")
            elif placement == 1:
                arn = f"arn:aws:iam::{_arn_id(entity['account'])}:policy/{pick.choice(v.POLICY_WORDS)}"
                draft.data["managed_policies"].append({"arn": arn, "document": self._doc(statements)})
                entity["managed"] = [arn]
                draft.features.add("policy:identity-managed")
            elif placement == 2:
                half = max(1, len(statements) // 2)
                entity["policies"] = [self._doc(statements[:half])]
                if statements[half:]:
                    entity["policies"].append(self._doc(statements[half:]))
                draft.features.add("policy:identity-inline")
            else:
                group = {"type": "group", "account": entity["account"], "name": pick.choice(v.GROUP_WORDS), "path": "/"}
                if pick.chance(0.5):
                    group["policies"] = [self._doc(statements)]
                else:
                    arn = f"arn:aws:iam::{_arn_id(entity['account'])}:policy/Group{pick.choice(v.POLICY_WORDS)}"
                    draft.data["managed_policies"].append({"arn": arn, "document": self._doc(statements)})
                    group["managed"] = [arn]
                draft.data["principals"].append(group)
                entity["groups"] = [group["name"]]
                draft.features.add("policy:group")
            if pick.chance(0.25):
                entity["boundary"] = self._boundary(draft)
                draft.features.add("policy:boundary")
        if (draft.kind == "role-session" and pick.chance(0.3)) or draft.kind == "federated-user":
            statements = self._identity_statements(draft, allow=pick.chance(0.75), deny=pick.chance(0.1))
            draft.data["requests"][0]["session_policy"] = self._doc(statements or [self._noise_statement(draft)])
            draft.features.add("policy:session")

    def _identity_statements(self, draft: Draft, *, allow: bool, deny: bool) -> list[DocT]:
        pick = self.pick
        statements: list[DocT] = []
        for _ in range(pick.between(0, 2)):
            statements.append(self._noise_statement(draft))
        if allow:
            statements.insert(pick.between(0, len(statements)), self._statement(draft, "Allow", condition_chance=0.35))
        if deny:
            statements.insert(pick.between(0, len(statements)), self._statement(draft, "Deny", condition_chance=0.6))
        return statements

    def _boundary(self, draft: Draft) -> DocT:
        pick = self.pick
        statements: list[DocT] = []
        form = pick.between(0, 4)
        if form <= 2:  # a broad allow that usually covers the request
            statements.append(self._statement(draft, "Allow", condition_chance=0.15, broad=True))
        elif form == 3:
            statements.append({"Effect": "Allow", "Action": list(v.pick_some(pick, v.SERVICE_WILDCARDS, 3)), "Resource": "*"})
        else:
            statements.append({"Effect": "Allow", "Action": "*", "Resource": "*"})
        if pick.chance(0.2):
            statements.append(self._statement(draft, "Deny", condition_chance=0.5))
        return self._doc(statements)

    # ------------------------------------------------------------ the resource side
    def _resource_side(self, draft: Draft) -> None:
        pick, target = self.pick, draft.target
        if target.kind.name == "global":
            return
        if target.kind.name == "role":
            role: dict[str, Any] = {
                "type": "role", "account": target.account, "name": target.name,
                "path": target.arn.split(":role", 1)[1][: -len(target.name)],
            }
            if pick.chance(0.3):
                role["tags"] = {"env": pick.choice(v.ENVIRONMENTS), "team": pick.choice(v.TEAMS)}
            role["trust"] = self._resource_policy(draft, trust=True)
            draft.data["principals"].append(role)
            target.holder = role
            draft.features.add("policy:trust")
            return
        arn = target.arn if target.kind.name != "object" else f"arn:aws:s3:::{target.name}"
        entry: dict[str, Any] = {"arn": arn, "account": target.account, "name": target.name.replace("/", "-")}
        if pick.chance(0.3):
            entry["tags"] = {"env": pick.choice(v.ENVIRONMENTS), "team": pick.choice(v.TEAMS)}
        mandatory = target.kind.name == "kms"
        if mandatory or pick.chance(0.7 if draft.cross_account or draft.kind in ("anonymous", "service") else 0.5):
            entry["policy"] = self._resource_policy(draft, trust=False)
            draft.features.add("policy:resource")
        draft.data["resources"].append(entry)
        target.holder = entry

    def _resource_policy(self, draft: Draft, *, trust: bool) -> DocT:
        pick = self.pick
        statements: list[DocT] = []
        if pick.chance(0.8):
            statements.append(self._grant(draft, trust))
        if pick.chance(0.25):
            statements.append(self._grant(draft, trust))
        if pick.chance(0.5):
            statements.append(self._other_principal_grant(draft, trust))
        if pick.chance(0.15):
            statements.append(self._resource_deny(draft, trust))
        if draft.target.kind.name == "kms" and pick.chance(0.5):
            # the default key policy: the account's IAM policies may work (R70)
            statements.insert(0, {"Sid": "EnableIAMPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{_arn_id(draft.target.account or 'A')}:root"}, "Action": "kms:*", "Resource": "*"})
            draft.features.add("kms-default-policy")
        if not statements:
            statements.append(self._other_principal_grant(draft, trust))
        return self._doc(statements)

    def _principal_forms(self, draft: Draft) -> list[tuple[str, Any]]:
        """Principal elements that reach the caller, each with its grant class (R18)."""
        caller, kind = draft.caller, draft.kind
        data = draft.data
        forms: list[tuple[str, Any]] = [("DIRECT", "*"), ("DIRECT", {"AWS": "*"})]
        if kind == "service":
            return [("DIRECT", {"Service": caller["service"]})]
        if kind == "anonymous":
            return forms
        account = _arn_id(caller["account"])
        forms += [("ACCOUNT", {"AWS": account}), ("ACCOUNT", {"AWS": f"arn:aws:iam::{account}:root"})]
        if kind == "user":
            forms += [("DIRECT", {"AWS": caller_arn(caller, data)})] * 2
        elif kind == "role-session":
            forms += [("ROLE", {"AWS": principal_arn(caller, data)})] * 3 + [("DIRECT", {"AWS": caller_arn(caller, data)})] * 2
        elif kind == "federated-user":
            parent = entity_arn(find_entity(data, caller["account"], caller["name"]))
            forms += [("FED_PARENT", {"AWS": parent})] * 3 + [("DIRECT", {"AWS": caller_arn(caller, data)})]
        return forms

    def _grant(self, draft: Draft, trust: bool) -> DocT:
        pick = self.pick
        grant, principal = pick.choice(self._principal_forms(draft))
        if pick.chance(0.15) and isinstance(principal, dict) and "AWS" in principal:
            principal = {"AWS": [principal["AWS"], f"arn:aws:iam::{ACCOUNT_IDS['C']}:role/Partner"]}
        statement = self._statement(draft, "Allow", condition_chance=0.3, trust=trust)
        statement["Principal"] = principal
        draft.features.add(f"grant:{grant}")
        return _principal_first(statement)

    def _other_principal_grant(self, draft: Draft, trust: bool) -> DocT:
        """A grant to someone else: it must not reach the caller (partial wildcards included, R18)."""
        pick = self.pick
        other = pick.choice((
            {"AWS": f"arn:aws:iam::{ACCOUNT_IDS['C']}:role/Partner"},
            {"AWS": f"arn:aws:iam::{ACCOUNT_IDS['B']}:user/mallory"},
            {"AWS": "arn:aws:iam::*:root"},
            {"Service": "lambda.amazonaws.com"},
            {"AWS": ACCOUNT_IDS["C"]},
        ))
        statement = self._statement(draft, "Allow", condition_chance=0.2, trust=trust)
        statement["Principal"] = other
        return _principal_first(statement)

    def _resource_deny(self, draft: Draft, trust: bool) -> DocT:
        pick = self.pick
        statement = self._statement(draft, "Deny", condition_chance=0.6, trust=trust)
        form = pick.between(0, 5)
        if form == 5 and draft.kind not in ("anonymous", "service") and not trust:
            # NotPrincipal with Deny: everyone but the listed levels (R20)
            forms = self._principal_forms(draft)
            listed = [p["AWS"] for _, p in forms if isinstance(p, dict) and isinstance(p.get("AWS"), str) and p["AWS"] != "*"]
            chosen = v.pick_some(pick, listed or [ACCOUNT_IDS["C"]], 3)
            statement["NotPrincipal"] = {"AWS": chosen if len(chosen) > 1 else chosen[0]}
            draft.features.add("notprincipal")
            return statement
        statement["Principal"] = pick.choice(self._principal_forms(draft))[1] if form <= 3 else "*"
        draft.features.add("resource-deny")
        return _principal_first(statement)

    # ------------------------------------------------------------ organizations and endpoints
    def _guardrails(self, draft: Draft) -> None:
        pick, data = self.pick, draft.data
        org = data.get("organization")
        if org is not None:
            if pick.chance(0.45):
                self._scps(draft, org)
            if pick.chance(0.35):
                self._rcps(draft, org)
        if "aws:SourceVpce" in draft.context:
            statements = [self._statement(draft, "Allow", condition_chance=0.2, broad=pick.chance(0.5))]
            statements[0]["Principal"] = "*"
            if pick.chance(0.2):
                deny = self._statement(draft, "Deny", condition_chance=0.5)
                deny["Principal"] = "*"
                statements.append(deny)
            if pick.chance(0.15):
                statements = [{"Effect": "Allow", "Principal": "*", "Action": "ec2:*", "Resource": "*"}]
            data["endpoints"] = [{"id": VPCE_ID, "account": draft.caller_account or "A", "policy": self._doc([_principal_first(s) for s in statements])}]
            draft.features.add("policy:endpoint")

    def _scps(self, draft: Draft, org: dict[str, Any]) -> None:
        pick = self.pick
        form = pick.between(0, 3)
        if form <= 1:  # a deny-list SCP next to FullAWSAccess
            statements = [self._statement(draft, "Deny", condition_chance=0.5, broad=pick.chance(0.5))]
            org["scps"]["GuardRails"] = self._doc(statements)
            where = pick.choice(("root", "ou", "account"))
            self._attach(org, where, "scps", ["FullAWSAccess", "GuardRails"])
        elif form == 2:  # an allow-list SCP that replaces FullAWSAccess on the OU
            statement = self._statement(draft, "Allow", condition_chance=0.1, broad=True)
            statement["Resource"] = "*"
            statement.pop("NotResource", None)
            statement.pop("Condition", None)
            org["scps"]["AllowList"] = self._doc([statement])
            self._attach(org, "ou", "scps", ["AllowList"])
        else:  # an SCP on an unrelated service
            org["scps"]["NoLeaving"] = self._doc([{"Effect": "Deny", "Action": list(v.pick_some(pick, v.GUARDED_ACTIONS, 3)), "Resource": "*"}])
            self._attach(org, "root", "scps", ["FullAWSAccess", "NoLeaving"])
        draft.features.add("policy:scp")

    def _rcps(self, draft: Draft, org: dict[str, Any]) -> None:
        pick = self.pick
        form = pick.between(0, 3)
        kind = draft.target.kind
        service = draft.target.action.split(":", 1)[0]
        actions = [f"{service}:*"] if pick.chance(0.7) else [kind.wildcard or f"{service}:*", "sqs:*"]
        if form == 0:
            condition = {"Bool": {"aws:SecureTransport": "false"}}
        elif form == 1:
            condition = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}
        elif form == 2:
            condition = {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}, "Bool": {"aws:PrincipalIsAWSService": "false"}}
        else:
            condition = self._conditions(draft, want=pick.chance(0.5), count=1) or {"Bool": {"aws:SecureTransport": "false"}}
        statement = {"Effect": "Deny", "Principal": "*", "Action": actions if len(actions) > 1 else actions[0], "Resource": "*", "Condition": condition}
        org["rcps"]["DataPerimeter"] = {"Version": VERSION, "Statement": [statement]}
        self._attach(org, pick.choice(("root", "ou", "account")), "rcps", ["RCPFullAWSAccess", "DataPerimeter"])
        draft.features.add("policy:rcp")

    def _attach(self, org: dict[str, Any], where: str, kind: str, names: list[str]) -> None:
        if where == "root":
            org["root"][kind] = names
        elif where == "ou":
            org["root"]["children"][0][kind] = names
        else:
            for account in org["root"]["children"][0]["accounts"]:
                org.setdefault("account_attachments", {}).setdefault(account, {})[kind] = names

    # ------------------------------------------------------------ statements
    def _doc(self, statements: list[DocT]) -> DocT:
        pick = self.pick
        uses_variables = any("${" in repr(s) for s in statements)
        if uses_variables and pick.chance(0.1):
            return {"Version": "2008-10-17", "Statement": statements}
        if not uses_variables and pick.chance(0.05):
            return {"Statement": statements if len(statements) > 1 else statements[0]}
        return {"Version": VERSION, "Statement": statements}

    def _statement(self, draft: Draft, effect: str, *, condition_chance: float, trust: bool = False, broad: bool = False) -> DocT:
        """A statement whose action and resource usually reach the request."""
        pick = self.pick
        statement: DocT = {"Effect": effect}
        if pick.chance(0.25):
            statement["Sid"] = f"{effect}{pick.between(1, 99)}"
        statement.update(self._action_element(draft, broad=broad))
        if not trust:  # IAM refuses a Resource element in a role's trust policy
            statement.update(self._resource_element(draft, broad=broad))
        if pick.chance(condition_chance):
            condition = self._conditions(draft, want=pick.chance(0.7 if effect == "Allow" else 0.55))
            if condition:
                statement["Condition"] = condition
        return statement

    def _noise_statement(self, draft: Draft) -> DocT:
        """A statement that should not reach the request: another action or resource."""
        pick = self.pick
        if pick.chance(0.5):
            return {"Effect": pick.choice(("Allow", "Allow", "Deny")), "Action": pick.choice(UNRELATED_ACTIONS), "Resource": "*"}
        statement: DocT = {"Effect": "Allow", "Action": draft.target.action}
        statement["Resource"] = self._other_resource(draft)
        return statement

    def _action_element(self, draft: Draft, *, broad: bool) -> DocT:
        pick = self.pick
        action = draft.target.action
        service, name = action.split(":", 1)
        if broad:
            return {"Action": pick.choice((f"{service}:*", "*", [f"{service}:*", "ec2:Describe*"]))}
        roll = pick.between(0, 19)
        if roll <= 6:
            return {"Action": action}
        if roll == 7:
            return {"Action": f"{service.upper()}:{name.lower()}"}  # R4, R14: without case
        if roll == 8:
            return {"Action": f"{service}:{name[: pick.between(1, len(name) - 1)]}*"}
        if roll == 9:
            return {"Action": f"{service}:*"}
        if roll == 10:
            return {"Action": "*"}
        if roll == 11:
            return {"Action": f"{service}:?{name[1:]}"}
        if roll == 12:
            return {"Action": [pick.choice(UNRELATED_ACTIONS), action]}
        if roll == 13:
            return {"NotAction": pick.choice(UNRELATED_ACTIONS)}  # reaches the request (R15)
        if roll == 14:
            return {"NotAction": [action, "iam:*"]}  # never reaches it
        if roll == 15:
            return {"Action": pick.choice(UNRELATED_ACTIONS)}
        return {"Action": action}

    def _resource_element(self, draft: Draft, *, broad: bool) -> DocT:
        pick = self.pick
        target = draft.target
        arn = target.arn
        if broad or arn == "*":
            if arn == "*" and pick.chance(0.15):
                return {"Resource": f"arn:aws:s3:::acme-{(target.account or 'a').lower()}-logs"}  # never matches "*" (R16a)
            return {"Resource": "*"}
        roll = pick.between(0, 19)
        if roll <= 6:
            return {"Resource": arn}
        if roll == 7:
            return {"Resource": "*"}
        if roll == 8:
            return {"Resource": [self._other_resource(draft), arn]}
        if roll == 9:
            return {"NotResource": self._other_resource(draft)}
        if roll == 10:
            return {"NotResource": arn}
        if roll == 11:
            return {"Resource": self._other_resource(draft)}
        return {"Resource": self._resource_pattern(draft)}

    def _resource_pattern(self, draft: Draft) -> str:
        """A wildcard or variable pattern for the requested ARN (R16, R23)."""
        pick = self.pick
        target = draft.target
        arn = target.arn
        kind = target.kind.name
        if kind == "object":
            bucket = f"arn:aws:s3:::{target.name}"
            key = arn.split("/", 1)[1]
            return pick.choice((
                f"{bucket}/*",
                f"{bucket}/{key.split('/', 1)[0]}/*",
                f"{bucket}/home/${{aws:username}}/*",
                f"{bucket}/*/test/*",
                f"{bucket}/{key.upper()}",
                f"{bucket}/{key[:-1]}?",
                f"{bucket}/${{aws:PrincipalTag/team, 'reports'}}/*",
                f"arn:aws:s3:::acme-{(target.account or 'a').lower()}-*/*",
                bucket,
            ))
        if kind == "bucket":
            return pick.choice((f"{arn}*", "arn:aws:s3:::*", f"{arn}/*", f"arn:aws:s3:::{target.name[:-1]}?", "arn:aws:s3:::${aws:PrincipalTag/team}"))
        fields = arn.split(":", 5)
        if kind == "role":
            if pick.chance(0.12):
                return f"arn:aws:iam::{fields[4]}:r*"  # a wildcarded resource-type word matches nothing (R16f)
            return pick.choice((
                f"arn:aws:iam::{fields[4]}:role/*",
                f"arn:aws:iam::*:role{fields[5][4:]}",
                f"arn:aws:iam::{fields[4]}:role/{target.name}",
                f"arn:aws:iam::{fields[4]}:role/${{aws:PrincipalTag/team}}*",
            ))
        return pick.choice((
            f"arn:aws:{fields[2]}:*:{fields[4]}:{fields[5]}",
            f"arn:aws:{fields[2]}:{fields[3]}:*:{fields[5]}",
            f"arn:aws:{fields[2]}:{fields[3]}:{fields[4]}:*",
            f"arn:aws:{fields[2]}:*:*:*",
            f"arn:aws:{fields[2]}:*",
            f"arn:aws:{fields[2]}:{fields[3]}:{fields[4]}:{fields[5].upper()}",
            f"arn:aws:{fields[2].upper()}:{fields[3].upper()}:{fields[4]}:{fields[5]}",
            f"arn:aws:{fields[2]}:us-*:{fields[4]}:{fields[5]}",
        ))

    def _other_resource(self, draft: Draft) -> str:
        target = draft.target
        if target.arn == "*":
            return "arn:aws:s3:::unrelated-bucket"
        if target.kind.name == "object":
            return f"arn:aws:s3:::{target.name}"  # the bucket does not match its objects (R80)
        if target.kind.name == "bucket":
            return f"arn:aws:s3:::{target.name}/*"
        return target.arn[: -len(target.name)] + "other-" + target.name

    # ------------------------------------------------------------ conditions
    def _conditions(self, draft: Draft, *, want: bool, count: int | None = None) -> dict[str, dict[str, Any]]:
        """A Condition block of one or two operators, drawn to hold when `want` (not guaranteed)."""
        pick = self.pick
        facts = full_context(draft.data, {**draft.data["requests"][0], "context": draft.context, "session_tags": draft.session_tags})
        lower = {k.lower(): value for k, value in facts.items()}
        block: dict[str, dict[str, Any]] = {}
        for _ in range(count or pick.choice((1, 1, 1, 2))):
            family = pick.choice(FAMILIES)
            made = family(pick, lower, want, draft)
            if made is None:
                continue
            op, key, value, tag = made
            if op in block and key in block[op]:
                continue
            block.setdefault(op, {})[key] = value
            draft.features.add(f"cond:{tag}")
        return block


def _principal_first(statement: DocT) -> DocT:
    order = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition")
    return {k: statement[k] for k in order if k in statement}


# ---------------------------------------------------------------- condition families (R30–R43)
#
# Each family returns (operator, key, value, family tag) or None.  `want` says
# whether the condition should hold for the request; negated operators get the
# opposite value, so that the result is mixed either way.


def _flip(pick: Picker, want: bool, positive: str, negative: str) -> tuple[str, bool]:
    """Pick the positive or the negated operator; return it and whether the value must match."""
    if pick.chance(0.6):
        return positive, want
    return negative, not want


def _string_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    candidates = [k for k in ("aws:principaltag/team", "aws:requestedregion", "aws:principalaccount", "aws:principalorgid",
                              "aws:resourcetag/env", "aws:username", "aws:principaltype", "aws:sourcevpce", "aws:resourceaccount",
                              "sts:externalid", "aws:principaltag/env") if k in facts]
    absent = pick.chance(0.15) or not candidates
    key = pick.choice(("aws:PrincipalTag/team", "aws:ResourceTag/env", "aws:SourceVpce", "aws:PrincipalOrgID", "sts:ExternalId")) if absent else pick.choice(candidates)
    value = facts.get(key.lower())
    style = pick.between(0, 3)
    if style == 0:
        op, match = _flip(pick, want, "StringEquals", "StringNotEquals")
        policy = value if match and isinstance(value, str) else "no-such-value"
    elif style == 1:
        op, match = _flip(pick, want, "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase")
        policy = value.upper() if match and isinstance(value, str) else "NO-SUCH"
    else:
        op, match = _flip(pick, want, "StringLike", "StringNotLike")
        policy = (value[:2] + "*" if len(value) > 2 else "*") if match and isinstance(value, str) else "zz*"
    if pick.chance(0.25):
        policy = [policy, "other-value"]
    if pick.chance(0.2):
        op += "IfExists"
        return op, key, policy, "IfExists"
    return op, key, policy, "String"


def _numeric_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = "aws:MultiFactorAuthAge" if pick.chance(0.6) else "aws:EpochTime"
    value = facts.get(key.lower())
    number = int(value) if isinstance(value, str) and value.isdigit() else 3600
    op = pick.choice(("NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "NumericEquals", "NumericNotEquals"))
    delta = pick.choice((-100, 0, 100))
    policy = str(number + delta)
    if pick.chance(0.15):
        op += "IfExists"
    return op, key, policy, "Numeric"


def _date_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = pick.choice(("aws:CurrentTime", "aws:CurrentTime", "aws:TokenIssueTime", "aws:EpochTime"))
    op = pick.choice(("DateLessThan", "DateGreaterThan", "DateLessThanEquals", "DateGreaterThanEquals", "DateEquals", "DateNotEquals"))
    iso = ("2026-01-01T00:00:00Z", "2027-06-30T00:00:00Z", CURRENT_TIME, "2026-03-15T11:00:00Z", "2026-03-15")
    epoch = ("1767225600", "1798675200", EPOCH_TIME, "1773572400")
    same_form = epoch if key == "aws:EpochTime" else iso
    # mostly the key's own form; sometimes the other one (R33: both name instants)
    policy = pick.choice(same_form if pick.chance(0.85) else (iso if same_form is epoch else epoch))
    return op, key, policy, "Date"


def _bool_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = pick.choice(("aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthPresent", "aws:ViaAWSService", "aws:PrincipalIsAWSService"))
    value = facts.get(key.lower())
    truth = value if isinstance(value, str) else "true"
    policy = truth if want else ("false" if truth == "true" else "true")
    if pick.chance(0.1):
        policy = policy.upper()
    op = "Bool"
    if pick.chance(0.3):
        op = "BoolIfExists"
        return op, key, policy, "IfExists"
    return op, key, policy, "Bool"


def _binary_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    value = facts.get("aws:principaltag/blob")
    policy = value if want and isinstance(value, str) else base64.b64encode(b"gamma").decode()
    return "BinaryEquals", "aws:PrincipalTag/blob", policy, "Binary"


def _ip_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = "aws:SourceIp" if pick.chance(0.85) else "aws:VpcSourceIp"
    op, match = _flip(pick, want, "IpAddress", "NotIpAddress")
    ranges = ["203.0.113.0/24", "10.0.0.0/8"] if match else ["198.18.0.0/15"]
    if pick.chance(0.4):  # bare addresses (/32, D9 for IPv6), IPv6 ranges, several ranges
        ranges = pick.choice((["203.0.113.5"], ["2001:db8::5"], ["2001:db8::/32"], ["192.168.0.0/16", "10.1.2.3/32"]))
    return op, key, ranges if len(ranges) > 1 else ranges[0], "IpAddress"


def _arn_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = "aws:PrincipalArn" if "aws:principalarn" in facts or pick.chance(0.5) else "aws:SourceArn"
    value = facts.get(key.lower())
    op, match = _flip(pick, want, pick.choice(("ArnEquals", "ArnLike")), pick.choice(("ArnNotEquals", "ArnNotLike")))
    if isinstance(value, str) and match:
        fields = value.split(":", 5)
        policy = pick.choice((value, ":".join(fields[:4] + ["*", fields[5]]), ":".join(fields[:5] + ["*"]), f"arn:aws:*:*:{fields[4]}:*"))
    else:
        policy = f"arn:aws:iam::{ACCOUNT_IDS['C']}:role/*"
    if pick.chance(0.12):
        policy = "arn:aws:iam::${aws:PrincipalAccount}:*"  # a variable in an ARN condition value (R23)
    return op, key, policy, "Arn"


def _null_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = pick.choice(("aws:MultiFactorAuthPresent", "aws:SourceIp", "aws:TagKeys", "aws:PrincipalTag/team", "aws:SourceVpce", "aws:PrincipalOrgID", "aws:username"))
    present = key.lower() in facts
    policy = ("false" if present else "true") if want else ("true" if present else "false")
    return "Null", key, policy, "Null"


def _set_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    key = pick.choice(("aws:TagKeys", "aws:TagKeys", "aws:PrincipalOrgPaths", "aws:CalledVia", "aws:PrincipalTag/team"))
    value = facts.get(key.lower())
    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    quantifier = pick.choice(("ForAnyValue", "ForAllValues"))
    if key == "aws:PrincipalOrgPaths":
        base, policy = pick.choice((("StringLike", f"{ORG_ID}/*"), ("StringNotLike", f"{ORG_ID}/{ORG_ROOT}/ou-sandbox/*"), ("StringEquals", "o-other/*")))
    elif values and want:
        base = pick.choice(("StringEquals", "StringLike"))
        policy = list(values) + (["extra"] if pick.chance(0.5) else [])
        if base == "StringLike":
            policy = [p[:1] + "*" for p in policy]
    else:
        base = pick.choice(("StringEquals", "StringNotEquals", "StringNotLike"))
        policy = pick.choice((["team", "env"], ["owner"], ["app-*"], ["athena.amazonaws.com"]))
    tag = quantifier
    if pick.chance(0.08) and key == "aws:TagKeys":
        return base, key, policy, "plain-on-multivalued"  # D5
    return f"{quantifier}:{base}", key, policy, tag


def _variable_family(pick: Picker, facts: dict[str, Any], want: bool, draft: Draft):
    """A policy variable in a condition value (R23)."""
    form = pick.between(0, 2)
    if form == 0:
        return "StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}", "variable"
    if form == 1:
        return "StringLike", "aws:PrincipalArn", "arn:aws:*:*:${aws:PrincipalAccount}:*", "variable"
    return "StringEquals", "aws:RequestTag/team", "${aws:PrincipalTag/team, 'platform'}", "variable"


FAMILIES = (
    _string_family, _string_family, _numeric_family, _date_family, _bool_family, _bool_family, _binary_family,
    _ip_family, _ip_family, _arn_family, _null_family, _set_family, _set_family, _variable_family,
)


def generate(pick: Picker, count: int) -> list[dict[str, Any]]:
    """`count` scenarios, each with one request (its `expected` left for a simulator to fill)."""
    generator = ScenarioGenerator(pick)
    return [copy.deepcopy(generator.scenario()) for _ in range(count)]


# ---------------------------------------------------------------- the corpus file


def compact_rows(rows: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Share identical policy documents across rows: each becomes {"$doc": index}."""
    documents: list[Any] = []
    index: dict[str, int] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "Statement" in node:
                key = json.dumps(node, sort_keys=True)
                if key not in index:
                    index[key] = len(documents)
                    documents.append(node)
                return {"$doc": index[key]}
            return {k: walk(value) for k, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return documents, [walk(row) for row in rows]


def expand_corpus(corpus: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a compact corpus file as whole scenarios, shared documents put back."""
    documents = corpus["documents"]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$doc"}:
                return copy.deepcopy(documents[node["$doc"]])
            return {k: walk(value) for k, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return [{"accounts": corpus["accounts"], **walk(row)} for row in corpus["rows"]]
