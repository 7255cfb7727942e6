"""The inspection of an evidence pack: verdict, trust material, servers, every check, each BOM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.html.check import check_sections
from sovbom.report.html.page import DASH, dl, esc, page, signature_html

if TYPE_CHECKING:
    from sovbom.pack.inspect import InspectReport

_TRUST = {
    "inspector": "the inspector's own",
    "packed": "the pack's own (operator's)",
    "none": "none: signatures not checked",
}


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "\u2013"
    return '<span class="badge b-ok">ok</span>' if value else '<span class="badge b-fail">no</span>'


def render_inspect(report: InspectReport) -> str:
    body = (
        "<h1>Evidence pack inspection</h1>"
        + _verdict(report)
        + "".join(f'<p class="warn">\u26a0 {esc(w)}</p>' for w in report.warnings)
        + _trust(report)
        + "<h2>Servers</h2>"
        + _bom_table(report)
        + "<h2>Checks</h2>"
        + _checks(report)
        + "".join(_bom(report, i) for i in range(len(report.boms)))
        + _reports(report)
    )
    return page(f"sovbom inspect: {report.archive}", body)


def _verdict(report: InspectReport) -> str:
    holds = report.holds
    verdicts = "; ".join(
        f"{b.member.split('/', 1)[-1]}: {(b.verdict or 'not checked').upper()}" for b in report.boms
    )
    if holds:
        head = "HOLDS \u2014 every digest, signature and packed verdict checked out"
    else:
        head = f"DOES NOT HOLD \u2014 {len(report.failures)} of {len(report.checks)} checks failed"
    return (
        f'<div class="verdict {"pass" if holds else "fail"}">{esc(head)}'
        + (f"<br><small>Policy check, re-run: {esc(verdicts)}</small>" if verdicts else "")
        + "</div>"
    )


def _trust(report: InspectReport) -> str:
    root = report.trust_root or {}
    items = [
        ("Archive", f"<code>{esc(report.archive)}</code>"),
        ("Archive sha256", f"<code>{esc(report.archive_sha256)}</code>"),
        ("Judged on", esc(report.index.get("as_of") or "not recorded")),
        ("Trust material", esc(_TRUST.get(report.trust_source, report.trust_source))),
    ]
    if root:
        items.append(
            (
                "Trusted root",
                f"<code>sha256:{esc(root.get('sha256'))}</code> ({esc(root.get('source'))})",
            )
        )
    if report.signers_source:
        items.append(("Signer policy", f"<code>{esc(report.signers_source)}</code>"))
    return dl(items)


def _bom_table(report: InspectReport) -> str:
    rows = []
    for i, b in enumerate(report.boms):
        sig = b.signature or {}
        if sig.get("ok"):
            signed = (
                f"{esc(sig.get('identity'))}<br><span class=path>{esc(sig.get('integrated_time'))},"
                f" log index {esc(sig.get('log_index'))}</span>"
            )
        else:
            signed = (
                f'<span class="badge b-fail">not verified</span> {esc(sig.get("reason") or "")}'
            )
        rows.append(
            f'<tr><td><a href="#bom-{i}"><code>{esc(b.member)}</code></a></td><td>{signed}</td>'
            f"<td>{_yes_no(b.schema_ok)}</td><td>{_yes_no(b.integrity_ok)}</td>"
            f"<td>{esc(b.verdict or DASH)}</td><td>{esc(b.packed_verdict or DASH)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>BOM</th><th>signed by, logged at</th><th>schema</th>"
        "<th>integrity</th><th>check (re-run)</th><th>check (packed)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _checks(report: InspectReport) -> str:
    rows = "".join(
        f'<tr><td><span class="badge {"b-ok" if c.ok else "b-fail"}">{"ok" if c.ok else "FAIL"}</span></td>'
        f"<td>{esc(c.kind)}</td><td><code>{esc(c.subject)}</code></td><td>{esc(c.detail)}</td></tr>"
        for c in sorted(report.checks, key=lambda c: c.ok)
    )
    return (
        '<input class="filter" type="search" hidden placeholder="Filter checks\u2026"'
        ' data-table="i-checks" data-count="i-checks-count" aria-label="Filter checks">'
        ' <span id="i-checks-count" class="path"></span>'
        '<table id="i-checks"><thead><tr><th>result</th><th>kind</th><th>member</th><th>detail</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _bom(report: InspectReport, i: int) -> str:
    """One packed BOM: the re-run check in full, or its signature when it was not checked."""
    b = report.boms[i]
    part = f'<h2 id="bom-{i}">BOM <code>{esc(b.member)}</code></h2>'
    if b.check is None:
        return part + "<h3>Signature</h3>" + signature_html(b.signature)
    return part + (
        f"<p>The policy check, re-run on the packed BOM: <b>{esc(b.verdict)}</b>;"
        f" the packed report says <b>{esc(b.packed_verdict or 'nothing (no report)')}</b>.</p>"
        + check_sections(b.check, prefix=f"b{i}", level=3)
    )


def _reports(report: InspectReport) -> str:
    if not report.reports:
        return ""
    return (
        "<h2>Packed reports</h2><ul>"
        + "".join(
            f"<li><code>{esc(r.get('member'))}</code>: {esc(r.get('kind') or 'unknown kind')},"
            f" verdict {esc(r.get('verdict'))}</li>"
            for r in report.reports
        )
        + "</ul>"
    )
