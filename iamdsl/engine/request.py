"""One request: who calls, which action, on what, in which context (R1, R2).

Stage: engine input.  Callers are described by what the decision needs: their
kind (R2's table), their identity ARN and `aws:PrincipalArn`, their account,
the model entity whose policies they carry, and any session policy or tags.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from iamdsl.engine.context import Context
from iamdsl.model import IdentityEntity, Policy


class CallerKind(str, enum.Enum):
    USER = "user"
    ROLE_SESSION = "role-session"
    FEDERATED_USER = "federated-user"  # GetFederationToken
    ROOT = "root"
    SERVICE = "service"
    ANONYMOUS = "anonymous"
    WEB_IDENTITY = "web-identity"  # AssumeRoleWithWebIdentity
    SAML = "saml"  # AssumeRoleWithSAML

    @property
    def has_identity_side(self) -> bool:
        """Callers with identity policies, boundaries and SCPs (R58: the others have none)."""
        return self in (_CALLER_USER, _CALLER_ROLE_SESSION, _CALLER_FEDERATED_USER, _CALLER_ROOT)


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    account: str | None = None  # 12-digit account ID; None for anonymous and services
    arn: str | None = None  # identity ARN: the session ARN for sessions
    principal_arn: str | None = None  # aws:PrincipalArn: the role ARN for sessions
    entity: IdentityEntity | None = None  # the user or role; for a federated user, its parent user
    session_name: str | None = None
    session_policy: Policy | None = None
    session_tags: dict[str, str] = field(default_factory=dict)
    service: str | None = None  # for SERVICE callers, e.g. sns.amazonaws.com
    provider: str | None = None  # for WEB_IDENTITY and SAML callers: the Federated principal

    @property
    def label(self) -> str:
        kind, entity = self.kind, self.entity
        if entity is not None:  # the usual callers first: reasons name them
            if kind is _CALLER_ROLE_SESSION:
                return f"{entity.qualified_name} (session {self.session_name})"
            if kind is _CALLER_USER or kind is _CALLER_FEDERATED_USER:
                return entity.qualified_name
        if self.kind is _CALLER_ANONYMOUS:
            return "anonymous"
        if self.kind is _CALLER_SERVICE:
            return f"service {self.service}"
        if self.kind in (_CALLER_WEB_IDENTITY, _CALLER_SAML):
            return f"{self.kind.value} caller of {self.provider}"
        if self.kind is _CALLER_ROOT:
            return f"{self.arn} (root user)"
        if self.entity is not None and self.kind is _CALLER_ROLE_SESSION:
            return f"{self.entity.qualified_name} (session {self.session_name})"
        if self.entity is not None:
            return self.entity.qualified_name
        return self.arn or self.kind.value

    @property
    def is_service_linked(self) -> bool:
        return self.entity is not None and self.entity.path.startswith("/aws-service-role/")


@dataclass(frozen=True, slots=True)
class Request:
    caller: Caller
    action: str
    resource: str  # an ARN, or "*" for actions without resource-level permissions (R5)
    context: Context = field(default_factory=Context)
    resource_account: str | None = None  # when the ARN does not say (S3); derived from the model if None


# Enum members read by the functions above, as module globals: on Python 3.11 every `Enum.MEMBER`
# goes through the enum metaclass's `__getattr__` hook, several times slower than reading a global.
_CALLER_ANONYMOUS = CallerKind.ANONYMOUS
_CALLER_FEDERATED_USER = CallerKind.FEDERATED_USER
_CALLER_ROLE_SESSION = CallerKind.ROLE_SESSION
_CALLER_ROOT = CallerKind.ROOT
_CALLER_SAML = CallerKind.SAML
_CALLER_SERVICE = CallerKind.SERVICE
_CALLER_USER = CallerKind.USER
_CALLER_WEB_IDENTITY = CallerKind.WEB_IDENTITY
