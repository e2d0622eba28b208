"""`how can P reach R`, and `can` when a request is denied directly but a path reaches it (issue #6 item 3)."""

from __future__ import annotations

import json

import iamdsl
import pytest

from iamdsl.answers import answer
from iamdsl.graph.become import actor_for
from iamdsl.graph.paths import PathFinder

MODEL = """
account A 111111111111

resource A.bucket : s3:bucket "chain-data"

role A.Reader {
    trust { allow assume to account A }
    allow s3:GetObject on A.bucket/*
}
role A.Dev { allow assume on A.Reader }
role A.MfaDev { allow assume on A.Reader when aws:MultiFactorAuthPresent is true }
role A.Hop1 { allow assume on A.Hop2 }
role A.Hop2 { trust { allow assume to account A } allow assume on A.Hop3 }
role A.Hop3 { trust { allow assume to account A } allow assume on A.Reader }
role A.FnAdmin {
    trust { allow assume to service lambda.amazonaws.com }
    allow s3:* on A.bucket/*
}
user A.eve {
    allow iam:PassRole on A.FnAdmin
    allow lambda:CreateFunction, lambda:InvokeFunction on *
}
role A.SelfEditor { allow iam:PutRolePolicy on A.SelfEditor }
role A.Nobody
"""


@pytest.fixture(scope="module")
def model():
    return iamdsl.loads(MODEL)


def _paths(model, start: str, target: str, **options):
    finder = PathFinder(model)
    return finder.how_can(actor_for(model, start), target, **options)


def _texts(model, query: str) -> str:
    return answer(model, query)[0]


def test_an_assume_role_hop_reaches_what_the_role_can(model) -> None:
    found = _paths(model, "A.Dev", model.resources["A.bucket"].arn)
    assert [[(e.source, e.kind.value, e.target) for e in p.edges] for p in found.paths] == [[("A.Dev", "AssumeRole", "A.Reader")]]
    assert found.paths[0].arrival.holder == "A.Reader"
    assert found.paths[0].arrival.allowed == ("s3:GetObject",)


def test_a_conditional_edge_makes_the_path_conditional_and_says_when(model) -> None:
    text = _texts(model, "how can A.MfaDev reach A.bucket")
    assert "? A.MfaDev --AssumeRole?--> A.Reader ==> A.bucket: s3:GetObject" in text
    assert "when aws:MultiFactorAuthPresent is true" in text


def test_the_depth_limit_bounds_the_paths(model) -> None:
    arn = model.resources["A.bucket"].arn
    assert _paths(model, "A.Hop1", arn, depth=2).paths == []
    (path,) = _paths(model, "A.Hop1", arn, depth=3).paths
    assert [e.target for e in path.edges] == ["A.Hop2", "A.Hop3", "A.Reader"]


def test_pass_role_is_a_step_of_a_path(model) -> None:
    text = _texts(model, "how can A.eve reach A.bucket")
    assert "A.eve --PassRole(lambda.amazonaws.com)--> A.FnAdmin ==> A.bucket:" in text


def test_a_principal_that_edits_its_own_policies_reaches_whatever_its_guardrails_allow(model) -> None:
    (path,) = _paths(model, "A.SelfEditor", model.resources["A.bucket"].arn).paths
    assert path.edges == () and path.arrival.escalated_by == "A.SelfEditor"
    assert "s3:GetObject" in path.arrival.allowed
    assert "(after A.SelfEditor edits its own policies)" in _texts(model, "how can A.SelfEditor reach A.bucket")


def test_reaching_a_role_means_becoming_it(model) -> None:
    text = _texts(model, "how can A.Hop1 reach A.Reader")
    assert "1. ✓ A.Hop1 --AssumeRole--> A.Hop2 --AssumeRole--> A.Hop3 --AssumeRole--> A.Reader" in text
    assert "0 paths" in _texts(model, "how can A.Nobody reach A.Reader")


def test_no_path_says_so(model) -> None:
    text, code = answer(model, "how can A.Nobody reach A.bucket")
    assert code == 0
    assert "none: no path of at most 4 steps" in text


def test_how_can_as_json_lists_each_edge_with_its_conditions(model) -> None:
    document = json.loads(answer(model, "how can A.MfaDev reach A.bucket", fmt="json")[0])
    assert document["schema"] == "iamdsl/how-can/v1"
    (path,) = document["paths"]
    assert path["conditional"] is True
    assert path["edges"][0]["kind"] == "AssumeRole" and path["edges"][0]["conditional"] is True
    assert path["conditions"] == [{"Bool": {"aws:MultiFactorAuthPresent": "true"}}]
    assert path["arrival"] == {"principal": "A.Reader", "is_target": False, "allowed": ["s3:GetObject"], "conditional": [], "escalated_by": None}


def test_a_denied_can_says_when_a_path_reaches_the_access(model) -> None:
    text, code = answer(model, "can A.Dev s3:GetObject A.bucket/*")
    assert code == 1  # the request itself is denied
    assert "DENIED (implicit)" in text
    assert "but reachable through a path (`how can` lists them):" in text
    assert "✓ A.Dev --AssumeRole--> A.Reader ==> A.bucket/*: s3:GetObject" in text


def test_a_denied_can_with_no_way_round_says_nothing_more(model) -> None:
    text, _ = answer(model, "can A.Nobody s3:GetObject A.bucket/*")
    assert "reachable" not in text
    document = json.loads(answer(model, "can A.Nobody s3:GetObject A.bucket/*", fmt="json")[0])
    assert document["reachable_through"] == []


def test_a_denied_can_lists_the_paths_in_json(model) -> None:
    document = json.loads(answer(model, "can A.eve s3:PutObject A.bucket/*", fmt="json")[0])
    (path,) = document["reachable_through"]
    assert [e["kind"] for e in path["edges"]] == ["PassRole"]
    assert path["arrival"]["allowed"] == ["s3:PutObject"]


def test_a_path_needs_every_action_of_the_verb(model) -> None:
    # A.Reader can only s3:GetObject, so `write` is not reached through it
    text, code = answer(model, "can A.Dev write A.bucket")
    assert code == 1
    assert "reachable" not in text


def test_who_can_also_lists_principals_that_reach_through_others(model) -> None:
    text = _texts(model, "who can s3:GetObject A.bucket/*")
    direct, _, indirect = text.partition("through other principals")
    assert "✓ A.Reader  ALLOWED" in direct and "A.Dev" not in direct  # the direct answer is `can`'s (property-tested)
    assert "path: A.Dev --AssumeRole--> A.Reader ==> A.bucket/*: s3:GetObject" in indirect
    assert "path: A.Hop1 --AssumeRole--> A.Hop2 --AssumeRole--> A.Hop3 --AssumeRole--> A.Reader" in indirect
    assert "? A.MfaDev" in indirect and "when aws:MultiFactorAuthPresent is true" in indirect
    assert "A.Nobody" not in text


def test_who_can_as_json_lists_the_indirect_principals_with_their_paths(model) -> None:
    document = json.loads(answer(model, "who can s3:GetObject A.bucket/*", fmt="json")[0])
    indirect = {entry["name"]: entry for entry in document["through_others"]}
    assert [e["kind"] for e in indirect["A.eve"]["edges"]] == ["PassRole"]
    assert indirect["A.Dev"]["arrival"]["principal"] == "A.Reader"
    assert {p["name"] for p in document["principals"]} == {"A.Reader", "A.FnAdmin", "A.root"}


def test_the_query_command_takes_a_depth(tmp_path, capsys) -> None:
    from iamdsl.cli import main

    path = tmp_path / "chain.iam"
    path.write_text(MODEL, encoding="utf-8")
    assert main(["query", "--no-cache", str(path), "how can A.Hop1 reach A.bucket", "--depth", "2"]) == 0
    assert "0 paths (at most 2 steps)" in capsys.readouterr().out
    assert main(["query", "--no-cache", str(path), "how can A.Hop1 reach A.bucket", "--depth", "3"]) == 0
    assert "1 path (at most 3 steps)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:
        main(["query", str(path), "how can A.Hop1 reach A.bucket", "--depth", "many"])
    assert bad.value.code == 2


def test_who_can_counts_a_crowd_of_partial_answers_instead_of_listing_each() -> None:
    text = "account A 111111111111\nresource A.repo : ecr:repository \"crowd\"\nrole A.Puller { allow pull on A.repo }\n"
    text += "".join(f"role A.Tok{i} {{ allow ecr:GetAuthorizationToken }}\n" for i in range(12))
    crowd = iamdsl.loads(text)
    rendered = answer(crowd, "who can pull A.repo")[0]
    assert "✓ A.Puller  ALLOWED" in rendered
    assert "~ 12 principals: PARTIAL: only ecr:GetAuthorizationToken (A.Tok0, A.Tok1, A.Tok2, …; --format json lists each)" in rendered
    assert "A.Tok5" not in rendered
    document = json.loads(answer(crowd, "who can pull A.repo", fmt="json")[0])
    partial = [p for p in document["principals"] if p["outcome"] == "partial"]
    assert len(partial) == 12
    assert all(p["allowed_actions"] == ["ecr:GetAuthorizationToken"] and p["path"] is None for p in partial)  # a crowd is not drawn
    assert next(p for p in document["principals"] if p["name"] == "A.Puller")["path"] == "A.repo --OwnedBy--> A.root --Delegate--> A.Puller"
