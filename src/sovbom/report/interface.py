"""Report formats and the data every check report carries."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from sovbom.checking import CheckReport


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"


def verdict_line(report: CheckReport) -> tuple[bool, str]:
    """Whether the check fails, and a one-line summary: ``FAIL: 2 high, 5 low (fails on high)``."""
    from sovbom.policy import Severity

    r = report.result
    fails = r.fails(Severity.parse(report.fail_on))
    counts = [f"{n} {sev}" for sev, n in reversed(r.counts_by_severity().items()) if n]
    exempted = sum(1 for f in r.findings if not f.counts)
    text = ", ".join(counts) or "no findings"
    if exempted:
        text += f"; {exempted} exempted"
    return fails, f"{'FAIL' if fails else 'PASS'}: {text} (fails on {report.fail_on} and above)"


def render_check(report: CheckReport, fmt: ReportFormat, *, color: bool = False) -> bytes:
    """Render a check report; every format is handled (a test checks it)."""
    if fmt is ReportFormat.JSON:
        from sovbom.report.json_report import render_json

        return render_json(report)
    if fmt is ReportFormat.SARIF:
        from sovbom.report.sarif import render_sarif

        return render_sarif(report)
    if fmt is ReportFormat.MARKDOWN:
        from sovbom.report.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt is ReportFormat.TABLE:
        from sovbom.report.table import render_table

        return render_table(report, color=color).encode("utf-8")
    if fmt is ReportFormat.HTML:
        from sovbom.report.html import render_check_html

        return render_check_html(report).encode("utf-8")
    assert_never(fmt)
