"""Where the components matching a ``trace`` query are: per BOM, each match and its paths (the
template ``report/trace.html.j2``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.html.page import macro, page

if TYPE_CHECKING:
    from sovbom.report.interface import TraceReport


def render_trace(report: TraceReport) -> str:
    query = report.query.describe()
    view = {
        "query": query, "headline": report.headline(),
        "boms": [{"index": i, "source": r.source, "matches": r.matches}
                 for i, r in enumerate(report.results) if r.matches],
        "misses": [r.source for r in report.results if not r.matches],
    }  # fmt: skip
    return page(f"sovbom trace: {query}", str(macro("report/trace.html.j2", "trace", view)))
