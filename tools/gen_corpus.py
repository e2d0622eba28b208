#!/usr/bin/env python3
"""Write the differential corpus: random scenarios decided by an independent simulator.

    python tools/gen_corpus.py [--count 3200] [--seed 20260315] [--out tests/differential/corpus.json]

Scenarios come from `iamdsl.testing.scenario_gen` (built on the shared
vocabulary).  Each one is translated to the input of `@cloud-copilot/iam-simulate`
(npm, pinned below), installed into a cache folder outside the package and
driven by a small Node script written next to it; all scenarios go through one
node process.  The fixture keeps, per row, the scenario in our schema with
iam-simulate's decision as `expected`; `tests/engine/test_differential.py`
replays it with our engine, without Node.

The script prints the outcome mix and the grant classes among allowed rows,
and fails unless at least 25% are allowed, 15% explicitly denied, and every
grant class of rulebook R18 (DIRECT, ACCOUNT, ROLE, FED_PARENT) allows
somewhere.  It also prints where our engine disagrees, by pair of outcomes;
`tests/differential/exceptions.json` holds the reviewed causes.

Translation notes (where the two inputs do not line up one to one):
- the root user gets an `Allow * on *` identity policy: iam-simulate has no
  notion of the root user's implicit identity-side access (R66);
- a role's trust policy is passed as the resource policy only to `sts:` actions
  on the role (R71); other actions on a role ARN (iam:GetRole) have none;
- SCPs are passed only where R56 applies them, RCPs only where R57 does (the
  service is the action's; `rcpSupportedServices.json` of the catalogue);
- context keys AWS derives (R7) are passed explicitly (`request_facts`), since
  iam-simulate derives none; `bucketAbacEnabled` is set for S3 so that
  `aws:ResourceTag` reaches its policies as it reaches ours.
Every policy type of ours has an iam-simulate input (identity inline and
managed, group, boundary, session, resource, trust, SCP, RCP, VPC endpoint).
Left out of the corpus, because iam-simulate cannot take them: web-identity
and SAML callers with their provider claims (R72), the sts:TagSession and
sts:SetSourceIdentity companion requests (R73, R74) and transitive session
tags (R75).  A role session assuming another role (R75's next hop) is in.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iamdsl import catalog  # noqa: E402
from iamdsl.engine.evaluate import Evaluator  # noqa: E402
from iamdsl.testing import scenario_gen as gen  # noqa: E402
from iamdsl.testing.scenarios import scenario_from_data  # noqa: E402
from iamdsl.testing.vocabulary import RandomPicker  # noqa: E402

PACKAGE = "@cloud-copilot/iam-simulate"
VERSION = "0.1.173"  # pinned: `npm view @cloud-copilot/iam-simulate version` when this was written
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "iamdsl" / f"iam-simulate-{VERSION}"
DEFAULT_OUT = ROOT / "tests" / "differential" / "corpus.json"
MIN_ALLOWED, MIN_EXPLICIT = 0.25, 0.15
GRANT_CLASSES = ("direct", "account", "role", "fed_parent")
DECISIONS = {"Allowed": "allowed", "ExplicitlyDenied": "explicit_deny", "ImplicitlyDenied": "implicit_deny"}

RUNNER = r"""
// Written by iamdsl tools/gen_corpus.py: decides a batch of simulations, one JSON line each.
const fs = require('fs');
const { runSimulation } = require('@cloud-copilot/iam-simulate');
async function main() {
  const [input, output] = process.argv.slice(2);
  const lines = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l.length > 0);
  const out = [];
  for (const line of lines) {
    const { id, simulation } = JSON.parse(line);
    try {
      const response = await runSimulation(simulation, {});
      if (response.resultType === 'error') {
        out.push(JSON.stringify({ id, error: response.errors }));
      } else {
        out.push(JSON.stringify({ id, result: response.overallResult }));
      }
    } catch (e) {
      out.push(JSON.stringify({ id, error: { message: String(e) } }));
    }
  }
  fs.writeFileSync(output, out.join('\n') + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


# ---------------------------------------------------------------- iam-simulate, installed and driven


def install(cache: Path) -> Path:
    """Install the pinned package into the cache (once) and write the runner next to it."""
    marker = cache / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
    if not marker.exists() or json.loads(marker.read_text())["version"] != VERSION:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", f"{PACKAGE}@{VERSION}"], check=True)
    runner = cache / "run_batch.cjs"
    runner.write_text(RUNNER, encoding="utf-8")
    return runner


def decide(runner: Path, simulations: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("".join(json.dumps({"id": i, "simulation": s}) + "\n" for i, s in simulations), encoding="utf-8")
        subprocess.run(["node", str(runner), str(source), str(target)], check=True, cwd=runner.parent)
        answers = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line]
    return {a["id"]: a for a in answers}


# ---------------------------------------------------------------- our schema -> iam-simulate's input


def _entity(data: dict[str, Any], account: str, name: str, kind: str | None = None) -> dict[str, Any] | None:
    for entry in data.get("principals", ()):
        if entry["account"] == account and entry["name"] == name and (entry["type"] == kind if kind else entry["type"] != "group"):
            return entry
    return None


def _identity_policies(data: dict[str, Any], entity: dict[str, Any]) -> list[dict[str, Any]]:
    """Inline and managed policies of the entity, and of its groups (R2)."""
    managed = {m["arn"]: m["document"] for m in data.get("managed_policies", ())}
    owners = [entity] + [g for g in (_entity(data, entity["account"], n, "group") for n in entity.get("groups", ())) if g]
    found = []
    for owner in owners:
        for index, doc in enumerate(owner.get("policies", ())):
            found.append({"name": f"{owner['name']}-inline-{index + 1}", "policy": doc})
        for arn in owner.get("managed", ()):
            found.append({"name": arn.rsplit("/", 1)[-1], "policy": managed[arn]})
    return found


def _levels(data: dict[str, Any], account: str, kind: str) -> list[dict[str, Any]]:
    """The org's SCPs or RCPs by level, root first, as iam-simulate takes them."""
    org = data["organization"]
    placement = gen.org_placement(data, account)
    assert placement is not None
    default = "FullAWSAccess" if kind == "scps" else "RCPFullAWSAccess"
    documents = dict(org.get(kind, {}))
    if kind == "scps":
        documents["FullAWSAccess"] = gen.FULL_ACCESS
    units = [org["root"]]
    for name in placement[1]:
        units.append(next(c for c in units[-1].get("children", ()) if c["name"] == name))
    levels = []
    for index, unit in enumerate(units):
        names = unit.get(kind, [default])
        ident = gen.ORG_ROOT if index == 0 else f"ou-{unit['name']}"
        levels.append((ident, names))
    attached = org.get("account_attachments", {}).get(account, {}).get(kind, [default])
    levels.append((gen.ACCOUNT_IDS[account], attached))
    # iam-simulate adds RCPFullAWSAccess to every RCP level itself
    return [{"orgIdentifier": ident, "policies": [{"name": n, "policy": documents[n]} for n in names if n in documents and n != "RCPFullAWSAccess"]} for ident, names in levels]


def _scps_apply(data: dict[str, Any], caller: dict[str, Any], entity: dict[str, Any] | None) -> bool:
    """R56: a member account's principals, not service-linked roles, in an all-features org."""
    org = data.get("organization")
    if org is None or caller["kind"] in ("anonymous", "service") or not org.get("all_features", True):
        return False
    if gen.org_placement(data, caller["account"]) is None or caller["account"] == org.get("management"):
        return False
    return not (entity is not None and entity.get("path", "/").startswith("/aws-service-role/"))


def _rcps_apply(data: dict[str, Any], request: dict[str, Any], entity: dict[str, Any] | None) -> bool:
    """R57: a resource in a member account, of a service RCPs cover."""
    org = data.get("organization")
    account = request.get("resource_account")
    if org is None or request["resource"] == "*" or account is None or account == org.get("management"):
        return False
    if gen.org_placement(data, account) is None:
        return False
    if entity is not None and entity.get("path", "/").startswith("/aws-service-role/"):
        return False
    return request["action"].split(":", 1)[0].lower() in catalog.rcp_supported_services()


def _resource_policy(data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any] | None:
    resource = request["resource"]
    for entry in data.get("resources", ()):
        arn = entry["arn"]
        if resource == arn or (":s3:::" in arn and resource.startswith(arn + "/")):
            return entry.get("policy")
    if request["action"].lower().startswith("sts:"):
        for entry in data.get("principals", ()):
            if entry["type"] == "role" and f"arn:aws:iam::{gen.ACCOUNT_IDS[entry['account']]}:role{entry.get('path', '/')}{entry['name']}" == resource:
                return entry.get("trust")
    return None


def to_simulation(data: dict[str, Any]) -> dict[str, Any]:
    """One scenario (one request) as iam-simulate's `Simulation`."""
    request = data["requests"][0]
    caller = request["principal"]
    kind = caller["kind"]
    entity = _entity(data, caller["account"], caller["name"]) if kind in ("user", "role-session", "federated-user") else None
    if kind == "anonymous":
        principal: Any = {"type": "Anonymous"}
    elif kind == "service":
        principal = caller["service"]
    else:
        principal = gen.caller_arn(caller, data)
    simulation: dict[str, Any] = {"identityPolicies": [], "serviceControlPolicies": [], "resourceControlPolicies": []}
    if entity is not None:
        simulation["identityPolicies"] = _identity_policies(data, entity)
        if entity.get("boundary") is not None:
            simulation["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": entity["boundary"]}]
    if kind == "root":
        simulation["identityPolicies"] = [{"name": "RootUserImplicitAccess", "policy": gen.FULL_ACCESS}]  # R66
    if request.get("session_policy") is not None:
        simulation["sessionPolicy"] = request["session_policy"]
    if _scps_apply(data, caller, entity):
        simulation["serviceControlPolicies"] = _levels(data, caller["account"], "scps")
    if _rcps_apply(data, request, entity):
        simulation["resourceControlPolicies"] = _levels(data, request["resource_account"], "rcps")
    policy = _resource_policy(data, request)
    if policy is not None:
        simulation["resourcePolicy"] = policy
    context = gen.full_context(data, request)
    vpce = context.get("aws:SourceVpce")
    for endpoint in data.get("endpoints", ()):
        if endpoint["id"] == vpce:
            simulation["vpcEndpointPolicies"] = [{"name": endpoint["id"], "policy": endpoint["policy"]}]
    account = request.get("resource_account") or caller.get("account") or "A"
    simulation["request"] = {
        "principal": principal,
        "action": request["action"],
        "resource": {"resource": request["resource"], "accountId": gen.ACCOUNT_IDS[account]},
        "contextVariables": context,
    }
    if ":s3:" in request["resource"]:
        simulation["additionalSettings"] = {"s3": {"bucketAbacEnabled": True}}
    return simulation


# ---------------------------------------------------------------- the fixture


def _engine_outcome(data: dict[str, Any]) -> tuple[str, list[str]]:
    """Our decision and the grant classes that reached the caller (R18), for the report."""
    scenario = scenario_from_data(data, data["id"])
    decision = Evaluator(scenario.model, scenario.settings).evaluate(scenario.requests[0].request)
    return decision.outcome.value, [g.value for g in decision.trace.grant_classes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3200)
    parser.add_argument("--seed", type=int, default=20260315)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)

    runner = install(args.cache)
    scenarios = gen.generate(RandomPicker(args.seed), args.count)
    answers = decide(runner, [(s["id"], to_simulation(s)) for s in scenarios])
    rows: list[dict[str, Any]] = []
    errors: collections.Counter[str] = collections.Counter()
    for scenario in scenarios:
        answer = answers[scenario["id"]]
        if "error" in answer:
            errors[json.dumps(answer["error"], sort_keys=True)[:300]] += 1
            continue
        scenario["requests"][0]["expected"] = DECISIONS[answer["result"]]
        rows.append(scenario)
    for message, count in errors.most_common():
        print(f"iam-simulate refused {count} scenario(s): {message}", file=sys.stderr)

    mix = collections.Counter(r["requests"][0]["expected"] for r in rows)
    total = len(rows)
    print(f"{total} rows decided by {PACKAGE}@{VERSION} (seed {args.seed})")
    for outcome in ("allowed", "explicit_deny", "implicit_deny"):
        print(f"  {outcome:14} {mix[outcome]:5}  {mix[outcome] / max(total, 1):6.1%}")

    grants: collections.Counter[str] = collections.Counter()
    causes: collections.Counter[tuple[str, str]] = collections.Counter()
    for row in rows:
        ours, classes = _engine_outcome(row)
        theirs = row["requests"][0]["expected"]
        if theirs == "allowed" and ours == "allowed":
            grants.update(classes)
        if ours != theirs:
            causes[(ours, theirs)] += 1
    print("grant classes among allowed rows (both agree): " + ", ".join(f"{g}={grants[g]}" for g in GRANT_CLASSES))
    print(f"disagreements with our engine: {sum(causes.values())}")
    for (ours, theirs), count in causes.most_common():
        print(f"  ours {ours:14} iam-simulate {theirs:14} {count:5}")

    documents, compact = gen.compact_rows(rows)
    for row in compact:
        row.pop("accounts", None)
        row.pop("description", None)
    corpus = {
        "about": "differential corpus: scenarios (tests/differential, iamdsl.testing.scenarios schema) decided by an independent simulator; written by tools/gen_corpus.py",
        "simulator": PACKAGE,
        "version": VERSION,
        "seed": args.seed,
        "accounts": scenarios[0]["accounts"] if scenarios else [],
        "documents": documents,
        "rows": compact,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(corpus, separators=(",", ":"), sort_keys=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    print(f"wrote {args.out} ({len(text) / 1e6:.1f} MB, {len(documents)} shared documents, sha256 {digest})")

    failures = []
    if total < args.count * 0.95 or (args.count >= 3000 and total < 3000):
        failures.append(f"only {total} rows were decided")
    if mix["allowed"] < MIN_ALLOWED * total:
        failures.append(f"allowed is {mix['allowed'] / total:.1%}, below {MIN_ALLOWED:.0%}")
    if mix["explicit_deny"] < MIN_EXPLICIT * total:
        failures.append(f"explicit_deny is {mix['explicit_deny'] / total:.1%}, below {MIN_EXPLICIT:.0%}")
    missing = [g for g in GRANT_CLASSES if not grants[g]]
    if missing:
        failures.append(f"no allowed row through grant class {', '.join(missing)}")
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
