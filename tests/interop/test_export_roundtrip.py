"""Export, then import: the model that comes back makes the same decisions (issue #8, item 5).

A design is exported as IAM JSON, read back by `iamdsl import authz` (the
authorization details of each account, the resource index, the
organization's directory, the account names from the manifest), and both
models are asked the same requests:

- the whole access of the model (`enumerate_access`: every principal, every
  resource, every catalogue action, no context), allowed and conditional;
- every principal, resource and action the model's statements name, once
  with every condition key given a value the model uses and once with every
  such key absent;
- the example's own `expect` lines, with their contexts and sessions.

Every account comes back as a modelled account, with its root user: one
that holds no role, user, group or managed policy has empty authorization
details, and the import learns which account they are from the
`caller-identity.json` the export writes beside them.  VPC endpoints come
back through `vpc-endpoints.json` (`--endpoints`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import iamdsl
from export_support import EXAMPLES, ROOT
from iamdsl.cli import main
from iamdsl.engine.context import Context
from iamdsl.engine.decision import Outcome
from iamdsl.engine.evaluate import Evaluator
from iamdsl.engine.request import Request
from iamdsl.fsutil import write_tree_atomic
from iamdsl.graph.access import enumerate_access, principals, resource_targets, wildcard_only_actions
from iamdsl.interop.aws_import import ImportResult, import_aws
from iamdsl.interop.exporter import export_model
from iamdsl.interop.iam_json import policy_to_json
from iamdsl.language.operators import parse_date
from iamdsl.model import ContextValue, Model
from iamdsl.specs.expectations import run_expectation
from iamdsl.testing.strategies import models


def export_then_import(model: Model, directory: Path) -> ImportResult:
    result = export_model(model, placeholder_ids=True)
    assert not result.errors
    out = directory / "export"
    write_tree_atomic(out, result.files)
    manifest = json.loads((out / "iamdsl-export.json").read_text())
    authz = [out / a["directory"] / "authorization-details.json" for a in manifest["accounts"]]
    organizations = manifest["organizations"]
    assert len(organizations) <= 1, "the import reads one organization"
    return import_aws(
        authz,
        resources=out / "resource-index.json",
        org=out / organizations[0]["directory"] if organizations else None,
        endpoints=[out / a["directory"] / "vpc-endpoints.json" for a in manifest["accounts"]],
        account_names={a["id"]: a["name"] for a in manifest["accounts"]},
    )


def _evaluator(model: Model, original: Model) -> Evaluator:
    return Evaluator(model, now=parse_date(original.now) if original.now else None)


def assert_same_access(original: Model, imported: Model) -> None:
    """The whole access, and the requests the statements name in and out of their conditions' contexts."""
    # every modelled account comes back modelled, under its name (an open account comes back only if the data names it)
    assert _modelled(imported) == _modelled(original)
    assert {a.id for a in imported.accounts.values() if a.external} <= {a.id for a in original.accounts.values() if a.external}
    before = enumerate_access(original, _evaluator(original, original))
    after = enumerate_access(imported, _evaluator(imported, original))
    for what in ("allowed", "conditional"):
        assert getattr(before, what) == getattr(after, what), (what, sorted(getattr(before, what) ^ getattr(after, what))[:10])
    assert _named_requests(original, original) == _named_requests(imported, original)


def _modelled(model: Model) -> dict[str, str]:
    return {a.name: a.id for a in model.accounts.values() if not a.external}


def _named_requests(model: Model, original: Model) -> dict:
    named, values = set(), {}
    for _, policy in original.policies():
        for statement in policy.statements:
            named.update(a for a in statement.actions or () if "*" not in a and "?" not in a)
            for condition in statement.conditions:
                values.setdefault(condition.key, condition.values[:1] or None)
    contexts = {
        "given": [ContextValue(key=k, values=v) for k, v in values.items()],
        "absent": [ContextValue(key=k, values=None) for k in values],
    }
    wildcard_only = set(wildcard_only_actions())
    targets = [("*", tuple(a for a in named if a in wildcard_only))] + resource_targets(original)
    evaluator = _evaluator(model, original)
    decided = {}
    for name, caller in principals(model):
        for label, items in contexts.items():
            context = Context.from_values(items)
            for resource, actions in targets:
                for action in actions:
                    if action in named:
                        outcome = evaluator.evaluate(Request(caller, action, resource, context), trace=False).outcome
                        decided[(name, label, action, resource)] = outcome
    return decided


def _example_ids() -> list:
    params = []
    for example in EXAMPLES:
        params.append(pytest.param(example, id=example.stem))
    return params


@pytest.mark.parametrize("example", _example_ids())
def test_every_example_makes_the_same_decisions_after_export_and_import(example: Path, tmp_path: Path) -> None:
    original = iamdsl.load(str(example))
    result = export_then_import(original, tmp_path)
    assert [d.message for d in result.warnings] == []  # the export reads as clean AWS CLI output
    imported = result.model
    assert_same_access(original, imported)
    assert _entities(imported) == _entities(original)
    assert _endpoints(imported) == _endpoints(original)
    assert {r.arn: (r.tags, _document(r.policy)) for r in imported.resources.values()} == {
        r.arn: (r.tags, _document(r.policy)) for r in original.resources.values()
    }


def _endpoints(model: Model) -> dict:
    """Each VPC endpoint by its ID (the import names it by its ID, too), with its VPC, tags and policy."""
    return {e.id: (e.vpc, e.tags, _document(e.policy)) for e in model.endpoints.values()}


def _document(policy) -> dict | None:
    return policy_to_json(policy) if policy is not None else None


def _entities(model: Model) -> dict:
    """Each principal by ARN, with everything AWS keeps of it, and the documents of its policies."""
    return {
        e.arn: (
            e.path, e.tags if e.kind.value != "group" else {},  # IAM groups have no tags (X103)
            e.boundary, e.managed_policies,
            {p.name: _document(p) for p in e.inline_policies},
            # a role without a trust policy is exported with one that has no statements (X102)
            (_document(e.trust_policy) or {"Version": "2012-10-17", "Statement": []}) if e.kind.value == "role" else None,
            tuple(model.principals[g].name for g in e.groups),
        )
        for e in model.principals.values()
    }


def _expectation_params() -> list:
    params = []
    for example in EXAMPLES:
        params.append(pytest.param(example, id=example.stem))
    return params


@pytest.mark.parametrize("example", _expectation_params())
def test_every_expect_line_decides_the_same_after_export_and_import(example: Path, tmp_path: Path) -> None:
    original = iamdsl.load(str(example))
    imported = export_then_import(original, tmp_path).model
    before, after = _evaluator(original, original), _evaluator(imported, original)
    for expectation in original.expectations:
        first = run_expectation(original, expectation, before, trace=False)
        second = run_expectation(imported, expectation, after, trace=False)
        outcomes = [[d.outcome for d in r.decision.decisions] if r.decision else None for r in (first, second)]
        assert (first.status, outcomes[0]) == (second.status, outcomes[1]), f"{example.name}:{expectation.span.line}: {second.message}"


def test_endpoint_policies_survive_export_and_import(tmp_path: Path) -> None:
    """`vpc-endpoints.json` goes back in through `--endpoints`: the endpoint still limits what passes through it."""
    text = (
        "account A 111111111111\n"
        'resource A.only : s3:bucket "only-this"\n'
        'resource A.elsewhere : s3:bucket "elsewhere"\n'
        'endpoint A.vpce "vpce-0a1b2c3d" { allow s3:GetObject on "arn:aws:s3:::only-this/*" to anyone }\n'
        'role A.R { trust { allow assume to service ec2.amazonaws.com }\n allow s3:GetObject on * }\n'
    )
    original = iamdsl.loads(text)
    imported = export_then_import(original, tmp_path).model
    through = 'with aws:SourceVpce = "vpce-0a1b2c3d"'
    queries = {
        f'can A.R s3:GetObject "arn:aws:s3:::elsewhere/x" {through}': Outcome.IMPLICIT_DENY,  # the endpoint's policy
        f'can A.R s3:GetObject "arn:aws:s3:::only-this/x" {through}': Outcome.ALLOWED,
        'can A.R s3:GetObject "arn:aws:s3:::elsewhere/x" with no aws:SourceVpce': Outcome.ALLOWED,  # not through it
    }
    for query, outcome in queries.items():
        assert (original.ask(query).outcome, imported.ask(query).outcome) == (outcome, outcome), query
    assert _endpoints(imported) == _endpoints(original)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(models(max_accounts=3, max_statements=12))
def test_generated_models_make_the_same_decisions_after_export_and_import(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    original = iamdsl.loads(text)
    result = export_then_import(original, tmp_path_factory.mktemp("roundtrip"))
    assert [d.message for d in result.warnings] == []
    assert_same_access(original, result.model)
    assert _entities(result.model) == _entities(original)


def test_the_command_line_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`iamdsl export` then `iamdsl import authz … -o`, and the written .iam loads back to the same access."""
    example = ROOT / "examples" / "cross_account_s3_kms.iam"
    out = tmp_path / "out"
    assert main(["export", "--no-cache", str(example), str(out)]) == 0
    manifest = json.loads((out / "iamdsl-export.json").read_text())
    names = ",".join(f"{a['id']}={a['name']}" for a in manifest["accounts"])
    authz = [str(out / a["directory"] / "authorization-details.json") for a in manifest["accounts"]]
    design = tmp_path / "imported.iam"
    argv = ["import", "authz", *authz, "--resources", str(out / "resource-index.json"), "--account-names", names, "-o", str(design)]
    assert main(argv) == 0, capsys.readouterr().err
    assert_same_access(iamdsl.load(str(example)), iamdsl.load(str(design)))
