"""Delivery verification: one server (verdict, signature, identity, every part) and a shipment.

The markup is the template ``report/delivery.html.j2``; this module prepares what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sovbom.report.html.check import finding_rows, share_rows
from sovbom.report.html.page import html, macro, page, short

if TYPE_CHECKING:
    from sovbom.delivery import Comparison, DeliveryResult, PartResult
    from sovbom.report.interface import DeliveryReport, ShipmentReport

_TEMPLATE = "report/delivery.html.j2"
_PART_BADGE = {
    "matched": "b-ok",
    "missing": "b-fail",
    "unexpected": "b-fail",
    "substituted": "b-fail",
    "drifted": "b-other",
}


def render_delivery(report: DeliveryReport) -> str:
    r = report.result
    title = macro("report/macros.html.j2", "heading", f"Delivery verification: {r.server}")
    checked = macro("report/macros.html.j2", "paragraph", f"Checked on {report.as_of}.")
    body = str(title) + str(checked) + delivery_sections(r)
    return page(f"sovbom verify-delivery: {r.server}", body)


def render_shipment(report: ShipmentReport) -> str:
    s = report.shipment
    summary = s.summary()
    rows = [
        {
            "server": r.server, "passed": str(r.verdict) == "pass",
            "signer": (r.signature or {}).get("identity") if r.signature_ok else "NOT VERIFIED",
            "why": "; ".join(r.reasons()), "report": report.report_file(r.server) or "",
            "sections": html(delivery_sections(r, f"s{i}", level=3)),
        }
        for i, r in enumerate(s.servers)
    ]  # fmt: skip
    view = {
        "directory": s.directory, "ok": str(s.verdict) == "pass", "as_of": report.as_of,
        "head": ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items()), "rows": rows,
    }  # fmt: skip
    return page(f"sovbom verify-delivery: {s.directory}", str(macro(_TEMPLATE, "shipment", view)))


def delivery_sections(r: DeliveryResult, prefix: str = "d", level: int = 2) -> str:
    """The body of one server's delivery report."""
    signature = dict(r.signature or {})
    if not r.signature_ok:
        signature = {"ok": False, "reason": r.signature_reason or "not verified"}
    view = {
        "prefix": prefix, "ok": str(r.verdict) == "pass", "reasons": "; ".join(r.reasons()),
        "facts": _facts(r), "notes": list(r.observed_notes), "signature": signature or None,
        "comparison": _comparison(r.comparison, prefix) if r.comparison is not None else None,
        "policy": (
            {"findings": finding_rows(r.policy.findings), "shares": share_rows(r.policy)}
            if r.policy is not None else None
        ),
        "unexpected": finding_rows(r.unexpected_findings),
    }  # fmt: skip
    return str(macro(_TEMPLATE, "delivery_sections", view, level))


def _facts(r: DeliveryResult) -> list[tuple[str, str | None, str]]:
    """(name, value, how it is shown: text, code, or code marked incomplete)."""
    facts: list[tuple[str, str | None, str]] = [
        ("Server", r.server, "text"),
        ("Expected HBOM", r.expected.source, "code"),
        ("Expected sha256", r.expected.sha256, "code"),
    ]
    if r.observed is not None:
        facts.append(
            ("Observed", r.observed.source, "code" if r.observed_complete else "incomplete")
        )
    if r.policy_source:
        facts.append(("Policy", r.policy_source, "code"))
    return facts


def _comparison(c: Comparison, prefix: str) -> dict[str, Any]:
    """The server's identity, the parts picture and the table of every part."""
    return {
        "prefix": prefix, "identity": c.identity,
        "counts": ", ".join(f"{n} {k}" for k, n in c.counts().items() if n),
        "ignored": c.ignored_unexpected, "verified": len(c.verified),
        "picture": _parts_picture(c.parts, prefix), "parts": _parts_table(c.parts),
    }  # fmt: skip


def _parts_table(parts: Sequence[PartResult]) -> list[dict[str, Any]]:
    rows = []
    for p in sorted(parts, key=lambda p: (str(p.status) == "matched", p.cls or "", p.name)):
        status = str(p.status)
        diffs = [
            f"{f.field}{f' ({f.firmware})' if f.firmware else ''}: expected"
            f" {f.expected!r}, found {f.found!r}"
            for f in p.mismatches
        ]
        rows.append({
            "status": status, "badge": _PART_BADGE.get(status, "b-fail"), "cls": p.cls or "",
            "name": p.name, "location": p.location or "", "matched_by": p.matched_by or "",
            "diffs": diffs, "unverified": p.unverified,
            "ref": p.expected_ref or p.found_ref or "",
        })  # fmt: skip
    return rows


def _parts_picture(parts: Sequence[PartResult], prefix: str) -> dict[str, Any] | None:
    """Every part as a square, one row per class, coloured by its delivery verdict."""
    by_class: dict[str, list[PartResult]] = {}
    for p in parts:
        by_class.setdefault(p.cls or "other", []).append(p)
    if not by_class:
        return None
    size, gap, left, per_row = 14, 3, 150, 48
    rows: list[tuple[str, int, list[tuple[int, int, str, str]]]] = []
    y = 8
    for cls, items in sorted(by_class.items()):
        squares = []
        for i, p in enumerate(items):
            status = str(p.status)
            colour = {"matched": "domestic", "drifted": "other", "not-observed": "unknown"}.get(
                status, "denied"
            )
            tip = f"{p.name} ({status})" + (f" at {p.location}" if p.location else "")
            tip += "".join(
                f"\n{f.field}: expected {f.expected!r}, found {f.found!r}" for f in p.mismatches
            )
            squares.append((left + (i % per_row) * (size + gap),
                            y + (i // per_row) * (size + gap), colour, tip))  # fmt: skip
        rows.append((f"{short(cls, 20)} ({len(items)})", y + 11, squares))
        y += ((len(items) - 1) // per_row + 1) * (size + gap) + 8
    width = left + per_row * (size + gap) + 10
    return {"prefix": prefix, "width": width, "height": y + 4, "size": size, "rows": rows}
