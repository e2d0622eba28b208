"""A pygments lexer for iamdsl: colours for the REPL, `pygmentize` and docs.

Stage: presentation only; nothing in the pipeline reads these tokens.

It follows `grammar/iamdsl.lark` closely enough to colour what people type,
without being a second parser: a prefixed name is an action (`s3:GetObject`)
in a statement and a condition key (`aws:SourceIp`) after `when`/`with`, so
conditions get their own state; everything else is decided by the text alone.
Registered as the pygments plugin `iamdsl` (aliases `iamdsl`, files `*.iam`),
so `pygmentize -l iamdsl design.iam` works once the package is installed.

The effects are their own token types, `Keyword.Effect.Allow` and
`Keyword.Effect.Deny`: pygments styles colour them as keywords, and the REPL's
style tells them apart (green and red).
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["IamdslLexer", "Allow", "Deny"]

Allow = Keyword.Effect.Allow
Deny = Keyword.Effect.Deny

# A keyword ends where an IDENT could not go on (IDENT takes `-`, so `role-x` is a name).
_END = r"(?![\w\-])"
_IDENT = r"[A-Za-z_][A-Za-z0-9_\-]*"
_PNAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]*:[A-Za-z0-9_.\-/*?]+"
_STRING = r'"(?:[^"\\\n]|\\.)*"'
_CIDR = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?"
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+\-]?\d+)?"

# What declares something (or, in the REPL, replaces it).
DECLARATIONS = (
    "account", "organization", "ou", "role", "user", "group", "resource", "policy", "endpoint",
    "scp", "rcp", "region", "partition", "now", "include", "verb", "delegate", "replace",
    "management", "features", "trust", "boundary", "attach", "detach", "member", "tags", "path",
    "sid", "vpc", "expect",
)
# Everything else the grammar spells out, except the effects and the operators.
KEYWORDS = (
    "can", "cannot", "who", "what", "how", "do", "reach", "only", "because", "except", "roots",
    "on", "to", "when", "with", "as", "session", "from", "json", "of", "no", "self", "anyone",
    "anonymous", "service", "federated", "canonical", "oidc", "saml", "external", "enabled",
)
OPERATOR_WORDS = ("and", "or", "not", "like", "in", "is", "exists", "before", "after", "any", "all")
CONSTANTS = ("true", "false", "null")
# Clauses that leave a condition list: the next statement, a session, the block's end.
_LEAVES_CONDITIONS = (
    "allow", "deny", "sid", "as", "policy", "trust", "attach", "boundary", "member", "tags", "path",
    "account", "organization", "role", "user", "group", "resource", "endpoint", "delegate", "expect",
    "region", "partition", "now", "include", "verb", "replace", "can", "who", "what", "how",
)


def _nothing(lexer, match):
    """Leave a state without consuming anything (the next state lexes the text)."""
    return iter(())


class IamdslLexer(RegexLexer):
    """Tokens of the iamdsl language, its queries and the REPL's meta-commands."""

    name = "iamdsl"
    aliases = ["iamdsl"]
    filenames = ["*.iam"]
    mimetypes = ["text/x-iamdsl"]
    url = "https://github.com/iamdsl/iamdsl"

    tokens = {
        "root": [
            # A meta-command stands first on its line: `:explain full`.
            (r"^([^\S\n]*)(:[A-Za-z][\w!\-]*)", bygroups(Whitespace, Name.Builtin), "meta"),
            (words(("when", "with"), suffix=_END), Keyword, "conditions"),
            # `resource A.repo : ecr:repository "app"`: the colon introduces a resource type.
            (r"(:)(\s*)(" + _PNAME + ")", bygroups(Punctuation, Whitespace, Keyword.Type)),
            # Outside conditions, `in` only places a resource in a region.
            (r"(in)(\s+)(" + _IDENT + ")", bygroups(Keyword, Whitespace, Name.Constant)),
            include("common"),
            (_PNAME, Name.Function),
            include("names"),
        ],
        "conditions": [
            (words(_LEAVES_CONDITIONS, prefix="(?=", suffix=_END + ")"), _nothing, "#pop"),
            (r"(?=[}])", _nothing, "#pop"),
            (r"^(?=[^\S\n]*:[A-Za-z])", _nothing, "#pop"),
            include("common"),
            # `ForAnyValue:StringLike` is a set operator; any other prefixed name is a key.
            (r"(?:ForAnyValue|ForAllValues):[A-Za-z]+", Operator.Word),
            (_PNAME, Name.Variable),
            # The full IAM form: `StringNotEqualsIfExists aws:SourceVpce [...]`.
            (r"[A-Z][A-Za-z]*" + _END, Operator.Word),
            include("names"),
        ],
        "meta": [
            (r"\n", Whitespace, "#pop"),
            (r"[^\S\n]+", Whitespace),
            (_STRING, String.Double),
            (r"[^\s\"]+", Name.Constant),
        ],
        "common": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (_STRING, String.Double),
            (words(("allow",), suffix=_END), Allow),
            (words(("deny",), suffix=_END), Deny),
            (_CIDR, Number),
            (r"-?\d+\.\d+(?:[eE][+\-]?\d+)?|-?\d+[eE][+\-]?\d+", Number.Float),
            (r"-?\d+", Number.Integer),
            (r"==|!=|<=|>=|<|>|=", Operator),
            (r"\*", Operator),
            (r"[{}\[\](),./:?]", Punctuation),
        ],
        "names": [
            # `A.repo`, `B.SomeRole`, `A."team/app"`: the account, then the entity.
            (r"(" + _IDENT + r")(\.)(" + _STRING + ")", bygroups(Name.Namespace, Punctuation, String.Double)),
            # Three or more parts are a dotted name (`sns.amazonaws.com`), not a reference.
            (_IDENT + r"(?:\." + _IDENT + r"){2,}", Name.Other),
            (r"(" + _IDENT + r")(\.)(" + _IDENT + ")", bygroups(Name.Namespace, Punctuation, Name.Class)),
            (words(DECLARATIONS, suffix=_END), Keyword.Declaration),
            (words(KEYWORDS, suffix=_END), Keyword),
            (words(OPERATOR_WORDS, suffix=_END), Operator.Word),
            (words(CONSTANTS, suffix=_END), Keyword.Constant),
            (_IDENT, Name),
            (r".", Error),
        ],
    }
