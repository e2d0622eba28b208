"""IAM JSON policy documents in and out of the model.

Stage: interop (JSON text <-> model.Policy).

`policy_to_json` writes the document AWS would store.  `policy_from_json`
reads one, with every structural problem reported as a located diagnostic
(R10, R13, R45) rather than an exception.  Both directions put principals and
conditions in one canonical order, so that a DSL policy and the JSON it
exports load into equal models.
"""

from __future__ import annotations

from typing import Any

from iamdsl.language.errors import Collector, suggestion
from iamdsl.language.syntax import JsonValue
from iamdsl.model import Condition, Effect, Policy, PolicyKind, Principal, PrincipalType, Span, Statement

PRINCIPAL_ORDER = {
    PrincipalType.STAR: 0,
    PrincipalType.AWS: 1,
    PrincipalType.SERVICE: 2,
    PrincipalType.FEDERATED: 3,
    PrincipalType.CANONICAL_USER: 4,
}
VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)


def canonical_principals(principals: list[Principal] | tuple[Principal, ...]) -> tuple[Principal, ...]:
    return tuple(sorted(principals, key=lambda p: PRINCIPAL_ORDER[p.type]))


def canonical_conditions(conditions: list[Condition] | tuple[Condition, ...]) -> tuple[Condition, ...]:
    return tuple(sorted(conditions, key=lambda c: (c.operator, c.key.lower())))


# ------------------------------------------------------------------ model -> JSON


def _one_or_many(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def principals_to_json(principals: tuple[Principal, ...]) -> str | dict[str, Any]:
    if len(principals) == 1 and principals[0].type is PrincipalType.STAR:
        return "*"
    grouped: dict[str, list[str]] = {}
    for principal in principals:
        key = "AWS" if principal.type is PrincipalType.STAR else principal.type.value
        grouped.setdefault(key, []).append(principal.value)
    return {key: _one_or_many(tuple(values)) for key, values in grouped.items()}


def conditions_to_json(conditions: tuple[Condition, ...]) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for condition in conditions:
        block.setdefault(condition.operator, {})[condition.key] = _one_or_many(condition.values)
    return block


def statement_to_json(statement: Statement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if statement.sid is not None:
        out["Sid"] = statement.sid
    out["Effect"] = statement.effect.value
    if statement.principals is not None:
        out["Principal"] = principals_to_json(statement.principals)
    if statement.not_principals is not None:
        out["NotPrincipal"] = principals_to_json(statement.not_principals)
    if statement.actions is not None:
        out["Action"] = _one_or_many(statement.actions)
    if statement.not_actions is not None:
        out["NotAction"] = _one_or_many(statement.not_actions)
    if statement.resources is not None:
        out["Resource"] = _one_or_many(statement.resources)
    if statement.not_resources is not None:
        out["NotResource"] = _one_or_many(statement.not_resources)
    if statement.conditions:
        out["Condition"] = conditions_to_json(statement.conditions)
    return out


def policy_to_json(policy: Policy) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if policy.version is not None:
        out["Version"] = policy.version
    if policy.id is not None:
        out["Id"] = policy.id
    out["Statement"] = [statement_to_json(s) for s in policy.statements]
    return out


# ------------------------------------------------------------------ JSON -> model


def plain_to_json_value(value: Any, span: Span) -> JsonValue:
    """Wrap a plain decoded JSON value, giving every node the one span."""
    if isinstance(value, dict):
        return JsonValue(
            {str(k): plain_to_json_value(v, span) for k, v in value.items()}, span, {str(k): span for k in value}
        )
    if isinstance(value, list):
        return JsonValue([plain_to_json_value(v, span) for v in value], span)
    return JsonValue(value, span)


def _scalar_text(node: JsonValue) -> str | None:
    """IAM treats JSON numbers and booleans in policies as their text."""
    value = node.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _strings(node: JsonValue, what: str, out: Collector) -> tuple[str, ...] | None:
    """A string or a list of strings (R10: a single value is a one-element list)."""
    items = node.value if isinstance(node.value, list) else [node]
    found: list[str] = []
    for item in items:
        text = _scalar_text(item)
        if text is None:
            out.error("E034", f"{what} must be a string or a list of strings", item.span)
            return None
        found.append(text)
    if not found:
        out.error("E034", f"{what} must not be empty", node.span)
        return None
    return tuple(found)


def _principals(node: JsonValue, what: str, out: Collector) -> tuple[Principal, ...] | None:
    if isinstance(node.value, str):
        if node.value != "*":
            out.error(
                "E036",
                f"{what} must be `\"*\"` or an object such as {{\"AWS\": …}}",
                node.span,
                help='write {"AWS": "' + node.value + '"}',
            )
            return None
        return (Principal(type=PrincipalType.STAR, value="*"),)
    if not isinstance(node.value, dict):
        out.error("E036", f"{what} must be `\"*\"` or an object", node.span)
        return None
    found: list[Principal] = []
    kinds = {t.value: t for t in PrincipalType if t is not PrincipalType.STAR}
    for key, value in node.value.items():
        kind = kinds.get(key)
        if kind is None:
            out.error(
                "E036",
                f"unknown principal type `{key}`",
                (node.key_spans or {}).get(key, node.span),
                help=suggestion(key, kinds),
            )
            continue
        values = _strings(value, f"{what}.{key}", out)
        for text in values or ():
            found.append(Principal(type=kind, value=text))
    return canonical_principals(found) if found else None


def _conditions(node: JsonValue, out: Collector) -> tuple[Condition, ...]:
    if not isinstance(node.value, dict):
        out.error("E034", "Condition must be an object of operators", node.span)
        return ()
    found: list[Condition] = []
    for operator, block in node.value.items():
        op_span = (node.key_spans or {}).get(operator, node.span)
        if not isinstance(block.value, dict):
            out.error("E034", f"condition operator `{operator}` must map keys to values", block.span)
            continue
        for key, values in block.value.items():
            items = values.value if isinstance(values.value, list) else [values]
            texts = [_scalar_text(item) for item in items]
            bad = next((item for item, text in zip(items, texts) if text is None), None)
            if bad is not None:
                out.error("E021", f"condition values of `{key}` must be strings, numbers or booleans", bad.span)
                continue
            found.append(Condition(operator=operator, key=key, values=tuple(texts), span=op_span))
    return canonical_conditions(found)


def statement_from_json(node: JsonValue, out: Collector) -> Statement | None:
    if not isinstance(node.value, dict):
        out.error("E034", "a statement must be a JSON object", node.span)
        return None
    fields = node.value
    spans = node.key_spans or {}
    for key in fields:
        if key not in STATEMENT_KEYS:
            out.error("E034", f"unknown statement element `{key}`", spans.get(key, node.span), help=suggestion(key, STATEMENT_KEYS))
    effect_node = fields.get("Effect")
    if effect_node is None:
        out.error("E034", "statement has no Effect", node.span, help='add "Effect": "Allow" or "Effect": "Deny"')
        return None
    if effect_node.value not in ("Allow", "Deny"):
        out.error(
            "E035",
            f"Effect must be exactly `Allow` or `Deny`, not `{effect_node.value}`",
            effect_node.span,
            help=suggestion(str(effect_node.value), ("Allow", "Deny")),
        )
        return None
    if ("Action" in fields) == ("NotAction" in fields):
        fix = "remove one of them" if "Action" in fields else 'add "Action" with the actions it is about'
        out.error("E034", "a statement needs exactly one of Action or NotAction", node.span, help=fix)
        return None
    if "Resource" in fields and "NotResource" in fields:
        out.error("E034", "a statement may not have both Resource and NotResource", node.span)
        return None
    if "Principal" in fields and "NotPrincipal" in fields:
        out.error("E034", "a statement may not have both Principal and NotPrincipal", node.span)
        return None
    sid = fields.get("Sid")
    values: dict[str, Any] = {
        "sid": _scalar_text(sid) if sid is not None else None,
        "effect": Effect(effect_node.value),
        "span": node.span,
    }
    for key, attr in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"), ("NotResource", "not_resources")):
        if key in fields:
            parsed = _strings(fields[key], key, out)
            if parsed is None:
                return None
            values[attr] = parsed
    for key, attr in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if key in fields:
            parsed_principals = _principals(fields[key], key, out)
            if parsed_principals is None:
                return None
            values[attr] = parsed_principals
    if "Condition" in fields:
        values["conditions"] = _conditions(fields["Condition"], out)
    return Statement(**values)


def policy_from_json(document: JsonValue, *, name: str, kind: PolicyKind, out: Collector) -> Policy | None:
    """Read a policy document, reporting problems to `out`; None if it is unusable."""
    if not isinstance(document.value, dict):
        out.error("E034", "a policy document must be a JSON object", document.span)
        return None
    fields = document.value
    spans = document.key_spans or {}
    for key in fields:
        if key not in ("Version", "Id", "Statement"):
            out.error("E034", f"unknown policy element `{key}`", spans.get(key, document.span), help=suggestion(key, ("Version", "Id", "Statement")))
    version = fields.get("Version")
    if version is not None and version.value not in VERSIONS:
        out.error("E034", f"unknown policy Version `{version.value}`", version.span, help='use "2012-10-17"')
    statements_node = fields.get("Statement")
    if statements_node is None:
        out.error("E034", "policy has no Statement", document.span)
        return None
    nodes = statements_node.value if isinstance(statements_node.value, list) else [statements_node]
    statements = [st for st in (statement_from_json(n, out) for n in nodes) if st is not None]
    policy_id = fields.get("Id")
    return Policy(
        name=name,
        kind=kind,
        version=str(version.value) if version is not None else None,
        id=_scalar_text(policy_id) if policy_id is not None else None,
        statements=tuple(statements),
        span=document.span,
    )
