"""A Markdown check report, for a ticket, a merge request or a filing."""

from __future__ import annotations

from sovbom.checking import CheckReport
from sovbom.report.interface import verdict_line


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: CheckReport, *, max_findings: int = 500) -> str:
    r = report.result
    total = r.total_share()
    _, verdict = verdict_line(report)
    lines = [
        f"# sovbom check: {verdict}",
        "",
        f"- BOM: `{report.bom_source}` (sha256 `{report.bom_sha256}`)",
        f"- Policy: `{report.policy.source}`; domestic {', '.join(sorted(report.policy.domestic))};"
        f" approved {', '.join(sorted(report.policy.approved)) or 'none'};"
        f" denied {', '.join(sorted(report.policy.denied)) or 'none'}",
        f"- As of: {report.as_of}; fails on: {report.fail_on} and above",
    ]
    if report.signature:
        sig = report.signature
        lines.append(
            f"- Signature: {sig.get('status', '?')} ({sig.get('identity', '?')},"
            f" issuer {sig.get('issuer', '?')}, roles {', '.join(sig.get('roles') or []) or 'none'})"
        )
    else:
        lines.append("- Signature: not checked (components are at most *declared*)")
    counts = r.counts_by_severity()
    lines += [
        "",
        "## Summary",
        "",
        "| severity | findings |",
        "|---|---|",
        *(f"| {s} | {counts[s]} |" for s in reversed(list(counts))),
        "",
        f"Components: {r.components}; verification levels: "
        + ", ".join(f"{k} {v}" for k, v in r.levels.items()),
        "",
        "### Domestic share by class",
        "",
        "| class | total | domestic | approved | other | unknown | domestic share |",
        "|---|---|---|---|---|---|---|",
    ]
    for cls, share in [*r.by_class.items(), ("**all**", total)]:
        d = share.to_dict()
        pct = "n/a" if d["domestic_share"] is None else f"{d['domestic_share']:.0%}"
        lines.append(
            f"| {cls} | {share.total} | {share.domestic} | {share.approved} | {share.other}"
            f" | {share.unknown} | {pct} |"
        )
    lines += ["", "## Findings", ""]
    if not r.findings:
        lines.append("None.")
    else:
        lines += [
            "| severity | rule | component | countries | level | path |",
            "|---|---|---|---|---|---|",
        ]
        for f in r.findings[:max_findings]:
            path = " > ".join(report.graph.names(f.paths[0])) if f.paths else (f.json_path or "")
            sev = f.severity.label + (" (exempted)" if f.exempted_by else "")
            who = f.name or f.ref or ""
            lines.append(
                f"| {sev} | {f.rule.value} | {_cell(who)}: {_cell(f.message)} |"
                f" {', '.join(f.countries)} | {f.level.label if f.level is not None else ''}"
                f" | {_cell(path)} |"
            )
        if len(r.findings) > max_findings:
            lines.append(f"\n... and {len(r.findings) - max_findings} more (see the JSON report).")
    return "\n".join(lines) + "\n"
