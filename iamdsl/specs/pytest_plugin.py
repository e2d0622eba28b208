"""A pytest plugin: the `expect` lines of `.iam` files as test items.

Stage: specs (a shell around `expectations.py`, like the check command).

Installed with iamdsl (entry point `pytest11`), and off until asked for:

    pytest --iamdsl specs/            # on the command line, or
    [tool.pytest.ini_options]
    iamdsl = true                     # in pyproject.toml (or `iamdsl = true` in pytest.ini)

Each `*.iam` file pytest collects is loaded as one model (its includes
followed), and each `expect` line written in that file is one item, named by
its line and its text:

    specs/main.iam::24: expect can B.SomeRole pull A.repo

A failing item's report is what `iamdsl check` prints: the located failure,
the explanation of the answer, and the fix.  A file that does not load is a
collection error showing the located diagnostics.  A file that is only
meaningful inside another (a part that `include` pulls in) does not load on
its own: leave it out with pytest's `--ignore`/`collect_ignore_glob`, and put
its `expect` lines in the file that includes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from iamdsl.engine.evaluate import Evaluator
from iamdsl.language.errors import IamdslError
from iamdsl.language.loader import Loaded, load_paths
from iamdsl.model import Expectation
from iamdsl.specs import report
from iamdsl.specs.expectations import ExpectationResult, Status, run_expectation


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("iamdsl", "iamdsl permission specs")
    group.addoption(
        "--iamdsl", action="store_true", default=False, help="collect the expect lines of *.iam files as test items"
    )
    group.addoption(
        "--iamdsl-explain", choices=("full", "summary", "denies"), default=None,
        help="how much of the reasoning a failure shows (default: the ini option iamdsl_explain, or denies)",
    )
    parser.addini("iamdsl", type="bool", default=False, help="collect the expect lines of *.iam files as test items")
    parser.addini("iamdsl_explain", default="denies", help="how much of the reasoning a failure shows: full, summary or denies")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("iamdsl") or config.getini("iamdsl"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".iam" and _enabled(parent.config):
        return IamFile.from_parent(parent, path=file_path)
    return None


class IamFile(pytest.File):
    """One `.iam` file: one model, one item per `expect` line written in it."""

    loaded: Loaded
    evaluator: Evaluator

    def collect(self) -> Iterator[pytest.Item]:
        self.loaded = load_paths([self.path])  # an IamdslError becomes a collection error (repr_failure)
        self.evaluator = Evaluator(self.loaded.model)
        here = self.path.resolve()
        for expectation in self.loaded.model.expectations:
            span = expectation.span
            if span is not None and Path(span.file).resolve() == here:
                name = f"{span.line}: {report.expectation_text(expectation)}"
                yield ExpectItem.from_parent(self, name=name, expectation=expectation)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]):  # type: ignore[override]
        if isinstance(excinfo.value, IamdslError):
            return excinfo.value.render()
        return super().repr_failure(excinfo)


class ExpectationFailed(Exception):
    """Raised by a failing item; carries the result for the report."""

    def __init__(self, result: ExpectationResult):
        super().__init__(result.message)
        self.result = result


class ExpectItem(pytest.Item):
    def __init__(self, *, expectation: Expectation, **kwargs) -> None:
        super().__init__(**kwargs)
        self.expectation = expectation

    @property
    def _file(self) -> IamFile:
        return self.parent  # type: ignore[return-value]

    def runtest(self) -> None:
        model, evaluator = self._file.loaded.model, self._file.evaluator
        result = run_expectation(model, self.expectation, evaluator, trace=False)
        if result.status is Status.FAIL:
            # the explanation needs the statements that nearly applied: decide again, tracing everything
            raise ExpectationFailed(run_expectation(model, self.expectation, evaluator, trace=True))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):  # type: ignore[override]
        if not isinstance(excinfo.value, ExpectationFailed):
            return super().repr_failure(excinfo)
        result = excinfo.value.result
        loaded = self._file.loaded
        mode = self.config.getoption("iamdsl_explain") or self.config.getini("iamdsl_explain")
        parts = [report.render_result(result, loaded.sources), report.explain_failure(result, loaded.model, loaded.sources, mode)]
        return "\n".join(part for part in parts if part)

    def reportinfo(self) -> tuple[Path, int, str]:
        # The failure's headline.  Not the bare item name: pytest would turn the dots of
        # a name that ends the node id into `::` (`B::SomeRole`).
        span = self.expectation.span
        line = span.line if span else 0
        return self.path, line - 1, f"{self.path.name}:{line}: {report.expectation_text(self.expectation)}"
