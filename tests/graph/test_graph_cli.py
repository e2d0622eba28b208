"""`iamdsl graph` on the command line, and `:graph` in the REPL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamdsl.cli import main
from iamdsl.repl.session import Session

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ECR = str(EXAMPLES / "ecr_delegation.iam")
PUBLIC = """
account A 111111111111
account B 222222222222
resource A.bucket : s3:bucket "acme-data" {
    allow read to account B when aws:MultiFactorAuthPresent is true
    allow s3:ListBucket to anyone when aws:SourceIp in 10.0.0.0/8
}
role B.Reader { allow read on A.bucket }
"""


@pytest.fixture
def public(tmp_path: Path) -> str:
    path = tmp_path / "public.iam"
    path.write_text(PUBLIC, encoding="utf-8")
    return str(path)


def _graph(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["graph", *args, "--no-cache"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_mermaid_is_the_default(capsys):
    code, out, err = _graph(capsys, ECR)
    assert code == 0 and err == ""
    assert out.startswith("flowchart LR\n")
    assert '    A_repo -->|"Allow: pull"| B_root\n' in out
    assert '    B_root -->|"Delegate: pull"| B_SomeRole\n' in out


def test_output_goes_to_a_file_when_asked(tmp_path, capsys):
    target = tmp_path / "out" / "graph.dot"
    code, out, _ = _graph(capsys, ECR, "--format", "dot", "-o", str(target))
    assert code == 0 and out == ""
    _, shown, _ = _graph(capsys, ECR, "--format", "dot")
    assert target.read_text(encoding="utf-8") == shown
    assert [p.name for p in target.parent.iterdir()] == ["graph.dot"]  # no temporary file left behind


def test_json_format(capsys):
    code, out, _ = _graph(capsys, ECR, "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["schema"] == "iamdsl/graph/v1"
    assert {"from": "A.repo", "to": "B.root", "kind": "Allow"}.items() <= document["edges"][0].items()


def test_context_options_settle_conditions(public, capsys):
    _, unknown, _ = _graph(capsys, public)
    assert '-.->|"Allow?: read<br/>when aws:MultiFactorAuthPresent is true"| B_root' in unknown
    assert '-.->|"Allow?: list<br/>when aws:SourceIp is in 10.0.0.0/8"| anyone' in unknown
    _, given, _ = _graph(capsys, public, "--with", "aws:MultiFactorAuthPresent=true", "--without", "aws:SourceIp")
    assert 'A_bucket -->|"Allow: read"| B_root' in given
    assert "| anyone\n" not in given  # no edge reaches anyone when the request has no source IP
    assert '    anyone(("anyone"))\n' in given  # the vertex stays: the policy names it


def test_filters(capsys):
    code, out, _ = _graph(capsys, ECR, "--principal", "B.SomeRole")
    assert code == 0 and "B_OtherRole" not in out and "A_root" not in out
    assert 'B_root -->|"Delegate: pull"| B_SomeRole' in out


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["--principal", "B.SomeRol"], "unknown principal `B.SomeRol`", "did you mean `B.SomeRole`?"),
        (["--resource", "A.rep"], "unknown resource `A.rep`", "did you mean `A.repo`?"),
    ],
    ids=["principal", "resource"],
)
def test_unknown_names_are_bad_input(capsys, args, message, hint):
    code, out, err = _graph(capsys, ECR, *args)
    assert code == 2 and out == ""
    assert message in err and f"help: {hint}" in err
    code, out, _ = _graph(capsys, ECR, *args, "--format", "json")
    document = json.loads(out)
    assert code == 2 and document["valid"] is False
    assert document["diagnostics"][0]["message"] == message


def test_a_malformed_with_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["graph", ECR, "--with", "MultiFactor"])
    assert raised.value.code == 2
    assert "is not KEY=VALUE" in capsys.readouterr().err


def test_an_invalid_model_is_a_located_error(tmp_path, capsys):
    broken = tmp_path / "broken.iam"
    broken.write_text("account A 111111111111\nrole A.X { allow pull on A.nope }\n", encoding="utf-8")
    code, out, err = _graph(capsys, str(broken))
    assert code == 2 and out == ""
    assert "broken.iam:2:" in err


# ---------------------------------------------------------------- the REPL


def test_repl_graph_draws_the_model_with_its_changes():
    session = Session([ECR])
    shown = session.execute(":graph")
    assert shown.ok and shown.text.startswith("flowchart LR")
    assert "B_OtherRole -" not in shown.text and "| B_OtherRole" not in shown.text
    assert session.execute("role B.OtherRole { allow pull on A.repo }").ok
    changed = session.execute(":graph")
    assert 'B_root -->|"Delegate: pull"| B_OtherRole' in changed.text


def test_repl_graph_formats_and_names():
    session = Session([ECR])
    assert session.execute(":graph dot").text.startswith('digraph "permissions" {')
    assert json.loads(session.execute(":graph json").text)["schema"] == "iamdsl/graph/v1"
    only = session.execute(":graph A.repo").text
    assert "A_repo" in only and "B_OtherRole" not in only
    wrong = session.execute(":graph B.SomeRol")
    assert not wrong.ok and wrong.text == "error: unknown principal `B.SomeRol`\nhelp: did you mean `B.SomeRole`?"


def test_repl_graph_with_an_unknown_format_names_the_formats():
    wrong = Session([ECR]).execute(":graph png")
    assert not wrong.ok
    assert wrong.text.startswith("error: unknown principal `png`\nhelp: the first word may be a format (mermaid, dot, json;")
