"""The printer (model -> DSL) and the formatter (DSL -> DSL), and edits that insert only.

Round trips are checked on models compared without spans and file names
(`comparable`): `load(print_model(load(x))) == load(x)` and
`load(format_source(x)) == load(x)`, for every example and for hand-written
cases; the formatter must also be idempotent and keep every comment in order.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iamdsl
from iamdsl import model as m
from iamdsl.language.fmt import (
    NotExpressible,
    append_declaration,
    comparable,
    format_source,
    insert_statement,
    print_model,
    print_policy_json,
    print_statement,
)
from iamdsl.language.parser import parse
from iamdsl.model import Condition, Effect, PolicyKind, Principal, PrincipalType, Statement
from iamdsl.testing.generator import org_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.iam"))


def _reloaded(text: str, name: str = "printed.iam") -> iamdsl.Model:
    return iamdsl.loads(text, name)


def _comment_texts(text: str) -> list[str]:
    return [c.text.rstrip() for c in parse(text).comments]


def _assert_layout(text: str) -> None:
    """What every formatted text looks like, whatever went in."""
    lines = text.split("\n")
    assert text == "" or text.endswith("\n") and not text.endswith("\n\n")
    assert not text.startswith("\n")
    assert all(line == line.rstrip() for line in lines), "trailing spaces"
    assert "\n\n\n" not in text, "a run of blank lines"


# ------------------------------------------------------------------ the examples


def test_there_are_examples() -> None:
    assert EXAMPLES, "examples/*.iam is empty"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_print_model_round_trips_each_example(path: Path) -> None:
    model = iamdsl.load(path)
    printed = print_model(model)
    assert comparable(_reloaded(printed)) == comparable(model)
    assert format_source(printed) == printed  # the printer writes the canonical layout


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_format_source_keeps_each_example(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    formatted = format_source(source, str(path))
    assert format_source(formatted, str(path)) == formatted
    assert comparable(iamdsl.loads(formatted, str(path))) == comparable(iamdsl.load(path))
    assert _comment_texts(formatted) == _comment_texts(source)
    _assert_layout(formatted)


# ------------------------------------------------------------------ print_model, case by case

HEAD = "account A 111111111111\naccount B 222222222222\n"

# Each case loads, prints in the DSL only (no `json`), and loads back to the same model.
DSL_CASES = {
    "settings": 'region eu-west-1\npartition aws-cn\nnow "2026-01-01T00:00:00Z"\naccount A 111111111111\nrole A.R { allow s3:GetObject on A.b/* }\nresource A.b : s3:bucket "b"',
    "accounts": 'account A 111111111111 { tags { env = "prod", "cost center" = "42" } }\naccount D\naccount E external',
    "verbs": HEAD + "verb deploy = ecs:UpdateService, ecs:DescribeServices\nverb pull = ecr:BatchGetImage\nrole A.R { allow deploy }",
    "organization": HEAD
    + "account M 333333333333\n"
    + "organization acme o-abcdefghij {\n"
    + "    features consolidated_billing\n"
    + "    scp DenyAll { deny * }\n"
    + '    rcp Perimeter { deny s3:* to anyone when StringNotEqualsIfExists aws:PrincipalOrgID ["o-abcdefghij"] }\n'
    + "    management M\n"
    + "    attach Perimeter\n"
    + "    ou Workloads {\n"
    + "        detach FullAWSAccess\n"
    + "        attach DenyAll, FullAWSAccess\n"
    + "        account A { attach DenyAll }\n"
    + "        ou Inner { account B { detach FullAWSAccess } }\n"
    + "    }\n"
    + "}",
    "organization_derived_id": HEAD + "organization o { scp X { deny s3:* } detach FullAWSAccess attach X account A management B }",
    "managed_policies": HEAD + 'policy A.Managed { allow s3:ListAllMyBuckets }\npolicy A."odd/name" { deny iam:* }\npolicy aws.ReadOnly { allow s3:Get*, s3:List* }\nrole A.R { attach A.Managed, aws.ReadOnly, A."odd/name" boundary aws.ReadOnly }',
    "role": HEAD
    + "role A.Deployer {\n"
    + '    path "/deploy/"\n'
    + '    tags { team = "x" }\n'
    + "    trust { allow assume to account B, B.Caller when aws:MultiFactorAuthPresent is true }\n"
    + "    allow deny_me_not on A.b\n"
    + "    deny not s3:*, sqs:* on not A.b, A.b/*\n"
    + '    allow s3:GetObject on A.b/"logs/*" when any aws:TagKeys like "team*" and aws:SecureTransport? is true\n'
    + "    policy inline { allow kms:Decrypt on A.key }\n"
    + '    policy "Named Policy" { sid "x y" allow iam:PassRole on A.Deployer when iam:PassedToService == "ecs-tasks.amazonaws.com" }\n'
    + "}\n"
    + "verb deny_me_not = s3:ListBucket\n"
    + "role B.Caller\n"
    + 'resource A.b : s3:bucket "bkt"\nresource A.key : kms:key "k1" in us-west-2',
    "users_and_groups": HEAD + 'group A.Devs { allow sqs:ListQueues }\ngroup A."g=1"\nuser A.alice { member of A.Devs, A."g=1" path "/people/" }\nuser A."u+1"',
    "federated_trust": HEAD
    + 'role B.Fed { trust { allow sts:AssumeRoleWithWebIdentity to federated accounts.google.com, federated "arn:aws:iam::222222222222:saml-provider/X" } }',
    "resource_policy": HEAD
    + 'resource A.b : s3:bucket "my-bucket" {\n'
    + "    acls enabled\n"
    + '    tags { a = "b" }\n'
    + "    allow read to account B\n"
    + '    deny s3:* on self, self/* to not A.R, account A when Bool aws:SecureTransport ["false"]\n'
    + '    allow s3:GetObject on self/"public/*" to anyone\n'
    + '    allow s3:PutObject on self/* to canonical "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"\n'
    + "    deny s3:PutObject on self/* to anyone, account 444455556666, \"arn:aws:iam::444455556666:user/x\"\n"
    + "}\nrole A.R",
    "raw_arn_resources": HEAD
    + 'resource A.q : "arn:aws:sqs:us-east-2:111111111111:queue1" in us-east-2 { allow sqs:SendMessage to service sns.amazonaws.com }\n'
    + 'resource A.t : "arn:aws:sns:us-east-1:999999999999:elsewhere"',
    "endpoints": HEAD + 'endpoint A.e "vpce-123" { vpc "vpc-1" tags { net = "private" } allow * to anyone when aws:PrincipalOrgID == "o-1" }\nendpoint A.e2 "vpce-456"',
    "delegate": HEAD + 'resource A.repo : ecr:repository "repo"\nrole B.Puller\ndelegate pull on A.repo to B.Puller',
    "expectations": HEAD
    + 'role A.R { allow s3:GetObject on A.b/* }\nuser A.u\nresource A.b : s3:bucket "bkt"\nresource A.t : sns:topic "t"\n'
    + "expect can A.R read A.b\n"
    + "expect cannot A.u s3:DeleteBucket A.b because implicit\n"
    + 'expect can A.R s3:GetObject A.b/"logs/x" with aws:SecureTransport = "true", aws:TagKeys = ["a", "b"], no aws:SourceIp\n'
    + 'expect cannot A.R s3:GetObject A.b/* as session "s1" { allow s3:PutObject tags { k = "v" } }\n'
    + 'expect cannot A.R s3:GetObject "arn:aws:s3:::other/x" as session { tags { k = "v" } }\n'
    + "expect cannot anonymous s3:GetObject A.b/*\n"
    + "expect cannot service events.amazonaws.com sns:Publish A.t\n"
    + 'expect cannot federated A.u "sess" s3:GetObject *\n'
    + "expect cannot federated A.u s3:GetObject *\n"
    + "expect cannot oidc accounts.google.com sts:AssumeRoleWithWebIdentity A.R\n"
    + 'expect cannot saml "arn:aws:iam::1:saml-provider/X" sts:AssumeRoleWithSAML A.R\n'
    + 'expect cannot "arn:aws:iam::999999999999:user/x" s3:GetObject A.b/*\n'
    + "expect cannot B.root s3:GetObject *\n"
    + 'expect only {A.R, A.root} can s3:GetObject A.b/"a" except roots\n'
    + 'expect only {} can s3:GetObject A.b/"nothing"',
    "odd_names": 'account A 111111111111\nrole A."svc@x" { allow s3:GetObject on A."b.c" }\nresource A."b.c" : s3:bucket "bc"\nexpect can A."svc@x" s3:GetObject A."b.c"',
    "condition_forms": HEAD
    + 'role A.R { allow s3:GetObject when StringEquals "weird key" ["v"] and StringEquals aws:SourceVpce [] and aws:SourceIp in [10.0.0.0/8, "192.168.0.0/16"] }',
}


@pytest.mark.parametrize("text", DSL_CASES.values(), ids=DSL_CASES.keys())
def test_print_model_round_trips_in_the_dsl(text: str) -> None:
    model = _reloaded(text, "case.iam")
    printed = print_model(model)
    assert "json {" not in printed
    assert comparable(_reloaded(printed)) == comparable(model)
    assert format_source(printed) == printed


def _in_json(statement: str, wrapper: str = "role A.R { policy P json %s }", version: str = "2012-10-17") -> str:
    return HEAD + wrapper % ('{"Version": "%s", "Statement": [%s]}' % (version, statement))


_QUEUE = 'resource A.q : sqs:queue "q" { policy json %s }'
_QUEUE_ARN = "arn:aws:sqs:us-east-1:111111111111:q"

# What only IAM JSON says exactly: each case must come out as `json { … }` and still round-trip.
JSON_CASES = {
    "version_2008": _in_json('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}', version="2008-10-17"),
    "policy_id": HEAD + 'role A.R { trust json {"Version": "2012-10-17", "Id": "t1", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]} }',
    "no_version": HEAD + 'resource A.e : "arn:aws:sns:us-east-1:111111111111:t" { policy json {"Statement": []} }',
    "empty_endpoint_policy": HEAD + 'endpoint A.e "vpce-1" { policy json {"Version": "2012-10-17", "Statement": []} }',
    "aws_star_alone": _in_json('{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "%s"}' % _QUEUE_ARN, _QUEUE),
    "star_beside_others": _in_json(
        '{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "%s"}, '
        '{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*", "Resource": "%s"}' % (_QUEUE_ARN, _QUEUE_ARN),
        _QUEUE,
    ),
    "multi_valued_plain_operator": _in_json('{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "x"}}}'),
    "allow_not_principal": _in_json('{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sqs:*", "Resource": "%s"}' % _QUEUE_ARN, _QUEUE),
    "trust_with_resource": _in_json('{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}', "role A.R { trust json %s }"),
    "resource_statement_without_resource": _in_json('{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}', _QUEUE),
    "repeated_action": _in_json('{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObject"], "Resource": "*"}'),
    "keys_differing_in_case": _in_json('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "a", "aws:sourcevpce": "b"}}}'),
    "not_an_arn": _in_json('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "my-bucket"}'),
    "scp_with_id": HEAD + 'organization o { scp Legacy json {"Version": "2008-10-17", "Id": "x", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]} attach Legacy }',
    "first_inline_policy": HEAD + 'role A.R { policy inline json {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]} policy Other { allow s3:PutObject } }',
}


@pytest.mark.parametrize("text", JSON_CASES.values(), ids=JSON_CASES.keys())
def test_print_model_falls_back_to_json_where_the_dsl_is_not_exact(text: str) -> None:
    model = _reloaded(text, "case.iam")
    printed = print_model(model)
    assert "json {" in printed
    assert comparable(_reloaded(printed)) == comparable(model)
    assert format_source(printed) == printed


# Every field of the model, as the printer knows it.  A new field fails here until
# print_model writes it (and a DSL case above shows it round-trips).
PRINTED_FIELDS = {
    m.Model: {"partition", "region", "now", "accounts", "principals", "resources", "managed_policies", "endpoints", "organizations", "verbs", "expectations", "files"},
    m.Account: {"name", "id", "id_derived", "external", "tags", "span"},
    m.IdentityEntity: {"kind", "account", "name", "arn", "path", "tags", "inline_policies", "managed_policies", "boundary", "trust_policy", "groups", "span"},
    m.ManagedPolicy: {"account", "name", "arn", "path", "policy", "span"},
    m.Resource: {"account", "name", "arn", "service", "type", "region", "tags", "policy", "mechanisms", "span"},
    m.Endpoint: {"account", "name", "id", "vpc", "tags", "policy", "span"},
    m.Organization: {"name", "id", "management_account", "all_features", "root", "account_attachments", "scps", "rcps", "span"},
    m.OrgUnit: {"name", "accounts", "children", "scps", "rcps", "span"},
    m.AccountAttachments: {"scps", "rcps"},
    m.Policy: {"name", "kind", "version", "id", "statements", "span"},
    m.Statement: {"sid", "effect", "actions", "not_actions", "resources", "not_resources", "principals", "not_principals", "conditions", "span"},
    m.Condition: {"operator", "key", "values", "span"},
    m.Principal: {"type", "value"},
    m.Verb: {"name", "actions", "span"},
    m.Expectation: {"kind", "subjects", "action", "actions", "resource", "resource_name", "context", "session_policy", "session_tags", "because", "except_roots", "span"},
    m.Subject: {"kind", "name", "arn", "session_name", "span"},
    m.ContextValue: {"key", "values", "span"},
}


@pytest.mark.parametrize("model_class", PRINTED_FIELDS, ids=[c.__name__ for c in PRINTED_FIELDS])
def test_the_printer_knows_every_field_of_the_model(model_class: type) -> None:
    assert set(model_class.model_fields) == PRINTED_FIELDS[model_class], "teach iamdsl/language/printer.py the new field"


def test_print_model_names_what_it_can_and_quotes_the_rest() -> None:
    model = _reloaded(
        HEAD
        + 'resource A.b : s3:bucket "bkt" { allow s3:GetObject on self/* to account B, B.R, account 444455556666, "arn:aws:iam::444455556666:user/x" }\n'
        + 'role B.R { allow s3:GetObject on A.b/*, "arn:aws:s3:::elsewhere/*" when aws:PrincipalTag/team == "x" }'
    )
    printed = print_model(model)
    assert (
        '    allow s3:GetObject on self/* to account B, B.R, account 444455556666, "arn:aws:iam::444455556666:user/x"\n'
        in printed
    )
    assert '    allow s3:GetObject on A.b/*, "arn:aws:s3:::elsewhere/*" when StringEquals aws:PrincipalTag/team ["x"]\n' in printed
    assert 'resource A.b : s3:bucket "bkt" {' in printed


def test_print_model_skips_the_prelude_verbs_but_keeps_overrides() -> None:
    printed = print_model(_reloaded(HEAD + "verb pull = ecr:BatchGetImage\nverb mine = s3:GetObject"))
    verbs = [line for line in printed.splitlines() if line.startswith("verb ")]
    assert verbs == ["verb pull = ecr:BatchGetImage", "verb mine = s3:GetObject"]


# ------------------------------------------------------------------ print_statement and print_policy_json


def _statement(**fields) -> Statement:
    return Statement(effect=Effect.ALLOW, actions=("s3:GetObject",), **fields)


@pytest.mark.parametrize(
    ("statement", "kind", "expected"),
    [
        (_statement(resources=("*",)), PolicyKind.IDENTITY, "allow s3:GetObject"),
        (_statement(resources=("arn:aws:s3:::b/*",)), PolicyKind.IDENTITY, 'allow s3:GetObject on "arn:aws:s3:::b/*"'),
        (
            _statement(sid="S1", resources=("*",), conditions=(Condition(operator="StringEquals", key="aws:PrincipalTag/team", values=("x",)),)),
            PolicyKind.MANAGED,
            'sid "S1" allow s3:GetObject when StringEquals aws:PrincipalTag/team ["x"]',
        ),
        (
            Statement(effect=Effect.DENY, not_actions=("s3:*",), not_resources=("arn:aws:s3:::b",)),
            PolicyKind.SCP,
            'deny not s3:* on not "arn:aws:s3:::b"',
        ),
        (
            Statement(effect=Effect.ALLOW, actions=("sts:AssumeRole",), principals=(Principal(type=PrincipalType.AWS, value="arn:aws:iam::222222222222:root"), Principal(type=PrincipalType.SERVICE, value="ec2.amazonaws.com"))),
            PolicyKind.TRUST,
            "allow sts:AssumeRole to account 222222222222, service ec2.amazonaws.com",
        ),
        (_statement(resources=("*",), principals=(Principal(type=PrincipalType.STAR, value="*"),)), PolicyKind.ENDPOINT, "allow s3:GetObject to anyone"),
    ],
    ids=["default-resource", "arn", "sid-and-full-condition", "not-forms", "trust-principals", "anyone"],
)
def test_print_statement(statement: Statement, kind: PolicyKind, expected: str) -> None:
    assert print_statement(statement, kind) == expected


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        (_statement(resources=("*",), principals=(Principal(type=PrincipalType.AWS, value="*"),)), PolicyKind.RESOURCE),
        (_statement(resources=("*",), principals=(Principal(type=PrincipalType.STAR, value="*"),)), PolicyKind.IDENTITY),
        (_statement(resources=("*",)), PolicyKind.TRUST),
        (_statement(resources=None), PolicyKind.IDENTITY),
        (Statement(effect=Effect.ALLOW, actions=("GetObject",), resources=("*",)), PolicyKind.IDENTITY),
    ],
    ids=["aws-star-alone", "to-in-identity", "on-in-trust", "no-resource-in-identity", "not-an-action"],
)
def test_print_statement_refuses_what_the_dsl_would_change(statement: Statement, kind: PolicyKind) -> None:
    with pytest.raises(NotExpressible):
        print_statement(statement, kind)


def test_print_statement_uses_the_model_names_and_self() -> None:
    model = _reloaded(HEAD + 'resource A.b : s3:bucket "bkt"\nrole B.R')
    bucket = model.resources["A.b"].arn
    statement = Statement(
        effect=Effect.ALLOW,
        actions=("s3:GetObject",),
        resources=(bucket + "/*",),
        principals=(Principal(type=PrincipalType.AWS, value=model.principals["B.R"].arn),),
    )
    assert print_statement(statement, PolicyKind.RESOURCE, model=model, self_arn=bucket) == "allow s3:GetObject on self/* to B.R"
    identity = statement.model_copy(update={"principals": None})
    assert print_statement(identity, PolicyKind.IDENTITY, model=model) == "allow s3:GetObject on A.b/*"


def test_print_policy_json_is_the_iam_document() -> None:
    model = _reloaded(HEAD + "role A.R { allow s3:GetObject }")
    assert print_policy_json(model.principals["A.R"].inline_policies[0]) == (
        '{\n    "Version": "2012-10-17",\n    "Statement": [\n        {\n            "Effect": "Allow",\n'
        '            "Action": "s3:GetObject",\n            "Resource": "*"\n        }\n    ]\n}'
    )


# ------------------------------------------------------------------ format_source on messy text

MESSY = {
    "spacing_and_blank_runs": (
        "\n\n# top\n\n\n\nregion   us-east-1\naccount A 111111111111   account B 222222222222\n\n\n\nrole  B.R{allow pull on A.repo}\n"
        'resource A.repo : ecr:repository "app"',
        "# top\n\nregion us-east-1\naccount A 111111111111\naccount B 222222222222\n\nrole B.R { allow pull on A.repo }\n"
        'resource A.repo : ecr:repository "app"\n',
    ),
    # a continuation line keeps its indentation relative to its statement (here 5), at least 4
    "blocks_and_comments": (
        'account A 111111111111\nresource A.repo : ecr:repository "app"\n{   # opening\n'
        "  allow pull to account A       # trailing\n      # inside\n\n\n"
        '  deny   push\n       to account A when aws:PrincipalTag/team=="x"   and aws:SourceIp in [ 10.0.0.0/8 ,  "192.168.0.0/16" ]\n'
        "  # before close\n\n}   # after close\n",
        'account A 111111111111\nresource A.repo : ecr:repository "app" {  # opening\n'
        "    allow pull to account A     # trailing\n    # inside\n\n"
        '    deny push\n         to account A when aws:PrincipalTag/team == "x" and aws:SourceIp in [10.0.0.0/8, "192.168.0.0/16"]\n'
        "    # before close\n}   # after close\n",
    ),
    "comment_between_header_and_brace": (
        "account A 111111111111\nrole A.R # about R\n{ allow s3:GetObject }\nrole A.S\n# about S\n{\n}\nrole A.T { }",
        "account A 111111111111\nrole A.R {  # about R\n    allow s3:GetObject\n}\nrole A.S {\n    # about S\n}\nrole A.T {}\n",
    ),
    "one_line_blocks_of_one_item_stay": (
        "account A 111111111111 { tags { a = \"b\" } }\nrole A.R { trust { allow assume to account A } }\nrole A.S { allow s3:GetObject allow s3:PutObject }",
        'account A 111111111111 { tags { a = "b" } }\nrole A.R { trust { allow assume to account A } }\n'
        "role A.S {\n    allow s3:GetObject\n    allow s3:PutObject\n}\n",
    ),
    "sid_on_its_own_line_and_aligned_continuations": (
        "account A 111111111111\nrole A.R {\n  sid \"S\"\n  allow s3:GetObject\n     when aws:SecureTransport is true\n      and aws:SourceIp in 10.0.0.0/8\n}\n"
        "verb v = s3:GetObject,\n        s3:PutObject",
        "account A 111111111111\nrole A.R {\n    sid \"S\"\n    allow s3:GetObject\n        when aws:SecureTransport is true\n"
        "        and aws:SourceIp in 10.0.0.0/8\n}\nverb v = s3:GetObject,\n        s3:PutObject\n",
    ),
    "embedded_json": (
        'account A 111111111111\nrole A.R {\npolicy P json {"Version":"2012-10-17",\n"Statement":[\n{"Effect":"Allow","Action":"s3:*","Resource":"*"}\n]\n}\n}',
        'account A 111111111111\nrole A.R {\n    policy P json {"Version": "2012-10-17",\n        "Statement": [\n'
        '            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}\n        ]\n    }\n}\n',
    ),
    "expectations_keep_their_shorthand": (
        "account A 111111111111\nrole A.R\nexpect   only{A.R ,A.root}can pull\n A.repo except roots\n"
        'resource A.repo : ecr:repository "app"\nexpect can A.R pull A.repo with aws:SourceIp=10.1.2.3,no aws:SourceVpce as session{allow ecr:*}',
        "account A 111111111111\nrole A.R\nexpect only {A.R, A.root} can pull\n    A.repo except roots\n"
        'resource A.repo : ecr:repository "app"\nexpect can A.R pull A.repo with aws:SourceIp = 10.1.2.3, no aws:SourceVpce as session { allow ecr:* }\n',
    ),
    "crlf_and_tabs": (
        "account A 111111111111\r\nrole A.R {\r\n\tallow s3:GetObject\t# tab\r\n}\r\n",
        "account A 111111111111\nrole A.R {\n    allow s3:GetObject  # tab\n}\n",
    ),
    "only_comments": ("\n# one\n\n\n   # two\n", "# one\n\n# two\n"),
    "empty": ("", ""),
}


@pytest.mark.parametrize(("source", "expected"), MESSY.values(), ids=MESSY.keys())
def test_format_source_lays_out_messy_text(source: str, expected: str) -> None:
    formatted = format_source(source)
    assert formatted == expected
    assert format_source(formatted) == formatted
    assert _comment_texts(formatted) == _comment_texts(source.replace("\r\n", "\n"))
    _assert_layout(formatted)
    if "account" in source:
        assert comparable(_reloaded(formatted)) == comparable(_reloaded(source))


def test_format_source_reports_syntax_errors() -> None:
    with pytest.raises(iamdsl.IamdslError) as caught:
        format_source("account A 111111111111\nrole A.R { allow }", "broken.iam")
    assert caught.value.diagnostics[0].code == "E001"
    assert caught.value.diagnostics[0].span.file == "broken.iam"


# ------------------------------------------------------------------ properties over generated text

_SEPARATORS = [" ", "  ", "\t", "\n", "\n\n\n", " \n    ", "  # c\n", "\n# c\n\n"]
_ACTIONS = [["s3:GetObject"], ["read"], ["[", "s3:GetObject", ",", "s3:PutObject", "]"], ["s3:GetObject", ",", "s3:ListBucket"]]
_ON = [[], ["on", "*"], ["on", "A", ".", "bucket", "/", "*"], ["on", "A", ".", "bucket", ",", "A", ".", "bucket", "/", '"logs/*"']]
_TO = [["to", "account", "B"], ["to", "anyone"], ["to", "B", ".", "R1", ",", "account", "A"], ["to", "not", "B", ".", "R1"]]
_WHEN = [
    [],
    ["when", "aws:SecureTransport", "is", "true"],
    ["when", "StringEquals", "aws:PrincipalTag/team", "[", '"x"', "]"],
    ["when", "aws:SourceIp", "in", "[", "10.0.0.0/8", ",", '"192.168.0.0/16"', "]", "and", "aws:SourceVpce?", "!=", '"vpce-1"'],
]


@st.composite
def _statement_tokens(draw, *, resource_block: bool) -> list[str]:
    tokens = [] if not draw(st.booleans()) else ["sid", f'"S{draw(st.integers(0, 9))}"']
    effect = draw(st.sampled_from(["allow", "deny"]))
    tokens += [effect, *draw(st.sampled_from(_ACTIONS))]
    on = draw(st.sampled_from(_ON))
    if resource_block and on[-1:] == ["*"] and on[1:2] == ["*"]:
        on = ["on", "self", "/", "*"]
    tokens += on
    if resource_block:
        to = draw(st.sampled_from(_TO))
        tokens += ["to", "anyone"] if effect == "allow" and "not" in to else to  # Allow with NotPrincipal is an error
    return tokens + draw(st.sampled_from(_WHEN))


@st.composite
def _files(draw) -> str:
    declarations = [["account", "A", "111111111111"], ["account", "B", "222222222222"]]
    for name in ("R1", "R2")[: draw(st.integers(1, 2))]:
        body = [draw(_statement_tokens(resource_block=False)) for _ in range(draw(st.integers(0, 3)))]
        declarations.append(["role", "B", ".", name] + (["{", *[t for s in body for t in s], "}"] if draw(st.booleans()) else []))
    statements = [draw(_statement_tokens(resource_block=True)) for _ in range(draw(st.integers(0, 3)))]
    declarations.append(["resource", "A", ".", "bucket", ":", "s3:bucket", '"bkt"', "{", *[t for s in statements for t in s], "}"])
    if draw(st.booleans()):
        declarations.append(["expect", "can", "B", ".", "R1", "read", "A", ".", "bucket", "with", "aws:SourceIp", "=", "10.1.2.3"])
    tokens = [t for declaration in declarations for t in declaration]
    parts = [draw(st.sampled_from(["", "\n\n# top\n"]))]
    for token in tokens:
        parts += [token, draw(st.sampled_from(_SEPARATORS))]
    text = "".join(parts)
    counter = iter(range(10_000))
    return re.sub(r"# c\b", lambda _: f"# c{next(counter)}", text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files())
def test_format_source_properties_on_generated_text(source: str) -> None:
    formatted = format_source(source)
    assert format_source(formatted) == formatted
    assert _comment_texts(formatted) == _comment_texts(source)
    _assert_layout(formatted)
    model = _reloaded(source)
    assert comparable(_reloaded(formatted)) == comparable(model)
    printed = print_model(model)
    assert comparable(_reloaded(printed)) == comparable(model)


@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
def test_round_trips_on_a_generated_organization(seed: int) -> None:
    text = org_text(statements=150, seed=seed)
    model = _reloaded(text, "org.iam")
    assert comparable(_reloaded(print_model(model))) == comparable(model)
    formatted = format_source(text)
    assert format_source(formatted) == formatted
    assert comparable(_reloaded(formatted, "org.iam")) == comparable(model)
    assert _comment_texts(formatted) == _comment_texts(text)


# ------------------------------------------------------------------ edits


def _only_insertions(before: str, after: str) -> bool:
    opcodes = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    return all(tag in ("equal", "insert") for tag, *_ in opcodes)


ECR = (ROOT / "examples" / "ecr_delegation.iam").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "target", "statement", "expected_tail"),
    [
        (
            "account A 111111111111\nrole A.R {\n  allow s3:GetObject  # c\n}\n",
            "A.R",
            "allow s3:PutObject",
            "role A.R {\n  allow s3:GetObject  # c\n  allow s3:PutObject\n}\n",
        ),
        (
            "account A 111111111111\nrole A.R   # no policy yet\n\nrole A.S\n",
            "role A.R",
            "allow s3:PutObject",
            "role A.R {   # no policy yet\n    allow s3:PutObject\n}\n\nrole A.S\n",
        ),
        ("account A 111111111111\nrole A.R {}", "A.R", "allow s3:PutObject", "role A.R {\n    allow s3:PutObject\n}"),
        (
            'account A 111111111111\nresource A.b : s3:bucket "b"',
            "resource A.b",
            "allow read to account A",
            'resource A.b : s3:bucket "b" {\n    allow read to account A\n}',
        ),
        (
            'account A 111111111111\nendpoint A.e "vpce-1" { vpc "vpc-1" }',
            "endpoint A.e",
            "allow * to anyone",
            'endpoint A.e "vpce-1" { vpc "vpc-1"\n    allow * to anyone\n}',
        ),
        ("account A 111111111111\npolicy A.P {\n}\n", "A.P", "deny iam:*", "policy A.P {\n    deny iam:*\n}\n"),
        ("account A 111111111111\n", "role A.New", "allow s3:GetObject", "account A 111111111111\n\nrole A.New {\n    allow s3:GetObject\n}\n"),
    ],
    ids=["block", "no-body-with-comment", "empty-block", "resource", "one-line-block", "managed-policy", "new-block"],
)
def test_insert_statement(text: str, target: str, statement: str, expected_tail: str) -> None:
    result = insert_statement(text, target, statement)
    assert result.endswith(expected_tail)
    before = _reloaded(text)
    after = _reloaded(result)
    assert after.statement_count() > before.statement_count()
    if target != "endpoint A.e":  # the one-line block loses the space before its `}`
        assert _only_insertions(text, result)


def test_insert_statement_by_span_keeps_every_other_byte() -> None:
    model = iamdsl.loads(ECR, "ecr_delegation.iam")
    result = insert_statement(ECR, model.principals["B.OtherRole"].span, "allow pull on A.repo")
    assert _only_insertions(ECR, result)
    assert "role B.OtherRole {                  # no identity policy" in result
    assert iamdsl.loads(result).principals["B.OtherRole"].inline_policies


def test_insert_statement_refuses_what_it_cannot_place() -> None:
    text = "account A 111111111111\nrole A.R\n"
    with pytest.raises(ValueError, match="say its kind"):
        insert_statement(text, "A.Missing", "allow s3:GetObject")
    with pytest.raises(ValueError, match="needs more than a name"):
        insert_statement(text, "resource A.b", "allow s3:GetObject")
    with pytest.raises(iamdsl.IamdslError):
        insert_statement(text, "A.R", "allow s3:GetObject on")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "role A.R\n"), ("account A", "account A\n\nrole A.R\n"), ("account A\n", "account A\n\nrole A.R\n"), ("account A\n\n", "account A\n\nrole A.R\n")],
    ids=["empty", "no-newline", "newline", "blank-line"],
)
def test_append_declaration(text: str, expected: str) -> None:
    assert append_declaration(text, "role A.R") == expected
