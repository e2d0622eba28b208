"""The decision without a trace is the decision with one.

`Evaluator.evaluate(request, trace=False)` decides from compiled statements,
asks only what the algorithm needs and stops early (engine/untraced.py);
with the trace on, every statement is recorded, its truth from the same
compiled form and its words from `match_statement`, read lazily.  Both must
give the same outcome, reasons, reason and residual conditions, and the
recorded statements must be what `match_statement` says of each statement,
word for word.  Checked on every rulebook scenario, every row of the
differential corpus, and a few thousand random requests on generated models
(open and closed contexts, every kind of caller, session policies and tags,
undeclared resources).  The untraced decision's trace holds no statements:
that is its documented contract.
"""

from __future__ import annotations

import dataclasses
import gc
import functools
import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from iamdsl import catalog
from iamdsl.engine import untraced
from iamdsl.engine.actions import action_key, action_matches
from iamdsl.engine.arn import ResourceCheck, request_fields, resource_matches
from iamdsl.engine.callers import caller_for
from iamdsl.engine.compiled import CompiledStatement
from iamdsl.engine.conditions import CompiledCondition, evaluate_condition
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Decision, Evaluator, Outcome
from iamdsl.engine.matching import actions_match, match_statement
from iamdsl.engine.policy_index import PolicyIndex, plan_key
from iamdsl.engine.request import Caller, CallerKind, Request
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import Layer, Truth
from iamdsl.engine.world import World
from iamdsl.language.errors import IamdslError
from iamdsl.language.loader import load_text
from iamdsl.model import Condition, Effect, Model, Policy, PolicyKind, PrincipalKind, Statement, Subject
from iamdsl.testing import scenario_gen
from iamdsl.testing.generator import SMALL, org_text, render
from iamdsl.testing.scenarios import load_scenario, scenario_from_data
from iamdsl.testing.vocabulary import RandomPicker

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.json"))
CORPUS = ROOT / "tests" / "differential" / "corpus.json"
CORPUS_CHUNK = 200


# ---------------------------------------------------------------- the comparison


def _answer(decision: Decision) -> tuple:
    """Everything a decision says, but its statement records."""
    trace = decision.trace
    return (
        decision.outcome, decision.reasons, decision.reason, decision.allow_conditions, decision.allow_alternatives, decision.deny_conditions,
        decision.caveats, decision.not_modelled, trace.cross_account, trace.caller_account, trace.resource_account,
        trace.missing_side, trace.blocked_by, trace.notes, [_answer(extra) for extra in decision.extra],
    )


def _decide(evaluator: Evaluator, request: Request, *, trace: bool) -> Decision | str:
    try:
        return evaluator.evaluate(request, trace=trace)
    except IamdslError as error:  # the owner of an undeclared ARN is not known: both must refuse alike
        return f"{type(error).__name__}: {error}"


def pair(model: Model, settings: Settings = DEFAULT_SETTINGS, now: datetime | None = None) -> tuple[Evaluator, Evaluator]:
    """Two evaluators of one model, one per side, so that neither side's memos serve the other."""
    return Evaluator(model, settings, now=now), Evaluator(model, settings, now=now)


def check_request(evaluators: tuple[Evaluator, Evaluator], request: Request) -> Decision | None:
    """Assert the untraced and traced decisions agree, and the trace is `match_statement`'s; the traced decision."""
    untraced_side, evaluator = evaluators
    fast = _decide(untraced_side, request, trace=False)
    full = _decide(evaluator, request, trace=True)
    if isinstance(full, str) or isinstance(fast, str):
        assert fast == full
        return None
    assert _answer(fast) == _answer(full), f"{request.caller.label} {request.action} {request.resource}"
    assert all(not d.trace.layers and not d.trace.grant_classes for d in [fast, *fast.extra]), "trace=False records no statements"
    _check_statements(evaluator, request, full)
    return full


def _check_statements(evaluator: Evaluator, request: Request, decision: Decision) -> None:
    """Every recorded statement is exactly what `match_statement` makes of it, tested from scratch."""
    if decision.trace.notes:  # decided by who calls (R78, R81): nothing recorded
        assert not decision.trace.layers
        return
    owned, resource_account = evaluator.resource_side(request)
    context = evaluator._context(request, owned, resource_account)  # the merged context, not the layered one
    levels = evaluator.in_play(request, owned, resource_account)
    grants: set = set()
    assert [(e.layer, e.label) for e in decision.trace.layers] == [(layer, label) for layer, label, _, _ in levels]
    for entry, (layer, _, policies, _) in zip(decision.trace.layers, levels):
        expected = []
        for ref, _ in policies:
            for position, statement in enumerate(ref.policy.statements):
                expected.append(match_statement(
                    statement, position, ref, layer, request.action, request.resource, request.caller, context,
                    evaluator.settings, record_misses=True,
                ))
        assert len(entry.statements) == len(expected)
        for got, want in zip(entry.statements, expected):
            assert got == want, f"{want.policy} #{want.index}: recorded {got!r}, match_statement says {want!r}"
        assert entry.allows is _some(st.applies for st in expected if not st.is_deny)
        assert entry.denies is _some(st.applies for st in expected if st.is_deny)
        if layer is Layer.RESOURCE:
            grants.update(st.grant for st in expected if not st.is_deny and st.grant and st.applies is Truth.TRUE)
    assert decision.trace.grant_classes == sorted(grants, key=lambda g: g.value)


def _some(truths) -> Truth:
    """Kleene OR: TRUE if one is, else UNKNOWN if one is, else FALSE."""
    found = set(truths)
    return Truth.TRUE if Truth.TRUE in found else Truth.UNKNOWN if Truth.UNKNOWN in found else Truth.FALSE


# ---------------------------------------------------------------- rulebook scenarios and the corpus


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_requests_decide_alike(path: Path) -> None:
    scenario = load_scenario(path)
    evaluators = pair(scenario.model, scenario.settings)
    for entry in scenario.requests:
        check_request(evaluators, entry.request)


@functools.cache
def _corpus_rows() -> list[dict[str, Any]]:
    return scenario_gen.expand_corpus(json.loads(CORPUS.read_text(encoding="utf-8")))


CHUNKS = range(0, 3200, CORPUS_CHUNK)


def test_corpus_chunks_cover_the_corpus() -> None:
    assert len(_corpus_rows()) <= CHUNKS[-1] + CORPUS_CHUNK, "the corpus grew: widen CHUNKS"


@pytest.mark.parametrize("start", CHUNKS, ids=[f"corpus-rows-{s:04d}-{s + CORPUS_CHUNK - 1:04d}" for s in CHUNKS])
def test_corpus_rows_decide_alike(start: int) -> None:
    rows = _corpus_rows()[start : start + CORPUS_CHUNK]
    for row in rows:
        scenario = scenario_from_data(row, row["id"])
        for entry in scenario.requests:
            check_request(pair(scenario.model, scenario.settings), entry.request)


# ---------------------------------------------------------------- random requests on generated models


class Drawer:
    """Varied requests on a model: every kind of caller, open and closed contexts, declared and undeclared resources."""

    def __init__(self, model: Model, seed: int) -> None:
        self.model = model
        self.rng = random.Random(seed)
        self.entities = [e for e in model.principals.values() if e.kind is not PrincipalKind.GROUP]
        self.accounts = [a for a in model.accounts.values()]
        self.statements = [s for _, policy in model.policies() for s in policy.statements]
        actions = {a for s in self.statements for a in (s.actions or s.not_actions or ()) if "*" not in a and "?" not in a}
        actions.update(a for verb in model.verbs.values() for a in verb.actions)
        self.actions = sorted(actions) or ["s3:GetObject"]
        self.catalogue = catalog.all_action_names()
        self.targets = [r.arn for r in model.resources.values()] + [e.arn for e in model.principals.values()]
        self.buckets = [r.arn for r in model.resources.values() if r.service == "s3" and r.type == "bucket"]
        self.pool = sorted({(c.key, c.values) for s in self.statements for c in s.conditions if c.values})
        self.endpoints = sorted(e.id for e in model.endpoints.values())
        self.world = World(model)

    def request(self) -> Request:
        rng = self.rng
        caller = self.caller()
        targeted = self.targeted(caller) if rng.random() < 0.5 else None
        if targeted is not None:
            action, resource, account = targeted
            return Request(caller, action, resource, self.context(), account)
        roll = rng.random()
        action = rng.choice(self.catalogue) if roll < 0.15 else "sts:AssumeRole" if roll < 0.22 else rng.choice(self.actions)
        resource, account = self.resource(action)
        return Request(caller, action, resource, self.context(), account)

    def targeted(self, caller: Caller) -> tuple[str, str, str | None] | None:
        """An action and resource one of the caller's own Allow statements names: requests that may be allowed."""
        rng = self.rng
        if caller.entity is None:
            return None
        statements = [s for ref in self.world.identity_policies(caller.entity) for s in ref.policy.statements if s.actions]
        if not statements:
            return None
        statement = rng.choice(statements)
        pattern = rng.choice(statement.actions)
        if "*" in pattern or "?" in pattern:
            service = pattern.partition(":")[0]
            covered = [a.full_name for a in catalog.service_actions(service) if action_matches(pattern, a.full_name)] if "*" not in service else []
            if not covered:
                return None
            pattern = rng.choice(covered)
        entries = [e for e in statement.resources or ("*",)]
        entry = rng.choice(entries)
        if entry == "*":
            return pattern, rng.choice(self.targets + ["*"]) if self.targets else "*", None
        resource = entry.replace("*", rng.choice(("x", "logs/1", ""))).replace("?", "q")
        fields = resource.split(":")
        account = fields[4] if len(fields) > 4 and fields[4].isdigit() else rng.choice(self.accounts).id
        return pattern, resource, account

    def caller(self) -> Caller:
        rng, model = self.rng, self.model
        roll = rng.random()
        if roll < 0.04:
            return Caller(CallerKind.ANONYMOUS)
        if roll < 0.08:
            return Caller(CallerKind.SERVICE, service=rng.choice(("sns.amazonaws.com", "lambda.amazonaws.com", "cloudtrail.amazonaws.com")))
        if roll < 0.12:
            return caller_for(Subject(kind="root", name=rng.choice(self.accounts).name), model)
        entity = rng.choice(self.entities)
        if entity.kind is PrincipalKind.USER and rng.random() < 0.2:
            caller = caller_for(Subject(kind="federated", name=entity.qualified_name, session_name=f"fed{rng.randrange(9)}"), model)
        else:
            caller = caller_for(Subject(kind="name", name=entity.qualified_name, session_name=f"s{rng.randrange(99)}"), model)
        if caller.kind in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER) and rng.random() < 0.25:
            picked = tuple(rng.sample(self.statements, min(len(self.statements), rng.randrange(1, 4))))
            policy = Policy(name="session", kind=PolicyKind.SESSION, statements=tuple(s.model_copy(update={"principals": None, "not_principals": None}) for s in picked))
            caller = dataclasses.replace(caller, session_policy=policy)
        if caller.kind is CallerKind.ROLE_SESSION and rng.random() < 0.2:
            caller = dataclasses.replace(caller, session_tags={rng.choice(("team", "Team", "env")): rng.choice(("blue", "red", "prod"))})
        return caller

    def resource(self, action: str) -> tuple[str, str | None]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return "*", None
        if roll < 0.55 and self.targets:
            return rng.choice(self.targets), None
        if roll < 0.75 and self.buckets:
            return f"{rng.choice(self.buckets)}/{rng.choice(('logs', 'public', 'secret', 'data'))}/{rng.randrange(50)}", None
        account = rng.choice(self.accounts).id
        service = action.partition(":")[0].lower() or "s3"
        if roll < 0.97:
            return f"arn:aws:{service}:us-east-1:{account}:thing/undeclared{rng.randrange(99)}", account
        return f"arn:aws:s3:::undeclared-{rng.randrange(99)}", None  # no account anywhere: refused alike

    def context(self) -> Context:
        rng = self.rng
        values: dict[str, Any] = {}
        if rng.random() < 0.6:
            values["aws:SourceIp"] = rng.choice(("10.1.2.3", "192.168.7.7", "203.0.113.9", "2001:db8::1", "not-an-ip"))
        if rng.random() < 0.5:
            values["aws:RequestedRegion"] = rng.choice(("us-east-1", "us-west-2", "eu-west-1", "ap-south-1"))
        if rng.random() < 0.4:
            values["aws:MultiFactorAuthPresent"] = rng.choice(("true", "false", None))
        if rng.random() < 0.2:
            values["aws:SecureTransport"] = rng.choice(("true", "false"))
        if rng.random() < 0.15:
            values["aws:ViaAWSService"] = rng.choice(("true", "false"))
        if self.endpoints and rng.random() < 0.2:
            values["aws:SourceVpce"] = rng.choice(self.endpoints)
        if rng.random() < 0.08:
            values["aws:TagKeys"] = ["team"]  # with sts:AssumeRole: the sts:TagSession companion (R73)
        if rng.random() < 0.05:
            values["sts:SourceIdentity"] = "someone"
        for key, choices in rng.sample(self.pool, min(len(self.pool), rng.randrange(4))):
            value = rng.choice(choices).replace("*", "x").replace("?", "y")
            roll = rng.random()
            values[key] = None if roll < 0.1 else [value, "other"] if roll < 0.25 else value + "-no" if roll < 0.4 else value
        closed = rng.random() < 0.6
        if not closed:  # some keys the policies test go unsaid: unknown, so answers can be conditional
            for key in rng.sample(sorted(values), len(values) // 2):
                del values[key]
        context = Context.of(values, closed=closed)
        if not context.closed and rng.random() < 0.3:
            context.close_prefix("aws:RequestTag/")
        return context


def _generated(seed: int) -> Model:
    if seed % 3 == 0:
        text = org_text(300 + 50 * seed, seed=seed)
    else:
        text = render(RandomPicker(seed), 12 + seed % 20, 1 + seed % 3, SMALL)["main.iam"]
    return load_text(text, f"generated-{seed}.iam").model


SEEDS = range(12)
NOW = datetime(2025, 1, 2, 3, 4, 5)
# Every documented setting (D1–D10) the other way round, for a quarter of the models.
FLIPPED = Settings(
    session_arn_grant_bypasses_session_policy=False, notprincipal_strict=False, forallvalues_negated_absent_true=False,
    trust_user_needs_boundary=False, plain_operator_on_multivalued_matches=True, resource_fields_2_to_5_ignore_case=False,
    variables_in_bool=False, star_in_trust_allowed=False, ipv6_default_prefix=64, resource_trailing_star_crosses_colons=False,
    mandatory_resource_policy_services=frozenset({"iam"}),
)
REQUESTS_PER_MODEL = 300


@pytest.mark.parametrize("seed", SEEDS, ids=[f"generated-model-{s}{'-flipped-settings' if s % 4 == 1 else ''}" for s in SEEDS])
def test_random_requests_decide_alike(seed: int) -> None:
    model = _generated(seed)
    drawer = Drawer(model, seed)
    evaluators = pair(model, FLIPPED if seed % 4 == 1 else DEFAULT_SETTINGS, now=None if seed % 2 else NOW)
    traced = [check_request(evaluators, drawer.request()) for _ in range(REQUESTS_PER_MODEL)]
    decided = [d for d in traced if d is not None]
    assert len(decided) > REQUESTS_PER_MODEL // 2
    # The draw reaches more than one kind of answer, and allowed ones (the caller's own grants) among them.
    outcomes = {d.outcome for d in decided}
    assert Outcome.ALLOWED in outcomes and len(outcomes) >= 3, outcomes


def test_untraced_decides_closed_requests_itself() -> None:
    """Where nothing is unknown, the untraced path decides every request without falling back."""
    model = _generated(3)
    drawer = Drawer(model, 3)
    evaluator = Evaluator(model)
    decided = 0
    for _ in range(400):
        request = drawer.request()
        if not request.context.closed or evaluator.special_case(request) is not None:
            continue
        try:
            evaluator.resource_side(request)
        except IamdslError:
            continue
        assert untraced.decide(evaluator, request) is not None, f"{request.caller.label} {request.action} {request.resource}"
        decided += 1
    assert decided > 150


def test_untraced_falls_back_on_an_unknown_that_matters() -> None:
    model = load_text(
        """
        account A 111122223333
        role A.Dev {
            allow s3:GetObject on "arn:aws:s3:::b/*" when aws:SourceIp in 10.0.0.0/8
        }
        resource A.b : s3:bucket "b"
        """,
        "fallback.iam",
    ).model
    evaluator = Evaluator(model)
    caller = caller_for(Subject(kind="name", name="A.Dev"), model)
    request = Request(caller, "s3:GetObject", "arn:aws:s3:::b/k", Context())  # aws:SourceIp unknown
    assert untraced.decide(evaluator, request) is None
    decision = evaluator.evaluate(request, trace=False)
    assert decision.outcome is Outcome.CONDITIONAL
    assert [c.key for c in decision.allow_conditions] == ["aws:SourceIp"]
    known = Request(caller, "s3:GetObject", "arn:aws:s3:::b/k", Context.of({"aws:SourceIp": "10.1.1.1"}))
    assert untraced.decide(evaluator, known) is not None


# ---------------------------------------------------------------- the compiled parts, against their originals


@pytest.mark.parametrize("seed", range(4), ids=[f"generated-model-{s}" for s in range(4)])
def test_request_context_reads_as_the_merged_context(seed: int) -> None:
    model = _generated(seed)
    drawer = Drawer(model, seed + 100)
    evaluator = Evaluator(model, now=NOW)
    keys = sorted({key for key, _ in drawer.pool} | {
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalTag/team",
        "aws:PrincipalTag/Team", "aws:PrincipalType", "aws:username", "aws:userid", "aws:PrincipalIsAWSService",
        "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceTag/env", "s3:ResourceTag/env", "aws:SecureTransport",
        "aws:ViaAWSService", "aws:CalledVia", "aws:CurrentTime", "aws:EpochTime", "aws:RequestTag/team", "aws:SourceIp",
        "aws:SourceVpce", "aws:TagKeys", "ec2:InstanceType",
    })
    checked = 0
    for _ in range(150):
        request = drawer.request()
        try:
            owned, account = evaluator.resource_side(request)
        except IamdslError:
            continue
        merged = evaluator._context(request, owned, account)
        layered = evaluator.request_context(request, owned, account)
        for key in keys:
            assert layered.get(key) == merged.get(key), key
        checked += 1
    assert checked > 100


def _all_statements() -> list[tuple[Any, Policy]]:
    found = []
    for seed in range(6):
        model = _generated(seed)
        found += [(s, policy) for _, policy in model.policies() for s in policy.statements]
    return found


def test_compiled_statements_cover_the_actions_actions_match_does() -> None:
    pairs = _all_statements()
    rng = random.Random(7)
    names = catalog.all_action_names()
    actions = rng.sample(names, 300) + ["s3:getobject", "S3:GetObject", "ec2:*", "noservice", "s3:", ":GetObject", "iam:PassRole"]
    for statement, policy in pairs:
        compiled = CompiledStatement(0, statement, policy, DEFAULT_SETTINGS)
        for pattern in statement.actions or statement.not_actions or ():
            actions.append(pattern.replace("*", "Get").replace("?", "x"))
        for action in actions[-20:] + rng.sample(actions, 30):
            key = action_key(action)
            assert compiled.covers(action, key) == actions_match(statement, action), (statement.actions, statement.not_actions, action)
            if key is not None:  # what the policy index's entries by key rely on
                assert compiled.covers(key, key) == actions_match(statement, action), (statement.actions, statement.not_actions, action)


# Action entries that make a policy's statements cover a service's actions wholly, partly or not at all.
ACTION_ENTRIES = [
    ("Allow", ("*",), None), ("Deny", None, ("iam:*", "sts:*", "Organizations:*")), ("Deny", ("iam:*", "organizations:*"), None),
    ("Allow", ("s3:Get*", "S3:ListBucket"), None), ("Deny", None, ("s3:*",)), ("Allow", None, ("ec2:Describe*", "kms:Decrypt")),
    ("Allow", ("ec2:*", "ec2:RunInstances"), None), ("Deny", ("s*:GetObject", "iam:Pass?ole"), None), ("Allow", None, ("*",)),
    ("Deny", ("KMS:decrypt", "kms:*Key"), None), ("Allow", ("sqs:**",), None), ("Deny", None, ("sts:Assume*", "iam:PassRole")),
]


def _entry_policies() -> list[Policy]:
    """Policies of one to five of the entries above, in varied orders, beside those of generated models."""
    rng = random.Random(5)
    found = [policy for seed in range(4) for _, policy in _generated(seed).policies()]
    for size in range(1, 6):
        for _ in range(25):
            picked = [rng.choice(ACTION_ENTRIES) for _ in range(size)]
            statements = tuple(
                Statement(effect=Effect(effect), actions=actions, not_actions=not_actions, resources=("*",)) for effect, actions, not_actions in picked
            )
            found.append(Policy(name="p", kind=PolicyKind.IDENTITY, statements=statements))
    return found


def test_policy_index_lists_the_statements_actions_match_covers() -> None:
    """The index's entry for an action (one per service, or per action) is every statement `actions_match` covers, in order."""
    rng = random.Random(9)
    actions = rng.sample(catalog.all_action_names(), 400) + [
        "iam:CreateUser", "IAM:createuser", "iam:PassRole", "iam:PassXole", "sts:AssumeRole", "sts:GetCallerIdentity", "s3:GetObject",
        "S3:getobject", "s3:ListBucket", "s3:PutObject", "ec2:RunInstances", "ec2:DescribeInstances", "kms:Decrypt", "kms:CreateKey",
        "sqs:SendMessage", "organizations:ListAccounts", "iam", "iam:", ":CreateUser", "noservice", "s3:", "ec2:*",
        "S3:GETOBJECT", "iam:PASSROLE", "sts:assumerole", "s3:Get:Object", "KMS:Decrypt", "kms:DECRYPTKey", "İam:CreateUser",
        "iam:CreateUſer", "s3:GetObjectİ", "ec2:Describeİnstances",
    ]
    for policy in _entry_policies():
        index = PolicyIndex(policy)
        for action in actions:
            want = [i for i, statement in enumerate(policy.statements) if actions_match(statement, action)]
            shown = (action, [(s.actions, s.not_actions) for s in policy.statements])
            assert [c.index for c in index.for_action(action).ordered] == want, shown
            assert [c.index for c in index.entry(plan_key(action), action_key(action)).ordered] == want, shown


RESOURCE_PATTERNS = [
    "*", "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::B/*", "arn:aws:S3:::b/k?", "arn:aws:ec2:*:111122223333:instance/*",
    "arn:aws:ec2:us-*:111122223333:instance/i-1", "arn:*", "arn:aws:*:::b", "arn:aws:iam::111122223333:user*",
    "arn:aws:iam::111122223333:user/*", "arn:aws:IAM::111122223333:role/Admin", "arn:aws:sqs:us-east-1:*:q", "not-an-arn*",
    "arn:aws:logs:us-east-1:111122223333:log-group:g:*", "arn:aws:svc:u*:A:x", "arn:aws:kms:*:*:key/*", "arn:aws:s3:::*/public/*",
]
RESOURCES = [
    "*", "arn:aws:s3:::b", "arn:aws:s3:::b/k1", "arn:aws:s3:::B/k", "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-1", "arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:iam::111122223333:role/admin", "arn:aws:sqs:us-east-1:444455556666:q", "not-an-arn-at-all", "arn:aws:svc:u:t:A:x",
    "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s", "arn:aws:kms:us-east-1:111122223333:key/k", "arn:aws:s3:::x/public/y",
]
SETTINGS = [
    DEFAULT_SETTINGS,
    dataclasses.replace(DEFAULT_SETTINGS, resource_fields_2_to_5_ignore_case=False),
    dataclasses.replace(DEFAULT_SETTINGS, resource_trailing_star_crosses_colons=False),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "no-D6", "no-D10"])
def test_resource_checks_match_as_resource_matches(settings: Settings) -> None:
    for pattern in RESOURCE_PATTERNS:
        check = ResourceCheck(pattern, settings)
        for resource in RESOURCES:
            assert check.matches(resource, request_fields(resource)) == resource_matches(pattern, resource, settings), (pattern, resource)


def test_compiled_conditions_hold_as_evaluate_condition_says() -> None:
    conditions = [(c, policy.version == "2012-10-17") for statement, policy in _all_statements() for c in statement.conditions]
    assert len(conditions) > 50
    rng = random.Random(11)
    contexts = []
    for _ in range(40):
        values: dict[str, Any] = {}
        for condition, _ in rng.sample(conditions, 6):
            value = rng.choice(condition.values) if condition.values else "x"
            values[condition.key] = rng.choice((value, value + "1", [value, "other"], [], None, "true", "10.0.0.1", "2024-01-01T00:00:00Z", "7"))
        contexts.append(Context.of(values, closed=rng.random() < 0.5))
    for settings in (DEFAULT_SETTINGS, dataclasses.replace(DEFAULT_SETTINGS, plain_operator_on_multivalued_matches=True, forallvalues_negated_absent_true=False)):
        for condition, variables in conditions:
            compiled = CompiledCondition(condition, variables=variables, settings=settings)
            for context in contexts:
                want = evaluate_condition(condition, context, variables=variables, settings=settings).truth
                assert compiled.truth(context) is want, (condition, context)


IP_VALUES = [
    "10.1.2.3", "10.255.255.255", "11.0.0.0", "192.168.7.7", "0.0.0.0", "255.255.255.255", "256.1.1.1", "010.1.2.3", "10.01.2.3",
    "10.1.2", "10.1.2.3.4", "10..2.3", " 10.1.2.3 ", "１0.1.2.3", "10.1.2.+3", "2001:db8::1", "::ffff:10.1.2.3", "not-an-ip", "",
]


def test_compiled_ip_conditions_hold_as_evaluate_condition_says() -> None:
    """IpAddress and NotIpAddress read plain dotted quads without `ipaddress`: the same answers, odd spellings included."""
    rng = random.Random(5)
    values = IP_VALUES + [".".join(rng.choice(("0", "00", "7", "10", "99", "255", "256", "012", "")) for _ in range(rng.choice((3, 4, 4, 5)))) for _ in range(300)]
    ranges = (("10.0.0.0/8",), ("10.1.2.3/32", "192.168.0.0/16"), ("0.0.0.0/0",), ("2001:db8::/32", "10.0.0.0/8"), ("2001:db8::/32",))
    for operator in ("IpAddress", "NotIpAddress"):
        for networks in ranges:
            condition = Condition(operator=operator, key="aws:SourceIp", values=networks)
            compiled = CompiledCondition(condition, variables=True, settings=DEFAULT_SETTINGS)
            for value in values:
                context = Context.of({"aws:SourceIp": value}, closed=True)
                want = evaluate_condition(condition, context, variables=True, settings=DEFAULT_SETTINGS).truth
                assert compiled.truth(context) is want, (operator, networks, value)


# ---------------------------------------------------------------- no garbage for the cyclic collector


@pytest.mark.parametrize("trace", [False, True], ids=["trace-off", "full-trace"])
def test_decisions_leave_no_reference_cycles(trace: bool) -> None:
    """A decision, its trace and what was built to reach it are freed when dropped, never left to the
    cyclic collector (whose full passes rescan all a long session has built); records and words read."""
    model = _generated(3)
    drawer = Drawer(model, 17)
    requests = [drawer.request() for _ in range(300)]
    evaluator = Evaluator(model)
    for request in requests:  # the evaluator's indexes and memos are built here: they are kept, not garbage
        _decide_and_read(evaluator, request, trace)
    gc.collect()
    gc.disable()
    try:
        decided = sum(_decide_and_read(evaluator, request, trace) for request in requests)
        found = gc.collect()
    finally:
        gc.enable()
    assert decided > 200
    assert found == 0, f"{found} objects were reachable only through reference cycles"


def _decide_and_read(evaluator: Evaluator, request: Request, trace: bool) -> int:
    decision = _decide(evaluator, request, trace=trace)
    if isinstance(decision, str):
        return 0
    for entry in decision.trace.layers:  # reading builds the records and the words left for later
        for statement in entry.statements:
            statement.reason
    return 1
