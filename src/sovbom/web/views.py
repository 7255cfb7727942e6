"""What each dashboard page and JSON endpoint shows, as plain data (the same for both).

A :class:`Dashboard` holds the open store, the policy the fleet is judged by and small caches:
the fleet summary and a server's check are computed once per state of the fleet (a new BOM or
recheck empties the caches), so a page served again costs only its own paged queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom.web import queries
from sovbom.web.queries import PAGE_SIZE, Cache, Page

if TYPE_CHECKING:
    from sovbom.fleet.checkviews import CheckView
    from sovbom.fleet.store import FleetStore
    from sovbom.fleet.summary import Share, SummaryReport
    from sovbom.policy import Policy

#: Suppliers shown in the overview (the largest by judged components).
TOP_SUPPLIERS = 25
_KINDS = ("domestic", "approved", "other", "unknown")


@dataclass(slots=True)
class ServerCheck:
    """A server's newest BOM checked (stored by ``fleet recheck``, else checked here), and the
    signature the check was given (verified at ingest)."""

    view: CheckView
    #: the signature as the check report gives it (``Verdict.to_dict``), None when unsigned
    signature: dict[str, Any] | None


def chart_rows(shares: dict[str, Share], *, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of a stacked bar chart: each group's judged components by kind, as percentages."""
    items = sorted(shares.items(), key=lambda kv: (-kv[1].total, kv[0]))
    if limit is not None:
        items = items[:limit]
    rows = []
    for name, s in items:
        x = 0.0
        segments = []
        for kind in _KINDS:
            n = getattr(s, kind)
            w = 100.0 * n / s.total if s.total else 0.0
            if w:
                segments.append({"kind": kind, "x": round(x, 3), "w": round(w, 3), "n": n})
            x += w
        share = s.domestic_share
        rows.append({"label": name, "total": s.total, "segments": segments,
                     "share": share, "pct": "\u2013" if share is None else f"{share:.1%}"})  # fmt: skip
    return rows


@dataclass(slots=True)
class Dashboard:
    store: FleetStore
    policy: Policy
    fail_on: str = "high"
    as_of: dt.date = field(default_factory=dt.date.today)
    _summaries: Cache = field(default_factory=lambda: Cache(8))
    _checks: Cache = field(default_factory=lambda: Cache(16))

    def warm(self) -> None:
        """Ready the first views: load the checking code, compile every template, compute the
        overview's summary, check one server (``sovbom serve`` calls this before it accepts
        connections)."""
        import gc

        import sovbom.checking  # noqa: F401
        import sovbom.cyclonedx.reader  # noqa: F401
        import sovbom.fleet.query  # noqa: F401
        import sovbom.report.html.graph  # noqa: F401
        import sovbom.signing  # noqa: F401
        import sovbom.trace  # noqa: F401
        from sovbom.report.html.page import environment

        env = environment()
        for name in env.list_templates(extensions=["j2"]):
            env.get_template(name)
        self.summary(None, None)
        first = self.servers(limit=1).rows
        if first:  # one server's page, to load what checking and drawing load on first use
            self.server(first[0]["key"], limit=1)
        gc.freeze()  # what is loaded now stays out of the collector's scans

    def state(self) -> tuple[int, int, int]:
        return queries.fleet_state(self.store)

    # -- overview --------------------------------------------------------------------------
    def summary(self, as_of: dt.date | None, since: dt.date | None) -> SummaryReport:
        from sovbom.fleet.shares import summarize_shares

        return self._summaries.get(
            self.state(), (as_of, since),
            lambda: summarize_shares(self.store, self.policy, as_of=as_of, since=since),
        )  # fmt: skip

    def overview(
        self, as_of: dt.date | None = None, since: dt.date | None = None
    ) -> dict[str, Any]:
        report = self.summary(as_of, since)
        now = report.now
        denied = sum(s.total for c, s in now.by["country"].items() if c in self.policy.denied)
        failing = queries.failing_servers(self.store)
        suppliers = sorted(now.by["supplier"].items(), key=lambda kv: (-kv[1].total, kv[0]))
        return {
            "store": self.store.display,
            "policy": self.policy.source,
            "as_of": now.as_of,
            "since": report.since.as_of if report.since else None,
            "headline": report.headline(),
            "servers": now.servers,
            "unsigned_servers": now.unsigned_servers,
            "components": now.components,
            "unverified_components": now.unverified_components,
            "denied_components": denied,
            "denied_countries": sorted(self.policy.denied),
            "failing_servers": None if failing is None else failing[0],
            "judged_servers": None if failing is None else failing[1],
            "sites": [{"site": s, "servers": n} for s, n in queries.sites(self.store)],
            "suppliers": len(suppliers),
            "total": now.total.to_dict(),
            "by_class": {k: v.to_dict() for k, v in sorted(now.by["class"].items())},
            "by_site": {k: v.to_dict() for k, v in sorted(now.by["site"].items())},
            "by_country": {k: v.to_dict() for k, v in sorted(now.by["country"].items())},
            "top_suppliers": {k: v.to_dict() for k, v in suppliers[:TOP_SUPPLIERS]},
            "trend": (
                {
                    "total": _delta(now.total.domestic_share, report.since.total.domestic_share),
                    "by_class": report.trend("class"),
                    "by_site": report.trend("site"),
                }
                if report.since is not None
                else None
            ),  # fmt: skip
        }

    def overview_charts(self, as_of: dt.date | None, since: dt.date | None) -> dict[str, Any]:
        now = self.summary(as_of, since).now
        return {
            "class": chart_rows(now.by["class"]),
            "site": chart_rows(now.by["site"]),
            "supplier": chart_rows(now.by["supplier"], limit=TOP_SUPPLIERS),
        }

    # -- servers ---------------------------------------------------------------------------
    def servers(self, **filters: Any) -> Page:
        return queries.list_servers(self.store, **filters)

    def check(self, key: str, sha256: str) -> ServerCheck:
        """The server's newest BOM (``sha256``) checked: the view ``fleet recheck`` stored under
        this policy, date and level, else checked here (and kept while the fleet is unchanged)."""
        from sovbom.fleet.checkviews import build_view, load_view

        def compute() -> ServerCheck:
            stored = load_view(self.store, sha256, self.policy.sha256, self.as_of, self.fail_on)
            if stored is not None:
                verdict = queries.ingest_signature(self.store, sha256)
                return ServerCheck(stored, None if verdict is None else verdict.to_dict())
            report = queries.check_newest(
                self.store, key, self.policy, as_of=self.as_of, fail_on=self.fail_on
            )
            return ServerCheck(build_view(report), report.signature)

        return self._checks.get(self.state(), (key, sha256), compute)

    def server(self, key: str, *, offset: int = 0, limit: int = PAGE_SIZE) -> dict[str, Any]:
        """A server's versions and verdicts, and a page of its newest BOM's findings."""
        detail = queries.server_detail(self.store, key)
        out = detail.to_dict()
        newest = detail.versions[0]
        view = self.check(key, newest["sha256"]).view
        offset, limit = queries.clamp(offset, limit)
        shown = view.items[offset : offset + limit]
        out["check"] = {
            "bom_sha256": newest["sha256"], "policy": self.policy.source, "as_of": view.as_of,
            "fail_on": view.fail_on, "verdict": view.verdict, "counts": view.counts,
            "domestic_share": view.domestic_share,
            "findings": Page(shown, offset, limit, len(view.items),
                             offset + len(shown) < len(view.items)).to_dict(),
        }  # fmt: skip
        return out

    # -- search and rechecks ---------------------------------------------------------------
    def search(
        self, query: str, *, as_of: dt.date | None = None, offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> dict[str, Any]:  # fmt: skip
        from sovbom.fleet.paged import where_used_page
        from sovbom.trace import parse_query

        offset, limit = queries.clamp(offset, limit)
        report = where_used_page(self.store, parse_query(query), as_of=as_of, limit=limit,
                                 offset=offset)  # fmt: skip
        matches = report.matches
        return {
            "query": report.query, "as_of": report.as_of,
            "servers_in_fleet": report.servers_in_fleet, "total": report.total,
            "more_than": report.more_than, "servers_matched": report.servers_matched,
            "offset": offset, "limit": limit, "more": report.more,
            "items": [
                {"server": m.server, "server_name": m.server_name, "site": m.site,
                 "bom_sha256": m.bom_sha256,
                 "produced_at": m.produced_at.isoformat().replace("+00:00", "Z"), "ref": m.ref,
                 "name": m.name, "type": m.type, "class": m.cls, "countries": list(m.countries),
                 "path": [{"ref": r, "label": t} for r, t in m.path]}
                for m in matches
            ],
        }  # fmt: skip

    def rechecks(self, *, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
        return queries.rechecks_list(self.store, offset=offset, limit=limit)

    def recheck(
        self, recheck_id: int | None, *, changed_only: bool = True, offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> queries.RecheckPage:  # fmt: skip
        return queries.recheck_servers(self.store, recheck_id, changed_only=changed_only,
                                       offset=offset, limit=limit)  # fmt: skip


def _delta(now: float | None, before: float | None) -> float | None:
    return round(now - before, 4) if now is not None and before is not None else None


__all__ = ["Dashboard", "ServerCheck", "chart_rows"]
