"""No input may produce a Python traceback: the language either loads it or raises IamdslError.

Five fuzzers, each accepting IamdslError (and nothing else) as the answer to bad input:

- random text: the language's own tokens, arbitrary unicode and extremes;
- mutated files: the examples and the error goldens with tokens or lines
  deleted, duplicated, swapped, inserted or cut off;
- well-formed files: declarations built from the grammar's shapes with random
  names and clauses, so that most of them reach the resolver and the checks;
- queries through `parse_query`;
- the JSON documents that `from "doc.json"` reads, damaged in various ways.

The example counts keep the module well under a minute on two cores.  To hunt
for crashes, scale them up (20 runs about 70,000 examples)::

    IAMDSL_FUZZ_SCALE=20 python -m pytest tests/test_fuzz_loader.py
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


def _check_error(error: IamdslError) -> None:
    """What the CLI would print must print: text as UTF-8, and the JSON format."""
    assert error.errors, "an IamdslError must hold at least one error"
    error.render().encode("utf-8")
    json.loads(render_json(error.diagnostics))


def _must_not_crash(text: str, name: str = "fuzz.iam") -> Loaded | None:
    try:
        return load_text(text, name)
    except IamdslError as error:
        _check_error(error)
        return None


# ------------------------------------------------------------------ random text

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
    "aws:SourceIp aws:SourceIp? aws:TagKeys aws:PrincipalTag/team aws:CurrentTime aws:EpochTime "
    "aws:SecureTransport aws:MultiFactorAuthAge s3:max-keys ForAnyValue:StringLike ForAllValues:StringEquals "
    "iam:role iam:PassRole sts:AssumeRole token.actions.githubusercontent.com:sub"
).split()
OPERATORS = "StringEquals StringLike NumericLessThan DateGreaterThan Bool IpAddress BinaryEquals Null NullIfExists ArnLike"
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
    '{"Statement": {"Effect": "Deny", "NotAction": [], "Principal": "*"}}',
    '"Principal": {"AWS": "*"}',
    '"Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}}',
    '"NotPrincipal": "*"',
    "null",
]
# Nesting deeper than the stack, numbers longer than int() converts, escapes
# that do not decode, control characters, line breaks other than "\n".
EXTREMES = [
    "[" * 150,
    '{"a": ' * 120,
    "ou U { " * 120,
    'json {"a": ' + "[" * 150 + "]" * 150 + "}",
    "organization O { " + "ou U { " * 120 + "} " * 121,
    "9" * 5000,
    '"\\u"',
    '"\\ud800"',
    '"\\u0000"',
    '"\x1b"',
    "\x00",
    "\r\n",
    "\u2028",
    "\x0c",
    "\ufeff",
]
TOKENS = KEYWORDS + NAMES + PNAMES + OPERATORS.split() + PUNCTUATION + LITERALS + JSON_FRAGMENTS + EXTREMES

language_token = st.sampled_from(TOKENS)
token = st.one_of(language_token, language_token, language_token, st.text(max_size=6))
separator = st.sampled_from([" ", " ", "\n", "", "\t"])


def _joined(words: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(words, separator), max_size=max_size).map(lambda parts: "".join(w + s for w, s in parts))


@_fuzz_settings(1200)
@given(_joined(token, 60))
def test_random_text_never_crashes_the_loader(text: str) -> None:
    _must_not_crash(text)


# ------------------------------------------------------------------ mutated valid files

_PIECES = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_][\w.:/*?\-]*|\s+|.', re.DOTALL)
MUTATIONS = ["delete", "duplicate", "swap", "insert", "replace", "truncate"]


@st.composite
def mutated_file(draw) -> tuple[str, str]:
    """A seed's path (so its `include` and `from` paths resolve) and its mutated text."""
    name, text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        parts = text.splitlines(keepends=True) if draw(st.booleans()) else _PIECES.findall(text)
        parts = parts or [""]
        i, j = draw(st.integers(0, len(parts) - 1)), draw(st.integers(0, len(parts) - 1))
        mutation = draw(st.sampled_from(MUTATIONS))
        if mutation == "delete":
            del parts[i]
        elif mutation == "duplicate":
            parts.insert(i, parts[i])
        elif mutation == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        elif mutation == "insert":
            parts.insert(i, draw(token) + draw(separator))
        elif mutation == "replace":
            parts[i] = draw(token) + draw(separator)
        text = "".join(parts)
        if mutation == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    return name, text


def test_there_are_examples_to_mutate() -> None:
    assert any(Path(name).parent.name == "examples" for name, _ in SEED_TEXTS)


@_fuzz_settings(1000)
@given(mutated_file())
def test_mutated_files_never_crash_the_loader(case: tuple[str, str]) -> None:
    name, text = case
    _must_not_crash(text, name)


# ------------------------------------------------------------------ well-formed files with random meaning
# Random text rarely gets past the parser; these files parse, so the resolver
# and the checks meet every odd combination of names, kinds and clauses.

ACCOUNTS = ["A", "B", "C", "aws", "mgmt"]
ACCOUNT_IDS = ["111111111111", "222222222222", "111111111111", "12345", "000000000000", "1e3", ""]
ENTITY_NAMES = ["R", "Ci", "root", "alice", "Devs", "Managed", '"x/y"', "repo", "bucket"]
RESOURCE_KINDS = (
    'ecr:repository "app"|s3:bucket "b"|s3:object "b/k"|kms:key "k"|iam:role "r"|sqs:queue "q"|ec2:nope "n"|'
    's3:bucket* "b"|"arn:aws:s3:::b"|"arn:x"|"nope"'
).split("|")
ACTIONS = (
    "pull push read write assume nosuchverb s3:GetObject s3:* s3:Get* ecr:BatchGetImage sts:AssumeRole "
    "iam:PassRole kms:Decrypt * nosvc:Thing"
).split()
RESOURCE_ITEMS = ["*", "self", "self/*", 'self/"logs/*"', '"arn:aws:s3:::b/*"', '"nope"']
PRINCIPAL_ITEMS = [
    "anyone", "account A", "account 123", "account 222222222222", "service sns.amazonaws.com",
    'federated "cognito"', 'canonical "abc"', '"*"', '"arn:aws:iam::*:role/x*"',
]  # fmt: skip
CONDITION_KEYS = (
    "aws:SourceIp aws:SourceIp? aws:TagKeys aws:PrincipalTag/team aws:CurrentTime aws:EpochTime "
    'aws:SecureTransport aws:MultiFactorAuthAge aws:PrincipalArn s3:prefix x:unknown "aws:SourceVpce"'
).split()
ONE_VALUE = [
    '"a"', '"*"', "10.0.0.0/8", "1.2.3.4", "12", "-3.5", "true", "false", '"2026-01-31T00:00:00Z"',
    '"${aws:username}"', '"arn:aws:iam::111111111111:role/R"', '"QmluYXJ5"',
]  # fmt: skip
VALUES = ONE_VALUE + ['["a", "b"]', "[]", "[10.0.0.0/8, 12]"]
SUGAR = ["==", "!=", "like", "not like", "in", "not in", "<", "<=", ">", ">=", "before", "after", "is", "exists"]
ORG_POLICY_NAMES = ["FullAWSAccess", "RCPFullAWSAccess", "Guard", "Fence", "Nope"]


def _pick(options: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(options)


def _some(item: st.SearchStrategy[str], max_size: int = 3) -> st.SearchStrategy[str]:
    return st.lists(item, min_size=1, max_size=max_size).map(", ".join)


def _block(item: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(item, max_size=4).map(lambda items: "{\n" + "\n".join(items) + "\n}")


def _maybe(draw, prefix: str, item: st.SearchStrategy[str]) -> str:
    return f" {prefix}{draw(item)}" if draw(st.booleans()) else ""


ref = st.builds(lambda account, name: f"{account}.{name}", _pick(ACCOUNTS), _pick(ENTITY_NAMES))


@st.composite
def condition(draw) -> str:
    key = draw(_pick(CONDITION_KEYS))
    form = draw(_pick(["sugar", "quantified", "full"]))
    if form == "full":
        operator = draw(_pick(OPERATORS.split() + ["ForAnyValue:StringLike", "ForAllValues:NullIfExists"]))
        return f"{operator} {key} {draw(_pick(VALUES))}"
    quantifier = draw(_pick(["any ", "all "])) if form == "quantified" else ""
    op = draw(_pick(SUGAR))
    if op == "exists":
        return f"{quantifier}{key} {draw(_pick(['exists', 'not exists']))}"
    value = draw(_pick(["true", "false"] if op == "is" else VALUES if op.endswith("in") else ONE_VALUE))
    return f"{quantifier}{key} {op} {value}"


@st.composite
def statement(draw) -> str:
    text = draw(_pick(["", 'sid "S1" ', "sid S2 "])) + draw(_pick(["allow", "deny"]))
    text += " " + draw(_pick(["", "not "])) + draw(_some(_pick(ACTIONS)))
    text += _maybe(draw, "on " + draw(_pick(["", "not "])), _some(ref | _pick(RESOURCE_ITEMS)))
    text += _maybe(draw, "to " + draw(_pick(["", "not "])), _some(ref | _pick(PRINCIPAL_ITEMS)))
    joiner = draw(_pick([" and ", " and ", " or "]))
    text += _maybe(draw, "when ", st.lists(condition(), min_size=1, max_size=3).map(joiner.join))
    return text


def policy_body(*, block: bool = True) -> st.SearchStrategy[str]:
    documents = _pick(['from "doc.json"', 'from "missing.json"', 'from ""'] + ["json " + d for d in JSON_FRAGMENTS[:3]])
    return (_block(statement()) | documents) if block else documents


def _entity() -> st.SearchStrategy[str]:
    item = st.one_of(
        statement(),
        policy_body().map("policy p {}".format),
        policy_body().map("trust {}".format),
        ref.map("attach {}".format),
        ref.map("boundary {}".format),
        ref.map("member of {}".format),
        _pick(['path "/ci/"', 'path "ci"', 'tags { a = "1", a = "2" }']),
    )
    return st.builds("{} {} {}".format, _pick(["role", "user", "group"]), ref, _pick([""]) | _block(item))


def _resource() -> st.SearchStrategy[str]:
    item = st.one_of(
        statement(), policy_body(block=False).map("policy {}".format), _pick(["acls enabled", "nope enabled"])
    )
    return st.builds(
        "resource {} : {} {} {}".format, ref, _pick(RESOURCE_KINDS), _pick(["", "in eu-west-1"]), _pick([""]) | _block(item)
    )


def _organization() -> st.SearchStrategy[str]:
    names = _pick(ORG_POLICY_NAMES)
    item = st.one_of(
        _pick(ACCOUNTS).map("management {}".format),
        _pick(["features all", "features some"]),
        st.builds("scp {} {}".format, names, policy_body()),
        st.builds("rcp {} {}".format, names, policy_body()),
        names.map("attach {}".format),
        names.map("detach {}".format),
        st.builds("account {} {{ attach {} }}".format, _pick(ACCOUNTS), names),
        _pick(ACCOUNTS).map("ou Unit {{ account {} }}".format),
    )
    return st.builds("organization Corp {} {}".format, _pick(["", "o-abc"]), _block(item))


@st.composite
def _expect(draw) -> str:
    subject = draw(
        ref
        | _pick(["anonymous", "service sns.amazonaws.com", 'oidc "x"', 'saml "y"', '"arn:aws:iam::1:user/u"', "federated A.alice"])
    )
    action = draw(_pick(["pull", "s3:GetObject", "nosuchverb", "s3:Nope"]))
    resource = draw(ref | _pick(["*", '"arn:aws:s3:::b"', "A.bucket/*"]))
    if draw(st.booleans()):
        return f"expect only {{{subject}}} can {action} {resource}{draw(_pick(['', ' except roots']))}"
    extra = draw(
        _pick(["", " with aws:SourceIp = 10.1.2.3", " with no aws:x", ' as session "s" { allow s3:* }', " because nope"])
    )
    return f"expect {draw(_pick(['can', 'cannot']))} {subject} {action} {resource}{extra}"


declaration = st.one_of(
    st.builds("account {} {} {}".format, _pick(ACCOUNTS), _pick(ACCOUNT_IDS), _pick(["", "external", '{ tags { t = "x" } }'])),
    _entity(),
    _resource(),
    st.builds("policy {} {}".format, ref, policy_body()),
    st.builds('endpoint {} "vpce-1" {}'.format, ref, _block(statement() | st.just('vpc "vpc-1"'))),
    _organization(),
    st.builds("delegate {} on {} to {}".format, _some(_pick(ACTIONS)), _some(ref), _some(ref | st.just("anyone"))),
    _expect(),
    st.builds("verb {} = {}".format, _pick(["pull", "myverb", "loop"]), _some(_pick(ACTIONS[:8] + ["loop"]))),
    _pick(["region us-east-1", "region eu-west-1", "partition aws", "partition aws-cn", 'include "doc.json"']),
)
VALID_DOC = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}


@_fuzz_settings(400)
@given(st.lists(declaration, max_size=10).map("\n".join))
def test_well_formed_files_never_crash_the_resolver(text: str) -> None:
    Path("doc.json").write_text(json.dumps(VALID_DOC), encoding="utf-8")
    _must_not_crash(text)


def test_well_formed_files_do_parse() -> None:
    """The generator above is only worth its time if its files get past the parser."""
    Path("doc.json").write_text(json.dumps(VALID_DOC), encoding="utf-8")
    syntax_errors: list[str] = []

    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(declaration, min_size=1, max_size=10).map("\n".join))
    def parse_one(text: str) -> None:
        try:
            load_text(text, "fuzz.iam")
        except IamdslError as error:
            # (`include "doc.json"` reads JSON as a .iam file: that syntax error is meant)
            syntax_errors.extend(d.message for d in error.errors if d.code == "E001" and d.span.file == "fuzz.iam")

    parse_one()
    assert syntax_errors == []


# ------------------------------------------------------------------ queries

QUERY_WORDS = (
    "can cannot who what how do reach on with no as session anonymous service federated oidc saml "
    "B.SomeRole A.repo A.bucket/* B.root pull s3:GetObject aws:SourceIp = 10.1.2.3 , { } [ ] ? * "
    '"arn:aws:s3:::b" "sess" sns.amazonaws.com allow deny tags team = "x"'
).split()
query_word = _pick(QUERY_WORDS)


@_fuzz_settings(400)
@given(_joined(st.one_of(query_word, query_word, st.text(max_size=4), _pick(EXTREMES)), 20))
def test_queries_never_crash_the_parser(text: str) -> None:
    try:
        parse_query(text)
    except IamdslError as error:
        _check_error(error)


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
        _pick(JSON_STRINGS),
        st.text(max_size=5),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_pick(JSON_KEYS), inner, max_size=5),
    max_leaves=25,
)
policy_like = st.fixed_dictionaries(
    {"Version": _pick(["2012-10-17", "2008-10-17", "1"])},
    optional={
        "Statement": st.lists(st.dictionaries(_pick(JSON_KEYS), json_values, max_size=7), max_size=3) | json_values,
        "Id": json_values,
    },
)
JSON_DAMAGE = [",", "}", "]", '"', "\\", "\\u", "\\ud800", "'", ":", "// x", "\x01", "\t"]


@st.composite
def json_document(draw) -> str:
    text = json.dumps(draw(policy_like | json_values), ensure_ascii=draw(st.booleans()))
    damage = draw(_pick(["none", "none", "truncate", "insert", "nest", "bignum"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_pick(JSON_DAMAGE) | st.text(max_size=3)) + text[at:]
    elif damage == "nest":
        depth = draw(st.integers(1, 400))
        text = '{"Statement": ' + "[" * depth + text + "]" * depth + "}"
    elif damage == "bignum":
        text = '{"Version": ' + "7" * draw(st.integers(4000, 6000)) + ', "Statement": ' + text + "}"
    return text


# Every kind of policy reads the one document.
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
def test_from_json_never_crashes_the_loader(text: str, not_utf8: bool) -> None:
    data = text.encode("utf-8", "surrogatepass")
    if not_utf8:
        data = data[:1] + b"\xff" + data[1:]
    Path("doc.json").write_bytes(data)
    _must_not_crash(MODEL_USING_DOC)


def test_model_using_doc_fails_only_because_of_the_document() -> None:
    """With a sound document, the only errors left are the ones one document cannot avoid."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    Path("doc.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(IamdslError) as caught:
        load_text(MODEL_USING_DOC, "fuzz.iam")
    # A Principal suits resource, trust, endpoint and RCP policies, and no identity-side one.
    assert {d.code for d in caught.value.errors} == {"E017"}
