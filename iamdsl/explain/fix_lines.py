"""Fixes as the lines an explanation shows.

Stage: explain (fix data -> text).  design.md §1:
`fix (in account B): role B.OtherRole { allow pull on A.repo }`.
"""

from __future__ import annotations

import textwrap

from iamdsl.explain.fixes import Fix, FixKind


def fix_lines(fixes: list[Fix]) -> list[str]:
    lines = []
    for fix in fixes:
        if fix.kind is FixKind.GRANT and fix.dsl:
            where = f" (in account {fix.account})" if fix.account else ""
            dsl = fix.dsl.strip()
            if "\n" not in dsl:
                lines.append(f"fix{where}: {dsl}")
                continue
            # a block: the description on the fix line, then the DSL to paste, indented under it
            description = fix.description.removeprefix(f"in account {fix.account}: ")
            lines.append(f"fix{where}: {description}\n" + textwrap.indent(dsl, "      "))
        elif fix.kind is FixKind.BLOCKED:
            where = f" at {fix.location}" if fix.location else ""
            lines.append(f"fix: none offered: blocked by {fix.blocker}{where}; {fix.description}")
        else:
            lines.append(f"fix: {fix.description}")
    return lines


def fix_to_json(fix: Fix) -> dict:
    return {
        "kind": fix.kind.value,
        "account": fix.account,
        "description": fix.description,
        "dsl": fix.dsl,
        "blocker": fix.blocker,
        "location": fix.location,
    }
