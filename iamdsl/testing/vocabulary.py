"""The building blocks of synthetic models: what a generated statement may say.

Stage: test support (no stage of the pipeline; nothing in `iamdsl` imports it).

This is the one vocabulary shared by the large-org writer (`generator.py`)
and the hypothesis strategies (`strategies.py`).  Every choice goes through
a `Picker`, so the same code draws from `random.Random` when writing a
benchmark org and from hypothesis when testing: the two faces never drift
apart.  Everything here is chosen so that the result loads without errors or
warnings: verbs only go on resources they act on, multi-valued keys always
get `any`/`all`, resource policies always say `to` whom, and RCPs only deny.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol, Sequence, TypeVar

T = TypeVar("T")


class Picker(Protocol):
    """The source of every choice; `RandomPicker` here, a hypothesis draw in strategies.py."""

    def choice(self, options: Sequence[T]) -> T: ...

    def between(self, low: int, high: int) -> int: ...  # both ends included

    def chance(self, probability: float) -> bool: ...


class RandomPicker:
    """A Picker over `random.Random`: deterministic for a seed."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._random.randrange(len(options))]

    def between(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def chance(self, probability: float) -> bool:
        return self._random.random() < probability


def pick_some(pick: Picker, options: Sequence[T], most: int) -> list[T]:
    """One to `most` distinct options, in the order drawn."""
    count = pick.between(1, min(most, len(options)))
    chosen: list[T] = []
    for _ in range(count):
        option = pick.choice(options)
        if option not in chosen:
            chosen.append(option)
    return chosen


def action_list(actions: Sequence[str], pick: Picker) -> str:
    """Actions as the DSL writes them: bare `a, b` or bracketed `[a, b]`."""
    joined = ", ".join(actions)
    return f"[{joined}]" if len(actions) > 1 and pick.chance(0.3) else joined


# ---------------------------------------------------------------- resources


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """A resource type the writer declares, with what may be granted on it."""

    type: str  # catalogue type, as written after `:`
    words: tuple[str, ...]  # DSL names for resources of this kind
    verbs: tuple[str, ...]  # verbs of verbs.iam that act on it
    actions: tuple[str, ...]  # raw actions on the resource itself
    child_actions: tuple[str, ...] = ()  # raw actions on its children (`R/*`)
    wildcard: str = ""  # `service:*`, for guardrail denies

    @property
    def service(self) -> str:
        return self.type.split(":", 1)[0]


RESOURCE_KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "s3:bucket", ("logs", "assets", "data", "backups", "reports", "uploads"), ("read", "write", "list"),
        ("s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:GetBucketPolicy"),
        ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:Get*"), "s3:*",
    ),
    ResourceKind(
        "ecr:repository", ("repo", "images", "app", "base"), ("pull", "push"),
        ("ecr:DescribeImages", "ecr:ListImages", "ecr:DescribeRepositories", "ecr:BatchGetImage", "ecr:Describe*"),
        wildcard="ecr:*",
    ),
    ResourceKind(
        "kms:key", ("key", "cmk", "signing"), ("encrypt", "decrypt"),
        ("kms:DescribeKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:GenerateDataKey*", "kms:Encrypt"),
        wildcard="kms:*",
    ),
    ResourceKind(
        "sqs:queue", ("queue", "jobs", "events", "dlq"), ("send", "receive"),
        ("sqs:PurgeQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ChangeMessageVisibility", "sqs:Get*"),
        wildcard="sqs:*",
    ),
    ResourceKind(
        "sns:topic", ("topic", "alerts", "notices"), ("publish",),
        ("sns:Subscribe", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Publish"),
        wildcard="sns:*",
    ),
    ResourceKind(
        "dynamodb:table", ("table", "orders", "sessions", "ledger"), ("dynamodb_read", "dynamodb_write"),
        ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable", "dynamodb:UpdateItem", "dynamodb:Batch*"),
        wildcard="dynamodb:*",
    ),
)

# Actions with no resource-level permissions, granted on `*`.
GLOBAL_ACTIONS = (
    "ec2:DescribeInstances", "ec2:DescribeVpcs", "ec2:Describe*", "sts:GetCallerIdentity", "s3:ListAllMyBuckets",
    "kms:ListAliases", "iam:ListRoles", "xray:PutTraceSegments", "cloudwatch:Get*", "logs:Describe*",
)

# What guardrails (SCPs, boundaries, deny statements) keep people from doing.
GUARDED_ACTIONS = (
    "organizations:LeaveOrganization", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
    "guardduty:DeleteDetector", "config:StopConfigurationRecorder", "account:CloseAccount", "iam:CreateUser",
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:DeleteRolePermissionsBoundary", "kms:ScheduleKeyDeletion",
    "s3:PutBucketPolicy", "ec2:CreateVpc", "ram:CreateResourceShare", "securityhub:DisableSecurityHub",
)

# Services an identity may reach, for NotAction statements and broad boundaries.
SERVICE_WILDCARDS = ("s3:*", "sqs:*", "sns:*", "kms:*", "ecr:*", "dynamodb:*", "logs:*", "cloudwatch:*", "ec2:Describe*")
ADMIN_SERVICES = ("iam:*", "sts:*", "organizations:*", "account:*")
SERVICE_PRINCIPALS = ("lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "events.amazonaws.com")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
TEAMS = ("payments", "platform", "data", "identity", "search", "mobile")
ENVIRONMENTS = ("prod", "staging", "dev", "sandbox")
ROLE_WORDS = ("Admin", "ReadOnly", "Deployer", "CiRunner", "DataReader", "Auditor", "LambdaExec", "Ops", "Support", "BreakGlass")
USER_WORDS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
GROUP_WORDS = ("devs", "ops", "auditors", "oncall")
POLICY_WORDS = ("ReadLogs", "DeployApps", "DataAccess", "Observability", "KeyUsage", "QueueWorkers")
ROLE_PATHS = ("/", "/service-role/", "/teams/", "/ci/")
USER_PATHS = ("/", "/eng/", "/contractors/")


# ---------------------------------------------------------------- the world a statement refers to


@dataclass(slots=True)
class ResourcePlan:
    account: str
    name: str
    kind: ResourceKind

    @property
    def ref(self) -> str:
        return f"{self.account}.{self.name}"


@dataclass(slots=True)
class AccountPlan:
    name: str
    id: str | None  # None: let iamdsl derive one
    roles: list[str] = field(default_factory=list)
    role_paths: dict[str, str] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    resources: list[ResourcePlan] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # customer-managed policies
    boundary: str | None = None  # the name of its boundary policy, if any


@dataclass(slots=True)
class World:
    """Everything declared, so that a statement only names what exists."""

    org_id: str
    accounts: list[AccountPlan]
    external: list[str]  # external accounts (open: only referenced)

    def other_account(self, pick: Picker, home: AccountPlan) -> AccountPlan:
        """Any account but `home` (or `home` when it is alone), without building a list of thousands."""
        if len(self.accounts) < 2:
            return home
        chosen = self.accounts[pick.between(0, len(self.accounts) - 2)]
        return self.accounts[-1] if chosen is home else chosen  # `home` drawn: take the one slot left out

    def some_resource(self, pick: Picker, home: AccountPlan, cross: bool) -> ResourcePlan | None:
        account = self.other_account(pick, home) if cross else home
        if not account.resources:
            account = home
        return pick.choice(account.resources) if account.resources else None

    def some_role(self, pick: Picker, home: AccountPlan, cross: bool) -> str | None:
        account = self.other_account(pick, home) if cross else home
        return f"{account.name}.{pick.choice(account.roles)}" if account.roles else None


# ---------------------------------------------------------------- conditions


def _string(value: str) -> str:
    return f'"{value}"'


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def condition(pick: Picker, world: World, used: set[str]) -> str | None:
    """One condition in one of the forms people write; None if its key is taken.

    `used` holds the keys already in the statement: IAM JSON holds each
    operator and key once, so a statement never repeats a key.
    """
    form = pick.between(0, 17)
    org = world.org_id
    key, text = {
        0: ("aws:SourceIp", lambda: f"aws:SourceIp in {pick.choice(('10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12'))}"),
        1: ("aws:SourceIp", lambda: "aws:SourceIp not in [10.0.0.0/8, 192.168.0.0/16]"),
        2: ("aws:PrincipalOrgID", lambda: f"aws:PrincipalOrgID == {_string(org)}"),
        3: ("aws:PrincipalTag/team", lambda: f"aws:PrincipalTag/team == {_string(pick.choice(TEAMS))}"),
        4: ("aws:ResourceTag/env", lambda: f"aws:ResourceTag/env != {_string(pick.choice(ENVIRONMENTS))}"),
        5: ("aws:RequestedRegion", lambda: f"aws:RequestedRegion in {_strings(REGIONS[: pick.between(1, 3)])}"),
        6: ("aws:PrincipalArn", lambda: f'aws:PrincipalArn like "arn:aws:iam::*:role/{pick.choice(ROLE_WORDS)}*"'),
        7: ("aws:SecureTransport", lambda: f"aws:SecureTransport is {pick.choice(('true', 'false'))}"),
        8: ("aws:MultiFactorAuthPresent", lambda: "aws:MultiFactorAuthPresent? is true"),  # IfExists
        9: ("aws:CurrentTime", lambda: f'aws:CurrentTime before "20{pick.between(27, 35)}-01-01T00:00:00Z"'),
        10: ("aws:MultiFactorAuthAge", lambda: f"aws:MultiFactorAuthAge < {pick.choice((900, 3600, 43200))}"),
        11: ("aws:TagKeys", lambda: f"any aws:TagKeys in {_strings(('team', 'env', 'owner')[: pick.between(1, 3)])}"),
        12: ("aws:TagKeys", lambda: 'all aws:TagKeys like "app-*"'),
        13: ("aws:SourceVpce", lambda: f'aws:SourceVpce? == "vpce-{pick.between(0, 0xFFFFFF):06x}"'),
        14: ("aws:PrincipalTag/owner", lambda: f"aws:PrincipalTag/owner {pick.choice(('exists', 'not exists'))}"),
        15: ("aws:SourceVpce", lambda: f'StringNotEqualsIfExists aws:SourceVpce ["vpce-{pick.between(0, 0xFFFFFF):06x}"]'),
        16: ("aws:PrincipalOrgPaths", lambda: f'ForAnyValue:StringLike aws:PrincipalOrgPaths ["{org}/*"]'),
        17: ("aws:EpochTime", lambda: f"aws:EpochTime > {pick.between(1_700_000_000, 1_800_000_000)}"),
    }[form]
    if key in used:
        return None
    used.add(key)
    return text()


def when_clause(pick: Picker, world: World, most: int = 2) -> str:
    """` when A and B`, or nothing, about a third of the time."""
    if not pick.chance(0.35):
        return ""
    used: set[str] = set()
    parts = [c for c in (condition(pick, world, used) for _ in range(pick.between(1, most))) if c]
    return " when " + " and ".join(parts) if parts else ""


# ---------------------------------------------------------------- statements, by where they stand


def identity_statement(pick: Picker, world: World, home: AccountPlan) -> str:
    """A statement of a role, user, group or managed policy: no `to`."""
    form = pick.between(0, 11)
    if form <= 3:  # a verb on a resource, at home or across accounts
        resource = world.some_resource(pick, home, cross=form == 3)
        if resource is not None:
            return f"allow {pick.choice(resource.kind.verbs)} on {resource.ref}{when_clause(pick, world)}"
    if form in (4, 5):  # raw actions on one resource or its children
        resource = world.some_resource(pick, home, cross=form == 5 and pick.chance(0.5))
        if resource is not None:
            kind = resource.kind
            if kind.child_actions and pick.chance(0.5):
                child = pick.choice(("/*", '/"logs/*"', '/"home/${aws:username}/*"'))
                actions = pick_some(pick, kind.child_actions, 3)
                return f"allow {action_list(actions, pick)} on {resource.ref}{child}{when_clause(pick, world)}"
            effect = "deny" if pick.chance(0.15) else "allow"
            return f"{effect} {action_list(pick_some(pick, kind.actions, 3), pick)} on {resource.ref}{when_clause(pick, world)}"
    if form == 6:
        target = " on *" if pick.chance(0.6) else ""
        return f"allow {action_list(pick_some(pick, GLOBAL_ACTIONS, 3), pick)}{target}"
    if form == 7:  # NotAction: everything but the admin services, outside the network
        return f"deny not [{', '.join(pick_some(pick, ADMIN_SERVICES, 3))}] on *{when_clause(pick, world) or ' when aws:MultiFactorAuthPresent? is false'}"
    if form == 8:  # NotResource
        resource = world.some_resource(pick, home, cross=False)
        if resource is not None:
            kind = resource.kind
            excluded = f"{resource.ref}, {resource.ref}/*" if kind.child_actions else resource.ref
            return f"deny {kind.wildcard} on not {excluded}"
    if form == 9:  # role chaining
        role = world.some_role(pick, home, cross=pick.chance(0.7))
        if role is not None:
            return f"allow assume on {role}{when_clause(pick, world)}"
    if form == 10:
        role = world.some_role(pick, home, cross=False)
        if role is not None:
            return f'allow pass_role on {role} when iam:PassedToService == "{pick.choice(SERVICE_PRINCIPALS)}"'
    sid = f"sid Guard{pick.between(1, 999)} " if pick.chance(0.3) else ""
    return f"{sid}deny {action_list(pick_some(pick, GUARDED_ACTIONS, 3), pick)} on *"


def resource_statement(pick: Picker, world: World, home: AccountPlan, resource: ResourcePlan) -> str:
    """A statement of a resource's own policy: `on` defaults to the resource, `to` is required."""
    kind = resource.kind
    form = pick.between(0, 6)
    if form <= 1:  # delegate to another account as a whole
        other = pick.choice(world.external) if world.external and pick.chance(0.2) else world.other_account(pick, home).name
        return f"allow {pick.choice(kind.verbs)} to account {other}{when_clause(pick, world)}"
    if form == 2:  # to named roles in other accounts
        roles = [r for r in (world.some_role(pick, home, cross=True) for _ in range(pick.between(1, 3))) if r]
        if roles:
            return f"allow {action_list(pick_some(pick, kind.actions, 3), pick)} to {', '.join(dict.fromkeys(roles))}"
    if form == 3:  # the whole organization
        return f'allow {pick.choice(kind.verbs)} to anyone when aws:PrincipalOrgID == "{world.org_id}"'
    if form == 4:  # transport guardrail
        on = " on self, self/*" if kind.child_actions else ""
        return f"deny {kind.wildcard}{on} to anyone when aws:SecureTransport is false"
    if form == 5 and kind.service in ("sqs", "sns"):  # a service delivering into it
        sender = "sns" if kind.service == "sqs" else "events"
        source = f"arn:aws:{sender}:us-east-1:{home.id or '111111111111'}:*"
        return f'allow {pick.choice(kind.verbs)} to service {sender}.amazonaws.com when aws:SourceArn like "{source}"'
    if form == 6 and kind.child_actions:
        return f"deny s3:DeleteObject on self/* to not account {home.name}"
    return f"allow {pick.choice(kind.verbs)} to account {home.name}"


def trust_statement(pick: Picker, world: World, home: AccountPlan) -> str:
    """A statement of a role's trust policy: no `on`."""
    form = pick.between(0, 4)
    if form == 0:
        return f"allow assume to service {pick.choice(SERVICE_PRINCIPALS)}"
    if form == 1:
        other = world.other_account(pick, home)
        return f'allow assume to account {other.name} when sts:ExternalId == "ext-{pick.between(1000, 9999)}"'
    if form == 2:
        role = world.some_role(pick, home, cross=True)
        if role is not None:
            return f"allow assume, tag_session to {role}{when_clause(pick, world)}"
    if form == 3:
        provider = f"arn:aws:iam::{home.id or '111111111111'}:oidc-provider/token.actions.githubusercontent.com"
        return (
            f'allow assume_web_identity to federated "{provider}" '
            f'when StringLike token.actions.githubusercontent.com:sub ["repo:acme/{pick.choice(TEAMS)}:*"] '
            'and StringEquals token.actions.githubusercontent.com:aud "sts.amazonaws.com"'
        )
    return f"allow assume to account {home.name}"


def boundary_statement(pick: Picker) -> str:
    """A statement of a permissions boundary: broad allows, admin denies."""
    if pick.chance(0.5):
        return f"allow {', '.join(pick_some(pick, SERVICE_WILDCARDS, 4))} on *"
    return f"deny {action_list(pick_some(pick, GUARDED_ACTIONS, 3), pick)} on *"


def scp_statement(pick: Picker, world: World) -> str:
    """A statement of a service control policy (identity-like: no `to`)."""
    form = pick.between(0, 4)
    if form == 0:
        return f'deny not [{", ".join(ADMIN_SERVICES[:3])}] when aws:RequestedRegion not in {_strings(REGIONS[: pick.between(1, 3)])}'
    if form == 1:
        return f'deny iam:*, organizations:* when aws:PrincipalArn not like "arn:aws:iam::*:role/{pick.choice(ROLE_WORDS)}"'
    if form == 2:
        return f"allow {', '.join(pick_some(pick, SERVICE_WILDCARDS, 4))}"
    return f"deny {action_list(pick_some(pick, GUARDED_ACTIONS, 3), pick)}{when_clause(pick, world, 1)}"


def rcp_statement(pick: Picker, world: World) -> str:
    """A statement of a resource control policy: always a Deny to anyone (R53)."""
    services = ", ".join(pick_some(pick, [k.wildcard for k in RESOURCE_KINDS], 3))
    form = pick.between(0, 2)
    if form == 0:
        return f"deny {services} to anyone when aws:SecureTransport is false"
    if form == 1:
        return f'deny {services} to anyone when aws:PrincipalOrgID != "{world.org_id}" and aws:PrincipalIsAWSService is false'
    return f'deny sts:AssumeRole to anyone when aws:PrincipalOrgID != "{world.org_id}"'


def endpoint_statement(pick: Picker, world: World, home: AccountPlan) -> str:
    """A statement of a VPC endpoint policy: what may pass through it, and for whom."""
    resource = world.some_resource(pick, home, cross=pick.chance(0.3))
    if resource is not None and pick.chance(0.7):
        return f"allow {pick.choice(resource.kind.verbs)} on {resource.ref} to anyone"
    return f'allow * on * to anyone when aws:PrincipalOrgID == "{world.org_id}"'
