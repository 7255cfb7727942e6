"""Origins by stage in the HTML report: the domestic share per stage (a table with an inline SVG
chart per stage, by count and by declared cost) and the origin claim evaluated with the check.

The markup is the template ``origins.html.j2`` (autoescaping); :func:`origins_sections` is set
into the check report's sections (and so into each re-checked BOM of an inspection report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from sovbom.report.html.page import environment

if TYPE_CHECKING:
    from sovbom.checking import CheckReport

TEMPLATE = "origins.html.j2"


def _macro(name: str, *args: Any) -> str:
    module = environment().get_template(TEMPLATE).module
    out: Markup = getattr(module, name)(*args)
    return str(out)


def stage_shares_html(by_stage: Mapping[str, Any], prefix: str = "c") -> str:
    """The domestic share of each stage and of all stages (``StageShares.to_dict()``)."""
    rows = [*by_stage["stages"].items(), ("all stages", by_stage["all"])]
    return _macro("stage_shares", prefix, rows)


def claim_html(result: Mapping[str, Any], prefix: str = "c") -> str:
    """An origin claim result: its verdict, each condition, and why a condition fails."""
    from sovbom.claims import claim_title, condition_rows

    return _macro(
        "claim", prefix, claim_title(result), bool(result.get("holds")), condition_rows(result)
    )


def origins_sections(report: CheckReport, prefix: str = "c", level: int = 2) -> str:
    """The stage shares (when parts declare stages) and the claim (with ``check --claim``)."""
    h = f"h{level}"
    out = ""
    if report.result.stages:
        out += _macro("heading", h, "Domestic share by stage (value: declared cost)", None)
        out += stage_shares_html(report.result.stages.to_dict(), prefix)
    if report.claim is not None:
        out += _macro("heading", h, "Origin claim", f"{prefix}-claim-h")
        out += claim_html(report.claim, prefix)
    return out


__all__ = ["claim_html", "origins_sections", "stage_shares_html"]
