"""Fixes for a denied request: the least grant that allows it, or who must lift a guardrail.

Stage: explain (decision + model -> fixes, as data).  Rendering them is the
text renderer's job.

A fix is never more than what was asked:

- exactly the verb or action of the question, on exactly its resource, to
  exactly its principal (a role or a user, never `to account B`, which would
  reach every principal of B whose IAM allows), with no condition added;
- on the side that is missing: the identity side within one account; the
  resource side when the resource policy must allow (trust policies, R71;
  KMS key policies, R60/R70); both sides across accounts, one fix per account
  that must make its change;
- DSL that loads when appended to the model's text: blocks merge, so
  `role B.X { … }` adds to the existing role.

Two principals cannot be named alone in a resource policy, so their grants
carry the one condition that says who they are: the root user
(`to account B when aws:PrincipalType == "Account"`; the account principal
alone would reach every principal of B) and an anonymous caller (`to anyone
when aws:PrincipalType == "Anonymous"`; `anyone` alone would reach every
principal of the resource's account without any identity policy, R61).

What a fix must not weaken is reported, never weakened: an explicit Deny, an
SCP, an RCP, a permissions boundary, a session policy or a VPC endpoint policy
that stops the request gives a fix of kind `blocked`, which names the blocker
and where it is, and says who alone can lift it.  A CONDITIONAL answer gets
no fix: it says which context decides it.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from iamdsl import catalog
from iamdsl.engine.evaluate import Decision, Outcome
from iamdsl.engine.request import Caller, CallerKind
from iamdsl.engine.settings import DEFAULT_SETTINGS, Settings
from iamdsl.engine.trace import GrantClass, Layer, LayerTrace, StatementTrace, Truth
from iamdsl.engine.verbs import VerbDecision, requests_for
from iamdsl.engine.world import World
from iamdsl.language.printer import INDENT, Names
from iamdsl.model import Condition, IdentityEntity, Model, Resource, Span


class FixKind(str, enum.Enum):
    GRANT = "grant"  # paste `dsl` into the model (the REPL, or the end of the file)
    BLOCKED = "blocked"  # a guardrail stops it; only its owner can lift it
    CONTEXT = "context"  # CONDITIONAL: the answer depends on context the question did not give
    UNFIXABLE = "unfixable"  # no policy this model can hold would allow it


@dataclass(frozen=True, slots=True)
class Fix:
    kind: FixKind
    account: str | None  # the account whose owner must act (its name), when one account can
    description: str  # one line
    dsl: str | None = None  # GRANT only
    blocker: str | None = None  # BLOCKED: the statement or policy that stops the request
    location: str | None = None  # BLOCKED: file:line of the blocker, when known


def suggest(decision: Decision | VerbDecision, model: Model, *, settings: Settings = DEFAULT_SETTINGS) -> list[Fix]:
    """The fixes for a request that is not ALLOWED; empty when it is."""
    if decision.outcome is Outcome.ALLOWED:
        return []
    parts = _parts(decision)
    if decision.outcome is Outcome.CONDITIONAL:
        return [_context_fix(parts)]
    return _Suggester(model, settings, decision, parts).fixes()


def _parts(decision: Decision | VerbDecision) -> list[Decision]:
    """Every single request behind the answer, companions (R73, R74) included."""
    found: list[Decision] = []
    for part in decision.decisions if isinstance(decision, VerbDecision) else [decision]:
        found.append(part)
        found.extend(part.extra)
    return found


# ---------------------------------------------------------------- what a request lacks


@dataclass(frozen=True, slots=True)
class _Need:
    """One missing grant: an action on a resource, on one side, in one block."""

    side: str  # "identity", "resource" or "trust"
    account: str  # the account that writes it
    block: str  # the block's header: `role B.X`, `resource A.repo : ecr:repository "app"`
    self_arn: str | None  # the resource of a resource block (for `self`)
    owner: str  # the block's owner in words: `B.OtherRole`, `A.repo`
    who: str  # the caller in words: `B.OtherRole`, `A.root (root user)`
    to: str | None  # the principal, for resource and trust statements
    when: str | None  # the one condition that names a root user or an anonymous caller
    action: str
    resource: str


@dataclass(frozen=True, slots=True)
class _Block:
    """One guardrail that stops one action; merged across the actions of a verb."""

    account: str | None
    blocker: str
    location: str | None
    words: str  # the description, with `{actions}` where the blocked actions go
    action: str


def _holds_allow(st: StatementTrace) -> bool:
    """Best case: an Allow whose condition is unknown may hold, so it is not what is missing."""
    return not st.is_deny and st.applies is not Truth.FALSE


def _allows(layers: list[LayerTrace], kind: Layer) -> bool:
    return any(_holds_allow(st) for entry in layers if entry.layer is kind for st in entry.statements)


class _Suggester:
    def __init__(self, model: Model, settings: Settings, decision, parts: list[Decision]):
        self.model = model
        self.settings = settings
        self.world = World(model)
        self.names = Names.of(model)
        self.verb = decision.verb if isinstance(decision, VerbDecision) and decision.verb in model.verbs else None
        self.asked = self._asked_resource(decision, parts)
        self.parts = parts

    def fixes(self) -> list[Fix]:
        blocked: list[_Block] = []
        unfixable: list[Fix] = []
        needs: list[_Need] = []
        conditional: list[Decision] = []
        for part in self.parts:
            if part.outcome is Outcome.ALLOWED:
                continue
            if part.outcome is Outcome.CONDITIONAL:
                conditional.append(part)
                continue
            found_blocked, found_unfixable, found_needs = self._diagnose(part)
            blocked += found_blocked
            unfixable += found_unfixable
            needs += found_needs
        if blocked or unfixable:
            # a grant would not be enough, and a fix never weakens a guardrail
            return self._blocked(blocked) + _unique(unfixable)
        fixes = self._grants(needs)
        if conditional:
            fixes.append(_context_fix(conditional))
        if not fixes:  # nothing iamdsl knows how to add; say so rather than stay silent
            reasons = "; ".join(dict.fromkeys(p.reason for p in self.parts if p.outcome.denied))
            fixes.append(Fix(FixKind.UNFIXABLE, None, f"no missing grant was found to add: {reasons}"))
        return fixes

    # ---------------------------------------------------------------- diagnosis
    def _diagnose(self, decision: Decision) -> tuple[list[_Block], list[Fix], list[_Need]]:
        request, trace = decision.request, decision.trace
        caller, action = request.caller, request.action.lower()
        if action == "sts:assumerole" and caller.kind in (CallerKind.ROOT, CallerKind.FEDERATED_USER):
            return [], [Fix(FixKind.UNFIXABLE, None, f"{self._caller_words(caller)} can never call sts:AssumeRole (R78); ask as a user or a role session")], []
        if action == "sts:getfederationtoken" and caller.kind not in (CallerKind.USER, CallerKind.ROOT):
            return [], [Fix(FixKind.UNFIXABLE, None, "only IAM users and the root user can call sts:GetFederationToken (R78)")], []
        layers = trace.layers
        blocked = [self._deny_fix(st, entry, decision) for entry in layers for st in entry.statements if st.is_deny and st.applies is Truth.TRUE]
        for entry in layers:
            if entry.layer in (Layer.SCP, Layer.RCP, Layer.ENDPOINT) and not any(_holds_allow(st) for st in entry.statements):
                blocked.append(self._guardrail_fix(entry, decision))
        grants = {st.grant for entry in layers if entry.layer is Layer.RESOURCE for st in entry.statements if _holds_allow(st) and st.grant}
        same_account = not trace.cross_account
        # R61: a same-account grant that names the caller directly needs neither boundary nor session policy
        direct = same_account and GrantClass.DIRECT in grants
        if any(entry.layer is Layer.BOUNDARY for entry in layers) and not _allows(layers, Layer.BOUNDARY):
            trust_user = self.settings.trust_user_needs_boundary and caller.kind is CallerKind.USER and self.world.owner_of(request.resource).entity is not None
            if not direct or trust_user:  # R79, D4
                blocked.append(self._boundary_fix(caller, request.action))
        if self._session_blocks(caller, layers) and not (direct and self.settings.session_arn_grant_bypasses_session_policy):
            blocked.append(self._session_fix(caller, request.action))
        if blocked:
            return blocked, [], []
        return self._missing_sides(decision, grants, same_account)

    def _session_blocks(self, caller: Caller, layers: list[LayerTrace]) -> bool:
        if caller.kind is CallerKind.FEDERATED_USER and caller.session_policy is None:
            return True  # R65: a federated user's identity side needs a session policy
        if caller.kind in (CallerKind.ROLE_SESSION, CallerKind.FEDERATED_USER) and caller.session_policy is not None:
            return not _allows(layers, Layer.SESSION)
        return False

    def _missing_sides(self, decision: Decision, grants: set[GrantClass], same_account: bool) -> tuple[list[_Block], list[Fix], list[_Need]]:
        request = decision.request
        caller, resource, action = request.caller, request.resource, request.action
        if not caller.kind.has_identity_side:  # R58, R72: only a resource policy can reach these callers
            if caller.kind in (CallerKind.WEB_IDENTITY, CallerKind.SAML):
                return [], [Fix(
                    FixKind.UNFIXABLE, self._resource_account_name(decision),
                    f"a trust statement for {caller.provider} alone would admit every identity of that provider; "
                    "write one with conditions on its aud and sub claims (iamdsl does not guess them)",
                )], []
            side = self._resource_side(decision)
            return ([], [side], []) if isinstance(side, Fix) else ([], [], [side])
        service = resource.split(":")[2].lower() if resource.count(":") >= 5 else ""
        mandatory = resource != "*" and service in self.settings.mandatory_resource_policy_services
        if service == "iam" and not action.lower().startswith("sts:"):
            mandatory = False  # R60 is about trust policies; other IAM actions have no resource policy
        identity_ok = caller.kind is CallerKind.ROOT or _allows(decision.trace.layers, Layer.IDENTITY)  # R63
        need_resource = not grants and (mandatory or not same_account)  # R60, R62
        need_identity = not identity_ok and (not same_account or not need_resource)  # R61, R62
        unfixable: list[Fix] = []
        needs: list[_Need] = []
        for wanted, build in ((need_resource, self._resource_side), (need_identity, self._identity_side)):
            if wanted:
                found = build(decision)
                (unfixable if isinstance(found, Fix) else needs).append(found)
        return [], unfixable, needs

    # ---------------------------------------------------------------- the two sides
    def _identity_side(self, decision: Decision) -> _Need | Fix:
        caller = decision.request.caller
        entity = caller.entity
        if entity is None or entity.account not in self.model.accounts:
            return Fix(FixKind.UNFIXABLE, None, f"{self._caller_words(caller)} has no identity policy iamdsl can write")
        name = self._entity_name(entity)
        return _Need(
            "identity", entity.account, f"{entity.kind.value} {name}", None,
            name, self._caller_words(caller), None, None, decision.request.action, decision.request.resource,
        )

    def _resource_side(self, decision: Decision) -> _Need | Fix:
        request = decision.request
        to, when = self._principal(request.caller)
        if to is None:
            return Fix(FixKind.UNFIXABLE, None, f"no resource policy can name {self._caller_words(request.caller)}")
        owned = self.world.owner_of(request.resource)
        if owned.entity is not None and request.action.lower().startswith("sts:"):  # R71: the trust policy
            role = owned.entity
            name = self._entity_name(role)
            return _Need("trust", role.account, f"role {name}", None, name, self._caller_words(request.caller), to, when, request.action, request.resource)
        if owned.resource is None:
            where = "a role's trust policy is the only resource policy of an IAM entity" if owned.entity is not None else "declare it to give it a policy"
            account = self.world.account_name(owned.account_id)
            return Fix(FixKind.UNFIXABLE, account, f"{self._target(request.resource)} has no resource policy in the model ({where})")
        resource = owned.resource
        return _Need(
            "resource", resource.account, self._resource_header(resource), resource.arn,
            self._target(resource.arn), self._caller_words(request.caller), to, when, request.action, request.resource,
        )

    def _principal(self, caller: Caller) -> tuple[str | None, str | None]:
        """The `to` of a statement that reaches exactly this caller, and its naming condition."""
        kind = caller.kind
        if kind is CallerKind.ROLE_SESSION or kind is CallerKind.USER:
            return self.names.principals.get(caller.principal_arn or "") or json.dumps(caller.principal_arn), None
        if kind is CallerKind.FEDERATED_USER:
            return json.dumps(caller.arn), None
        if kind is CallerKind.ROOT:
            return f"account {self.world.account_name(caller.account) or caller.account}", 'aws:PrincipalType == "Account"'
        if kind is CallerKind.ANONYMOUS:
            return "anyone", 'aws:PrincipalType == "Anonymous"'
        if kind is CallerKind.SERVICE:
            return f"service {json.dumps(caller.service)}", None
        return None, None

    # ---------------------------------------------------------------- rendering grants
    def _grants(self, needs: list[_Need]) -> list[Fix]:
        blocks: dict[tuple, list[_Need]] = {}
        for need in needs:
            blocks.setdefault((need.account, need.side, need.block, need.to, need.when), []).append(need)
        by_account: dict[str, list[tuple[str, str]]] = {}
        for (account, side, block, to, when), group in blocks.items():
            by_account.setdefault(account, []).append((self._block(side, block, group), self._describe(side, group)))
        both = " (a cross-account request needs both sides, each written by its own account)" if len(by_account) > 1 else ""
        fixes: list[Fix] = []
        for account, rendered in by_account.items():
            dsl = "\n".join(text for text, _ in rendered)
            description = f"in account {account}: " + "; ".join(words for _, words in rendered) + both
            fixes.append(Fix(FixKind.GRANT, account, description, dsl=dsl))
        return fixes

    def _block(self, side: str, header: str, group: list[_Need]) -> str:
        statements = self._statements(side, group)
        if side == "trust":
            inner = statements[0] if len(statements) == 1 else "\n".join(statements)
            statements = [f"trust {{ {inner} }}" if len(statements) == 1 else "trust {\n" + _indent(inner) + "\n}"]
        if len(statements) == 1 and "\n" not in statements[0]:
            return f"{header} {{ {statements[0]} }}"
        return f"{header} {{\n" + _indent("\n".join(statements)) + "\n}"

    def _statements(self, side: str, group: list[_Need]) -> list[str]:
        first = group[0]
        tail = (f" to {first.to}" if first.to else "") + (f" when {first.when}" if first.when else "")
        pairs = list(dict.fromkeys((n.action, n.resource) for n in group))
        if self.verb is not None and self.asked is not None and set(pairs) == self._verb_pairs(side, first):
            return [f"allow {self.verb}{self._on(side, self.asked, first.self_arn)}{tail}"]
        by_resource: dict[str, list[str]] = {}
        for action, resource in pairs:
            by_resource.setdefault(resource, []).append(action)
        return [f"allow {', '.join(actions)}{self._on(side, resource, first.self_arn)}{tail}" for resource, actions in by_resource.items()]

    def _verb_pairs(self, side: str, need: _Need) -> set[tuple[str, str]]:
        """What `allow VERB` writes on this side, so the verb stands only when it writes exactly the need."""
        pairs, _ = requests_for(self.model.verbs[self.verb].actions, self.asked, self.model)
        if side == "identity":
            return set(pairs)
        if side == "trust":
            return set(pairs) if all(resource == need.resource for _, resource in pairs) else set()
        # a resource block pairs the verb with `self` and `self/*`, and leaves out "*"-only actions
        if not (self.asked == need.self_arn or self.asked.startswith(f"{need.self_arn}/")):
            return set()
        return {(action, resource) for action, resource in pairs if resource != "*"}

    def _on(self, side: str, resource: str, self_arn: str | None) -> str:
        if side == "trust" or resource == self_arn:
            return ""  # a trust statement has no Resource; a resource block's `on` defaults to itself
        if self_arn is not None and resource.startswith(self_arn + "/"):
            child = resource[len(self_arn) + 1:]
            return " on self/*" if child == "*" else f" on self/{json.dumps(child)}"
        return f" on {self._target(resource)}"

    def _describe(self, side: str, group: list[_Need]) -> str:
        first = group[0]
        what = self.verb if self.verb is not None and self._uses_verb(side, group) else ", ".join(dict.fromkeys(n.action for n in group))
        on = self._target(self.asked) if self._uses_verb(side, group) and self.asked else ", ".join(dict.fromkeys(self._target(n.resource) for n in group))
        if side == "identity":
            text = f"let {first.who} {what} on {on} in its identity policy"
            if first.who != first.owner:  # a federated user carries its parent user's policies (R2)
                text = f"let {first.who} {what} on {on} in the identity policy of {first.owner}, which {first.owner} gets too"
        elif side == "trust":
            text = f"let {first.who} {what} {first.owner} in {first.owner}'s trust policy, which must allow (R71)"
        else:
            policy = "key policy, which must allow (R70)" if first.resource.split(":")[2] == "kms" else "resource policy"
            text = f"let {first.who} {what} on {on} in {first.owner}'s {policy}"
        if first.when:
            text += f" (the condition keeps it to {first.who}; `{first.to}` alone would reach other principals too)"
        return text

    def _uses_verb(self, side: str, group: list[_Need]) -> bool:
        pairs = {(n.action, n.resource) for n in group}
        return self.verb is not None and self.asked is not None and pairs == self._verb_pairs(side, group[0])

    # ---------------------------------------------------------------- blocked
    def _blocked(self, blocks: list[_Block]) -> list[Fix]:
        merged: dict[tuple, list[str]] = {}
        for block in blocks:
            merged.setdefault((block.account, block.blocker, block.location, block.words), []).append(block.action)
        fixes = []
        for (account, blocker, location, words), actions in merged.items():
            actions = list(dict.fromkeys(actions))
            verb_actions = self.model.verbs[self.verb].actions if self.verb else ()
            what = self.verb if self.verb and set(actions) == set(verb_actions) else ", ".join(actions)
            fixes.append(Fix(FixKind.BLOCKED, account, words.replace("{actions}", what), blocker=blocker, location=location))
        return fixes

    def _deny_fix(self, st: StatementTrace, entry: LayerTrace, decision: Decision) -> _Block:
        account, owner = self._owner_of_layer(entry, decision)
        sid = f" (sid {st.statement.sid})" if st.statement.sid else ""
        location = _location(st.span)
        where = f" at {location}" if location else ""
        blocker = f"Deny in {st.policy}{sid}"
        words = f"a {blocker}{where} applies to {{actions}}; only {owner} can lift it, and a fix never weakens a Deny"
        return _Block(account, blocker, location, words, decision.request.action)

    def _guardrail_fix(self, entry: LayerTrace, decision: Decision) -> _Block:
        account, owner = self._owner_of_layer(entry, decision)
        word = {Layer.SCP: "SCP", Layer.RCP: "RCP", Layer.ENDPOINT: "VPC endpoint policy"}[entry.layer]
        names = [_policy_name(label) for label in entry.policies]
        attached = f" (attached there: {', '.join(names)})" if names else " (none attached)"
        location = self._guardrail_location(entry, decision, names)
        if entry.layer is Layer.ENDPOINT:
            blocker = f"the policy of VPC endpoint {entry.label}"
            words = f"{blocker} does not allow {{actions}}; only {owner} can change it"
        else:
            blocker = f"the {word}s at {entry.label}{attached}"
            words = f"no {word} at {entry.label} allows {{actions}}{attached}; only {owner} can change that"
        return _Block(account, blocker, location, words, decision.request.action)

    def _boundary_fix(self, caller: Caller, action: str) -> _Block:
        entity = caller.entity
        assert entity is not None  # only callers with an entity have a boundary layer
        managed = self.model.managed_policies.get(entity.boundary or "")
        name = f"{managed.account}.{managed.name}" if managed else entity.boundary
        location = _location(managed.policy.span or managed.span) if managed else None
        words = (
            f"the permissions boundary {name} of {entity.qualified_name} does not allow {{actions}}; "
            f"only whoever administers IAM in account {entity.account} can change it, and a fix never widens a boundary"
        )
        return _Block(entity.account, f"permissions boundary {name}", location, words, action)

    def _session_fix(self, caller: Caller, action: str) -> _Block:
        policy = caller.session_policy
        location = _location(policy.span) if policy is not None else None
        session = caller.label if caller.entity is None else f"{self._entity_name(caller.entity)} (session {caller.session_name})"
        if policy is None:
            words = f"the federated session {session} has no session policy, and it needs one that allows {{actions}} (R65)"
        else:
            words = f"the session policy of {session} does not allow {{actions}}"
        words += "; only whoever creates the session can change it"
        return _Block(None, f"session policy of {session}", location, words, action)

    def _owner_of_layer(self, entry: LayerTrace, decision: Decision) -> tuple[str | None, str]:
        """Who alone can change this layer: (account name, words)."""
        trace, caller = decision.trace, decision.request.caller
        if entry.layer in (Layer.SCP, Layer.RCP):
            account_id = trace.caller_account if entry.layer is Layer.SCP else trace.resource_account
            placement = self.world.placement(account_id)
            management = placement.org.management_account if placement else None
            org = f"organization {placement.org.name}" if placement else "the organization"
            if management:
                return management, f"the management account of {org} ({management})"
            return None, f"the management account of {org}"
        if entry.layer is Layer.SESSION:
            return None, "whoever creates the session"
        if entry.layer is Layer.ENDPOINT:
            account = entry.label.split(".", 1)[0]
            return account, f"account {account} (which owns the endpoint)"
        if entry.layer is Layer.RESOURCE:
            account = self.world.account_name(trace.resource_account)
            return account, f"account {account or trace.resource_account} (which owns {self._target(decision.request.resource)})"
        account = caller.entity.account if caller.entity is not None else self.world.account_name(caller.account)
        return account, f"account {account} (which administers {self._caller_words(caller)})"

    def _guardrail_location(self, entry: LayerTrace, decision: Decision, names: list[str]) -> str | None:
        if entry.layer is Layer.ENDPOINT:
            endpoint = self.model.endpoints.get(entry.label)
            return _location(endpoint.span) if endpoint else None
        account_id = decision.trace.caller_account if entry.layer is Layer.SCP else decision.trace.resource_account
        placement = self.world.placement(account_id)
        if placement is None:
            return None
        table = placement.org.scps if entry.layer is Layer.SCP else placement.org.rcps
        for name in names:
            if name in table and table[name].span is not None:
                return _location(table[name].span)
        return _location(placement.org.span)

    # ---------------------------------------------------------------- names
    def _asked_resource(self, decision, parts: list[Decision]) -> str | None:
        """The resource of the question: for a verb, the one whose pairing gives its requests."""
        if not isinstance(decision, VerbDecision):
            return decision.request.resource
        if self.verb is None:
            return None
        asked = {(d.request.action, d.request.resource) for d in decision.decisions}
        candidates = sorted({resource for _, resource in asked}, key=lambda r: (r == "*", len(r)))
        for candidate in candidates:
            pairs, _ = requests_for(self.model.verbs[self.verb].actions, candidate, self.model)
            if set(pairs) == asked:
                return candidate
        return None

    def _target(self, arn: str) -> str:
        """An ARN as an `on` target: `A.repo`, `A.bucket/*`, `A.bucket/"k"`, `*`, or the quoted ARN."""
        if arn == "*":
            return "*"
        if arn in self.names.targets:
            return self.names.targets[arn]
        for parent, name in self.names.parents:
            if arn.startswith(parent + "/"):
                child = arn[len(parent) + 1:]
                return f"{name}/*" if child == "*" else f"{name}/{json.dumps(child)}"
        return json.dumps(arn)

    def _entity_name(self, entity: IdentityEntity) -> str:
        return self.names.principals.get(entity.arn) or self.names.targets.get(entity.arn) or entity.qualified_name

    def _resource_header(self, resource: Resource) -> str:
        """The declaration line a merging block must repeat: same type, value and region (E011)."""
        name = self.names.targets.get(resource.arn) or f"{resource.account}.{json.dumps(resource.name)}"
        info = catalog.resource_type(resource.service, resource.type) if resource.type else None
        value = _template_value(resource, info, self.model) if info is not None else None
        kind = f"{resource.service}:{resource.type} {json.dumps(value)}" if value is not None else json.dumps(resource.arn)
        region = f" in {resource.region}" if resource.region and resource.region != self.model.region else ""
        return f"resource {name} : {kind}{region}"

    def _caller_words(self, caller: Caller) -> str:
        if caller.kind is CallerKind.ROOT:
            return f"{self.world.account_name(caller.account) or caller.account}.root (root user)"
        if caller.entity is not None and caller.kind in (CallerKind.ROLE_SESSION, CallerKind.USER):
            return self._entity_name(caller.entity)
        return caller.label

    def _resource_account_name(self, decision: Decision) -> str | None:
        return self.world.account_name(decision.trace.resource_account)


# ---------------------------------------------------------------- helpers


def _context_fix(parts: list[Decision]) -> Fix:
    must = [c for d in parts if d.outcome is Outcome.CONDITIONAL for c in d.allow_conditions]
    either = [group for d in parts if d.outcome is Outcome.CONDITIONAL for group in d.allow_alternatives]
    must_not = [c for d in parts if d.outcome is Outcome.CONDITIONAL for c in d.deny_conditions]
    words = []
    if must:
        words.append("allowed only when " + " and ".join(dict.fromkeys(_condition_words(c) for c in must)))
    if either:
        options = dict.fromkeys(" and ".join(_condition_words(c) for c in group) for group in either)
        words.append(("and when " if must else "allowed only when ") + "one of: " + " / ".join(options))
    if must_not:
        words.append("unless " + " or ".join(dict.fromkeys(_condition_words(c) for c in must_not)))
    keys = ", ".join(dict.fromkeys(c.key for c in must + [c for group in either for c in group] + must_not))
    text = "; ".join(words) or "allowed only under conditions the question did not decide"
    return Fix(FixKind.CONTEXT, None, f"{text}: no policy change is needed; give {keys or 'the context'} with `with …` to decide it")


def _condition_words(condition: Condition) -> str:
    values = condition.values[0] if len(condition.values) == 1 else "[" + ", ".join(condition.values) + "]"
    return f"{condition.operator} {condition.key} {values}"


def _template_value(resource: Resource, info: catalog.ResourceTypeInfo, model: Model) -> str | None:
    """The quoted value of `resource A.x : TYPE "value"`: the ARN between the template's fixed parts."""
    account = model.accounts.get(resource.account)
    template = info.arn_template
    for variable, value in (("${Partition}", model.partition), ("${Region}", resource.region or model.region), ("${Account}", account.id if account else "")):
        template = template.replace(variable, value)
    first, last = template.find("${"), template.rfind("}")
    if first == -1:
        return None
    prefix, suffix = template[:first], template[last + 1:]
    arn = resource.arn
    if not arn.startswith(prefix) or not arn.endswith(suffix) or len(arn) < len(prefix) + len(suffix):
        return None
    return arn[len(prefix): len(arn) - len(suffix)]


def _policy_name(label: str) -> str:
    """`SCP DenyS3 at OU Workloads` -> `DenyS3`."""
    head = label.split(" ", 1)[1] if label.startswith(("SCP ", "RCP ")) else label
    return head.rsplit(" at ", 1)[0]


def _location(span: Span | None) -> str | None:
    return f"{span.file}:{span.line}" if span is not None else None


def _indent(text: str) -> str:
    return "\n".join(INDENT + line for line in text.split("\n"))


def _unique(fixes: list[Fix]) -> list[Fix]:
    return list(dict.fromkeys(fixes))
