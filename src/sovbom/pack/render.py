"""Rendering an inspection (table, json, markdown; html in sovbom.report.html)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from sovbom.pack.inspect import InspectReport


def render_inspect(report: InspectReport, fmt: str) -> bytes:
    """Render an inspection report: ``table``, ``json``, ``markdown`` or ``html``."""
    if fmt == "json":
        return orjson.dumps(
            report.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
        )
    if fmt == "html":
        from sovbom.report.html import render_inspect_html

        return render_inspect_html(report).encode("utf-8")
    if fmt not in ("table", "markdown"):
        raise ValueError(f"unknown inspect report format {fmt!r}")
    md = fmt == "markdown"
    verdict = "HOLDS" if report.holds else "DOES NOT HOLD"
    lines: list[str] = []
    if md:
        lines += [f"# Evidence pack inspection: {verdict}", ""]
    else:
        lines += [f"evidence pack {report.archive}: {verdict}"]
    lines.append(f"archive sha256: {report.archive_sha256}")
    lines.append(f"as of: {report.index.get('as_of')}")
    root = report.trust_root or {}
    lines.append(
        f"trust: {report.trust_source}"
        + (f" ({root.get('source')}, sha256 {root.get('sha256')})" if root else "")
        + (f"; signers: {report.signers_source}" if report.signers_source else "")
    )
    lines += [f"WARNING: {w}" for w in report.warnings]
    lines.append(f"checks: {len(report.checks)}, failed: {len(report.failures)}")
    lines.append("")
    if md:
        lines += ["| result | kind | subject | detail |", "| --- | --- | --- | --- |"]
        for c in report.checks:
            cells = [("ok" if c.ok else "**FAIL**"), c.kind, f"`{c.subject}`", c.detail]
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    else:
        for c in report.checks:
            lines.append(f"{'ok  ' if c.ok else 'FAIL'}  {c.kind:<10} {c.subject}: {c.detail}")
    return ("\n".join(lines) + "\n").encode("utf-8")
