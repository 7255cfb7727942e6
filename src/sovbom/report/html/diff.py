"""The diff of two BOMs: the verdict, both documents, counts, and every difference (the template
``report/tables.html.j2``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.diff_views import MAX_ROWS, headline, rows
from sovbom.report.html.page import macro, page

if TYPE_CHECKING:
    from sovbom.diff import DiffReport


def render_diff(report: DiffReport) -> str:
    found = rows(report)
    view = {
        "verdict": "fail" if report.changed else "pass", "headline": headline(report),
        "a": report.a, "b": report.b, "counts": list(report.counts().items()),
        "rows": found[:MAX_ROWS], "total": len(found),
    }  # fmt: skip
    return page("sovbom diff", str(macro("report/tables.html.j2", "diff", view)))


__all__ = ["render_diff"]
