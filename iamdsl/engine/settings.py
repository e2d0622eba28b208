"""The documented settings D1–D10: where AWS's documents disagree, which way we go.

Stage: engine configuration.  Every ambiguity of rulebook §6 is one field
here, with the rulebook's default.  Answers are reproducible for a given
`Settings`, and explanations name the setting when it decided something.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Settings:
    # D1: a session policy's implicit deny does not stop a same-account resource
    # policy that names the session ARN (AWS docs).  False follows iam-simulate.
    session_arn_grant_bypasses_session_policy: bool = True
    # D2: NotPrincipal with Deny excludes a caller only when every level of its
    # identity is listed ("strict").  False: any listed level excludes it.
    notprincipal_strict: bool = True
    # D3: ForAllValues with a negated operator and an absent key is true.
    forallvalues_negated_absent_true: bool = True
    # D4: a user named directly in a trust policy still needs a boundary that
    # allows sts:AssumeRole (S27).
    trust_user_needs_boundary: bool = True
    # D5: a plain (non set) operator on a multi-valued key does not match.
    plain_operator_on_multivalued_matches: bool = False
    # D6: ARN fields 2–5 of a Resource compare without case; field 6 with case.
    resource_fields_2_to_5_ignore_case: bool = True
    # D7: policy variables are allowed in Bool conditions.
    variables_in_bool: bool = True
    # D8: "*" in a trust policy is allowed (lint warns).
    star_in_trust_allowed: bool = True
    # D9: an IPv6 address without a prefix means /128.
    ipv6_default_prefix: int = 128
    # D10: a `*` that ends a field in fields 1–5 of a Resource ARN may cross colons.
    resource_trailing_star_crosses_colons: bool = True
    # R60: services whose resource policy must allow, even within one account.
    mandatory_resource_policy_services: frozenset[str] = field(default_factory=lambda: frozenset({"iam", "kms"}))


DEFAULT_SETTINGS = Settings()
