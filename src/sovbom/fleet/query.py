"""``fleet where-used``: every server (as the fleet is now, or was on a date) carrying a component.

The query is :func:`sovbom.trace.parse_query`'s language (``purl``, ``name``, ``part``,
``serial``, ``country``, ``ref``; ``*``/``?``/``[...]`` wildcards; a bare value tries purl, name,
part number and serial). It becomes an indexed SQL condition; a wildcard pattern is narrowed in
SQL with ``LIKE`` and then matched exactly as ``trace`` matches (fnmatch, case-sensitive except
names), so both engines answer alike. Each match comes with its shortest path from the server
root, rebuilt from the stored parents.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Subquery
    from sqlalchemy.engine import Connection

    from sovbom.fleet.store import FleetStore
    from sovbom.trace import Query

#: Matches listed before the report says it stopped.
DEFAULT_LIMIT = 10_000
#: Matches counted exactly before a query counts as broad (see :func:`where_used`).
COUNT_CAP = 10_000
_MAX_DEPTH = 64


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive ones)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def end_of(day: dt.date | None) -> dt.datetime | None:
    """The first instant after ``day`` (UTC): the fleet "as of" a date includes that whole day."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def latest_boms(before: dt.datetime | None) -> Subquery:
    """Per server, the id of its newest BOM produced before ``before`` (all BOMs when None)."""
    from sqlalchemy import func, literal_column, select

    from sovbom.fleet.schema import boms

    rank = (
        func.row_number()
        .over(partition_by=boms.c.server_id, order_by=(boms.c.produced_at.desc(), boms.c.id.desc()))
        .label("rank")
    )
    inner = select(boms.c.id, boms.c.server_id, rank)
    if before is not None:
        inner = inner.where(boms.c.produced_at < before)
    ranked = inner.subquery("ranked")
    first: Any = literal_column("1")  # a literal: SQLite plans a bound parameter worse here
    return select(ranked.c.id, ranked.c.server_id).where(ranked.c.rank == first).subquery("latest")


def newest_boms(conn: Connection, before: dt.datetime | None) -> dict[int, str]:
    """Each server's newest BOM produced before ``before`` (all BOMs when None), as BOM id ->
    server key, in server-key order: the fleet a where-used query searches.

    On SQLite one look-up per server in the ``(server_id, produced_at)`` index (a correlated
    subquery: the same BOM as :func:`latest_boms`, newest then highest id, in half the time);
    PostgreSQL ranks the BOMs faster than it runs a subquery per server.
    """
    from sqlalchemy import select

    from sovbom.fleet.schema import boms, servers

    if conn.dialect.name != "sqlite":
        latest = latest_boms(before)
        stmt = (
            select(latest.c.id, servers.c.key)
            .select_from(latest.join(servers, servers.c.id == latest.c.server_id))
            .order_by(servers.c.key)
        )
        return dict(conn.execute(stmt).all())
    b = boms.c
    pick = select(b.id).where(b.server_id == servers.c.id)
    if before is not None:
        pick = pick.where(b.produced_at < before)
    newest = pick.order_by(b.produced_at.desc(), b.id.desc()).limit(1).scalar_subquery()
    stmt = select(newest, servers.c.key).order_by(servers.c.key)
    return {i: key for i, key in conn.execute(stmt) if i is not None}  # None: no BOM before


def _like(pattern: str) -> str:
    """A glob as a LIKE pattern that matches at least what the glob matches."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "[":
            end = pattern.find("]", i + 2)
            if end != -1:
                out.append("_")
                i = end + 1
                continue
        out.append({"*": "%", "?": "_", "%": "\\%", "_": "\\_", "\\": "\\\\"}.get(c, c))
        i += 1
    return "".join(out)


def _glob(pattern: str) -> str:
    """An fnmatch pattern as SQLite's GLOB spells it (``[!...]`` is ``[^...]`` there)."""
    return pattern.replace("[!", "[^")


def _is_glob(value: str) -> bool:
    return any(c in value for c in "*?[")


def _condition(column: Any, value: str, dialect: str, *, fold: bool = False) -> ColumnElement[bool]:
    """An indexed SQL test of one column (a superset of the exact match for ``[...]`` sets).

    A wildcard pattern's literal prefix is answered by the column's index: on PostgreSQL by
    ``LIKE 'prefix%'`` over a ``text_pattern_ops`` index (correct under any collation), on SQLite
    by ``GLOB`` (case-sensitive, as ``trace`` matches) plus the prefix as a binary range.
    """
    from sqlalchemy import and_

    value = value.casefold() if fold else value
    if not _is_glob(value):
        return column == value  # type: ignore[no-any-return]
    if dialect == "postgresql":
        return column.like(_like(value), escape="\\")  # type: ignore[no-any-return]
    glob = column.op("GLOB")(_glob(value))
    prefix = value[: min((value.find(c) for c in "*?[" if c in value), default=len(value))]
    if not prefix:
        return glob  # type: ignore[no-any-return]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper, glob)


def _sql_filters(q: Query, dialect: str, *, by_bom: bool = False) -> list[ColumnElement[bool]]:
    """The query as SQL conditions, one per statement (their union answers).

    ``country=`` is two: the judged country on ``components`` and the other countries on
    ``component_countries`` (joined to their components by the caller). ``by_bom``: the caller
    names the BOMs and their ``(bom_id, ...)`` index must drive the plan: on SQLite (no table
    statistics) the tested columns are then written ``+column``, which keeps the planner off
    their own indexes (a value on every server would otherwise be read fleet-wide).
    """
    from sqlalchemy import literal_column, or_

    from sovbom.fleet.schema import component_countries as cc
    from sovbom.fleet.schema import components

    def col(name: str) -> Any:
        column = components.c[name]
        if by_bom and dialect == "sqlite":
            return literal_column(f"+components.{name}", type_=column.type)
        return column

    if q.key == "country":
        # the judged country is indexed on components; the others come from the side table
        return [col("country") == q.value, cc.c.country == q.value]
    columns = {"purl": "purl", "ref": "ref", "part": "part_number", "serial": "serial"}
    if q.key == "name":
        return [_condition(col("name_fold"), q.value, dialect, fold=True)]
    if q.key in columns:
        return [_condition(col(columns[q.key]), q.value, dialect)]
    return [
        or_(
            _condition(col("purl"), q.value, dialect),
            _condition(col("name_fold"), q.value, dialect, fold=True),
            _condition(col("part_number"), q.value, dialect),
            _condition(col("serial"), q.value, dialect),
        )
    ]


def _value_matcher(pattern: str, *, fold: bool = False) -> Callable[[str | None], bool]:
    """Exact or glob, as ``trace`` matches one value."""
    if _is_glob(pattern):
        regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE if fold else 0)
        return lambda v: v is not None and regex.match(v) is not None
    if fold:
        folded = pattern.casefold()
        return lambda v: v is not None and v.casefold() == folded
    return lambda v: v == pattern


def _row_matcher(q: Query) -> Callable[[Any], bool]:
    """The exact test of a candidate row (SQL's LIKE only narrows)."""
    exact, folded = _value_matcher(q.value), _value_matcher(q.value, fold=True)
    if q.key == "country":
        return lambda r: True
    if q.key == "purl":
        return lambda r: exact(r.purl)
    if q.key == "ref":
        return lambda r: exact(r.ref)
    if q.key == "name":
        return lambda r: folded(r.name)
    if q.key == "part":
        return lambda r: exact(r.part_number)
    if q.key == "serial":
        return lambda r: exact(r.serial)
    return lambda r: exact(r.purl) or folded(r.name) or exact(r.part_number) or exact(r.serial)


def label(name: str | None, version: str | None, ref: str) -> str:
    """A component's label, as :func:`sovbom.graph.label` writes it."""
    if not name:
        return ref
    return f"{name} {version}" if version else name


@dataclass(slots=True)
class WhereUsedMatch:
    server: str
    server_name: str | None
    site: str | None
    bom_sha256: str
    produced_at: dt.datetime
    ref: str
    name: str
    type: str
    cls: str | None
    countries: tuple[str, ...]
    #: (bom-ref, label) from the server root to the component (shortest path)
    path: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class WhereUsedReport:
    query: str
    as_of: str | None
    servers_in_fleet: int
    matches: list[WhereUsedMatch]
    #: more matches than this page lists
    truncated: bool = False
    #: every match (all pages); None means the page is all there is
    total: int | None = None
    #: the matches skipped before this page
    offset: int = 0
    #: the servers with a match (all pages); None means those on this page
    servers_matched: int | None = None
    #: set when the matches were counted only up to this many (a broad query): ``total`` and
    #: ``servers_matched`` are then None
    more_than: int | None = None

    @property
    def servers(self) -> list[str]:
        return sorted({m.server for m in self.matches})

    def headline(self) -> str:
        when = f" as of {self.as_of}" if self.as_of else ""
        page = f" (listing {self.offset + 1}-{self.offset + len(self.matches)})"
        if self.more_than is not None:
            return (
                f"more than {self.more_than} match(es) for {self.query!r} in the"
                f" {self.servers_in_fleet} server(s){when}{page if self.matches else ''}"
            )
        total = self.total if self.total is not None else len(self.matches)
        on = self.servers_matched if self.servers_matched is not None else len(self.servers)
        page = ""
        if self.truncated or self.offset:
            first = self.offset + 1 if self.matches else self.offset
            page = f" (listing {first}-{self.offset + len(self.matches)})"
        return (
            f"{total} match(es) for {self.query!r} on {on} of"
            f" {self.servers_in_fleet} server(s){when}{page}"
        )


def where_used(
    store: FleetStore,
    q: Query,
    *,
    as_of: dt.date | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    count_cap: int | None = None,
) -> WhereUsedReport:
    """Every server whose BOM (its newest, or newest on ``as_of``) holds a matching component.

    Matches are ordered by server and document order; ``offset`` and ``limit`` select one page
    of them. They are counted up to ``count_cap`` (:data:`COUNT_CAP`): up to it the report's
    ``total`` counts them all; past it (a broad query, thousands of matches on every server) the
    newest BOMs are walked in server order until the page is full and the report says "more than"
    the cap (``more_than``) instead of reading every match.
    """
    from sovbom.fleet.paged import sql_is_exact, walk

    before = end_of(as_of)
    cap = COUNT_CAP if count_cap is None else count_cap
    exact = sql_is_exact(q, store.dialect)
    with store.engine.connect() as conn:
        newest = newest_boms(conn, before)
        found: set[tuple[str, int]] = set()
        broad = False
        for stmt in _candidates(q, store.dialect, list(newest)):
            if exact:  # the database's answer is the match: only its BOM and id, at most cap + 1
                keyed = stmt.with_only_columns(*stmt.selected_columns[:2]).limit(cap + 1)
                pairs = _keyed(conn, keyed, cap)
                if pairs is None:  # broad: more than the cap, counted in SQL
                    broad = True
                    break
                found.update((newest[bom_id], i) for bom_id, i in pairs)
            else:
                test = _row_matcher(q)
                found.update((newest[r.bom_id], r.id) for r in conn.execute(stmt).all() if test(r))
            if exact and len(found) > cap:
                broad = True
                break
        if broad:
            rows = walk(conn, q, store.dialect, list(newest), offset, limit)
        else:
            ordered = sorted(found)
            rows = _page(conn, [i for _, i in ordered[offset : offset + limit]])
        parents = {(r[1], r[3]) for r in rows}  # each (BOM, parent) once: far fewer than rows
        info = _bom_info(conn, {bom_id for bom_id, _ in parents})
        if not broad:  # the walk lists them in this order already
            rows.sort(key=lambda r: (info[r[1]][0], r[0]))
        paths = _paths(conn, {(b, p) for b, p in parents if p is not None})
    matches = _matches(rows, info, paths)
    report = WhereUsedReport(q.describe(), as_of.isoformat() if as_of else None, len(newest),
                             matches, offset=offset)  # fmt: skip
    if broad:
        report.more_than, report.truncated = cap, len(matches) == limit
    else:
        report.total, report.servers_matched = len(found), len({key for key, _ in found})
        report.truncated = len(found) > offset + len(matches)
    return report


def _keyed(conn: Connection, keyed: Any, cap: int) -> list[tuple[int, int]] | None:
    """The (BOM id, component id) rows of ``keyed`` (at most ``cap`` + 1 of them), or None when
    there are more than ``cap``: one statement counts them and, up to the cap, aggregates them
    into one value, so that a broad query reads no row into Python and a narrow one is scanned
    once. PostgreSQL aggregates (BOM id, id) pairs, a two-dimensional array; SQLite aggregates
    the BOM ids and the ids into two JSON lists, stepped row by row in one pass over the same
    rows (a pair per row costs 6 ms more for 10,000 rows, and SQLite orders no aggregate before
    3.44). The aggregate is built before the count is known, so none is ordered: sorting them
    cost PostgreSQL 4-8 ms of a broad query."""
    from sqlalchemy import BigInteger, case, cast, func, select
    from sqlalchemy.dialects.postgresql import array

    sub = keyed.subquery()
    n = func.count()
    if conn.dialect.name == "sqlite":
        boms_, ids = func.json_group_array(sub.c.bom_id), func.json_group_array(sub.c.id)
        count, bom_ids, component_ids = conn.execute(
            select(n, case((n <= cap, boms_)), case((n <= cap, ids)))
        ).one()
        if count > cap:
            return None
        return list(zip(orjson.loads(bom_ids), orjson.loads(component_ids), strict=True))
    pairs = func.array_agg(array([cast(sub.c.bom_id, BigInteger), sub.c.id]))
    count, listed = conn.execute(select(n, case((n <= cap, pairs)))).one()
    if count > cap:
        return None
    return [(bom_id, i) for bom_id, i in listed or ()]


#: A listed component: id, bom id, ref, parent ref, label, type, class, countries.
Listed = tuple[int, int, str, "str | None", str, str, "str | None", "str | None"]
#: A listed BOM: server key, server name, site, SHA-256, produced at (UTC).
_BomInfo = tuple[str, "str | None", "str | None", str, dt.datetime]


def _matches(
    rows: Sequence[Listed],
    info: dict[int, _BomInfo],
    paths: dict[tuple[int, str], list[tuple[str, str]]],
) -> list[WhereUsedMatch]:
    """The listed rows as matches. A page may hold 10,000, so each row costs only its own object
    and path: the label comes from SQL, each BOM's facts, each distinct country list and each
    parent's path are looked up once."""
    countries_of: dict[str | None, tuple[str, ...]] = {}
    out: list[WhereUsedMatch] = []
    append = out.append
    make = WhereUsedMatch
    last = -1
    key, name, site, sha, produced = "", None, None, "", dt.datetime.min
    up: list[tuple[str, str]] = []  # the path to ``above`` (the previous row's parent)
    above: str | None = None
    for _, bom_id, ref, parent, text, kind, cls, countries in rows:
        if bom_id != last:
            last, above, up = bom_id, None, []
            key, name, site, sha, produced = info[bom_id]
        if parent != above:
            above, up = parent, paths.get((bom_id, parent), []) if parent is not None else []
        listed = countries_of.get(countries)
        if listed is None:
            listed = countries_of[countries] = tuple(x for x in (countries or "").split(",") if x)
        append(make(key, name, site, sha, produced, ref, text, kind, cls, listed,
                    [*up, (ref, text)]))  # fmt: skip
    return out


def _candidates(
    q: Query, dialect: str, bom_ids: Sequence[int], *, by_bom: bool = False
) -> list[Any]:
    """Statements whose rows (BOM id, component id, then the matched columns) hold every match
    in the BOMs ``bom_ids`` (the union of their rows answers).

    The tested column is read through its ``(column, bom_id)`` index and the BOM is tested in
    that index too (on SQLite the BOM column is written ``+bom_id``, which keeps the planner off
    the ``(bom_id, ...)`` index: it would read every component of every BOM named). Counting a
    broad query's matches then reads no table row. ``by_bom`` is the other way round, for a
    caller naming a few BOMs: each one's components are read through the ``(bom_id, ...)``
    index (see :func:`_sql_filters`). No ORDER BY: it tempts SQLite's planner into walking the
    components in key order instead of using the index; the (small) rows are sorted by the
    caller.
    """
    from sqlalchemy import literal_column, select

    from sovbom.fleet.schema import component_countries, components

    c = components.c
    out = []
    for i, condition in enumerate(_sql_filters(q, dialect, by_bom=by_bom)):
        base: Any = components
        bom: Any = c.bom_id
        if q.key == "country" and i == 1:
            cc = component_countries.c
            base = component_countries.join(components, (c.bom_id == cc.bom_id) & (c.ref == cc.ref))
            bom = cc.bom_id
        if dialect == "sqlite" and not by_bom and q.key != "ref":  # ref: (bom_id, ref) is its index
            bom = literal_column(f"+{bom.table.name}.bom_id", type_=bom.type)
        stmt = (
            select(c.bom_id, c.id, c.ref, c.name, c.purl, c.part_number, c.serial)
            .select_from(base)
            .where(condition, _among(bom, bom_ids, dialect))
        )
        out.append(stmt)
    return out


def _among(column: Any, ids: Sequence[int], dialect: str) -> ColumnElement[bool]:
    """``column IN ids`` as one bound value (an array on PostgreSQL, a JSON list read by
    ``json_each`` on SQLite): rendering a long IN list costs more than the look-ups themselves."""
    from sqlalchemy import BigInteger, any_, bindparam, func, literal_column, select
    from sqlalchemy.dialects.postgresql import ARRAY

    if dialect == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))  # type: ignore[no-any-return]
    values: Any = select(literal_column("value")).select_from(
        func.json_each(orjson.dumps(list(ids)).decode())
    )
    return column.in_(values)  # type: ignore[no-any-return]


def sql_label(name: Any, version: Any, ref: Any) -> ColumnElement[str]:
    """:func:`label` as SQL (``name`` is never NULL): the database writes a page's labels,
    which costs less than formatting thousands of them in Python."""
    from sqlalchemy import case, or_

    return case(
        (name == "", ref),
        (or_(version.is_(None), version == ""), name),
        else_=name + " " + version,
    )


def listed_columns() -> tuple[Any, ...]:
    """The columns of a listed component (:data:`Listed`), its label written by SQL."""
    from sovbom.fleet.schema import components

    c = components.c
    text = sql_label(c.name, c.version, c.ref)
    return (c.id, c.bom_id, c.ref, c.parent_ref, text, c.type, c.cls, c.countries)


def _page(conn: Connection, ids: Sequence[int]) -> list[Listed]:
    """The listed columns of the components on one page (plain tuples: a page may be long)."""
    from sqlalchemy import select

    from sovbom.fleet.schema import components

    out: list[Listed] = []
    dialect = conn.dialect.name
    for start in range(0, len(ids), 10_000):  # a page is at most what a user asks for
        chunk = ids[start : start + 10_000]
        stmt = select(*listed_columns()).where(_among(components.c.id, chunk, dialect))
        out.extend(map(tuple, conn.execute(stmt).all()))
    return out


def _bom_info(conn: Connection, bom_ids: set[int]) -> dict[int, _BomInfo]:
    """Each listed BOM's server and date, read once per BOM (not once per match)."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms, servers

    out: dict[int, _BomInfo] = {}
    if not bom_ids:
        return out
    stmt = (
        select(boms.c.id, servers.c.key, servers.c.name, servers.c.site, boms.c.sha256,
               boms.c.produced_at)
        .join(servers, servers.c.id == boms.c.server_id)
        .where(_among(boms.c.id, sorted(bom_ids), conn.dialect.name))
    )  # fmt: skip
    for i, key, name, site, sha, produced in conn.execute(stmt):
        out[i] = (key, name, site, sha, as_utc(produced))
    return out


def _paths(
    conn: Connection, parents: set[tuple[int, str]]
) -> dict[tuple[int, str], list[tuple[str, str]]]:
    """For each (bom, parent) the path root -> parent, read level by level from stored parents
    (each distinct parent once, however many matches share it)."""
    from sqlalchemy import select

    from sovbom.fleet.schema import components as c

    nodes: dict[tuple[int, str], tuple[str | None, str]] = {}
    wanted = set(parents)
    for _ in range(_MAX_DEPTH):
        wanted = {k for k in wanted if k not in nodes}
        if not wanted:
            break
        keys = sorted(wanted)
        for start in range(0, len(keys), 10_000):
            chunk = keys[start : start + 10_000]
            # two INs (a superset, narrowed below) use the (bom_id, ref) index on both engines;
            # a row-value IN does not on SQLite
            stmt = select(c.c.bom_id, c.c.ref, c.c.parent_ref, c.c.name, c.c.version).where(
                _among(c.c.bom_id, sorted({b for b, _ in chunk}), conn.dialect.name),
                c.c.ref.in_({r for _, r in chunk}),
            )
            asked = set(chunk)
            for bom_id, ref, parent, name, version in conn.execute(stmt):
                if (bom_id, ref) in asked:
                    nodes[(bom_id, ref)] = (parent, label(name, version, ref))
        ups = [(b, nodes[(b, r)][0]) for b, r in wanted if (b, r) in nodes]
        wanted = {(b, up) for b, up in ups if up is not None}
    out: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for bom_id, parent in parents:
        chain: list[tuple[str, str]] = []
        node: str | None = parent
        while node is not None and (bom_id, node) in nodes and len(chain) < _MAX_DEPTH:
            up, text = nodes[(bom_id, node)]
            chain.append((node, text))
            node = up
        out[(bom_id, parent)] = chain[::-1]
    return out


__all__ = [
    "COUNT_CAP",
    "WhereUsedMatch",
    "WhereUsedReport",
    "as_utc",
    "end_of",
    "newest_boms",
    "latest_boms",
    "where_used",
]
