"""Graph paths and names: the guide's `A.r --Allow--> B.root --Delegate--> B.SomeRole` (issue 4, items 1-2)."""

from __future__ import annotations

import pytest

from iamdsl.engine.request import Caller, CallerKind
from iamdsl.explain.names import Names
from iamdsl.explain.path import Edge, EdgeKind, EdgeState, Path, path_of

# (id, model fixture, who, action, resource, context, rendered path)
PATHS = [
    ("guide_allowed_through_account", "ecr", "B.SomeRole", "ecr:BatchGetImage", "A.repo", None,
     "A.repo --Allow--> B.root --Delegate--> B.SomeRole"),
    ("guide_identity_side_missing", "ecr", "B.OtherRole", "ecr:BatchGetImage", "A.repo", None,
     "A.repo --Allow--> B.root --x--> B.OtherRole"),
    ("action_on_star_has_no_resource_node", "ecr", "B.SomeRole", "ecr:GetAuthorizationToken", "*", None,
     "B.root --Delegate--> B.SomeRole"),
    ("action_on_star_missing", "ecr", "B.OtherRole", "ecr:GetAuthorizationToken", "*", None,
     "B.root --x--> B.OtherRole"),
    ("resource_side_missing", "world", "B.Ci", "s3:GetObject", "A.logs/x", None,
     "A.logs --x--> B.root --Delegate--> B.Ci"),
    ("same_account_grant_to_the_role", "world", "A.App", "kms:Decrypt", "A.key", None,
     "A.key --Allow--> A.App"),
    ("cross_account_trust_to_the_role_still_needs_delegation", "world", "B.Ci", "sts:AssumeRole", "A.Strict", None,
     "A.Strict --Trust--> B.Ci <--Delegate-- B.root"),
    ("both_sides_missing", "world", "B.Ci2", "sts:AssumeRole", "A.Strict", None,
     "A.Strict --x--> B.root --x--> B.Ci2"),
    ("trust_to_the_account", "world", "B.Ci", "sts:AssumeRole", "A.Deployer", None,
     "A.Deployer --Trust--> B.root --Delegate--> B.Ci"),
    ("same_account_identity_only", "world", "A.Reader", "s3:GetObject", "A.logs/x", None,
     "A.logs --OwnedBy--> A.root --Delegate--> A.Reader"),
    ("same_account_identity_missing", "world", "A.Reader", "s3:ListBucket", "A.logs", None,
     "A.logs --OwnedBy--> A.root --x--> A.Reader"),
    ("anonymous_public_object", "world", "anonymous", "s3:GetObject", "A.site/index.html", None,
     "A.site --Allow--> anonymous"),
    ("anonymous_without_grant", "world", "anonymous", "s3:GetObject", "A.logs/x", None,
     "A.logs --x--> anonymous"),
    ("service_principal", "world", "service sns.amazonaws.com", "sqs:SendMessage", "A.queue", None,
     "A.queue --Allow--> service sns.amazonaws.com"),
    ("root_user_in_its_own_account", "world", "A.root", "s3:GetObject", "A.logs/x", None,
     "A.logs --OwnedBy--> A.root (root user)"),
    ("root_user_of_another_account", "world", "B.root", "s3:GetObject", "A.logs/x", None,
     "A.logs --x--> B.root (root user)"),
    ("explicit_deny_cuts_the_path", "world", "A.Dev", "s3:DeleteBucket", "A.logs", None,
     "A.logs --OwnedBy--> A.root --Delegate--> A.Dev (blocked by a Deny in A.Dev's identity policy)"),
    ("scp_cuts_the_path", "world", "C.Dev", "iam:CreateUser", "*", None,
     "C.root --Delegate--> C.Dev (blocked by the SCPs at OU Sandbox)"),
    ("boundary_cuts_the_path", "world", "A.Capped", "s3:GetObject", "A.logs/x", None,
     "A.logs --OwnedBy--> A.root --Delegate--> A.Capped (blocked by the permissions boundary of A.Capped)"),
    ("conditional_edge_and_cut", "world", "A.Remote", "s3:GetObject", "A.logs/x", None,
     "A.logs --OwnedBy--> A.root --Delegate?--> A.Remote (blocked if a Deny in A.Remote's identity policy applies)"),
    ("context_given_makes_it_certain", "world", "A.Remote", "s3:GetObject", "A.logs/x",
     {"aws:SourceIp": "10.1.1.1", "aws:MultiFactorAuthPresent": "true"},
     "A.logs --OwnedBy--> A.root --Delegate--> A.Remote"),
]


@pytest.mark.parametrize(("fixture", "who", "action", "resource", "context", "expected"), [c[1:] for c in PATHS], ids=[c[0] for c in PATHS])
def test_path_renders_like_the_guide(request, ask, fixture, who, action, resource, context, expected) -> None:
    model = request.getfixturevalue(fixture)
    assert path_of(ask(model, who, action, resource, context), Names(model)).render() == expected


def test_missing_edge_is_data_with_its_kind_and_policy(ecr, ask) -> None:
    path = path_of(ask(ecr, "B.OtherRole", "ecr:BatchGetImage", "A.repo"), Names(ecr))
    assert [(e.source, e.kind, e.target, e.state) for e in path.edges] == [
        ("A.repo", EdgeKind.ALLOW, "B.root", EdgeState.PRESENT),
        ("B.root", EdgeKind.DELEGATE, "B.OtherRole", EdgeState.MISSING),
    ]
    assert path.edges[0].policy == "A.repo:policy"
    assert path.edges[0].span is not None and path.edges[0].span.line == 15
    assert not path.complete
    assert path.to_json()["edges"][1] == {
        "from": "B.root", "kind": "Delegate", "to": "B.OtherRole", "state": "missing", "policy": None, "location": None,
    }


def test_complete_path_names_the_statements_that_make_it(ecr, ask) -> None:
    path = path_of(ask(ecr, "B.SomeRole", "ecr:BatchGetImage", "A.repo"), Names(ecr))
    assert path.complete
    assert [e.to_json()["location"] for e in path.edges] == ["ecr_delegation.iam:15", "ecr_delegation.iam:19"]


def test_cuts_say_what_stops_the_path(world, ask) -> None:
    explicit = path_of(ask(world, "A.Dev", "s3:DeleteBucket", "A.logs"), Names(world))
    assert [(c.layer.value, c.explicit, c.conditional) for c in explicit.cuts] == [("identity", True, False)]
    scp = path_of(ask(world, "C.Dev", "iam:CreateUser", "*"), Names(world))
    assert [(c.layer.value, c.explicit) for c in scp.cuts] == [("scp", False)]


RENDERINGS = [
    ("chain", [Edge("a", EdgeKind.ALLOW, "b"), Edge("b", EdgeKind.DELEGATE, "c")], "a --Allow--> b --Delegate--> c"),
    ("edge_into_the_end_is_reversed", [Edge("a", EdgeKind.ALLOW, "c"), Edge("b", EdgeKind.DELEGATE, "c")], "a --Allow--> c <--Delegate-- b"),
    ("unconnected_edges_are_listed", [Edge("a", EdgeKind.ALLOW, "b"), Edge("x", EdgeKind.TRUST, "y")], "a --Allow--> b, x --Trust--> y"),
    ("missing_and_conditional", [Edge("a", EdgeKind.ALLOW, "b", EdgeState.MISSING), Edge("b", EdgeKind.DELEGATE, "c", EdgeState.CONDITIONAL)],
     "a --x--> b --Delegate?--> c"),
]


@pytest.mark.parametrize(("edges", "expected"), [c[1:] for c in RENDERINGS], ids=[c[0] for c in RENDERINGS])
def test_render_edge_vocabulary(edges, expected) -> None:
    assert Path(tuple(edges)).render() == expected


# ------------------------------------------------------------------ names

NAMES = [
    ("account_principal", "arn:aws:iam::222222222222:root", "B.root"),
    ("role", "arn:aws:iam::222222222222:role/SomeRole", "B.SomeRole"),
    ("resource", "arn:aws:ecr:us-east-1:111111111111:repository/app", "A.repo"),
    ("star", "*", "*"),
    ("unknown_arn_stays", "arn:aws:ecr:us-east-1:999999999999:repository/other", "arn:aws:ecr:us-east-1:999999999999:repository/other"),
    ("unknown_account_root_stays", "arn:aws:iam::999999999999:root", "arn:aws:iam::999999999999:root"),
    ("default_session_is_the_role", "arn:aws:sts::222222222222:assumed-role/SomeRole/iamdsl-session", "B.SomeRole"),
    ("named_session", "arn:aws:sts::222222222222:assumed-role/SomeRole/ci", "B.SomeRole (session ci)"),
]


@pytest.mark.parametrize(("arn", "expected"), [c[1:] for c in NAMES], ids=[c[0] for c in NAMES])
def test_names_of_arns(ecr, arn, expected) -> None:
    assert Names(ecr).of(arn) == expected


BUCKET_NAMES = [
    ("any_object", "arn:aws:s3:::acme-logs/*", "A.logs/*"),
    ("object_key_is_quoted", "arn:aws:s3:::acme-logs/2024/06/x.gz", 'A.logs/"2024/06/x.gz"'),
    ("bucket", "arn:aws:s3:::acme-logs", "A.logs"),
    ("managed_policy", "arn:aws:iam::111111111111:policy/Cap", "A.Cap"),
]


@pytest.mark.parametrize(("arn", "expected"), [c[1:] for c in BUCKET_NAMES], ids=[c[0] for c in BUCKET_NAMES])
def test_names_of_children_and_policies(world, arn, expected) -> None:
    assert Names(world).of(arn) == expected


def test_names_of_accounts_and_the_root_user(ecr) -> None:
    names = Names(ecr)
    assert names.account("222222222222") == "B"
    assert names.account("999999999999") == "999999999999"
    assert names.account_principal("222222222222") == "B.root"
    root = Caller(CallerKind.ROOT, account="222222222222", arn="arn:aws:iam::222222222222:root")
    assert names.caller(root) == "B.root (root user)"


def test_humanize_puts_names_into_engine_sentences(ecr) -> None:
    text = "a cross-account request from 222222222222 to 111111111111 needs arn:aws:iam::222222222222:role/OtherRole."
    assert Names(ecr).humanize(text) == "a cross-account request from B to A needs B.OtherRole."
    label = "no identity policy of B.OtherRole (session iamdsl-session) allows ecr:BatchGetImage"
    assert Names(ecr).humanize(label) == "no identity policy of B.OtherRole allows ecr:BatchGetImage"
