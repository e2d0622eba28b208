"""The synthetic-organization generator: it loads, it is deterministic, it writes what it promises."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings

from iamdsl.language import syntax as s
from iamdsl.language.loader import load_paths, load_text
from iamdsl.language.transformer import parse_file
from iamdsl.testing import org_files, org_text, write_org
from iamdsl.testing.strategies import models


def _statements(node) -> int:
    """DSL `allow`/`deny` statements anywhere in a syntax tree, counted independently of the generator."""
    if isinstance(node, s.StatementSyntax):
        return 1
    if isinstance(node, (list, tuple)):
        return sum(_statements(item) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return sum(_statements(getattr(node, f.name)) for f in dataclasses.fields(node))
    return 0


def _count(files: dict[str, str]) -> int:
    return sum(_statements(parse_file(text, name).declarations) for name, text in files.items())


SIZES = [(0, 0), (1, 0), (7, 3), (60, 1), (400, 2), (1500, 9)]


@pytest.mark.parametrize(("statements", "seed"), SIZES, ids=[f"{n}-statements-seed-{seed}" for n, seed in SIZES])
def test_writes_exactly_the_statements_asked_for(statements, seed):
    assert _count(org_files(statements, seed=seed)) == statements


@pytest.mark.parametrize(("statements", "seed"), SIZES, ids=[f"{n}-statements-seed-{seed}" for n, seed in SIZES])
def test_output_loads_without_errors_or_warnings(statements, seed):
    loaded = load_text(org_text(statements, seed=seed), "org.iam")
    assert loaded.warnings == []
    assert len(loaded.model.accounts) >= 2
    if statements >= 400:  # big enough that every part of the vocabulary shows up
        model = loaded.model
        assert model.organizations and next(iter(model.organizations.values())).scps
        assert {r.service for r in model.resources.values()} >= {"s3", "ecr", "kms", "sqs", "sns", "dynamodb"}
        assert any(p.trust_policy for p in model.principals.values())
        assert any(p.boundary for p in model.principals.values())
        assert model.managed_policies


def test_same_seed_same_text_and_other_seed_other_text():
    assert org_text(300, seed=4) == org_text(300, seed=4)
    assert org_text(300, seed=4) != org_text(300, seed=5)


def test_uses_the_statement_forms_it_promises():
    text = org_text(3000, seed=2)
    for form in (
        " not [",  # NotAction
        " on not ",  # NotResource
        "to account ",  # cross-account grant
        "aws:SourceVpce? ==",  # IfExists sugar
        "any aws:TagKeys",
        "all aws:TagKeys",
        "StringNotEqualsIfExists ",  # the full form
        "delegate ",
        "trust {",
        "boundary ",
        "attach ",
        "\n    rcp ",
        "\n    scp ",
        "member of ",
        'path "/',
        "tags {",
        "ou ",
    ):
        assert form in text, form


def test_split_files_hold_the_same_organization(tmp_path):
    whole = org_files(2000, seed=3, files=1)
    paths = write_org(tmp_path, statements=2000, seed=3, files=4)
    assert [p.name for p in paths] == ["main.iam", "part-001.iam", "part-002.iam", "part-003.iam"]
    assert paths[0].read_text().count("include ") == 3
    split = {p.name: p.read_text() for p in paths}
    assert _count(split) == 2000
    one = load_text(whole["main.iam"], "main.iam").model
    many = load_paths([paths[0]]).model
    assert many.statement_count() == one.statement_count()
    assert set(many.principals) == set(one.principals)
    assert set(many.resources) == set(one.resources)


def test_more_files_than_accounts_still_loads(tmp_path):
    paths = write_org(tmp_path, statements=10, seed=0, files=6)
    assert len(paths) == 6
    assert load_paths([paths[0]]).model.accounts


def test_files_default_to_one_per_ten_thousand_statements():
    assert list(org_files(500)) == ["main.iam"]
    assert len(org_files(25_000)) == 1 + 3


@pytest.mark.parametrize("bad", [{"statements": -1}, {"statements": 5, "files": 0}], ids=["negative-statements", "no-files"])
def test_rejects_impossible_requests(bad, tmp_path):
    with pytest.raises(ValueError):
        write_org(tmp_path, **bad)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_strategy_models_load(text):
    loaded = load_text(text, "drawn.iam")
    assert loaded.warnings == []
    assert loaded.model.accounts


# ---------------------------------------------------------------- the scale organization of the graph benchmarks


def test_scale_organization_declares_200_accounts_20000_roles_50000_resources():
    import re

    from iamdsl.testing import scale_org_files

    files = scale_org_files(seed=0)
    text = "".join(files.values())
    main = files["main.iam"]
    assert len(re.findall(r"^account acct\d{4}\b|^account management\b", main, re.M)) == 200
    assert len(re.findall(r"^role ", text, re.M)) == 20_000
    assert len(re.findall(r"^resource ", text, re.M)) == 50_000
    assert scale_org_files(seed=0)["part-003.iam"] == files["part-003.iam"]  # deterministic


def test_scale_sizes_load_without_warnings_and_write_the_statements_asked_for():
    from iamdsl.testing.generator import SCALE

    files = org_files(2_000, seed=3, files=1, accounts=3, sizes=SCALE)
    assert _count(files) == 2_000
    loaded = load_text(files["main.iam"], "org.iam")
    assert loaded.warnings == []
    model = loaded.model
    assert sum(1 for p in model.principals.values() if p.kind.value == "role") == 300
    assert len(model.resources) == 750
