"""Golden files for diagnostics: one case per code, rendered exactly as users see them.

Each `tests/golden/errors/<CODE>_<slug>.iam` is loaded from inside that
directory (so paths in the output read `E010_unknown_name.iam:6:19`), and its
rendering is compared with `<CODE>_<slug>.txt`.  Run pytest with
`--update-goldens` to rewrite the .txt files after a deliberate change, and
read the diff before committing it.

The CLI tests at the end check the other two ways errors reach people:
`--format json`, and `python -m iamdsl` never showing a traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iamdsl.cli import main
from iamdsl.language.errors import CODES, Diagnostic, IamdslError, Severity, render_text
from iamdsl.language.loader import load_paths, load_text

GOLDEN_DIR = Path(__file__).parent / "golden" / "errors"
CASES = sorted(GOLDEN_DIR.glob("[EW][0-9][0-9][0-9]_*.iam"))

# Codes the loader can emit: each needs at least one golden case.
EMITTABLE = {
    "E001", "E002", "E003", "E004",
    "E010", "E011", "E012", "E013", "E014", "E015", "E016", "E017", "E018",
    "E020", "E021", "E022", "E023", "E024", "E025", "E026",
    "E030", "E031", "E032", "E033", "E034", "E035", "E036", "E037", "E038", "E039", "E040",
    "W101", "W102", "W103", "W104", "W105", "W106", "W107", "W108", "W109", "W110",
}  # fmt: skip

# Codes no input to the loader can produce, and why.
UNREACHABLE = {
    "E000": "NotSupportedError is for requests iamdsl cannot decide yet; nothing in the loader raises it",
    "T001": "a failed expectation, reported by `iamdsl check` after loading: tests/test_check_cli.py",
    **{
        code: "found by `iamdsl export` in a model that loaded: tests/interop/test_export_checks.py"
        for code in ("X001", "X002", "X101", "X102", "X103")
    },
    **{
        code: "found by `iamdsl import` in AWS CLI output, not in .iam files: tests/interop/test_import_errors.py"
        for code in ("E050", "E051", "W120", "W121")
    },
}

# Messages start lowercase, except where they start with a name IAM spells with a capital.
_PROPER_NOUNS = {"IAM", "Allow", "Effect", "NotPrincipal", "Null", "RCPFullAWSAccess"}


def _load(case: Path) -> tuple[list[Diagnostic], dict[str, str], bool]:
    """Diagnostics, sources, and whether the load failed."""
    try:
        loaded = load_paths([case.name])
    except IamdslError as error:
        return error.diagnostics, error.sources, True
    return list(loaded.diagnostics), loaded.sources, False


def _render(case: Path) -> str:
    diagnostics, sources, _ = _load(case)
    return render_text(diagnostics, sources) + "\n"


def _code(case: Path) -> str:
    return case.name[:4]


@pytest.fixture
def in_golden_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN_DIR)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rendering_matches_golden(case: Path, in_golden_dir: None, update_goldens: bool) -> None:
    actual = _render(case)
    expected_path = case.with_suffix(".txt")
    if update_goldens:
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"no golden for {case.name}; run pytest with --update-goldens"
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_shows_its_code_located_with_caret(case: Path, in_golden_dir: None) -> None:
    """The finding a case is named after is there, located, drawn and worded right."""
    diagnostics, sources, failed = _load(case)
    code = _code(case)
    matching = [d for d in diagnostics if d.code == code]
    assert matching, f"{case.name} does not produce {code}: {[d.code for d in diagnostics]}"
    # An error case fails to load; a warning case loads, with warnings only.
    assert failed is code.startswith("E")
    for diagnostic in matching:
        assert diagnostic.severity is (Severity.ERROR if code.startswith("E") else Severity.WARNING)
        assert diagnostic.span is not None
        assert diagnostic.span.file in sources
        rendered = render_text([diagnostic], sources)
        first, _, rest = rendered.partition("\n")
        span = diagnostic.span
        assert first.startswith(f"{span.file}:{span.line}:{span.column}: {diagnostic.severity.value}[{code}]: ")
        source_line = sources[span.file].splitlines()[span.line - 1]
        assert f" | {source_line}" in rest
        assert re.search(r"\|\s*\^+$", rest, re.MULTILINE)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_messages_keep_the_house_tone(case: Path, in_golden_dir: None) -> None:
    """Lowercase, no trailing period; the fix goes in `help`."""
    diagnostics, _, _ = _load(case)
    for diagnostic in diagnostics:
        message = diagnostic.message
        first_word = message.split(" ", 1)[0]
        assert message[0] in "`'\"" or message[0].islower() or first_word in _PROPER_NOUNS, message
        assert not message.endswith("."), message
        if diagnostic.help is not None:
            assert not diagnostic.help.endswith("."), diagnostic.help


def test_every_emittable_code_has_a_golden() -> None:
    assert set(UNREACHABLE).isdisjoint(EMITTABLE)
    assert EMITTABLE | set(UNREACHABLE) == set(CODES), "decide whether each new code is emittable"
    covered = {_code(c) for c in CASES}
    assert covered - set(CODES) == set(), "golden names a code that does not exist"
    assert EMITTABLE - covered == set(), "emittable codes without a golden case"


def test_every_code_in_the_source_is_in_the_table() -> None:
    package = Path(__file__).parents[1] / "iamdsl"
    used = {m for path in package.rglob("*.py") for m in re.findall(r'"([EW]\d{3})"', path.read_text(encoding="utf-8"))}
    assert used - set(CODES) == set()


def test_required_cases_are_present() -> None:
    """The kinds of mistake the issue lists by name, each with its own golden."""
    names = {c.stem for c in CASES}
    for required in (
        "E001_syntax_error",
        "E010_unknown_name",
        "E016_to_in_identity_block",
        "W101_b_root_hint",
        "E012_duplicate_account_id",
        "E020_unknown_operator",
        "E021_bad_numeric",
        "E021_bad_date",
        "E021_bad_bool",
        "E021_bad_ip",
        "E021_bad_base64",
        "E021_variable_in_numeric",
        "E026_ifexists_on_null",
        "E017_principal_in_identity_policy",
        "E030_rcp_that_allows",
        "E004_malformed_json",
    ):
        assert required in names


def test_syntax_error_lists_what_was_expected(in_golden_dir: None) -> None:
    diagnostics, _, _ = _load(GOLDEN_DIR / "E001_syntax_error.iam")
    (diagnostic,) = diagnostics
    assert "expected one of: " in diagnostic.message
    for word in ("`account`", "`anyone`", "a name", "a quoted string"):
        assert word in diagnostic.message


def test_unknown_name_suggests_the_close_one(in_golden_dir: None) -> None:
    diagnostics, _, _ = _load(GOLDEN_DIR / "E010_unknown_name.iam")
    assert [d.help for d in diagnostics if d.code == "E010"] == ["did you mean `B.SomeRole`?"]


# ------------------------------------------------------------------ the command line

BAD_INPUTS = {
    "syntax_error": "account A 111111111111\nrole A.R {\n    allow s3:GetObject on * to\n}\n",
    "unknown_name": (
        'account A 111111111111\nrole A.Reader\nresource A.b : s3:bucket "b" {\n'
        "    allow s3:GetObject on self/* to A.Raeder\n}\n"
    ),
    "bad_value": "account A 111111111111\nrole A.R {\n    allow s3:GetObject on * when aws:SourceIp in 10.0.0.999\n}\n",
    "missing_from_file": "account A 111111111111\nrole A.R {\n    policy p from \"nowhere.json\"\n}\n",
    "malformed_from_file": "account A 111111111111\nrole A.R {\n    policy p from \"broken.json\"\n}\n",
}


def _write_bad(directory: Path, name: str) -> Path:
    (directory / "broken.json").write_text('{"Statement": [', encoding="utf-8")
    path = directory / "bad.iam"
    path.write_text(BAD_INPUTS[name], encoding="utf-8")
    return path


def test_check_json_reports_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write_bad(tmp_path, "unknown_name")
    code = main(["check", "--format", "json", "--no-cache", "bad.iam"])
    out = capsys.readouterr().out
    assert code == 2
    report = json.loads(out)
    assert report["valid"] is False
    (entry,) = report["diagnostics"]
    assert {"code", "severity", "message", "file", "line", "column", "help"} <= set(entry)
    assert entry["code"] == "E010"
    assert entry["severity"] == "error"
    assert entry["message"] == "unknown principal `A.Raeder`"
    assert (entry["file"], entry["line"], entry["column"]) == ("bad.iam", 4, 37)
    assert entry["help"] == "did you mean `A.Reader`?"


def test_check_json_reports_syntax_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write_bad(tmp_path, "syntax_error")
    code = main(["check", "--format", "json", "--no-cache", "bad.iam"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert report["valid"] is False
    assert [(d["code"], d["file"], d["line"], d["column"]) for d in report["diagnostics"]] == [("E001", "bad.iam", 4, 1)]


@pytest.mark.parametrize("name", sorted(BAD_INPUTS), ids=sorted(BAD_INPUTS))
def test_python_m_iamdsl_check_shows_no_traceback(name: str, tmp_path: Path) -> None:
    _write_bad(tmp_path, name)
    result = subprocess.run(
        [sys.executable, "-m", "iamdsl", "check", "--no-cache", "bad.iam"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert re.search(r"^\S+:\d+:\d+: error\[E\d{3}\]: ", result.stderr, re.MULTILINE)


# ------------------------------------------------------------------ drawing the source line


def _render_text_of(text: str) -> str:
    with pytest.raises(IamdslError) as caught:
        load_text(text, "x.iam")
    return caught.value.render()


@pytest.mark.parametrize(
    "line_break",
    ["\u2028", "\x0c", "\x1c", "\x85"],
    ids=["line-separator", "form-feed", "file-separator", "next-line"],
)
def test_the_drawn_line_is_the_one_the_parser_counted(line_break: str) -> None:
    """Only `\\n` ends a line for the parser, so only `\\n` may end one in the drawing."""
    rendered = _render_text_of(f"# a{line_break}b\naccount A 12345\n")
    assert rendered.startswith("x.iam:2:11: error[E013]")
    assert " 2 | account A 12345\n   |           ^^^^^" in rendered


def test_crlf_files_draw_without_carriage_returns() -> None:
    rendered = _render_text_of("account A 111111111111\r\naccount A 12345\r\n")
    assert " 2 | account A 12345\n" in rendered


def test_control_characters_never_reach_the_terminal() -> None:
    rendered = _render_text_of("# \x1b[2J clear screen\naccount A \x1b\n")
    assert "\x1b" not in rendered
    assert "unexpected character U+001B" in rendered
    assert " 2 | account A \ufffd\n   |           ^" in rendered


def test_nesting_beyond_the_stack_is_a_located_syntax_error() -> None:
    depth = 2000
    nested = "[" * depth + "]" * depth
    rendered = _render_text_of(f'account A 111111111111\nrole A.R {{\n    policy p json {{"Statement": {nested}}}\n}}\n')
    assert rendered.startswith("x.iam:3:")
    assert "error[E001]: this is nested too deeply to read" in rendered
