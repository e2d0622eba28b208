"""Grammar hygiene: LALR without conflicts or colliding terminals, and one cached parser."""

from __future__ import annotations

import interegular  # noqa: F401  lark's strict mode needs it to compare regex terminals
import pytest
from lark import Lark
from lark.exceptions import GrammarError, LexError

from iamdsl.language import parser as parser_module
from iamdsl.language.parser import START_RULES, grammar_path, parse

SAMPLES = {
    "start": """
        region us-east-1
        account A 111111111111
        account B 222222222222 { tags { env = "prod" } }
        resource A.repo : ecr:repository "app" {
            allow pull to account B when aws:PrincipalTag/team == "ci"
        }
        role B.SomeRole { allow pull on A.repo }
        organization Org { management A  scp DenyS3 { deny s3:* }  attach DenyS3 }
        expect can B.SomeRole pull A.repo
    """,
    "query": "can B.SomeRole pull A.repo with aws:SourceIp = 10.1.2.3?",
    "json_object": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
}


@pytest.fixture(scope="module")
def strict_parser() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", strict=True, start=list(START_RULES))


def test_grammar_builds_in_strict_lalr_mode(strict_parser: Lark) -> None:
    assert strict_parser.options.parser == "lalr"
    assert set(strict_parser.options.start) == set(START_RULES)


# Proof that the strict build above can fail: each grammar builds without strict
# mode, which silently picks a shift or a terminal, and is refused with it.
FLAWED = {
    "shift-reduce": ('start: "if" start "else" start | "if" start | "x"\n%ignore " "\n', GrammarError),
    "terminal-collision": ("start: A | B\nA: /a+b?/\nB: /ab+/\n", LexError),
}


@pytest.mark.parametrize(("grammar", "error"), FLAWED.values(), ids=list(FLAWED))
def test_strict_mode_refuses_what_plain_lalr_accepts(grammar: str, error: type[Exception]) -> None:
    Lark(grammar, parser="lalr")
    with pytest.raises(error):
        Lark(grammar, parser="lalr", strict=True)


@pytest.mark.parametrize("start", START_RULES, ids=list(START_RULES))
def test_every_start_rule_parses_a_sample(start: str, strict_parser: Lark) -> None:
    assert strict_parser.parse(SAMPLES[start], start=start).data == start
    assert parse(SAMPLES[start], "sample.iam", start).tree.data == start


def test_the_shipped_parser_is_lalr_with_every_start_rule() -> None:
    built = parser_module.parser()
    assert built.options.parser == "lalr"
    assert set(built.options.start) == set(START_RULES)


def test_the_parser_is_cached() -> None:
    assert parser_module.parser() is parser_module.parser()


def test_grammar_is_not_newline_sensitive() -> None:
    one_line = 'account A 111111111111 role A.dev { allow s3:GetObject on "arn:aws:s3:::b/*" }'
    spread = one_line.replace(" ", "\n  ")
    assert parse(one_line, "a.iam").tree == parse(spread, "b.iam").tree
