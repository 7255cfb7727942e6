"""Markdown reports of every kind, for a ticket, a merge request, a goods-receipt record or a filing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.report.fleet import FleetMarkdownMixin
from sovbom.report.text import match_title, plain, share_scope, verdict_line

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.delivery import DeliveryResult
    from sovbom.diff import DiffReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.report.interface import DeliveryReport, ShipmentReport, TraceReport

#: Findings listed before "... and N more".
MAX_FINDINGS = 500


def _cell(text: object) -> str:
    """A table cell: no control character, ``|`` escaped, one line."""
    return plain(text).replace("|", "\\|")


def _dash(text: object) -> str:
    return "-" if text is None else _cell(text)


def _lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


class MarkdownRenderer(FleetMarkdownMixin):
    """GitHub-flavoured Markdown (tables)."""

    def check(self, report: CheckReport) -> bytes:
        return _lines(_check(report))

    def delivery(self, report: DeliveryReport) -> bytes:
        return _lines(_server(report.result))

    def shipment(self, report: ShipmentReport) -> bytes:
        return b"".join(self.shipment_stream(report))

    def shipment_stream(self, report: ShipmentReport) -> Iterator[bytes]:
        """The shipment report in pieces: a row per server, then each failing server's section,
        as the servers are read."""
        s = report.shipment
        verdict = "PASS" if str(s.verdict) == "pass" else "FAIL"
        summary = s.summary()
        yield _lines([f"# sovbom shipment {_dash(s.directory)}: {verdict}", "",
                      f"{summary['passed']} of {summary['servers']} servers pass (as of {report.as_of}).",
                      "", "| server | verdict | signature | reasons |", "|---|---|---|---|"])  # fmt: skip
        for r in s.servers:
            yield _lines([
                f"| {_dash(r.server)} | {r.verdict} | {'verified' if r.signature_ok else 'failed'}"
                f" | {_dash('; '.join(r.reasons()))} |"
            ])  # fmt: skip
        tail = [""]
        if s.other_entries:
            tail += [
                f"Not server directories, not verified: {_dash(', '.join(s.other_entries))}",
                "",
            ]
        yield _lines(tail)
        for r in s.servers:
            if str(r.verdict) != "pass":
                yield _lines(_server(r, "##"))

    def inspect(self, report: InspectReport) -> bytes:
        verdict = "HOLDS" if report.holds else "DOES NOT HOLD"
        root = report.trust_root or {}
        lines = [
            f"# Evidence pack inspection: {verdict}",
            "",
            f"archive sha256: {report.archive_sha256}",
            f"as of: {plain(report.index.get('as_of'))}",
            f"trust: {report.trust_source}"
            + (
                f" ({plain(root.get('source'))}, sha256 {plain(root.get('sha256'))})"
                if root
                else ""
            )
            + (f"; signers: {plain(report.signers_source)}" if report.signers_source else ""),
            *(f"WARNING: {plain(w)}" for w in report.warnings),
            f"checks: {len(report.checks)}, failed: {len(report.failures)}",
            "",
            "| result | kind | subject | detail |",
            "| --- | --- | --- | --- |",
        ]
        for c in report.checks:
            cells = [("ok" if c.ok else "**FAIL**"), c.kind, f"`{c.subject}`", c.detail]
            lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        return _lines(lines)

    def trace(self, report: TraceReport) -> bytes:
        out = [f"# {plain(report.headline())}\n\n"]
        for r in report.results:
            if not r.matches:
                continue
            out.append(f"\n## {plain(r.source)}\n\n")
            for m in r.matches:
                out.append(f"- **{plain(match_title(m))}**\n")
                if not m.paths:
                    out.append("    - not reachable from the root\n")
                out += [f"    - {plain(' > '.join(names))}\n" for names in m.path_names]
                if m.truncated:
                    out.append("    - ... more paths (raise --max-paths)\n")
        return "".join(out).encode("utf-8")

    def conformance(self, report: ConformanceReport) -> bytes:
        from sovbom.report.conformance_views import markdown_lines

        return _lines(markdown_lines(report))

    def diff(self, report: DiffReport) -> bytes:
        from sovbom.report.diff_views import markdown_lines

        return _lines(markdown_lines(report))


def _check(report: CheckReport) -> list[str]:
    from sovbom.report.hardware_views import markdown_lines

    return [
        *_header(report),
        *_summary(report),
        *_stages(report),
        *_claim(report),
        *markdown_lines(report),
        *["", "## Findings", "", *_findings(report)],
    ]


def _header(report: CheckReport) -> list[str]:
    """The verdict, the BOM, the policy, the date and the signature."""
    _, verdict = verdict_line(report)
    policy = report.policy
    lines = [
        f"# sovbom check: {verdict}",
        "",
        f"- BOM: `{plain(report.bom_source)}` (sha256 `{report.bom_sha256}`)",
        f"- Policy: `{plain(policy.source)}`; domestic {', '.join(sorted(policy.domestic))};"
        f" approved {', '.join(sorted(policy.approved)) or 'none'};"
        f" denied {', '.join(sorted(policy.denied)) or 'none'}",
        f"- As of: {report.as_of}; "
        + (f"fails on: {report.fail_on} and above" if report.fail_on != "never" else "report only"),
    ]
    if report.signature:
        sig = report.signature
        lines.append(
            f"- Signature: {plain(sig.get('status', '?'))} ({plain(sig.get('identity', '?'))},"
            f" issuer {plain(sig.get('issuer', '?'))},"
            f" roles {plain(', '.join(sig.get('roles') or []) or 'none')})"
        )
    else:
        lines.append("- Signature: not checked (components are at most *declared*)")
    return lines


def _summary(report: CheckReport) -> list[str]:
    """Findings by severity, verification levels and the domestic share by class."""
    r = report.result
    counts = r.counts_by_severity()
    lines = [
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
        f"Shares are {plain(share_scope(report))}.",
        "",
        "| class | total | domestic | approved | other | unknown | domestic share |",
        "|---|---|---|---|---|---|---|",
    ]
    for cls, share in [*r.by_class.items(), ("**all**", r.total_share())]:
        d = share.to_dict()
        pct = "n/a" if d["domestic_share"] is None else f"{d['domestic_share']:.0%}"
        lines.append(
            f"| {_cell(cls)} | {share.total} | {share.domestic} | {share.approved} | {share.other}"
            f" | {share.unknown} | {pct} |"
        )
    return lines


def _stages(report: CheckReport) -> list[str]:
    """The domestic share by production stage (none without stages)."""
    stages = report.result.stages
    if not stages:
        return []
    from sovbom.origins import stage_cells

    lines = [
        "",
        "### Domestic share by stage (value: declared cost)",
        "",
        "| stage | parts | domestic | share | valued | domestic value | value share |",
        "|---|---|---|---|---|---|---|",
    ]
    for stage, d in [*stages.to_dict()["stages"].items(), ("**all**", stages.to_dict()["all"])]:
        lines.append(f"| {_cell(stage)} | " + " | ".join(stage_cells(d)) + " |")
    return lines


def _claim(report: CheckReport) -> list[str]:
    """The origin claim's conditions (none without --claim)."""
    if report.claim is None:
        return []
    from sovbom.claims import claim_title, condition_rows

    return [
        "",
        f"### {_cell(claim_title(report.claim))}",
        "",
        "| condition | | requires, and why it fails |",
        "|---|---|---|",
        *(f"| {_cell(c)} | {h} | {_cell(text)} |" for c, h, text in condition_rows(report.claim)),
    ]


def _findings(report: CheckReport) -> list[str]:
    findings = report.result.findings
    if not findings:
        return ["None."]
    from sovbom.units import UnitNames

    units = UnitNames.of(report.graph)
    lines = [
        "| severity | rule | component | countries | level | path |",
        "|---|---|---|---|---|---|",
    ]
    for f in findings[:MAX_FINDINGS]:
        path = " > ".join(units.path(f.paths[0])) if f.paths else (f.json_path or "")
        sev = f.severity.label + (" (exempted)" if f.exempted_by else "")
        who = units(f.ref) if f.ref else (f.name or "")
        lines.append(
            f"| {sev} | {f.rule.value} | {_cell(who)}: {_cell(f.message)} |"
            f" {_cell(', '.join(f.countries))} | {f.level.label if f.level is not None else ''}"
            f" | {_cell(path)} |"
        )
    if len(findings) > MAX_FINDINGS:
        lines.append(f"\n... and {len(findings) - MAX_FINDINGS} more (see the JSON report).")
    return lines


def _server(r: DeliveryResult, level: str = "#") -> list[str]:
    verdict = "PASS" if str(r.verdict) == "pass" else "FAIL"
    lines = [f"{level} sovbom verify-delivery: {_dash(r.server)}: {verdict}", ""]
    lines.append(f"- Expected HBOM: `{plain(r.expected.source)}` (sha256 `{r.expected.sha256}`)")
    if r.observed is not None:
        lines.append(
            f"- Observed: `{plain(r.observed.source)}`"
            + ("" if r.observed_complete else " (incomplete)")
        )
    sig = r.signature or {}
    if r.signature_ok:
        lines.append(
            f"- Signature: verified ({plain(sig.get('identity'))}, issuer {plain(sig.get('issuer'))},"
            f" roles {plain(', '.join(sig.get('roles') or []) or 'none')})"
        )
    else:
        lines.append(f"- Signature: **failed**: {_dash(r.signature_reason)}")
    lines.extend(f"- **{_dash(reason)}**" for reason in r.reasons())
    if r.comparison is None:
        return [*lines, ""]
    return [*lines, *_comparison(r, level), ""]


def _comparison(r: DeliveryResult, level: str) -> list[str]:
    from sovbom.delivery import FieldStatus, PartStatus

    c = r.comparison
    assert c is not None
    lines = ["", f"{level}# Server identity", "", "| field | expected | found | status |",
             "|---|---|---|---|"]  # fmt: skip
    lines += [
        f"| {f.field} | {_dash(f.expected)} | {_dash(f.found)} | {f.status} |" for f in c.identity
    ]
    lines += ["", f"{level}# Parts", "", "| verdict | parts |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in c.counts().items()]
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
                    f"| {p.status} | {_dash(p.cls)} | {_dash(p.name)}"
                    f" `{plain(p.expected_ref or p.found_ref)}` | {_dash(p.location)} | {_cell(label)}"
                    f" | {_dash(f.expected)} | {_dash(f.found)} |"
                )
    lines += [
        "",
        f"Verified at delivery: {c.verified_total()} components; declared fields not observed:"
        f" {c.unverified_total()}.",
    ]
    if r.policy is not None:
        sev = r.policy.counts_by_severity()
        lines.append(
            f"Policy `{plain(r.policy_source)}`: "
            + ", ".join(f"{k} {v}" for k, v in reversed(sev.items()))
            + f"; {'fails' if r.policy_fails else 'passes'} at {r.fail_on}."
        )
    return lines
