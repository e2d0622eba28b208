"""The Permissions Graph's data: the guide's shape, conditions, context, filters, and completeness."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

import iamdsl
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator
from iamdsl.graph.access import principal_access, principals
from iamdsl.graph.build import UnknownVertex, build_graph
from iamdsl.graph.elements import EdgeKind, GraphEdge, PermissionsGraph, VertexKind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ECR = EXAMPLES / "ecr_delegation.iam"
CICD = EXAMPLES / "cicd_oidc_chain.iam"
OIDC = "oidc arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
ACCESS = (EdgeKind.ALLOW, EdgeKind.TRUST, EdgeKind.DELEGATE, EdgeKind.OWNED_BY)

# Conditions of every kind an edge can carry: an MFA-only cross-account grant, a grant
# to anyone from one network, and an identity policy whose delete needs MFA.
CONDITIONAL = """
account A 111111111111
account B 222222222222
account C 333333333333 external

resource A.bucket : s3:bucket "acme-data" {
    allow read to account B when aws:MultiFactorAuthPresent is true
    allow s3:GetObject on A.bucket/* to account C
    allow s3:ListBucket to anyone when aws:SourceIp in 10.0.0.0/8
}

role B.Reader {
    allow read on A.bucket
}

role A.Auditor {
    allow s3:GetObject on A.bucket/*
    allow s3:DeleteObject on A.bucket/* when aws:MultiFactorAuthPresent is true
}

group A.Devs {
    allow s3:ListBucket on A.bucket
}
user A.alice { member of A.Devs }
"""


def _edges(graph: PermissionsGraph, kinds=None) -> dict[tuple[str, str, str], GraphEdge]:
    return {(e.source, e.kind.value, e.target): e for e in graph.edges if kinds is None or e.kind in kinds}


def _keys(condition_list) -> set[str]:
    return {c.key for c in condition_list}


# ---------------------------------------------------------------- the guide's example


def test_ecr_delegation_has_the_guides_shape():
    graph = build_graph(iamdsl.load(ECR))
    edges = _edges(graph, ACCESS)
    assert edges[("A.repo", "Allow", "B.root")].actions == ("pull",)
    assert edges[("B.root", "Delegate", "B.SomeRole")].actions == ("pull",)
    assert not any(target == "B.OtherRole" for _, _, target in edges)
    assert graph.in_edges("B.OtherRole") == [] and graph.out_edges("B.OtherRole") == []
    # the only other access: A's root user, which owns the repository
    assert set(edges) == {("A.repo", "Allow", "B.root"), ("B.root", "Delegate", "B.SomeRole"), ("A.repo", "OwnedBy", "A.root")}
    assert not any(e.conditional for e in graph.edges)


def test_every_declared_thing_is_a_vertex_of_its_kind():
    graph = build_graph(iamdsl.load(ECR))
    kinds = {v.id: v.kind for v in graph.vertices.values()}
    assert kinds == {
        "A.root": VertexKind.ACCOUNT, "A.repo": VertexKind.RESOURCE,
        "B.root": VertexKind.ACCOUNT, "B.SomeRole": VertexKind.ROLE, "B.OtherRole": VertexKind.ROLE,
    }
    assert graph.vertices["A.repo"].arn == "arn:aws:ecr:us-east-1:111111111111:repository/app"


def test_edges_name_the_statement_that_makes_them():
    graph = build_graph(iamdsl.load(ECR))
    edges = _edges(graph)
    allow, delegate = edges[("A.repo", "Allow", "B.root")], edges[("B.root", "Delegate", "B.SomeRole")]
    assert (allow.policy, allow.span.line) == ("A.repo:policy", 15)
    assert (delegate.policy, delegate.span.line) == ("B.SomeRole:inline", 19)


def test_granting_the_missing_half_adds_the_edge():
    text = ECR.read_text() + "\nrole B.OtherRole { allow pull on A.repo }\n"
    edges = _edges(build_graph(iamdsl.loads(text)), ACCESS)
    assert edges[("B.root", "Delegate", "B.OtherRole")].actions == ("pull",)


# ---------------------------------------------------------------- conditions and context


def test_conditional_edges_carry_their_conditions():
    graph = build_graph(iamdsl.loads(CONDITIONAL))
    edges = _edges(graph)
    mfa = edges[("A.bucket", "Allow", "B.root")]
    assert mfa.conditional and mfa.actions == ("read",)
    assert _keys(mfa.conditions) == {"aws:MultiFactorAuthPresent"}
    # B's own side holds in every context: only the resource side is conditional
    assert not edges[("B.root", "Delegate", "B.Reader")].conditional
    public = edges[("A.bucket", "Allow", "anyone")]
    assert public.conditional and public.actions == ("list",) and _keys(public.conditions) == {"aws:SourceIp"}
    assert graph.vertices["anyone"].kind is VertexKind.ANONYMOUS


def test_an_edge_can_hold_always_and_carry_more_under_conditions():
    edges = _edges(build_graph(iamdsl.loads(CONDITIONAL)))
    auditor = edges[("A.root", "Delegate", "A.Auditor")]
    assert not auditor.conditional
    assert auditor.actions == ("s3:GetObject",)
    assert auditor.maybe == ("s3:DeleteObject",)
    assert _keys(auditor.conditions) == {"aws:MultiFactorAuthPresent"}


def test_a_context_makes_edges_plain_or_removes_them():
    model = iamdsl.loads(CONDITIONAL)
    yes = _edges(build_graph(model, context=Context.of({"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "10.1.2.3"})))
    assert not yes[("A.bucket", "Allow", "B.root")].conditional
    assert not yes[("A.bucket", "Allow", "anyone")].conditional
    both = yes[("A.root", "Delegate", "A.Auditor")]
    assert set(both.actions) == {"s3:GetObject", "s3:DeleteObject"} and both.maybe == () and both.conditions == ()
    no = _edges(build_graph(model, context=Context.of({"aws:MultiFactorAuthPresent": "false", "aws:SourceIp": "192.0.2.1"})))
    assert ("A.bucket", "Allow", "B.root") not in no
    assert ("A.bucket", "Allow", "anyone") not in no
    assert no[("A.root", "Delegate", "A.Auditor")].maybe == ()


def test_open_accounts_and_groups():
    graph = build_graph(iamdsl.loads(CONDITIONAL))
    assert graph.vertices["C.root"].kind is VertexKind.OPEN
    edges = _edges(graph)
    assert edges[("A.bucket", "Allow", "C.root")].actions == ("s3:GetObject",)
    assert ("A.Devs", "Member", "A.alice") in edges
    # alice's access comes from her group's policy: the owner's IAM decides, within one account
    assert edges[("A.root", "Delegate", "A.alice")].actions == ("list",)
    assert not edges[("A.root", "Delegate", "A.alice")].conditional


# ---------------------------------------------------------------- principal-to-principal edges


def test_the_cicd_chain_has_its_become_edges():
    edges = _edges(build_graph(iamdsl.load(CICD)))
    assert ("tooling.CiStaging", "AssumeRole", "staging.Deployer") in edges
    assert ("tooling.CiProduction", "AssumeRole", "prod.Deployer") in edges
    assert ("tooling.CiStaging", "AssumeRole", "prod.Deployer") not in edges  # prod's trust policy says no
    assert edges[("prod.Deployer", "PassRole", "prod.AppTask")].via == "ecs-tasks.amazonaws.com"
    first_hop = edges[(OIDC, "AssumeRole", "tooling.CiStaging")]
    assert first_hop.conditional
    assert "token.actions.githubusercontent.com:sub" in _keys(first_hop.conditions)


def test_an_oidc_sub_claim_decides_the_first_hop():
    model = iamdsl.load(CICD)
    pull_request = Context.of({
        "token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request",
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    })
    edges = _edges(build_graph(model, context=pull_request))
    assert not edges[(OIDC, "AssumeRole", "tooling.CiStaging")].conditional
    assert (OIDC, "AssumeRole", "tooling.CiProduction") not in edges  # a pull request is not the production environment


# ---------------------------------------------------------------- filters


def test_a_principal_filter_follows_whom_it_can_become():
    graph = build_graph(iamdsl.load(CICD), principals=["tooling.CiProduction"])
    edges = _edges(graph)
    assert ("tooling.CiProduction", "AssumeRole", "prod.Deployer") in edges
    assert ("prod.Deployer", "PassRole", "prod.AppTask") in edges
    assert ("prod.root", "Delegate", "prod.AppTask") in edges  # what the reached principals can do
    assert "tooling.CiStaging" not in graph.vertices and "staging.Deployer" not in graph.vertices


def test_a_resource_filter_keeps_who_reaches_it():
    graph = build_graph(iamdsl.load(CICD), resources=["prod.app_service"])
    edges = _edges(graph)
    assert ("prod.root", "Delegate", "prod.Deployer") in edges
    assert ("tooling.CiProduction", "AssumeRole", "prod.Deployer") in edges  # who can become someone who reaches it
    assert "tooling.app_images" not in graph.vertices and "staging.Deployer" not in graph.vertices


def test_unknown_filter_names_are_errors_with_a_suggestion():
    model = iamdsl.load(ECR)
    with pytest.raises(UnknownVertex) as raised:
        build_graph(model, principals=["B.SomeRol"])
    assert raised.value.diagnostics[0].help == "did you mean `B.SomeRole`?"
    with pytest.raises(UnknownVertex, match="unknown resource `A.rep`"):
        build_graph(model, resources=["A.rep"])


# ---------------------------------------------------------------- the graph agrees with the engine


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.iam")), ids=lambda p: p.name)
def test_every_access_the_engine_allows_has_a_path_in_the_graph(path):
    """Completeness: a principal allowed anything on a resource is reached from it along access edges."""
    model = iamdsl.load(path)
    evaluator = Evaluator(model)
    graph = build_graph(model, evaluator=evaluator)
    following: dict[str, set[str]] = defaultdict(set)
    for edge in graph.edges:
        if edge.kind in ACCESS:
            following[edge.source].add(edge.target)
    vertex_of = {name: ("anyone" if name == "anonymous" else name) for name, _ in principals(model)}
    for resource in model.resources.values():
        reached, todo = {resource.qualified_name}, [resource.qualified_name]
        while todo:
            for nxt in following[todo.pop()] - reached:
                reached.add(nxt)
                todo.append(nxt)
        for name, caller in principals(model):
            found = principal_access(model, name, caller, resource=resource.arn, evaluator=evaluator)
            if found.allowed or found.conditional:
                assert vertex_of[name] in reached, f"{name} can act on {resource.qualified_name}, but the graph has no path"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.iam")), ids=lambda p: p.name)
def test_edges_join_vertices_of_the_graph(path):
    graph = build_graph(iamdsl.load(path))
    for edge in graph.edges:
        assert edge.source in graph.vertices and edge.target in graph.vertices
        assert edge.source != edge.target or edge.kind is EdgeKind.EDIT_POLICY  # editing one's own policies escalates
        assert edge.actions or edge.maybe or edge.kind is EdgeKind.MEMBER or edge.kind.becomes or edge.kind is EdgeKind.EDIT_POLICY
