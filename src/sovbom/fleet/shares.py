"""Each BOM's components counted once (``bom_shares``), and the fleet summary added up from them.

Ingest counts a BOM's components by what a summary groups them by (type, class, judged country,
supplier else maker, verified at delivery) where it flattens them (:func:`shares_of`) and stores
the counts in the transaction that stores the BOM; a later delivery report that marks components
verified has them counted again in SQL (:func:`count_shares`). :func:`shares_summary` then
answers what :func:`sovbom.fleet.summary.fleet_summary` answers by adding up these few rows per
server's newest BOM; a newest BOM without counts (stored by an older sovbom) is counted from its
components.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sovbom.fleet.extract import COMPONENT_COLUMNS, ComponentRow
from sovbom.fleet.summary import UNKNOWN, FleetSummary, Share, SummaryReport

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Connection

    from sovbom.fleet.store import FleetStore
    from sovbom.policy import Policy


def _grouped(bom_id: Any) -> Select[Any]:
    """A stored BOM's components grouped as ``bom_shares`` stores them."""
    from sqlalchemy import case, func, select

    from sovbom.fleet.schema import components

    c = components.c
    supplier = func.coalesce(c.supplier, c.manufacturer)
    verified = case((c.verified.is_(None), 0), else_=1)
    stmt = select(c.bom_id, c.type, c.cls, c.country, supplier, verified, func.count())
    stmt = stmt.where(c.bom_id == bom_id)
    return stmt.group_by(c.bom_id, c.type, c.cls, c.country, supplier, verified)


def count_shares(conn: Connection, bom_id: int) -> None:
    """Recount one stored BOM's components into ``bom_shares`` (in the caller's transaction),
    e.g. after a delivery report marked some of them verified."""
    from sovbom.fleet.schema import bom_shares

    conn.execute(bom_shares.delete().where(bom_shares.c.bom_id == bom_id))
    conn.execute(bom_shares.insert().from_select(list(SHARE_COLUMNS), _grouped(bom_id)))


#: ``bom_shares``'s columns: the BOM's id, then a :data:`ShareRow`
SHARE_COLUMNS = ("bom_id", "type", "cls", "country", "supplier", "verified", "n")
#: (type, class, judged country, supplier, maker, verified at delivery) of a component row
_SHARE_FIELDS = ("type", "cls", "country", "supplier", "manufacturer", "verified")
_SHARE_KEY = itemgetter(*(COMPONENT_COLUMNS.index(c) for c in _SHARE_FIELDS))
ShareRow = tuple[str | None, str | None, str | None, str | None, int, int]


def shares_of(rows: Iterable[ComponentRow]) -> list[ShareRow]:
    """A BOM's component rows counted as :func:`_grouped` counts them once stored: (type, class,
    country, supplier else maker, 1 when verified else 0, how many), before the BOM has an id.

    Ingest counts each new BOM so in the worker process that flattened it, while the rows are at
    hand, instead of grouping them again in the database once they are stored (SQL's
    ``coalesce``: only a missing supplier, not an empty name, falls back to the maker; a test
    compares both ways).
    """
    counts = Counter(
        (t, cls, country, maker if supplier is None else supplier, 0 if verified is None else 1)
        for t, cls, country, supplier, maker, verified in map(_SHARE_KEY, rows)
    )
    return [(*key, n) for key, n in counts.items()]


def store_shares(conn: Connection, counted: Sequence[tuple[int, Sequence[ShareRow]]]) -> None:
    """Store the counts :func:`shares_of` made of BOMs just stored (their ids given), in one
    statement (in the caller's transaction)."""
    from sovbom.fleet.schema import bom_shares

    rows = [dict(zip(SHARE_COLUMNS, (bom_id, *share), strict=True))
            for bom_id, shares in counted for share in shares]  # fmt: skip
    if rows:
        conn.execute(bom_shares.insert(), rows)


def _rows(conn: Connection, latest: Any) -> list[tuple[Any, ...]]:
    """(type, cls, country, supplier, site, signed, verified, n) over the newest BOMs."""
    from sqlalchemy import exists, func, select

    from sovbom.fleet.schema import bom_shares, boms, servers

    s = bom_shares.c
    signed = (boms.c.signature == "verified").label("signed")
    counted = (
        select(s.type, s.cls, s.country, s.supplier, servers.c.site, signed,
               s.verified, func.sum(s.n).label("n"))
        .select_from(bom_shares.join(boms, boms.c.id == s.bom_id)
                     .join(servers, servers.c.id == boms.c.server_id))
        # IN, not a join: the newest BOMs are looked up once (a join re-reads them per row)
        .where(s.bom_id.in_(select(latest.c.id)))
        .group_by(s.type, s.cls, s.country, s.supplier, servers.c.site, signed, s.verified)
    )  # fmt: skip
    rows: list[tuple[Any, ...]] = [tuple(r) for r in conn.execute(counted)]
    uncounted = (
        select(latest.c.id).where(~exists().where(s.bom_id == latest.c.id)).scalar_subquery()
    )
    missing = conn.execute(select(boms.c.id).where(boms.c.id.in_(uncounted))).scalars().all()
    for bom_id in missing:  # stored before revision 0003 kept counts: count them here
        site, is_signed = conn.execute(
            select(servers.c.site, boms.c.signature == "verified")
            .select_from(boms.join(servers, servers.c.id == boms.c.server_id))
            .where(boms.c.id == bom_id)
        ).one()  # fmt: skip
        rows.extend(
            (t, cls, country, supplier, site, bool(is_signed), verified, n)
            for _, t, cls, country, supplier, verified, n in conn.execute(_grouped(bom_id))
        )
    return rows


def shares_summary(store: FleetStore, policy: Policy, *, as_of: dt.date | None) -> FleetSummary:
    """:func:`~sovbom.fleet.summary.fleet_summary`'s figures, added up from ``bom_shares``."""
    from sqlalchemy import func, select

    from sovbom.fleet.query import end_of, latest_boms
    from sovbom.fleet.schema import boms
    from sovbom.fleet.summary import _add, _classify

    latest = latest_boms(end_of(as_of))
    out = FleetSummary(as_of.isoformat() if as_of else None)
    with store.engine.connect() as conn:
        signed = (boms.c.signature == "verified").label("signed")
        counted = conn.execute(
            select(signed, func.count())
            .select_from(latest.join(boms, boms.c.id == latest.c.id))
            .group_by(signed)
        ).all()  # fmt: skip
        rows = _rows(conn, latest)
    out.servers = sum(int(n) for _, n in counted)
    out.unsigned_servers = sum(int(n) for s, n in counted if not s)
    for t, cls, country, supplier, site, is_signed, verified, n in rows:
        n = int(n)
        out.components += n
        if not is_signed and not verified:
            out.unverified_components += n
        if not policy.in_origin_scope(t, cls):
            continue
        kind = _classify(country, policy)
        _add(out.total, kind, n)
        keys = {"class": cls or t, "site": site, "supplier": supplier, "country": country}
        for dim, key in keys.items():
            _add(out.by[dim].setdefault(key or UNKNOWN, Share()), kind, n)
    return out


def summarize_shares(
    store: FleetStore, policy: Policy, *, as_of: dt.date | None, since: dt.date | None
) -> SummaryReport:
    """:func:`~sovbom.fleet.summary.summarize` from ``bom_shares``."""
    now = shares_summary(store, policy, as_of=as_of)
    before = shares_summary(store, policy, as_of=since) if since is not None else None
    return SummaryReport(policy.source, now, before)


__all__ = [
    "SHARE_COLUMNS",
    "ShareRow",
    "count_shares",
    "shares_of",
    "shares_summary",
    "store_shares",
    "summarize_shares",
]
