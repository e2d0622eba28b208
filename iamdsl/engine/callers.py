"""From a query's subject (a name, an ARN, `anonymous`, …) to the Caller the engine needs.

Stage: engine input, built from the checked model.  Design.md §1: in a query,
`B.root` means the root user; a role name means a session of that role.
"""

from __future__ import annotations

from iamdsl.engine.request import Caller, CallerKind
from iamdsl.language.errors import NotSupportedError
from iamdsl.model import Expectation, Model, PrincipalKind, Subject

DEFAULT_SESSION = "iamdsl-session"


def caller_for(subject: Subject, model: Model, expectation: Expectation | None = None) -> Caller:
    session_policy = expectation.session_policy if expectation else None
    session_tags = dict(expectation.session_tags) if expectation else {}
    if subject.kind == "anonymous":
        return Caller(CallerKind.ANONYMOUS)
    if subject.kind == "service":
        return Caller(CallerKind.SERVICE, service=subject.name)
    if subject.kind == "oidc":
        return Caller(CallerKind.WEB_IDENTITY, provider=subject.name)
    if subject.kind == "saml":
        return Caller(CallerKind.SAML, provider=subject.name)
    if subject.kind == "root":
        account = model.accounts[subject.name.split(".", 1)[0]]
        return Caller(CallerKind.ROOT, account=account.id, arn=account.root_arn, principal_arn=account.root_arn)
    if subject.kind == "arn":
        return _caller_from_arn(subject, model)
    entity = model.principals[subject.name]
    account = model.accounts[entity.account]
    if subject.kind == "federated":
        session = subject.session_name or entity.name
        arn = f"arn:{model.partition}:sts::{account.id}:federated-user/{session}"
        return Caller(CallerKind.FEDERATED_USER, account=account.id, arn=arn, principal_arn=arn, entity=entity, session_name=session, session_policy=session_policy)
    if entity.kind is PrincipalKind.ROLE:
        session = subject.session_name or DEFAULT_SESSION
        arn = f"arn:{model.partition}:sts::{account.id}:assumed-role/{entity.name}/{session}"
        return Caller(
            CallerKind.ROLE_SESSION, account=account.id, arn=arn, principal_arn=entity.arn, entity=entity,
            session_name=session, session_policy=session_policy, session_tags=session_tags,
        )
    return Caller(CallerKind.USER, account=account.id, arn=entity.arn, principal_arn=entity.arn, entity=entity)


def _caller_from_arn(subject: Subject, model: Model) -> Caller:
    arn = subject.name
    for entity in model.principals.values():
        if entity.arn == arn:
            return caller_for(Subject(kind="name", name=entity.qualified_name), model)
    fields = arn.split(":", 5)
    if len(fields) == 6 and fields[5] == "root":
        return Caller(CallerKind.ROOT, account=fields[4], arn=arn, principal_arn=arn)
    raise NotSupportedError(
        f"`{arn}` is not a principal of the model, so its policies are unknown",
        subject.span,
        help="declare it (for example `role B.Name`), or ask about a declared principal",
    )
