"""The inspection of an evidence pack: verdict, trust material, servers, every check, each BOM.

The markup is the template ``report/inspect.html.j2``; each re-run check is the check report's
sections (:func:`sovbom.report.html.check.check_sections`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovbom.report.html.check import check_sections
from sovbom.report.html.page import html, macro, page

if TYPE_CHECKING:
    from sovbom.pack.inspect import InspectReport

_TRUST = {
    "inspector": "the inspector's own",
    "packed": "the pack's own (operator's)",
    "none": "none: signatures not checked",
}


def render_inspect(report: InspectReport) -> str:
    holds = report.holds
    if holds:
        head = "HOLDS \u2014 every digest, signature and packed verdict checked out"
    else:
        head = f"DOES NOT HOLD \u2014 {len(report.failures)} of {len(report.checks)} checks failed"
    view = {
        "holds": holds, "head": head,
        "verdicts": "; ".join(
            f"{b.member.split('/', 1)[-1]}: {(b.verdict or 'not checked').upper()}"
            for b in report.boms
        ),
        "warnings": report.warnings, "trust": _trust(report), "boms": _boms(report),
        "checks": sorted(report.checks, key=lambda c: c.ok), "reports": report.reports,
    }  # fmt: skip
    return page(f"sovbom inspect: {report.archive}",
                str(macro("report/inspect.html.j2", "inspect", view)))  # fmt: skip


def _trust(report: InspectReport) -> dict[str, Any]:
    return {
        "archive": report.archive, "sha256": report.archive_sha256,
        "as_of": report.index.get("as_of") or "not recorded",
        "material": _TRUST.get(report.trust_source, report.trust_source),
        "root": report.trust_root or {}, "signers": report.signers_source,
    }  # fmt: skip


def _boms(report: InspectReport) -> list[dict[str, Any]]:
    """Each packed BOM: its row in the table and its section (the re-run check, when run)."""
    return [
        {
            "member": b.member, "signature": b.signature or {}, "raw_signature": b.signature,
            "schema_ok": b.schema_ok, "integrity_ok": b.integrity_ok, "verdict": b.verdict,
            "packed_verdict": b.packed_verdict,
            "sections": None if b.check is None
            else html(check_sections(b.check, prefix=f"b{i}", level=3)),
        }
        for i, b in enumerate(report.boms)
    ]  # fmt: skip
