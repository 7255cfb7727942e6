"""Where the fleet lives: a database URL, its engine, and the migrations that bring it up to date.

``--db`` (or ``SOVBOM_DB``) names the store: a file path or ``sqlite:///PATH`` for the embedded
default (``sovbom-fleet.db`` in the current directory), ``postgresql://USER@HOST:PORT/DB`` for a
shared server (driven by psycopg 3). Every command migrates the schema to the newest revision
first (Alembic, run in-process; on PostgreSQL under an advisory lock so that concurrent first runs
do not race).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sovbom.errors import InputError, OperationalError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DEFAULT_FILE = "sovbom-fleet.db"
ENV_VAR = "SOVBOM_DB"
#: An arbitrary key for PostgreSQL's advisory lock around migrations.
_MIGRATION_LOCK = 0x5B0B_F1EE


@dataclass(slots=True)
class FleetStore:
    """An open fleet database."""

    engine: Engine
    #: the URL with any password hidden, for messages and reports
    display: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def close(self) -> None:
        self.engine.dispose()


def resolve_url(url: str | None) -> str:
    """The SQLAlchemy URL for ``--db`` (or ``SOVBOM_DB``, else the default file)."""
    value = url or os.environ.get(ENV_VAR) or DEFAULT_FILE
    if "://" not in value:
        return f"sqlite:///{value}"
    scheme, _, rest = value.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("sqlite", "postgresql+psycopg"):
        return value
    raise InputError(
        f"unsupported database URL scheme {scheme!r}: give a file path, sqlite:///PATH or"
        " postgresql://USER@HOST/DB",
        source="--db",
    )


def _sqlite_path(url: str) -> Path | None:
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)


def open_store(url: str | None, *, create: bool = False) -> FleetStore:
    """Open (and migrate) the fleet database; ``create`` allows a new SQLite file."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as e:
        raise InputError(f"not a database URL: {e}", source="--db") from e
    display = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(resolved)
        if path is not None and not create and not path.exists():
            raise InputError(
                "no fleet database here: ingest BOMs first ('sovbom fleet ingest')",
                source=str(path),
            )
        engine = create_engine(parsed, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: object, _record: object) -> None:
            cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
            # WAL with synchronous=NORMAL: a committed batch survives a crash of sovbom; a power
            # loss may lose the last batches (never corrupts the file). A 128 MiB page cache
            # keeps the component indexes' hot pages in memory during bulk loads.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-131072")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(parsed)
    store = FleetStore(engine, display)
    try:
        migrate(store)
    except SQLAlchemyError as e:
        engine.dispose()
        raise OperationalError(
            f"{display}: cannot open the fleet database: {_first_line(e)}"
        ) from e
    return store


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e)
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


def migrate(store: FleetStore, revision: str = "head") -> None:
    """Bring the schema to the newest revision (a no-op when it is there), or to ``revision``."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    with store.engine.begin() as conn:
        if store.is_postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


__all__ = ["DEFAULT_FILE", "ENV_VAR", "FleetStore", "migrate", "open_store", "resolve_url"]
