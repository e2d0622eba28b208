"""Conditions in plain words, and in the IAM form a policy would write.

Stage: explain.  A CONDITIONAL answer lists the conditions it depends on twice:
in words a person reads (`aws:SourceIp is in 10.0.0.0/8`) and in the IAM JSON
form (`{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`), so that it can be
pasted into a policy or compared with one.

A Deny's conditions must *not* hold for the request to be allowed, so they
are also said negated (`aws:MultiFactorAuthPresent is not false`).  The words
keep IAM's meaning for absent keys: "is not false" is true when the key is
absent, just as a `Bool … false` Deny does not apply then.
"""

from __future__ import annotations

import json
from typing import Any

from iamdsl import catalog
from iamdsl.language.operators import Family, parse_operator
from iamdsl.model import Condition

# base operator -> (the positive relation, its negation, whether the operator is the negated one):
# StringNotEquals says "is not", and so does a StringEquals Deny that must not hold.
_RELATIONS: dict[str, tuple[str, str, bool]] = {
    "StringEquals": ("is", "is not", False),
    "StringNotEquals": ("is", "is not", True),
    "StringEqualsIgnoreCase": ("is, ignoring case,", "is not, ignoring case,", False),
    "StringNotEqualsIgnoreCase": ("is, ignoring case,", "is not, ignoring case,", True),
    "StringLike": ("is like", "is not like", False),
    "StringNotLike": ("is like", "is not like", True),
    "NumericEquals": ("is", "is not", False),
    "NumericNotEquals": ("is", "is not", True),
    "NumericLessThan": ("is less than", "is not less than", False),
    "NumericLessThanEquals": ("is at most", "is not at most", False),
    "NumericGreaterThan": ("is greater than", "is not greater than", False),
    "NumericGreaterThanEquals": ("is at least", "is not at least", False),
    "DateEquals": ("is", "is not", False),
    "DateNotEquals": ("is", "is not", True),
    "DateLessThan": ("is before", "is not before", False),
    "DateLessThanEquals": ("is at or before", "is not at or before", False),
    "DateGreaterThan": ("is after", "is not after", False),
    "DateGreaterThanEquals": ("is at or after", "is not at or after", False),
    "Bool": ("is", "is not", False),
    "BinaryEquals": ("is", "is not", False),
    "IpAddress": ("is in", "is not in", False),
    "NotIpAddress": ("is in", "is not in", True),
    "ArnEquals": ("is", "is not", False),
    "ArnNotEquals": ("is", "is not", True),
    "ArnLike": ("is like", "is not like", False),
    "ArnNotLike": ("is like", "is not like", True),
}


def key_name(key: str) -> str:
    """The catalogue's spelling of a condition key (`aws:sourceip` -> `aws:SourceIp`)."""
    found = catalog.condition_key(key)
    if found is None:
        return key
    canonical = found[0]
    if canonical.endswith(("/", ":")) and len(key) > len(canonical):
        return canonical + key[len(canonical):]  # a tag or context sub-key keeps its own spelling
    return canonical if canonical.lower() == key.lower() else key


def iam_form(condition: Condition) -> dict[str, Any]:
    """`{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`: one value as a string, several as a list."""
    values: Any = condition.values[0] if len(condition.values) == 1 else list(condition.values)
    return {condition.operator: {condition.key: values}}


def iam_text(condition: Condition) -> str:
    return json.dumps(iam_form(condition))


def in_words(condition: Condition, *, negate: bool = False) -> str:
    """The condition as a sentence; with `negate`, the sentence for "it does not hold"."""
    operator = parse_operator(condition.operator)
    key = condition.key
    if operator is None:  # check.py refuses unknown operators; say it in IAM's terms anyway
        text = f"{condition.operator} {key} {_values(condition.values)}"
        return f"not ({text})" if negate else text
    if operator.family is Family.NULL:
        absent = condition.values[:1] == ("true",)
        return f"{key} is {'absent' if absent != negate else 'present'}"
    if operator.if_exists and negate:  # not (absent or R) = present and not R
        return f"{key} is present and {_sentence(operator, key, condition.values, negate=True)}"
    sentence = _sentence(operator, key, condition.values, negate=negate)
    return f"{sentence}, or {key} is absent" if operator.if_exists else sentence


def _sentence(operator, key: str, values: tuple[str, ...], *, negate: bool) -> str:
    positive, negated, negative = _RELATIONS[operator.base]
    if operator.qualifier == "ForAnyValue":
        # not (some value R) = no value R
        return f"{'no' if negate else 'some'} value of {key} {_relation(positive, negated, negative, values)}"
    if operator.qualifier == "ForAllValues":
        # not (every value R) = some value not R
        return f"{'some' if negate else 'every'} value of {key} {_relation(positive, negated, negative != negate, values)}"
    return f"{key} {_relation(positive, negated, negative != negate, values)}"


def _relation(positive: str, negated: str, negative: bool, values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return f"{negated if negative else positive} {values[0]}"
    return f"{positive} {'none' if negative else 'one'} of {_values(values)}"


def _values(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"
