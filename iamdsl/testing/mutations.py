"""Small changes to a checked model, drawn by hypothesis: what a pull request does to a design.

Stage: test support; needs `hypothesis` (a test dependency, never a runtime
one), as strategies.py does.  The incremental diff's tests hold it equal to
the brute-force one on `models()` with one of these changes.

Each mutation returns a new model (pydantic copies; the model it is given is
never changed), or None when the model has nothing it applies to.  They work
on the checked model rather than on text, so that each one is exactly one
change: a statement added, removed or modified in one policy, a managed
policy attached or detached, a group joined or left, a boundary set or
removed, a tag changed, an SCP or RCP attached or detached, an account moved
to another OU, a principal or resource removed or added, an account made
open, `now` changed.
"""

from __future__ import annotations

from typing import Callable

from hypothesis import strategies as st

from iamdsl.model import (
    AccountAttachments, Condition, Effect, IdentityEntity, Model, OrgUnit, Policy, PolicyKind, Principal, PrincipalKind,
    PrincipalType, Statement,
)

Draw = st.DrawFn


# ---------------------------------------------------------------- every policy of a model, with a way to replace it


def _slots(model: Model) -> list[tuple[str, Policy, Callable[[Policy], Model]]]:
    """(kind, policy, put) for every policy a mutation may change; `put(p)` is the model with `p` in its place."""
    found: list[tuple[str, Policy, Callable[[Policy], Model]]] = []
    for name, entity in model.principals.items():
        for index, policy in enumerate(entity.inline_policies):
            found.append(("identity", policy, _put_inline(model, name, index)))
        if entity.trust_policy is not None:
            found.append(("trust", entity.trust_policy, _put_entity(model, name, "trust_policy")))
    for arn, managed in model.managed_policies.items():
        found.append(("identity", managed.policy, _put_managed(model, arn)))
    for name, resource in model.resources.items():
        if resource.policy is not None:
            found.append(("resource", resource.policy, _put_resource(model, name)))
    for org_name, org in model.organizations.items():
        for table in ("scps", "rcps"):
            for pname, policy in getattr(org, table).items():
                found.append((table[:-1], policy, _put_org_policy(model, org_name, table, pname)))
    return found


def _put_inline(model: Model, name: str, index: int):
    def put(policy: Policy) -> Model:
        entity = model.principals[name]
        policies = list(entity.inline_policies)
        policies[index] = policy
        return _with_entity(model, entity.model_copy(update={"inline_policies": tuple(policies)}))
    return put


def _put_entity(model: Model, name: str, field: str):
    def put(policy: Policy) -> Model:
        return _with_entity(model, model.principals[name].model_copy(update={field: policy}))
    return put


def _put_managed(model: Model, arn: str):
    def put(policy: Policy) -> Model:
        managed = dict(model.managed_policies)
        managed[arn] = managed[arn].model_copy(update={"policy": policy})
        return model.model_copy(update={"managed_policies": managed})
    return put


def _put_resource(model: Model, name: str):
    def put(policy: Policy) -> Model:
        resources = dict(model.resources)
        resources[name] = resources[name].model_copy(update={"policy": policy})
        return model.model_copy(update={"resources": resources})
    return put


def _put_org_policy(model: Model, org_name: str, table: str, pname: str):
    def put(policy: Policy) -> Model:
        org = model.organizations[org_name]
        policies = dict(getattr(org, table))
        policies[pname] = policy
        orgs = dict(model.organizations)
        orgs[org_name] = org.model_copy(update={table: policies})
        return model.model_copy(update={"organizations": orgs})
    return put


def _with_entity(model: Model, entity: IdentityEntity) -> Model:
    principals = dict(model.principals)
    principals[entity.qualified_name] = entity
    return model.model_copy(update={"principals": principals})


# ---------------------------------------------------------------- statements to add


def _crafted(model: Model, kind: str) -> list[Statement]:
    """Statements written for a kind of policy, naming what the model declares."""
    arns = [r.arn for r in model.resources.values()] + [e.arn for e in model.principals.values()]
    ids = [a.id for a in model.accounts.values()]
    found: list[Statement] = []
    if kind in ("identity", "scp"):
        found += [
            Statement(effect=Effect.ALLOW, actions=("*",), resources=("*",)),
            Statement(effect=Effect.DENY, actions=("s3:*", "sts:AssumeRole"), resources=("*",)),
            Statement(effect=Effect.ALLOW, not_actions=("iam:*",), resources=("*",)),
            Statement(effect=Effect.ALLOW, actions=("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction", "iam:PutRolePolicy"), resources=("*",)),
            Statement(effect=Effect.ALLOW, actions=("sts:AssumeRole",), resources=("arn:aws:iam::*:role/*",),
                      conditions=(Condition(operator="StringEquals", key="aws:PrincipalTag/team", values=("data",)),)),
            Statement(effect=Effect.ALLOW, actions=("s3:Get*", "kms:Decrypt", "sqs:*"), resources=("*",),
                      conditions=(Condition(operator="StringEquals", key="aws:ResourceTag/env", values=("prod",)),)),
        ]
        found += [Statement(effect=Effect.ALLOW, actions=("*",), resources=(arn, arn + "/*")) for arn in arns[:3]]
        found += [Statement(effect=Effect.DENY, actions=("*",), not_resources=(arn,)) for arn in arns[:1]]
    if kind in ("resource", "trust", "rcp"):
        actions = ("sts:AssumeRole", "sts:TagSession") if kind == "trust" else ("*",)
        found += [
            Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.STAR, value="*"),)),
            Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.AWS, value="333333333333"),)),
            Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.SERVICE, value="lambda.amazonaws.com"),)),
            Statement(effect=Effect.DENY, actions=actions, principals=(Principal(type=PrincipalType.STAR, value="*"),),
                      conditions=(Condition(operator="StringNotEquals", key="aws:PrincipalOrgID", values=("o-none",)),)),
            Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.STAR, value="*"),),
                      conditions=(Condition(operator="StringEquals", key="aws:PrincipalOrgID", values=("o-outside",)),)),
        ]
        found += [Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.AWS, value=i),)) for i in ids]
        found += [Statement(effect=Effect.ALLOW, actions=actions, principals=(Principal(type=PrincipalType.AWS, value=e.arn),))
                  for e in list(model.principals.values())[:3] if e.kind is not PrincipalKind.GROUP]
        if kind == "rcp":
            found = [s.model_copy(update={"effect": Effect.DENY}) for s in found]
    return found


def _fact_readers(model: Model, kind: str) -> list[Statement]:
    """Statements whose conditions (or policy variables) read what the model says about principals and resources."""
    org = next(iter(model.organizations.values())).id if model.organizations else "o-none"
    conditions = [
        Condition(operator="StringEquals", key="aws:PrincipalTag/team", values=("data",)),
        Condition(operator="StringNotEquals", key="aws:ResourceTag/env", values=("prod",)),
        Condition(operator="Null", key="aws:PrincipalTag/owner", values=("false",)),
        Condition(operator="ForAnyValue:StringLike", key="aws:PrincipalOrgPaths", values=(f"{org}/*/ou-moved/*",)),
        Condition(operator="StringEquals", key="aws:ResourceOrgID", values=(org,)),
        Condition(operator="StringEqualsIfExists", key="aws:PrincipalOrgID", values=(org,)),
        Condition(operator="DateLessThan", key="aws:CurrentTime", values=("2030-01-01T00:00:00Z",)),
        Condition(operator="StringEquals", key="aws:ResourceTag/team", values=("${aws:PrincipalTag/team}",)),
    ]
    if kind in ("resource", "trust", "rcp"):
        effect = Effect.DENY if kind == "rcp" else Effect.ALLOW
        actions = ("sts:AssumeRole",) if kind == "trust" else ("*",)
        return [Statement(effect=effect, actions=actions, principals=(Principal(type=PrincipalType.STAR, value="*"),), conditions=(c,)) for c in conditions]
    found = [Statement(effect=Effect.ALLOW, actions=("*",), resources=("*",), conditions=(c,)) for c in conditions]
    found.append(Statement(effect=Effect.ALLOW, actions=("s3:*",), resources=("arn:aws:s3:::*/${aws:PrincipalTag/team}/*",)))
    return found


def add_fact_reader(draw: Draw, model: Model) -> Model | None:
    """A statement that reads tags, the organization or the time, so that changing one of them matters."""
    slots = _slots(model)
    if not slots:
        return None
    kind, policy, put = draw(st.sampled_from(slots))
    statement = draw(st.sampled_from(_fact_readers(model, kind)))
    if kind == "scp" and statement.effect is Effect.ALLOW and draw(st.booleans()):
        statement = statement.model_copy(update={"effect": Effect.DENY})
    return put(policy.model_copy(update={"statements": policy.statements + (statement,)}))


def _statement_for(draw: Draw, model: Model, kind: str) -> Statement:
    same_kind = [st_ for k, policy, _ in _slots(model) if k == kind for st_ in policy.statements]
    pool = _crafted(model, kind) + _fact_readers(model, kind) + same_kind
    statement = draw(st.sampled_from(pool))
    if draw(st.booleans()) and kind != "rcp":
        statement = statement.model_copy(update={"effect": Effect.DENY if statement.effect is Effect.ALLOW else Effect.ALLOW})
    return statement


# ---------------------------------------------------------------- the mutations


def add_statement(draw: Draw, model: Model) -> Model | None:
    slots = _slots(model)
    if not slots:
        return None
    kind, policy, put = draw(st.sampled_from(slots))
    statement = _statement_for(draw, model, kind)
    return put(policy.model_copy(update={"statements": policy.statements + (statement,)}))


def add_inline_policy(draw: Draw, model: Model) -> Model | None:
    """A new inline policy on a role, user or group (the identity statement of the benchmark)."""
    entities = [e for e in model.principals.values()]
    if not entities:
        return None
    entity = draw(st.sampled_from(entities))
    policy = Policy(name="added", kind=PolicyKind.IDENTITY, statements=(_statement_for(draw, model, "identity"),))
    return _with_entity(model, entity.model_copy(update={"inline_policies": entity.inline_policies + (policy,)}))


def remove_statement(draw: Draw, model: Model) -> Model | None:
    slots = [s for s in _slots(model) if s[1].statements]
    if not slots:
        return None
    _, policy, put = draw(st.sampled_from(slots))
    index = draw(st.integers(0, len(policy.statements) - 1))
    return put(policy.model_copy(update={"statements": policy.statements[:index] + policy.statements[index + 1:]}))


def modify_statement(draw: Draw, model: Model) -> Model | None:
    slots = [s for s in _slots(model) if s[1].statements]
    if not slots:
        return None
    kind, policy, put = draw(st.sampled_from(slots))
    index = draw(st.integers(0, len(policy.statements) - 1))
    statement = policy.statements[index]
    other = _statement_for(draw, model, kind)
    how = draw(st.sampled_from(["effect", "actions", "resources", "conditions", "principals"]))
    if how == "effect" and kind != "rcp":
        statement = statement.model_copy(update={"effect": Effect.DENY if statement.effect is Effect.ALLOW else Effect.ALLOW})
    elif how == "actions":
        statement = statement.model_copy(update={"actions": other.actions, "not_actions": other.not_actions})
    elif how == "resources" and kind in ("identity", "scp"):
        statement = statement.model_copy(update={"resources": other.resources, "not_resources": other.not_resources})
    elif how == "conditions":
        statement = statement.model_copy(update={"conditions": other.conditions})
    elif how == "principals" and kind in ("resource", "trust", "rcp"):
        statement = statement.model_copy(update={"principals": other.principals, "not_principals": other.not_principals})
    else:
        return None
    statements = list(policy.statements)
    statements[index] = statement
    return put(policy.model_copy(update={"statements": tuple(statements)}))


def toggle_attachment(draw: Draw, model: Model) -> Model | None:
    entities = list(model.principals.values())
    managed = list(model.managed_policies)
    if not entities or not managed:
        return None
    entity, arn = draw(st.sampled_from(entities)), draw(st.sampled_from(managed))
    attached = tuple(a for a in entity.managed_policies if a != arn) if arn in entity.managed_policies else entity.managed_policies + (arn,)
    return _with_entity(model, entity.model_copy(update={"managed_policies": attached}))


def toggle_membership(draw: Draw, model: Model) -> Model | None:
    users = [e for e in model.principals.values() if e.kind is PrincipalKind.USER]
    groups = [e.qualified_name for e in model.principals.values() if e.kind is PrincipalKind.GROUP]
    if not users or not groups:
        return None
    user, group = draw(st.sampled_from(users)), draw(st.sampled_from(groups))
    member = tuple(g for g in user.groups if g != group) if group in user.groups else user.groups + (group,)
    return _with_entity(model, user.model_copy(update={"groups": member}))


def toggle_boundary(draw: Draw, model: Model) -> Model | None:
    entities = [e for e in model.principals.values() if e.kind is not PrincipalKind.GROUP]
    if not entities:
        return None
    entity = draw(st.sampled_from(entities))
    choices = [None] + list(model.managed_policies)
    return _with_entity(model, entity.model_copy(update={"boundary": draw(st.sampled_from(choices))}))


def change_tag(draw: Draw, model: Model) -> Model | None:
    owners = [("principal", n) for n in model.principals] + [("resource", n) for n in model.resources]
    if not owners:
        return None
    kind, name = draw(st.sampled_from(owners))
    key = draw(st.sampled_from(["team", "env", "owner"]))
    value = draw(st.sampled_from([None, "data", "prod", "payments"]))
    thing = model.principals[name] if kind == "principal" else model.resources[name]
    tags = {k: v for k, v in thing.tags.items() if k != key}
    if value is not None:
        tags[key] = value
    changed = thing.model_copy(update={"tags": tags})
    if kind == "principal":
        return _with_entity(model, changed)  # type: ignore[arg-type]
    resources = dict(model.resources)
    resources[name] = changed  # type: ignore[assignment]
    return model.model_copy(update={"resources": resources})


def toggle_org_policy(draw: Draw, model: Model) -> Model | None:
    """Attach or detach an SCP or RCP at the root, an OU or an account."""
    if not model.organizations:
        return None
    org_name = draw(st.sampled_from(list(model.organizations)))
    org = model.organizations[org_name]
    table = draw(st.sampled_from(["scps", "rcps"]))
    names = list(getattr(org, table))
    if not names:
        return None
    name = draw(st.sampled_from(names))
    units = _units(org.root)
    where = draw(st.sampled_from(["unit", "account"]))
    if where == "unit":
        index = draw(st.integers(0, len(units) - 1))
        unit = units[index]
        current = getattr(unit, table)
        attached = tuple(n for n in current if n != name) if name in current else current + (name,)
        root = _replace_unit(org.root, unit, unit.model_copy(update={table: attached}))
        org = org.model_copy(update={"root": root})
    else:
        accounts = [a for u in units for a in u.accounts]
        if not accounts:
            return None
        account = draw(st.sampled_from(accounts))
        current_att = org.account_attachments.get(account, AccountAttachments())
        current = getattr(current_att, table)
        attached = tuple(n for n in current if n != name) if name in current else current + (name,)
        attachments = dict(org.account_attachments)
        attachments[account] = current_att.model_copy(update={table: attached})
        org = org.model_copy(update={"account_attachments": attachments})
    orgs = dict(model.organizations)
    orgs[org_name] = org
    return model.model_copy(update={"organizations": orgs})


def move_account(draw: Draw, model: Model) -> Model | None:
    """Move an account to another OU (or out of the organization), or place an open account in it."""
    if not model.organizations:
        return None
    org_name = draw(st.sampled_from(list(model.organizations)))
    org = model.organizations[org_name]
    units = _units(org.root)
    placed = [a for u in units for a in u.accounts if a != org.management_account]
    candidates = placed + [a for a in model.accounts if a not in placed and a != org.management_account]
    if not candidates:
        return None
    account = draw(st.sampled_from(candidates))
    root = org.root
    for unit in _units(root):
        if account in unit.accounts:
            root = _replace_unit(root, unit, unit.model_copy(update={"accounts": tuple(a for a in unit.accounts if a != account)}))
    if draw(st.booleans()):
        choices = _units(root)
        target = choices[draw(st.integers(0, len(choices) - 1))]
        root = _replace_unit(root, target, target.model_copy(update={"accounts": target.accounts + (account,)}))
    if draw(st.booleans()):  # a new OU, one level deeper
        parent = _units(root)[0]
        fresh = OrgUnit(name="moved", accounts=(account,) if account not in [a for u in _units(root) for a in u.accounts] else ())
        root = _replace_unit(root, parent, parent.model_copy(update={"children": parent.children + (fresh,)}))
    orgs = dict(model.organizations)
    orgs[org_name] = org.model_copy(update={"root": root})
    return model.model_copy(update={"organizations": orgs})


def remove_entity(draw: Draw, model: Model) -> Model | None:
    options = [("principal", n) for n in model.principals] + [("resource", n) for n in model.resources]
    if not options:
        return None
    kind, name = draw(st.sampled_from(options))
    if kind == "principal":
        principals = {k: v for k, v in model.principals.items() if k != name}
        return model.model_copy(update={"principals": principals})
    return model.model_copy(update={"resources": {k: v for k, v in model.resources.items() if k != name}})


def add_role(draw: Draw, model: Model) -> Model | None:
    """A copy of a role under a new name, with its policies and trust."""
    roles = [e for e in model.principals.values() if e.kind is PrincipalKind.ROLE]
    if not roles:
        return None
    role = draw(st.sampled_from(roles))
    name = role.name + "Copy"
    arn = role.arn.rsplit("/", 1)[0] + "/" + name
    copy = role.model_copy(update={"name": name, "arn": arn})
    return _with_entity(model, copy)


def open_account(draw: Draw, model: Model) -> Model | None:
    """Mark an account external (open), or a declared external one modelled."""
    if not model.accounts:
        return None
    name = draw(st.sampled_from(list(model.accounts)))
    accounts = dict(model.accounts)
    accounts[name] = accounts[name].model_copy(update={"external": not accounts[name].external})
    return model.model_copy(update={"accounts": accounts})


def change_now(draw: Draw, model: Model) -> Model | None:
    now = draw(st.sampled_from([None, "2026-06-01T00:00:00Z", "2040-01-01T00:00:00Z"]))
    if now == model.now:
        return None
    return model.model_copy(update={"now": now})


MUTATIONS = {
    f.__name__: f for f in (
        add_statement, add_fact_reader, add_inline_policy, remove_statement, modify_statement, toggle_attachment, toggle_membership,
        toggle_boundary, change_tag, toggle_org_policy, move_account, remove_entity, add_role, open_account, change_now,
    )
}


def _units(root: OrgUnit) -> list[OrgUnit]:
    found = [root]
    for child in root.children:
        found += _units(child)
    return found


def _replace_unit(root: OrgUnit, old: OrgUnit, new: OrgUnit) -> OrgUnit:
    if root is old:
        return new
    return root.model_copy(update={"children": tuple(_replace_unit(c, old, new) for c in root.children)})
