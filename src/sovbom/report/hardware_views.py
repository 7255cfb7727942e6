"""Hardware identity in every check report format: which parts proved who they are, and on
what basis (the root their chain leads to, measurements verified, nonce, revocation), and why the
others did not (the named reasons). One module so that each renderer adds a few lines only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.identity.levels import PartIdentity

TITLE = "Hardware identity"


def _parts(report: CheckReport) -> list[PartIdentity]:
    return report.hardware_identity or []


def headline(report: CheckReport) -> str:
    parts = _parts(report)
    proved = sum(p.proved for p in parts)
    return f"{proved} of {len(parts)} part(s) with identity evidence proved their identity"


def hardware_dict(report: CheckReport) -> list[dict[str, Any]] | None:
    """The JSON report's ``hardware_identity`` (None: not checked, the key is left out)."""
    if report.hardware_identity is None:
        return None
    return [p.to_dict() for p in report.hardware_identity]


def text_lines(report: CheckReport) -> list[str]:
    """Plain lines for the terminal table (empty when hardware identity was not checked)."""
    if report.hardware_identity is None:
        return []
    lines = [f"{TITLE}: {headline(report)}"]
    for p in _parts(report):
        mark = "proved    " if p.proved else "NOT proved"
        lines.append(f"  {mark}  {p.ref}: {p.summary()}")
    return lines


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown_lines(report: CheckReport) -> list[str]:
    if report.hardware_identity is None:
        return []
    lines = ["", f"## {TITLE}", "", headline(report) + ".", ""]
    if not report.hardware_identity:
        return lines
    lines += ["| part | proved | basis, or why not |", "|---|---|---|"]
    for p in _parts(report):
        proved = "**yes**" if p.proved else "no"
        lines.append(f"| `{_cell(p.ref)}` | {proved} | {_cell(p.summary())} |")
    return lines


def sarif_properties(report: CheckReport) -> dict[str, Any]:
    """For the SARIF run's property bag (empty when hardware identity was not checked)."""
    parts = hardware_dict(report)
    return {} if parts is None else {"hardwareIdentity": parts}
