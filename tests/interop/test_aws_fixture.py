"""The realistic fixture of `examples/aws_import/` (issue #8, item 6): in sync with its generator and
with its import, as big as the issue asks, and answering questions as AWS would."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from iamdsl.cli import main
from iamdsl.interop.aws_import import import_aws
from iamdsl.language.loader import load_paths
from iamdsl.language.printer import comparable
from iamdsl.model import Model, PrincipalKind

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "examples" / "aws_import"
REGION = 'with aws:RequestedRegion = "us-east-1"'


@functools.lru_cache(maxsize=1)
def tool():
    spec = importlib.util.spec_from_file_location("make_aws_fixture", ROOT / "tools" / "make_aws_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=1)
def imported():
    return import_aws([FIXTURE / "prod-authz.json", FIXTURE / "dev-authz.json"], resources=FIXTURE / "resources" / "index.json", org=FIXTURE / "org")


@functools.lru_cache(maxsize=1)
def model() -> Model:
    return load_paths([FIXTURE / "acme.iam"]).model


def test_the_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    written = tool().write_fixture(tmp_path)
    for path in written:
        relative = path.relative_to(tmp_path)
        assert (FIXTURE / relative).read_text() == path.read_text(), f"{relative} is stale: run tools/make_aws_fixture.py"
    committed = {p.relative_to(FIXTURE) for p in FIXTURE.rglob("*.json")}
    assert committed == {p.relative_to(tmp_path) for p in written}


def test_the_committed_model_is_the_import_of_the_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURE)
    out = tmp_path / "acme.iam"
    assert main(["import", "authz", *tool().IMPORT_ARGS, "-o", str(out)]) == 0
    assert out.read_text() == (FIXTURE / "acme.iam").read_text(), "acme.iam is stale: run tools/make_aws_fixture.py"
    assert comparable(model()) == comparable(imported().model)


def test_the_fixture_is_as_rich_as_the_issue_asks() -> None:
    prod = json.loads((FIXTURE / "prod-authz.json").read_text())
    assert len(prod["RoleDetailList"]) >= 50 and prod["UserDetailList"] and prod["GroupDetailList"]
    policies = prod["Policies"]
    assert any(":iam::aws:policy/" in p["Arn"] and len(p["PolicyVersionList"]) > 1 for p in policies)  # AWS-managed, several versions
    assert any(":iam::aws:policy/" not in p["Arn"] and len(p["PolicyVersionList"]) > 1 for p in policies)  # customer-managed too
    assert any("PermissionsBoundary" in r for r in prod["RoleDetailList"]) and any("PermissionsBoundary" in u for u in prod["UserDetailList"])
    assert all(r["Tags"] for r in prod["RoleDetailList"] if r["Path"] == "/service/")
    m = model()
    types = {(r.service, r.type) for r in m.resources.values() if r.policy is not None}
    assert {("s3", "bucket"), ("kms", "key")} <= types
    organization = m.organizations["org"]
    assert len(organization.scps) >= 4 and len(organization.rcps) >= 2
    assert sum(1 for e in m.principals.values() if e.kind is PrincipalKind.ROLE) >= 60
    size = sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file())
    assert size < 1024 * 1024


def test_the_import_warns_about_exactly_what_it_leaves_out() -> None:
    warnings = sorted(d.message for d in imported().diagnostics)
    assert [w.split(": ", 1)[0] for w in warnings] == ["$.RoleDetailList[5].Path", "$.RoleDetailList[6].InstanceProfileList[0]", "$.Roots[0].PolicyTypes"]


@pytest.mark.parametrize(
    ("query", "outcome"),
    [
        # prod's repository policy lets the dev account pull, and dev lets its CI role
        (f"can dev.ci-deployer pull prod.app {REGION}", "allowed"),
        (f"can dev.fn-test-runner ecr:BatchGetImage prod.app {REGION}", "implicit_deny"),
        # the RegionGuardrail SCP: outside the two regions, denied
        ('can dev.ci-deployer ecr:BatchGetImage prod.app with aws:RequestedRegion = "ap-south-1"', "explicit_deny"),
        ("can dev.ci-deployer ecr:BatchGetImage prod.app", "conditional"),
        # the key policy names svc-payments; the account statement delegates to IAM for the others
        (f"can prod.svc-payments kms:Decrypt prod.data-key {REGION}", "allowed"),
        (f"can prod.svc-catalog kms:Decrypt prod.data-key {REGION}", "allowed"),
        (f"can prod.fn-warm-cache kms:Decrypt prod.data-key {REGION}", "implicit_deny"),
        # each service reaches its own prefix only
        (f'can prod.svc-payments s3:GetObject prod.acme-prod-data/"payments/2024/r.pdf" {REGION}', "allowed"),
        (f'can prod.svc-catalog s3:GetObject prod.acme-prod-data/"payments/2024/r.pdf" {REGION}', "implicit_deny"),
        # DeveloperAccess denies pii/, and the boundary of the service roles denies iam:*
        (f'can prod.bob s3:GetObject prod.acme-prod-data/"pii/customers.csv" {REGION}', "explicit_deny"),
        (f'can prod.bob s3:GetObject prod.acme-prod-data/"reports/q1.csv" {REGION}', "allowed"),
        (f"can prod.svc-payments iam:PassRole prod.svc-orders {REGION}", "explicit_deny"),
        # the deploy role passes service roles to ECS only
        (f'can prod.GitHubDeploy iam:PassRole prod.svc-orders {REGION}, iam:PassedToService = "ecs-tasks.amazonaws.com"', "allowed"),
        (f'can prod.GitHubDeploy iam:PassRole prod.svc-orders {REGION}, iam:PassedToService = "lambda.amazonaws.com"', "implicit_deny"),
        # the root SCP keeps everyone in the organization, admins included
        (f"can prod.OrganizationAccountAccessRole organizations:LeaveOrganization * {REGION}", "explicit_deny"),
        # the Admins group denies everything without MFA
        (f"can prod.alice ec2:DescribeInstances * {REGION}, aws:MultiFactorAuthPresent = false", "explicit_deny"),
        (f"can prod.alice ec2:DescribeInstances * {REGION}, aws:MultiFactorAuthPresent = true", "allowed"),
    ],
)
def test_questions_about_the_imported_accounts(query: str, outcome: str) -> None:
    assert model().ask(query).outcome.value == outcome


def test_the_readme_shows_what_the_import_prints(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURE)
    assert main(["import", "authz", *tool().IMPORT_ARGS, "-o", str(tmp_path / "acme.iam")]) == 0
    summary = capsys.readouterr().err.rstrip().splitlines()[-2]
    readme = (ROOT / "README.md").read_text()
    assert f"```text\n{summary}\nwrote acme.iam\n```" in readme
    assert f"iamdsl import authz {' '.join(tool().IMPORT_ARGS)} -o acme.iam" in readme


def test_every_service_role_can_use_the_key_that_names_three(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's point about the key policy's account statement."""
    m = model()
    key_policy = m.resources["prod.data-key"].policy
    named = {p.value for s in key_policy.statements for p in s.principals or () if ":role/" in p.value}
    assert len(named) == 3
    services = [e for e in m.principals.values() if e.path == "/service/"]
    assert len(services) == 40
    for entity in services:
        assert m.ask(f"can {entity.qualified_name} kms:Decrypt prod.data-key {REGION}").outcome.value == "allowed"


def test_the_imported_model_is_in_the_canonical_layout() -> None:
    from iamdsl.language.fmt import format_source

    text = (FIXTURE / "acme.iam").read_text()
    assert format_source(text, "acme.iam") == text
