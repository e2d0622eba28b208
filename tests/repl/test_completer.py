"""Completion on a `Document`: what the grammar, the model and the catalogue offer at the cursor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from iamdsl.repl.completer import Kind, NameIndex, accepted_terminals, create_completer, expected_kinds
from iamdsl.repl.session import Session

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr_delegation.iam"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    shutil.copy(EXAMPLE, tmp_path / "design.iam")
    monkeypatch.chdir(tmp_path)
    return Session(["design.iam"])


def offered(session: Session, text: str, cursor: int | None = None, *, requested: bool = False) -> list[str]:
    document = Document(text, len(text) if cursor is None else cursor)
    event = CompleteEvent(completion_requested=requested)
    return [c.text for c in create_completer(session).get_completions(document, event)]


# (text before the cursor, offered, not offered)
CASES = {
    "empty line: declarations and queries": ("", {"role", "resource", "can", "who", "replace"}, {"allow", "on"}),
    "a keyword being typed": ("rol", {"role"}, {"resource", "can"}),
    "the subject of a query": ("can ", {"B.SomeRole", "B.OtherRole", "anonymous", "service", "B.root"}, {"A.repo", "pull"}),
    "a name by its account": ("can B.", {"B.SomeRole", "B.OtherRole"}, {"A.repo"}),
    "a name by its entity part": ("can Other", {"B.OtherRole"}, {"B.SomeRole"}),
    "the action of a query": ("can B.SomeRole ", {"pull", "push"}, {"B.SomeRole", "A.repo"}),
    "a verb being typed": ("can B.SomeRole pu", {"pull", "push"}, {"assume"}),
    "an action by its service": ("can B.SomeRole ecr:BatchG", {"ecr:BatchGetImage"}, {"ecr:PutImage", "s3:GetObject"}),
    "a service being typed": ("can B.SomeRole ec", {"ecr:", "ec2:"}, {"s3:"}),
    "the resource of a query": ("can B.SomeRole pull ", {"A.repo"}, {"B.SomeRole", "pull"}),
    "after a whole query": ("can B.SomeRole pull A.repo ", {"with", "as"}, {"A.repo"}),
    "a context key": ("can B.SomeRole pull A.repo with aws:SourceI", {"aws:SourceIp"}, {"aws:SourceVpc"}),
    "who can": ("who can ", {"pull"}, {"B.SomeRole"}),
    "a statement's action": ("role B.X { allow ", {"pull", "not"}, {"A.repo", "on"}),
    "a statement's resource": ("role B.X { allow pull on ", {"A.repo", "self", "not"}, {"B.SomeRole"}),
    "a statement's principal": ("resource A.repo : ecr:repository \"app\" { allow pull to ", {"account", "anyone", "B.SomeRole"}, {"A.repo"}),
    "an account": ("resource A.repo : ecr:repository \"app\" { allow pull to account ", {"A", "B"}, {"B.SomeRole"}),
    "a condition": ("role B.X { allow pull on A.repo when ", {"any", "all", "aws:SourceIp"}, {"pull"}),
    "an operator in IAM's form": ("role B.X { allow pull when StringNotE", {"StringNotEquals", "StringNotEqualsIfExists"}, {"StringLike"}),
    "a service's condition key": ("role B.X { allow pull when ecr:Res", {"ecr:ResourceTag/"}, {"aws:SourceIp"}),
    "a resource type": ("resource A.logs : s3:b", {"s3:bucket"}, {"s3:object", "ecr:repository"}),
    "a reason": ("expect cannot B.OtherRole pull A.repo because ", {"explicit", "implicit", "scp"}, {"A.repo"}),
    "inside a block, the next item": ("role B.X {\n    ", {"allow", "deny", "trust", "attach"}, {"can", "role"}),
    "inside a string": ('role B.X { path "/ops', set(), {"allow", "role"}),
    "inside a comment": ("role B.X # a comment ", set(), {"allow", "role"}),
}


@pytest.mark.parametrize(("text", "included", "excluded"), CASES.values(), ids=list(CASES))
def test_offers(session: Session, text: str, included: set[str], excluded: set[str]) -> None:
    found = set(offered(session, text, requested=True))
    assert included <= found, f"missing {included - found}"
    assert not (excluded & found), f"should not offer {excluded & found}"


def test_what_was_typed_is_replaced_from_the_start_of_the_word(session: Session) -> None:
    text = "can B.Oth"
    (completion,) = create_completer(session).get_completions(Document(text), CompleteEvent(completion_requested=True))
    assert completion.text == "B.OtherRole"
    assert completion.start_position == -len("B.Oth")


def test_completion_stops_at_the_cursor(session: Session) -> None:
    text = "can B.SomeRole pull A.repo"
    assert "B.SomeRole" in offered(session, text, cursor=len("can "), requested=True)


def test_no_menu_pops_up_after_punctuation_unless_asked(session: Session) -> None:
    assert offered(session, "role B.X { allow pull }") == []
    assert "role" in offered(session, "role B.X { allow pull }", requested=True)
    assert "B.SomeRole" in offered(session, "can ")  # after a space it does


def test_keywords_come_from_the_grammar_not_a_list(session: Session) -> None:
    position = accepted_terminals("can B.SomeRole pull A.repo ")
    assert position is not None
    assert {"WITH", "AS", "QMARK", "$END"} <= position.accepts
    assert accepted_terminals("can can can ") is None  # neither start rule reads it


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("can ", (Kind.PRINCIPAL,)),
        ("can B.X ", (Kind.VERB, Kind.ACTION)),
        ("can B.X pull ", (Kind.RESOURCE,)),
        ("role B.X { allow pull when ", (Kind.KEY, Kind.OPERATOR)),
        ("role B.X { attach ", (Kind.POLICY,)),
        ("role B.X { attach A.p, ", (Kind.POLICY,)),
        ("role B.X { tags { ", ()),
    ],
    ids=["subject", "action", "resource", "condition", "policy", "policy after a comma", "tag key"],
)
def test_expected_kinds(text: str, kinds: tuple[str, ...]) -> None:
    position = accepted_terminals(text)
    assert position is not None
    assert expected_kinds(position) == kinds


def test_meta_commands_and_their_arguments(session: Session) -> None:
    assert ":explain" in offered(session, ":ex")
    assert set(offered(session, ":")) >= {":help", ":undo", ":save", ":quit"}
    assert offered(session, ":explain ") == ["full", "summary", "denies"]
    assert offered(session, ":format j") == ["json"]


def test_file_names_after_load(session: Session, tmp_path: Path) -> None:
    (tmp_path / "other.iam").write_text("account C\n", encoding="utf-8")
    assert "her.iam" in offered(session, ":load ot", requested=True)


def test_a_what_if_change_is_offered_after_it_is_made(session: Session) -> None:
    completer = create_completer(session)
    document = Document("can B.N")
    assert list(completer.get_completions(document, CompleteEvent())) == []
    assert session.execute("role B.NewRole").ok
    assert [c.text for c in completer.get_completions(document, CompleteEvent())] == ["B.NewRole"]


def test_names_are_indexed_once_per_model(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    names = session.names
    monkeypatch.setattr(session, "names", lambda: calls.append(1) or names())
    completer = create_completer(session)
    for text in ("can ", "can B", "can B.", "can B.S"):
        list(completer.get_completions(Document(text), CompleteEvent()))
    assert len(calls) == 1
    session.execute("role B.NewRole")
    list(completer.get_completions(Document("can B"), CompleteEvent()))
    assert len(calls) == 2


def test_name_index_matches_whole_names_then_entity_parts() -> None:
    index = NameIndex({"principals": ["B.SomeRole", "A.Builder", "B.Other", "Bob.Role"]})
    assert index.matching("principals", "b") == ["B.Other", "B.SomeRole", "Bob.Role", "A.Builder"]
    assert index.matching("principals", "so") == ["B.SomeRole"]
    assert index.matching("principals", "B.s") == ["B.SomeRole"]
    assert index.matching("resources", "b") == []
    assert len(index.matching("principals", "", limit=2)) == 2
