"""`# iamdsl: ignore[CODE]` silences a finding on its own line or the next, and nothing else."""

from __future__ import annotations

import pytest

from iamdsl.language.loader import load_paths, load_text
from iamdsl.specs.lint import lint

HEAD = "account A 111111111111\n"
TYPO = "role A.R { allow s3:GetObjet on * }"

CASES = [
    ("same-line", f"{TYPO}  # iamdsl: ignore[L001] a new action\n", True),
    ("line-before", f"# iamdsl: ignore[L001] a new action\n{TYPO}\n", True),
    ("among-several-codes", f"{TYPO}  # iamdsl: ignore[L010, L001]\n", True),
    ("lowercase-code", f"{TYPO}  # iamdsl: ignore[l001]\n", True),
    ("another-code", f"{TYPO}  # iamdsl: ignore[L002]\n", False),
    ("two-lines-before", f"# iamdsl: ignore[L001]\n\n{TYPO}\n", False),
    ("plain-comment", f"{TYPO}  # ignore L001\n", False),
]


@pytest.mark.parametrize(("text", "silenced"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_suppression(text, silenced):
    report = lint(load_text(HEAD + text, "design.iam"))
    standing = [f for f in report.findings if f.code == "L001"]
    quiet = [f for f in report.suppressed if f.code == "L001"]
    assert (len(standing), len(quiet)) == ((0, 1) if silenced else (1, 0))


def test_the_suppression_keeps_its_comment():
    report = lint(load_text(HEAD + f"{TYPO}  # iamdsl: ignore[L001] the catalogue lags\n", "design.iam"))
    [finding] = report.suppressed
    assert finding.suppressed_by == "iamdsl: ignore[L001] the catalogue lags"


def test_a_finding_in_a_from_document_is_silenced_at_its_from_line(tmp_path):
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",'
        ' "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}'
    )
    (tmp_path / "public.json").write_text(document, encoding="utf-8")
    design = tmp_path / "design.iam"
    line = 'resource A.b : s3:bucket "b" {{ policy from "public.json" }}{comment}\n'
    design.write_text(HEAD + line.format(comment=""), encoding="utf-8")
    [finding] = [f for f in lint(load_paths([design])).findings if f.code == "L006"]
    assert finding.span.file.endswith("public.json")
    design.write_text(HEAD + line.format(comment="  # iamdsl: ignore[L006] a public bucket"), encoding="utf-8")
    report = lint(load_paths([design]))
    assert [f.code for f in report.suppressed] == ["L006"]
    assert not [f for f in report.findings if f.code == "L006"]
