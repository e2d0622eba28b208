"""Lark tree to syntax tree.

Stage: lark tree -> syntax tree.

Each method is a line or three: the grammar already shaped the tree.  Nothing
here raises or judges; resolving names and checking meaning is resolve.py's
and check.py's job, because lark would wrap any exception raised in a
callback in its own VisitError.
"""

from __future__ import annotations

import json
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import VisitError

from iamdsl.language import syntax as s
from iamdsl.language.parser import parse, token_span
from iamdsl.model import Span


def _text(token: Token) -> str:
    """The value of an IDENT or a STRING token."""
    if token.type == "STRING":
        return json.loads(token)
    return str(token)


def _kept(children: list[Any]) -> list[Any]:
    return [c for c in children if c is not None]


@v_args(meta=True)
class ToSyntax(Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def transform(self, tree: Tree) -> Any:
        """Bottom-up, calling each rule's method directly; the result is lark's own.

        lark's walk builds a new wrapper for every node it visits (that is how
        `v_args(meta=True)` works) and looks up a method for every token; on a
        large organization that was a tenth of the load time.
        """
        return self._walk(tree)

    def _walk(self, tree: Tree) -> Any:
        children = [self._walk(c) if isinstance(c, Tree) else c for c in tree.children]
        method = _META_METHODS.get(tree.data)
        if method is None:
            return self._call_userfunc(tree, children)  # lark's way, e.g. __default__
        try:
            return method(self, tree.meta, children)
        except Exception as error:  # wrapped as lark wraps it, so a bug surfaces the same way
            raise VisitError(tree.data, tree, error) from error

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(file=self.file, line=1, column=1, end_line=1, end_column=1)
        return Span(
            file=self.file, line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column
        )

    def _tspan(self, token: Token) -> Span:
        return token_span(token, self.file)

    # ------------------------------------------------------------ files and settings
    def start(self, meta, children):
        return _kept(children)

    def query(self, meta, children):
        return children[0]

    def region(self, meta, children):
        return s.RegionDecl(str(children[0]), self._span(meta))

    def partition(self, meta, children):
        return s.PartitionDecl(str(children[0]), self._span(meta))

    def now(self, meta, children):
        return s.NowDecl(_text(children[0]), self._span(meta))

    def include(self, meta, children):
        return s.IncludeDecl(_text(children[0]), self._span(meta))

    def verb(self, meta, children):
        return s.VerbDecl(str(children[0]), children[1:], self._span(meta))

    # ------------------------------------------------------------ accounts and tags
    def account(self, meta, children):
        name, number, external, body = children
        return s.AccountDecl(
            name=str(name),
            span=self._span(meta),
            id=str(number) if number is not None else None,
            id_span=self._tspan(number) if number is not None else None,
            external=external is not None,
            tags=body or [],
        )

    def account_body(self, meta, children):
        return _kept(children)

    def tags(self, meta, children):
        return s.Tags(children, self._span(meta))

    def tag(self, meta, children):
        key, value = children
        return (_text(key), _text(value), self._span(meta))

    # ------------------------------------------------------------ organizations
    def organization(self, meta, children):
        name, org_id, *items = children
        return s.OrgDecl(str(name), self._span(meta), str(org_id) if org_id else None, _kept(items))

    def management(self, meta, children):
        return s.Management(str(children[0]), self._span(meta))

    def features(self, meta, children):
        return s.Features(str(children[0]), self._span(meta))

    def scp(self, meta, children):
        return s.OrgPolicyDecl("scp", str(children[0]), children[1], self._span(meta))

    def rcp(self, meta, children):
        return s.OrgPolicyDecl("rcp", str(children[0]), children[1], self._span(meta))

    def ou(self, meta, children):
        return s.OuDecl(str(children[0]), _kept(children[1:]), self._span(meta))

    def org_account(self, meta, children):
        names = [(str(c), self._tspan(c)) for c in children if isinstance(c, Token)]
        items = [c for c in children if c is not None and not isinstance(c, Token)]
        return s.OrgAccount(names, items, self._span(meta))

    def attach_org(self, meta, children):
        return s.OrgAttach([(str(c), self._tspan(c)) for c in children], self._span(meta))

    def detach_org(self, meta, children):
        return s.OrgDetach(str(children[0]), self._span(meta))

    # ------------------------------------------------------------ principals
    def _entity(self, kind, meta, children):
        name, body = children
        return s.EntityDecl(kind, name, body or [], self._span(meta))

    def role(self, meta, children):
        return self._entity("role", meta, children)

    def user(self, meta, children):
        return self._entity("user", meta, children)

    def group(self, meta, children):
        return self._entity("group", meta, children)

    def identity_body(self, meta, children):
        return _kept(children)

    def inline_policy(self, meta, children):
        return s.InlinePolicy(_text(children[0]), children[1], self._span(meta))

    def attach(self, meta, children):
        return s.Attach(children, self._span(meta))

    def boundary(self, meta, children):
        return s.Boundary(children[0], self._span(meta))

    def trust(self, meta, children):
        return s.Trust(children[0], self._span(meta))

    def member(self, meta, children):
        return s.Member(children, self._span(meta))

    def path(self, meta, children):
        return s.PathItem(_text(children[0]), self._span(meta))

    # ------------------------------------------------------------ resources
    def resource(self, meta, children):
        name, kind, region, body = children
        type_token, value_token = kind
        return s.ResourceDecl(
            name=name,
            span=self._span(meta),
            type=str(type_token) if type_token is not None else None,
            type_span=self._tspan(type_token) if type_token is not None else None,
            value=_text(value_token),
            value_span=self._tspan(value_token),
            region=region,
            items=body or [],
        )

    def typed_arn(self, meta, children):
        return (children[0], children[1])

    def raw_arn(self, meta, children):
        return (None, children[0])

    def region_in(self, meta, children):
        return str(children[0])

    def resource_body(self, meta, children):
        return _kept(children)

    def resource_policy(self, meta, children):
        return s.ResourcePolicy(children[0], self._span(meta))

    def mechanism(self, meta, children):
        return s.Mechanism(str(children[0]), self._span(meta))

    def managed_policy(self, meta, children):
        return s.ManagedPolicyDecl(children[0], children[1], self._span(meta))

    def endpoint(self, meta, children):
        name, endpoint_id, body = children
        return s.EndpointDecl(name, _text(endpoint_id), self._span(meta), body or [])

    def endpoint_body(self, meta, children):
        return _kept(children)

    def vpc(self, meta, children):
        return s.VpcItem(_text(children[0]), self._span(meta))

    # ------------------------------------------------------------ policy bodies
    def block(self, meta, children):
        return s.PolicyBody("block", self._span(meta), statements=_kept(children))

    def from_file(self, meta, children):
        return s.PolicyBody("file", self._span(meta), path=_text(children[0]))

    def json_doc(self, meta, children):
        return s.PolicyBody("json", self._span(meta), document=children[0])

    # ------------------------------------------------------------ statements
    def statement(self, meta, children):
        sid, effect, action_clause, on_clause, to_clause, when_clause = children
        not_actions, actions = action_clause
        statement = s.StatementSyntax(
            effect=effect, actions=actions, span=self._span(meta), sid=sid, not_actions=not_actions
        )
        if on_clause is not None:
            statement.not_resources, statement.resources, statement.on_span = on_clause
        if to_clause is not None:
            statement.not_principals, statement.principals, statement.to_span = to_clause
        if when_clause is not None:
            statement.conditions, statement.or_spans = when_clause
        return statement

    def sid(self, meta, children):
        return _text(children[0])

    def effect(self, meta, children):
        return str(children[0])

    def actions(self, meta, children):
        return (False, children)

    def not_actions(self, meta, children):
        return (True, children)

    def action_name(self, meta, children):
        return s.ActionItem("action", str(children[0]), self._span(meta))

    def verb_ref(self, meta, children):
        return s.ActionItem("verb", str(children[0]), self._span(meta))

    def any_action(self, meta, children):
        return s.ActionItem("any", "*", self._span(meta))

    def on_clause(self, meta, children):
        negated, items = children[0]
        return (negated, items, self._span(meta))

    def resources(self, meta, children):
        return (False, children)

    def not_resources(self, meta, children):
        return (True, children)

    def resource_name(self, meta, children):
        return s.ResourceItem("name", self._span(meta), name=children[0], child=children[1])

    def self_resource(self, meta, children):
        return s.ResourceItem("self", self._span(meta), child=children[0])

    def resource_arn(self, meta, children):
        return s.ResourceItem("arn", self._span(meta), text=_text(children[0]))

    def any_resource(self, meta, children):
        return s.ResourceItem("any", self._span(meta), text="*")

    def child(self, meta, children):
        return _text(children[0]) if children and children[0] is not None else "*"

    def to_clause(self, meta, children):
        negated, items = children[0]
        return (negated, items, self._span(meta))

    def principals(self, meta, children):
        return (False, children)

    def not_principals(self, meta, children):
        return (True, children)

    def account_principal(self, meta, children):
        return s.PrincipalItem("account", str(children[0]), self._span(meta))

    def anyone(self, meta, children):
        return s.PrincipalItem("anyone", "*", self._span(meta))

    def principal_name(self, meta, children):
        return s.PrincipalItem("name", str(children[0]), self._span(meta), name=children[0])

    def service_principal(self, meta, children):
        return s.PrincipalItem("service", self._dotted_or_string(children[0]), self._span(meta))

    def federated_principal(self, meta, children):
        return s.PrincipalItem("federated", self._dotted_or_string(children[0]), self._span(meta))

    def canonical_principal(self, meta, children):
        return s.PrincipalItem("canonical", _text(children[0]), self._span(meta))

    def arn_principal(self, meta, children):
        return s.PrincipalItem("arn", _text(children[0]), self._span(meta))

    @staticmethod
    def _dotted_or_string(child) -> str:
        return _text(child) if isinstance(child, Token) else child

    # ------------------------------------------------------------ conditions
    def when_clause(self, meta, children):
        conditions = [c for c in children if isinstance(c, s.ConditionSyntax)]
        ors = [self._tspan(c) for c in children if isinstance(c, Token) and c.type == "OR"]
        return (conditions, ors)

    def key(self, meta, children):
        return (_text(children[0]), self._span(meta))

    def sugar(self, meta, children):
        (key, key_span), (op, values, op_span) = children
        return s.ConditionSyntax("sugar", op, key, key_span, values, self._span(meta), op_span)

    def quantified(self, meta, children):
        quantifier, (key, key_span), (op, values, op_span) = children
        return s.ConditionSyntax(
            "quantified", op, key, key_span, values, self._span(meta), op_span, quantifier=str(quantifier)
        )

    def full_condition(self, meta, children):
        operator, (key, key_span), *values = children
        return s.ConditionSyntax(
            "full", str(operator), key, key_span, _kept(values), self._span(meta), self._tspan(operator)
        )

    def _sugar_op(name):  # noqa: N805 - a factory for the methods below
        def method(self, meta, children):
            return (name, _kept(children), self._span(meta))

        return method

    eq = _sugar_op("eq")
    ne = _sugar_op("ne")
    like = _sugar_op("like")
    not_like = _sugar_op("not_like")
    in_ = _sugar_op("in")
    not_in = _sugar_op("not_in")
    lt = _sugar_op("lt")
    le = _sugar_op("le")
    gt = _sugar_op("gt")
    ge = _sugar_op("ge")
    before = _sugar_op("before")
    after = _sugar_op("after")
    exists = _sugar_op("exists")
    not_exists = _sugar_op("not_exists")

    def is_(self, meta, children):
        value = s.Value("bool", str(children[0]), self._tspan(children[0]))
        return ("is", [value], self._span(meta))

    def string(self, meta, children):
        return s.Value("string", _text(children[0]), self._span(meta))

    def number(self, meta, children):
        return s.Value("number", str(children[0]), self._span(meta))

    def cidr(self, meta, children):
        return s.Value("cidr", str(children[0]), self._span(meta))

    def boolean(self, meta, children):
        return s.Value("bool", str(children[0]), self._span(meta))

    # ------------------------------------------------------------ names
    def ref(self, meta, children):
        return s.Name(str(children[0]), _text(children[1]), self._span(meta))

    def dotted(self, meta, children):
        return ".".join(str(c) for c in children)

    # ------------------------------------------------------------ delegation
    def delegate(self, meta, children):
        actions = [c for c in children if isinstance(c, s.ActionItem)]
        resources = [c for c in children if isinstance(c, s.ResourceItem)]
        principals = [c for c in children if isinstance(c, s.PrincipalItem)]
        conditions, ors = children[-1] if isinstance(children[-1], tuple) else ([], [])
        return s.DelegateDecl(actions, resources, principals, self._span(meta), conditions, ors)

    # ------------------------------------------------------------ replace
    def replace(self, meta, children):
        return s.ReplaceDecl(children[0], self._span(meta))

    # ------------------------------------------------------------ specs and queries
    def expect(self, meta, children):
        declaration = children[0]
        declaration.span = self._span(meta)  # from the `expect` keyword on
        return declaration

    def can_expect(self, meta, children):
        modal, subject, action, resource, context, session, because = children
        request = s.RequestSyntax(subject, action, resource, self._span(meta), context or [], session)
        return s.ExpectDecl(
            kind=str(modal),
            span=self._span(meta),
            request=request,
            because=because[0] if because else None,
            because_span=because[1] if because else None,
        )

    def only_expect(self, meta, children):
        subjects = [c for c in children if isinstance(c, s.SubjectSyntax)]
        rest = [c for c in children if not isinstance(c, s.SubjectSyntax)]
        # rest: [None?] CAN action resource context except_roots
        rest = [c for c in rest if not (isinstance(c, Token) and c.type == "CAN")]
        action = next(c for c in rest if isinstance(c, s.ActionItem))
        resource = next(c for c in rest if isinstance(c, s.ResourceItem))
        context = next((c for c in rest if isinstance(c, list)), [])
        except_roots = any(c == "except_roots" for c in rest if isinstance(c, str))
        return s.ExpectDecl(
            kind="only",
            span=self._span(meta),
            subjects=subjects,
            action=action,
            resource=resource,
            context=context,
            except_roots=except_roots,
        )

    def because(self, meta, children):
        return (str(children[0]), self._span(meta))

    def except_roots(self, meta, children):
        return "except_roots"

    def can_query(self, meta, children):
        _, subject, action, resource, context, session = children
        request = s.RequestSyntax(subject, action, resource, self._span(meta), context or [], session)
        return s.CanQuery(request, self._span(meta))

    def who_query(self, meta, children):
        _, action, resource, context = children
        return s.WhoQuery(action, resource, self._span(meta), context or [])

    def what_query(self, meta, children):
        _, subject, resource = children
        return s.WhatQuery(subject, self._span(meta), resource)

    def how_query(self, meta, children):
        _, subject, resource = children
        return s.HowQuery(subject, resource, self._span(meta))

    def subject_name(self, meta, children):
        return s.SubjectSyntax("name", self._span(meta), name=children[0])

    def subject_arn(self, meta, children):
        return s.SubjectSyntax("arn", self._span(meta), text=_text(children[0]))

    def subject_anonymous(self, meta, children):
        return s.SubjectSyntax("anonymous", self._span(meta))

    def subject_service(self, meta, children):
        return s.SubjectSyntax("service", self._span(meta), text=self._dotted_or_string(children[0]))

    def subject_federated(self, meta, children):
        name, session = children
        return s.SubjectSyntax(
            "federated", self._span(meta), name=name, session_name=_text(session) if session else None
        )

    def subject_anyone(self, meta, children):
        return s.SubjectSyntax("anyone", self._span(meta))

    def subject_open_account(self, meta, children):
        return s.SubjectSyntax("open-account", self._span(meta), text=str(children[0]))

    def subject_organization(self, meta, children):
        return s.SubjectSyntax("organization", self._span(meta), text=_text(children[0]))

    def subject_oidc(self, meta, children):
        return s.SubjectSyntax("oidc", self._span(meta), text=self._dotted_or_string(children[0]))

    def subject_saml(self, meta, children):
        return s.SubjectSyntax("saml", self._span(meta), text=_text(children[0]))

    def with_clause(self, meta, children):
        return children

    def context_value(self, meta, children):
        (key, _), *values = children
        return s.ContextItem(key, _kept(values), self._span(meta))

    def context_absent(self, meta, children):
        (key, _) = children[0]
        return s.ContextItem(key, None, self._span(meta))

    def session_clause(self, meta, children):
        name, *items = children
        session = s.SessionSyntax(self._span(meta), _text(name) if name is not None else None)
        for item in _kept(items):
            if isinstance(item, s.Tags):
                session.tags.append(item)
            else:
                session.statements.append(item)
        return session

    # ------------------------------------------------------------ embedded JSON
    def json_object(self, meta, children):
        values: dict[str, s.JsonValue] = {}
        key_spans: dict[str, Span] = {}
        for pair in _kept(children):
            key, key_span, value = pair
            values[key] = value  # a repeated key keeps the last value, as json.loads does
            key_spans[key] = key_span
        return s.JsonValue(values, self._span(meta), key_spans)

    def json_pair(self, meta, children):
        key, value = children
        return (_text(key), self._tspan(key), value)

    def json_array(self, meta, children):
        return s.JsonValue(_kept(children), self._span(meta))

    def json_string(self, meta, children):
        return s.JsonValue(_text(children[0]), self._span(meta))

    def json_number(self, meta, children):
        text = str(children[0])
        number: int | float | str
        try:
            number = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:  # more digits than int() converts; IAM reads numbers as their text anyway
            number = text
        return s.JsonValue(number, self._span(meta))

    def json_bool(self, meta, children):
        return s.JsonValue(str(children[0]) == "true", self._span(meta))

    def json_null(self, meta, children):
        return s.JsonValue(None, self._span(meta))


# The rule methods that `v_args(meta=True)` wrapped, unwrapped once for `transform`.
_META_METHODS = {
    name: attribute.base_func
    for name, attribute in vars(ToSyntax).items()
    if name not in vars(Transformer)  # `transform` is lark's entry point, not a rule
    and getattr(getattr(attribute, "visit_wrapper", None), "__name__", None) == "_vargs_meta"
}


def parse_file(text: str, file: str) -> s.SourceFile:
    """Parse a whole `.iam` file into its declarations."""
    parsed = parse(text, file, "start")
    return s.SourceFile(file, text, ToSyntax(file).transform(parsed.tree))


def parse_query(text: str, file: str = "<query>") -> s.Query:
    return ToSyntax(file).transform(parse(text, file, "query").tree)


def parse_json(text: str, file: str) -> s.JsonValue:
    """Parse IAM JSON with located errors (the same parser, from its JSON rule)."""
    return ToSyntax(file).transform(parse(text, file, "json_object").tree)


