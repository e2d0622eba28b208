"""SVG through Graphviz, and the self-contained HTML page rendered in headless Chromium.

CI installs both programs (`.ci/run`: Debian's graphviz and chromium), so a
missing one fails these tests with a message saying so; it never skips them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from browser import render

import iamdsl
from iamdsl.cli import main
from iamdsl.engine.evaluate import Evaluator
from iamdsl.graph.build import build_graph
from iamdsl.interop.html import render_page
from iamdsl.specs import report
from iamdsl.specs.expectations import Status, run_all

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ECR = EXAMPLES / "ecr_delegation.iam"
CICD = EXAMPLES / "cicd_oidc_chain.iam"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _graphviz():
    if shutil.which("dot") is None:
        pytest.fail("these tests need Graphviz's dot; `.ci/run` installs it (apt-get install graphviz)")


def _svg_texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("path", [ECR, CICD], ids=lambda p: p.name)
def test_svg_shows_every_vertex_label(path, capsys):
    assert main(["graph", str(path), "--format", "svg", "--no-cache"]) == 0
    svg = capsys.readouterr().out
    texts = _svg_texts(svg)
    for vertex in build_graph(iamdsl.load(path)).vertices.values():
        assert vertex.label in texts, f"{vertex.label} is not drawn"


def test_svg_of_the_guides_example_labels_its_edges(capsys):
    assert main(["graph", str(ECR), "--format", "svg", "--no-cache"]) == 0
    texts = _svg_texts(capsys.readouterr().out)
    assert "Allow: pull" in texts and "Delegate: pull" in texts


def test_svg_without_graphviz_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # a directory without `dot`
    assert main(["graph", str(ECR), "--format", "svg", "--no-cache"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("iamdsl graph: error: --format svg needs Graphviz's `dot` program, and it is not installed")
    assert "help: install Graphviz" in captured.err and "--format dot or --format mermaid" in captured.err


# ---------------------------------------------------------------- the HTML page in a browser

FAILING = ECR.read_text(encoding="utf-8") + "\nexpect can B.OtherRole pull A.repo\n"


def _page(tmp_path: Path, path: Path, text: str | None = None) -> tuple[Path, Path]:
    if text is not None:
        path = tmp_path / path.name
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "graph.html"
    assert main(["graph", str(path), "--format", "html", "-o", str(out), "--no-cache"]) == 0
    return path, out


@pytest.mark.parametrize(("path", "text"), [(CICD, None), (ECR, FAILING)], ids=["cicd_oidc_chain", "ecr_with_a_failure"])
def test_the_page_shows_every_vertex_and_every_expectation_and_fetches_nothing(tmp_path, path, text):
    source, page = _page(tmp_path, path, text)
    model = iamdsl.load(source)
    results = run_all(model, Evaluator(model))
    rendered = render(page)
    assert rendered.requests == [page.resolve().as_uri()], "the page made a request besides its own file"
    for vertex in build_graph(model).vertices.values():
        assert vertex.label in rendered.svg_text, f"the picture lacks {vertex.label}"
    statuses = {r.status for r in results}
    assert len(results) == len(model.expectations) > 0
    for result in results:
        word = "PASS" if result.status is Status.PASS else "FAIL"
        row = f"{word} {report.headline(result)}"
        assert any(line.startswith(row) for line in rendered.rows), f"no row `{row}` on the page"
    if text is not None:
        assert statuses == {Status.PASS, Status.FAIL}
        assert "fix (in account B): role B.OtherRole { allow pull on A.repo }" in rendered.text  # a failure is explained


def test_the_request_check_sees_a_page_that_fetches(tmp_path):
    """The check above can fail: a page with an image and a stylesheet from elsewhere is caught."""
    page = tmp_path / "fetching.html"
    page.write_text('<!DOCTYPE html><p>x</p><img src="http://192.0.2.1/x.png"><link rel="stylesheet" href="https://example.invalid/a.css">')
    rendered = render(page)
    assert set(rendered.requests) == {page.resolve().as_uri(), "http://192.0.2.1/x.png", "https://example.invalid/a.css"}


def test_the_page_has_no_external_reference_at_all(tmp_path):
    _, page = _page(tmp_path, CICD)
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html


def test_without_graphviz_the_page_says_so_and_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    model = iamdsl.load(ECR)
    html = render_page(build_graph(model), model, run_all(model), files=[str(ECR)])
    assert "No picture: --format svg needs Graphviz" in html
    assert "flowchart LR" in html and "digraph" in html  # the sources, to draw elsewhere
    assert "<svg" not in html
    assert "<td>A.repo</td><td>--Allow--&gt;</td><td>B.root</td><td>pull</td>" in html  # the edges, as a table
    for result in run_all(model):
        assert report.headline(result) in html
