"""Bad input to `iamdsl import`: a clear error naming the file, the line and column, and the JSON path (issue #8, item 7).

Malformed, truncated or empty JSON, JSON of the wrong command, a field of the
wrong type: each is an error with a caret under the spot, exit code 2, and
nothing written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_support import ACCOUNT, allow, attached, authz, doc, group, import_errors, import_files, managed, role, user, write
from iamdsl.cli import main
from iamdsl.interop.aws_input import format_path, locate
from iamdsl.language.errors import IamdslError, Severity, render_text


def rendered(error) -> str:
    return render_text(error.diagnostics, error.sources)


def test_malformed_json_shows_line_column_and_caret(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_text('{\n    "RoleDetailList": [1, 2,, 3]\n}\n')
    error = import_errors(path)
    (diagnostic,) = error.errors
    assert diagnostic.code == "E004" and diagnostic.message == "malformed JSON: expecting value"
    assert (diagnostic.span.file, diagnostic.span.line, diagnostic.span.column) == (str(path), 2, 29)
    assert rendered(error).splitlines()[2:4] == [' 2 |     "RoleDetailList": [1, 2,, 3]', "   |                             ^"]


def test_a_truncated_file_says_it_looks_cut_short(tmp_path: Path) -> None:
    full = json.dumps(authz(roles=[role("r")]), indent=4)
    path = tmp_path / "authz.json"
    path.write_text(full[: len(full) // 2])
    (diagnostic,) = import_errors(path).errors
    assert diagnostic.code == "E004"
    assert diagnostic.message.startswith("malformed JSON: the file ends before the JSON does")
    assert "cut short" in diagnostic.help


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_text("")
    (diagnostic,) = import_errors(path).errors
    assert (diagnostic.code, diagnostic.message) == ("E004", "the file is empty")


def test_a_missing_file(tmp_path: Path) -> None:
    (diagnostic,) = import_errors(tmp_path / "nope.json").errors
    assert diagnostic.code == "E002" and "nope.json" in diagnostic.message and "no such file" in diagnostic.message


def test_bytes_that_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_bytes(b'{"a": "\xff\xfe\xfa"}')
    (diagnostic,) = import_errors(path).errors
    assert diagnostic.code == "E002" and "is not UTF-8 text" in diagnostic.message


@pytest.mark.parametrize(
    ("document", "hint"),
    [
        ({"Roots": [{"Id": "r-1"}]}, "list-roots"),
        ({"Policy": "{}"}, "--resources"),
        ({"Version": "2012-10-17", "Statement": []}, "from"),
        ({"Roles": []}, "list-roles"),
        ([1, 2], "get-account-authorization-details"),
    ],
    ids=["list-roots", "bucket-policy", "policy-document", "list-roles", "a-list"],
)
def test_json_of_another_command_is_named(tmp_path: Path, document, hint: str) -> None:
    path = write(tmp_path / "authz.json", document)
    (diagnostic,) = import_errors(path).errors
    assert diagnostic.code == "E050"
    assert diagnostic.message.startswith("$: this is not the output of `aws iam get-account-authorization-details`")
    assert hint in diagnostic.help


def test_wrong_types_name_the_json_path_with_a_caret(tmp_path: Path) -> None:
    data = authz(roles=[role("r"), role("s", trust=12)], users=[user("u", Tags="team")])
    path = write(tmp_path / "authz.json", data)
    error = import_errors(path)
    messages = [d.message for d in error.errors]
    assert messages == [
        "$.UserDetailList[0].Tags: expected a list, found a string",
        "$.RoleDetailList[1].AssumeRolePolicyDocument: expected a policy document (an object or a JSON string), found a number",
    ]
    text = rendered(error)
    line = path.read_text().splitlines()[error.errors[1].span.line - 1]
    assert line.strip() == '"AssumeRolePolicyDocument": 12,'
    assert re.search(r'\| +"AssumeRolePolicyDocument": 12,\n +\| +\^\^\n', text)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = authz(
        users=[user("u", GroupList=["Nope"])],
        roles=[role("r", Path="svc"), role("s", RolePolicyList=[{"PolicyName": "p", "PolicyDocument": doc({"Effect": "allow", "Action": "*", "Resource": "*"})}])],
        policies=[managed("Twice", doc(allow("*")), doc(allow("*")), default=0) | {"PolicyVersionList": [
            {"Document": doc(allow("*")), "VersionId": "v1", "IsDefaultVersion": True},
            {"Document": doc(allow("*")), "VersionId": "v2", "IsDefaultVersion": True},
        ]}],
    )
    error = import_errors(write(tmp_path / "authz.json", data))
    assert [(d.code, d.message.split(":", 1)[0]) for d in error.errors] == [
        ("E051", "$.UserDetailList[0].GroupList[0]"),
        ("E050", "$.RoleDetailList[0].Path"),
        ("E035", "$.RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[0]"),
        ("E051", "$.Policies[0].PolicyVersionList"),
    ]


def test_an_arn_that_its_path_and_name_do_not_give(tmp_path: Path) -> None:
    entry = role("r")
    entry["Arn"] = f"arn:aws:iam::{ACCOUNT}:role/other/r"
    (diagnostic,) = import_errors(write(tmp_path / "authz.json", authz(roles=[entry]))).errors
    assert diagnostic.message == f"$.RoleDetailList[0].Arn: the ARN `arn:aws:iam::{ACCOUNT}:role/other/r` is not the one the path `/` and the name `r` give"


def test_an_attachment_to_a_policy_that_is_not_in_the_file(tmp_path: Path) -> None:
    data = authz(roles=[role("r", AttachedManagedPolicies=[attached("arn:aws:iam::aws:policy/ReadOnlyAccess")])])
    (diagnostic,) = import_errors(write(tmp_path / "authz.json", data)).errors
    assert diagnostic.message.startswith("$.RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn: the policy attached here")
    assert "--filter" in diagnostic.help


def test_a_broken_policy_is_reported_once_not_again_at_each_attachment(tmp_path: Path) -> None:
    broken = managed("Broken", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]})
    data = authz(roles=[role("r", AttachedManagedPolicies=[attached(broken["Arn"])])], policies=[broken])
    error = import_errors(write(tmp_path / "authz.json", data))
    assert [d.message.split(":", 1)[0] for d in error.errors] == ["$.Policies[0].PolicyVersionList[0].Document.Statement[0]"]


def test_a_truncated_listing_is_an_error(tmp_path: Path) -> None:
    data = authz(roles=[role("r")]) | {"IsTruncated": True, "Marker": "abc"}
    (diagnostic,) = import_errors(write(tmp_path / "authz.json", data)).errors
    assert diagnostic.message.startswith("$.IsTruncated: the output is truncated")


def test_a_url_encoded_document_that_is_not_json(tmp_path: Path) -> None:
    data = authz(roles=[role("r", trust="%7B%22Version%22%3A")])
    (diagnostic,) = import_errors(write(tmp_path / "authz.json", data)).errors
    assert diagnostic.code == "E004"
    assert diagnostic.message.startswith("$.RoleDetailList[0].AssumeRolePolicyDocument: the policy document in this string is not JSON")


def test_findings_in_one_line_json_are_clipped_around_the_caret(tmp_path: Path) -> None:
    roles = [role(f"r{i}") for i in range(40)] + [role("bad", trust=[1])]
    path = write(tmp_path / "authz.json", authz(roles=roles), indent=None)
    error = import_errors(path)
    (diagnostic,) = error.errors
    assert diagnostic.span.line == 1 and diagnostic.span.column > 1000
    source_line = rendered(error).splitlines()[2]
    assert len(source_line) < 200 and source_line.startswith(" 1 | …") and '"AssumeRolePolicyDocument": [1]' in source_line


def test_the_cli_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "authz.json"
    bad.write_text('{"RoleDetailList": [')
    out = tmp_path / "model.iam"
    out.write_text("# the model from before\n")
    assert main(["import", "authz", str(bad), "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{bad}:1:21: error[E004]" in captured.err and captured.err.rstrip().endswith("1 error; nothing was written")
    assert out.read_text() == "# the model from before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["authz.json", "model.iam"]  # no temporary file left behind


def test_the_cli_gives_errors_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "authz.json", {"Roots": []})
    assert main(["import", "authz", str(path), "--format", "json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is False
    (diagnostic,) = document["diagnostics"]
    assert (diagnostic["code"], diagnostic["file"], diagnostic["line"], diagnostic["column"]) == ("E050", str(path), 1, 1)


def test_messages_keep_the_house_tone(tmp_path: Path) -> None:
    """After the JSON path: lowercase, no trailing period, the fix in `help`."""
    data = authz(users=[user("u", GroupList=["Nope"])], roles=[role("r", Path="svc"), role("s", Extra=1)])
    error = import_errors(write(tmp_path / "authz.json", data))
    for diagnostic in error.diagnostics:
        message = diagnostic.message.split(": ", 1)[1]
        assert message[0] in "`" or message[0].islower(), message
        assert not message.endswith(".") and not (diagnostic.help or "").endswith(".")
    assert {d.severity for d in error.diagnostics} == {Severity.ERROR, Severity.WARNING}


def test_locate_finds_paths_and_falls_back_to_the_deepest_part_that_exists() -> None:
    text = '{\n  "A": [1, {"b": "x"}, 3],\n  "C": {"d": "%7B"}\n}'
    spans = locate(text, [("A", 1, "b"), ("C", "d", "Statement", 0), ("A", 9), ("Z",)], "f")
    assert (spans[("A", 1, "b")].line, spans[("A", 1, "b")].column, spans[("A", 1, "b")].end_column) == (2, 18, 21)
    assert (spans[("C", "d", "Statement", 0)].line, spans[("C", "d", "Statement", 0)].column) == (3, 14)
    assert (spans[("A", 9)].line, spans[("A", 9)].column) == (2, 8)
    assert (spans[("Z",)].line, spans[("Z",)].column) == (1, 1)


def test_paths_quote_keys_that_are_not_words() -> None:
    assert format_path(("RoleDetailList", 3, "Path")) == "$.RoleDetailList[3].Path"
    assert format_path(("arn:aws:s3:::b", "Files", 0)) == '$["arn:aws:s3:::b"].Files[0]'


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


_FUZZ_BASE = authz(
    users=[user("u", GroupList=["g"], Tags=[{"Key": "k", "Value": "v"}])],
    groups=[group("g", AttachedManagedPolicies=[attached(f"arn:aws:iam::{ACCOUNT}:policy/P")])],
    roles=[role("r", RolePolicyList=[{"PolicyName": "p", "PolicyDocument": doc(allow("s3:GetObject"))}],
                PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/P"})],
    policies=[managed("P", doc(allow("*")), doc(allow("s3:*")))],
)
_FUZZ_PATHS = list(_paths(_FUZZ_BASE))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(_FUZZ_PATHS),
    value=st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.just([]), st.just({}), st.just([{}]), st.just("%7B")),
)
def test_any_damaged_document_fails_with_located_findings_never_a_crash(tmp_path: Path, path, value) -> None:
    file = write(tmp_path / "authz.json", _replace(_FUZZ_BASE, path, value))
    try:
        result = import_files(file)
    except IamdslError as error:
        assert error.errors
        for diagnostic in error.diagnostics:
            assert diagnostic.span is not None and diagnostic.span.file == str(file), diagnostic
            assert diagnostic.message.startswith("$"), diagnostic
        return
    for diagnostic in result.diagnostics:  # it imported: what was odd is a located warning
        assert diagnostic.severity is Severity.WARNING and diagnostic.span is not None
