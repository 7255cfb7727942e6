"""The bulk paths of ``fleet ingest``: component rows prepared once, written by each engine's
fastest statement.

* **PostgreSQL**: ``COPY ... FROM STDIN`` in text format. The worker process that flattened a
  BOM also encodes its rows as COPY text (:func:`copy_text`, a few C-level passes over one
  string instead of per-value Python work); the writer only appends the BOM's database id to
  each line (the last column) and hands the bytes to psycopg's ``copy.write``.
* **SQLite**: ``executemany`` of the ready tuples inside the batch's one transaction, the BOM's
  id a literal in the statement (no per-row tuple is rebuilt). A batch that at least doubles
  the fleet builds the secondary indexes once at its end, in the same transaction
  (:func:`deferred_indexes`): building an index from sorted rows is several times cheaper than
  updating it row by row, and readers (WAL) keep seeing the committed fleet with its indexes.
  PostgreSQL does the same under the tables' exclusive lock (:func:`lock_components`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sovbom.fleet.extract import COMPONENT_COLUMNS, ComponentRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: COPY text escapes (PostgreSQL's text format): backslash first, then the control characters.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
#: Separators while a payload is built; a value holding one takes the per-value path.
_FIELD, _ROW, _NULL = "\x00", "\x01", "\x02"
_SENTINELS = (_FIELD, _ROW, _NULL)


def _escape(value: str | None) -> str:
    if value is None:
        return "\\N"
    for old, new in _ESCAPES:
        value = value.replace(old, new)
    return value


#: None -> the null separator, a string -> itself (``map(_NULLS, row, row)``, no Python per value)
_NULLS = {None: _NULL}.get


def copy_line(row: Sequence[str | None]) -> str:
    """One row for :func:`copy_text`'s fast path (``TypeError`` for a value not a string)."""
    return _FIELD.join(map(_NULLS, row, row))  # type: ignore[arg-type]


def copy_text(rows: Sequence[tuple[str | None, ...]], lines: Sequence[str] | None = None) -> bytes:
    """Rows as COPY text lines, each ending with a tab: the writer appends the BOM id.

    Fast path: the values are joined with separator characters that JSON strings practically
    never hold (:func:`copy_line`, or ``lines`` when the rows were joined so already), escaped in
    one pass per escape over the whole payload, and the separators turned into tabs, newlines
    and ``\\N``. When a value does hold a separator character (counted), each value is escaped
    on its own instead.
    """
    if not rows:
        return b""
    width = len(rows[0])
    if lines is None:
        try:
            lines = [copy_line(row) for row in rows]
        except TypeError:  # not a str: the per-value path says so clearly
            return _copy_text_slow(rows)
    nulls = sum(row.count(None) for row in rows)
    text = _ROW.join(lines)
    if (
        len(lines) != len(rows)
        or text.count(_FIELD) != len(rows) * (width - 1)
        or text.count(_ROW) != len(rows) - 1
        or text.count(_NULL) != nulls
    ):
        return _copy_text_slow(rows)
    for old, new in _ESCAPES:
        if old in text:
            text = text.replace(old, new)
    text = text.replace(_FIELD, "\t").replace(_ROW, "\t\n").replace(_NULL, "\\N")
    return (text + "\t\n").encode()


def _copy_text_slow(rows: Sequence[tuple[str | None, ...]]) -> bytes:
    return "".join(
        "\t".join(_escape(None if v is None else str(v)) for v in row) + "\t\n" for row in rows
    ).encode()


def with_id(payload: bytes, bom_id: int) -> bytes:
    """A :func:`copy_text` payload with ``bom_id`` as the last column of every line."""
    return payload.replace(b"\t\n", b"\t%d\n" % bom_id)


COPY_COMPONENTS = f"COPY components ({', '.join(COMPONENT_COLUMNS)}, bom_id) FROM STDIN"
COPY_COUNTRIES = "COPY component_countries (ref, country, bom_id) FROM STDIN"


def copy_rows(dbapi: Any, statement: str, payload: bytes, bom_id: int) -> None:
    """One COPY of a prepared payload (psycopg 3 connection)."""
    if not payload:
        return
    with dbapi.cursor() as cur, cur.copy(statement) as copy:
        copy.write(with_id(payload, bom_id))


def sqlite_rows(
    dbapi: Any,
    bom_id: int,
    rows: Sequence[ComponentRow | list[str | None]],
    extras: Sequence[tuple[str, str] | list[str]],
) -> None:
    """The BOM's rows by ``executemany`` (sqlite3 connection); ``bom_id`` is an int literal."""
    bom = int(bom_id)
    marks = ", ".join("?" * len(COMPONENT_COLUMNS))
    dbapi.executemany(
        f"INSERT INTO components (bom_id, {', '.join(COMPONENT_COLUMNS)})"  # noqa: S608 - fixed names, int id
        f" VALUES ({bom}, {marks})",
        rows,
    )
    if extras:
        dbapi.executemany(
            f"INSERT INTO component_countries (bom_id, ref, country) VALUES ({bom}, ?, ?)",  # noqa: S608 - int id
            extras,
        )


#: A batch defers index building when it adds at least this many BOMs and at least as many as
#: the fleet holds (the rows it adds then outnumber the rows already indexed).
DEFER_MIN_BOMS = 32
#: The tables a PostgreSQL batch locks, in this order (every batch, so no two wait in a cycle).
_LOCKED = "boms, components, component_countries"


def should_defer(conn: Connection, new_boms: int) -> bool:
    """Whether a batch of ``new_boms`` BOMs builds the component indexes at its end.

    Count the fleet before the batch's transaction takes its first lock (on PostgreSQL, the
    count's share lock on ``boms`` held by two batches would keep both from locking it
    exclusively); a count made stale by a concurrent batch only changes how fast this one is.
    """
    from sqlalchemy import func, select

    from sovbom.fleet.schema import boms

    if new_boms < DEFER_MIN_BOMS:
        return False
    return new_boms >= (conn.execute(select(func.count()).select_from(boms)).scalar() or 0)


def lock_components(conn: Connection) -> None:
    """On PostgreSQL, take the batch's table locks before any row of the batch is written.

    Every batch locks ``boms`` and the component tables first, in one order (ROW EXCLUSIVE,
    what its inserts take anyway; ACCESS EXCLUSIVE in :func:`deferred_indexes` when it rebuilds
    their indexes and constraints), so two batches never wait on each other in opposite orders.
    """
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {_LOCKED} IN ROW EXCLUSIVE MODE"))


def _deferred_constraints() -> list[Any]:
    """PostgreSQL: the component tables' constraints checked row by row during a load (the
    foreign keys to ``boms``, a query per row; the primary key, an index), rebuilt at its end."""
    from sovbom.fleet.schema import component_countries, components

    fks = [*components.foreign_key_constraints, *component_countries.foreign_key_constraints]
    return [components.primary_key, *sorted(fks, key=lambda c: str(c.name))]


def _drop_exclusively(conn: Connection, indexes: list[Any]) -> bool:
    """PostgreSQL: lock the batch's tables exclusively and drop the component tables' indexes
    and constraints, in a savepoint.

    A role that may insert rows but not drop indexes (or lock exclusively) keeps them: the
    savepoint is rolled back (releasing what it locked) and the batch goes on row by row.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.schema import DropConstraint

    try:
        with conn.begin_nested():
            conn.execute(text(f"LOCK TABLE {_LOCKED} IN ACCESS EXCLUSIVE MODE"))
            for index in indexes:
                index.drop(conn)
            for constraint in _deferred_constraints():
                conn.execute(DropConstraint(constraint))
    except DBAPIError:
        lock_components(conn)
        return False
    return True


@contextlib.contextmanager
def deferred_indexes(conn: Connection, enabled: bool) -> Iterator[bool]:
    """Drop the component tables' secondary indexes now and build them at the end.

    Runs only inside an open transaction (on SQLite ``DROP INDEX`` would otherwise commit on its
    own): a failed batch rolls the drop back with everything else. On PostgreSQL it first takes
    ACCESS EXCLUSIVE locks on ``boms`` and the component tables (readers of these tables wait
    for the batch, which is what a first, large load of a fleet costs) and also drops the
    component tables' primary key and foreign keys: they are added again at the end, checked
    once over the table (a join) instead of one query per row. Every component row of the batch
    refers to a BOM row the batch inserted just before, so the check always holds. Without the
    privilege to drop them the batch keeps indexes and constraints (:func:`_drop_exclusively`).
    Yields whether it deferred.
    """
    from sqlalchemy.schema import AddConstraint

    from sovbom.fleet.schema import component_countries, components

    dbapi: Any = conn.connection.driver_connection
    postgres = conn.dialect.name == "postgresql"
    indexes = sorted([*components.indexes, *component_countries.indexes], key=lambda i: str(i.name))
    if not enabled or not (postgres or dbapi.in_transaction):
        if postgres:
            lock_components(conn)
        yield False
        return
    if postgres:
        if not _drop_exclusively(conn, indexes):
            yield False
            return
    else:
        for index in indexes:
            index.drop(conn)
    yield True
    for index in indexes:
        index.create(conn)
    if postgres:
        for constraint in _deferred_constraints():
            conn.execute(AddConstraint(constraint))


__all__ = [
    "COPY_COMPONENTS",
    "COPY_COUNTRIES",
    "DEFER_MIN_BOMS",
    "copy_line",
    "copy_rows",
    "copy_text",
    "deferred_indexes",
    "lock_components",
    "should_defer",
    "sqlite_rows",
    "with_id",
]
