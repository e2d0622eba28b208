"""Every lint rule fires on the mistake it names, and stays quiet on the right way to write it."""

from __future__ import annotations

import pytest

from iamdsl.language.loader import load_text
from iamdsl.specs.lint import RULES, lint

HEAD = "account A 111111111111\naccount B 222222222222\n"


def _big_managed_policy() -> str:
    arns = ", ".join(f'"arn:aws:s3:::a-rather-long-bucket-name-{n:04}/*"' for n in range(140))
    return f"policy A.Big {{ allow s3:GetObject on {arns} }}\nrole A.R {{ attach A.Big }}\n"


def _big_trust_policy() -> str:
    roles = "\n".join(f'        allow assume to "arn:aws:iam::222222222222:role/ci/deploy-role-number-{n:03}"' for n in range(40))
    return f"role B.X\nrole A.R {{\n    trust {{\n{roles}\n    }}\n}}\n"


# (id, code, model text after HEAD, line of the finding (counted in the whole text), or None: no finding)
CASES = [
    # L001 unknown action
    ("L001-misspelt", "L001", "role A.R { allow s3:GetObjet on * }\n", 3),
    ("L001-unknown-service", "L001", "role A.R { allow s4:GetObject on * }\n", 3),
    ("L001-wildcard-matches-nothing", "L001", "role A.R { allow s3:Gett* on * }\n", 3),
    ("L001-in-a-verb", "L001", "verb fetch = s3:GetObjet\nrole A.R { allow fetch on * }\n", 3),
    ("L001-known", "L001", "role A.R { allow s3:GetObject, s3:Get*, * on * }\n", None),
    # L002 unknown condition key
    ("L002-service-key", "L002", 'role A.R { allow s3:GetObject on * when StringEquals s3:nonsense ["x"] }\n', 3),
    ("L002-global-key", "L002", 'role A.R { allow s3:GetObject on * when StringEquals aws:PrincipalTags/team ["x"] }\n', 3),
    ("L002-known-keys", "L002", 'role A.R { allow s3:ListBucket on * when StringLike s3:prefix ["x/*"] and aws:PrincipalTag/team == "x" }\n', None),
    ("L002-provider-key", "L002",
     'role A.R { trust { allow assume_web_identity to federated "token.actions.githubusercontent.com" '
     'when StringLike token.actions.githubusercontent.com:sub ["repo:a/b:*"] } }\n', None),
    # L003 action that does not act on the resource's type
    ("L003-object-action-on-bucket", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow s3:GetObject on A.b }\n', 4),
    ("L003-bucket-action-on-objects", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow s3:ListBucket on A.b/* }\n', 4),
    ("L003-in-the-resource-block", "L003", 'resource A.b : s3:bucket "b" { allow s3:GetObject to account A }\n', 3),
    ("L003-no-resource-level-permissions", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow s3:ListAllMyBuckets on A.b }\n', 4),
    ("L003-roles-and-users", "L003", "user A.u\nrole B.X\nrole A.R { allow sts:AssumeRole on B.X\n    allow iam:CreateAccessKey on A.u }\n", None),
    ("L003-objects", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow s3:GetObject on A.b/* }\n', None),
    ("L003-verb-pairs-itself", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow read on A.b }\n', None),
    ("L003-one-resource-fits", "L003", 'resource A.b : s3:bucket "b"\nrole A.R { allow s3:GetObject on A.b, A.b/* }\n', None),
    # L004 half-built delegation
    ("L004-resource-side-alone", "L004", 'resource A.repo : ecr:repository "app" { allow pull to account B }\nrole B.Other\n', 3),
    ("L004-identity-side-alone", "L004", 'resource A.repo : ecr:repository "app"\nrole B.R { allow pull on A.repo }\n', 4),
    ("L004-named-principal-alone", "L004",
     'resource A.k : kms:key "k" {\n    allow kms:* on * to account A\n    allow decrypt to B.R\n}\nrole B.R\n', 5),
    ("L004-both-halves", "L004",
     'resource A.repo : ecr:repository "app" { allow pull to account B }\nrole B.R { allow pull on A.repo }\n', None),
    ("L004-delegate", "L004", 'resource A.repo : ecr:repository "app"\nrole B.R\ndelegate pull on A.repo to B.R\n', None),
    ("L004-iam-call-on-a-role", "L004", "role A.R\nrole B.X { allow iam:GetRole on A.R }\n", None),
    ("L004-assume-without-trust", "L004", "role A.R\nrole B.X { allow assume on A.R }\n", 4),
    ("L004-open-account", "L004", 'resource A.repo : ecr:repository "app" { allow pull to account B }\n', None),
    # L005 KMS key without the account statement
    ("L005-no-account-statement", "L005", 'resource A.k : kms:key "k" { allow decrypt to A.R }\nrole A.R\n', 3),
    ("L005-no-key-policy", "L005", 'resource A.k : kms:key "k"\n', 3),
    ("L005-account-statement", "L005", 'resource A.k : kms:key "k" { allow kms:* on * to account A }\n', None),
    # L006 everyone without a condition
    ("L006-public", "L006", 'resource A.b : s3:bucket "b" { allow s3:GetObject on self/* to anyone }\n', 3),
    ("L006-with-a-condition", "L006",
     'resource A.b : s3:bucket "b" { allow s3:GetObject on self/* to anyone when aws:PrincipalOrgID == "o-a1b2c3d4e5" }\n', None),
    ("L006-endpoint-policy", "L006", 'endpoint A.e "vpce-0123456789abcdef0" { allow s3:GetObject to anyone }\n', None),
    ("L006-deny", "L006", 'resource A.b : s3:bucket "b" { deny s3:DeleteBucket to anyone }\n', None),
    # L007 Allow with NotPrincipal (IAM JSON; the DSL refuses it)
    ("L007-json", "L007",
     'resource A.b : s3:bucket "b" {\n    policy json {"Version": "2012-10-17", "Statement": [\n'
     '        {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},\n'
     '         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n}\n', 5),
    ("L007-deny", "L007", 'resource A.b : s3:bucket "b" { deny s3:* on self, self/* to not account A }\n', None),
    # L008 `*` in a trust policy
    ("L008-anyone", "L008", "role A.R { trust { allow assume to anyone } }\n", 3),
    ("L008-anyone-with-condition", "L008", 'role A.R { trust { allow assume to anyone when aws:PrincipalOrgID == "o-a1b2c3d4e5" } }\n', 3),
    ("L008-an-account", "L008", "role A.R { trust { allow assume to account B } }\nrole B.X { allow assume on A.R }\n", None),
    # L009 ForAllValues without a Null guard
    ("L009-unguarded", "L009", 'role A.R { allow ec2:CreateTags on * when all aws:TagKeys in ["env"] }\n', 3),
    ("L009-full-form", "L009", 'role A.R { allow ec2:CreateTags on * when ForAllValues:StringEquals aws:TagKeys ["env"] }\n', 3),
    ("L009-null-guard", "L009", 'role A.R { allow ec2:CreateTags on * when all aws:TagKeys in ["env"] and aws:TagKeys exists }\n', None),
    ("L009-any-guard", "L009", 'role A.R { allow ec2:CreateTags on * when all aws:TagKeys in ["env", "team"] and any aws:TagKeys == "env" }\n', None),
    ("L009-deny", "L009", 'role A.R { deny ec2:CreateTags on * when all aws:TagKeys not in ["env"] }\n', None),
    # L010 shadowed statement
    ("L010-subset", "L010", "role A.R {\n    allow s3:* on *\n    allow s3:GetObject on *\n}\n", 5),
    ("L010-equal-later", "L010", "role A.R {\n    allow s3:GetObject on *\n    allow s3:GetObject on *\n}\n", 5),
    ("L010-prefix-pattern", "L010", 'resource A.b : s3:bucket "b"\nrole A.R {\n    allow s3:Get* on A.b/*\n    allow s3:GetObject* on A.b/"logs/*"\n}\n', 6),
    ("L010-other-has-condition", "L010", 'role A.R {\n    allow s3:* on * when aws:SourceIp in 10.0.0.0/8\n    allow s3:GetObject on *\n}\n', None),
    ("L010-verbs-sharing-actions", "L010", 'resource A.repo : ecr:repository "app"\nrole A.R {\n    allow pull on A.repo\n    allow push on A.repo\n}\n', None),
    ("L010-other-effect", "L010", "role A.R {\n    deny s3:* on *\n    allow s3:GetObject on *\n}\n", None),
    # L011 Allow that a Deny always overrides
    ("L011-same-policy", "L011", "role A.R {\n    deny s3:* on *\n    allow s3:GetObject on *\n}\n", 5),
    ("L011-another-policy", "L011", "policy A.NoS3 { deny s3:* }\nrole A.R {\n    attach A.NoS3\n    allow s3:GetObject on *\n}\n", 6),
    ("L011-group-member", "L011",
     "policy A.NoS3 { deny s3:* }\ngroup A.G { attach A.NoS3 }\nuser A.u { member of A.G\n    allow s3:GetObject on * }\n", 6),
    ("L011-scp", "L011",
     "account M 333333333333\norganization o { management M\n    account A\n    scp NoS3 { deny s3:* }\n    attach NoS3 }\n"
     "role A.R { allow s3:GetObject on * }\n", 8),
    ("L011-management-account", "L011",
     "account M 333333333333\norganization o { management M\n    account A\n    scp NoS3 { deny s3:* }\n    attach NoS3 }\n"
     "role M.R { allow s3:GetObject on * }\n", None),
    ("L011-conditional-deny", "L011", "role A.R {\n    deny s3:* on * when aws:SecureTransport is false\n    allow s3:GetObject on *\n}\n", None),
    ("L011-deny-narrower", "L011", "role A.R {\n    deny s3:PutObject on *\n    allow s3:* on *\n}\n", None),
    ("L011-not-every-principal", "L011",
     "policy A.Read { allow s3:GetObject }\npolicy A.NoS3 { deny s3:* }\nrole A.R { attach A.Read, A.NoS3 }\nrole A.S { attach A.Read }\n", None),
    # L012 managed policy attached nowhere
    ("L012-unattached", "L012", "policy A.P { allow s3:ListBucket }\n", 3),
    ("L012-attached", "L012", "policy A.P { allow s3:ListBucket }\nrole A.R { attach A.P }\n", None),
    ("L012-boundary", "L012", "policy A.P { allow s3:* }\nrole A.R { boundary A.P }\n", None),
    # L013 group with no members
    ("L013-empty", "L013", "group A.G { allow s3:ListBucket }\n", 3),
    ("L013-member", "L013", "group A.G { allow s3:ListBucket }\nuser A.u { member of A.G }\n", None),
    # L014 verb never used
    ("L014-unused", "L014", "verb fetch = s3:GetObject\n", 3),
    ("L014-used-in-a-statement", "L014", "verb fetch = s3:GetObject\nrole A.R { allow fetch on * }\n", None),
    ("L014-used-in-an-expectation", "L014", "verb fetch = s3:GetObject\nrole A.R\nexpect cannot A.R fetch *\n", None),
    ("L014-used-by-a-verb", "L014", "verb fetch = s3:GetObject\nverb more = fetch, s3:ListBucket\nrole A.R { allow more on * }\n", None),
    # L015 account that holds nothing
    ("L015-unused", "L015", "account C 333333333333\nrole A.R\nrole B.R\n", 3),
    ("L015-referenced", "L015", 'account C 333333333333\nrole B.R\nresource A.b : s3:bucket "b" { allow s3:ListBucket to account C }\n', None),
    ("L015-in-an-organization", "L015", "account C 333333333333\nrole B.R\norganization o { management A\n    account C }\n", None),
    # L016 policy over AWS's size limit
    ("L016-managed", "L016", _big_managed_policy(), 3),
    ("L016-trust", "L016", _big_trust_policy(), 5),
    ("L016-small", "L016", "policy A.P { allow s3:ListBucket }\nrole A.R { attach A.P }\n", None),
]


def _lines(code: str, text: str) -> list[int]:
    report = lint(load_text(HEAD + text, "design.iam"))
    return [f.span.line for f in report.findings if f.code == code]


@pytest.mark.parametrize(("code", "text", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(code, text, line):
    found = _lines(code, text)
    if line is None:
        assert found == []
    else:
        assert found == [line]


def test_every_rule_has_a_positive_and_a_negative_case():
    positive = {code for _, code, _, line in CASES if line is not None}
    negative = {code for _, code, _, line in CASES if line is None}
    assert positive == set(RULES) and negative == set(RULES)


def test_findings_carry_their_rule_level_and_place():
    report = lint(load_text(HEAD + "role A.R { allow s3:GetObjet on * }\n", "design.iam"))
    [finding] = [f for f in report.findings if f.code == "L001"]
    assert finding.severity is RULES["L001"].level
    assert (finding.span.file, finding.span.line, finding.span.column) == ("design.iam", 3, 18)
    assert finding.message == "unknown action `s3:GetObjet`"
    assert finding.help == "did you mean `s3:GetObject`?"


def test_an_unknown_action_in_a_verb_is_reported_once_at_the_verb():
    text = "verb fetch = s3:GetObjet\nrole A.R { allow fetch on * }\nrole A.S { allow fetch on * }\n"
    report = lint(load_text(HEAD + text, "design.iam"))
    assert [(f.span.line, f.span.column) for f in report.findings if f.code == "L001"] == [(3, 14)]


def test_loader_warnings_are_findings_and_w108_gives_way_to_l001():
    text = 'resource A.b : s3:bucket "b" { allow s3:GetObjet on self/* }\n'
    loaded = load_text(HEAD + text, "design.iam")
    assert {d.code for d in loaded.diagnostics} >= {"W102", "W108"}
    codes = {f.code for f in lint(loaded).findings}
    assert "W102" in codes and "L001" in codes and "W108" not in codes


@pytest.mark.parametrize("seed", [1, 2], ids=["seed-1", "seed-2"])
def test_generated_organizations_lint_with_registered_codes_at_their_places(seed):
    from iamdsl.testing.generator import org_text

    text = org_text(400, seed=seed)
    report = lint(load_text(text, "org.iam"))
    assert report.findings, "a generated organization has half-built delegations and shadowed statements"
    line_count = text.count("\n") + 1
    for finding in report.findings:
        assert finding.code in RULES or finding.code.startswith("W"), finding.code
        if finding.code in RULES:
            assert finding.severity is RULES[finding.code].level
        assert finding.span.file == "org.iam" and 1 <= finding.span.line <= line_count
        assert finding.message == finding.message.rstrip(".") and not finding.message[0].isupper()
