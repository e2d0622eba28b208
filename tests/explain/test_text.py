"""Answers a person understands: decisions rendered as text (issue 4, item 3)."""

from __future__ import annotations

import pytest

from iamdsl.explain.conditions import iam_text, in_words
from iamdsl.explain.text import MODES, render
from iamdsl.model import Condition

S3_CAVEAT = (
    "  note: not modelled: S3 ACLs, Block Public Access and Object Ownership; assumed: ACLs disabled "
    "(BucketOwnerEnforced) and no Block Public Access setting that changes this answer"
)


# ------------------------------------------------------------------ the guide's example


def test_guide_denied_has_both_sides_and_the_missing_edge(ecr, ask, example_text, where) -> None:
    text = render(ask(ecr, "B.OtherRole", "ecr:BatchGetImage", "A.repo"), ecr, mode="summary")
    at = where(example_text, "allow pull to account B", "ecr_delegation.iam")
    assert text == (
        "DENIED (implicit): a cross-account request from B to A needs both sides\n"
        f"  ✓ A.repo's resource policy allows ecr:BatchGetImage to account B   {at}\n"
        "  ✗ no identity policy of B.OtherRole allows ecr:BatchGetImage on A.repo\n"
        "  path: A.repo --Allow--> B.root --x--> B.OtherRole"
    )


def test_guide_verb_explains_alike_actions_once(ecr, ask, example_text, where) -> None:
    text = render(ask(ecr, "B.OtherRole", "pull", "A.repo"), ecr, mode="summary")
    at = where(example_text, "allow pull to account B", "ecr_delegation.iam")
    assert text == (
        "DENIED (implicit): none of the 4 actions of pull is allowed\n"
        "  ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability on A.repo\n"
        "    DENIED (implicit): a cross-account request from B to A needs both sides\n"
        f"    ✓ A.repo's resource policy allows them to account B   {at}\n"
        "    ✗ no identity policy of B.OtherRole allows them on A.repo\n"
        "    path: A.repo --Allow--> B.root --x--> B.OtherRole\n"
        "  ecr:GetAuthorizationToken on *\n"
        "    DENIED (implicit): nothing allows it\n"
        "    ✗ no identity policy of B.OtherRole allows ecr:GetAuthorizationToken on *\n"
        "    path: B.root --x--> B.OtherRole"
    )


def test_guide_allowed_shows_the_delegation_path(ecr, ask, example_text, where) -> None:
    text = render(ask(ecr, "B.SomeRole", "pull", "A.repo"), ecr, mode="summary")
    assert text.splitlines()[0] == "ALLOWED: all 4 actions of pull are allowed"
    assert "    path: A.repo --Allow--> B.root --Delegate--> B.SomeRole" in text.splitlines()
    identity = where(example_text, "allow pull on A.repo", "ecr_delegation.iam")
    assert f"✓ B.SomeRole's identity policy allows them on A.repo" in text
    assert text.count(identity) == 2  # the repository actions once, ecr:GetAuthorizationToken once
    assert text.count("A.repo's resource policy allows") == 1


def test_verb_whose_actions_share_one_explanation_reads_as_the_verb(world, ask, world_text, where) -> None:
    text = render(ask(world, "A.App", "decrypt", "A.key"), world, mode="summary")
    root = where(world_text, 'sid "Root"', "explain.iam")
    app = where(world_text, 'sid "AppDecrypt"', "explain.iam")
    assert text == (
        "ALLOWED: the resource policy allows the caller's role or parent user, and the boundary and session policy allow (R61)\n"
        f"  ✓ A.key's key policy allows decrypt to account A (sid Root)     {root}\n"
        f"  ✓ A.key's key policy allows decrypt to A.App (sid AppDecrypt)   {app}\n"
        "  path: A.key --Allow--> A.App\n"
        "  note: not modelled: KMS grants; assumed: none"
    )


# ------------------------------------------------------------------ each kind of answer


def test_same_account_allow(world, ask, world_text, where) -> None:
    text = render(ask(world, "A.Reader", "s3:GetObject", "A.logs/x"), world, mode="summary")
    at = where(world_text, "user A.Reader", "explain.iam")
    assert text == (
        "ALLOWED: an identity policy allows it, and nothing denies it\n"
        f"  ✓ A.Reader's identity policy allows s3:GetObject on A.logs/x   {at}\n"
        "  path: A.logs --OwnedBy--> A.root --Delegate--> A.Reader\n"
        + S3_CAVEAT
    )


def test_explicit_deny_names_the_deny_statement(world, ask, world_text, where) -> None:
    text = render(ask(world, "A.Dev", "s3:DeleteBucket", "A.logs"), world, mode="summary")
    at = where(world_text, 'sid "NoBucketDeletes"', "explain.iam")
    assert text == (
        "DENIED (explicit): an explicit Deny in A.Dev's identity policy applies\n"
        f"  ✗ A.Dev's identity policy denies s3:DeleteBucket on A.logs (sid NoBucketDeletes)   {at}\n"
        "  path: A.logs --OwnedBy--> A.root --Delegate--> A.Dev (blocked by a Deny in A.Dev's identity policy)\n"
        + S3_CAVEAT
    )


def test_explicit_deny_does_not_blame_missing_allows(world, ask, world_text, where) -> None:
    """Neither side allows s3:DeleteObject either, but the Deny alone is why: no ✗ for the Allows."""
    decision = ask(world, "B.Ci", "s3:DeleteObject", "A.vault/x")
    at = where(world_text, "deny s3:DeleteObject on self/* to account B", "explain.iam")
    assert render(decision, world, mode="summary").splitlines()[:3] == [
        "DENIED (explicit): an explicit Deny in A.vault's bucket policy applies",
        f"  ✗ A.vault's bucket policy denies s3:DeleteObject to account B   {at}",
        "  path: A.vault --x--> B.root --x--> B.Ci (blocked by a Deny in A.vault's bucket policy)",
    ]
    full = render(decision, world, mode="full").splitlines()
    assert "  · no identity policy of B.Ci allows s3:DeleteObject on A.vault/x" in full


def test_explicit_deny_quotes_its_source_when_given(world, ask, world_text) -> None:
    text = render(ask(world, "A.Dev", "s3:DeleteBucket", "A.logs"), world, mode="denies", sources={"explain.iam": world_text})
    lines = text.splitlines()
    deny = next(i for i, line in enumerate(lines) if "denies s3:DeleteBucket" in line)
    assert lines[deny + 1] == '      | sid "NoBucketDeletes" deny s3:DeleteBucket on A.logs'
    assert "allows s3:DeleteBucket" not in text  # denies mode leaves out what allowed


def test_scp_block(world, ask, world_text, where) -> None:
    text = render(ask(world, "C.Dev", "iam:CreateUser", "*"), world, mode="full")
    assert text.splitlines()[0] == "DENIED (implicit): no SCP at OU Sandbox allows iam:CreateUser"
    assert "  ✗ no SCP at OU Sandbox allows iam:CreateUser" in text.splitlines()
    # under it, the allow-list SCP that is there and why it does not help
    noiam = where(world_text, "scp NoIam", "explain.iam")
    assert any(line.startswith("      · SCP NoIam at OU Sandbox, statement 1: its actions do not include iam:CreateUser") and line.endswith(noiam)
               for line in text.splitlines())
    assert "  path: C.root --Delegate--> C.Dev (blocked by the SCPs at OU Sandbox)" in text.splitlines()


def test_boundary_block(world, ask) -> None:
    text = render(ask(world, "A.Capped", "s3:GetObject", "A.logs/x"), world, mode="denies")
    assert text.splitlines()[:3] == [
        "DENIED (implicit): the permissions boundary of A.Capped does not allow s3:GetObject",
        "  ✗ the permissions boundary A.Cap of A.Capped does not allow s3:GetObject",
        "  path: A.logs --OwnedBy--> A.root --Delegate--> A.Capped (blocked by the permissions boundary of A.Capped)",
    ]


def test_conditional_lists_residual_in_words_and_iam_form(world, ask, world_text, where) -> None:
    text = render(ask(world, "A.Remote", "s3:GetObject", "A.logs/x"), world, mode="summary")
    lines = text.splitlines()
    assert lines[0] == "CONDITIONAL: allowed only if the conditions below hold; they depend on context that was not given"
    allow_at = where(world_text, "when aws:SourceIp in 10.0.0.0/8", "explain.iam")
    assert any(line.startswith("  ? A.Remote's identity policy allows s3:GetObject on A.logs/x only if aws:SourceIp is in 10.0.0.0/8")
               and line.endswith(allow_at) for line in lines)
    start = lines.index("  allowed only if all of these hold:")
    words_and_iam = [line.split(None, 0)[0].strip() for line in lines[start + 1: start + 3]]
    assert words_and_iam[0].startswith("aws:SourceIp is in 10.0.0.0/8 ")
    assert words_and_iam[0].endswith('{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}')
    assert words_and_iam[1].startswith("aws:MultiFactorAuthPresent is not false ")
    assert words_and_iam[1].endswith('not {"Bool": {"aws:MultiFactorAuthPresent": "false"}}')
    assert "--Delegate?--> A.Remote" in text


def test_partial_verb_says_what_is_allowed_and_what_is_not(world, ask) -> None:
    text = render(ask(world, "A.Reader", "read", "A.logs"), world, mode="summary")
    assert text.splitlines()[:4] == [
        "PARTIAL: 1 of the 2 actions of read are allowed",
        "  allowed: s3:GetObject",
        "  not allowed: s3:ListBucket",
        "  s3:GetObject on A.logs/*",
    ]
    assert "    ✗ no identity policy of A.Reader allows s3:ListBucket on A.logs" in text.splitlines()
    assert text.count("note: not modelled: S3 ACLs") == 1  # a caveat once per answer, not once per action


def test_partial_with_conditional_actions(world, ask) -> None:
    text = render(ask(world, "A.Remote", "read", "A.logs"), world, mode="summary")
    assert text.splitlines()[:3] == [
        "PARTIAL: 0 of the 2 actions of read are allowed, 1 only if conditions hold",
        "  allowed only if conditions hold: s3:GetObject",
        "  not allowed: s3:ListBucket",
    ]


def test_denies_mode_leaves_out_allowed_actions_of_a_verb(world, ask) -> None:
    text = render(ask(world, "A.Reader", "read", "A.logs"), world, mode="denies")
    assert "s3:GetObject on A.logs/*" not in text
    assert "s3:ListBucket on A.logs" in text


def test_both_sides_missing(world, ask) -> None:
    text = render(ask(world, "B.Ci2", "sts:AssumeRole", "A.Strict"), world, mode="denies")
    lines = text.splitlines()
    assert lines[0] == "DENIED (implicit): a cross-account request from B to A needs both sides, and neither allows it"
    assert lines[1] == "  ✗ A.Strict's trust policy does not allow sts:AssumeRole to account B or B.Ci2"
    assert lines[2].startswith("      · A.Strict's trust policy, statement 1: its principal (B.Ci) is not B.Ci2")
    assert lines[3] == "  ✗ no identity policy of B.Ci2 allows sts:AssumeRole on A.Strict"
    assert lines[4] == "  path: A.Strict --x--> B.root --x--> B.Ci2"


def test_companion_request_is_explained_under_the_answer(world, ask) -> None:
    text = render(ask(world, "B.Ci", "sts:AssumeRole", "A.Deployer", {"aws:TagKeys": ["team"]}), world, mode="summary")
    lines = text.splitlines()
    assert lines[0] == "DENIED (implicit): sts:TagSession is also needed, and it is not allowed"
    assert "  also needed: sts:TagSession on A.Deployer: DENIED (implicit): a cross-account request from B to A needs both sides" in lines
    assert "    ✗ no identity policy of B.Ci allows sts:TagSession on A.Deployer" in lines


def test_root_user_is_said_to_be_the_root_user(world, ask) -> None:
    text = render(ask(world, "B.root", "s3:GetObject", "A.logs/x"), world, mode="summary")
    assert "  ✗ A.logs has no resource policy, so nothing allows s3:GetObject to account B" in text.splitlines()
    assert "  path: A.logs --x--> B.root (root user)" in text.splitlines()


def test_fixes_are_rendered_after_the_path(ecr, ask) -> None:
    fix = "fix (in account B): role B.OtherRole { allow pull on A.repo }"
    lines = render(ask(ecr, "B.OtherRole", "ecr:BatchGetImage", "A.repo"), ecr, mode="summary", fixes=[fix]).splitlines()
    assert lines[-1] == f"  {fix}"
    assert lines[-2].startswith("  path: ")


# ------------------------------------------------------------------ modes


# B.Ci asks for an object of A.logs: its identity policy allows, but A.logs has no bucket policy.
MISSING_RESOURCE = "  ✗ A.logs has no resource policy, so nothing allows s3:GetObject to account B or B.Ci"
IDENTITY_ALLOWS = "  ✓ B.Ci's identity policy allows s3:GetObject on A.logs/x"
GUARDRAIL_ALLOWS = "  ✓ SCP FullAWSAccess at the organization root allows s3:GetObject"
MODE_CASES = [
    # (id, mode, lines that must be there, lines that must not); a line "there" may end in file:line
    ("full_shows_every_layer", "full", [MISSING_RESOURCE, IDENTITY_ALLOWS, GUARDRAIL_ALLOWS], []),
    ("summary_keeps_the_deciding_lines", "summary", [MISSING_RESOURCE, IDENTITY_ALLOWS], [GUARDRAIL_ALLOWS]),
    ("denies_keeps_only_what_is_missing", "denies", [MISSING_RESOURCE], [IDENTITY_ALLOWS, GUARDRAIL_ALLOWS]),
]


@pytest.mark.parametrize(("mode", "present", "absent"), [c[1:] for c in MODE_CASES], ids=[c[0] for c in MODE_CASES])
def test_modes(world, ask, mode, present, absent) -> None:
    lines = render(ask(world, "B.Ci", "s3:GetObject", "A.logs/x"), world, mode=mode).splitlines()
    assert lines[0] == "DENIED (implicit): a cross-account request from B to A needs both sides"
    for expected in present:
        assert any(line.startswith(expected) for line in lines), expected
    for unexpected in absent:
        assert not any(line.startswith(unexpected) for line in lines), unexpected
    assert lines[-2] == "  path: A.logs --x--> B.root --Delegate--> B.Ci"


def test_full_mode_shows_identity_lines_that_did_not_matter(world, ask) -> None:
    lines = render(ask(world, "A.App", "kms:Decrypt", "A.key"), world, mode="full").splitlines()
    assert "  · no identity policy of A.App allows kms:Decrypt on A.key" in lines
    summary = render(ask(world, "A.App", "kms:Decrypt", "A.key"), world, mode="summary").splitlines()
    assert "  · no identity policy of A.App allows kms:Decrypt on A.key" not in summary


def test_near_misses_show_in_full_and_denies_not_summary(world, ask) -> None:
    decision = ask(world, "A.Remote", "s3:GetObject", "A.logs/x", {"aws:SourceIp": "192.0.2.1", "aws:MultiFactorAuthPresent": "true"})
    near = "its condition does not hold: aws:SourceIp 192.0.2.1 is not in 10.0.0.0/8"
    assert near in render(decision, world, mode="full")
    assert near in render(decision, world, mode="denies")
    assert near not in render(decision, world, mode="summary")


def test_unknown_mode_is_refused(ecr, ask) -> None:
    with pytest.raises(ValueError, match="unknown explain mode"):
        render(ask(ecr, "B.SomeRole", "pull", "A.repo"), ecr, mode="verbose")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES, ids=list(MODES))
def test_every_mode_starts_with_the_answer_and_ends_with_caveats(world, ask, mode) -> None:
    lines = render(ask(world, "A.Dev", "s3:GetObject", "A.logs/x"), world, mode=mode).splitlines()
    assert lines[0].startswith("ALLOWED: ")
    assert lines[-1] == S3_CAVEAT


# ------------------------------------------------------------------ conditions in words

WORDS = [
    ("ip", "IpAddress", "aws:SourceIp", ("10.0.0.0/8",), "aws:SourceIp is in 10.0.0.0/8", "aws:SourceIp is not in 10.0.0.0/8"),
    ("bool", "Bool", "aws:MultiFactorAuthPresent", ("false",), "aws:MultiFactorAuthPresent is false", "aws:MultiFactorAuthPresent is not false"),
    ("negated_list", "StringNotEquals", "aws:SourceVpce", ("vpce-1", "vpce-2"),
     "aws:SourceVpce is none of [vpce-1, vpce-2]", "aws:SourceVpce is one of [vpce-1, vpce-2]"),
    ("if_exists", "StringEqualsIfExists", "aws:SourceVpce", ("vpce-1",),
     "aws:SourceVpce is vpce-1, or aws:SourceVpce is absent", "aws:SourceVpce is present and aws:SourceVpce is not vpce-1"),
    ("for_any_value", "ForAnyValue:StringLike", "aws:TagKeys", ("team*",),
     "some value of aws:TagKeys is like team*", "no value of aws:TagKeys is like team*"),
    ("for_all_values", "ForAllValues:StringEquals", "aws:TagKeys", ("a", "b"),
     "every value of aws:TagKeys is one of [a, b]", "some value of aws:TagKeys is none of [a, b]"),
    ("null", "Null", "aws:TokenIssueTime", ("true",), "aws:TokenIssueTime is absent", "aws:TokenIssueTime is present"),
    ("date", "DateLessThan", "aws:CurrentTime", ("2025-01-01T00:00:00Z",),
     "aws:CurrentTime is before 2025-01-01T00:00:00Z", "aws:CurrentTime is not before 2025-01-01T00:00:00Z"),
    ("numeric", "NumericGreaterThanEquals", "aws:MultiFactorAuthAge", ("3600",),
     "aws:MultiFactorAuthAge is at least 3600", "aws:MultiFactorAuthAge is not at least 3600"),
]


@pytest.mark.parametrize(("operator", "key", "values", "words", "negated"), [c[1:] for c in WORDS], ids=[c[0] for c in WORDS])
def test_conditions_in_words(operator, key, values, words, negated) -> None:
    condition = Condition(operator=operator, key=key, values=values)
    assert in_words(condition) == words
    assert in_words(condition, negate=True) == negated


def test_conditions_in_iam_form() -> None:
    assert iam_text(Condition(operator="IpAddress", key="aws:SourceIp", values=("10.0.0.0/8",))) == '{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}'
    two = Condition(operator="StringEquals", key="aws:SourceVpce", values=("vpce-1", "vpce-2"))
    assert iam_text(two) == '{"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}'
