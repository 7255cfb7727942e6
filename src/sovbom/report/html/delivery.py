"""Delivery verification: one server (verdict, signature, identity, every part) and a shipment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sovbom.report.html.check import findings_html, share_html
from sovbom.report.html.page import dl, esc, page, short, signature_html

if TYPE_CHECKING:
    from sovbom.delivery import Comparison, DeliveryResult, PartResult
    from sovbom.report.interface import DeliveryReport, ShipmentReport

_PART_BADGE = {
    "matched": "b-ok",
    "missing": "b-fail",
    "unexpected": "b-fail",
    "substituted": "b-fail",
    "drifted": "b-other",
}


def render_delivery(report: DeliveryReport) -> str:
    r = report.result
    body = (
        f"<h1>Delivery verification: {esc(r.server)}</h1>"
        f"<p>Checked on {esc(report.as_of)}.</p>" + delivery_sections(r)
    )
    return page(f"sovbom verify-delivery: {r.server}", body)


def render_shipment(report: ShipmentReport) -> str:
    s = report.shipment
    ok = str(s.verdict) == "pass"
    summary = s.summary()
    head = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items())
    rows = []
    sections = []
    for i, r in enumerate(s.servers):
        passed = str(r.verdict) == "pass"
        rows.append(
            f'<tr><td><a href="#server-{i}">{esc(r.server)}</a></td><td><span class="badge'
            f' {"b-ok" if passed else "b-fail"}">{"pass" if passed else "FAIL"}</span></td>'
            f"<td>{esc((r.signature or {}).get('identity') if r.signature_ok else 'NOT VERIFIED')}</td>"
            f"<td>{esc('; '.join(r.reasons()))}</td>"
            f"<td><code>{esc(report.report_files.get(r.server, ''))}</code></td></tr>"
        )
        sections.append(
            f'<h2 id="server-{i}">{esc(r.server)}</h2>' + delivery_sections(r, f"s{i}", level=3)
        )
    table = (
        '<input class="filter" type="search" hidden placeholder="Search servers\u2026"'
        ' data-table="servers" data-count="servers-count" aria-label="Search servers">'
        ' <span id="servers-count" class="path"></span>'
        '<table id="servers"><thead><tr><th>server</th><th>verdict</th><th>signed by</th>'
        f"<th>why</th><th>report</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    body = (
        f"<h1>Shipment verification: {esc(s.directory)}</h1>"
        f'<div class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}'
        f" \u2014 {esc(head)}</div><p>Checked on {esc(report.as_of)}.</p>"
        + table
        + "".join(sections)
    )
    return page(f"sovbom verify-delivery: {s.directory}", body)


def delivery_sections(r: DeliveryResult, prefix: str = "d", level: int = 2) -> str:
    """The body of one server's delivery report."""
    h = f"h{level}"
    ok = str(r.verdict) == "pass"
    reasons = r.reasons()
    verdict = (
        f'<div class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}'
        + (" \u2014 " + esc("; ".join(reasons)) if reasons else " \u2014 delivered as declared")
        + "</div>"
    )
    notes = "".join(f'<p class="warn">{esc(n)}</p>' for n in r.observed_notes)
    signature = dict(r.signature or {})
    if not r.signature_ok:
        signature = {"ok": False, "reason": r.signature_reason or "not verified"}
    body = verdict + _facts(r) + notes + f"<{h}>Signature</{h}>" + signature_html(signature or None)
    if r.comparison is not None:
        body += _comparison(r.comparison, prefix, h)
    if r.policy is not None:
        body += (
            f"<{h}>Policy findings ({len(r.policy.findings):,})</{h}>"
            + findings_html(r.policy.findings, f"{prefix}-policy")
            + f"<{h}>Domestic share by class</{h}>"
            + share_html(r.policy)
        )
    if r.unexpected_findings:
        body += f"<{h}>Findings on unexpected parts</{h}>" + findings_html(
            r.unexpected_findings, f"{prefix}-unexpected"
        )
    return body


def _facts(r: DeliveryResult) -> str:
    facts = [
        ("Server", esc(r.server)),
        ("Expected HBOM", f"<code>{esc(r.expected.source)}</code>"),
        ("Expected sha256", f"<code>{esc(r.expected.sha256)}</code>"),
    ]
    if r.observed is not None:
        facts.append(
            (
                "Observed",
                f"<code>{esc(r.observed.source)}</code>"
                + ("" if r.observed_complete else " <b>(incomplete)</b>"),
            )
        )
    if r.policy_source:
        facts.append(("Policy", f"<code>{esc(r.policy_source)}</code>"))
    return dl(facts)


def _comparison(c: Comparison, prefix: str, h: str) -> str:
    """The server's identity, the parts picture and the table of every part."""
    ident = "".join(
        f"<tr><td>{esc(f.field)}</td><td>{esc(f.expected)}</td><td>{esc(f.found)}</td>"
        f"<td>{esc(f.status)}</td></tr>"
        for f in c.identity
    )
    counts = ", ".join(f"{n} {k}" for k, n in c.counts().items() if n)
    return (
        f"<{h}>Server identity</{h}><table><thead><tr><th>field</th><th>expected</th>"
        f"<th>found</th><th>status</th></tr></thead><tbody>{ident}</tbody></table>"
        f"<{h}>Parts</{h}><p>{esc(counts)}; {c.ignored_unexpected} unexpected parts ignored"
        f" by policy; {len(c.verified)} components verified at delivery.</p>"
        + _parts_picture(c.parts, prefix)
        + _parts_table(c.parts, prefix)
    )


def _parts_table(parts: Sequence[PartResult], prefix: str) -> str:
    rows = []
    for p in sorted(parts, key=lambda p: (str(p.status) == "matched", p.cls or "", p.name)):
        status = str(p.status)
        diffs = "<br>".join(
            esc(
                f"{f.field}{f' ({f.firmware})' if f.firmware else ''}: expected"
                f" {f.expected!r}, found {f.found!r}"
            )
            for f in p.mismatches
        )
        rows.append(
            f'<tr><td><span class="badge {_PART_BADGE.get(status, "b-fail")}">{esc(status)}'
            f"</span></td><td>{esc(p.cls or '')}</td><td>{esc(p.name)}</td>"
            f"<td>{esc(p.location or '')}</td><td>{esc(p.matched_by or '')}</td>"
            f"<td>{diffs}</td><td>{esc(', '.join(p.unverified))}</td>"
            f"<td><code>{esc(p.expected_ref or p.found_ref or '')}</code></td></tr>"
        )
    tid = f"{prefix}-parts-table"
    return (
        f'<input class="filter" type="search" hidden placeholder="Search parts\u2026"'
        f' data-table="{tid}" data-count="{tid}-count" aria-label="Search parts">'
        f' <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}"><thead><tr><th>verdict</th><th>class</th><th>part</th>'
        "<th>location</th><th>matched by</th><th>differences</th><th>not observed</th>"
        f"<th>bom-ref</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _parts_picture(parts: Sequence[PartResult], prefix: str) -> str:
    """Every part as a square, one row per class, coloured by its delivery verdict."""
    by_class: dict[str, list[PartResult]] = {}
    for p in parts:
        by_class.setdefault(p.cls or "other", []).append(p)
    if not by_class:
        return ""
    size, gap, left, per_row = 14, 3, 150, 48
    out: list[str] = []
    y = 8
    for cls, items in sorted(by_class.items()):
        out.append(f'<text x="4" y="{y + 11}">{esc(short(cls, 20))} ({len(items)})</text>')
        for i, p in enumerate(items):
            x = left + (i % per_row) * (size + gap)
            yy = y + (i // per_row) * (size + gap)
            status = str(p.status)
            colour = {"matched": "domestic", "drifted": "other", "not-observed": "unknown"}.get(
                status, "denied"
            )
            tip = f"{p.name} ({status})" + (f" at {p.location}" if p.location else "")
            tip += "".join(
                f"\n{f.field}: expected {f.expected!r}, found {f.found!r}" for f in p.mismatches
            )
            out.append(
                f'<rect class="part s-{colour}" x="{x}" y="{yy}" width="{size}" height="{size}"'
                f' rx="2"><title>{esc(tip)}</title></rect>'
            )
        y += ((len(items) - 1) // per_row + 1) * (size + gap) + 8
    width = left + per_row * (size + gap) + 10
    return (
        f'<div class="graph"><svg xmlns="http://www.w3.org/2000/svg" id="{esc(prefix)}-parts"'
        f' class="delivery-parts" width="{width}" height="{y + 4}" viewBox="0 0 {width} {y + 4}"'
        ' role="img" aria-label="Parts by class, coloured by delivery verdict">'
        f"{''.join(out)}</svg></div>"
        '<div class="legend"><span class="l-domestic">matched</span>'
        '<span class="l-other">drifted (within tolerance)</span>'
        '<span class="l-denied">missing, unexpected or substituted</span></div>'
    )
