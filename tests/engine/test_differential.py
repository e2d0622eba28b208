"""Replay the differential corpus: our engine must agree with an independent simulator.

`tests/differential/corpus.json` holds random scenarios (`tools/gen_corpus.py`)
decided by `@cloud-copilot/iam-simulate`, pinned.  Every row must come out
the same here, except rows covered by `tests/differential/exceptions.json`:
each entry names the rule or D-setting that explains the difference, a row
predicate (a feature of the scenario, defined below, and the outcomes on each
side), and the unit test of that rule.  An entry that covers no row fails, so the list
cannot outlive the differences it excuses.  No Node.js is needed here.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from iamdsl.engine.evaluate import Evaluator
from iamdsl.testing import scenario_gen
from iamdsl.testing.scenarios import scenario_from_data

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "differential" / "corpus.json"
EXCEPTIONS = ROOT / "tests" / "differential" / "exceptions.json"
OUTCOMES = ("allowed", "explicit_deny", "implicit_deny")

Row = dict[str, Any]


@functools.cache
def corpus() -> dict[str, Any]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))


@functools.cache
def rows() -> dict[str, Row]:
    return {row["id"]: row for row in scenario_gen.expand_corpus(corpus())}


@functools.cache
def exceptions() -> list[dict[str, Any]]:
    return json.loads(EXCEPTIONS.read_text(encoding="utf-8"))["exceptions"]


@functools.cache
def ours(row_id: str) -> str:
    row = rows()[row_id]
    scenario = scenario_from_data(row, row_id)
    return Evaluator(scenario.model, scenario.settings).evaluate(scenario.requests[0].request).outcome.value


def theirs(row: Row) -> str:
    return row["requests"][0]["expected"]


# ---------------------------------------------------------------- row features (the exception predicates)


def _documents(row: Row) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, document) for every policy document of the scenario."""
    for entity in row.get("principals", ()):
        for doc in entity.get("policies", ()):
            yield "identity", doc
        for where in ("boundary", "trust"):
            if entity.get(where) is not None:
                yield where, entity[where]
    for managed in row.get("managed_policies", ()):
        yield "identity", managed["document"]
    for resource in row.get("resources", ()):
        if resource.get("policy") is not None:
            yield "resource", resource["policy"]
    for endpoint in row.get("endpoints", ()):
        yield "endpoint", endpoint["policy"]
    organization = row.get("organization") or {}
    for kind in ("scps", "rcps"):
        for doc in organization.get(kind, {}).values():
            yield kind[:-1], doc
    for request in row["requests"]:
        if request.get("session_policy") is not None:
            yield "session", request["session_policy"]


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found = doc["Statement"]
    return found if isinstance(found, list) else [found]


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _conditions(row: Row) -> Iterator[tuple[str, str, Any]]:
    """(operator without its set prefix, key, value) of every condition in the scenario."""
    for _, doc in _documents(row):
        for statement in _statements(doc):
            for operator, block in (statement.get("Condition") or {}).items():
                base = operator.split(":", 1)[-1]
                for key, value in block.items():
                    for one in _values(value):
                        yield base, key, one


def _request(row: Row) -> dict[str, Any]:
    return row["requests"][0]


def _target_policy(row: Row) -> dict[str, Any] | None:
    """The resource policy of the requested resource: its own, or a role's trust policy."""
    request = _request(row)
    resource = request["resource"]
    for entry in row.get("resources", ()):
        if resource == entry["arn"] or resource.startswith(entry["arn"] + "/"):
            return entry.get("policy")
    for entity in row.get("principals", ()):
        if entity["type"] == "role" and scenario_gen.entity_arn(entity) == resource:
            return entity.get("trust")
    return None


def _aws_principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for p in _values(principal.get("AWS", []))]
    return []


def session_policy_with_direct_grant(row: Row) -> bool:
    """D1: a session with a session policy, and a same-account Allow naming the session ARN or everyone."""
    request = _request(row)
    caller = request["principal"]
    if caller["kind"] not in ("role-session", "federated-user") or request.get("session_policy") is None:
        return False
    if request.get("resource_account") != caller["account"]:
        return False
    policy = _target_policy(row)
    direct = {"*", scenario_gen.caller_arn(caller, row)}
    return policy is not None and any(
        s["Effect"] == "Allow" and direct & set(_aws_principals(s)) for s in _statements(policy)
    )


def deny_with_notprincipal(row: Row) -> bool:
    """D2: a resource-policy Deny with NotPrincipal."""
    return any(
        where in ("resource", "trust") and s["Effect"] == "Deny" and "NotPrincipal" in s
        for where, doc in _documents(row)
        for s in _statements(doc)
    )


def trust_names_user_with_boundary(row: Row) -> bool:
    """D4: sts:AssumeRole by a user with a boundary, whom the trust policy allows directly (its ARN, or "*")."""
    request = _request(row)
    caller = request["principal"]
    if request["action"].lower() != "sts:assumerole" or caller["kind"] != "user":
        return False
    user = scenario_gen.find_entity(row, caller["account"], caller["name"])
    policy = _target_policy(row)
    arn = scenario_gen.caller_arn(caller, row)
    return user.get("boundary") is not None and policy is not None and any(
        s["Effect"] == "Allow" and {arn, "*"} & set(_aws_principals(s)) for s in _statements(policy)
    )


def root_calls_assume_role(row: Row) -> bool:
    """R78: the root user calls sts:AssumeRole."""
    request = _request(row)
    return request["principal"]["kind"] == "root" and request["action"].lower() == "sts:assumerole"


def federated_user_calls_assume_role(row: Row) -> bool:
    """R78: a federated user (GetFederationToken) calls sts:AssumeRole."""
    request = _request(row)
    return request["principal"]["kind"] == "federated-user" and request["action"].lower() == "sts:assumerole"


_TYPE_WORD_WILDCARD = re.compile(r"^arn:[^:]*:iam:[^:]*:[^:]*:[^/:]*[*?]")


def wildcarded_iam_type_word(row: Row) -> bool:
    """R16f: a Resource or NotResource entry such as `arn:aws:iam::A:r*`."""
    return any(
        _TYPE_WORD_WILDCARD.match(str(entry))
        for _, doc in _documents(row)
        for s in _statements(doc)
        for element in ("Resource", "NotResource")
        for entry in _values(s.get(element, []))
    )


def variable_in_arn_condition(row: Row) -> bool:
    """R23 with R37: an Arn* condition value holding a policy variable (`${aws:PrincipalAccount}`)."""
    return any(op.startswith("Arn") and "${" in str(value) for op, _, value in _conditions(row))


def variable_under_old_version(row: Row) -> bool:
    """R12: `${...}` in a policy whose Version is not 2012-10-17, where it is literal text."""
    return any(doc.get("Version") != "2012-10-17" and "${" in json.dumps(doc["Statement"]) for _, doc in _documents(row))


def date_forms_mixed(row: Row) -> bool:
    """R33: a Date condition where one side is epoch seconds and the other an ISO 8601 date."""
    context = {k.lower(): v for k, v in scenario_gen.full_context(row, _request(row)).items()}
    for operator, key, value in _conditions(row):
        given = context.get(key.lower())
        if operator.startswith("Date") and isinstance(given, str) and str(value).isdigit() != given.isdigit():
            return True
    return False


def bare_address_of_other_family(row: Row) -> bool:
    """R36: NotIpAddress with a bare address (no /prefix) of the other IP family than the request's."""
    context = {k.lower(): v for k, v in scenario_gen.full_context(row, _request(row)).items()}
    for operator, key, value in _conditions(row):
        given = context.get(key.lower())
        if operator.startswith("NotIpAddress") and isinstance(given, str) and "/" not in str(value):
            if (":" in str(value)) != (":" in given):
                return True
    return False


FEATURES: dict[str, Callable[[Row], bool]] = {
    f.__name__: f
    for f in (
        session_policy_with_direct_grant,
        deny_with_notprincipal,
        trust_names_user_with_boundary,
        root_calls_assume_role,
        federated_user_calls_assume_role,
        wildcarded_iam_type_word,
        variable_in_arn_condition,
        variable_under_old_version,
        date_forms_mixed,
        bare_address_of_other_family,
    )
}


def covering(row_id: str) -> list[dict[str, Any]]:
    """The exception entries whose predicate holds for this row."""
    row = rows()[row_id]
    found = []
    for entry in exceptions():
        if ours(row_id) in entry["ours"] and theirs(row) in entry["theirs"] and FEATURES[entry["feature"]](row):
            found.append(entry)
    return found


# ---------------------------------------------------------------- the corpus itself


def test_corpus_is_pinned_large_and_mixed() -> None:
    data = corpus()
    assert data["simulator"] == "@cloud-copilot/iam-simulate"
    assert re.fullmatch(r"\d+\.\d+\.\d+", data["version"]), "the simulator version must be pinned exactly"
    mix = Counter(theirs(row) for row in rows().values())
    total = sum(mix.values())
    assert total >= 3000
    assert set(mix) <= set(OUTCOMES)
    assert mix["allowed"] >= 0.25 * total
    assert mix["explicit_deny"] >= 0.15 * total


def test_corpus_covers_every_caller_kind_and_policy_type() -> None:
    features = Counter(f for row in rows().values() for f in row.get("features", ()))
    for kind in ("user", "role-session", "federated-user", "root", "anonymous", "service"):
        assert features[f"caller:{kind}"], kind
    for policy in ("identity-inline", "identity-managed", "group", "boundary", "session", "resource", "trust", "scp", "rcp", "endpoint"):
        assert features[f"policy:{policy}"], policy
    for family in ("String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null", "IfExists", "ForAnyValue", "ForAllValues"):
        assert features[f"cond:{family}"], family
    assert features["same-account"] and features["cross-account"]


# ---------------------------------------------------------------- agreement, row by row


@pytest.mark.parametrize("row_id", sorted(rows()), ids=str)
def test_row_agrees_with_iam_simulate(row_id: str) -> None:
    row = rows()[row_id]
    if ours(row_id) == theirs(row):
        return
    assert covering(row_id), (
        f"{row_id}: our engine says {ours(row_id)}, iam-simulate {theirs(row)}, and no entry of "
        f"{EXCEPTIONS.name} explains it; decide from the rulebook which side is right"
    )


# ---------------------------------------------------------------- the exceptions list


@pytest.mark.parametrize("entry", exceptions(), ids=lambda e: e["id"])
def test_exception_is_well_formed(entry: dict[str, Any]) -> None:
    assert re.fullmatch(r"(R\d+[a-z]?|D\d+)", entry["rule"]), entry["rule"]
    assert entry["feature"] in FEATURES
    assert entry["ours"] and set(entry["ours"]) <= set(OUTCOMES)
    assert entry["theirs"] and set(entry["theirs"]) <= set(OUTCOMES)
    assert entry["why"] and entry["unit_test"]


@pytest.mark.parametrize("entry", exceptions(), ids=lambda e: e["id"])
def test_exception_still_matches_a_row(entry: dict[str, Any]) -> None:
    matched = [row_id for row_id, row in rows().items() if ours(row_id) != theirs(row) and entry in covering(row_id)]
    assert matched, f"{entry['id']} no longer matches any row of the corpus: remove it"


@functools.cache
def _collected(path: str) -> frozenset[str]:
    """Test ids pytest collects from one file (run apart, so this session is untouched)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", path],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    return frozenset(line.strip() for line in done.stdout.splitlines() if "::" in line)


@pytest.mark.parametrize("entry", exceptions(), ids=lambda e: e["id"])
def test_exception_names_an_existing_unit_test(entry: dict[str, Any]) -> None:
    path = entry["unit_test"].split("::", 1)[0]
    assert (ROOT / path).is_file(), path
    assert entry["unit_test"] in _collected(path), f"{entry['unit_test']} is not collected"
