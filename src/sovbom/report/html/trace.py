"""Where the components matching a ``trace`` query are: per BOM, each match and its paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.html.page import esc, page

if TYPE_CHECKING:
    from sovbom.report.interface import TraceReport
    from sovbom.trace import TraceResult


def render_trace(report: TraceReport) -> str:
    query = report.query.describe()
    misses = [r.source for r in report.results if not r.matches]
    body = f"<h1>Trace: <code>{esc(query)}</code></h1><p>{esc(report.headline())}.</p>" + "".join(
        _bom(r, i) for i, r in enumerate(report.results) if r.matches
    )
    if misses:
        body += (
            "<h2>No match</h2><ul>"
            + "".join(f"<li><code>{esc(source)}</code></li>" for source in misses)
            + "</ul>"
        )
    return page(f"sovbom trace: {query}", body)


def _bom(r: TraceResult, i: int) -> str:
    rows = []
    for m in r.matches:
        paths = "<br>".join(esc(" \u203a ".join(names)) for names in m.path_names)
        if not m.paths:
            paths = "not reachable from the root"
        if m.truncated:
            paths += "<br>\u2026 more paths (raise --max-paths)"
        rows.append(
            f"<tr><td>{esc(m.name)}</td><td>{esc(m.type)}</td>"
            f"<td>{esc(', '.join(m.countries))}</td>"
            f'<td class="path">{paths}</td><td><code>{esc(m.ref)}</code></td></tr>'
        )
    tid = f"t{i}-matches"
    return (
        f'<h2 id="bom-{i}"><code>{esc(r.source)}</code> ({len(r.matches):,})</h2>'
        f'<input class="filter" type="search" hidden placeholder="Filter matches\u2026"'
        f' data-table="{tid}" data-count="{tid}-count" aria-label="Filter matches">'
        f' <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}"><thead><tr><th>component</th><th>type</th><th>countries</th>'
        "<th>paths from the server root</th><th>bom-ref</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
