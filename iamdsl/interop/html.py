"""One self-contained HTML page: the Permissions Graph and every `expect` result.

Stage: rendering (PermissionsGraph + expectation results -> HTML).  The page
needs no network, ever: the CSS is inline, the picture is Graphviz's SVG
inlined into the page (its XML prolog and namespace declarations dropped: an
HTML parser needs neither), and a Content-Security-Policy that allows
nothing to be fetched makes sure of it.  Without Graphviz the page says so,
and shows what it can without it: the Mermaid and DOT sources.  The tables of
edges and vertices are there in both cases, so every label can be read and
searched as text.
"""

from __future__ import annotations

import re
from html import escape
from typing import Mapping, Sequence

from iamdsl.explain.phrases import location
from iamdsl.graph.elements import PermissionsGraph
from iamdsl.interop.dot import GraphvizFailed, GraphvizMissing, to_dot, to_svg
from iamdsl.interop.mermaid import to_mermaid
from iamdsl.interop.picture import arrows
from iamdsl.model import Model
from iamdsl.specs import report
from iamdsl.specs.expectations import ExpectationResult, Status

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #1f2328; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 2em; }
.files { color: #57606a; }
.picture { overflow: auto; border: 1px solid #d0d7de; border-radius: 6px; padding: 1em; background: #fff; }
.picture svg { display: block; margin: 0 auto; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .6em 1em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #d8dee4; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: .8em; border-radius: 6px; overflow: auto; }
.status { font-weight: 600; padding: .1em .5em; border-radius: 1em; }
.pass { background: #dafbe1; color: #116329; } .fail { background: #ffebe9; color: #a40e26; }
.conditional { color: #9a6700; }
"""
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)  # the XML declaration, DOCTYPE and comments before <svg>
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def render_page(
    graph: PermissionsGraph,
    model: Model,
    results: Sequence[ExpectationResult],
    *,
    files: Sequence[str],
    sources: Mapping[str, str] | None = None,
) -> str:
    """The page; the picture comes from Graphviz when it is installed."""
    dot = to_dot(graph)
    try:
        svg, missing = inline_svg(to_svg(dot)), None
    except (GraphvizMissing, GraphvizFailed) as error:
        svg, missing = None, str(error)
    return to_html(graph, model, results, files=files, sources=sources, svg=svg, missing=missing, dot=dot)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG, ready to sit inside HTML: no prolog, no namespace URLs."""
    svg = _PROLOG.sub("", svg, count=1)
    head, _, rest = svg.partition(">")
    return _NAMESPACES.sub("", head) + ">" + rest


def to_html(
    graph: PermissionsGraph,
    model: Model,
    results: Sequence[ExpectationResult],
    *,
    files: Sequence[str],
    sources: Mapping[str, str] | None = None,
    svg: str | None,
    missing: str | None = None,
    dot: str | None = None,
) -> str:
    passed, failed = report.counts(list(results))
    title = "Permissions Graph of " + ", ".join(files) if files else "Permissions Graph"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # Nothing may be fetched: no script, font, image or stylesheet from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Permissions Graph</h1>",
        f'<p class="files">{escape(", ".join(files))}</p>',
        f"<p>{len(graph.vertices)} vertices, {len(graph.edges)} edges; "
        f"{len(results)} expectations: {passed} passed, {failed} failed</p>",
        "<h2>Picture</h2>",
    ]
    if svg is not None:
        parts.append(f'<div class="picture">{svg}</div>')
    else:
        parts.append(f'<p class="notice">No picture: {escape(missing or "Graphviz is not available")}. '
                     "Install Graphviz and run again for the picture; the edges are listed below, "
                     "and the Mermaid and DOT sources can be drawn elsewhere.</p>")
        parts.append(f"<h3>Mermaid</h3><pre>{escape(to_mermaid(graph))}</pre>")
        parts.append(f"<h3>DOT</h3><pre>{escape(dot or to_dot(graph))}</pre>")
    parts += _expectations(results, model, sources or {})
    parts += _edges(graph)
    parts += _vertices(graph)
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _expectations(results: Sequence[ExpectationResult], model: Model, sources: Mapping[str, str]) -> list[str]:
    rows = ["<h2>Expectations</h2>"]
    if not results:
        return rows + ["<p>The files hold no <code>expect</code> lines.</p>"]
    rows.append("<table><thead><tr><th>result</th><th>expectation</th><th>where</th><th>why</th></tr></thead><tbody>")
    for result in results:
        passed = result.status is Status.PASS
        word, css = ("PASS", "pass") if passed else ("FAIL", "fail")
        why = escape(result.message)
        if not passed:
            explanation = report.explain_failure(result, model, sources)
            if explanation:
                why += f"<pre>{escape(explanation)}</pre>"
        rows.append(
            f'<tr><td><span class="status {css}">{word}</span></td>'
            f"<td><code>{escape(report.headline(result))}</code></td>"
            f"<td>{escape(location(result.expectation.span) or '')}</td><td>{why}</td></tr>"
        )
    rows.append("</tbody></table>")
    return rows


def _edges(graph: PermissionsGraph) -> list[str]:
    rows = ["<h2>Edges</h2>"]
    drawn = arrows(graph)
    if not drawn:
        return rows + ["<p>No edges: no principal is allowed anything on the resources shown.</p>"]
    rows.append("<table><thead><tr><th>from</th><th>edge</th><th>to</th><th>actions</th><th>conditions</th><th>made by</th></tr></thead><tbody>")
    for arrow in drawn:
        made = " at ".join(p for p in (arrow.edge.policy, location(arrow.edge.span)) if p)
        css = ' class="conditional"' if arrow.conditional else ""
        rows.append(
            f"<tr{css}><td>{escape(_label(graph, arrow.source))}</td><td>--{escape(arrow.head)}--&gt;</td>"
            f"<td>{escape(_label(graph, arrow.target))}</td><td>{escape(arrow.all_actions)}</td>"
            f"<td>{'<br>'.join(escape(c) for c in arrow.conditions)}</td><td>{escape(made)}</td></tr>"
        )
    rows.append("</tbody></table>")
    return rows


def _vertices(graph: PermissionsGraph) -> list[str]:
    rows = ["<h2>Vertices</h2>", "<table><thead><tr><th>vertex</th><th>kind</th><th>account</th><th>ARN</th></tr></thead><tbody>"]
    for vertex in graph.vertices.values():
        rows.append(
            f"<tr><td>{escape(vertex.label)}</td><td>{escape(vertex.kind.value)}</td>"
            f"<td>{escape(vertex.account or '')}</td><td><code>{escape(vertex.arn or '')}</code></td></tr>"
        )
    rows.append("</tbody></table>")
    return rows


def _label(graph: PermissionsGraph, vertex: str) -> str:
    found = graph.vertices.get(vertex)
    return found.label if found is not None else vertex
