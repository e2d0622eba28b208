"""Policies over AWS's size limits once exported (L016).

AWS counts the characters of the policy JSON without its whitespace (IAM
quotas, Organizations quotas, the S3 bucket-policy limit), and refuses to
save a policy over the limit.  The size here is that of the document
`export` would write, so a DSL statement that a verb split into several
counts as the several it becomes.  An account's inline policies of one
role, user or group share one limit between them.
"""

from __future__ import annotations

import json
from typing import Iterator

from iamdsl.model import Policy, PolicyKind, PrincipalKind, Span
from iamdsl.specs.lint.context import LintContext
from iamdsl.specs.lint.findings import Hit, Level
from iamdsl.specs.lint.registry import rule

MANAGED_LIMIT = 6_144
INLINE_LIMITS = {PrincipalKind.ROLE: 10_240, PrincipalKind.USER: 2_048, PrincipalKind.GROUP: 5_120}  # all inline policies together
TRUST_LIMIT = 2_048  # the default quota; it can be raised to 4,096
ORG_POLICY_LIMIT = 5_120  # SCPs and RCPs
BUCKET_POLICY_LIMIT = 20_480


def exported_size(policy: Policy) -> int:
    """Characters of the minified IAM JSON, whitespace inside strings left out too, as AWS counts."""
    text = json.dumps(policy.to_iam_json(), separators=(",", ":"), ensure_ascii=False)
    return sum(1 for c in text if not c.isspace())


@rule("L016", "policy-too-large", Level.ERROR, "policy over AWS's size limit when exported")
def oversized_policies(ctx: LintContext) -> Iterator[Hit]:
    model = ctx.model
    for entity in model.principals.values():
        if entity.inline_policies:
            total = sum(exported_size(p) for p in entity.inline_policies)
            limit = INLINE_LIMITS[entity.kind]
            if total > limit:
                what = "inline policy" if len(entity.inline_policies) == 1 else f"{len(entity.inline_policies)} inline policies"
                yield _over(entity.inline_policies[0].span or entity.span, f"the {what} of `{entity.qualified_name}`", total, limit,
                            f"move statements into a managed policy and `attach` it; a {entity.kind.value}'s inline policies share one limit")
        if entity.trust_policy is not None:
            size = exported_size(entity.trust_policy)
            if size > TRUST_LIMIT:
                yield _over(entity.trust_policy.span or entity.span, f"the trust policy of `{entity.qualified_name}`", size, TRUST_LIMIT,
                            "trust fewer, broader principals (an account rather than its roles), or raise the quota to 4,096")
    for managed in model.managed_policies.values():
        if managed.account == "aws":
            continue  # AWS writes those, and keeps them within its limits
        size = exported_size(managed.policy)
        if size > MANAGED_LIMIT:
            yield _over(managed.span, f"the managed policy `{managed.account}.{managed.name}`", size, MANAGED_LIMIT,
                        "split it into two managed policies and attach both")
    for resource in model.resources.values():
        if resource.policy is not None and resource.service == "s3" and resource.type == "bucket":
            size = exported_size(resource.policy)
            if size > BUCKET_POLICY_LIMIT:
                yield _over(resource.span, f"the bucket policy of `{resource.qualified_name}`", size, BUCKET_POLICY_LIMIT,
                            "merge statements that differ only in their principals or resources")
    for org in model.organizations.values():
        for name, policy in {**org.scps, **org.rcps}.items():
            if policy.span is None:
                continue  # FullAWSAccess and RCPFullAWSAccess
            size = exported_size(policy)
            if size > ORG_POLICY_LIMIT:
                word = "SCP" if policy.kind is PolicyKind.SCP else "RCP"
                yield _over(policy.span, f"the {word} `{name}`", size, ORG_POLICY_LIMIT, f"split it into two {word}s and attach both")


def _over(span: Span | None, what: str, size: int, limit: int, fix: str) -> Hit:
    return Hit(span, f"{what} is {size:,} characters when exported, over AWS's limit of {limit:,}", fix)
