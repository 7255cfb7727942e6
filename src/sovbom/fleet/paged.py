"""Where-used one page at a time, for the dashboard and scripts; the broad queries' walk.

:func:`sovbom.fleet.query.where_used` counts the matches up to a cap (:data:`COUNT_CAP`) through
the components' own indexes, reading only their server key and id: up to the cap the total is
exact and the page is sorted and sliced from those. Above the cap the query is broad (``name=DIMM
1*`` matches a third of every server): :func:`walk` goes through the newest BOMs in server-key
order, counting each one's matches through the ``(bom_id, ...)`` index, until the page is filled;
the report then says "more than" the cap instead of a total. :func:`where_used_page` is that
answer as the dashboard pages it.

Where SQL cannot test a pattern exactly (a ``[...]`` set on PostgreSQL, where ``LIKE`` only
narrows) every candidate is read and matched in Python, and counted in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sovbom.fleet.query import Listed, WhereUsedMatch, _candidates, where_used

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sovbom.fleet.store import FleetStore
    from sovbom.trace import Query

#: Matches the dashboard counts exactly before a query counts as broad.
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
    then document order), counted up to ``count_cap`` (:data:`COUNT_CAP`)."""
    offset, limit = max(offset, 0), max(limit, 1)
    cap = COUNT_CAP if count_cap is None else count_cap
    r = where_used(store, q, as_of=as_of, offset=offset, limit=limit, count_cap=cap)
    return WhereUsedPage(r.query, r.as_of, r.servers_in_fleet, r.matches, offset, limit, r.total,
                         r.servers_matched, more_than=r.more_than)  # fmt: skip


def walk(
    conn: Connection, q: Query, dialect: str, order: list[int], offset: int, limit: int
) -> list[Listed]:
    """The page's components of a broad query, as :func:`sovbom.fleet.query.where_used` lists
    them: the newest BOMs (``order``: their ids in server-key order), each one's matches counted
    through its own index (not counted while no match is to be skipped), each BOM's listed
    columns read, in document order, only as far as the page needs them (one statement, run
    once per BOM with its id, offset and the rows still wanted)."""
    skip, rows = offset, list[Listed]()
    with _driver_statement(conn, _listing(q, dialect)) as listing:
        for start in range(0, len(order), _WALK_CHUNK):
            chunk = order[start : start + _WALK_CHUNK]
            counts = _counts(conn, q, dialect, chunk) if skip else {}
            for bom_id in chunk:
                n = counts.get(bom_id, 0)
                if skip and skip >= n:
                    skip -= n
                    continue
                rows.extend(listing({"bom": bom_id, "skip": skip, "n": limit - len(rows)}))
                skip = 0
                if len(rows) >= limit:
                    return rows
    return rows


@contextmanager
def _driver_statement(
    conn: Connection, stmt: Any
) -> Iterator[Callable[[dict[str, int]], list[Listed]]]:
    """``stmt`` compiled once and run, with the parameters given, on a cursor of the database
    driver itself (in the connection's transaction): its rows are the driver's plain tuples, not
    re-made one by one into result rows and then into tuples again (a page is up to 10,000 rows,
    which costs a third of the walk's own time on PostgreSQL). Its parameters are plain integers
    and strings, which neither engine's dialect converts."""
    compiled = stmt.compile(conn)
    sql, fixed, positions = str(compiled), compiled.params, compiled.positiontup
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def run(values: dict[str, int]) -> list[Listed]:
        params = {**fixed, **values}
        cursor.execute(sql, tuple(params[k] for k in positions) if positions else params)
        return cursor.fetchall()  # type: ignore[no-any-return]

    try:
        yield run
    finally:
        cursor.close()


def _listing(q: Query, dialect: str) -> Any:
    """One BOM's matches (``:bom``) with the columns a page lists, in document (id) order,
    ``:skip`` of them skipped, at most ``:n``: the candidate conditions of
    :func:`sovbom.fleet.query._candidates` (``by_bom``) in one statement; ``country=`` tests the
    judged country or the BOM's other countries (a component is listed once).

    On SQLite a BOM's components are read as a range of the table itself, from its first id to
    its last (both read in the ``(bom_id, ref)`` index; the BOM is tested again on each row, so
    the answer does not depend on the range holding that BOM alone): the rows come in id order
    and the page stops reading where it is full, where the ``(bom_id, ref)`` index would read
    every component of the BOM and sort their listed columns.
    """
    from sqlalchemy import Integer, bindparam, func, literal_column, or_, select

    from sovbom.fleet.query import _sql_filters, listed_columns
    from sovbom.fleet.schema import component_countries, components

    c = components.c
    bom = bindparam("bom", type_=Integer)
    conditions = _sql_filters(q, dialect, by_bom=True)
    if q.key == "country":
        cc = component_countries.c
        others = select(cc.ref).where(cc.bom_id == bom, conditions[1])
        conditions = [or_(conditions[0], c.ref.in_(others))]
    if dialect == "sqlite":
        inner = components.alias("bom_rows")
        first = select(func.min(inner.c.id)).where(inner.c.bom_id == bom).scalar_subquery()
        last = select(func.max(inner.c.id)).where(inner.c.bom_id == bom).scalar_subquery()
        tested: Any = literal_column("+components.bom_id", type_=Integer)  # not its index
        where = [c.id >= first, c.id <= last, tested == bom]
        order: Any = c.id
    else:
        where = [c.bom_id == bom]
        # ``id + 0``: a page of a few rows would otherwise tempt PostgreSQL into walking the
        # primary key from the fleet's first component until it meets this BOM's
        order = c.id + 0
    return (
        select(*listed_columns())
        .where(*where, *conditions)
        .order_by(order)
        .limit(bindparam("n", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
    )


def _in_boms(q: Query, dialect: str, bom_ids: list[int]) -> list[Any]:
    """The candidate statements limited to some BOMs, read through the BOM's index."""
    return _candidates(q, dialect, bom_ids, by_bom=True)


def _counts(conn: Connection, q: Query, dialect: str, bom_ids: list[int]) -> dict[int, int]:
    from sqlalchemy import func

    from sovbom.fleet.schema import components

    out: dict[int, int] = {}
    for stmt in _in_boms(q, dialect, bom_ids):
        counted = stmt.with_only_columns(components.c.bom_id, func.count()).group_by(
            components.c.bom_id
        )
        for bom_id, n in conn.execute(counted):
            out[bom_id] = out.get(bom_id, 0) + int(n)
    return out


__all__ = ["COUNT_CAP", "WhereUsedPage", "sql_is_exact", "walk", "where_used_page"]
