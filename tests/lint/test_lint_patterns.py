"""Pattern covers and overlaps answer only what is certain."""

from __future__ import annotations

import pytest

from iamdsl.specs.lint.patterns import action_covers, action_may_meet, resource_covers, resource_may_meet

BUCKET = "arn:aws:s3:::b"

ACTION_COVERS = [
    ("star", "*", "s3:GetObject", True),
    ("same-text-other-case", "S3:getobject", "s3:GetObject", True),
    ("glob-over-literal", "s3:Get*", "s3:GetObject", True),
    ("prefix-over-prefix", "s3:Get*", "s3:GetObject*", True),
    ("literal-under-glob", "s3:GetObject", "s3:Get*", False),
    ("other-service", "s3:*", "ec2:RunInstances", False),
    ("nothing-covers-star", "s3:*", "*", False),
    ("unsure-globs", "s3:*Object", "s3:Get*", False),
]

ACTION_MEETS = [
    ("different-literals", "s3:GetObject", "s3:PutObject", False),
    ("glob-and-literal", "s3:Get*", "s3:GetObject", True),
    ("parting-prefixes", "s3:Get*", "s3:Put*", False),
    ("shared-prefix", "s3:G*", "s3:Get*", True),
    ("star", "*", "ec2:RunInstances", True),
]

RESOURCE_COVERS = [
    ("star", "*", BUCKET, True),
    ("children-over-child", f"{BUCKET}/*", f"{BUCKET}/logs/x", True),
    ("children-over-children", f"{BUCKET}/*", f"{BUCKET}/logs/*", True),
    ("child-over-children", f"{BUCKET}/logs/x", f"{BUCKET}/*", False),
    ("children-over-bucket", f"{BUCKET}/*", BUCKET, False),
    ("variable", "arn:aws:iam::111111111111:user/${aws:username}", "arn:aws:iam::111111111111:user/bob", False),
    ("star-in-the-account-field", "arn:aws:iam::*:role/x", "arn:aws:iam::111111111111:role/x", True),
]

RESOURCE_MEETS = [
    ("different-buckets", BUCKET, "arn:aws:s3:::c", False),
    ("bucket-and-its-children", BUCKET, f"{BUCKET}/*", False),
    ("children-and-a-child", f"{BUCKET}/*", f"{BUCKET}/x", True),
    ("patterns-sharing-a-prefix", f"{BUCKET}/a*", f"{BUCKET}/*", True),
    ("any-account", "arn:aws:iam::*:role/deploy/Deployer", "arn:aws:iam::222222222222:role/deploy/Deployer", True),
]


@pytest.mark.parametrize(("wide", "narrow", "expected"), [c[1:] for c in ACTION_COVERS], ids=[c[0] for c in ACTION_COVERS])
def test_action_covers(wide, narrow, expected):
    assert action_covers(wide, narrow) is expected


@pytest.mark.parametrize(("one", "other", "expected"), [c[1:] for c in ACTION_MEETS], ids=[c[0] for c in ACTION_MEETS])
def test_action_may_meet_is_symmetric(one, other, expected):
    assert action_may_meet(one, other) is expected
    assert action_may_meet(other, one) is expected


@pytest.mark.parametrize(("wide", "narrow", "expected"), [c[1:] for c in RESOURCE_COVERS], ids=[c[0] for c in RESOURCE_COVERS])
def test_resource_covers(wide, narrow, expected):
    assert resource_covers(wide, narrow) is expected


@pytest.mark.parametrize(("one", "other", "expected"), [c[1:] for c in RESOURCE_MEETS], ids=[c[0] for c in RESOURCE_MEETS])
def test_resource_may_meet_is_symmetric(one, other, expected):
    assert resource_may_meet(one, other) is expected
    assert resource_may_meet(other, one) is expected
