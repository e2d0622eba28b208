"""`catalog.type_of_arn`: the catalogue type a raw ARN fits, the most specific when several do.

Raw ARNs reach the model from `resource A.x : "arn:…"` and from `iamdsl
import`; an S3 bucket ARN has no type word, so a guess from the word after
the account would miss it, and the engine would not know who owns it.
"""

from __future__ import annotations

import pytest

import iamdsl
from iamdsl import catalog

CASES = {
    "arn:aws:s3:::acme-logs": ("s3", "bucket"),
    "arn:aws:s3:::acme-logs/2024/a.csv": ("s3", "object"),
    "arn:aws:s3:::acme-logs/*": ("s3", "object"),
    "arn:aws:sqs:us-east-1:111111111111:jobs": ("sqs", "queue"),
    "arn:aws:sns:us-east-1:111111111111:alerts": ("sns", "topic"),
    "arn:aws:kms:us-east-1:111111111111:key/1234abcd": ("kms", "key"),
    "arn:aws:kms:us-east-1:111111111111:alias/data": ("kms", "alias"),
    "arn:aws:lambda:us-east-1:111111111111:function:app": ("lambda", "function"),
    "arn:aws:ecr:us-east-1:111111111111:repository/team/app": ("ecr", "repository"),
    "arn:aws:iam::111111111111:role/ci/Deployer": ("iam", "role"),
    "arn:aws:dynamodb:us-east-1:111111111111:table/orders": ("dynamodb", "table"),
    "arn:aws:dynamodb:us-east-1:111111111111:table/orders/index/by-date": ("dynamodb", "index"),
}


@pytest.mark.parametrize("arn", sorted(CASES))
def test_the_type_an_arn_fits(arn: str) -> None:
    info = catalog.type_of_arn(arn)
    assert info is not None and (info.service, info.name) == CASES[arn]


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:s3", "arn:aws:nosuchservice:us-east-1:1:thing/x", "arn:aws:kms:us-east-1:1:nothing/x"])
def test_no_type(arn: str) -> None:
    assert catalog.type_of_arn(arn) is None


def test_a_bucket_declared_by_its_arn_is_owned_by_its_account() -> None:
    model = iamdsl.loads(
        "account A 111111111111\naccount B 222222222222\n"
        'resource A.b : "arn:aws:s3:::bb" { allow s3:GetObject on "arn:aws:s3:::bb/*" to account B }\n'
        'role B.R { allow s3:GetObject on "arn:aws:s3:::bb/*" }\n'
    )
    assert model.resources["A.b"].type == "bucket"
    assert model.ask('can B.R s3:GetObject "arn:aws:s3:::bb/x"').outcome.value == "allowed"
