"""Expectation results as JUnit XML, the report format every CI system reads.

Stage: rendering (specs results -> machine format).  The shape is the common
denominator of Jenkins, GitLab, GitHub test reporters and pytest's own
`--junitxml`:

    <testsuites name="iamdsl" tests=".." failures="..">
      <testsuite name="FILE" tests=".." failures=".." errors="0" skipped="0">
        <testcase classname="FILE" name="LINE: expect can …" file="FILE" line="LINE">
          <failure message="why it failed" type="T001">explanation and fix</failure>
        </testcase>
      </testsuite>
    </testsuites>

One testsuite per file that holds `expect` lines, one testcase per line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Mapping

from iamdsl.model import Model
from iamdsl.specs import report
from iamdsl.specs.expectations import ExpectationResult, Status


def testcase_name(result: ExpectationResult) -> str:
    span = result.expectation.span
    return f"{span.line}: {report.headline(result)}" if span else report.headline(result)


def to_junit(results: list[ExpectationResult], model: Model, sources: Mapping[str, str], *, mode: str = "denies") -> str:
    """The JUnit XML document of a run, as text (with an XML declaration)."""
    groups = report.by_file(results)
    total_failed = sum(report.counts(group)[1] for group in groups.values())
    root = ET.Element("testsuites", name="iamdsl", tests=str(len(results)), failures=str(total_failed), errors="0")
    for name, group in groups.items():
        passed, failed = report.counts(group)
        suite = ET.SubElement(
            root, "testsuite", name=name, tests=str(len(group)), failures=str(failed), errors="0", skipped="0"
        )
        for result in group:
            span = result.expectation.span
            case = ET.SubElement(suite, "testcase", classname=name, name=testcase_name(result))
            if span is not None:
                case.set("file", span.file)
                case.set("line", str(span.line))
            if result.status is Status.FAIL:
                failure = ET.SubElement(case, "failure", message=result.message, type="T001")
                body = [report.render_result(result, sources), report.explain_failure(result, model, sources, mode)]
                failure.text = "\n".join(part for part in body if part) + "\n"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
