"""Where-used one page at a time, paged and counted in SQL (for the dashboard and scripts).

:func:`sovbom.fleet.query.where_used` reads every match to sort and count them; a broad wildcard
(``name=DIMM 1*`` matches a third of every server) then reads a million rows for a page of fifty.
:func:`where_used_page` answers the same question in the same order (server key, then document
order) without reading more than the page:

* the matches are counted in SQL up to a cap (:data:`COUNT_CAP`), through the components' own
  indexes; up to the cap the total is exact and the page is sorted and sliced by the database
  (``ORDER BY ... LIMIT ... OFFSET``) over at most that many rows;
* above the cap the query is broad: the newest BOMs are walked in server-key order, counting each
  one's matches through the ``(bom_id, ...)`` index, until the page is filled; the report then says
  "more than" the cap instead of a total.

Where SQL cannot test a pattern exactly (a ``[...]`` set on PostgreSQL, where ``LIKE`` only
narrows) it falls back to :func:`~sovbom.fleet.query.where_used`, which matches in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sovbom.fleet.query import (
    WhereUsedMatch,
    _candidates,
    _page,
    _paths,
    as_utc,
    end_of,
    label,
    latest_boms,
    where_used,
)

if TYPE_CHECKING:
    from sqlalchemy import Subquery
    from sqlalchemy.engine import Connection

    from sovbom.fleet.store import FleetStore
    from sovbom.trace import Query

#: Matches counted exactly before a query counts as broad.
COUNT_CAP = 10_000
#: Newest BOMs whose matches are counted in one statement while walking a broad query.
_WALK_CHUNK = 16


@dataclass(slots=True)
class WhereUsedPage:
    """One page of where-used matches, and how many there are in all."""

    query: str
    as_of: str | None
    servers_in_fleet: int
    matches: list[WhereUsedMatch]
    offset: int
    limit: int
    #: every match (all pages); None when there are more than ``more_than``
    total: int | None
    #: servers with a match (all pages); None when not counted (a broad query)
    servers_matched: int | None
    #: a lower bound on the matches when they were not all counted
    more_than: int | None = None

    @property
    def more(self) -> bool:
        """More matches follow this page."""
        if self.total is None:
            return len(self.matches) == self.limit
        return self.offset + len(self.matches) < self.total


def sql_is_exact(q: Query, dialect: str) -> bool:
    """The SQL conditions match exactly what ``trace`` matches (they only narrow otherwise)."""
    return q.key == "country" or dialect == "sqlite" or "[" not in q.value


def where_used_page(
    store: FleetStore,
    q: Query,
    *,
    as_of: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
    count_cap: int | None = None,
) -> WhereUsedPage:
    """The matches ``offset`` to ``offset + limit`` of where-used ``q`` (ordered by server key,
    then document order), counted in SQL up to ``count_cap`` (:data:`COUNT_CAP`)."""
    from sqlalchemy import func, select

    cap = COUNT_CAP if count_cap is None else count_cap
    offset, limit = max(offset, 0), max(limit, 1)
    when = as_of.isoformat() if as_of else None
    if not sql_is_exact(q, store.dialect):
        full = where_used(store, q, as_of=as_of, offset=offset, limit=limit)
        return WhereUsedPage(full.query, when, full.servers_in_fleet, full.matches, offset, limit,
                             full.total, full.servers_matched)  # fmt: skip
    latest = latest_boms(end_of(as_of))
    with store.engine.connect() as conn:
        in_fleet = int(conn.execute(select(func.count()).select_from(latest)).scalar() or 0)
        found = _found(q, latest, store.dialect, cap)
        total, servers = conn.execute(
            select(func.count(), func.count(found.c.key.distinct()))
        ).one()
        if total <= cap:
            ids = [
                r.id
                for r in conn.execute(
                    select(found.c.id).order_by(found.c.key, found.c.id).offset(offset).limit(limit)
                )
            ]
            page = WhereUsedPage(q.describe(), when, in_fleet, [], offset, limit, int(total),
                                 int(servers))  # fmt: skip
        else:
            ids = _walk(conn, q, latest, store.dialect, offset, limit)
            page = WhereUsedPage(q.describe(), when, in_fleet, [], offset, limit, None, None,
                                 more_than=cap)  # fmt: skip
        rows = sorted(_page(conn, ids, latest), key=lambda r: (r.key, r.id))
        paths = _paths(conn, [(r.bom_id, r.ref, r.parent_ref) for r in rows])
    page.matches = [_match(r, paths) for r in rows]
    return page


def _match(r: Any, paths: dict[tuple[int, str | None], list[tuple[str, str]]]) -> WhereUsedMatch:
    own = (r.ref, label(r.name, r.version, r.ref))
    path = [*paths.get((r.bom_id, r.parent_ref), []), own] if r.parent_ref is not None else [own]
    return WhereUsedMatch(
        r.key, r.server_name, r.site, r.sha256, as_utc(r.produced_at), r.ref,
        label(r.name, r.version, r.ref), r.type, r.cls,
        tuple(x for x in (r.countries or "").split(",") if x), path,
    )  # fmt: skip


def _found(q: Query, latest: Subquery, dialect: str, cap: int) -> Subquery:
    """(server key, component id) of the matches, at most ``cap + 1`` of them.

    The LIMIT keeps the database on the components' indexes (it cannot push the outer ORDER BY
    into this statement and walk every server's components in key order instead).
    """
    from sqlalchemy import union

    from sovbom.fleet.schema import components, servers

    stmts = [
        s.with_only_columns(servers.c.key, components.c.id) for s in _candidates(q, latest, dialect)
    ]
    inner: Any = stmts[0] if len(stmts) == 1 else union(*stmts)
    found: Subquery = inner.limit(cap + 1).subquery("found")
    return found


def _walk(
    conn: Connection, q: Query, latest: Subquery, dialect: str, offset: int, limit: int
) -> list[int]:
    """The page's component ids of a broad query: the newest BOMs in server-key order, each
    one's matches counted through its own index, until the page is full."""
    from sqlalchemy import select

    from sovbom.fleet.schema import servers

    order: list[int] = list(conn.execute(
        select(latest.c.id).select_from(latest.join(servers, servers.c.id == latest.c.server_id))
        .order_by(servers.c.key)
    ).scalars())  # fmt: skip
    skip, ids = offset, list[int]()
    for start in range(0, len(order), _WALK_CHUNK):
        chunk = order[start : start + _WALK_CHUNK]
        counts = _counts(conn, q, latest, dialect, chunk)
        for bom_id in chunk:
            n = counts.get(bom_id, 0)
            if skip >= n:
                skip -= n
                continue
            mine = _ids_in(conn, q, latest, dialect, bom_id)
            ids.extend(mine[skip : skip + limit - len(ids)])
            skip = 0
            if len(ids) >= limit:
                return ids
    return ids


def _in_boms(q: Query, latest: Subquery, dialect: str, bom_ids: list[int]) -> list[Any]:
    """The candidate statements limited to some BOMs, read through the BOM's index."""
    from sovbom.fleet.schema import component_countries, components

    out = []
    for i, stmt in enumerate(_candidates(q, latest, dialect)):
        if q.key == "country" and i == 1:
            stmt = stmt.where(component_countries.c.bom_id.in_(bom_ids))
        else:
            stmt = stmt.where(components.c.bom_id.in_(bom_ids)).with_hint(
                components, "INDEXED BY ix_components_bom_id_ref", "sqlite"
            )
        out.append(stmt)
    return out


def _counts(
    conn: Connection, q: Query, latest: Subquery, dialect: str, bom_ids: list[int]
) -> dict[int, int]:
    from sqlalchemy import func

    from sovbom.fleet.schema import components

    out: dict[int, int] = {}
    for stmt in _in_boms(q, latest, dialect, bom_ids):
        counted = stmt.with_only_columns(components.c.bom_id, func.count()).group_by(
            components.c.bom_id
        )
        for bom_id, n in conn.execute(counted):
            out[bom_id] = out.get(bom_id, 0) + int(n)
    return out


def _ids_in(conn: Connection, q: Query, latest: Subquery, dialect: str, bom_id: int) -> list[int]:
    from sovbom.fleet.schema import components

    ids: set[int] = set()
    for stmt in _in_boms(q, latest, dialect, [bom_id]):
        ids.update(conn.execute(stmt.with_only_columns(components.c.id)).scalars())
    return sorted(ids)


__all__ = ["COUNT_CAP", "WhereUsedPage", "sql_is_exact", "where_used_page"]
