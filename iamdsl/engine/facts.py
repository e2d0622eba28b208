"""The context keys the model implies, and the request's context with them (design.md §2, R7).

Stage: engine input.  A request's context is what the user gave, then what
the model implies about the caller and the resource (their ARNs, accounts,
organization, tags), then the documented defaults (HTTPS, no service acting
for the caller, the model's `now`).  The facts are memoised per caller and
per resource: every decision asks for them again.

Two shapes of the same context: `RequestContext` reads the keys through
the layers without merging them, which is what decisions use (they read a
few keys, often none, and often none the model implies); `merged` builds one
`Context` holding every key, for whoever wants them all (other engines'
inputs in benchmarks/bench_engine.py; tests check that both read alike).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from iamdsl.engine.context import LEFT_OUT, NOT_LISTED, UNKNOWN, Context, Lookup, Presence, Source
from iamdsl.engine.request import Caller, CallerKind, Request

if TYPE_CHECKING:
    from iamdsl.engine.world import World

_MEMO_SIZE = 8192
# Documented defaults: HTTPS, and no service acting on the caller's behalf.
_HTTPS = Lookup.given("true", Source.DEFAULT)
_NOT_VIA_SERVICE = Lookup.given("false", Source.DEFAULT)
_NOT_CALLED_VIA = Lookup.absent(Source.DEFAULT)
_DEFAULTED = frozenset({"aws:securetransport", "aws:viaawsservice", "aws:calledvia", "aws:currenttime", "aws:epochtime"})


# Every key the model implies starts so, or names a service's ResourceTag: a key that does not
# is never a fact, and reading it needs no facts at all.  `_put` holds the facts to this.
_FACT_PREFIXES = ("aws:principal", "aws:resource", "aws:user")


def may_be_fact(lower: str) -> bool:
    """Whether the lower-cased key can be one the model implies (or fall under a prefix it lists in full)."""
    return lower.startswith(_FACT_PREFIXES) or ":resourcetag/" in lower


_PLAIN, _FACT, _DEFAULTED_KEY = 0, 1, 2  # what a lower-cased key can be: neither, a fact, or a key with a default
_KINDS: dict[str, int] = {}  # `_kind`'s answers: keys come from policies, so they are few


def _kind(lower: str) -> int:
    found = _FACT if may_be_fact(lower) else _DEFAULTED_KEY if lower in _DEFAULTED else _PLAIN
    if len(_KINDS) >= 65_536:
        _KINDS.clear()
    _KINDS[lower] = found
    return found


def _put(context: Context, key: str, value) -> None:
    if not may_be_fact(key.lower()):
        raise ValueError(f"the fact `{key}` is outside what `may_be_fact` allows: widen it")
    values = None if value is None else (value,) if isinstance(value, str) else tuple(value)
    found = _LOOKUPS.get(values)
    if found is None:  # facts repeat across callers and resources (accounts, types, org IDs): one lookup each
        if len(_LOOKUPS) >= _MEMO_SIZE:
            _LOOKUPS.clear()
        found = _LOOKUPS[values] = LEFT_OUT if values is None else Lookup(_PRESENCE_GIVEN, values, _SOURCE_DERIVED)
    context.setdefault(key, found)


_LOOKUPS: dict[tuple[str, ...] | None, Lookup] = {}  # `_put`'s lookups (immutable, so shared), by their values


class Facts:
    """The keys the model implies, per caller and per resource, for one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._memo: dict[tuple, tuple[object, Context]] = {}
        self._clock: tuple[datetime | None, dict[str, Lookup]] = (None, {})  # the keys `now` gives, for the `now` they came from

    def merged(self, request: Request, owned, resource_account: str | None, now: datetime | None) -> Context:
        """The request's context, every key in one `Context`: what the user gave, plus what the model implies."""
        given = request.context
        principal = self.principal(request.caller)
        resource = self.resource(request, owned, resource_account)
        # What the user gave wins over what the model implies (the facts only fill gaps).
        keys = {**principal.keys, **resource.keys, **given.keys}
        prefixes = given.closed_prefixes
        if principal.closed_prefixes or resource.closed_prefixes:
            prefixes = prefixes | principal.closed_prefixes | resource.closed_prefixes
        else:
            prefixes = set(prefixes)  # the context owns its set, as a union would give it
        # The defaults fill what is still missing (keys are lower case).
        keys.setdefault("aws:securetransport", _HTTPS)
        if keys.setdefault("aws:viaawsservice", _NOT_VIA_SERVICE).values == ("false",):
            keys.setdefault("aws:calledvia", _NOT_CALLED_VIA)
        if now is not None:
            for key, lookup in self.time_keys(now).items():
                keys.setdefault(key, lookup)
        return Context(keys, given.closed, prefixes)

    def time_keys(self, now: datetime) -> dict[str, Lookup]:
        """aws:CurrentTime and aws:EpochTime for `now`, worked out once per value of `now`."""
        at, keys = self._clock
        if at is not now:
            moment = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
            keys = {
                "aws:currenttime": Lookup.given(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), _SOURCE_DEFAULT),
                "aws:epochtime": Lookup.given(str(int(moment.timestamp())), _SOURCE_DEFAULT),
            }
            self._clock = (now, keys)
        return keys

    def principal(self, caller: Caller) -> Context:
        """The keys the model implies about the caller (R7), memoised per caller.

        The memo key lists every field of the caller the facts below read; keep
        the two in step.  Entities are held in the memo, so their id() stays theirs.
        """
        memo_key = (
            caller.kind, caller.account, caller.principal_arn, id(caller.entity), caller.service,
            caller.session_name if caller.kind is _CALLER_FEDERATED_USER else None,
            tuple(caller.session_tags.items()) if caller.session_tags else (),
        )
        found = self._memo.get(memo_key)
        if found is not None:
            return found[1]
        context = Context()

        def put(key: str, value) -> None:
            _put(context, key, value)

        world = self.world
        authenticated = caller.kind.has_identity_side
        put("aws:PrincipalAccount", caller.account if authenticated else None)
        put("aws:PrincipalArn", caller.principal_arn if authenticated else None)
        put("aws:PrincipalType", {
            _CALLER_USER: "User", _CALLER_ROLE_SESSION: "AssumedRole", _CALLER_FEDERATED_USER: "FederatedUser",
            _CALLER_ROOT: "Account", _CALLER_ANONYMOUS: "Anonymous",
        }.get(caller.kind))
        put("aws:username", caller.entity.name if caller.kind is _CALLER_USER and caller.entity else None)
        # R7: present on signed requests only, so absent for anonymous callers (a data-perimeter
        # RCP writes BoolIfExists for exactly this reason).
        put("aws:PrincipalIsAWSService", "true" if caller.kind is _CALLER_SERVICE else "false" if authenticated else None)
        put("aws:PrincipalServiceName", caller.service if caller.kind is _CALLER_SERVICE else None)
        if caller.kind is _CALLER_ANONYMOUS:
            put("aws:userid", "anonymous")
        elif caller.kind is _CALLER_ROOT:
            put("aws:userid", caller.account)  # R2: the root user's userid is the account ID
        elif caller.kind is _CALLER_FEDERATED_USER:
            put("aws:userid", f"{caller.account}:{caller.session_name}")
        # users' and roles' unique IDs (AIDA…, AROA…) are not modelled: aws:userid stays unknown
        placement = world.placement(caller.account) if authenticated else None
        if authenticated and (placement is not None or caller.account in world.accounts_by_id):
            external = world.accounts_by_id.get(caller.account or "")
            if placement is not None:
                put("aws:PrincipalOrgID", placement.org.id)
                put("aws:PrincipalOrgPaths", [placement.paths])
            elif external is not None and not external.external:
                put("aws:PrincipalOrgID", None)
                put("aws:PrincipalOrgPaths", None)
        elif not authenticated:
            put("aws:PrincipalOrgID", None)
            put("aws:PrincipalOrgPaths", None)
        if caller.entity is not None and authenticated:
            tags = {k.lower(): (k, v) for k, v in caller.entity.tags.items()}
            tags.update({k.lower(): (k, v) for k, v in caller.session_tags.items()})  # R3: session tags win
            for key, value in tags.values():
                put(f"aws:PrincipalTag/{key}", value)
            context.close_prefix("aws:PrincipalTag/")
        elif not authenticated:
            context.close_prefix("aws:PrincipalTag/")
        self._remember(memo_key, caller.entity, context)
        return context

    def resource(self, request: Request, owned, resource_account: str | None) -> Context:
        """The keys the model implies about the resource (R7), memoised per resource.

        The memo key lists everything the facts below read; keep the two in step.
        """
        tags_owner = owned.resource.tags if owned.resource is not None else (owned.entity.tags if owned.entity is not None else None)
        service = request.resource.split(":")[2] if tags_owner and request.resource.count(":") >= 5 else ""
        memo_key = ("resource", resource_account, request.resource == "*", id(owned.resource), id(owned.entity), service)
        found = self._memo.get(memo_key)
        if found is not None:
            return found[1]
        context = Context()

        def put(key: str, value) -> None:
            _put(context, key, value)

        world = self.world
        put("aws:ResourceAccount", resource_account if request.resource != "*" else None)
        resource_placement = world.placement(resource_account)
        if resource_placement is not None:
            put("aws:ResourceOrgID", resource_placement.org.id)
            put("aws:ResourceOrgPaths", [resource_placement.paths])
        elif resource_account in world.accounts_by_id and not world.accounts_by_id[resource_account].external:
            put("aws:ResourceOrgID", None)
            put("aws:ResourceOrgPaths", None)
        if tags_owner is not None:
            for key, value in tags_owner.items():
                put(f"aws:ResourceTag/{key}", value)
                if service:
                    put(f"{service}:ResourceTag/{key}", value)
            context.close_prefix("aws:ResourceTag/")
        self._remember(memo_key, (owned.resource, owned.entity), context)
        return context

    def _remember(self, memo_key: tuple, held, facts: Context) -> None:
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[memo_key] = (held, facts)


class RequestContext:
    """The context `Facts.merged` would build, read key by key through its layers.

    `get` answers as `Context.get` on the merged context does: the keys the
    request gives, then the resource's facts, then the caller's, then the
    defaults; a key still missing is absent in a closed context, absent under
    a prefix the model lists in full, and unknown otherwise.  The facts are
    looked up on the first key the request does not give.
    """

    __slots__ = ("_keys", "_closed", "_where", "_layers")

    def __init__(self, facts: Facts, request: Request, owned, resource_account: str | None, now: datetime | None) -> None:
        given = request.context
        self._keys = given.keys  # what most reads need; the rest is read only on the way to the facts or a default
        self._closed = given.closed
        self._where = (facts, request, owned, resource_account, now)
        self._layers: tuple[Context, Context] | None = None  # resource facts, then principal facts (the later a key's layer is merged in, the earlier it is read)

    def get(self, key: str) -> Lookup:
        return self.get_lower(key.lower())

    def get_lower(self, lower: str) -> Lookup:
        """`get` for a key already in lower case (compiled conditions lower theirs once)."""
        found = self._keys.get(lower)
        if found is not None:
            return found
        kind = _KINDS.get(lower)
        if kind is None:
            kind = _kind(lower)
        if kind != _FACT:
            if kind == _DEFAULTED_KEY:
                found = self._default(lower)
                if found is not None:
                    return found
            # A key the request does not give and the model never implies.
            if self._closed:
                return NOT_LISTED
            for prefix in self._where[1].context.closed_prefixes:  # the facts' own prefixes are facts' keys
                if lower.startswith(prefix):
                    return LEFT_OUT
            return UNKNOWN
        layers = self._layers
        if layers is None:
            facts, request, owned, resource_account, _ = self._where
            principal = facts.principal(request.caller)
            resource = facts.resource(request, owned, resource_account)
            layers = self._layers = (resource, principal)
        for layer in layers:
            found = layer.keys.get(lower)
            if found is not None:
                return found
        # No fact key has a default.
        if self._closed:
            return NOT_LISTED
        # The prefixes listed in full: the request's and its facts' (a union `merged` builds, read in place).
        for prefixes in (self._where[1].context.closed_prefixes, layers[0].closed_prefixes, layers[1].closed_prefixes):
            for prefix in prefixes:
                if lower.startswith(prefix):
                    return LEFT_OUT
        return UNKNOWN

    def _default(self, lower: str) -> Lookup | None:
        if lower not in _DEFAULTED:
            return None
        if lower == "aws:securetransport":
            return _HTTPS
        if lower == "aws:viaawsservice":
            return _NOT_VIA_SERVICE
        if lower == "aws:calledvia":
            return _NOT_CALLED_VIA if self.get("aws:ViaAWSService").values == ("false",) else None
        facts, _, _, _, now = self._where
        if now is not None:
            return facts.time_keys(now)[lower]
        return None



class RequestView(RequestContext):
    """A request as compiled statements read it (compiled.RequestFacts): its resource, split once, its
    caller, and its context, which is this object itself (one object per decision rather than two)."""

    __slots__ = ("resource", "fields", "caller")

    def __init__(self, facts: Facts, request: Request, owned, resource_account: str | None, now: datetime | None, fields: list[str] | None) -> None:
        # `RequestContext.__init__`, inlined: one call less per decision
        given = request.context
        self._keys = given.keys
        self._closed = given.closed
        self._where = (facts, request, owned, resource_account, now)
        self._layers = None
        self.resource = request.resource
        self.fields = fields  # arn.request_fields(resource)
        self.caller = request.caller

    @property
    def context(self) -> RequestContext:
        """This object: a property rather than a reference to itself, which would keep every view
        alive until the cyclic garbage collector ran."""
        return self

# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_CALLER_ANONYMOUS = CallerKind.ANONYMOUS
_CALLER_FEDERATED_USER = CallerKind.FEDERATED_USER
_CALLER_ROLE_SESSION = CallerKind.ROLE_SESSION
_CALLER_ROOT = CallerKind.ROOT
_CALLER_SERVICE = CallerKind.SERVICE
_CALLER_USER = CallerKind.USER
_SOURCE_DEFAULT = Source.DEFAULT
_SOURCE_DERIVED = Source.DERIVED
_PRESENCE_GIVEN = Presence.GIVEN
