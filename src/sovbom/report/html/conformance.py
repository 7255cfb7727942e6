"""A minimum-elements conformance report: the verdict, the document's elements, per-element
counts, and the components lacking a required element (the template ``report/tables.html.j2``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.conformance_views import (
    MAX_COMPONENTS,
    element_rows,
    failing_components,
    headline,
)
from sovbom.report.html.page import macro, page

if TYPE_CHECKING:
    from sovbom.conformance import ConformanceReport


def render_conformance(report: ConformanceReport) -> str:
    p = report.profile
    failing = failing_components(report)
    view = {
        "headline": headline(report), "bom_source": report.bom_source,
        "bom_sha256": report.bom_sha256, "title": p.title,
        "source": f"{p.source.publisher}, {p.source.document} ({p.source.date})",
        "url": p.source.url,
        "document": [(v.element.name, v.status.value, v.detail) for v in report.document],
        "elements": [(name, req, pr, un, mi, na)
                     for name, scope, req, pr, un, mi, na in element_rows(report)
                     if scope == "component"],
        "failing": failing[:MAX_COMPONENTS], "failing_total": len(failing),
    }  # fmt: skip
    return page(f"sovbom conformance: {p.id}",
                str(macro("report/tables.html.j2", "conformance", view)))  # fmt: skip
