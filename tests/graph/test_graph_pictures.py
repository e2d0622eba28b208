"""Mermaid, DOT and JSON pictures: the guide's shape, conditional arrows, and escaping."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from xml.etree import ElementTree
from pathlib import Path

import jsonschema
import pytest

import iamdsl
from iamdsl.engine.context import Context
from iamdsl.graph.build import build_graph
from iamdsl.graph.elements import EdgeKind, GraphEdge, PermissionsGraph, Vertex, VertexKind
from iamdsl.interop.dot import quote, to_dot
from iamdsl.interop.graph_json import SCHEMA, graph_to_json
from iamdsl.interop.mermaid import escape, to_mermaid
from iamdsl.model import Condition

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ECR = EXAMPLES / "ecr_delegation.iam"
CICD = EXAMPLES / "cicd_oidc_chain.iam"
MFA = """
account A 111111111111
account B 222222222222
resource A.bucket : s3:bucket "acme-data" {
    allow read to account B when aws:MultiFactorAuthPresent is true
}
role B.Reader { allow read on A.bucket }
"""


def _mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """Node labels by Mermaid id, and (from, arrow, label, to) with labels for ids."""
    nodes = dict(re.findall(r'^\s*(\w+)\W{1,2}"([^"]*)"', text, flags=re.M))
    links = re.findall(r'^\s*(\w+) (-->|-\.->|==>)\|"([^"]*)"\| (\w+)$', text, flags=re.M)
    return nodes, [(nodes[a], arrow, label, nodes[b]) for a, arrow, label, b in links]


def _dot(text: str) -> list[tuple[str, str, str]]:
    return re.findall(r'^\s*"([^"]+)" -> "([^"]+)" \[label="([^"]*)"', text, flags=re.M)


def test_mermaid_draws_the_guides_shape():
    text = to_mermaid(build_graph(iamdsl.load(ECR)))
    assert text.startswith("flowchart LR\n")
    nodes, links = _mermaid(text)
    assert set(nodes.values()) == {"A.root", "A.repo", "B.root", "B.SomeRole", "B.OtherRole"}
    assert ("A.repo", "-->", "Allow: pull", "B.root") in links
    assert ("B.root", "-->", "Delegate: pull", "B.SomeRole") in links
    assert not [link for link in links if "B.OtherRole" in (link[0], link[3])]
    assert len(links) == 3  # and A's root user, who owns the repository
    assert 'subgraph account_0["account A"]' in text and 'subgraph account_1["account B"]' in text


def test_dot_draws_the_guides_shape():
    text = to_dot(build_graph(iamdsl.load(ECR)))
    edges = _dot(text)
    assert ("A.repo", "B.root", "Allow: pull") in edges
    assert ("B.root", "B.SomeRole", "Delegate: pull") in edges
    assert not [e for e in edges if "B.OtherRole" in e[:2]]
    assert re.search(r'^\s*"B.OtherRole" \[label="B.OtherRole"', text, flags=re.M)  # drawn, unconnected
    assert re.search(r'^\s*"A.repo" \[.*shape=cylinder', text, flags=re.M)


def test_conditional_arrows_are_dashed_with_their_conditions():
    model = iamdsl.loads(MFA)
    _, links = _mermaid(to_mermaid(build_graph(model)))
    assert ("A.bucket", "-.->", "Allow?: read<br/>when aws:MultiFactorAuthPresent is true", "B.root") in links
    assert ("B.root", "-->", "Delegate: read", "B.Reader") in links
    dot = to_dot(build_graph(model))
    line = next(line for line in dot.splitlines() if line.strip().startswith('"A.bucket" -> "B.root"'))
    assert 'label="Allow?: read\\nwhen aws:MultiFactorAuthPresent is true"' in line and 'style="dashed"' in line
    # with the condition settled by the context, the arrow is plain
    _, links = _mermaid(to_mermaid(build_graph(model, context=Context.of({"aws:MultiFactorAuthPresent": "true"}))))
    assert ("A.bucket", "-->", "Allow: read", "B.root") in links


def test_become_edges_are_drawn_thick_and_the_oidc_hop_conditional():
    _, links = _mermaid(to_mermaid(build_graph(iamdsl.load(CICD))))
    assert ("tooling.CiProduction", "==>", "AssumeRole", "prod.Deployer") in links
    assert ("prod.Deployer", "==>", "PassRole (ecs-tasks.amazonaws.com)", "prod.AppTask") in links
    hop = next(link for link in links if link[0] == "oidc token.actions.githubusercontent.com" and link[3] == "tooling.CiStaging")
    assert hop[1] == "-.->"
    assert "token.actions.githubusercontent.com:sub is like repo:acme/app:*" in hop[2]


def test_an_edge_with_conditional_actions_is_two_arrows():
    graph = PermissionsGraph()
    for name in ("A.root", "A.Auditor"):
        graph.add_vertex(Vertex(name, VertexKind.ACCOUNT if name.endswith("root") else VertexKind.ROLE, "A"))
    mfa = Condition(operator="Bool", key="aws:MultiFactorAuthPresent", values=("true",))
    graph.add_edge(GraphEdge("A.root", "A.Auditor", EdgeKind.DELEGATE, ("s3:GetObject",)))
    graph.add_edge(GraphEdge("A.root", "A.Auditor", EdgeKind.DELEGATE, ("s3:DeleteObject",), True, (mfa,)))
    (edge,) = graph.edges
    assert (edge.actions, edge.maybe, edge.conditional) == (("s3:GetObject",), ("s3:DeleteObject",), False)
    _, links = _mermaid(to_mermaid(graph))
    assert links == [
        ("A.root", "-->", "Delegate: s3:GetObject", "A.Auditor"),
        ("A.root", "-.->", "Delegate?: s3:DeleteObject<br/>when aws:MultiFactorAuthPresent is true", "A.Auditor"),
    ]


def test_long_action_lists_are_counted_on_the_arrow_and_listed_in_the_tooltip():
    graph = PermissionsGraph()
    graph.add_vertex(Vertex("A.b", VertexKind.RESOURCE, "A"))
    graph.add_vertex(Vertex("A.r", VertexKind.ROLE, "A"))
    actions = tuple(f"s3:Action{n}" for n in range(7))
    graph.add_edge(GraphEdge("A.b", "A.r", EdgeKind.ALLOW, actions))
    assert '"Allow: s3:Action0, s3:Action1, s3:Action2, s3:Action3, +3 more"' in to_mermaid(graph)
    assert "s3:Action6" in to_dot(graph)


AWKWARD = 'a "quoted" <b>name</b> # | ` & \\N back\\slash'


def _awkward_graph() -> PermissionsGraph:
    graph = PermissionsGraph()
    graph.add_vertex(Vertex(AWKWARD, VertexKind.RESOURCE, "A"))
    graph.add_vertex(Vertex("end", VertexKind.ROLE))
    graph.add_edge(GraphEdge(AWKWARD, "end", EdgeKind.ALLOW, (AWKWARD,)))
    return graph


def test_mermaid_labels_are_escaped():
    text = to_mermaid(_awkward_graph())
    assert escape('"<>#|`&') == "#quot;#lt;#gt;#35;#124;#96;#amp;"
    nodes, links = _mermaid(text)
    assert escape(AWKWARD) in nodes.values()
    assert "v_end" in nodes  # Mermaid's keyword is not an id
    assert len(links) == 1


def test_dot_strings_are_quoted_and_graphviz_reads_them():
    assert quote('say "hi" \\N') == '"say \\"hi\\" \\\\N"'
    text = to_dot(_awkward_graph())
    if shutil.which("dot") is None:
        pytest.fail("this test needs Graphviz's dot; `.ci/run` installs it (apt-get install graphviz)")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True)
    texts = ["".join(t.itertext()) for t in ElementTree.fromstring(done.stdout).iter("{http://www.w3.org/2000/svg}text")]
    assert AWKWARD in texts  # the label came through as written: quotes kept, `\\N` not taken for the node's name
    assert "Allow: " + AWKWARD in texts


def test_json_lists_vertices_and_edges_with_conditions():
    document = graph_to_json(build_graph(iamdsl.loads(MFA)))
    json.dumps(document)  # plain data
    assert document["schema"] == SCHEMA
    assert {v["id"] for v in document["vertices"]} == {"A.root", "A.bucket", "B.root", "B.Reader"}
    (edge,) = [e for e in document["edges"] if e["from"] == "A.bucket" and e["to"] == "B.root"]
    assert edge["kind"] == "Allow" and edge["actions"] == ["read"] and edge["conditional"] is True
    assert edge["conditions"] == [{"text": "aws:MultiFactorAuthPresent is true", "iam": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.iam")), ids=lambda p: p.name)
def test_json_follows_its_schema(path):
    schema = json.loads((ROOT / "docs" / "schemas" / "graph.v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(graph_to_json(build_graph(iamdsl.load(path))), schema)
