"""Hardware identity in the HTML check report: the table of parts that proved their identity (and
the basis) and of those that did not (and why), and the marks the provenance graph draws."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sovbom.report.html.page import macro

if TYPE_CHECKING:
    from sovbom.checking import CheckReport

#: graph mark classes: a part that proved its hardware identity, and one that did not
PROVED, NOT_PROVED = "hw-proved", "hw-failed"


def identity_marks(report: CheckReport) -> dict[str, bool] | None:
    """bom-ref -> proved, for the graph (None: hardware identity not checked)."""
    if report.hardware_identity is None:
        return None
    return {p.ref: p.proved for p in report.hardware_identity}


def mark_of(marks: Mapping[str, bool] | None, refs: list[str]) -> str | None:
    """The mark of a drawn node: proved when every part it stands for proved, not proved when
    one did not, None when none carries identity evidence."""
    if not marks:
        return None
    known = [marks[r] for r in refs if r in marks]
    if not known:
        return None
    return PROVED if all(known) else NOT_PROVED


def legend_lines(marks: Mapping[str, bool] | None) -> list[tuple[str, str]]:
    """The graph legend's lines for the identity rings (none when identity was not checked)."""
    if marks is None:
        return []
    return [
        (
            PROVED,
            "green ring: proved its hardware identity (device key, chain to a configured root)",
        ),
        (NOT_PROVED, "orange ring: hardware identity not proved (see the reason)"),
    ]


def tooltip(
    marks: Mapping[str, bool] | None, report_lines: Mapping[str, str], refs: list[str]
) -> str:
    """What the node's tooltip says of the hardware identity of the parts it stands for."""
    known = [r for r in refs if marks and r in marks]
    if not marks or not known:
        return ""
    if len(known) == 1:
        ref = known[0]
        head = "hardware identity proved" if marks[ref] else "hardware identity NOT proved"
        return f"{head}: {report_lines.get(ref, '')}"
    failed = [r for r in known if not marks[r]]
    lines = [f"hardware identity proved by {len(known) - len(failed)} of {len(known)}"]
    lines += [f"NOT proved: {r}: {report_lines.get(r, '')}" for r in failed[:5]]
    return "\n".join(lines)


def hardware_html(report: CheckReport, h: str) -> str:
    """The section (empty when hardware identity was not checked): the template
    ``report/hardware.html.j2``."""
    parts = report.hardware_identity
    if parts is None:
        return ""
    rows = [
        {
            "mark": PROVED if p.proved else NOT_PROVED,
            "label": "proved" if p.proved else "not proved",
            "name": p.name, "ref": p.ref, "root": p.root or "",
            "root_sha256": (p.root_sha256 or "")[:16],
            "measurements": p.measurement_text if p.proved else "",
            "nonce": p.nonce or "", "revocation": p.revocation.replace("-", " "),
            "summary": p.summary(),
        }
        for p in parts
    ]  # fmt: skip
    proved = sum(p.proved for p in parts)
    return str(macro("report/hardware.html.j2", "hardware_section", h, proved, rows))
