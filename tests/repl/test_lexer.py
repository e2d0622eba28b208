"""The pygments lexer: golden token streams, token kinds by example, and the pygments plugin.

Each `golden/lexer/<name>.iam` (and the guide's example) is lexed and compared
with `<name>.tokens`, one token per line (whitespace left out).  Run pytest
with `--update-goldens` to rewrite them after a deliberate change, and read the
diff before committing it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String, Whitespace

from iamdsl.repl.lexer import Allow, Deny, IamdslLexer

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "lexer"
SAMPLES = [*sorted(GOLDEN.glob("*.iam")), ROOT / "examples" / "ecr_delegation.iam"]
EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))


def tokens(text: str) -> list[tuple[object, str]]:
    return [(kind, value) for _, kind, value in IamdslLexer().get_tokens_unprocessed(text)]


def rendered(text: str) -> str:
    lines = [f"{str(kind).removeprefix('Token.')} {value!r}" for kind, value in tokens(text) if kind is not Whitespace]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_token_stream_matches_the_golden_file(sample: Path, update_goldens: bool) -> None:
    golden = GOLDEN / f"{sample.stem}.tokens"
    actual = rendered(sample.read_text(encoding="utf-8"))
    if update_goldens:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run pytest with --update-goldens"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_lexes_without_errors_and_without_losing_text(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    found = tokens(text)
    assert [value for kind, value in found if kind is Error] == []
    assert "".join(value for _, value in found) == text


# (text, the token, its kind): one line of input and what one of its words must be.
KINDS = {
    "allow is an effect": ("role B.X { allow pull }", "allow", Allow),
    "deny is an effect": ("role B.X { deny pull }", "deny", Deny),
    "declaration keyword": ("role B.X", "role", Keyword.Declaration),
    "query keyword": ("can B.X pull A.repo", "can", Keyword),
    "account of a name": ("can B.X pull A.repo", "A", Name.Namespace),
    "entity of a name": ("can B.X pull A.repo", "repo", Name.Class),
    "quoted entity": ('can B.X pull A."team/app"', '"team/app"', String.Double),
    "verb": ("can B.X pull A.repo", "pull", Name),
    "action": ("can B.X s3:GetObject A.logs", "s3:GetObject", Name.Function),
    "action wildcard": ("role B.X { allow s3:Get* }", "s3:Get*", Name.Function),
    "condition key after when": ("role B.X { allow pull when aws:SourceIp in 10.0.0.0/8 }", "aws:SourceIp", Name.Variable),
    "condition key after with": ("can B.X pull A.r with aws:SourceIp = 10.1.2.3", "aws:SourceIp", Name.Variable),
    "action after a condition": ("role B.X { allow pull when aws:a exists allow s3:GetObject }", "s3:GetObject", Name.Function),
    "resource type": ('resource A.r : ecr:repository "app"', "ecr:repository", Keyword.Type),
    "cidr": ("role B.X { allow pull when aws:SourceIp in 10.0.0.0/8 }", "10.0.0.0/8", Number),
    "account id": ("account A 111111111111", "111111111111", Number.Integer),
    "string": ('role B.X { path "/ops/" }', '"/ops/"', String.Double),
    "comment": ("account A  # central", "# central", Comment.Single),
    "sugar operator": ('role B.X { allow pull when aws:x like "a*" }', "like", Operator.Word),
    "comparison": ('role B.X { allow pull when aws:x == "a" }', "==", Operator),
    "full operator": ('role B.X { allow pull when StringNotEqualsIfExists aws:x ["a"] }', "StringNotEqualsIfExists", Operator.Word),
    "set operator": ('role B.X { allow pull when ForAnyValue:StringLike aws:x ["a"] }', "ForAnyValue:StringLike", Operator.Word),
    "boolean": ("role B.X { allow pull when aws:SecureTransport is true }", "true", Keyword.Constant),
    "meta-command": (":explain full", ":explain", Name.Builtin),
    "meta-command argument": (":explain full", "full", Name.Constant),
    "keyword-like name": ("role B.role-x", "role-x", Name.Class),
    "service principal": ("role B.X { trust { allow assume to service sns.amazonaws.com } }", "sns.amazonaws.com", Name.Other),
}


@pytest.mark.parametrize(("text", "word", "kind"), KINDS.values(), ids=list(KINDS))
def test_token_kind(text: str, word: str, kind: object) -> None:
    kinds = [k for k, value in tokens(text) if value == word]
    assert kinds, f"`{word}` is not one token of {text!r}: {tokens(text)}"
    assert kinds[0] is kind


def test_the_lexer_is_a_registered_pygments_plugin() -> None:
    assert isinstance(get_lexer_by_name("iamdsl"), IamdslLexer)
    assert isinstance(get_lexer_for_filename("design.iam"), IamdslLexer)


def test_pygmentize_colours_a_file(tmp_path: Path) -> None:
    """`pygmentize -l iamdsl FILE`, run as people do, in its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "pygments", "-l", "iamdsl", "-f", "raw", str(ROOT / "examples" / "ecr_delegation.iam")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Token.Keyword.Effect.Allow\t'allow'" in done.stdout
    assert "Token.Name.Class\t'SomeRole'" in done.stdout
