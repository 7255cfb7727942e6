"""``fleet summary``: how domestic the fleet is, by class, site, supplier and country, and the trend.

Counted over each server's newest BOM (on ``as_of``), under a policy's country lists: a component
is *domestic*, *approved*, *other* or *unknown* by the country it is judged by (origin, else maker,
else supplier), for the components in the policy's origin scope. *Unverified* counts what only a
BOM declares: servers whose newest BOM carries no verified signature, and components neither in a
signed BOM nor verified at delivery. With ``since`` the same figures on that date, for the trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovbom.fleet.store import FleetStore
    from sovbom.policy import Policy

UNKNOWN = "(unknown)"
DIMENSIONS = ("class", "site", "supplier", "country")


@dataclass(slots=True)
class Share:
    total: int = 0
    domestic: int = 0
    approved: int = 0
    other: int = 0
    unknown: int = 0

    @property
    def domestic_share(self) -> float | None:
        return round(self.domestic / self.total, 4) if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "domestic": self.domestic, "approved": self.approved,
                "other": self.other, "unknown": self.unknown,
                "domestic_share": self.domestic_share}  # fmt: skip


@dataclass(slots=True)
class FleetSummary:
    as_of: str | None
    servers: int = 0
    unsigned_servers: int = 0
    components: int = 0
    unverified_components: int = 0
    total: Share = field(default_factory=Share)
    by: dict[str, dict[str, Share]] = field(default_factory=lambda: {d: {} for d in DIMENSIONS})

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "servers": self.servers,
            "unsigned_servers": self.unsigned_servers,
            "components": self.components,
            "unverified_components": self.unverified_components,
            "total": self.total.to_dict(),
            **{f"by_{d}": {k: v.to_dict() for k, v in sorted(self.by[d].items())}
               for d in DIMENSIONS},
        }  # fmt: skip


@dataclass(slots=True)
class SummaryReport:
    policy_source: str
    now: FleetSummary
    since: FleetSummary | None = None

    def headline(self) -> str:
        share = self.now.total.domestic_share
        text = (
            f"{self.now.servers} server(s), {self.now.components:,} components;"
            f" domestic share {_pct(share)}"
        )
        if self.since is not None:
            text += f" (was {_pct(self.since.total.domestic_share)} on {self.since.as_of})"
        return text

    def trend(self, dimension: str) -> dict[str, float | None]:
        """Change of the domestic share per group since ``since`` (None when not comparable)."""
        if self.since is None:
            return {}
        out: dict[str, float | None] = {}
        old = self.since.by[dimension]
        for key, share in self.now.by[dimension].items():
            before = old[key].domestic_share if key in old else None
            now = share.domestic_share
            out[key] = round(now - before, 4) if now is not None and before is not None else None
        return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _classify(country: str | None, policy: Policy) -> str:
    if country is None:
        return "unknown"
    if country in policy.domestic:
        return "domestic"
    if country in policy.approved:
        return "approved"
    return "other"


def _add(share: Share, kind: str, n: int) -> None:
    share.total += n
    setattr(share, kind, getattr(share, kind) + n)


def fleet_summary(store: FleetStore, policy: Policy, *, as_of: dt.date | None) -> FleetSummary:
    """The figures for the fleet as it was at the end of ``as_of`` (now when None)."""
    from sqlalchemy import func, select

    from sovbom.fleet.query import end_of, latest_boms
    from sovbom.fleet.schema import boms, components, servers

    latest = latest_boms(end_of(as_of))
    c = components.c
    supplier = func.coalesce(c.supplier, c.manufacturer)
    signed = boms.c.signature == "verified"
    stmt = (
        select(c.type, c.cls, c.country, supplier.label("supplier"), servers.c.site,
               signed.label("signed"), c.verified.is_not(None).label("verified"),
               func.count().label("n"))
        .select_from(components.join(latest, latest.c.id == c.bom_id)
                     .join(boms, boms.c.id == c.bom_id)
                     .join(servers, servers.c.id == boms.c.server_id))
        .group_by(c.type, c.cls, c.country, supplier, servers.c.site, signed,
                  c.verified.is_not(None))
    )  # fmt: skip
    out = FleetSummary(as_of.isoformat() if as_of else None)
    with store.engine.connect() as conn:
        srv = select(func.count(), func.sum(func.cast(~signed, _int()))).select_from(
            latest.join(boms, boms.c.id == latest.c.id)
        )
        count, unsigned = conn.execute(srv).one()
        out.servers, out.unsigned_servers = int(count or 0), int(unsigned or 0)
        rows: Iterable[Any] = conn.execute(stmt).all()
    for r in rows:
        out.components += r.n
        if not r.signed and not r.verified:
            out.unverified_components += r.n
        if not policy.in_origin_scope(r.type, r.cls):
            continue
        kind = _classify(r.country, policy)
        _add(out.total, kind, r.n)
        keys = {"class": r.cls or r.type, "site": r.site, "supplier": r.supplier,
                "country": r.country}  # fmt: skip
        for dim, key in keys.items():
            _add(out.by[dim].setdefault(key or UNKNOWN, Share()), kind, r.n)
    return out


def _int() -> Any:
    from sqlalchemy import Integer

    return Integer()


def summarize(
    store: FleetStore, policy: Policy, *, as_of: dt.date | None, since: dt.date | None
) -> SummaryReport:
    now = fleet_summary(store, policy, as_of=as_of)
    before = fleet_summary(store, policy, as_of=since) if since is not None else None
    return SummaryReport(policy.source, now, before)


__all__ = ["DIMENSIONS", "FleetSummary", "Share", "SummaryReport", "fleet_summary", "summarize"]
