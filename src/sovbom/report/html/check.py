"""The sections of a check report: verdict, facts, signature, picture, findings, shares, components.

:func:`check_sections` is also embedded per BOM in an inspection report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sovbom.policy import CheckResult, Finding, fail_on_text, fail_threshold
from sovbom.report.html.graph import graph_svg
from sovbom.report.html.hardware import hardware_html, identity_marks
from sovbom.report.html.origins import origins_sections
from sovbom.report.html.page import dl, esc, page, signature_html
from sovbom.report.html.status import statuses
from sovbom.units import UnitNames

if TYPE_CHECKING:
    from sovbom.checking import CheckReport

#: Rows of the component table (the rest is counted, not shown).
MAX_TABLE_ROWS = 20_000


def findings_html(
    findings: Sequence[Finding], prefix: str, label: Callable[[str], str] | None = None
) -> str:
    """The findings table (with a filter box); ``label`` names the refs of the component and
    its paths (:class:`sovbom.units.UnitNames`: the unit, when several share a label)."""
    if not findings:
        return "<p>No findings.</p>"
    name_of = label or (lambda ref: ref)
    rows = []
    for f in sorted(findings, key=lambda f: (-int(f.severity), f.rule.value, f.name or "")):
        sev = f.severity.label
        paths = "<br>".join(esc(" \u203a ".join(name_of(r) for r in p)) for p in f.paths[:3])
        exempt = (
            f'<div class="exempt">exempted by {esc(f.exempted_by.describe())}:'
            f" {esc(f.exempted_by.reason)}</div>"
            if f.exempted_by
            else ""
        )
        row_cls = ' class="exempt"' if not f.counts else ""
        rows.append(
            f'<tr{row_cls}><td class="sev sev-{sev}">{sev}</td>'
            f"<td>{esc(f.rule.value)}</td>"
            f"<td>{esc(name_of(f.ref) if label and f.ref else f.name or '')}"
            f"<br><code>{esc(f.ref or '')}</code></td>"
            f"<td>{esc(', '.join(f.countries))}</td>"
            f"<td>{esc(f.level.label if f.level is not None else '')}</td>"
            f'<td>{esc(f.message)}{exempt}<div class="path">{paths}</div></td></tr>'
        )
    tid = f"{prefix}-findings"
    return (
        f'<input class="filter" type="search" hidden placeholder="Filter findings\u2026"'
        f' data-table="{tid}" data-count="{tid}-count" aria-label="Filter findings">'
        f' <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}" class="findings"><thead><tr><th>severity</th><th>rule</th>'
        "<th>component</th><th>countries</th><th>verification</th><th>why, and the path from the"
        f" server root</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _share_bar(d: int, a: int, o: int, u: int) -> str:
    total = d + a + o + u
    if not total:
        return ""
    x = 0.0
    parts = []
    for n, var in ((d, "domestic"), (a, "approved"), (o, "other"), (u, "unknown")):
        w = 100.0 * n / total
        if w:
            parts.append(f'<rect class="s-{var}" x="{x:.2f}" y="0" width="{w:.2f}" height="10"/>')
        x += w
    return (
        f'<svg class="share" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f"{''.join(parts)}</svg>"
    )


def share_html(r: CheckResult) -> str:
    rows = []
    items = sorted(r.by_class.items()) + [("all judged components", r.total_share())]
    for name, s in items:
        pct = f"{100 * s.domestic / s.total:.1f}%" if s.total else "\u2013"
        rows.append(
            f"<tr><td>{esc(name)}</td><td class=num>{s.total:,}</td><td class=num>{s.domestic:,}</td>"
            f"<td class=num>{s.approved:,}</td><td class=num>{s.other:,}</td>"
            f"<td class=num>{s.unknown:,}</td><td class=num><b>{pct}</b></td>"
            f"<td>{_share_bar(s.domestic, s.approved, s.other, s.unknown)}</td></tr>"
        )
    return (
        '<table class="shares"><thead><tr><th>class</th><th class=num>components</th>'
        "<th class=num>domestic</th><th class=num>approved</th><th class=num>other</th>"
        "<th class=num>unknown</th><th class=num>domestic share</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def components_html(report: CheckReport, prefix: str) -> str:
    pg = report.graph
    st = statuses(pg, report.policy, report.result.findings)
    units = UnitNames.of(pg)
    rows = []
    refs = list(pg.components)
    for ref in refs[:MAX_TABLE_ROWS]:
        comp = pg.components[ref]
        prov = pg.provenance(ref)
        unit = units.unit(ref)
        status = st.status.get(ref, "unknown")
        rules = sorted({f.rule.value for f in st.findings.get(ref, ()) if f.counts})
        rows.append(
            f"<tr><td>{esc(comp.get('name') or ref)}{esc(f' [{unit}]' if unit else '')}</td>"
            f"<td>{esc(comp.get('version') or '')}</td>"
            f"<td>{esc(comp.get('type') or '')}</td><td>{esc(prov.cls or '')}</td>"
            f"<td>{esc(prov.manufacturer or prov.supplier or '')}</td>"
            f"<td>{esc(st.country.get(ref, ''))}</td>"
            f'<td><span class="badge b-{status}">{status}</span>'
            + (" unverified" if ref in st.unverified else "")
            + f"</td><td>{esc(', '.join(rules))}</td>"
            f"<td><code>{esc(comp.get('purl') or ref)}</code></td></tr>"
        )
    more = ""
    if len(refs) > MAX_TABLE_ROWS:
        more = f"<p>{len(refs) - MAX_TABLE_ROWS:,} more components not listed.</p>"
    tid = f"{prefix}-components"
    return (
        f'<input class="filter" type="search" hidden placeholder="Search components (name, country,'
        f' status, purl)\u2026" data-table="{tid}" data-count="{tid}-count"'
        f' aria-label="Search components"> <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}" class="components"><thead><tr><th>name</th><th>version</th>'
        "<th>type</th><th>class</th><th>maker / supplier</th><th>country</th><th>status</th>"
        "<th>findings</th><th>purl / bom-ref</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def check_sections(report: CheckReport, prefix: str = "c", level: int = 2) -> str:
    """The body of a check report (also embedded per BOM in an inspection report)."""
    r = report.result
    fails = r.fails(fail_threshold(report.fail_on))
    counts = r.counts_by_severity()
    summary = ", ".join(f"{n} {s}" for s, n in reversed(counts.items()) if n) or "no findings"
    exempted = sum(1 for f in r.findings if not f.counts)
    h = f"h{level}"
    verdict = (
        f'<div class="verdict {"fail" if fails else "pass"}">'
        f"{'FAIL' if fails else 'PASS'} \u2014 {esc(summary)}"
        f"{f'; {exempted} exempted' if exempted else ''} ({esc(fail_on_text(report.fail_on))})</div>"
    )
    total = r.total_share()
    share = f"{100 * total.domestic / total.total:.1f}%" if total.total else "\u2013"
    facts = dl(
        [
            ("BOM", f"<code>{esc(report.bom_source)}</code>"),
            ("BOM sha256", f"<code>{esc(report.bom_sha256)}</code>"),
            ("Serial number", f"<code>{esc(report.bom_serial or '')}</code>"),
            (
                "Policy",
                f"<code>{esc(report.policy.source)}</code> sha256 <code>{esc(report.policy_sha256 or '')}</code>",
            ),
            ("Domestic", esc(", ".join(sorted(report.policy.domestic)))),
            ("Approved", esc(", ".join(sorted(report.policy.approved)) or "none")),
            ("Denied", esc(", ".join(sorted(report.policy.denied)) or "none")),
            ("Judged on", esc(report.as_of)),
            ("Components", f"{r.components:,} ({esc(share)} of judged components domestic)"),
        ]
    )
    evidence = ""
    if report.verified_evidence:
        evidence = (
            f"<{h}>Independently verified components</{h}><ul>"
            + "".join(
                f"<li><code>{esc(ref)}</code>: {esc(why)}</li>"
                for ref, why in sorted(report.verified_evidence.items())
            )
            + "</ul>"
        )
    return (
        verdict
        + facts
        + f"<{h}>Signature</{h}>"
        + signature_html(report.signature)
        + f'<{h} id="{esc(prefix)}-graph">Provenance graph</{h}>'
        + _graph(report, prefix)
        + f'<{h} id="{esc(prefix)}-findings-h">Findings ({len(r.findings):,})</{h}>'
        + findings_html(r.findings, prefix, UnitNames.of(report.graph))
        + f"<{h}>Domestic share by class</{h}>"
        + share_html(r)
        + origins_sections(report, prefix, level)
        + evidence
        + hardware_html(report, h)
        + f"<{h}>Components ({len(report.graph.components):,})</{h}>"
        + components_html(report, prefix)
    )


def _graph(report: CheckReport, prefix: str) -> str:
    """The provenance graph, with the hardware identity marks when it was checked."""
    text = {p.ref: p.summary() for p in report.hardware_identity or ()}
    return graph_svg(
        report.graph, report.policy, report.result.findings, prefix, identity_marks(report), text
    )


def render_check(report: CheckReport) -> str:
    name = report.graph.label_of(report.graph.root) if report.graph.root else report.bom_source
    body = f"<h1>Provenance check: {esc(name)}</h1>" + check_sections(report)
    return page(f"sovbom check: {name}", body)
