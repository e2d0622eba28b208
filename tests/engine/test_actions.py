"""Action matching (R4, R14)."""

from __future__ import annotations

import pytest

from iamdsl.engine.actions import action_matches

CASES = [
    # (id, pattern, action, expected)
    ("R14_star_matches_every_action", "*", "ec2:RunInstances", True),
    ("R14_service_star", "s3:*", "s3:GetObject", True),
    ("R14_other_service", "s3:*", "s3express:GetObject", False),
    ("R14_name_glob", "s3:Get*", "s3:GetObjectAcl", True),
    ("R14_name_glob_miss", "s3:Get*", "s3:PutObject", False),
    ("R14_question_is_one_char", "s3:GetObjec?", "s3:GetObject", True),
    ("R14_question_not_zero_chars", "s3:GetObject?", "s3:GetObject", False),
    ("R14_whole_name", "s3:Get", "s3:GetObject", False),
    ("R14_wildcard_in_prefix_matches_nothing", "s*:GetObject", "s3:GetObject", False),
    ("R14_star_prefix_matches_nothing", "*:GetObject", "s3:GetObject", False),
    ("R14_question_prefix_matches_nothing", "s?:GetObject", "s3:GetObject", False),
    ("R14_no_colon_is_no_action", "s3", "s3:GetObject", False),
    ("R4_prefix_ignores_case", "S3:GetObject", "s3:GetObject", True),
    ("R4_name_ignores_case", "s3:getobject", "s3:GetObject", True),
    ("R14_glob_ignores_case", "iam:*USER*", "iam:ListUsers", True),
    ("E49_mixed_case_policy_action", "S3:getobject", "s3:GetObject", True),
    ("R14_splits_at_first_colon", "a:b:*", "a:b:c", True),
]


@pytest.mark.parametrize(("pattern", "action", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected
