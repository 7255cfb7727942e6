"""The terminal report (rich): a summary, the domestic share by class, and the findings."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from sovbom.checking import CheckReport
from sovbom.policy import Severity
from sovbom.report.interface import verdict_line

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_table(report: CheckReport, *, color: bool = False, max_findings: int = 200) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, no_color=not color, width=140, soft_wrap=False
    )
    r = report.result
    fails, line = verdict_line(report)
    console.print(
        f"[bold]{report.bom_source}[/]: [{'red' if fails else 'green'}]{line}[/]"
        f"  ({r.components} components; policy {report.policy.source})"
    )
    if report.signature:
        sig = report.signature
        console.print(
            f"signature: {sig.get('status')} by {sig.get('identity')} ({sig.get('issuer')});"
            f" roles: {', '.join(sig.get('roles') or []) or 'none'}"
        )
    shares = Table(title="Domestic share by class", show_lines=False)
    for col in ("class", "total", "domestic", "approved", "other", "unknown", "share"):
        shares.add_column(col, justify="left" if col == "class" else "right")
    for cls, share in [*r.by_class.items(), ("all", r.total_share())]:
        d = share.to_dict()
        pct = "n/a" if d["domestic_share"] is None else f"{d['domestic_share']:.0%}"
        shares.add_row(
            cls,
            str(share.total),
            str(share.domestic),
            str(share.approved),
            str(share.other),
            str(share.unknown),
            pct,
        )
    console.print(shares)
    if r.findings:
        table = Table(title=f"Findings ({len(r.findings)})")
        for col in ("severity", "rule", "component", "finding", "countries", "level", "path"):
            table.add_column(col, overflow="fold")
        for f in r.findings[:max_findings]:
            path = " > ".join(report.graph.names(f.paths[0])) if f.paths else (f.json_path or "")
            sev = f.severity.label + (" (exempted)" if f.exempted_by else "")
            table.add_row(
                f"[{_STYLE[f.severity]}]{sev}[/]",
                f.rule.value,
                f"{f.name or ''}\n[dim]{f.ref or ''}[/]" if f.name else (f.ref or ""),
                f.message,
                ", ".join(f.countries),
                f.level.label if f.level is not None else "",
                path,
            )
        console.print(table)
        if len(r.findings) > max_findings:
            console.print(f"... and {len(r.findings) - max_findings} more (use --format json).")
    else:
        console.print("No findings.")
    counts = r.counts_by_severity()
    console.print("findings: " + ", ".join(f"{k} {v}" for k, v in reversed(counts.items())))
    return buf.getvalue()
