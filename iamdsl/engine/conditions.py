"""Condition evaluation, three-valued: true, false, or unknown (with a residual).

Stage: engine primitive (R21–R23, R30–R43; settings D3, D5, D7, D9).

`evaluate_condition` decides one operator/key pair of a Condition block and
says why in plain words; `evaluate_conditions` ANDs a block (R21).  A key
whose state the context does not know gives UNKNOWN, and the result carries
a residual: the same condition with every known policy variable put in, which
the decision reports as "allowed only if …" (design.md §2).

How one condition is decided:

1. Null tests presence only (R39).
2. An absent key decides by the operator's shape alone (R30, R38, R40, D3).
3. A given key: each request value is tested against the policy values.
   A positive operator wants some policy value to match (OR); a negated one
   wants the request value to match none of them (AND) (R21, R41).  A request
   value that does not parse as the operator's type never satisfies the
   operator, negated or not (R32, R37): it is not a number, date, address…
   to compare.  Then the values are quantified: ForAnyValue wants one,
   ForAllValues wants all (R40, R42); a plain operator wants exactly one
   value and never matches a multi-valued key (R43, D5).
4. Policy variables in String and ARN values (and Bool, D7) are substituted
   first (R23).  A value whose variable is unresolved never matches: so a
   positive operator does not match through it and a negated one does (R23).
   A value whose variable is unknown makes that comparison UNKNOWN.  The
   comparisons combine with Kleene's three-valued AND and OR.

When is a condition on an unknown key decided anyway?  Only when its answer
is the same whether the key is absent, empty, or holds any values.  For a
well-formed condition that almost never happens: a positive operator is
false when the key is absent but true for a value equal to its own policy
value; a negated or IfExists one is true when absent but false for that
value; Null depends on presence; ForAllValues is vacuously true when absent
but false for a non-matching value.  Two cases do qualify, and are decided:

- a plain positive operator (no IfExists) on a key the catalogue calls
  multi-valued: under D5 it never matches a present key, and R30 makes it
  false when absent, so it is FALSE;
- a positive operator (no IfExists, not ForAllValues) whose every policy
  value holds an unresolved variable (R23): nothing can match it, and
  absence makes it false too, so it is FALSE.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import operator as ops
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

from iamdsl import catalog, model
from iamdsl.engine.arn import Arn, arn_like
from iamdsl.engine.context import Context, Lookup, Presence
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import Truth  # one Truth for the whole engine
from iamdsl.engine.variables import Outcome, Substitution, substitute
from iamdsl.engine.wildcard import Pattern, compile_glob, fold, glob_match, pattern_text, split_pattern
from iamdsl.language.operators import Family, Operator, parse_date, parse_network, parse_number, parse_operator

__all__ = ["BlockResult", "CompiledCondition", "ConditionResult", "Truth", "evaluate_condition", "evaluate_conditions"]


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """The verdict on one condition, with the reason in plain words.

    `request_values` are the key's values when the context gives it (None
    when absent or unknown).  `residual` is set when `truth` is UNKNOWN: the
    condition with known variables substituted, still to be decided.
    """

    truth: Truth
    condition: model.Condition
    reason: str
    request_values: tuple[str, ...] | None = None
    residual: model.Condition | None = None


@dataclass(frozen=True, slots=True)
class BlockResult:
    """The verdict on a whole Condition block (R21: its conditions are AND'ed)."""

    truth: Truth
    results: tuple[ConditionResult, ...]

    @property
    def residual(self) -> tuple[model.Condition, ...]:
        """The conditions still undecided; they all must hold for the block to hold."""
        return tuple(r.residual for r in self.results if r.residual is not None)


def evaluate_conditions(
    conditions: Iterable[model.Condition], context: Context, *, variables: bool, settings: Settings = DEFAULT_SETTINGS
) -> BlockResult:
    """AND the conditions (R21): any FALSE gives FALSE, else any UNKNOWN gives UNKNOWN.

    No condition at all is TRUE.  Every condition is evaluated, even after a
    FALSE, so that explanations can list them all.
    """
    results = tuple(evaluate_condition(c, context, variables=variables, settings=settings) for c in conditions)
    return BlockResult(_all(r.truth for r in results), results)


def evaluate_condition(
    condition: model.Condition, context: Context, *, variables: bool, settings: Settings = DEFAULT_SETTINGS
) -> ConditionResult:
    """Decide one condition against the context.

    `variables` says whether the policy has Version 2012-10-17 (R12).  Key
    names compare without case (R22), which `Context.get` takes care of.
    Raises ValueError for an operator AWS does not know: check.py refuses
    those when the policy is loaded (R44), so one reaching here is a bug.
    """
    operator = _parse_operator(condition.operator)
    if operator is None:
        raise ValueError(f"unknown condition operator `{condition.operator}` (R44)")
    lookup = context.get(condition.key)
    given = lookup.values if lookup.presence is _PRESENCE_GIVEN else None
    if operator.family is _FAMILY_NULL:
        truth, reason = _null(condition, lookup)
        return ConditionResult(truth, condition, reason, given, condition if truth is _TRUTH_UNKNOWN else None)
    if lookup.presence is _PRESENCE_ABSENT:
        truth, reason = _absent(condition.key, operator, settings)
        return ConditionResult(truth, condition, reason, None)
    values = _policy_values(condition, operator, context, variables, settings)
    if lookup.presence is _PRESENCE_UNKNOWN:
        why = _decided_without_value(condition.key, operator, values, settings)
        if why is not None:
            return ConditionResult(_TRUTH_FALSE, condition, why, None)
        reason = f"{condition.key} is not known, so {operator} cannot be decided"
        return ConditionResult(_TRUTH_UNKNOWN, condition, reason, None, _residual(condition, operator, values))
    truth, reason = _given(condition.key, operator, lookup.values, values, settings)
    residual = _residual(condition, operator, values) if truth is _TRUTH_UNKNOWN else None
    return ConditionResult(truth, condition, reason, given, residual)


# ------------------------------------------------------------------ three-valued logic


def _any(truths: Iterable[Truth]) -> Truth:
    """Kleene OR; FALSE when empty."""
    seen_unknown = False
    for truth in truths:
        if truth is _TRUTH_TRUE:
            return _TRUTH_TRUE
        seen_unknown = seen_unknown or truth is _TRUTH_UNKNOWN
    return _TRUTH_UNKNOWN if seen_unknown else _TRUTH_FALSE


def _all(truths: Iterable[Truth]) -> Truth:
    """Kleene AND; TRUE when empty."""
    seen_unknown = False
    for truth in truths:
        if truth is _TRUTH_FALSE:
            return _TRUTH_FALSE
        seen_unknown = seen_unknown or truth is _TRUTH_UNKNOWN
    return _TRUTH_UNKNOWN if seen_unknown else _TRUTH_TRUE


def _not(truth: Truth) -> Truth:
    return {_TRUTH_TRUE: _TRUTH_FALSE, _TRUTH_FALSE: _TRUTH_TRUE, _TRUTH_UNKNOWN: _TRUTH_UNKNOWN}[truth]


_GIVEN = Presence.GIVEN
_TRUE, _FALSE = Truth.TRUE, Truth.FALSE


def _truth(value: bool) -> Truth:
    return _TRUTH_TRUE if value else _TRUTH_FALSE


# ------------------------------------------------------------------ Null and absent keys


def _null(condition: model.Condition, lookup: Lookup) -> tuple[Truth, str]:
    """R39: `true` holds when the key is absent, `false` when it is present (even empty)."""
    key = condition.key
    if lookup.presence is _PRESENCE_UNKNOWN:
        return _TRUTH_UNKNOWN, f"{key} is not known, so whether it is present (Null) cannot be decided"
    absent = lookup.presence is _PRESENCE_ABSENT
    wanted = "true" if absent else "false"
    holds = any(value.lower() == wanted for value in condition.values)
    state = "absent" if absent else "present"
    verdict = "holds" if holds else "does not hold"
    return _truth(holds), f"{key} is {state}, so Null {' or '.join(condition.values)} {verdict} (R39)"


def _absent(key: str, operator: Operator, settings: Settings) -> tuple[Truth, str]:
    """The answer for an absent key depends only on the operator's shape."""
    if operator.if_exists:
        return _TRUTH_TRUE, f"{key} is absent, so {operator} holds (R38)"
    if operator.qualifier == "ForAllValues":
        if operator.negated:
            holds = settings.forallvalues_negated_absent_true
            return _truth(holds), f"{key} is absent, so {operator} {'holds' if holds else 'does not hold'} (R40, D3)"
        return _TRUTH_TRUE, f"{key} is absent, so {operator} holds for lack of values (R40)"
    if operator.qualifier == "ForAnyValue":
        return _TRUTH_FALSE, f"{key} is absent, so {operator} has no value to match (R40)"
    if operator.negated:
        return _TRUTH_TRUE, f"{key} is absent, so {operator} holds (R30)"
    rule = {_FAMILY_BOOL: "R30, R34", _FAMILY_IP: "R30, R36"}.get(operator.family, "R30")
    return _TRUTH_FALSE, f"{key} is absent, so {operator} does not match ({rule})"


# ------------------------------------------------------------------ policy values


@dataclass(frozen=True, slots=True)
class _PolicyValue:
    written: str
    substitution: Substitution

    @property
    def outcome(self) -> Outcome:
        return self.substitution.outcome

    def shown(self, family: Family, settings: Settings) -> str:
        if self.outcome is _OUTCOME_UNRESOLVED:
            keys = ", ".join(self.substitution.missing)
            return f"{self.written} (unresolved: {keys} absent, R23)"
        text = self.substitution.text
        if family is _FAMILY_IP and self.outcome is _OUTCOME_RESOLVED:
            network = _network(text, settings)
            return str(network) if network is not None else text
        return text


def _policy_values(
    condition: model.Condition, operator: Operator, context: Context, variables: bool, settings: Settings
) -> tuple[_PolicyValue, ...]:
    """Substitute variables where R23 (and D7 for Bool) allows them."""
    family = operator.family
    allowed = family in (_FAMILY_STRING, _FAMILY_ARN) or (family is _FAMILY_BOOL and settings.variables_in_bool)
    enabled = variables and allowed
    if not enabled or not any("${" in value for value in condition.values):
        return _plain_values(condition.values)  # nothing to substitute: the same for every request
    return tuple(_PolicyValue(value, substitute(value, context, enabled=enabled)) for value in condition.values)


@functools.lru_cache(maxsize=4096)
def _plain_values(values: tuple[str, ...]) -> tuple[_PolicyValue, ...]:
    """Policy values without variables, as `substitute` leaves them (immutable, so shared)."""
    return tuple(_PolicyValue(value, Substitution(_OUTCOME_RESOLVED, (value,))) for value in values)


def _decided_without_value(key: str, operator: Operator, values: tuple[_PolicyValue, ...], settings: Settings) -> str | None:
    """The reason an unknown key does not matter, in the two cases the module docstring names."""
    if operator.negated or operator.if_exists or operator.qualifier == "ForAllValues":
        return None
    if operator.qualifier is None and _multi_valued_key(key) and not settings.plain_operator_on_multivalued_matches:
        return f"{operator} never matches the multi-valued key {key} (R43, D5), and is false when it is absent (R30)"
    if all(value.outcome is _OUTCOME_UNRESOLVED for value in values):
        return f"no value of {operator} can match: each has an unresolved variable (R23), and an absent {key} gives false (R30)"
    return None


def _residual(condition: model.Condition, operator: Operator, values: tuple[_PolicyValue, ...]) -> model.Condition:
    """The condition with known variables put in; unresolved values dropped (they never match)."""
    wildcards = operator.family is _FAMILY_ARN or operator.base in ("StringLike", "StringNotLike")
    kept = tuple(
        value.substitution.residual_text(wildcards=wildcards) for value in values if value.outcome is not _OUTCOME_UNRESOLVED
    )
    if kept == condition.values:
        return condition
    return condition.model_copy(update={"values": kept})


_parse_operator = functools.lru_cache(maxsize=1024)(parse_operator)  # operators are immutable; parsing is per evaluation otherwise


@functools.lru_cache(maxsize=1024)
def _multi_valued_key(key: str) -> bool:
    known = catalog.condition_key(key)
    return known is not None and known[1].multi


# ------------------------------------------------------------------ given keys


def _given(
    key: str, operator: Operator, request: tuple[str, ...], values: tuple[_PolicyValue, ...], settings: Settings
) -> tuple[Truth, str]:
    tests = [(value, *_test(value, operator, values, settings)) for value in request]
    quantifier = operator.qualifier
    if quantifier is None:
        multi = len(request) > 1 or _multi_valued_key(key)
        if multi and not settings.plain_operator_on_multivalued_matches:
            return _TRUTH_FALSE, f"{operator} never matches the multi-valued key {key} {_listed(request)} (R43, D5)"
        if multi:  # D5 switched: positive wants one value to match, negated wants none to
            quantifier = "ForAllValues" if operator.negated else "ForAnyValue"
        elif not request:
            holds = operator.negated
            return _truth(holds), f"{key} is present with no value, so {operator} {'holds' if holds else 'does not match'}"
        else:
            return tests[0][1], f"{key} {tests[0][2]}"
    if quantifier == "ForAnyValue":
        truth = _any(t for _, t, _ in tests)
        if not tests:
            return truth, f"{key} has no values, so {operator} has none to match (R40)"
        if truth is _TRUTH_FALSE:
            return truth, f"no value of {key} satisfies {operator}: " + "; ".join(p for _, _, p in tests)
    else:
        truth = _all(t for _, t, _ in tests)
        if not tests:
            return truth, f"{key} has no values, so {operator} holds for lack of values (R40)"
        if truth is _TRUTH_TRUE:
            return truth, f"every value of {key} satisfies {operator}: " + "; ".join(p for _, _, p in tests)
    # The value that decided it (TRUE for ForAnyValue, FALSE for ForAllValues), or the undecided ones.
    decisive = [p for _, t, p in tests if t is truth]
    return truth, f"{key} {'; '.join(decisive[:1] if truth is not Truth.UNKNOWN else decisive)} ({operator}, R40)"


def _test(request_value: str, operator: Operator, values: tuple[_PolicyValue, ...], settings: Settings) -> tuple[Truth, str]:
    """One request value against every policy value: OR for positive, AND for negated (R21, R41)."""
    positive_base = _POSITIVE.get(operator.base, operator.base)
    compare = _COMPARE[positive_base]
    yes, no = _PHRASES[positive_base]
    family = operator.family
    results: list[tuple[_PolicyValue, Truth]] = []
    for value in values:
        if value.outcome is _OUTCOME_UNRESOLVED:
            results.append((value, _TRUTH_FALSE))  # R23: never matches
        elif value.outcome is _OUTCOME_UNKNOWN:
            results.append((value, _TRUTH_UNKNOWN))
        else:
            matched = compare(request_value, value.substitution.pattern, settings)
            if matched is None:
                return _TRUTH_FALSE, f"{request_value} is not {_KIND[family]}, so {operator} does not match ({_PARSE_RULE[family]})"
            results.append((value, _truth(matched)))
    truth = _any(t for _, t in results)
    if operator.negated:
        truth = _not(truth)
    # Only the values a reason names are rendered: rendering (an IP range, a substitution) costs.
    hit = next((v for v, t in results if t is _TRUTH_TRUE), None)
    if hit is not None:
        return truth, f"{request_value} {yes} {hit.shown(family, settings)}"
    open_ = [v for v, t in results if t is _TRUTH_UNKNOWN]
    if open_:
        keys = sorted({k for v in open_ for k in v.substitution.unknown})
        against = _either(v.substitution.text for v in open_)
        return truth, f"{request_value} against {against} depends on {', '.join(keys)}, which is not known"
    misses = [v.shown(family, settings) for v, t in results if t is _TRUTH_FALSE]
    return truth, f"{request_value} {no} {_either(misses)}"


def _either(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) == 1:
        return items[0]
    return "any of " + ", ".join(items)


def _listed(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"


# ------------------------------------------------------------------ comparisons, by positive base operator

# A negated operator is tested as its positive partner, then negated (R21, R41).
# ArnEquals is ArnLike (R37).
_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnEquals": "ArnLike",
    "ArnNotEquals": "ArnLike",
    "ArnNotLike": "ArnLike",
}

Compare = Callable[[str, Pattern, Settings], "bool | None"]  # None: the request value does not parse


def _decimal(text: str) -> Decimal | None:
    """R32: numbers compare as decimals; anything that does not parse is None."""
    if parse_number(text) is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _ordered(parse: Callable[[str], object], relation: Callable[[object, object], bool]) -> Compare:
    def compare(request_value: str, pattern: Pattern, settings: Settings) -> bool | None:
        left, right = parse(request_value), parse(pattern_text(pattern))
        if left is None or right is None:
            return None
        return relation(left, right)

    return compare


def _bool(request_value: str, pattern: Pattern, settings: Settings) -> bool | None:
    """R34: `true`/`false`, ignoring case; anything else is not a Bool."""
    left, right = request_value.lower(), pattern_text(pattern).lower()
    if left not in ("true", "false") or right not in ("true", "false"):
        return None
    return left == right


def _bytes(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary(request_value: str, pattern: Pattern, settings: Settings) -> bool | None:
    """R35: both sides are base64 text; compare the bytes they stand for."""
    left, right = _bytes(request_value), _bytes(pattern_text(pattern))
    if left is None or right is None:
        return None
    return left == right


def _network(text: str, settings: Settings) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """R36, D9: a bare IPv4 address is /32, a bare IPv6 one takes the D9 prefix."""
    return _parse_network(text, settings.ipv6_default_prefix)


@functools.lru_cache(maxsize=4096)
def _parse_network(text: str, ipv6_default_prefix: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """`_network`, memoised: policies hold few ranges, and parsing one is slow (networks are immutable)."""
    text = text.strip()
    if "/" not in text and ":" in text:
        try:
            return ipaddress.ip_network(f"{text}/{ipv6_default_prefix}", strict=False)
        except ValueError:
            return None
    return parse_network(text)


def _ip(request_value: str, pattern: Pattern, settings: Settings) -> bool | None:
    try:
        address = ipaddress.ip_address(request_value.strip())
    except ValueError:
        return None
    network = _network(pattern_text(pattern), settings)
    if network is None:
        return None
    return address.version == network.version and address in network


def _arn(request_value: str, pattern: Pattern, settings: Settings) -> bool | None:
    """R37: a request value that is not an ARN matches no ARN operator, negated or not."""
    if Arn.parse(request_value) is None:
        return None
    return arn_like(pattern, request_value)


_RELATIONS = {"Equals": ops.eq, "LessThan": ops.lt, "LessThanEquals": ops.le, "GreaterThan": ops.gt, "GreaterThanEquals": ops.ge}

_COMPARE: dict[str, Compare] = {
    "StringEquals": lambda v, p, s: v == pattern_text(p),  # R31: `*` is literal here
    "StringEqualsIgnoreCase": lambda v, p, s: fold(v) == fold(pattern_text(p)),
    "StringLike": lambda v, p, s: glob_match(p, v),  # R31: case-sensitive, over the whole value
    **{f"Numeric{name}": _ordered(_decimal, rel) for name, rel in _RELATIONS.items()},
    **{f"Date{name}": _ordered(parse_date, rel) for name, rel in _RELATIONS.items()},
    "Bool": _bool,
    "BinaryEquals": _binary,
    "IpAddress": _ip,
    "ArnLike": _arn,
}

_PHRASES: dict[str, tuple[str, str]] = {
    "StringEquals": ("equals", "does not equal"),
    "StringEqualsIgnoreCase": ("equals, ignoring case,", "does not equal, even ignoring case,"),
    "StringLike": ("matches", "does not match"),
    "NumericEquals": ("equals", "does not equal"),
    "NumericLessThan": ("is less than", "is not less than"),
    "NumericLessThanEquals": ("is at most", "is more than"),
    "NumericGreaterThan": ("is greater than", "is not greater than"),
    "NumericGreaterThanEquals": ("is at least", "is less than"),
    "DateEquals": ("is the instant", "is not the instant"),
    "DateLessThan": ("is before", "is not before"),
    "DateLessThanEquals": ("is at or before", "is after"),
    "DateGreaterThan": ("is after", "is not after"),
    "DateGreaterThanEquals": ("is at or after", "is before"),
    "Bool": ("is", "is not"),
    "BinaryEquals": ("equals", "does not equal"),
    "IpAddress": ("is in", "is not in"),
    "ArnLike": ("matches", "does not match"),
}

_KIND = {
    Family.STRING: "a string",
    Family.NUMERIC: "a number",
    Family.DATE: "a date",
    Family.BOOL: "true or false",
    Family.BINARY: "base64",
    Family.IP: "an IP address",
    Family.ARN: "an ARN",
}

_PARSE_RULE = {
    Family.STRING: "R31",
    Family.NUMERIC: "R32",
    Family.DATE: "R33",
    Family.BOOL: "R34",
    Family.BINARY: "R35",
    Family.IP: "R36",
    Family.ARN: "R37",
}


# ------------------------------------------------------------------ the truth alone, for decisions


_TESTED_SIZE = 4096  # request values remembered per compiled condition (a model's principal ARNs, say)


def _ipv4_number(text: str) -> int | None:
    """The IPv4 address `ipaddress.ip_address(text)` reads, as an integer; None for anything but a plain
    dotted quad (IPv6, or no address: `ipaddress` itself decides those).

    The quad is what `ipaddress.IPv4Address` accepts: four ASCII decimal octets of one to three digits,
    none above 255 and none with a leading zero.
    """
    parts = text.split(".")
    if len(parts) != 4:
        return None
    number = 0
    for part in parts:
        if not part or len(part) > 3 or not (part.isascii() and part.isdigit()) or (part[0] == "0" and part != "0"):
            return None
        octet = int(part)
        if octet > 255:
            return None
        number = number << 8 | octet
    return number


class CompiledCondition:
    """One condition prepared once, whose `truth` is `evaluate_condition(...).truth` with no reason built.

    A decision asks only whether a condition holds (a trace words it later,
    if someone reads it).  The operator, the policy values and the answer for
    an absent key are worked out here once; a request then costs a lookup and
    the comparisons.  What
    this does not cover (policy variables, an unknown key, an operator AWS
    does not know) goes to `evaluate_condition` itself, so both always agree.
    """

    __slots__ = (
        "condition", "variables", "settings", "key", "lower_key", "plain", "general", "null", "null_when_absent", "null_when_present",
        "when_absent", "qualifier", "negated", "multi_key", "compare", "values", "equals", "networks", "v4_networks", "arns", "_tested",
    )

    def __init__(self, condition: model.Condition, *, variables: bool, settings: Settings) -> None:
        self.condition = condition
        self.variables = variables
        self.settings = settings
        self.key = condition.key
        self.lower_key = condition.key.lower()
        operator = _parse_operator(condition.operator)
        family = operator.family if operator is not None else None
        substituted = family in (_FAMILY_STRING, _FAMILY_ARN) or (family is _FAMILY_BOOL and settings.variables_in_bool)
        self.general = operator is None or (variables and substituted and any("${" in value for value in condition.values))
        self.null = family is _FAMILY_NULL
        self.null_when_absent = _truth(any(value.lower() == "true" for value in condition.values))
        self.null_when_present = _truth(any(value.lower() == "false" for value in condition.values))
        # None for an operator AWS does not know: `evaluate_condition` raises for it, as it must
        self.when_absent = _absent(condition.key, operator, settings)[0] if operator is not None and not self.null else None
        self.qualifier = operator.qualifier if operator is not None else None
        self.negated = operator.negated if operator is not None else False
        self.multi_key = _multi_valued_key(condition.key)
        base = _POSITIVE.get(operator.base, operator.base) if operator is not None and not self.null else None
        self.compare = _COMPARE.get(base) if base else None
        self.values = condition.values  # without variables, a value is its own pattern
        self.equals = frozenset(condition.values) if base == "StringEquals" else None
        # ArnLike (R37): each value's six fields as globs, or None for a value without six fields (it matches nothing)
        self.arns = None
        if base == "ArnLike":
            split = [split_pattern(value, ":", 5) for value in condition.values]
            self.arns = tuple(tuple(compile_glob(field) for field in fields) if len(fields) == 6 else None for fields in split)
        self.networks = None
        if base == "IpAddress":
            networks = [_network(value, settings) for value in condition.values]
            # a range that does not parse fails every comparison once reached, as `_ip` does
            self.networks = None if any(n is None for n in networks) else tuple(networks)
        # The IPv4 ranges as (network, mask) integers: `address in network` for an IPv4 address, without objects.
        self.v4_networks = tuple((int(n.network_address), int(n.netmask)) for n in self.networks if n.version == 4) if self.networks else ()
        # `_test`'s answers by request value: a pure function of the two, so part of the compiled form.
        self._tested: dict[str, bool] = {}
        # The common case, taken first by `truth`: one value given for a single-valued key, no qualifier.
        self.plain = not self.null and not self.general and self.qualifier is None and not self.multi_key

    def truth(self, context: Context) -> Truth:
        lookup = context.get_lower(self.lower_key)
        presence = lookup.presence
        if presence is _GIVEN and self.plain:
            request = lookup.values
            if len(request) == 1:  # as below: `_truth(self._test(request[0]))`
                equals = self.equals
                if equals is not None:
                    return _TRUE if (request[0] in equals) != self.negated else _FALSE
                return _TRUE if self._test(request[0]) else _FALSE
        if self.null:  # R39
            if presence is _PRESENCE_UNKNOWN:
                return _TRUTH_UNKNOWN
            return self.null_when_absent if presence is _PRESENCE_ABSENT else self.null_when_present
        if presence is _PRESENCE_ABSENT and self.when_absent is not None:
            return self.when_absent
        if self.general or presence is not _PRESENCE_GIVEN:
            return evaluate_condition(self.condition, context, variables=self.variables, settings=self.settings).truth
        request = lookup.values
        qualifier = self.qualifier
        if qualifier is None:  # R43, D5
            if len(request) > 1 or self.multi_key:
                if not self.settings.plain_operator_on_multivalued_matches:
                    return _TRUTH_FALSE
                qualifier = "ForAllValues" if self.negated else "ForAnyValue"
            elif not request:
                return _truth(self.negated)
            else:
                return _truth(self._test(request[0]))
        if qualifier == "ForAnyValue":  # R40, R42
            return _truth(any(self._test(value) for value in request))
        return _truth(all(self._test(value) for value in request))

    def _test(self, request_value: str) -> bool:
        """`_test`'s truth: some policy value matches (none, for a negated operator); a value of the wrong type never does."""
        if self.equals is not None:
            return (request_value in self.equals) != self.negated
        found = self._tested.get(request_value)
        if found is None:
            if len(self._tested) >= _TESTED_SIZE:
                self._tested.clear()
            found = self._tested[request_value] = self._compare(request_value)
        return found

    def _compare(self, request_value: str) -> bool:
        """`_test` for the operators other than StringEquals, worked out once per request value."""
        if self.arns is not None and self.values:
            fields = request_value.split(":", 5)
            if len(fields) != 6 or fields[0] != "arn":
                return False  # R37: not an ARN
            hit = False
            for globs in self.arns:
                if globs is None:
                    continue  # a value without six fields matches nothing
                for glob, text in zip(globs, fields):
                    if not glob.match(text):
                        break
                else:
                    hit = True
                    break
            return hit != self.negated
        if self.networks is not None and self.values:
            text = request_value.strip()
            number = _ipv4_number(text)
            if number is not None:  # a dotted quad, as `ipaddress` reads it: only IPv4 ranges can hold it
                hit = False
                for network, mask in self.v4_networks:
                    if number & mask == network:
                        hit = True
                        break
                return hit != self.negated
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                return False  # R36: not an address
            hit = any(address.version == network.version and address in network for network in self.networks)
            return hit != self.negated
        compare, settings = self.compare, self.settings
        hit = False
        for value in self.values:
            matched = compare(request_value, value, settings)
            if matched is None:
                return False  # R32–R37: not a number, date, address… to compare
            hit = hit or matched
        return hit != self.negated


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_FAMILY_ARN = Family.ARN
_FAMILY_BOOL = Family.BOOL
_FAMILY_IP = Family.IP
_FAMILY_NULL = Family.NULL
_FAMILY_STRING = Family.STRING
_OUTCOME_RESOLVED = Outcome.RESOLVED
_OUTCOME_UNKNOWN = Outcome.UNKNOWN
_OUTCOME_UNRESOLVED = Outcome.UNRESOLVED
_PRESENCE_ABSENT = Presence.ABSENT
_PRESENCE_GIVEN = Presence.GIVEN
_PRESENCE_UNKNOWN = Presence.UNKNOWN
_TRUTH_FALSE = Truth.FALSE
_TRUTH_TRUE = Truth.TRUE
_TRUTH_UNKNOWN = Truth.UNKNOWN
