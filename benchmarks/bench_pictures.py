"""Pictures benchmark: building the Permissions Graph of a synthetic organization, and drawing it.

    python benchmarks/bench_pictures.py [--sizes 300 1000 3000] [--seed 1] [--json]

For each size (DSL statements, `iamdsl.testing.generator.org_text`), it loads
the model, then times:

- `build s`: `build_graph` (every principal asked about every declared
  resource, one action group at a time, plus the become edges);
- `mermaid s`, `dot s`: rendering the graph as text;
- `svg s`: Graphviz's `dot -Tsvg` on the DOT text (left out when Graphviz is
  not installed).

It prints the model's size (principals, resources) and the graph's (vertices,
edges) beside the times.  There is no target: pictures of large models are
meant to be filtered (`--principal`, `--resource`).  It always exits 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

from iamdsl.engine.evaluate import Evaluator
from iamdsl.graph.build import build_graph
from iamdsl.interop.dot import to_dot, to_svg
from iamdsl.interop.mermaid import to_mermaid
from iamdsl.language.loader import load_text
from iamdsl.testing.generator import org_text


def _timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def measure(statements: int, seed: int) -> dict:
    model = load_text(org_text(statements, seed=seed), "org.iam").model
    graph, build = _timed(lambda: build_graph(model, evaluator=Evaluator(model)))
    _, mermaid = _timed(lambda: to_mermaid(graph))
    dot_text, dot = _timed(lambda: to_dot(graph))
    svg = _timed(lambda: to_svg(dot_text))[1] if shutil.which("dot") else None
    return {
        "statements": statements,
        "principals": len(model.principals),
        "resources": len(model.resources),
        "vertices": len(graph.vertices),
        "edges": len(graph.edges),
        "build_s": round(build, 3),
        "mermaid_s": round(mermaid, 4),
        "dot_s": round(dot, 4),
        "svg_s": None if svg is None else round(svg, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        row = measure(size, args.seed)
        rows.append(row)
        if not args.json:
            svg = "no Graphviz" if row["svg_s"] is None else f"{row['svg_s']:.2f}"
            print(
                f"{size:>6} statements: {row['principals']} principals, {row['resources']} resources -> "
                f"{row['vertices']} vertices, {row['edges']} edges; build {row['build_s']:.2f} s, "
                f"mermaid {row['mermaid_s']:.3f} s, dot {row['dot_s']:.3f} s, svg {svg} s",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
