"""Condition sugar to IAM operators: the operator follows the key's type.

Stage: syntax tree -> model, for one condition (design.md §1: "sugar that
cannot lie").  `like` on an ARN key is ArnLike and on a string key
StringLike; a multi-valued key must say `any` or `all`, because a plain
operator on it never matches and a Deny written that way would fail open (D5).
The full form (`when StringNotEqualsIfExists aws:SourceVpce ["vpce-1"]`) is
passed through as written; check.py validates it like any IAM JSON.
"""

from __future__ import annotations

from iamdsl import catalog
from iamdsl.language import syntax as s
from iamdsl.language.errors import Collector, suggestion
from iamdsl.model import Condition

# Sugar -> operator, by the key's type (design.md §1: "sugar that cannot lie").
_SUGAR: dict[catalog.BaseType, dict[str, str]] = {
    catalog.BaseType.STRING: {
        "eq": "StringEquals", "ne": "StringNotEquals", "like": "StringLike", "not_like": "StringNotLike",
        "in": "StringEquals", "not_in": "StringNotEquals",
    },
    catalog.BaseType.ARN: {
        "eq": "ArnEquals", "ne": "ArnNotEquals", "like": "ArnLike", "not_like": "ArnNotLike",
        "in": "ArnEquals", "not_in": "ArnNotEquals",
    },
    catalog.BaseType.NUMERIC: {
        "eq": "NumericEquals", "ne": "NumericNotEquals", "lt": "NumericLessThan", "le": "NumericLessThanEquals",
        "gt": "NumericGreaterThan", "ge": "NumericGreaterThanEquals", "in": "NumericEquals", "not_in": "NumericNotEquals",
    },
    catalog.BaseType.DATE: {
        "eq": "DateEquals", "ne": "DateNotEquals", "lt": "DateLessThan", "le": "DateLessThanEquals",
        "gt": "DateGreaterThan", "ge": "DateGreaterThanEquals", "before": "DateLessThan", "after": "DateGreaterThan",
    },
    catalog.BaseType.BOOL: {"is": "Bool", "eq": "Bool"},
    catalog.BaseType.IP: {"in": "IpAddress", "not_in": "NotIpAddress", "eq": "IpAddress", "ne": "NotIpAddress"},
    catalog.BaseType.BINARY: {"eq": "BinaryEquals"},
}
_NUMERIC_SUGAR = {k: v for k, v in _SUGAR[catalog.BaseType.NUMERIC].items() if k not in ("in", "not_in")}
_SUGAR_WORDS = {
    "eq": "==", "ne": "!=", "like": "like", "not_like": "not like", "in": "in", "not_in": "not in", "lt": "<",
    "le": "<=", "gt": ">", "ge": ">=", "before": "before", "after": "after", "is": "is", "exists": "exists",
    "not_exists": "not exists",
}


def condition_of(item: s.ConditionSyntax, out: Collector) -> Condition | None:
    """The IAM condition a DSL condition means, or None after reporting why it has none."""
    values = tuple(v.text for v in item.values)
    if item.form == "full":
        return Condition(operator=item.op, key=item.key, values=values, span=item.span)
    key, if_exists = item.key, False
    if key.endswith("?"):
        key, if_exists = key[:-1], True
    if item.op in ("exists", "not_exists"):
        if if_exists or item.quantifier:
            out.error("E026", "`exists` tests presence, so it takes no `?` or `any`/`all`", item.span)
            return None
        return Condition(operator="Null", key=key, values=("false" if item.op == "exists" else "true",), span=item.span)
    known = catalog.condition_key(key)
    word = _SUGAR_WORDS[item.op]
    if known is None:
        out.error(
            "E022",
            f"unknown condition key `{key}`, so `{word}` cannot choose an operator",
            item.key_span,
            help=suggestion(key, catalog.all_condition_key_names())
            or f"write the operator yourself, e.g. `when StringEquals {key} [\"…\"]`",
        )
        return None
    _, key_type = known
    if key_type.multi and item.quantifier is None:
        out.error(
            "E023",
            f"`{key}` is multi-valued, so `{word}` must say whether any or all of its values must match",
            item.span,
            help=f"write `any {item.key} {word} …` (ForAnyValue) or `all {item.key} {word} …` (ForAllValues); "
            "a plain operator on it never matches, so a Deny written that way fails open (D5)",
        )
        return None
    table = _SUGAR.get(key_type.base, {})
    if key_type.also_numeric and item.op in _NUMERIC_SUGAR:
        table = _NUMERIC_SUGAR
    operator = table.get(item.op)
    if operator is None:
        fits = ", ".join(f"`{_SUGAR_WORDS[w]}`" for w in table) or "none"
        out.error(
            "E022",
            f"`{word}` does not fit `{key}`, {'an' if str(key_type)[0] in 'AEIOU' else 'a'} {key_type} key",
            item.op_span,
            help=f"for {key_type} keys use {fits}, `exists`, or the full operator form",
        )
        return None
    if item.op == "is" and values[0] not in ("true", "false"):
        out.error("E021", "`is` takes `true` or `false`", item.op_span)
        return None
    qualifier = {"any": "ForAnyValue:", "all": "ForAllValues:"}.get(item.quantifier or "", "")
    full = f"{qualifier}{operator}{'IfExists' if if_exists else ''}"
    return Condition(operator=full, key=key, values=values, span=item.span)
