"""No input may produce a Python traceback: the language either loads it or raises IamdslError.

Four fuzzers, each accepting only IamdslError as a failure of the input:
random text built from the language's own tokens and arbitrary unicode;
mutations of the shipped examples (and of the error goldens, which reach the
error paths); queries through `parse_query`; and the JSON read by `from`.

The example counts below keep the whole module well under a minute on two
cores.  To hunt for crashes, scale them up::

    IAMDSL_FUZZ_SCALE=10 python -m pytest tests/test_fuzz_loader.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamdsl.language.errors import IamdslError, render_json
from iamdsl.language.loader import Loaded, load_text
from iamdsl.language.transformer import parse_query

ROOT = Path(__file__).parents[1]
SEEDS = sorted(ROOT.glob("examples/*.iam")) + sorted((ROOT / "tests" / "golden" / "errors").glob("*.iam"))
# Read once: a strategy that reads files as it draws is flaky if one changes mid-run.
SEED_TEXTS = [(str(p), p.read_text(encoding="utf-8")) for p in SEEDS]
SCALE = float(os.environ.get("IAMDSL_FUZZ_SCALE", "1"))


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@pytest.fixture(scope="module", autouse=True)
def _in_scratch_dir(tmp_path_factory: pytest.TempPathFactory):
    """`include` and `from` paths in fuzzed text resolve in an empty scratch directory."""
    scratch = tmp_path_factory.mktemp("fuzz")
    previous = os.getcwd()
    os.chdir(scratch)
    try:
        yield scratch
    finally:
        os.chdir(previous)


def _must_not_crash(text: str, name: str = "fuzz.iam") -> Loaded | None:
    """Load `text`; an IamdslError is a fine answer, but it must render in both formats."""
    try:
        return load_text(text, name)
    except IamdslError as error:
        error.render().encode("utf-8")  # what the CLI prints must be printable
        json.loads(render_json(error.diagnostics))
        assert error.errors, "an IamdslError must hold at least one error"
        return None


# ------------------------------------------------------------------ tokens of the language

KEYWORDS = (
    "region partition include verb account external tags organization management features scp rcp ou attach "
    "detach role user group policy boundary trust member of path resource in enabled endpoint vpc from json sid "
    "allow deny not on self to anyone service federated canonical when or and any all like is exists before "
    "after true false null delegate expect only can cannot because except roots who what do how reach "
    "anonymous oidc saml with no as session"
).split()
NAMES = (
    "A B Org Mgmt repo pull push read write assume implicit explicit scp all us-east-1 aws-cn "
    "A.repo B.SomeRole B.OtherRole B.root A.root A.bucket A.bucket/* A.bucket/\"logs/*\" aws.ReadOnlyAccess "
    'B."svc@x" A.Ci FullAWSAccess RCPFullAWSAccess acls grants'
).split()
PNAMES = (
    "s3:GetObject s3:* s3:Get* ecr:repository ecr:BatchGetImage s3:bucket s3:object kms:key sqs:queue "
    "aws:SourceIp aws:SourceIp? aws:TagKeys aws:PrincipalTag/team aws:CurrentTime aws:EpochTime aws:SecureTransport "
    "aws:MultiFactorAuthAge s3:max-keys ForAnyValue:StringLike ForAllValues:StringEquals iam:role iam:PassRole "
    "sts:AssumeRole token.actions.githubusercontent.com:sub"
).split()
OPERATORS = "StringEquals StringLike NumericLessThan DateGreaterThan Bool IpAddress BinaryEquals Null NullIfExists ArnLike".split()
PUNCTUATION = list("{}[],.:=<>/*?#") + ["==", "!=", "<=", ">=", "\n", "# comment\n"]
LITERALS = (
    '"app" "team/app" "" "*" "arn:aws:s3:::b/*" "arn:aws:iam::111111111111:root" "arn:aws:iam::*:role/x*" '
    '"10.0.0.0/8" "2026-01-31T00:00:00Z" "${aws:username}" "QmluYXJ5" "x.json" "fuzz.iam" "\\u00e9" "\\n" '
    '"AROAEXAMPLEID1234567" "o-abc" "vpce-1" 111111111111 222222222222 12 -1.5e3 0 1e999 10.0.0.0/8 '
    "999.1.1.1/99 192.168.0.1 [ ]"
).split()
JSON_FRAGMENTS = [
    '{"Version": "2012-10-17", "Statement": []}',
    '{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}',
    '"Principal": {"AWS": "*"}',
    '"Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}}',
    '"NotPrincipal": "*"',
    "null",
    '{"Statement": {"Effect": "Deny", "NotAction": [], "Principal": "*"}}',
]
# Extremes: nesting deeper than the stack, numbers longer than int() converts,
# escapes JSON rejects, control characters, other line breaks.
EXTREMES = [
    "[" * 150, "{" * 150, '{"a": ' * 120, "ou U { " * 120, "9" * 5000, '"\\u"', '"\\ud800"', '"\\u0000"',
    '"\x1b"', "\x00", "\r\n", "\u2028", "\x0c", "\ufeff",
    'json {"a": ' + "[" * 150 + "]" * 150 + "}", "organization O { " + "ou U { " * 120 + "} " * 121,
]  # fmt: skip
TOKENS = KEYWORDS + NAMES + PNAMES + OPERATORS + PUNCTUATION + LITERALS + JSON_FRAGMENTS + EXTREMES

token = st.one_of(
    st.sampled_from(TOKENS),
    st.sampled_from(TOKENS),
    st.sampled_from(TOKENS),
    st.text(max_size=6),
)
separator = st.sampled_from([" ", " ", "\n", "", "\t"])
random_text = st.lists(st.tuples(token, separator), max_size=60).map(lambda parts: "".join(t + s for t, s in parts))


@_fuzz_settings(1200)
@given(random_text)
def test_random_text_never_crashes_the_loader(text: str) -> None:
    _must_not_crash(text)


# ------------------------------------------------------------------ mutated valid files

_PIECES = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_][\w.:/*?\-]*|\s+|.', re.DOTALL)


def _pieces(text: str) -> list[str]:
    return _PIECES.findall(text)


@st.composite
def mutated_file(draw) -> tuple[str, str]:
    """A seed's path (so its `include` and `from` paths resolve) and its mutated text."""
    name, text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        by_line = draw(st.booleans())
        parts = text.splitlines(keepends=True) if by_line else _pieces(text)
        if not parts:
            parts = [""]
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(0, len(parts) - 1))
        mutation = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "truncate"]))
        if mutation == "delete":
            del parts[i]
        elif mutation == "duplicate":
            parts.insert(i, parts[i])
        elif mutation == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        elif mutation in ("insert", "replace"):
            new = draw(token) + draw(separator)
            if mutation == "insert":
                parts.insert(i, new)
            else:
                parts[i] = new
        text = "".join(parts)
        if mutation == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    return name, text


def test_there_are_seeds_to_mutate() -> None:
    assert any(p.parent.name == "examples" for p in SEEDS)


@_fuzz_settings(1000)
@given(mutated_file())
def test_mutated_files_never_crash_the_loader(case: tuple[str, str]) -> None:
    name, text = case
    _must_not_crash(text, name)


# ------------------------------------------------------------------ well-formed files with random meaning
# Random text rarely gets past the parser; these files parse (mostly), so the
# resolver and the checks meet every odd combination of names and clauses.

ACCOUNTS = ["A", "B", "C", "aws", "mgmt"]
ACCOUNT_IDS = ["111111111111", "222222222222", "111111111111", "12345", "000000000000", "1e3", ""]
ENTITY_NAMES = ["R", "Ci", "root", "alice", "Devs", "Managed", '"x/y"', "repo", "bucket"]
RESOURCE_TYPES = ["ecr:repository", "s3:bucket", "s3:object", "kms:key", "iam:role", "sqs:queue", "ec2:nope", "s3:bucket*"]
ACTIONS = ["pull", "push", "read", "write", "assume", "nosuchverb", "s3:GetObject", "s3:*", "s3:Get*", "ecr:BatchGetImage",
           "sts:AssumeRole", "iam:PassRole", "kms:Decrypt", "*", "nosvc:Thing"]  # fmt: skip
CONDITION_KEYS = ["aws:SourceIp", "aws:SourceIp?", "aws:TagKeys", "aws:PrincipalTag/team", "aws:CurrentTime", "aws:EpochTime",
                  "aws:SecureTransport", "aws:MultiFactorAuthAge", "aws:PrincipalArn", "s3:prefix", "x:unknown", '"aws:SourceVpce"']  # fmt: skip
VALUES = ['"a"', '"*"', "10.0.0.0/8", "1.2.3.4", "12", "-3.5", "true", "false", '"2026-01-31T00:00:00Z"', '"${aws:username}"',
          '"arn:aws:iam::111111111111:role/R"', '"QmluYXJ5"', '["a", "b"]', "[]", "[10.0.0.0/8, 12]"]  # fmt: skip
SUGAR = ["==", "!=", "like", "not like", "in", "not in", "<", "<=", ">", ">=", "before", "after", "is", "exists", "not exists"]


@st.composite
def ref(draw) -> str:
    return f"{draw(st.sampled_from(ACCOUNTS))}.{draw(st.sampled_from(ENTITY_NAMES))}"


@st.composite
def condition(draw) -> str:
    key = draw(st.sampled_from(CONDITION_KEYS))
    form = draw(st.sampled_from(["sugar", "quantified", "full"]))
    if form == "full":
        return f"{draw(st.sampled_from(OPERATORS + ['ForAnyValue:StringLike', 'ForAllValues:NullIfExists']))} {key} {draw(st.sampled_from(VALUES))}"
    op = draw(st.sampled_from(SUGAR))
    if op in ("exists", "not exists"):
        value = ""
    elif op == "is":
        value = " " + draw(st.sampled_from(["true", "false"]))
    else:
        value = " " + draw(st.sampled_from(VALUES if op in ("in", "not in") else VALUES[:10]))
    quantifier = draw(st.sampled_from(["any ", "all "])) if form == "quantified" else ""
    return f"{quantifier}{key} {op}{value}"


@st.composite
def statement(draw) -> str:
    parts = [draw(st.sampled_from(["", 'sid "S1" ', "sid S2 "])), draw(st.sampled_from(["allow", "deny"]))]
    parts.append(("not " if draw(st.booleans()) else "") + ", ".join(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3))))
    if draw(st.booleans()):
        items = draw(st.lists(st.one_of(ref(), st.sampled_from(["*", "self", "self/*", 'self/"logs/*"', '"arn:aws:s3:::b/*"', '"nope"'])), min_size=1, max_size=3))
        parts.append("on " + ("not " if draw(st.booleans()) else "") + ", ".join(items))
    if draw(st.booleans()):
        items = draw(st.lists(st.one_of(ref(), st.sampled_from(["anyone", "account A", "account 123", "account 222222222222", "service sns.amazonaws.com", 'federated "cognito"', 'canonical "abc"', '"*"', '"arn:aws:iam::*:role/x*"'])), min_size=1, max_size=3))
        parts.append("to " + ("not " if draw(st.booleans()) else "") + ", ".join(items))
    if draw(st.booleans()):
        joiner = draw(st.sampled_from([" and ", " and ", " or "]))
        parts.append("when " + joiner.join(draw(st.lists(condition(), min_size=1, max_size=3))))
    return " ".join(parts)


def _block(draw, items) -> str:
    return "{\n" + "\n".join(draw(st.lists(items, max_size=4))) + "\n}"


@st.composite
def policy_body(draw, *, block: bool = True) -> str:
    kind = draw(st.sampled_from(["block", "block", "from", "json"] if block else ["from", "json"]))
    if kind == "from":
        return f'from "{draw(st.sampled_from(["doc.json", "missing.json", ""]))}"'
    if kind == "json":
        return "json " + draw(st.sampled_from(JSON_FRAGMENTS[:2] + [JSON_FRAGMENTS[6]]))
    return _block(draw, statement())


@st.composite
def declaration(draw) -> str:
    kind = draw(st.sampled_from(["account", "account", "entity", "entity", "resource", "policy", "endpoint", "org", "delegate", "expect", "verb", "setting"]))
    if kind == "account":
        suffix = draw(st.sampled_from(["", "external", '{ tags { team = "x" } }']))
        return f"account {draw(st.sampled_from(ACCOUNTS))} {draw(st.sampled_from(ACCOUNT_IDS))} {suffix}"
    if kind == "entity":
        item = st.one_of(
            statement(),
            policy_body().map(lambda b: f"policy p {b}"),
            policy_body().map(lambda b: f"trust {b}"),
            ref().map(lambda r: f"attach {r}"),
            ref().map(lambda r: f"boundary {r}"),
            ref().map(lambda r: f"member of {r}"),
            st.sampled_from(['path "/ci/"', 'path "ci"', 'tags { a = "1", a = "2" }']),
        )
        body = _block(draw, item) if draw(st.booleans()) else ""
        return f"{draw(st.sampled_from(['role', 'user', 'group']))} {draw(ref())} {body}"
    if kind == "resource":
        what = draw(st.sampled_from(RESOURCE_TYPES)) + ' "app"' if draw(st.booleans()) else draw(st.sampled_from(['"arn:aws:s3:::b"', '"arn:x"', '"nope"']))
        item = st.one_of(statement(), policy_body(block=False).map(lambda b: f"policy {b}"), st.sampled_from(["acls enabled", "nope enabled", 'tags { a = "1" }']))
        body = _block(draw, item) if draw(st.booleans()) else ""
        return f"resource {draw(ref())} : {what} {draw(st.sampled_from(['', 'in eu-west-1']))} {body}"
    if kind == "policy":
        return f"policy {draw(ref())} {draw(policy_body())}"
    if kind == "endpoint":
        return f'endpoint {draw(ref())} "vpce-1" ' + _block(draw, st.one_of(statement(), st.just('vpc "vpc-1"')))
    if kind == "org":
        names = st.sampled_from(["FullAWSAccess", "RCPFullAWSAccess", "Guard", "Fence", "Nope"])
        item = st.one_of(
            st.sampled_from(ACCOUNTS).map(lambda a: f"management {a}"),
            st.sampled_from(["features all", "features some"]),
            st.tuples(names, policy_body()).map(lambda p: f"scp {p[0]} {p[1]}"),
            st.tuples(names, policy_body()).map(lambda p: f"rcp {p[0]} {p[1]}"),
            names.map(lambda n: f"attach {n}"),
            names.map(lambda n: f"detach {n}"),
            st.tuples(st.sampled_from(ACCOUNTS), names).map(lambda p: f"account {p[0]} {{ attach {p[1]} }}"),
            st.sampled_from(ACCOUNTS).map(lambda a: f"ou Unit {{ account {a} }}"),
        )
        return f"organization Corp {draw(st.sampled_from(['', 'o-abc']))} " + _block(draw, item)
    if kind == "delegate":
        return f"delegate {draw(st.sampled_from(ACTIONS))} on {draw(ref())} to {draw(st.one_of(ref(), st.just('anyone')))}"
    if kind == "expect":
        subject = draw(st.one_of(ref(), st.sampled_from(["anonymous", "service sns.amazonaws.com", 'oidc "x"', 'saml "y"', '"arn:aws:iam::1:user/u"', "federated A.alice"])))
        action = draw(st.sampled_from(["pull", "s3:GetObject", "nosuchverb", "s3:Nope"]))
        resource = draw(st.one_of(ref(), st.sampled_from(["*", '"arn:aws:s3:::b"', "A.bucket/*"])))
        extra = draw(st.sampled_from(["", " with aws:SourceIp = 10.1.2.3", " with no aws:x", ' as session "s" { allow s3:* }', " because explicit", " because nope"]))
        if draw(st.booleans()):
            return f"expect only {{{subject}}} can {action} {resource}{draw(st.sampled_from(['', ' except roots']))}"
        return f"expect {draw(st.sampled_from(['can', 'cannot']))} {subject} {action} {resource}{extra}"
    if kind == "verb":
        return f"verb {draw(st.sampled_from(['pull', 'myverb', 'loop']))} = {', '.join(draw(st.lists(st.sampled_from(ACTIONS[:8] + ['loop']), min_size=1, max_size=3)))}"
    return draw(st.sampled_from(["region us-east-1", "region eu-west-1", "partition aws", "partition aws-cn", 'include "doc.json"']))


well_formed_file = st.lists(declaration(), max_size=10).map("\n".join)


@_fuzz_settings(600)
@given(well_formed_file)
def test_well_formed_files_never_crash_the_resolver(text: str) -> None:
    Path("doc.json").write_text('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}', encoding="utf-8")
    _must_not_crash(text)


# ------------------------------------------------------------------ queries

QUERY_WORDS = (
    "can cannot who what how do reach on with no as session anonymous service federated oidc saml "
    "B.SomeRole A.repo A.bucket/* B.root pull s3:GetObject aws:SourceIp = 10.1.2.3 , { } [ ] ? * "
    '"arn:aws:s3:::b" "sess" sns.amazonaws.com allow deny tags team = "x"'
).split()
query_text = st.lists(
    st.tuples(st.one_of(st.sampled_from(QUERY_WORDS), st.sampled_from(QUERY_WORDS), st.text(max_size=4)), separator),
    max_size=20,
).map(lambda parts: "".join(t + s for t, s in parts))


@_fuzz_settings(400)
@given(query_text)
def test_queries_never_crash_the_parser(text: str) -> None:
    try:
        parse_query(text)
    except IamdslError as error:
        error.render().encode("utf-8")


# ------------------------------------------------------------------ JSON read by `from`

JSON_KEYS = [
    "Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition", "AWS", "Service", "Federated", "CanonicalUser",
    "StringEquals", "ForAnyValue:StringLike", "NumericLessThan", "DateGreaterThan", "Bool", "IpAddress",
    "BinaryEquals", "Null", "NullIfExists", "aws:SourceIp", "aws:TagKeys", "aws:CurrentTime", "x",
]  # fmt: skip
JSON_STRINGS = [
    "2012-10-17", "2008-10-17", "Allow", "Deny", "allow", "*", "s3:GetObject", "s*:Get", "nope",
    "arn:aws:s3:::b/*", "arn:aws:iam::222222222222:root", "arn:aws:iam::*:role/x*", "AROAEXAMPLEID1234567",
    "10.0.0.0/8", "not an ip", "2026-01-31", "${aws:username}", "true", "",
]  # fmt: skip
json_values = st.recursive(
    st.one_of(
        st.sampled_from(JSON_STRINGS),
        st.text(max_size=5),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(JSON_KEYS), inner, max_size=5),
    max_leaves=25,
)
policy_like = st.fixed_dictionaries(
    {"Version": st.sampled_from(["2012-10-17", "2008-10-17", "1"])},
    optional={
        "Statement": st.lists(st.dictionaries(st.sampled_from(JSON_KEYS), json_values, max_size=7), max_size=3) | json_values,
        "Id": json_values,
    },
)


@st.composite
def json_document(draw) -> str:
    text = json.dumps(draw(st.one_of(policy_like, json_values)), ensure_ascii=draw(st.booleans()))
    damage = draw(st.sampled_from(["none", "none", "truncate", "insert", "nest", "bignum"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from([",", "}", "]", '"', "\\", "\\u", "'", ":", "// x", draw(st.text(max_size=3))])) + text[at:]
    elif damage == "nest":
        depth = draw(st.integers(1, 400))
        text = '{"Statement": ' + "[" * depth + text + "]" * depth + "}"
    elif damage == "bignum":
        text = '{"Version": ' + "7" * draw(st.integers(4000, 6000)) + ', "Statement": ' + text + "}"
    return text


MODEL_USING_DOC = """
account A 111111111111
account Mgmt 222222222222
policy A.Managed from "doc.json"
role A.R {
    policy inline from "doc.json"
    trust from "doc.json"
    attach A.Managed
    boundary A.Managed
}
resource A.bucket : s3:bucket "b" {
    policy from "doc.json"
}
endpoint A.vpce "vpce-1" {
    policy from "doc.json"
}
organization Corp {
    management Mgmt
    scp Guard from "doc.json"
    rcp Fence from "doc.json"
    attach Guard, Fence
}
"""


@_fuzz_settings(400)
@given(json_document(), st.booleans())
def test_from_json_never_crashes_the_loader(text: str, as_bytes: bool) -> None:
    data = text.encode("utf-8", "surrogatepass")
    if as_bytes:  # sometimes not UTF-8 at all
        data = data[:1] + b"\xff" + data[1:]
    Path("doc.json").write_bytes(data)
    _must_not_crash(MODEL_USING_DOC)


def test_model_using_doc_loads_with_a_valid_document() -> None:
    """The fuzzed model is sound, so what the fuzzer finds comes from the JSON."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
    }
    Path("doc.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(IamdslError) as caught:
        load_text(MODEL_USING_DOC, "fuzz.iam")
    # The one document cannot suit every kind of policy: only the Principal errors remain.
    assert {d.code for d in caught.value.errors} == {"E017"}
