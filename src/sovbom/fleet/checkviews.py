"""A server's check as the dashboard shows it, stored when ``fleet recheck`` records its verdict.

Checking a 3,000-component BOM and drawing its picture takes about a second; the dashboard's
server page must answer in a fraction of that. So ``fleet recheck`` keeps, with each verdict, what
the page shows of that check: the verdict and counts, every finding (as the JSON endpoint gives it
and as the findings table shows it, with its provenance paths) and the picture. A stored view is
keyed by the BOM, the policy's SHA-256, the as-of date and the fail-on level (revision 0004), so
the page never shows a check made of another document or under another policy; without a stored
view the dashboard checks the BOM itself.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson

from sovbom import __version__

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sovbom.checking import CheckReport
    from sovbom.fleet.store import FleetStore


@dataclass(slots=True)
class CheckView:
    """What the server page shows of one check, findings in listing order (worst first)."""

    verdict: str
    as_of: str
    fail_on: str
    counts: dict[str, int]
    domestic_share: float | None
    #: each finding as the JSON endpoint lists it (``to_dict`` and ``path_labels``)
    items: list[dict[str, Any]]
    #: each finding as the findings table shows it (the same order)
    rows: list[dict[str, Any]]
    graph_svg: str
    #: the sovbom version that made it: another version's stored check is not shown (its rules
    #: or its drawing may differ), the dashboard checks the BOM itself instead
    made_by: str = ""

    def to_bytes(self) -> bytes:
        return zlib.compress(orjson.dumps(asdict(self)), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> CheckView:
        return cls(**orjson.loads(zlib.decompress(data)))


def build_view(report: CheckReport) -> CheckView:
    """The view of a check: its findings listed and labelled, and the picture drawn."""
    from sovbom.report.html.check import finding_rows, sort_findings
    from sovbom.report.html.graph import graph_svg
    from sovbom.units import UnitNames

    names = UnitNames.of(report.graph)
    findings = sort_findings(report.result.findings)
    items = []
    for f in findings:
        d = f.to_dict()
        d["path_labels"] = [[names(r) for r in p] for p in f.paths[:3]]
        items.append(d)
    counts = report.result.counts_by_severity()
    return CheckView(
        verdict=report.verdict, as_of=str(report.as_of), fail_on=report.fail_on,
        counts={k: v for k, v in counts.items() if v},
        domestic_share=report.result.total_share().to_dict()["domestic_share"],
        items=orjson.loads(orjson.dumps(items)), rows=orjson.loads(orjson.dumps(
            finding_rows(findings, names))),
        graph_svg=graph_svg(report.graph, report.policy, report.result.findings, "g"),
        made_by=__version__,
    )  # fmt: skip


def save_views(
    conn: Connection, policy_sha256: str, as_of: dt.date, fail_on: str,
    views: list[tuple[int, bytes]],
) -> None:  # fmt: skip
    """Store (bom id, view) pairs, replacing any stored under the same key."""
    from sqlalchemy import delete

    from sovbom.fleet.schema import check_views as cv

    for start in range(0, len(views), 500):
        chunk = views[start : start + 500]
        conn.execute(
            delete(cv).where(cv.c.policy_sha256 == policy_sha256, cv.c.as_of == as_of,
                             cv.c.fail_on == fail_on, cv.c.bom_id.in_([b for b, _ in chunk]))
        )  # fmt: skip
        conn.execute(cv.insert(), [
            {"bom_id": b, "policy_sha256": policy_sha256, "as_of": as_of, "fail_on": fail_on,
             "view": v} for b, v in chunk
        ])  # fmt: skip


def load_view(
    store: FleetStore, bom_sha256: str, policy_sha256: str | None, as_of: dt.date, fail_on: str
) -> CheckView | None:
    """The stored view of that BOM's check under that policy, date and level, if there is one."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms
    from sovbom.fleet.schema import check_views as cv

    if policy_sha256 is None:
        return None
    with store.engine.connect() as conn:
        data = conn.execute(
            select(cv.c.view).select_from(cv.join(boms, boms.c.id == cv.c.bom_id))
            .where(boms.c.sha256 == bom_sha256, cv.c.policy_sha256 == policy_sha256,
                   cv.c.as_of == as_of, cv.c.fail_on == fail_on)
        ).scalar()  # fmt: skip
    if data is None:
        return None
    try:
        view = CheckView.from_bytes(data)
    except (zlib.error, orjson.JSONDecodeError, TypeError):
        return None  # unreadable: checked afresh, as when none is stored
    return view if view.made_by == __version__ else None


__all__ = ["CheckView", "build_view", "load_view", "save_views"]
