"""Edges between principals: who can obtain whose permissions.

Stage: graph (the engine, asked many questions -> become edges).  Each edge
kind is one way to act as another principal, and each is decided by the
engine, never guessed from policy text:

| edge | P -> Q when the engine allows |
|---|---|
| `AssumeRole` | P calls sts:AssumeRole on role Q (sts:AssumeRoleWithWebIdentity or WithSAML for an identity provider): Q's trust policy and, where it is needed, P's identity side both allow |
| `PassRole` | P calls iam:PassRole on Q with `iam:PassedToService` set to a service that Q trusts, the service may assume Q, and P may call the service's launch actions (lambda:CreateFunction and lambda:InvokeFunction, ec2:RunInstances, …): P runs code as Q |
| `UpdateAssumeRolePolicy` | P calls iam:UpdateAssumeRolePolicy on Q, and once Q's trust policy names P, P may assume Q (asked of the model with that trust statement added) |
| `CreateCredentials` | P calls iam:CreateAccessKey, iam:CreateLoginProfile or iam:UpdateLoginProfile on user Q |
| `EditPolicy` | P calls iam:PutRolePolicy, AttachRolePolicy, PutUserPolicy, AttachUserPolicy, PutGroupPolicy or AttachGroupPolicy on Q (or a group of Q's), or iam:CreatePolicyVersion on a customer-managed policy attached to Q: P can give Q any identity permission |

A resource the launch action would create does not exist yet, so it is asked
about by name: the new resource is named after the caller's own Allow
patterns for that action (`function:build-*` asks about `function:build-x`),
or `iamdsl-new` where the pattern says nothing.

Not modelled (the README lists them): adding oneself to a group
(iam:AddUserToGroup), deleting a permissions boundary, SSM or EC2 Instance
Connect into running instances, Glue, Data Pipeline and the other services
that can run code as a passed role beyond those in LAUNCHES, and changing the
default version of a managed policy to an older one.

Only IAM and STS are asked, so edges need an identity-side Allow: IAM
entities have no resource policy other than a role's trust policy.  A
principal whose identity policies allow none of the actions of an edge kind
is skipped without asking the engine; that is exact, and it is what keeps a
20,000-role organization fast.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from iamdsl import catalog
from iamdsl.engine.actions import action_matches
from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context, Lookup
from iamdsl.engine.decision import Decision
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.trace import Truth
from iamdsl.engine.wildcard import glob_match
from iamdsl.graph.elements import EdgeKind, GraphEdge
from iamdsl.model import Effect, IdentityEntity, Model, Policy, PolicyKind, Principal, PrincipalKind, PrincipalType, Statement, Subject

NEW_RESOURCE = "iamdsl-new"  # the name a launch action's new resource is asked about by

# service principal -> ways to start code running as the passed role: each a set of actions that
# must all be allowed, with the resource type each acts on (None: the action has no resource type)
LAUNCHES: dict[str, tuple[tuple[tuple[str, str | None], ...], ...]] = {
    "lambda.amazonaws.com": (
        (("lambda:CreateFunction", "function"), ("lambda:InvokeFunction", "function")),
        (("lambda:CreateFunction", "function"), ("lambda:CreateEventSourceMapping", None)),
    ),
    "ec2.amazonaws.com": ((("ec2:RunInstances", "instance"),),),
    "cloudformation.amazonaws.com": ((("cloudformation:CreateStack", "stack"),), (("cloudformation:UpdateStack", "stack"),)),
    "codebuild.amazonaws.com": ((("codebuild:CreateProject", "project"), ("codebuild:StartBuild", "project")),),
    "ecs-tasks.amazonaws.com": (
        (("ecs:RegisterTaskDefinition", None), ("ecs:RunTask", "task-definition")),
        (("ecs:RegisterTaskDefinition", None), ("ecs:UpdateService", "service")),
        (("ecs:RegisterTaskDefinition", None), ("ecs:CreateService", "service")),
    ),
    "sagemaker.amazonaws.com": ((("sagemaker:CreateNotebookInstance", "notebook-instance"),),),
}

_ASSUME = {
    CallerKind.WEB_IDENTITY: "sts:AssumeRoleWithWebIdentity",
    CallerKind.SAML: "sts:AssumeRoleWithSAML",
}
_EDIT_ROLE = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
_EDIT_USER = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
_EDIT_GROUP = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
_EDIT_MANAGED = ("iam:CreatePolicyVersion",)
_CREDENTIALS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
_ALLOW_EVERYTHING = Statement(effect=Effect.ALLOW, actions=("*",), resources=("*",))


@dataclass(frozen=True, slots=True)
class Actor:
    """A vertex that can act: its DSL name and the caller the engine sees."""

    name: str  # `B.Dev`, `B.root`, `service lambda.amazonaws.com`, `oidc token.actions.githubusercontent.com`
    caller: Caller


def actor_for(model: Model, name: str) -> Actor:
    """The actor of a declared role or user, or of an account's root user (`B.root`)."""
    if name.endswith(".root") and name not in model.principals:
        return Actor(name, caller_for(Subject(kind="root", name=name), model))
    return Actor(name, caller_for(Subject(kind="name", name=name), model))


class Becoming:
    """Finds the become edges out of a principal, asking the engine; answers are remembered."""

    def __init__(self, model: Model, evaluator: Evaluator | None = None, context: Context | None = None):
        self.model = model
        self.evaluator = evaluator or Evaluator(model)
        self.context = context or Context()
        self._trust = _TrustIndex(model)
        self._roles_by_account: dict[str, list[IdentityEntity]] = {}
        self._users_by_account: dict[str, list[IdentityEntity]] = {}
        for entity in model.principals.values():
            table = {PrincipalKind.ROLE: self._roles_by_account, PrincipalKind.USER: self._users_by_account}.get(entity.kind)
            if table is not None:
                table.setdefault(entity.account, []).append(entity)
        self._ids = {a.name: a.id for a in model.accounts.values()}
        self._out: dict[str, list[GraphEdge]] = {}

    # ---------------------------------------------------------------- the edges
    def out_edges(self, actor: Actor) -> list[GraphEdge]:
        """Every become edge and EditPolicy edge out of `actor`, in a stable order."""
        found = self._out.get(actor.name)
        if found is None:
            caller = actor.caller
            edges: list[GraphEdge] = []
            for role in self._trust.roles_for(caller):
                edges.extend(self._assume(actor, role))
            roles = self._same_account(self._roles_by_account, caller)
            users = self._same_account(self._users_by_account, caller)
            if self._may_allow(caller, ("iam:PassRole",)):
                for role in roles:
                    edges.extend(self._pass_role(actor, role))
            if caller.principal_arn is not None and self._may_allow(caller, ("iam:UpdateAssumeRolePolicy",)):
                for role in roles:
                    edges.extend(self._update_trust(actor, role))
            if self._may_allow(caller, _CREDENTIALS):
                for user in users:
                    edges.extend(self._credentials(actor, user))
            if self._may_allow(caller, _EDIT_ROLE + _EDIT_USER + _EDIT_GROUP + _EDIT_MANAGED):
                for target in roles + users:
                    edges.extend(self._edit_policy(actor, target))
            found = self._out[actor.name] = edges
        return found

    def edges_to(self, actor: Actor, target: IdentityEntity) -> list[GraphEdge]:
        """The edges from `actor` to one role or user: what `out_edges` would give for it, asking only about it."""
        found = self._out.get(actor.name)
        if found is not None:
            return [e for e in found if e.target == target.qualified_name]
        caller = actor.caller
        same_account = caller.account is not None and self._ids.get(target.account) == caller.account
        edges: list[GraphEdge] = []
        if target.kind is PrincipalKind.ROLE:
            if any(role is target for role in self._trust.roles_for(caller)):
                edges.extend(self._assume(actor, target))
            if same_account and self._may_allow(caller, ("iam:PassRole",)):
                edges.extend(self._pass_role(actor, target))
            if same_account and caller.principal_arn is not None and self._may_allow(caller, ("iam:UpdateAssumeRolePolicy",)):
                edges.extend(self._update_trust(actor, target))
        if target.kind is PrincipalKind.USER and same_account and self._may_allow(caller, _CREDENTIALS):
            edges.extend(self._credentials(actor, target))
        if same_account and self._may_allow(caller, _EDIT_ROLE + _EDIT_USER + _EDIT_GROUP + _EDIT_MANAGED):
            edges.extend(self._edit_policy(actor, target))
        return edges

    def _assume(self, actor: Actor, role: IdentityEntity) -> Iterator[GraphEdge]:
        if role.qualified_name == actor.name:
            return
        action = _ASSUME.get(actor.caller.kind, "sts:AssumeRole")
        decision = self._decide(actor.caller, action, role.arn)
        if decision is not None:
            yield _edge(actor.name, role.qualified_name, EdgeKind.ASSUME_ROLE, decision, action)

    def _pass_role(self, actor: Actor, role: IdentityEntity) -> Iterator[GraphEdge]:
        for service in self._trust.services_of(role):
            launches = LAUNCHES.get(service)
            if launches is None:
                continue
            passing = self._decide(actor.caller, "iam:PassRole", role.arn, {"iam:PassedToService": service})
            if passing is None:
                continue
            assuming = self._decide(Caller(CallerKind.SERVICE, service=service), "sts:AssumeRole", role.arn)
            if assuming is None:
                continue
            launched = self._launched(actor.caller, launches)
            if launched is not None:
                yield _edge(actor.name, role.qualified_name, EdgeKind.PASS_ROLE, [passing, assuming, *launched], service)

    def _update_trust(self, actor: Actor, role: IdentityEntity) -> Iterator[GraphEdge]:
        caller = actor.caller
        if role.qualified_name == actor.name or caller.principal_arn is None:
            return
        editing = self._decide(caller, "iam:UpdateAssumeRolePolicy", role.arn)
        if editing is None:
            return
        # Ask the model in which the trust policy names the caller (the edit the caller would make).
        after = _with_trust_grant(self.model, role, caller.principal_arn)
        assuming = _decide(Evaluator(after, now=self.evaluator.now), caller, "sts:AssumeRole", role.arn, self.context)
        if assuming is not None:
            yield _edge(actor.name, role.qualified_name, EdgeKind.UPDATE_TRUST, [editing, assuming], "iam:UpdateAssumeRolePolicy")

    def _credentials(self, actor: Actor, user: IdentityEntity) -> Iterator[GraphEdge]:
        if user.qualified_name == actor.name:
            return
        for action in _CREDENTIALS:
            decision = self._decide(actor.caller, action, user.arn)
            if decision is not None:
                yield _edge(actor.name, user.qualified_name, EdgeKind.CREATE_CREDENTIALS, decision, action)
                return

    def _edit_policy(self, actor: Actor, target: IdentityEntity) -> Iterator[GraphEdge]:
        for action, arn in self._edit_requests(target):
            decision = self._decide(actor.caller, action, arn)
            if decision is not None:
                yield _edge(actor.name, target.qualified_name, EdgeKind.EDIT_POLICY, decision, action)
                return

    def _edit_requests(self, target: IdentityEntity) -> Iterator[tuple[str, str]]:
        if target.kind is PrincipalKind.ROLE:
            yield from ((action, target.arn) for action in _EDIT_ROLE)
        else:
            yield from ((action, target.arn) for action in _EDIT_USER)
            for name in target.groups:
                group = self.model.principals.get(name)
                if group is not None:
                    yield from ((action, group.arn) for action in _EDIT_GROUP)
        owners = [target] + [self.model.principals[g] for g in target.groups if g in self.model.principals]
        for owner in owners:
            for arn in owner.managed_policies:
                managed = self.model.managed_policies.get(arn)
                if managed is not None and managed.account in self.model.accounts:  # AWS-managed ones cannot be edited
                    yield from ((action, arn) for action in _EDIT_MANAGED)

    # ---------------------------------------------------------------- asking the engine
    def _launched(self, caller: Caller, ways) -> list[Decision] | None:
        """The decisions of the first way to launch that the caller is allowed all of, or None."""
        for way in ways:
            decisions = [self._launch(caller, action, rtype) for action, rtype in way]
            if all(d is not None for d in decisions):
                return decisions
        return None

    def _launch(self, caller: Caller, action: str, rtype: str | None) -> Decision | None:
        for arn in self._new_resources(caller, action, rtype):
            decision = self._decide(caller, action, arn)
            if decision is not None:
                return decision
        return None

    def _new_resources(self, caller: Caller, action: str, rtype: str | None) -> list[str]:
        """Resources of `rtype` the action could act on: the account's declared ones, then new ones
        named after the caller's Allow patterns, then a plain new name."""
        if rtype is None:
            return ["*"]
        service = action.split(":", 1)[0]
        info = catalog.resource_type(service, rtype)
        if info is None or caller.account is None:
            return ["*"]
        plain = _fill(info.arn_template, self.model.partition, self.model.region, caller.account, NEW_RESOURCE)
        found = [r.arn for r in self.model.resources.values()
                 if r.service == service and r.type == rtype and self._ids.get(r.account) == caller.account]
        for statement in self._identity_statements(caller):
            if statement.effect is Effect.ALLOW and _mentions(statement, action):
                for pattern in statement.resources or ():
                    instance = _instance(pattern, plain)
                    if instance is not None and instance not in found:
                        found.append(instance)
        return found + [plain]

    def _decide(self, caller: Caller, action: str, resource: str, given: dict[str, str] | None = None) -> Decision | None:
        return _decide(self.evaluator, caller, action, resource, self.context, given)

    def _may_allow(self, caller: Caller, actions: tuple[str, ...]) -> bool:
        """Whether any identity Allow could cover one of `actions` (the root user's identity side allows all)."""
        if caller.kind is CallerKind.ROOT:
            return True
        if caller.entity is None or not caller.kind.has_identity_side:
            return False
        return any(statement.effect is Effect.ALLOW and any(_mentions(statement, a) for a in actions)
                   for statement in self._identity_statements(caller))

    def _identity_statements(self, caller: Caller) -> list[Statement]:
        if caller.entity is None:
            return []
        return [st for ref in self.evaluator.world.identity_policies(caller.entity) for st in ref.policy.statements]

    def _same_account(self, table: dict[str, list[IdentityEntity]], caller: Caller) -> list[IdentityEntity]:
        """IAM resources of the caller's own account: IAM has no resource policies, so no other account's are reachable."""
        if caller.account is None:
            return []
        return [e for name, entities in table.items() if self._ids.get(name) == caller.account for e in entities]


def principal_edges(model: Model, evaluator: Evaluator | None = None, context: Context | None = None) -> list[GraphEdge]:
    """Every become and EditPolicy edge of the model: out of its roles and users, services and identity providers.

    Root users are left out: the root user of an account can do anything in
    it, so its edges would run to every principal and say nothing.
    """
    becoming = Becoming(model, evaluator, context)
    edges: list[GraphEdge] = []
    for actor in _actors(model):
        edges.extend(becoming.out_edges(actor))
    return edges


def _actors(model: Model) -> Iterator[Actor]:
    for entity in model.principals.values():
        if entity.kind is not PrincipalKind.GROUP and entity.account in model.accounts:
            yield actor_for(model, entity.qualified_name)
    yield from callers_outside_iam(model)


def callers_outside_iam(model: Model) -> Iterator[Actor]:
    """The services and identity providers that trust policies name: callers with no IAM entity of their own."""
    services: dict[str, None] = {}
    providers: dict[tuple[str, CallerKind], None] = {}
    for entity in model.principals.values():
        for statement in entity.trust_policy.statements if entity.trust_policy else ():
            for principal in statement.principals or ():
                if principal.type is PrincipalType.SERVICE:
                    services[principal.value] = None
                elif principal.type is PrincipalType.FEDERATED:
                    kind = CallerKind.SAML if ":saml-provider/" in principal.value else CallerKind.WEB_IDENTITY
                    providers[(principal.value, kind)] = None
    for service in services:
        yield Actor(f"service {service}", Caller(CallerKind.SERVICE, service=service))
    for provider, kind in providers:
        word = "saml" if kind is CallerKind.SAML else "oidc"
        yield Actor(f"{word} {provider}", Caller(kind, provider=provider))


# ---------------------------------------------------------------- helpers


def _decide(evaluator: Evaluator, caller: Caller, action: str, resource: str, context: Context, given: dict[str, str] | None = None) -> Decision | None:
    """The traced decision when it is ALLOWED or CONDITIONAL, else None (the fast path answers first)."""
    if given:
        context = context.copy()
        for key, value in given.items():
            context.set(key, Lookup.given(value))
    request = Request(caller, action, resource, context)
    if evaluator.evaluate(request, trace=False).outcome.denied:
        return None
    return evaluator.evaluate(request, trace=True)


def _edge(source: str, target: str, kind: EdgeKind, decisions: Decision | list[Decision], via: str) -> GraphEdge:
    decisions = decisions if isinstance(decisions, list) else [decisions]
    conditional = any(d.outcome is Outcome.CONDITIONAL for d in decisions)
    conditions = tuple(dict.fromkeys(c for d in decisions for c in d.allow_conditions))
    unless = tuple(dict.fromkeys(c for d in decisions for c in d.deny_conditions))
    first = decisions[0]
    policy, span = _granting_statement(first)
    actions = tuple(dict.fromkeys(d.request.action for d in decisions))
    return GraphEdge(source, target, kind, actions, conditional, conditions, unless, via, policy, span)


def _granting_statement(decision: Decision):
    """The label and span of an Allow statement that applied (a sure one before a conditional one)."""
    for truth in (Truth.TRUE, Truth.UNKNOWN):
        for layer in decision.trace.layers:
            for statement in layer.statements:
                if not statement.is_deny and statement.applies is truth:
                    return statement.policy, statement.span
    return None, None


def _mentions(statement: Statement, action: str) -> bool:
    if statement.actions is not None:
        return any(action_matches(p, action) for p in statement.actions)
    return not any(action_matches(p, action) for p in statement.not_actions or ())


def _fill(template: str, partition: str, region: str, account: str, name: str) -> str:
    values = {"Partition": partition, "Region": region, "Account": account}
    return re.sub(r"\$\{([^}]*)\}", lambda m: values.get(m.group(1), name), template)


def _instance(pattern: str, plain: str) -> str | None:
    """A concrete ARN that a Resource pattern matches, in the place `plain` (a new resource's ARN) stands.

    Wildcards in the partition, service, region and account take `plain`'s
    values, and in the resource part each stands for a short name.  A pattern
    for another service, account or resource type gives None.
    """
    fields, wanted = pattern.split(":", 5), plain.split(":", 5)
    if len(fields) != 6 or len(wanted) != 6:
        return None
    head = []
    for got, want in zip(fields[:5], wanted[:5]):
        if got != want and not glob_match(got, want):
            return None
        head.append(want)
    kind = wanted[5].split("/", 1)[0].split(":", 1)[0]
    tail = fields[5].replace("*", "x").replace("?", "x")
    if not tail.startswith(kind):
        return None
    return ":".join(head + [tail])


def _with_trust_grant(model: Model, role: IdentityEntity, principal_arn: str) -> Model:
    grant = Statement(
        effect=Effect.ALLOW, actions=("sts:AssumeRole",),
        principals=(Principal(type=PrincipalType.AWS, value=principal_arn),),
    )
    trust = role.trust_policy or Policy(name="trust", kind=PolicyKind.TRUST, statements=())
    trust = trust.model_copy(update={"statements": trust.statements + (grant,)})
    principals = dict(model.principals)
    principals[role.qualified_name] = role.model_copy(update={"trust_policy": trust})
    return model.model_copy(update={"principals": principals})


def escalated(model: Model, name: str) -> Model:
    """The model in which principal `name` has an identity policy allowing everything (an EditPolicy edge's end)."""
    entity = model.principals[name]
    policy = Policy(name="any policy an EditPolicy edge could add", kind=PolicyKind.IDENTITY, statements=(_ALLOW_EVERYTHING,))
    principals = dict(model.principals)
    principals[name] = entity.model_copy(update={"inline_policies": entity.inline_policies + (policy,)})
    return model.model_copy(update={"principals": principals})


# ---------------------------------------------------------------- which trust policies can admit a caller


class _TrustIndex:
    """Roles by what their trust policies' Allow statements name, so a caller is asked only about roles that might admit it."""

    def __init__(self, model: Model):
        self._by_key: dict[str, list[IdentityEntity]] = {}
        self._services: dict[str, tuple[str, ...]] = {}
        for entity in model.principals.values():
            if entity.kind is not PrincipalKind.ROLE or entity.trust_policy is None:
                continue
            keys: dict[str, None] = {}
            services: dict[str, None] = {}
            for statement in entity.trust_policy.statements:
                if statement.effect is not Effect.ALLOW:
                    continue
                if statement.not_principals is not None:
                    keys["*"] = None  # R20: everyone not listed
                for principal in statement.principals or ():
                    keys.update(dict.fromkeys(_keys_of(principal)))
                    if principal.type is PrincipalType.SERVICE:
                        services[principal.value] = None
            for key in keys:
                self._by_key.setdefault(key, []).append(entity)
            self._services[entity.qualified_name] = tuple(services)

    def roles_for(self, caller: Caller) -> list[IdentityEntity]:
        found: dict[str, IdentityEntity] = {}
        for key in _caller_keys(caller):
            for role in self._by_key.get(key, ()):
                found.setdefault(role.arn, role)
        return list(found.values())

    def services_of(self, role: IdentityEntity) -> tuple[str, ...]:
        return self._services.get(role.qualified_name, ())


_ASSUMED = re.compile(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/")


def _keys_of(principal: Principal) -> Iterable[str]:
    value = principal.value
    if principal.type is PrincipalType.STAR or "*" in value or "?" in value:
        yield "*"  # a wildcard the index cannot place: ask everyone, and let the engine decide
    elif principal.type is PrincipalType.SERVICE:
        yield f"service:{value.lower()}"
    elif principal.type is PrincipalType.FEDERATED:
        yield f"federated:{value}"
    elif principal.type is PrincipalType.AWS:
        if len(value) == 12 and value.isdigit():
            yield f"account:{value}"
        elif value.endswith(":root"):
            yield f"account:{value.split(':')[4]}"
        else:
            assumed = _ASSUMED.match(value)
            if assumed:  # a session ARN: ask its role's sessions
                yield f"role:{assumed.group(2)}:{assumed.group(3)}"
            else:
                yield f"arn:{value}"
                yield from _role_name_key(value)
    else:
        yield "*"  # CanonicalUser and anything unknown: ask everyone rather than miss an edge


def _role_name_key(arn: str) -> Iterator[str]:
    fields = arn.split(":", 5)
    if len(fields) == 6 and fields[5].startswith("role/"):
        yield f"role:{fields[4]}:{fields[5].rsplit('/', 1)[-1]}"


def _caller_keys(caller: Caller) -> list[str]:
    keys = ["*"]
    if caller.kind is CallerKind.SERVICE and caller.service:
        keys.append(f"service:{caller.service.lower()}")
    if caller.kind in (CallerKind.WEB_IDENTITY, CallerKind.SAML) and caller.provider:
        keys.append(f"federated:{caller.provider}")
    if caller.account:
        keys.append(f"account:{caller.account}")
    for arn in (caller.principal_arn, caller.arn):
        if arn:
            keys.append(f"arn:{arn}")
            keys.extend(_role_name_key(arn))
    return keys


@functools.cache
def launch_actions() -> tuple[str, ...]:
    return tuple(dict.fromkeys(action for ways in LAUNCHES.values() for way in ways for action, _ in way))
