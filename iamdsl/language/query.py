"""Query text to a resolved query, against a loaded model.

Stage: text -> syntax -> model terms, for `iamdsl query`, the REPL and
`expect` alike: the same grammar (its `query` rule) and the same name
resolution as files, so a query and an `expect` line mean the same thing.
"""

from __future__ import annotations

from iamdsl.language.errors import IamdslError, Severity
from iamdsl.language.resolve import ResolvedQuery, Resolver
from iamdsl.language.transformer import parse_query
from iamdsl.model import Model


def resolve_query_text(model: Model, text: str, name: str = "<query>") -> tuple[ResolvedQuery, list]:
    """Parse and resolve a query; raise IamdslError on any error.  Returns the warnings too."""
    syntax = parse_query(text, name)
    resolver = Resolver.for_model(model)
    resolved = resolver.resolve_query(syntax)
    errors = [d for d in resolver.out.diagnostics if d.severity is Severity.ERROR]
    if errors or resolved is None:
        raise IamdslError(resolver.out.diagnostics, {name: text})
    return resolved, [d for d in resolver.out.diagnostics if d.severity is Severity.WARNING]
