"""The diff report's content, shared by the formats: JSON form, rows, table, Markdown.

Rows list every component that differs (removed, added, changed, moved), with what differs;
unchanged components are only counted (the JSON report lists the differences, not them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovbom import __version__
from sovbom.report.text import plain

if TYPE_CHECKING:
    from sovbom.diff import DiffReport, Entry, Side

#: rows shown (table, Markdown, HTML) before "... and N more"
MAX_ROWS = 500
_ARROW = "\u2192"


def diff_dict(report: DiffReport) -> dict[str, Any]:
    return {
        "sovbom_report": "diff",
        "format_version": 1,
        "tool": {"name": "sovbom", "version": __version__},
        "a": report.a.to_dict(),
        "b": report.b.to_dict(),
        "changed": report.changed,
        "summary": report.counts(),
        "differences": [e.to_dict() for e in report.differences],
    }


def what(entry: Entry) -> str:
    """What differs, in one line: ``field: a -> b; ...``, and where it moved."""
    parts = [f"{c.field}: {_shown(c.a)} {_ARROW} {_shown(c.b)}" for c in entry.changes]
    if entry.moved_from is not None and entry.moved_to is not None:
        parts.append(f"moved from {entry.moved_from.describe()} to {entry.moved_to.describe()}")
    return "; ".join(parts)


def _shown(value: str | None) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= 80 else value[:79] + "\u2026"


def rows(report: DiffReport) -> list[tuple[str, str, str, str, str]]:
    """(status, kind, component, detail, what differs) per difference."""
    out = []
    for e in report.differences:
        name = f"{e.name} ({e.cls})" if e.cls and e.cls != str(e.kind) else e.name
        out.append((str(e.status), str(e.kind), name, e.detail or "", what(e)))
    return out


def side_line(label: str, side: Side) -> str:
    """``A: file (sha256 ..., version N, signed by X)``."""
    bits = [f"sha256 {side.sha256[:16]}\u2026"]
    if side.version is not None:
        bits.append(f"version {side.version}")
    if side.signature is not None:
        bits.append(f"signed by {side.signature.get('identity') or 'a trusted signer'}")
    return f"{label}: {side.source} ({', '.join(bits)})"


def headline(report: DiffReport) -> str:
    return ("CHANGED: " if report.changed else "SAME: ") + report.headline()


def markdown_lines(report: DiffReport) -> list[str]:
    def cell(v: object) -> str:
        return plain(v).replace("|", "\\|")

    lines = [
        f"# sovbom diff: {cell(headline(report))}",
        "",
        f"- {cell(side_line('A', report.a))}",
        f"- {cell(side_line('B', report.b))}",
        "",
        "| status | count |",
        "|---|---:|",
        *(f"| {k} | {v} |" for k, v in report.counts().items()),
    ]
    found = rows(report)
    if found:
        lines += ["", "## Differences", "", "| status | kind | component | detail | what differs |",
                  "|---|---|---|---|---|"]  # fmt: skip
        lines += [
            f"| {s} | {k} | {cell(n)} | {cell(d)} | {cell(w)} |"
            for s, k, n, d, w in found[:MAX_ROWS]
        ]
        if len(found) > MAX_ROWS:
            lines.append(f"\n... and {len(found) - MAX_ROWS} more (see the JSON report)")
    return lines


def table_text(report: DiffReport, color: bool) -> str:
    import io

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, no_color=not color, width=160, soft_wrap=False
    )
    style = "yellow" if report.changed else "green"
    console.print(f"[{style}]{escape(plain(headline(report)))}[/]")
    console.print(escape(plain(side_line("A", report.a))))
    console.print(escape(plain(side_line("B", report.b))))
    found = rows(report)
    if found:
        table = Table()
        for col in ("status", "kind", "component", "detail", "what differs"):
            table.add_column(col)
        for row in found[:MAX_ROWS]:
            table.add_row(*(escape(plain(x)) for x in row))
        console.print(table)
        if len(found) > MAX_ROWS:
            console.print(f"... and {len(found) - MAX_ROWS} more (use --format json)")
    return buf.getvalue()


__all__ = ["MAX_ROWS", "diff_dict", "headline", "markdown_lines", "rows", "side_line",
           "table_text", "what"]  # fmt: skip
