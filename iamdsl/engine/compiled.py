"""A statement compiled for deciding: does it apply, and nothing more?

Stage: engine, statement level (R10–R23), beside matching.py.
`match_statement` says why a statement applies or not, and builds a
StatementTrace to say it; a decision needs only the truth.  A
`CompiledStatement` is prepared once per statement (its actions, Resource
entries and conditions analysed) and then answers `applies` with no record
and no text.  Both ways of deciding take a statement's truth from here; the
traced one asks `match_statement` for the words, when they are read, and for
the residual of an unknown statement.  The action is not tested per request:
the policy index asks `covers` once per action and hands out only the
statements that cover it.

Whatever is not compiled (Resource entries with policy variables, conditions
the compiled form leaves aside) is decided by matching.py and conditions.py
themselves, so that the two always agree (tests/engine/test_fast_path.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamdsl.engine.actions import action_key, action_matches
from iamdsl.engine.arn import ResourceCheck
from iamdsl.engine.conditions import CompiledCondition
from iamdsl.engine.matching import is_everyone, principal_grant, resources_match
from iamdsl.engine.settings import Settings
from iamdsl.engine.trace import GrantClass, Truth
from iamdsl.engine.wildcard import has_wildcard
from iamdsl.model import Effect, Policy, PolicyKind, Statement

if TYPE_CHECKING:
    from iamdsl.engine.context import Context
    from iamdsl.engine.facts import RequestContext
    from iamdsl.engine.request import Caller

_TRUE, _FALSE, _UNKNOWN = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN
NONE, ALL, SOME = 0, 1, 2  # `CompiledStatement.coverage`: of a service's actions, it covers none, all, or some


def _names(items) -> tuple[str, ...]:
    """`items` without repeats, as a tuple: a few names, kept for the life of the statement, and a tuple of
    strings drops out of the garbage collector's way where a set would lengthen every full collection."""
    return tuple(dict.fromkeys(items))


class RequestFacts:
    """What a compiled statement reads from the request: its resource, split once, its caller and its context.

    The context is read key by key (facts.RequestContext); it looks up the
    model's facts only when a statement first asks for a key they may hold.
    """

    __slots__ = ("resource", "fields", "caller", "context")

    def __init__(self, resource: str, fields: list[str] | None, caller: Caller, context: Context | RequestContext) -> None:
        self.resource = resource
        self.fields = fields  # arn.request_fields(resource)
        self.caller = caller
        self.context = context


class CompiledStatement:
    """One statement of one policy, ready to say whether it applies to a request."""

    __slots__ = (
        "index", "statement", "is_deny", "settings", "variables", "checks", "negated", "by_variables",
        "principal", "trust", "anyone", "conditions", "not_action", "every_action", "action_keys", "action_globs", "always",
        "every_resource", "star_services", "named_services",
    )

    def __init__(self, index: int, statement: Statement, policy: Policy, settings: Settings) -> None:
        self.index = index
        self.statement = statement
        self.is_deny = statement.effect is _EFFECT_DENY
        self.settings = settings
        self.variables = policy.version == "2012-10-17"  # R12
        entries = statement.resources if statement.resources is not None else statement.not_resources
        self.negated = statement.resources is None and statement.not_resources is not None  # NotResource (R17)
        # With a variable in an entry, the entry depends on the context: matching.py decides those (R16h).
        self.by_variables = entries is not None and self.variables and any("${" in entry for entry in entries)
        self.checks = None if entries is None or self.by_variables else tuple(ResourceCheck(entry, settings) for entry in entries)
        self.principal = policy.kind.takes_principal
        self.trust = policy.kind is _PKIND_TRUST
        # A Principal `*` that counts reaches every caller directly, whatever else the element lists (R18; D8 for trust Allows).
        self.anyone = (
            self.principal
            and statement.principals is not None
            and not (self.trust and not self.is_deny and not settings.star_in_trust_allowed)
            and any(is_everyone(p) for p in statement.principals)
        )
        self.conditions = tuple(CompiledCondition(c, variables=self.variables, settings=settings) for c in statement.conditions)
        # Whether it applies to every request whose action it covers: FullAWSAccess and the like.
        self.every_resource = (entries is None or not self.negated and any(check.star for check in self.checks or ())) and not self.by_variables
        self.always = self.every_resource and not self.principal and not self.conditions
        # R14, R15: `*` lists every action; an entry without wildcards lists the actions of its key;
        # the others are globs (an entry whose prefix holds a wildcard lists none, as action_matches says).
        patterns = statement.actions if statement.actions is not None else statement.not_actions or ()
        self.not_action = statement.actions is None
        self.every_action = "*" in patterns
        self.action_keys = _names(action_key(p) for p in patterns if ":" in p and not has_wildcard(p))
        self.action_globs = tuple(p for p in patterns if ":" in p and has_wildcard(p) and not has_wildcard(p.partition(":")[0]))
        # For `coverage`: the services an entry `service:*` names whole, and those some other entry names.
        self.star_services = _names(p.partition(":")[0].lower() for p in self.action_globs if p.partition(":")[2] == "*")
        self.named_services = _names([k.partition(":")[0] for k in self.action_keys] + [p.partition(":")[0].lower() for p in self.action_globs])

    def covers(self, action: str, key: str | None) -> bool:
        """`matching.actions_match(statement, action)`, given `key = actions.action_key(action)`.

        The answer depends on `key` alone: `covers(key, key)` is the same (the key's
        prefix and name are the action's, folded as Action entries compare them).
        """
        if self.every_action or key in self.action_keys:
            return not self.not_action
        for pattern in self.action_globs:
            if action_matches(pattern, action):
                return not self.not_action
        return self.not_action

    def coverage(self, service: str) -> int:
        """Whether `covers` says the same of every action `service:name` (`ALL` or `NONE`), or depends on the name (`SOME`).

        `service` is lower case.  An action without a `:` is not `service:name`:
        ask `covers` for it.
        """
        if self.every_action or service in self.star_services:  # `*`, or `service:*` (R14)
            return NONE if self.not_action else ALL
        if service in self.named_services:
            return SOME
        return ALL if self.not_action else NONE  # no entry names the service

    def applies(self, facts: RequestFacts) -> Truth:
        """`match_statement(...).applies` for a statement whose actions cover the request's."""
        if self.always:
            return _TRUE
        resource_truth = _TRUE if self.every_resource else self.resource_truth(facts)
        if resource_truth is _FALSE:
            return _FALSE
        if self.principal and not self.anyone and self.grant(facts.caller) is None:  # R18–R20
            return _FALSE
        truth = _TRUE
        if self.conditions:  # R21, as `conditions_truth`
            context = facts.context
            for condition in self.conditions:
                found = condition.truth(context)
                if found is _FALSE:
                    return _FALSE
                if found is _UNKNOWN:
                    truth = _UNKNOWN
        return _UNKNOWN if resource_truth is _UNKNOWN and truth is not _FALSE else truth

    def grant(self, caller: Caller) -> GrantClass | None:
        """How the statement's Principal reaches the caller (R18), for policies that take one."""
        if self.anyone:
            return _GRANT_DIRECT
        return principal_grant(self.statement, caller, self.settings, trust=self.trust)

    def conditions_truth(self, context: Context | RequestContext) -> Truth:
        """R21: the conditions AND'ed; the first FALSE decides."""
        truth = _TRUE
        for condition in self.conditions:
            found = condition.truth(context)
            if found is _FALSE:
                return _FALSE
            if found is _UNKNOWN:
                truth = _UNKNOWN
        return truth

    def resource_truth(self, facts: RequestFacts) -> Truth:
        """R16, R17: entries are OR'ed; NotResource holds when none matches."""
        checks = self.checks
        if checks is None:
            if not self.by_variables:
                return _TRUE  # no Resource element: trust and resource policies mean the resource itself
            return resources_match(self.statement, facts.resource, facts.context, self.variables, self.settings)
        resource, fields = facts.resource, facts.fields
        for check in checks:
            if check.matches(resource, fields):
                return _FALSE if self.negated else _TRUE
        return _TRUE if self.negated else _FALSE


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_EFFECT_DENY = Effect.DENY
_PKIND_TRUST = PolicyKind.TRUST
_GRANT_DIRECT = GrantClass.DIRECT
