"""The diff of two BOMs: the verdict, both documents, counts, and every difference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.diff_views import MAX_ROWS, headline, rows
from sovbom.report.html.page import dl, esc, page

if TYPE_CHECKING:
    from sovbom.diff import DiffReport, Side


def _side(side: Side) -> str:
    text = f"<code>{esc(side.source)}</code> (sha256 <code>{esc(side.sha256)}</code>"
    if side.version is not None:
        text += f", version {esc(side.version)}"
    if side.signature is not None:
        text += f", signed by <code>{esc(side.signature.get('identity'))}</code>"
    return text + ")"


def render_diff(report: DiffReport) -> str:
    verdict = "fail" if report.changed else "pass"
    body = f'<h1>sovbom diff</h1><p class="verdict {verdict}">{esc(headline(report))}</p>'
    body += dl([("A", _side(report.a)), ("B", _side(report.b))])
    body += '<h2>Summary</h2><table><thead><tr><th>status</th><th class="num">components</th>'
    body += "</tr></thead><tbody>"
    body += "".join(
        f'<tr><td>{esc(k)}</td><td class="num">{v:,}</td></tr>' for k, v in report.counts().items()
    )
    body += "</tbody></table>"
    found = rows(report)
    if found:
        body += (
            f"<h2>Differences ({len(found):,})</h2>"
            '<input class="filter" type="search" placeholder="Filter" hidden'
            ' data-table="diff-rows" data-count="diff-count"> <span id="diff-count"></span>'
            '<table id="diff-rows"><thead><tr><th>status</th><th>kind</th><th>component</th>'
            "<th>detail</th><th>what differs</th></tr></thead><tbody>"
        )
        body += "".join(
            f"<tr><td>{esc(s)}</td><td>{esc(k)}</td><td>{esc(n)}</td><td><code>{esc(d)}</code>"
            f"</td><td>{esc(w)}</td></tr>"
            for s, k, n, d, w in found[:MAX_ROWS]
        )
        body += "</tbody></table>"
        if len(found) > MAX_ROWS:
            body += f"<p>\u2026 and {len(found) - MAX_ROWS:,} more (see the JSON report)</p>"
    return page("sovbom diff", body)


__all__ = ["render_diff"]
