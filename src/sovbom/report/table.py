"""The terminal report (rich) of every kind.

Every value taken from input (names, refs, serials, messages, file names, packed reports) goes
through :func:`sovbom.report.text.plain` (no escape sequence or control character reaches the
terminal) and, where rich reads markup, :func:`rich.markup.escape`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sovbom.report.fleet import FleetTableMixin
from sovbom.report.text import match_title, plain, share_scope, verdict_line

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.delivery import DeliveryResult
    from sovbom.diff import DiffReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.report.interface import DeliveryReport, ShipmentReport, TraceReport

#: Findings (check) and parts (delivery) listed before "... and N more".
MAX_ROWS = 200


def _t(value: object) -> str:
    """An input value inside rich markup: plain text, markup escaped."""
    return escape(plain(value))


def _console(buf: io.StringIO, color: bool, width: int) -> Console:
    return Console(file=buf, force_terminal=color, no_color=not color, width=width, soft_wrap=False)


class TableRenderer(FleetTableMixin):
    """Tables for a terminal; ``color`` adds ANSI colours (only sovbom's own, never the input's)."""

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def check(self, report: CheckReport) -> bytes:
        buf = io.StringIO()
        _check(_console(buf, self.color, 140), report)
        return buf.getvalue().encode("utf-8")

    def delivery(self, report: DeliveryReport) -> bytes:
        buf = io.StringIO()
        _server(_console(buf, self.color, 160), report.result, MAX_ROWS)
        return buf.getvalue().encode("utf-8")

    def shipment(self, report: ShipmentReport) -> bytes:
        buf = io.StringIO()
        _shipment(_console(buf, self.color, 160), report)
        return buf.getvalue().encode("utf-8")

    def inspect(self, report: InspectReport) -> bytes:
        return _inspect(report).encode("utf-8")

    def trace(self, report: TraceReport) -> bytes:
        return _trace(report).encode("utf-8")

    def conformance(self, report: ConformanceReport) -> bytes:
        from sovbom.report.conformance_views import table_text

        return table_text(report, self.color).encode("utf-8")

    def diff(self, report: DiffReport) -> bytes:
        from sovbom.report.diff_views import table_text

        return table_text(report, self.color).encode("utf-8")


def _check(console: Console, report: CheckReport) -> None:
    from sovbom.policy import Severity

    style = {
        Severity.CRITICAL: "bold red",
        Severity.HIGH: "red",
        Severity.MEDIUM: "yellow",
        Severity.LOW: "cyan",
        Severity.INFO: "dim",
    }
    r = report.result
    fails, line = verdict_line(report)
    console.print(
        f"[bold]{_t(report.bom_source)}[/]: [{'red' if fails else 'green'}]{line}[/]"
        f"  ({r.components} components; policy {_t(report.policy.source)})"
    )
    if report.signature:
        sig = report.signature
        console.print(
            f"signature: {_t(sig.get('status'))} by {_t(sig.get('identity'))}"
            f" ({_t(sig.get('issuer'))}); roles: {_t(', '.join(sig.get('roles') or []) or 'none')}"
        )
    shares = Table(title=f"Domestic share by class, {_t(share_scope(report))}", show_lines=False)
    for col in ("class", "total", "domestic", "approved", "other", "unknown", "share"):
        shares.add_column(col, justify="left" if col == "class" else "right")
    for cls, share in [*r.by_class.items(), ("all", r.total_share())]:
        d = share.to_dict()
        pct = "n/a" if d["domestic_share"] is None else f"{d['domestic_share']:.0%}"
        shares.add_row(
            _t(cls),
            str(share.total),
            str(share.domestic),
            str(share.approved),
            str(share.other),
            str(share.unknown),
            pct,
        )
    console.print(shares)
    if r.stages:
        console.print(_stage_table(r.stages.to_dict()))
    if report.claim is not None:
        console.print(_claim_table(report.claim))
    if r.findings:
        from sovbom.units import UnitNames

        units = UnitNames.of(report.graph)
        table = Table(title=f"Findings ({len(r.findings)})")
        for col in ("severity", "rule", "component", "finding", "countries", "level", "path"):
            table.add_column(col, overflow="fold")
        for f in r.findings[:MAX_ROWS]:
            path = " > ".join(units.path(f.paths[0])) if f.paths else (f.json_path or "")
            sev = f.severity.label + (" (exempted)" if f.exempted_by else "")
            who = units(f.ref) if f.ref else (f.name or "")
            table.add_row(
                f"[{style[f.severity]}]{sev}[/]",
                f.rule.value,
                _t(who)
                if not f.ref or who.endswith(f"[{f.ref}]")
                else f"{_t(who)}\n[dim]{_t(f.ref)}[/]",
                _t(f.message),
                _t(", ".join(f.countries)),
                f.level.label if f.level is not None else "",
                _t(path),
            )
        console.print(table)
        if len(r.findings) > MAX_ROWS:
            console.print(f"... and {len(r.findings) - MAX_ROWS} more (use --format json).")
    else:
        console.print("No findings.")
    from sovbom.report.hardware_views import text_lines

    for line in text_lines(report):
        console.print(_t(line))
    counts = r.counts_by_severity()
    console.print("findings: " + ", ".join(f"{k} {v}" for k, v in reversed(counts.items())))


def _inspect(report: InspectReport) -> str:
    verdict = "HOLDS" if report.holds else "DOES NOT HOLD"
    root = report.trust_root or {}
    lines = [
        f"evidence pack {plain(report.archive)}: {verdict}",
        f"archive sha256: {report.archive_sha256}",
        f"as of: {plain(report.index.get('as_of'))}",
        f"trust: {report.trust_source}"
        + (f" ({plain(root.get('source'))}, sha256 {plain(root.get('sha256'))})" if root else "")
        + (f"; signers: {plain(report.signers_source)}" if report.signers_source else ""),
        *(f"WARNING: {plain(w)}" for w in report.warnings),
        f"checks: {len(report.checks)}, failed: {len(report.failures)}",
        "",
    ]
    lines += [
        f"{'ok  ' if c.ok else 'FAIL'}  {plain(c.kind):<10} {plain(c.subject)}: {plain(c.detail)}"
        for c in report.checks
    ]
    return "\n".join(lines) + "\n"


def _trace(report: TraceReport) -> str:
    out = [plain(report.headline())]
    for r in report.results:
        if not r.matches:
            continue
        out += ["", plain(r.source)]
        for m in r.matches:
            out.append(f"  {plain(match_title(m))}")
            if not m.paths:
                out.append("    (not reachable from the root)")
            out += [f"    {plain(' > '.join(names))}" for names in m.path_names]
            if m.truncated:
                out.append("    ... more paths (raise --max-paths)")
    return "\n".join(out) + "\n"


def _v(value: str | None) -> str:
    return _t(value) if value is not None else "[dim]-[/]"


def _server(console: Console, r: DeliveryResult, max_parts: int) -> None:
    """One server's delivery: verdict, signature, identity, each part not as declared."""
    ok = str(r.verdict) == "pass"
    console.print(
        f"[bold]{_t(r.server)}[/]: {'[green]PASS[/]' if ok else '[red]FAIL[/]'}"
        f"  (expected {_t(r.expected.source)}"
        + (f"; observed {_t(r.observed.source)}" if r.observed else "")
        + ")"
    )
    sig = r.signature or {}
    if r.signature_ok:
        console.print(
            f"signature: verified, signed by {_t(sig.get('identity'))}"
            f" ({_t(sig.get('issuer'))}); roles: {_t(', '.join(sig.get('roles') or []) or 'none')}"
        )
    else:
        console.print(f"signature: [red]FAILED[/]: {_t(r.signature_reason or '')}")
    for reason in r.reasons():
        console.print(f"  - {_t(reason)}")
    c = r.comparison
    if c is None:
        return
    if not r.observed_complete:
        console.print(
            "[yellow]the observed inventory is incomplete[/]: " + _t("; ".join(r.observed_notes))
        )
    ident = Table(title="Server identity")
    for col in ("field", "expected", "found", "status"):
        ident.add_column(col, overflow="fold")
    for f in c.identity:
        ident.add_row(_t(f.field), _v(f.expected), _v(f.found), str(f.status))
    console.print(ident)
    _parts(console, r, max_parts)
    counts = c.counts()
    console.print(
        "parts: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; ignored unexpected {c.ignored_unexpected}; verified components {c.verified_total()};"
        f" fields not observed {c.unverified_total()}"
    )
    if r.policy is not None:
        sev = r.policy.counts_by_severity()
        console.print(
            f"policy {_t(r.policy_source or '')}: "
            + ", ".join(f"{k} {v}" for k, v in reversed(sev.items()))
            + f"; unexpected parts' findings {len(r.unexpected_findings)};"
            f" {'FAILS' if r.policy_fails else 'passes'} at {r.fail_on}"
        )


def _parts(console: Console, r: DeliveryResult, max_parts: int) -> None:
    """The parts not as declared, field by field (expected and found)."""
    from sovbom.delivery import FieldStatus, PartStatus

    style = {
        PartStatus.SUBSTITUTED: "bold red",
        PartStatus.MISSING: "red",
        PartStatus.UNEXPECTED: "red",
        PartStatus.DRIFTED: "yellow",
        PartStatus.NOT_OBSERVED: "yellow",
        PartStatus.MATCHED: "green",
    }
    assert r.comparison is not None
    bad = [p for p in r.comparison.parts if p.status is not PartStatus.MATCHED]
    if not bad:
        return
    table = Table(title=f"Parts not as declared ({len(bad)})")
    for col in ("verdict", "class", "part", "location", "field", "expected", "found"):
        table.add_column(col, overflow="fold")
    for p in bad[:max_parts]:
        shown = [
            f
            for f in p.fields
            if f.status in (FieldStatus.MISMATCH, FieldStatus.ABSENT)
            or (p.status is PartStatus.SUBSTITUTED and f.field in ("serial", "part_number"))
        ] or p.fields[:1]
        for i, f in enumerate(shown):
            label = f.field + (f" ({f.firmware})" if f.firmware else "")
            first = i == 0
            table.add_row(
                f"[{style[p.status]}]{p.status}[/]" if first else "",
                _t(p.cls or "") if first else "",
                (_t(p.name) + "\n" + _t(p.expected_ref or p.found_ref)) if first else "",
                _t(p.location or "") if first else "",
                _t(label),
                _v(f.expected),
                _v(f.found),
            )
    console.print(table)
    if len(bad) > max_parts:
        console.print(f"... and {len(bad) - max_parts} more (use --format json).")


def _shipment(console: Console, report: ShipmentReport) -> None:
    s = report.shipment
    summary = s.summary()
    ok = str(s.verdict) == "pass"
    console.print(
        f"[bold]shipment {_t(s.directory)}[/]: {'[green]PASS[/]' if ok else '[red]FAIL[/]'}"
        f"  ({summary['passed']} of {summary['servers']} servers pass)"
    )
    table = Table(title="Servers")
    for col in ("server", "verdict", "signature", "matched", "missing", "unexpected",
                "substituted", "drifted", "reasons"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in s.servers:
        counts = r.comparison.counts() if r.comparison else {}
        good = str(r.verdict) == "pass"
        table.add_row(
            _t(r.server),
            "[green]pass[/]" if good else "[red]fail[/]",
            "verified" if r.signature_ok else "[red]failed[/]",
            *(str(counts.get(k, "-")) for k in ("matched", "missing", "unexpected", "substituted",
                                                 "drifted")),
            _t("; ".join(r.reasons())),
        )  # fmt: skip
    console.print(table)
    console.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items()))
    if s.other_entries:
        console.print(f"not server directories, not verified: {_t(', '.join(s.other_entries))}")


def _stage_table(data: dict[str, Any]) -> Table:
    """Domestic share per production stage: by count, and by declared cost."""
    from sovbom.origins import stage_cells

    table = Table(title="Domestic share by stage (value: declared cost)", show_lines=False)
    for col in ("stage", "parts", "domestic", "share", "valued", "domestic value", "value share"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for stage, d in [*data["stages"].items(), ("all", data["all"])]:
        table.add_row(_t(stage), *stage_cells(d))
    return table


def _claim_table(result: dict[str, Any]) -> Table:
    """An origin claim evaluated with the check: each condition, and why it fails."""
    from sovbom.claims import claim_title, condition_rows

    table = Table(title=_t(claim_title(result)), show_lines=False)
    for col in ("condition", "", "requires, and why it fails"):
        table.add_column(col, overflow="fold")
    for cid, holds, text in condition_rows(result):
        table.add_row(_t(cid), holds, _t(text))
    return table
