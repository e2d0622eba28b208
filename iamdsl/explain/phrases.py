"""Short phrases shared by the text, path and JSON renderings.

Stage: explain.  The engine labels policies for machines ("A.repo:policy",
"A.Cap (boundary of A.Capped)", "SCP NoIam at OU Sandbox"); these helpers say
them the way the guide does ("A.repo's resource policy", "the permissions
boundary A.Cap of A.Capped").
"""

from __future__ import annotations

from iamdsl.engine.request import Caller
from iamdsl.engine.trace import GrantClass, Layer, StatementTrace
from iamdsl.explain.names import Names
from iamdsl.model import PrincipalType, Span

# What AWS calls a resource's policy, by service; the rest are "resource policy".
_POLICY_WORD = {"s3": "bucket policy", "kms": "key policy"}


def location(span: Span | None) -> str | None:
    """`file:line`, the form a person clicks on in a terminal or editor."""
    return f"{span.file}:{span.line}" if span is not None else None


def policy_phrase(label: str, layer: Layer, resource_arn: str = "") -> str:
    """The policy a statement belongs to, in words."""
    owner, sep, name = label.rpartition(":")
    if layer is Layer.RESOURCE and sep:
        if name == "trust":
            return f"{owner}'s trust policy"
        service = resource_arn.split(":")[2] if resource_arn.count(":") >= 5 else ""
        return f"{owner}'s {_POLICY_WORD.get(service, 'resource policy')}"
    if layer is Layer.IDENTITY:
        if " (attached to " in label:
            return f"policy {label}"
        if sep:
            return f"{owner}'s identity policy" if name == "inline" else f"{owner}'s policy {name}"
    if layer is Layer.BOUNDARY and " (boundary of " in label:
        policy, _, entity = label.partition(" (boundary of ")
        return f"the permissions boundary {policy} of {entity.rstrip(')')}"
    if layer is Layer.ENDPOINT and sep:
        return f"the policy of endpoint {owner}"
    if layer is Layer.SESSION:
        return f"the {label}" if label.startswith("session policy") else label
    return label  # SCPs and RCPs: "SCP NoIam at OU Sandbox" says it already


def layer_phrase(layer: Layer, label: str) -> str:
    """A whole layer that did not allow: "the SCPs at OU Sandbox", "the permissions boundary of A.Capped"."""
    return {
        Layer.IDENTITY: f"the identity policies of {label}",
        Layer.BOUNDARY: f"the permissions boundary of {label}",
        Layer.SESSION: "the session policy",
        Layer.RESOURCE: f"the resource policy of {label}",
        Layer.SCP: f"the SCPs at {label}",
        Layer.RCP: f"the RCPs at {label}",
        Layer.ENDPOINT: f"the policy of endpoint {label}",
    }[layer]


def grantee(st: StatementTrace, caller: Caller, names: Names) -> str:
    """Whom a resource-policy statement reaches the caller through: `account B`, `anyone`, `B.App`."""
    if st.grant is GrantClass.ACCOUNT:
        return f"account {names.account(caller.account)}"
    if st.grant is GrantClass.ROLE and caller.principal_arn:
        return names.of(caller.principal_arn)
    if st.grant is GrantClass.FED_PARENT and caller.entity is not None:
        return names.of(caller.entity.arn)
    statement = st.statement
    if statement.not_principals is not None:
        listed = ", ".join(names.of(p.value) for p in statement.not_principals)
        return f"everyone except {listed}"
    if any(p.type is PrincipalType.STAR or p.value == "*" for p in statement.principals or ()):
        return "anyone"
    return names.caller(caller)


def statement_reason(st: StatementTrace, names: Names) -> str:
    """Why a statement applies or not, with names put in for ARNs.

    Condition reasons keep their values as IAM compares them: `aws:PrincipalAccount
    222222222222 is not 111111111111` must not read as if the policy said `B`.
    """
    if st.condition_reasons and st.reason.startswith(("its condition", "it applies only if")):
        return st.reason
    return names.humanize(st.reason)


def statement_ref(st: StatementTrace) -> str:
    """`statement "Sid"` when it has a Sid, else its position: `statement 2`."""
    sid = st.statement.sid
    return f'statement "{sid}"' if sid else f"statement {st.index + 1}"


def join_words(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
