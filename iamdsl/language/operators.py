"""IAM condition operators: their names, families, and what values they accept.

Stage: shared knowledge for check.py (R44: reject what AWS refuses to save)
and for the engine's condition evaluator.
"""

from __future__ import annotations

import base64
import binascii
import enum
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timezone


class Family(str, enum.Enum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


BASE_OPERATORS: dict[str, Family] = {
    "StringEquals": Family.STRING,
    "StringNotEquals": Family.STRING,
    "StringEqualsIgnoreCase": Family.STRING,
    "StringNotEqualsIgnoreCase": Family.STRING,
    "StringLike": Family.STRING,
    "StringNotLike": Family.STRING,
    "NumericEquals": Family.NUMERIC,
    "NumericNotEquals": Family.NUMERIC,
    "NumericLessThan": Family.NUMERIC,
    "NumericLessThanEquals": Family.NUMERIC,
    "NumericGreaterThan": Family.NUMERIC,
    "NumericGreaterThanEquals": Family.NUMERIC,
    "DateEquals": Family.DATE,
    "DateNotEquals": Family.DATE,
    "DateLessThan": Family.DATE,
    "DateLessThanEquals": Family.DATE,
    "DateGreaterThan": Family.DATE,
    "DateGreaterThanEquals": Family.DATE,
    "Bool": Family.BOOL,
    "BinaryEquals": Family.BINARY,
    "IpAddress": Family.IP,
    "NotIpAddress": Family.IP,
    "ArnEquals": Family.ARN,
    "ArnLike": Family.ARN,
    "ArnNotEquals": Family.ARN,
    "ArnNotLike": Family.ARN,
    "Null": Family.NULL,
}

NEGATED = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}
)
SET_QUALIFIERS = ("ForAnyValue", "ForAllValues")


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed operator name such as `ForAllValues:StringNotLikeIfExists`."""

    qualifier: str | None  # ForAnyValue, ForAllValues or None
    base: str
    if_exists: bool

    @property
    def family(self) -> Family:
        return BASE_OPERATORS[self.base]

    @property
    def negated(self) -> bool:
        return self.base in NEGATED

    def __str__(self) -> str:
        prefix = f"{self.qualifier}:" if self.qualifier else ""
        return f"{prefix}{self.base}{'IfExists' if self.if_exists else ''}"


def parse_operator(name: str) -> Operator | None:
    """Parse an operator name; None if AWS does not know it (names are case-sensitive)."""
    qualifier, sep, rest = name.partition(":")
    if not sep:
        qualifier, rest = None, name
    elif qualifier not in SET_QUALIFIERS:
        return None
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in BASE_OPERATORS:
        return None
    return Operator(qualifier, base, if_exists)


def all_operator_names() -> list[str]:
    names = []
    for base in BASE_OPERATORS:
        for q in (None, *SET_QUALIFIERS):
            for ie in (False, True):
                if base == "Null" and (ie or q):
                    continue
                names.append(str(Operator(q, base, ie)))
    return names


_VARIABLE = re.compile(r"\$\{[^}]*\}")
_EPOCH = re.compile(r"-?\d+\Z")


def has_variable(value: str) -> bool:
    return bool(_VARIABLE.search(value))


def parse_date(value: str) -> datetime | None:
    """ISO 8601 (date, or date and time) or epoch seconds (R33)."""
    if _EPOCH.match(value):
        try:
            return datetime.fromtimestamp(int(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def parse_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR range; a bare address is /32, or /128 for IPv6 (R36, D9)."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def value_problem(operator: Operator, value: str) -> str | None:
    """Why `value` is invalid for `operator` (R44, R23), or None if it is fine."""
    family = operator.family
    if has_variable(value) and family not in (Family.STRING, Family.ARN, Family.BOOL):
        return f"`{value}` holds a policy variable, which {family.value} operators do not take"
    if has_variable(value):
        return None
    if family is Family.NUMERIC and parse_number(value) is None:
        return f"`{value}` is not a number"
    if family is Family.DATE and parse_date(value) is None:
        return f"`{value}` is not a date"  # check.py's help says how to write one
    if family in (Family.BOOL, Family.NULL) and value.lower() not in ("true", "false"):
        return f"`{value}` is not `true` or `false`"
    if family is Family.IP and parse_network(value) is None:
        return f"`{value}` is not an IP address or CIDR range"
    if family is Family.BINARY:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return f"`{value}` is not base64"
    return None
