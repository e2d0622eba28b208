"""`who can` on the scale organization: 200 accounts, 20,000 roles, 50,000 resources.

    python benchmarks/bench_who_can.py [--questions 8] [--seed 1] [--no-pmapper] [--json]

The organization is `iamdsl.testing.generator.write_scale_org`, written once
into `--workdir` and loaded through the content-hashed model cache there, so
the first run pays a cold load (about 40 s) and later runs a warm one.
Loading is not counted.

Each question is `who can VERB R` for a resource drawn at random, with the
verb that fits its type (pull for a repository, read for a bucket, decrypt
for a key, …).  For each, the figures are:

- `first s`: the first `who can` after the load, through `iamdsl.answers.answer`
  exactly as `iamdsl query` runs it (resolve, decide, find the principals that
  reach it through others, render).  The first question also builds the
  per-model tables (names, the Allow index), so it is reported apart;
- `again s`: the same question once more;
- `direct s`: `graph.enumerate.who_can` alone: the directly allowed principals;
- `pmapper s`: PMapper 1.1.5's `who can` on the same model: for each action of
  the verb, `search_authorization_full` on every node, as `pmapper query "who
  can do A with R"` loops (its Nodes, Policies and SCPs are built from the same
  model; no PMapper edges, whose computation on 20,000 nodes alone would take
  hours, so PMapper answers direct access only);
- `allowed`: how many principals can, and how many reach it through others.

Peak memory (`ru_maxrss`) is printed at the end.  The target: under 1 s for
one verb on one resource.  The exit code is 0 either way.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
VERB_BY_SERVICE = {"s3": "read", "ecr": "pull", "kms": "decrypt", "sqs": "send", "sns": "publish", "secretsmanager": "read_secret", "lambda": "invoke", "dynamodb": "dynamodb_read"}


def load_scale_model(workdir: Path):
    from iamdsl.language.loader import load_paths
    from iamdsl.testing.generator import write_scale_org

    main = workdir / "org" / "main.iam"
    if not main.exists():
        write_scale_org(workdir / "org")
    started = time.perf_counter()
    model = load_paths([main], cache_dir=workdir / "cache").model
    return model, time.perf_counter() - started


def questions(model, count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    resources = [r for r in model.resources.values() if r.service in VERB_BY_SERVICE and VERB_BY_SERVICE[r.service] in model.verbs]
    return [(VERB_BY_SERVICE[r.service], r.qualified_name) for r in rng.sample(resources, min(count, len(resources)))]


def _bench_engine():
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "bench_engine.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engine"] = module
    spec.loader.exec_module(module)
    return module


class PMapperWhoCan:
    """PMapper's `who can do A with R`, on Nodes built from the same model (benchmarks/bench_engine.py builds them)."""

    def __init__(self, model, evaluator):
        engine = _bench_engine()
        self.pm = engine.import_pmapper()
        if self.pm is None:
            raise ImportError("principalmapper is not installed (pip install principalmapper)")
        from principalmapper.common.graphs import Graph
        from principalmapper.querying.query_interface import search_authorization_full

        self.search = search_authorization_full
        self.documents = engine.Documents()
        started = time.perf_counter()
        self.inputs = engine.PMapperInputs(self.pm, evaluator, self.documents)
        self.graph = Graph(list(self.inputs._nodes.values()), [], [], list(self.inputs.groups.values()), {"account_id": "000000000000", "pmapper_version": "1.1.5"})
        self.evaluator = evaluator
        self.model = model
        self._scps: dict[str, list] = {}
        self.build_seconds = time.perf_counter() - started

    def _scps_of(self, entity):
        found = self._scps.get(entity.account)
        if found is None:
            from iamdsl.engine.callers import caller_for
            from iamdsl.model import Subject

            caller = caller_for(Subject(kind="name", name=entity.qualified_name), self.model)
            engine = sys.modules["bench_engine"]
            levels = engine.scp_levels(self.evaluator, caller)
            found = self._scps[entity.account] = [[self.inputs._policy(f"arn:aws:organizations::policy/{p.name}", p) for p in policies] for _, policies in levels] or None
        return found

    def who_can(self, actions: tuple[str, ...], resource_arn: str) -> int:
        from iamdsl.engine.verbs import requests_for

        model = self.model
        target = next((r for r in model.resources.values() if r.arn == resource_arn), None)
        policy = self.documents(target.policy) if target is not None and target.policy is not None else None
        owner = model.accounts[target.account].id if target is not None else None
        pairs, _ = requests_for(actions, resource_arn, model)
        allowed = set()
        entities = {e.arn: e for e in model.principals.values()}
        for node in self.graph.nodes:
            entity = entities[node.arn]
            scps = self._scps_of(entity)
            if all(self.search(self.graph, node, action, arn, {}, policy if arn != "*" else None, owner if arn != "*" else None, scps, None).allowed for action, arn in pairs):
                allowed.add(node.arn)
        return len(allowed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iamdsl-bench-scale"))
    parser.add_argument("--no-pmapper", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    args.workdir.mkdir(parents=True, exist_ok=True)

    model, load_seconds = load_scale_model(args.workdir)
    gc.freeze()  # as the commands do after a load: the model is long-lived
    roles = sum(1 for e in model.principals.values() if e.kind.value == "role")
    print(f"scale organization: {len(model.accounts)} accounts, {roles} roles, {len(model.principals)} principals, "
          f"{len(model.resources)} resources, {model.statement_count()} IAM statements (load {load_seconds:.1f} s, not counted)")

    from iamdsl.answers import answer
    from iamdsl.engine.context import Context
    from iamdsl.engine.shared import evaluator_for
    from iamdsl.graph.enumerate import who_can

    evaluator = evaluator_for(model)
    pmapper = None
    if not args.no_pmapper:
        try:
            pmapper = PMapperWhoCan(model, evaluator)
            gc.freeze()  # PMapper's objects are long-lived too; left to the collector, they slow whatever runs next
            print(f"PMapper nodes built in {pmapper.build_seconds:.1f} s (not counted)")
        except ImportError as error:
            print(f"PMapper skipped: {error}")

    rows = []
    for number, (verb, name) in enumerate(questions(model, args.questions, args.seed)):
        query = f"who can {verb} {name}"
        started = time.perf_counter()
        text, _ = answer(model, query)
        first = time.perf_counter() - started
        started = time.perf_counter()
        answer(model, query)
        again = time.perf_counter() - started
        resource_arn = model.resources[name].arn
        actions = model.verbs[verb].actions
        started = time.perf_counter()
        reaches = who_can(model, evaluator, verb, actions, resource_arn, Context())
        direct = time.perf_counter() - started
        allowed = sum(1 for r in reaches if not r.denied)
        indirect = text.split("through other principals (", 1)[1].split(";", 1)[0] if "through other principals (" in text else "0"
        row = {"question": query, "first_s": round(first, 3), "again_s": round(again, 3), "direct_s": round(direct, 3),
               "allowed": allowed, "through_others": int(indirect), "table_building": number == 0}
        if pmapper is not None:
            started = time.perf_counter()
            row["pmapper_allowed_nodes"] = pmapper.who_can(actions, resource_arn)
            row["pmapper_s"] = round(time.perf_counter() - started, 3)
        rows.append(row)
        if not args.json:
            extra = f"  pmapper {row['pmapper_s']:.2f} s ({row['pmapper_allowed_nodes']} allowed)" if pmapper is not None else ""
            note = "  (builds the per-model tables)" if number == 0 else ""
            print(f"{query:60} first {first:6.2f} s  again {again:6.2f} s  direct {direct:6.2f} s  "
                  f"allowed {allowed:5d} + {indirect} through others{extra}{note}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    later = [r["again_s"] for r in rows]
    summary = {
        "median_again_s": sorted(later)[len(later) // 2] if later else None,
        "max_again_s": max(later) if later else None,
        "peak_mb": round(peak),
        "target_s": TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary}, indent=2))
    else:
        print(f"median {summary['median_again_s']} s, slowest {summary['max_again_s']} s per `who can` (target < {TARGET_SECONDS} s); peak memory {summary['peak_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
