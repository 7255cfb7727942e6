"""The terminal delivery report (rich): verdict, signature, server identity, each part that is
not matched with expected and found values field by field, and a shipment summary table."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sovbom.delivery import DeliveryResult, FieldStatus, PartStatus
from sovbom.report.delivery_report import DeliveryReport, ShipmentReport

_STYLE = {
    PartStatus.SUBSTITUTED: "bold red",
    PartStatus.MISSING: "red",
    PartStatus.UNEXPECTED: "red",
    PartStatus.DRIFTED: "yellow",
    PartStatus.MATCHED: "green",
}


def _console(buf: io.StringIO, color: bool) -> Console:
    return Console(file=buf, force_terminal=color, no_color=not color, width=160, soft_wrap=False)


def _v(value: str | None) -> str:
    return escape(value) if value is not None else "[dim]-[/]"


def _server(console: Console, r: DeliveryResult, max_parts: int) -> None:
    ok = str(r.verdict) == "pass"
    console.print(
        f"[bold]{escape(r.server)}[/]: {'[green]PASS[/]' if ok else '[red]FAIL[/]'}"
        f"  (expected {escape(r.expected.source)}"
        + (f"; observed {escape(r.observed.source)}" if r.observed else "")
        + ")"
    )
    sig = r.signature or {}
    if r.signature_ok:
        console.print(
            f"signature: verified, signed by {escape(str(sig.get('identity')))}"
            f" ({escape(str(sig.get('issuer')))}); roles: {', '.join(sig.get('roles') or []) or 'none'}"
        )
    else:
        console.print(f"signature: [red]FAILED[/]: {escape(r.signature_reason or '')}")
    for reason in r.reasons():
        console.print(f"  - {escape(reason)}")
    c = r.comparison
    if c is None:
        return
    if not r.observed_complete:
        console.print(
            "[yellow]the observed inventory is incomplete[/]: " + "; ".join(r.observed_notes)
        )
    ident = Table(title="Server identity")
    for col in ("field", "expected", "found", "status"):
        ident.add_column(col, overflow="fold")
    for f in c.identity:
        ident.add_row(f.field, _v(f.expected), _v(f.found), str(f.status))
    console.print(ident)
    bad = [p for p in c.parts if p.status is not PartStatus.MATCHED]
    if bad:
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
                table.add_row(
                    f"[{_STYLE[p.status]}]{p.status}[/]" if i == 0 else "",
                    (p.cls or "") if i == 0 else "",
                    escape(f"{p.name}\n{p.expected_ref or p.found_ref}") if i == 0 else "",
                    escape(p.location or "") if i == 0 else "",
                    label,
                    _v(f.expected),
                    _v(f.found),
                )
        console.print(table)
        if len(bad) > max_parts:
            console.print(f"... and {len(bad) - max_parts} more (use --format json).")
    counts = c.counts()
    unverified = c.unverified_total()
    console.print(
        "parts: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; ignored unexpected {c.ignored_unexpected}; verified components {c.verified_total()};"
        f" fields not observed {unverified}"
    )
    if r.policy is not None:
        sev = r.policy.counts_by_severity()
        console.print(
            f"policy {escape(r.policy_source or '')}: "
            + ", ".join(f"{k} {v}" for k, v in reversed(sev.items()))
            + f"; unexpected parts' findings {len(r.unexpected_findings)};"
            f" {'FAILS' if r.policy_fails else 'passes'} at {r.fail_on}"
        )


def render_delivery_table(
    report: DeliveryReport, *, color: bool = False, max_parts: int = 200
) -> str:
    buf = io.StringIO()
    _server(_console(buf, color), report.result, max_parts)
    return buf.getvalue()


def render_shipment_table(report: ShipmentReport, *, color: bool = False) -> str:
    buf = io.StringIO()
    console = _console(buf, color)
    s = report.shipment
    summary = s.summary()
    ok = str(s.verdict) == "pass"
    console.print(
        f"[bold]shipment {escape(s.directory)}[/]: {'[green]PASS[/]' if ok else '[red]FAIL[/]'}"
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
            escape(r.server),
            "[green]pass[/]" if good else "[red]fail[/]",
            "verified" if r.signature_ok else "[red]failed[/]",
            *(str(counts.get(k, "-")) for k in ("matched", "missing", "unexpected", "substituted",
                                                 "drifted")),
            escape("; ".join(r.reasons())),
        )  # fmt: skip
    console.print(table)
    console.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items()))
    if s.other_entries:
        console.print(f"not server directories, not verified: {escape(', '.join(s.other_entries))}")
    return buf.getvalue()
