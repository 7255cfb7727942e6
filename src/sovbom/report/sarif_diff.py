"""The diff report in SARIF 2.1.0: one result per component that differs.

Rules ``diff-removed``, ``diff-added``, ``diff-changed``, ``diff-moved`` (level ``note``: a
difference is not a defect; ``--fail-on-change`` decides what fails). A removed component is
located at the line of its bom-ref in A; the others in B.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sovbom.report.sarif import RuleInfo, _Run, ref_lines

if TYPE_CHECKING:
    from sovbom.diff import DiffReport, Entry

RULES = {
    "diff-removed": RuleInfo("A component of A is not in B.", "diff", "note"),
    "diff-added": RuleInfo("A component of B is not in A.", "diff", "note"),
    "diff-changed": RuleInfo("A component is in both, with fields that differ.", "diff", "note"),
    "diff-moved": RuleInfo("A component is in both, under another parent.", "diff", "note"),
}


def render_diff(report: DiffReport) -> bytes:
    from sovbom.diff import Status
    from sovbom.report.diff_views import what

    run = _Run(RULES, RULES)
    sides = {
        "a": (run.artifact(report.a.source, report.a.sha256), report.a.source, _lines(report.a.raw)),
        "b": (run.artifact(report.b.source, report.b.sha256), report.b.source, _lines(report.b.raw)),
    }  # fmt: skip
    for e in report.differences:
        side, ref = ("a", e.a_ref) if e.status is Status.REMOVED else ("b", e.b_ref)
        index, uri, lines = sides[side]
        physical = {"artifactLocation": {"uri": uri, "index": index},
                    "region": {"startLine": (lines.get(ref) if ref else None) or 1}}  # fmt: skip
        loc: dict[str, Any] = {"physicalLocation": physical}
        if ref:
            loc["logicalLocations"] = [
                {"name": e.name, "fullyQualifiedName": ref, "kind": "object"}
            ]
        detail = what(e)
        text = f"{e.status} {e.kind} {e.name}" + (f" ({e.detail})" if e.detail else "")
        rule = f"diff-{e.status}"
        res = run.result(rule, "note", text + (f": {detail}" if detail else ""), loc, _props(e))
        res["partialFingerprints"] = {
            "sovbomComponent/v1": f"{rule}:{e.a_ref or ''}>{e.b_ref or ''}"
        }
    return run.render({"changed": report.changed, "summary": report.counts()})


def _lines(raw: bytes) -> dict[str, int]:
    return ref_lines(raw) if raw[:1] != b"<" else {}


def _props(e: Entry) -> dict[str, Any]:
    out = e.to_dict()
    return {"kind": out["kind"], "aRef": out["a_ref"], "bRef": out["b_ref"],
            "matchedBy": out["matched_by"], "changes": out["changes"], "moved": out["moved"]}  # fmt: skip


__all__ = ["RULES", "render_diff"]
