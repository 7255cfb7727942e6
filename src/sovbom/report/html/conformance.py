"""A minimum-elements conformance report: the verdict, the document's elements, per-element
counts, and the components lacking a required element."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.conformance_views import (
    MAX_COMPONENTS,
    element_rows,
    failing_components,
    headline,
)
from sovbom.report.html.page import dl, esc, page

if TYPE_CHECKING:
    from sovbom.conformance import ConformanceReport


def render_conformance(report: ConformanceReport) -> str:
    p = report.profile
    source = f"{p.source.publisher}, {p.source.document} ({p.source.date})"
    body = f"<h1>Conformance: {esc(headline(report))}</h1>" + dl(
        [
            (
                "BOM",
                f"<code>{esc(report.bom_source)}</code> (sha256 <code>{esc(report.bom_sha256)}</code>)",
            ),
            ("Profile", esc(p.title)),
            (
                "Source",
                esc(source) + (f" <code>{esc(p.source.url)}</code>" if p.source.url else ""),
            ),
        ]
    )
    body += "<h2>Document</h2><table><thead><tr><th>element</th><th>status</th><th>detail</th></tr></thead><tbody>"
    body += "".join(
        f"<tr><td>{esc(v.element.name)}</td><td>{esc(v.status.value)}</td><td>{esc(v.detail)}</td></tr>"
        for v in report.document
    )
    body += "</tbody></table><h2>Elements per component</h2><table><thead><tr>"
    body += "".join(
        f"<th>{h}</th>"
        for h in ("element", "required", "present", "unknown", "missing", "not applicable")
    )
    body += "</tr></thead><tbody>"
    body += "".join(
        f"<tr><td>{esc(name)}</td><td>{esc(req)}</td><td>{pr}</td><td>{un}</td><td>{mi}</td><td>{na}</td></tr>"
        for name, scope, req, pr, un, mi, na in element_rows(report)
        if scope == "component"
    )
    body += "</tbody></table>"
    failing = failing_components(report)
    if failing:
        body += (
            f"<h2>Components lacking a required element ({len(failing):,})</h2><table><thead><tr>"
            "<th>component</th><th>bom-ref</th><th>missing</th></tr></thead><tbody>"
        )
        body += "".join(
            f"<tr><td>{esc(n)}</td><td><code>{esc(r)}</code></td><td>{esc(m)}</td></tr>"
            for n, r, m in failing[:MAX_COMPONENTS]
        )
        body += "</tbody></table>"
        if len(failing) > MAX_COMPONENTS:
            body += (
                f"<p>\u2026 and {len(failing) - MAX_COMPONENTS:,} more (see the JSON report)</p>"
            )
    return page(f"sovbom conformance: {p.id}", body)
