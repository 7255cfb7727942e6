"""Markdown delivery reports, for a ticket or a goods-receipt record."""

from __future__ import annotations

from sovbom.delivery import DeliveryResult, FieldStatus, PartStatus
from sovbom.report.delivery_report import DeliveryReport, ShipmentReport


def _cell(text: object) -> str:
    return "-" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _server_lines(r: DeliveryResult, level: str = "#") -> list[str]:
    verdict = "PASS" if str(r.verdict) == "pass" else "FAIL"
    lines = [f"{level} sovbom verify-delivery: {_cell(r.server)}: {verdict}", ""]
    lines.append(f"- Expected HBOM: `{r.expected.source}` (sha256 `{r.expected.sha256}`)")
    if r.observed is not None:
        lines.append(
            f"- Observed: `{r.observed.source}`" + ("" if r.observed_complete else " (incomplete)")
        )
    sig = r.signature or {}
    if r.signature_ok:
        lines.append(
            f"- Signature: verified ({sig.get('identity')}, issuer {sig.get('issuer')},"
            f" roles {', '.join(sig.get('roles') or []) or 'none'})"
        )
    else:
        lines.append(f"- Signature: **failed**: {_cell(r.signature_reason)}")
    lines.extend(f"- **{_cell(reason)}**" for reason in r.reasons())
    c = r.comparison
    if c is None:
        return [*lines, ""]
    lines += [
        "",
        f"{level}# Server identity",
        "",
        "| field | expected | found | status |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f.field} | {_cell(f.expected)} | {_cell(f.found)} | {f.status} |" for f in c.identity
    ]
    counts = c.counts()
    lines += ["", f"{level}# Parts", "", "| verdict | parts |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in counts.items()]
    lines.append(f"| ignored unexpected | {c.ignored_unexpected} |")
    bad = [p for p in c.parts if p.status is not PartStatus.MATCHED]
    if bad:
        lines += ["", "| verdict | class | part | location | field | expected | found |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for p in bad:
            for f in p.fields:
                if f.status not in (FieldStatus.MISMATCH, FieldStatus.ABSENT):
                    continue
                label = f.field + (f" ({f.firmware})" if f.firmware else "")
                lines.append(
                    f"| {p.status} | {_cell(p.cls)} | {_cell(p.name)} `{p.expected_ref or p.found_ref}`"
                    f" | {_cell(p.location)} | {label} | {_cell(f.expected)} | {_cell(f.found)} |"
                )
    unverified = c.unverified_total()
    lines += [
        "",
        f"Verified at delivery: {c.verified_total()} components; declared fields not observed: {unverified}.",
    ]
    if r.policy is not None:
        sev = r.policy.counts_by_severity()
        lines.append(
            f"Policy `{r.policy_source}`: "
            + ", ".join(f"{k} {v}" for k, v in reversed(sev.items()))
            + f"; {'fails' if r.policy_fails else 'passes'} at {r.fail_on}."
        )
    return [*lines, ""]


def render_delivery_markdown(report: DeliveryReport) -> str:
    return "\n".join(_server_lines(report.result)) + "\n"


def render_shipment_markdown(report: ShipmentReport) -> str:
    s = report.shipment
    verdict = "PASS" if str(s.verdict) == "pass" else "FAIL"
    summary = s.summary()
    lines = [f"# sovbom shipment {_cell(s.directory)}: {verdict}", "",
             f"{summary['passed']} of {summary['servers']} servers pass (as of {report.as_of}).", "",
             "| server | verdict | signature | reasons |", "|---|---|---|---|"]  # fmt: skip
    lines.extend(
        f"| {_cell(r.server)} | {r.verdict} | {'verified' if r.signature_ok else 'failed'}"
        f" | {_cell('; '.join(r.reasons()))} |"
        for r in s.servers
    )
    lines.append("")
    if s.other_entries:
        lines += [f"Not server directories, not verified: {_cell(', '.join(s.other_entries))}", ""]
    for r in s.servers:
        if str(r.verdict) != "pass":
            lines += _server_lines(r, "##")
    return "\n".join(lines) + "\n"
