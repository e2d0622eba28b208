"""Engine benchmark: decisions per second of iamdsl, PMapper and iam-simulate, on the same requests.

    python benchmarks/bench_engine.py [--statements 3000] [--requests 5000] [--seed 1]

Two models are measured: a synthetic organization of `--statements` DSL
statements (`iamdsl.testing.generator`), and a small cross-account model of
21 IAM statements (the issue's reference point: there PMapper made about 16k
decisions/s and iam-simulate about 3k/s on a 2-core machine).

For each model, `--requests` requests are drawn at random, none repeated:
callers are the model's roles (as sessions with varied names) and users;
actions come from the policies, the verbs and the catalogue; resources are the
model's, objects in its buckets, roles, `*` and ARNs nobody declared; contexts
vary (source IP, region, MFA, TLS, endpoints, and keys the policies test).
Contexts are closed (a key not given is absent), as the other simulators
assume.  A separate set of as many requests (`--warmup`) warms each engine
up first.  Then the Python engines take turns over slices of the measured
requests (`--chunks`), so that a busy spell on the machine is shared out
rather than landing on one of them.

Each engine decides the same requests:
- iamdsl, `Evaluator.evaluate` with the trace off (`trace=False`: the decision,
  no statement records) and with the full trace.  There is no result cache:
  the evaluator indexes and compiles the model's policies (per policy, and per
  policy and service or action), and memoises what depends on the model alone
  (per caller, resource policy, account, ARN), never a request's answer.
- PMapper's `local_check_authorization_full` (PyPI `principalmapper`), with
  `Node`, group and `Policy` objects built once from the same policies: identity
  policies, boundaries, SCPs, and the resource policy of each request.  It has
  no trace, so one figure fills both columns.  PMapper is not a dependency of
  iamdsl: install it by hand (`pip install principalmapper`); without it that
  column is skipped.
- iam-simulate (npm `@cloud-copilot/iam-simulate`, pinned and installed into a
  cache folder by `tools/gen_corpus.py`), in one Node process: only the
  `runSimulation` calls are timed; the wall time of the whole process, node's
  start included, is reported separately.  It always explains, so one figure
  fills both columns.  Without `node` and `npm` that column is skipped.

Inputs for the other engines (IAM JSON documents, each request's context as
iamdsl derives it, its resource policy and SCP levels) are prepared before the
clock starts, so each engine is timed on its decisions alone.  PMapper is not
given the context keys it derives itself (it copies the context on every
call, so more keys would only slow it down).  Times are wall
clock (`perf_counter`); CPU time is printed too, steadier on a busy machine.
Before any clock starts, `gc.freeze()` moves everything built so far out of
the collector's way, as iamdsl's commands do with their model.
The exit code is 0 even when a target is missed, since timings depend on the
machine.
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import cProfile
import gc
import importlib.util
import io
import ipaddress
import json
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from iamdsl import catalog  # noqa: E402
from iamdsl.engine.actions import action_matches  # noqa: E402
from iamdsl.engine.callers import caller_for  # noqa: E402
from iamdsl.engine.context import Context, Presence  # noqa: E402
from iamdsl.engine.evaluate import Evaluator, Outcome  # noqa: E402
from iamdsl.engine.request import Caller, Request  # noqa: E402
from iamdsl.engine.world import OwnedResource  # noqa: E402
from iamdsl.language.loader import load_text  # noqa: E402
from iamdsl.model import Model, Policy, PrincipalKind, Subject  # noqa: E402
from iamdsl.testing.generator import org_text  # noqa: E402

TARGET_TRACE_OFF = 5.0  # iamdsl with the trace off, at least this many times PMapper
TARGET_FULL_TRACE = 2.0  # iamdsl with the full trace

# The small reference model: two accounts, 21 IAM statements after verb
# expansion (`Model.statement_count()`), grants in both directions.
SMALL_MODEL = """\
region us-east-1

account A 111111111111
account B 222222222222

resource A.repo : ecr:repository "team/app" {
    allow pull to account B
    allow push to B.Ci when aws:SourceIp in 10.0.0.0/8
    deny ecr:DeleteRepository to anyone
}

resource A.data : s3:bucket "acme-a-data" {
    allow s3:GetObject on self/* to account B
    allow s3:ListBucket to B.Reader
    deny s3:* to anyone when aws:SecureTransport is false
}

resource A.key : kms:key "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b" {
    allow kms:* on * to account A
    allow kms:Decrypt on * to B.Reader when kms:ViaService == "s3.us-east-1.amazonaws.com"
}

role A.Admin {
    trust { allow sts:AssumeRole to account B when aws:MultiFactorAuthPresent is true }
    allow s3:*, ecr:*, kms:* on *
}

policy B.ReadOnly {
    allow s3:Get*, s3:List* on *
    deny s3:GetObject on A.data/"secret/*"
}

policy B.CiBoundary {
    allow ecr:*, sts:AssumeRole on *
}

group B.Devs {
    attach B.ReadOnly
    allow ecr:Describe* on *
}

role B.Ci {
    boundary B.CiBoundary
    allow push on A.repo
    allow sts:AssumeRole on A.Admin
}

role B.Reader {
    allow s3:GetObject, s3:ListBucket on A.data, A.data/*
    allow kms:Decrypt on A.key
    deny s3:GetObject on A.data/"secret/*"
}

user B.alice {
    member of B.Devs
    allow sts:AssumeRole on A.Admin
}
"""

# Keys the evaluator derives from the model (R7): a request never sets them,
# so that every engine sees the caller and the resource the model describes.
DERIVED_PREFIXES = ("aws:principal", "aws:resource", "aws:username", "aws:userid", "aws:currenttime", "aws:epochtime")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
OBJECT_KEYS = ("logs/2024/01/app.log.gz", "public/index.html", "data/part-{n}.csv", "secret/{n}.key", "reports/q{n}.pdf")


# ---------------------------------------------------------------- models


@dataclass(slots=True)
class Workload:
    """One model, its evaluator, and the requests every engine decides."""

    name: str
    model: Model
    evaluator: Evaluator
    load_seconds: float
    warmup: list[Request] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return self.model.statement_count()


def load_workload(name: str, text: str) -> Workload:
    started = time.perf_counter()
    loaded = load_text(text, f"{name}.iam")
    evaluator = Evaluator(loaded.model)
    return Workload(name, loaded.model, evaluator, time.perf_counter() - started)


# ---------------------------------------------------------------- requests


class RequestMaker:
    """Draws varied requests from a model; `draw` never returns one it returned before."""

    def __init__(self, model: Model, rng: random.Random) -> None:
        self.model = model
        self.rng = rng
        self.seen: set[tuple] = set()
        self.identities = [e for e in model.principals.values() if e.kind is not PrincipalKind.GROUP]
        self.actions = sorted(self._policy_actions())
        self.catalogue = catalog.all_action_names()
        self.typed = self._typed_resources()
        self._targets: dict[str, list[tuple[str, bool]]] = {}
        self.account_ids = sorted(a.id for a in model.accounts.values())
        self.endpoints = sorted(e.id for e in model.endpoints.values())
        self.condition_pool = self._condition_pool()

    def _policy_actions(self) -> set[str]:
        """Every action the policies and verbs name; a wildcard stands for a few catalogue actions it covers."""
        found: set[str] = set()
        patterns: set[str] = set()
        for _, policy in self.model.policies():
            for statement in policy.statements:
                patterns.update(statement.actions or ())
                patterns.update(statement.not_actions or ())
        for verb in self.model.verbs.values():
            found.update(verb.actions)
        pick = random.Random(0)  # the expansion is part of the model, not of the draw
        for pattern in sorted(patterns):
            if "*" not in pattern and "?" not in pattern:
                found.add(pattern)
                continue
            service = pattern.partition(":")[0]
            if service == "*" or "*" in service:
                continue
            covered = [a.full_name for a in catalog.service_actions(service) if action_matches(pattern, a.full_name)]
            found.update(pick.sample(covered, min(4, len(covered))))
        return found

    def _typed_resources(self) -> list[tuple[str, catalog.ResourceTypeInfo]]:
        """The model's ARNs with their catalogue resource type: resources, roles and users."""
        found = []
        for resource in self.model.resources.values():
            info = catalog.resource_type(resource.service, resource.type) if resource.type else None
            if info is not None:
                found.append((resource.arn, info))
        for entity in self.model.principals.values():
            info = catalog.resource_type("iam", entity.kind.value)
            if info is not None:
                found.append((entity.arn, info))
        return found

    def _condition_pool(self) -> list[tuple[str, tuple[str, ...]]]:
        """The (key, values) pairs the policies test, less the keys the model derives."""
        pool: set[tuple[str, tuple[str, ...]]] = set()
        for _, policy in self.model.policies():
            for statement in policy.statements:
                for condition in statement.conditions:
                    if not condition.key.lower().startswith(DERIVED_PREFIXES) and condition.values:
                        pool.add((condition.key, condition.values))
        return sorted(pool)

    # ------------------------------------------------------------ one request
    def draw(self) -> Request:
        while True:
            request = self._one()
            key = (request.caller.arn, request.action, request.resource, tuple(sorted((k, v.values) for k, v in request.context.keys.items())))
            if key not in self.seen:
                self.seen.add(key)
                return request

    def _one(self) -> Request:
        rng = self.rng
        caller = self._caller()
        action = rng.choice(self.catalogue) if rng.random() < 0.1 else rng.choice(self.actions)
        resource, account = self._resource(action)
        return Request(caller, action, resource, self._context(), resource_account=account)

    def _caller(self) -> Caller:
        entity = self.rng.choice(self.identities)
        session = f"session-{self.rng.randrange(1000)}" if entity.kind is PrincipalKind.ROLE else None
        return caller_for(Subject(kind="name", name=entity.qualified_name, session_name=session), self.model)

    def _resource(self, action: str) -> tuple[str, str | None]:
        """A resource the action acts on, so that every engine accepts the pair (R5), and the
        account that owns it when the model cannot tell (undeclared ARNs)."""
        rng = self.rng
        info = catalog.action(action)
        account = rng.choice(self.account_ids)
        if info is None:
            return f"arn:aws:{action.partition(':')[0].lower()}:{rng.choice(REGIONS)}:{account}:undeclared-{rng.randrange(1000)}", account
        roll = rng.random()
        if info.wildcard_only or roll < 0.1:
            return "*", None
        targets = self.targets(info)
        if targets and roll < 0.85:
            arn, child = rng.choice(targets)
            return (arn + "/" + rng.choice(OBJECT_KEYS).format(n=rng.randrange(100)) if child else arn), None
        return self._undeclared(info, account), account

    def targets(self, info: catalog.ActionInfo) -> list[tuple[str, bool]]:
        """The model's ARNs the action acts on, each with whether it acts on their children (bucket objects)."""
        found = self._targets.get(info.full_name)
        if found is None:
            found = []
            for arn, rtype in self.typed:
                reach = catalog.applies_to(info, rtype) if rtype.service == info.service or info.service == "sts" else None
                if reach is not None:
                    found.append((arn, reach == "child"))
            self._targets[info.full_name] = found
        return found

    def _undeclared(self, info: catalog.ActionInfo, account: str) -> str:
        """An ARN of one of the action's resource types that the model does not declare."""
        rng = self.rng
        rtype = catalog.resource_type(info.service, rng.choice(info.resource_types))
        if rtype is None:
            return "*"
        arn = rtype.arn_template.replace("${Partition}", "aws").replace("${Region}", rng.choice(REGIONS))
        arn = arn.replace("${Account}", account)
        return re.sub(r"\$\{[^}]*\}", lambda _: f"undeclared{rng.randrange(1000)}", arn)

    def _context(self) -> Context:
        rng = self.rng
        values: dict[str, Any] = {}
        if rng.random() < 0.7:
            values["aws:SourceIp"] = _random_ip(rng)
        if rng.random() < 0.6:
            values["aws:RequestedRegion"] = rng.choice(REGIONS)
        if rng.random() < 0.5:
            values["aws:MultiFactorAuthPresent"] = rng.choice(("true", "false"))
        if rng.random() < 0.3:
            values["aws:SecureTransport"] = "true" if rng.random() < 0.8 else "false"
        if self.endpoints and rng.random() < 0.2:
            values["aws:SourceVpce"] = rng.choice(self.endpoints)
        for key, choices in rng.sample(self.condition_pool, min(len(self.condition_pool), rng.randrange(3))):
            value = _value_like(rng, key, rng.choice(choices))
            values[key] = [value] if _multi_valued(key) else value
        return Context.of(values, closed=True)


def _value_like(rng: random.Random, key: str, policy_value: str) -> str:
    """A request value for `key`, near the policy's value: sometimes matching it, sometimes not."""
    found = catalog.condition_key(key)
    base = found[1].base if found else catalog.BaseType.STRING
    if base is catalog.BaseType.IP:
        return _random_ip(rng)
    if base is catalog.BaseType.BOOL:
        return rng.choice(("true", "false"))
    if base in (catalog.BaseType.NUMERIC, catalog.BaseType.DATE):
        return policy_value
    value = policy_value.replace("*", "x").replace("?", "y")
    return value + "-other" if rng.random() < 0.3 else value


def _random_ip(rng: random.Random) -> str:
    network = ipaddress.ip_network(rng.choice(("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24")))
    return str(network[rng.randrange(network.num_addresses)])


def _multi_valued(key: str) -> bool:
    found = catalog.condition_key(key)
    return found is not None and found[1].multi


def draw_requests(workload: Workload, count: int, warmup: int, seed: int) -> None:
    maker = RequestMaker(workload.model, random.Random(seed))
    workload.warmup = [maker.draw() for _ in range(warmup)]
    workload.requests = [maker.draw() for _ in range(count)]


# ---------------------------------------------------------------- what each request means (shared input)


@dataclass(slots=True)
class Prepared:
    """One request, with what the other engines need spelled out as iamdsl sees it."""

    request: Request
    resource_account: str | None
    resource_policy: Policy | None
    context: dict[str, str | list[str]]  # given keys, derived ones included


def prepare(evaluator: Evaluator, request: Request) -> Prepared:
    world = evaluator.world
    owned = world.owner_of(request.resource)
    if owned.entity is not None and not request.action.lower().startswith("sts:"):
        owned = OwnedResource(owned.account_id, None, entity=owned.entity)  # R71, as the evaluator does
    resource_account = request.resource_account or owned.account_id
    if request.resource == "*":
        resource_account = resource_account or request.caller.account
    # The evaluator's own derivation of the context (R7), so that every engine
    # is given the same facts; a benchmark may use the private helper.
    context = evaluator._context(request, owned, resource_account)
    given: dict[str, str | list[str]] = {}
    for key, lookup in context.keys.items():
        if lookup.presence is Presence.GIVEN:
            name = _canonical_key(key)
            given[name] = list(lookup.values) if _multi_valued(name) else (lookup.values[0] if lookup.values else "")
    return Prepared(request, resource_account, owned.policy.policy if owned.policy else None, given)


def _canonical_key(lower: str) -> str:
    """The catalogue's spelling of a lower-cased key (`aws:principaltag/team` -> `aws:PrincipalTag/team`)."""
    found = catalog.condition_key(lower)
    if found is None:
        return lower
    name = found[0]
    if name.lower() == lower:
        return name
    if name.endswith("/") and lower.startswith(name.lower()):
        return name + lower[len(name):]
    return lower


class Documents:
    """IAM JSON of the model's policies, converted once."""

    def __init__(self) -> None:
        self._json: dict[int, dict[str, Any]] = {}

    def __call__(self, policy: Policy) -> dict[str, Any]:
        found = self._json.get(id(policy))
        if found is None:
            found = self._json[id(policy)] = policy.to_iam_json()
        return found


def identity_documents(evaluator: Evaluator, documents: Documents, caller: Caller) -> list[tuple[str, dict[str, Any]]]:
    entity = caller.entity
    if entity is None or not caller.kind.has_identity_side:
        return []
    return [(ref.label, documents(ref.policy)) for ref in evaluator.world.identity_policies(entity)]


def scp_levels(evaluator: Evaluator, caller: Caller) -> list[tuple[str, list[Policy]]]:
    """R56: the SCP levels above a member account's principals (not service-linked roles)."""
    if not caller.kind.has_identity_side or caller.is_service_linked:
        return []
    return [(where, [ref.policy for ref in refs]) for where, refs in evaluator.world.scp_levels(caller.account) or ()]


def rcp_levels(evaluator: Evaluator, prepared: Prepared) -> list[tuple[str, list[Policy]]]:
    """R57: the RCP levels above the resource's account, for the services RCPs cover."""
    request = prepared.request
    service = request.action.partition(":")[0].lower()
    if request.resource == "*" or request.caller.is_service_linked or not evaluator.world.rcp_covers(service):
        return []
    return [(where, [ref.policy for ref in refs]) for where, refs in evaluator.world.rcp_levels(prepared.resource_account) or ()]


# ---------------------------------------------------------------- iamdsl


@dataclass(slots=True)
class Timing:
    seconds: float
    cpu: float
    count: int
    answers: list[Any]

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def cpu_rate(self) -> float:
        return self.count / self.cpu if self.cpu else float("inf")


Runner = Callable[[list[Any]], list[Any]]  # decides a batch of one engine's inputs, in order


def interleaved(runs: dict[str, tuple[Runner, list[Any], list[Any]]], chunks: int) -> dict[str, Timing]:
    """Time several engines on the same requests, taking turns chunk by chunk.

    `runs` maps a name to (runner, warm-up inputs, measured inputs), the inputs
    of every engine standing for the same requests in the same order.  Each
    engine first decides its warm-up inputs.  Then the measured ones are cut
    into `chunks`, and every engine decides each chunk in turn, the order
    reversed from one chunk to the next: on a busy machine, a slow spell is
    then shared out rather than landing on one engine.
    """
    # The models, the requests and every engine's inputs are built: move them out of the
    # collector's way, as iamdsl's commands do once their model is loaded (commands/common.py).
    # Otherwise a full collection, rescanning every model object, lands on whichever engine runs.
    gc.freeze()
    for run, warmup, _ in runs.values():
        run(warmup)
    count = len(next(iter(runs.values()))[2])
    seconds = dict.fromkeys(runs, 0.0)
    cpu = dict.fromkeys(runs, 0.0)
    answers: dict[str, list[Any]] = {name: [] for name in runs}
    names = list(runs)
    for number in range(chunks):
        low, high = number * count // chunks, (number + 1) * count // chunks
        for name in names if number % 2 == 0 else reversed(names):
            run, _, inputs = runs[name]
            batch = inputs[low:high]
            cpu_started = time.process_time()
            started = time.perf_counter()
            answers[name] += run(batch)
            seconds[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - cpu_started
    return {name: Timing(seconds[name], cpu[name], count, answers[name]) for name in runs}


def iamdsl_runner(workload: Workload, *, trace: bool) -> Runner:
    evaluate = workload.evaluator.evaluate
    return lambda requests: [evaluate(request, trace=trace).outcome for request in requests]


def profile_iamdsl(workload: Workload, *, trace: bool, top: int = 25) -> str:
    evaluate = workload.evaluator.evaluate
    gc.freeze()  # as `interleaved` does
    for request in workload.warmup:
        evaluate(request, trace=trace)
    profiler = cProfile.Profile()
    profiler.enable()
    for request in workload.requests:
        evaluate(request, trace=trace)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ---------------------------------------------------------------- PMapper


def import_pmapper() -> Any | None:
    """PMapper's query interface, or None when it is not installed.

    PMapper 1.1.5 imports `collections.Mapping` and friends, which Python 3.10
    moved to `collections.abc` for good; alias them first.
    """
    for name in ("Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable", "Callable", "MutableSet", "Set"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    try:
        from principalmapper.common.groups import Group
        from principalmapper.common.nodes import Node
        from principalmapper.common.policies import Policy as PMPolicy
        from principalmapper.querying import query_interface
    except ImportError:
        return None
    import logging

    logging.getLogger("principalmapper").setLevel(logging.WARNING)  # its debug lines format every argument
    return type("PMapper", (), {"Node": Node, "Group": Group, "Policy": PMPolicy, "check": staticmethod(query_interface.local_check_authorization_full)})


# Context keys PMapper derives from its Node (query_interface._infer_condition_keys).
PMAPPER_INFERS = ("aws:currenttime", "aws:epochtime", "aws:userid", "aws:username", "aws:securetransport", "aws:principalaccount", "aws:principalarn", "aws:principaltag/")


class PMapperInputs:
    """PMapper's Node, group and Policy objects, built once from the model's policies."""

    def __init__(self, pm: Any, evaluator: Evaluator, documents: Documents) -> None:
        self.pm = pm
        self.evaluator = evaluator
        self.documents = documents
        self._policies: dict[tuple[int, str], Any] = {}
        self._nodes: dict[str, Any] = {}
        model = evaluator.model
        self.groups = {
            name: pm.Group(entity.arn, self._entity_policies(entity))
            for name, entity in model.principals.items()
            if entity.kind is PrincipalKind.GROUP
        }
        for index, entity in enumerate(e for e in model.principals.values() if e.kind is not PrincipalKind.GROUP):
            boundary = model.managed_policies.get(entity.boundary) if entity.boundary else None
            trust = documents(entity.trust_policy) if entity.trust_policy is not None else ({} if entity.kind is PrincipalKind.ROLE else None)
            self._nodes[entity.arn] = pm.Node(
                entity.arn, f"AID{index:017d}", self._entity_policies(entity), [self.groups[g] for g in entity.groups if g in self.groups],
                trust, None, 0, False, False, self._policy(boundary.arn, boundary.policy) if boundary else None, False, dict(entity.tags),
            )

    def _policy(self, arn: str, policy: Policy) -> Any:
        key = (id(policy), arn)
        found = self._policies.get(key)
        if found is None:
            found = self._policies[key] = self.pm.Policy(arn, policy.name, self.documents(policy))
        return found

    def _entity_policies(self, entity) -> list[Any]:
        found = [self._policy(entity.arn, policy) for policy in entity.inline_policies]
        for arn in entity.managed_policies:
            managed = self.evaluator.model.managed_policies.get(arn)
            if managed is not None:
                found.append(self._policy(arn, managed.policy))
        return found

    def arguments(self, prepared: Prepared) -> tuple:
        request = prepared.request
        node = self._nodes[request.caller.entity.arn]
        policy = self.documents(prepared.resource_policy) if prepared.resource_policy is not None else None
        levels = [[self._policy(f"arn:aws:organizations::policy/{p.name}", p) for p in policies] for _, policies in scp_levels(self.evaluator, request.caller)]
        # Keys PMapper infers from the Node itself are left to it: it copies the
        # context on every call, and a fuller one would only slow it down.
        context = {k: v for k, v in prepared.context.items() if not k.lower().startswith(PMAPPER_INFERS)}
        return (node, request.action, request.resource, context, policy, prepared.resource_account if policy else None, levels or None, None)


def pmapper_runner(pm: Any, workload: Workload, documents: Documents) -> tuple[Runner, PMapperInputs]:
    inputs = PMapperInputs(pm, workload.evaluator, documents)
    check = pm.check
    # PMapper deep-copies the context it is given, so the prepared dicts can be shared.
    return (lambda calls: [check(*arguments) for arguments in calls]), inputs


# ---------------------------------------------------------------- iam-simulate

RUNNER = r"""
// Written by iamdsl benchmarks/bench_engine.py: times runSimulation calls, and nothing else.
const fs = require('fs');
const { performance } = require('perf_hooks');
const { runSimulation } = require('@cloud-copilot/iam-simulate');
function resolve(value, documents) {
  // Policies travel once, by reference; every simulation gets its own copy, as a caller would build it.
  if (Array.isArray(value)) return value.map((v) => resolve(v, documents));
  if (value && typeof value === 'object') {
    if (typeof value.$doc === 'string') return JSON.parse(documents[value.$doc]);
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolve(v, documents);
    return out;
  }
  return value;
}
async function main() {
  const [input, output] = process.argv.slice(2);
  const data = JSON.parse(fs.readFileSync(input, 'utf8'));
  const documents = Object.fromEntries(Object.entries(data.documents).map(([k, v]) => [k, JSON.stringify(v)]));
  const warmup = data.warmup.map((s) => resolve(s, documents));
  const simulations = data.requests.map((s) => resolve(s, documents));
  for (const simulation of warmup) await runSimulation(simulation, {});
  const results = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const simulation of simulations) {
    const response = await runSimulation(simulation, {});
    results.push(response.resultType === 'error' ? 'error: ' + String(response.errors.message).slice(0, 200) : response.overallResult);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  fs.writeFileSync(output, JSON.stringify({ seconds, cpu: (used.user + used.system) / 1e6, results }));
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


def iam_simulate_runner() -> tuple[Path | None, str]:
    """The runner script next to the pinned iam-simulate, installed by tools/gen_corpus.py, or why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "node and npm are not on PATH"
    spec = importlib.util.spec_from_file_location("gen_corpus", ROOT / "tools" / "gen_corpus.py")
    if spec is None or spec.loader is None:
        return None, "tools/gen_corpus.py, which installs iam-simulate, is missing"
    gen_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_corpus)
    try:
        gen_corpus.install(gen_corpus.CACHE)
    except (OSError, subprocess.CalledProcessError) as error:
        return None, f"installing {gen_corpus.PACKAGE}@{gen_corpus.VERSION} failed: {error}"
    runner = gen_corpus.CACHE / "bench_engine.cjs"
    runner.write_text(RUNNER, encoding="utf-8")
    return runner, f"{gen_corpus.PACKAGE}@{gen_corpus.VERSION}"


class Simulations:
    """iam-simulate's `Simulation` for each request, with policy documents shared by reference."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.documents: dict[str, dict[str, Any]] = {}
        self._ids: dict[int, str] = {}

    def ref(self, policy: Policy) -> dict[str, str]:
        found = self._ids.get(id(policy))
        if found is None:
            found = self._ids[id(policy)] = f"p{len(self._ids)}"
            self.documents[found] = policy.to_iam_json()
        return {"$doc": found}

    def of(self, prepared: Prepared) -> dict[str, Any]:
        request, evaluator = prepared.request, self.evaluator
        caller = request.caller
        simulation: dict[str, Any] = {"identityPolicies": [], "serviceControlPolicies": [], "resourceControlPolicies": []}
        if caller.entity is not None:
            refs = evaluator.world.identity_policies(caller.entity)
            simulation["identityPolicies"] = [{"name": f"policy{i}", "policy": self.ref(ref.policy)} for i, ref in enumerate(refs)]
            boundary = evaluator.world.boundary(caller.entity)
            if boundary is not None:
                simulation["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": self.ref(boundary.policy)}]
        simulation["serviceControlPolicies"] = self._levels(scp_levels(evaluator, caller), caller.account)
        rcps = [(where, [p for p in policies if p.name != "RCPFullAWSAccess"]) for where, policies in rcp_levels(evaluator, prepared)]
        simulation["resourceControlPolicies"] = self._levels(rcps, prepared.resource_account)  # it adds RCPFullAWSAccess itself
        if prepared.resource_policy is not None:
            simulation["resourcePolicy"] = self.ref(prepared.resource_policy)
        vpce = prepared.context.get("aws:SourceVpce")
        endpoint = evaluator.world.endpoints_by_id.get(vpce) if isinstance(vpce, str) else None
        if endpoint is not None and endpoint.policy is not None:
            simulation["vpcEndpointPolicies"] = [{"name": endpoint.id, "policy": self.ref(endpoint.policy)}]
        simulation["request"] = {
            "principal": caller.arn,
            "action": request.action,
            "resource": {"resource": request.resource, "accountId": prepared.resource_account},
            "contextVariables": prepared.context,
        }
        if ":s3:" in request.resource:
            simulation["additionalSettings"] = {"s3": {"bucketAbacEnabled": True}}
        return simulation

    def _levels(self, levels: list[tuple[str, list[Policy]]], account: str | None) -> list[dict[str, Any]]:
        found = []
        for index, (_, policies) in enumerate(levels):
            ident = "r-root" if index == 0 else account if index == len(levels) - 1 else f"ou-level{index}"
            found.append({"orgIdentifier": ident, "policies": [{"name": p.name, "policy": self.ref(p)} for p in policies]})
        return found


@dataclass(slots=True)
class NodeTiming:
    timing: Timing
    process_seconds: float  # the whole node process: start, imports, reading the input, warm-up, exit
    megabytes: float
    errors: int


def run_iam_simulate(runner: Path, workload: Workload, prepared: list[Prepared], warmup: list[Prepared]) -> NodeTiming:
    simulations = Simulations(workload.evaluator)
    payload = {
        "warmup": [simulations.of(p) for p in warmup],
        "requests": [simulations.of(p) for p in prepared],
        "documents": simulations.documents,
    }
    with tempfile.TemporaryDirectory(prefix="iamdsl-bench-") as temporary:
        source, target = Path(temporary) / "in.json", Path(temporary) / "out.json"
        text = json.dumps(payload, separators=(",", ":"))
        source.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(["node", str(runner), str(source), str(target)], cwd=runner.parent, capture_output=True, text=True)
        process_seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"iam-simulate's runner failed:\n{done.stderr[-2000:]}")
        answer = json.loads(target.read_text(encoding="utf-8"))
    results = answer["results"]
    timing = Timing(answer["seconds"], answer["cpu"], len(results), results)
    return NodeTiming(timing, process_seconds, len(text) / 1e6, sum(1 for r in results if r.startswith("error")))


# ---------------------------------------------------------------- agreement (a sanity check, not a test)


def agreement(ours: list[Outcome], theirs: list[Any], allowed: Callable[[Any], bool | None]) -> str:
    """How often another engine's allowed/denied matches ours, on the requests both decided."""
    compared = same = 0
    for outcome, answer in zip(ours, theirs):
        verdict = allowed(answer)
        if verdict is None or outcome not in (Outcome.ALLOWED, Outcome.EXPLICIT_DENY, Outcome.IMPLICIT_DENY):
            continue
        compared += 1
        same += verdict == (outcome is Outcome.ALLOWED)
    return f"{same / compared:.1%} of {compared}" if compared else "nothing to compare"


def outcome_mix(outcomes: list[Outcome]) -> str:
    counts = collections.Counter(outcomes)
    return ", ".join(f"{o.value} {counts[o] / len(outcomes):.1%}" for o in Outcome if counts[o])


# ---------------------------------------------------------------- the run


@dataclass(slots=True)
class Row:
    engine: str
    model: str
    statements: int
    requests: int
    off: Timing | None
    full: Timing | None


def measure(workload: Workload, pm: Any, runner: Path | None, chunks: int, notes: list[str]) -> list[Row]:
    name, count = workload.name, len(workload.requests)
    runs: dict[str, tuple[Runner, list[Any], list[Any]]] = {
        "off": (iamdsl_runner(workload, trace=False), workload.warmup, workload.requests),
        "full": (iamdsl_runner(workload, trace=True), workload.warmup, workload.requests),
    }
    prepared = warmup = None
    if pm is not None or runner is not None:
        prepared = [prepare(workload.evaluator, r) for r in workload.requests]
        warmup = [prepare(workload.evaluator, r) for r in workload.warmup]
    if pm is not None:
        run, inputs = pmapper_runner(pm, workload, Documents())
        runs["PMapper"] = (run, [inputs.arguments(p) for p in warmup], [inputs.arguments(p) for p in prepared])
    timings = interleaved(runs, chunks)
    off, full = timings["off"], timings["full"]
    rows = [Row("iamdsl", name, workload.statements, count, off, full)]
    notes.append(f"{name}: loaded in {workload.load_seconds:.2f} s; iamdsl outcomes: {outcome_mix(off.answers)}")
    if off.answers != full.answers:
        notes.append(f"{name}: WARNING: iamdsl's outcomes differ between trace off and full trace")
    cpu = f"{name}: cpu-time decisions/s: iamdsl {off.cpu_rate:,.0f} (trace off), {full.cpu_rate:,.0f} (full trace)"
    if pm is not None:
        timing = timings["PMapper"]
        rows.append(Row("PMapper", name, workload.statements, count, timing, timing))
        cpu += f"; PMapper {timing.cpu_rate:,.0f}: iamdsl/PMapper {off.cpu_rate / timing.cpu_rate:.2f}x (off), {full.cpu_rate / timing.cpu_rate:.2f}x (full)"
        notes.append(f"{name}: PMapper's allowed/denied agrees with iamdsl's on {agreement(off.answers, timing.answers, lambda a: a)}")
    notes.append(cpu)
    if runner is not None:
        node = run_iam_simulate(runner, workload, prepared, warmup)
        rows.append(Row("iam-simulate", name, workload.statements, count, node.timing, node.timing))
        whole = count + len(warmup)
        notes.append(
            f"{name}: iam-simulate's whole node process took {node.process_seconds:.2f} s for {whole:,} simulations "
            f"({count:,} timed + {len(warmup):,} warm-up; {node.megabytes:.1f} MB of input): {whole / node.process_seconds:,.0f} decisions/s including node's start"
        )
        verdicts = {"Allowed": True, "ImplicitlyDenied": False, "ExplicitlyDenied": False}
        notes.append(
            f"{name}: iam-simulate refused {node.errors} request(s); its allowed/denied agrees with iamdsl's on "
            f"{agreement(off.answers, node.timing.answers, verdicts.get)}"
        )
    return rows


COLUMNS = ("engine", "model", "IAM stmts", "requests", "decisions/s (trace off)", "decisions/s (full trace)", "iamdsl/this (off)", "iamdsl/this (full)")


def table(rows: list[Row]) -> str:
    ours = {row.model: row for row in rows if row.engine == "iamdsl"}
    cells = [list(COLUMNS)]
    for row in rows:
        mine = ours[row.model]
        same = row.engine != "iamdsl" and row.off is row.full  # one figure: no trace to switch off
        cells.append([
            row.engine,
            row.model,
            f"{row.statements:,}",
            f"{row.requests:,}",
            f"{row.off.rate:,.0f}",
            f"{row.full.rate:,.0f}" + (" (=)" if same else ""),
            f"{mine.off.rate / row.off.rate:.2f}x",
            f"{mine.full.rate / row.full.rate:.2f}x",
        ])
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.rjust(width) if i >= 2 else cell.ljust(width) for i, (cell, width) in enumerate(zip(line, widths))) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    ours = {row.model: row for row in rows if row.engine == "iamdsl"}
    found = []
    for row in rows:
        if row.engine != "PMapper":
            continue
        mine = ours[row.model]
        for label, ratio, target in (
            ("trace off", mine.off.rate / row.off.rate, TARGET_TRACE_OFF),
            ("full trace", mine.full.rate / row.full.rate, TARGET_FULL_TRACE),
        ):
            found.append(f"{row.model}: iamdsl/PMapper with the {label}: {ratio:.2f}x (target >= {target:g}x): {'met' if ratio >= target else 'MISSED'}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3000, help="DSL statements of the synthetic organization (default: 3000)")
    parser.add_argument("--requests", type=int, default=5000, help="requests per model, each decided once by each engine (default: 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, help="warm-up requests per model, distinct from the measured ones (default: as many as --requests)")
    parser.add_argument("--chunks", type=int, default=10, help="the engines take turns over this many slices of the requests (default: 10)")
    parser.add_argument("--no-pmapper", action="store_true", help="skip PMapper")
    parser.add_argument("--no-iam-simulate", action="store_true", help="skip iam-simulate")
    parser.add_argument("--profile", choices=("off", "full"), help="print cProfile's top functions for iamdsl on each model, with the trace off or full")
    args = parser.parse_args(argv)

    pm = None if args.no_pmapper else import_pmapper()
    if pm is None and not args.no_pmapper:
        print("PMapper is not installed (pip install principalmapper); its column is skipped", file=sys.stderr)
    runner = None
    if not args.no_iam_simulate:
        runner, about = iam_simulate_runner()
        if runner is None:
            print(f"iam-simulate is skipped: {about}", file=sys.stderr)

    warmup = args.requests if args.warmup is None else args.warmup
    workloads = [
        load_workload(f"org-{args.statements}", org_text(args.statements, seed=args.seed)),
        load_workload("cross-account-21", SMALL_MODEL),
    ]
    for index, workload in enumerate(workloads):
        draw_requests(workload, args.requests, warmup, args.seed * 1000 + index)
    if args.profile:
        for workload in workloads:
            print(f"---- {workload.name}, {'full trace' if args.profile == 'full' else 'trace off'}")
            print(profile_iamdsl(workload, trace=args.profile == "full"))
        return 0
    rows: list[Row] = []
    notes: list[str] = []
    for workload in workloads:
        rows += measure(workload, pm, runner, max(1, args.chunks), notes)
        print(f"measured {workload.name}", file=sys.stderr)
    print(table(rows))
    print()
    print(f"python {sys.version.split()[0]} on {sys.platform}; seed {args.seed}; {args.requests:,} requests per model, none repeated, after {warmup:,} warm-up requests")
    print("(=): that engine has no trace to switch off; its one figure fills both columns")
    for note in notes:
        print(note)
    for line in verdicts(rows):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
