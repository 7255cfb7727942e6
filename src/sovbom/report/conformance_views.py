"""The conformance report's content, shared by the formats: JSON form, table, Markdown.

Rows list, per element, how many components have it, lack it, or say it is unknown; then the
components with a required element missing (the per-component detail is complete in JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovbom import __version__
from sovbom.report.text import plain

if TYPE_CHECKING:
    from sovbom.conformance import ConformanceReport

#: components listed (table, Markdown) before "... and N more"
MAX_COMPONENTS = 200


def conformance_dict(report: ConformanceReport) -> dict[str, Any]:
    p = report.profile
    counts = report.element_counts()
    return {
        "sovbom_report": "conformance",
        "format_version": 1,
        "tool": {"name": "sovbom", "version": __version__},
        "bom": {"source": report.bom_source, "sha256": report.bom_sha256},
        "profile": {
            "id": p.id,
            "title": p.title,
            "source": {
                "publisher": p.source.publisher,
                "document": p.source.document,
                "date": p.source.date,
                "url": p.source.url,
            },
        },
        "verdict": report.verdict,
        "conforms": report.conforms,
        "fail_on": report.fail_on.value,
        "summary": report.counts(),
        "elements": [
            {
                "id": e.id,
                "name": e.name,
                "scope": e.scope.value,
                "required": e.required,
                "section": e.section,
                "definition": e.definition,
                "counts": counts[e.id],
            }
            for e in p.elements
        ],
        "document": [
            {"element": v.element.id, "status": v.status.value, "detail": v.detail}
            for v in report.document
        ],
        "components": [
            {
                "bom-ref": c.ref,
                "name": c.name,
                "type": c.type,
                "json_path": c.json_path,
                "elements": {
                    v.element.id: {"status": v.status.value, "detail": v.detail} for v in c.verdicts
                },
            }
            for c in report.components
        ],
    }


def element_rows(report: ConformanceReport) -> list[tuple[str, str, str, str, str, str, str]]:
    """(element, scope, required, present, unknown, missing, n/a) per element."""
    counts = report.element_counts()
    rows = []
    for e in report.profile.elements:
        c = counts[e.id]
        rows.append(
            (
                e.name,
                e.scope.value,
                "yes" if e.required else "additional",
                str(c["present"]),
                str(c["unknown"]),
                str(c["missing"]),
                str(c["not-applicable"]),
            )
        )
    return rows


def failing_components(report: ConformanceReport) -> list[tuple[str, str, str]]:
    """(name, bom-ref, missing required elements) of each component lacking one."""
    out = []
    for c in report.components:
        missing = [v.element.name for v in c.verdicts if v.fails]
        if missing:
            out.append((c.name, c.ref, ", ".join(missing)))
    return out


def headline(report: ConformanceReport) -> str:
    n = len(report.components)
    bad = len(failing_components(report))
    doc_missing = [v.element.name for v in report.document if v.fails]
    text = f"{report.verdict} to {report.profile.id}: {bad} of {n} component(s) lack a required element"
    if doc_missing:
        text += f"; the document lacks {', '.join(doc_missing)}"
    return text


def markdown_lines(report: ConformanceReport) -> list[str]:
    def cell(v: object) -> str:
        return plain(v).replace("|", "\\|")

    p = report.profile
    lines = [
        f"# sovbom conformance: {cell(headline(report))}",
        "",
        f"- BOM: `{cell(report.bom_source)}` (sha256 `{report.bom_sha256}`)",
        f"- Profile: {cell(p.title)}; source: {cell(p.source.publisher)},"
        f" {cell(p.source.document)} ({cell(p.source.date)})"
        + (f" <{p.source.url}>" if p.source.url else ""),
        "",
        "## Document",
        "",
        "| element | status | detail |",
        "|---|---|---|",
        *(
            f"| {cell(v.element.name)} | {v.status.value} | {cell(v.detail)} |"
            for v in report.document
        ),
        "",
        "## Elements per component",
        "",
        "| element | required | present | unknown | missing | not applicable |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {cell(name)} | {req} | {pr} | {un} | {mi} | {na} |"
        for name, scope, req, pr, un, mi, na in element_rows(report)
        if scope == "component"
    ]
    failing = failing_components(report)
    if failing:
        lines += [
            "",
            "## Components lacking a required element",
            "",
            "| component | bom-ref | missing |",
            "|---|---|---|",
        ]
        lines += [
            f"| {cell(n)} | `{cell(r)}` | {cell(m)} |" for n, r, m in failing[:MAX_COMPONENTS]
        ]
        if len(failing) > MAX_COMPONENTS:
            lines.append(f"\n... and {len(failing) - MAX_COMPONENTS} more (see the JSON report)")
    return lines


def table_text(report: ConformanceReport, color: bool) -> str:
    import io

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, no_color=not color, width=140, soft_wrap=False
    )
    style = "green" if report.conforms else "red"
    console.print(
        f"[bold]{escape(plain(report.bom_source))}[/]: [{style}]{escape(plain(headline(report)))}[/]"
    )
    table = Table(title=f"{escape(report.profile.title)}")
    for col in ("element", "scope", "required", "present", "unknown", "missing", "n/a"):
        table.add_column(
            col, justify="left" if col in ("element", "scope", "required") else "right"
        )
    for row in element_rows(report):
        table.add_row(*(escape(plain(x)) for x in row))
    console.print(table)
    failing = failing_components(report)
    if failing:
        comps = Table(title="Components lacking a required element")
        for col in ("component", "bom-ref", "missing"):
            comps.add_column(col)
        for n, r, m in failing[:MAX_COMPONENTS]:
            comps.add_row(escape(plain(n)), escape(plain(r)), escape(plain(m)))
        console.print(comps)
        if len(failing) > MAX_COMPONENTS:
            console.print(f"... and {len(failing) - MAX_COMPONENTS} more (use --format json)")
    return buf.getvalue()
