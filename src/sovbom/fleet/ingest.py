"""``fleet ingest``: BOMs into the fleet database, idempotently and in bulk.

A BOM's identity is the SHA-256 of its bytes: ingesting it again adds nothing. Each new BOM is a
new *version* of its server (the root component's serial number, else its name), dated by the
BOM's ``metadata.timestamp`` (else the time of ingest), with who signed it when a signer policy
was given (the bundle is verified first, fail closed) and which components a delivery report
verified. A batch is one transaction: with ``on_error=fail`` a bad file leaves the database as
it was; with ``skip`` the bad file is reported and the others are stored.

Components go in through the fastest path of each engine (:mod:`sovbom.fleet.bulk`): worker
processes read, validate and flatten the BOMs and encode their rows; this process writes them by
PostgreSQL's ``COPY ... FROM STDIN`` or SQLite's ``executemany`` inside the batch's one
transaction, and a batch that at least doubles the fleet builds the component indexes at its end.
A BOM already stored is recognised by its SHA-256 and not read again. Concurrent ingests into
PostgreSQL neither duplicate nor lose rows: servers are upserted in their own short transactions,
each batch locks the component tables before it writes a row, and BOMs are inserted in SHA-256
order with ``ON CONFLICT DO NOTHING`` (a second writer of the same BOM waits for the first and
then adds nothing; one lock order, so no deadlock).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson

from sovbom._io import display_name, parse_json, read_bytes
from sovbom.errors import ExitCode, InputError, SovbomError, VerificationFailed
from sovbom.fleet.bulk import (
    COPY_COMPONENTS,
    COPY_COUNTRIES,
    copy_line,
    copy_rows,
    copy_text,
    deferred_indexes,
    should_defer,
    sqlite_rows,
)
from sovbom.fleet.extract import FlatBom, flatten
from sovbom.fleet.shares import ShareRow, count_shares, shares_of, store_shares

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from sovbom.fleet.store import FleetStore
    from sovbom.signing import TrustOptions


class OnError(StrEnum):
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class IngestInput:
    """One BOM to ingest, with its bundle when it is not ``BOM.sigstore.json``."""

    path: str
    bundle: str | None = None


@dataclass(slots=True)
class DeliveryFacts:
    """What a delivery report says about the BOM it verified (by the BOM's SHA-256)."""

    source: str
    verdict: str
    verified: dict[str, str]


@dataclass(slots=True)
class Ingested:
    source: str
    sha256: str
    server: str
    components: int
    added: bool
    signature: str = "unsigned"
    signer: str | None = None


@dataclass(slots=True)
class Skipped:
    source: str
    reason: str
    exit_code: int


@dataclass(slots=True)
class IngestReport:
    """What a batch did: each BOM added or already present, each file skipped."""

    store: str
    ingested: list[Ingested] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def added(self) -> list[Ingested]:
        return [i for i in self.ingested if i.added]

    @property
    def components_added(self) -> int:
        return sum(i.components for i in self.added)

    def headline(self) -> str:
        present = len(self.ingested) - len(self.added)
        rate = self.components_added / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{len(self.added)} BOM(s) added ({self.components_added:,} components,"
            f" {rate:,.0f}/s), {present} already present, {len(self.skipped)} skipped"
        )


@dataclass(slots=True)
class _Prepared:
    """One BOM ready to store: its rows precomputed (COPY text for PostgreSQL, tuples for
    SQLite) and its document compressed, all by the worker process that read it."""

    source: str
    sha256: str
    document: bytes
    spec_version: str
    flat: FlatBom
    count: int
    signature: str
    identity: str | None
    issuer: str | None
    roles: str | None
    delivery_verdict: str | None
    copy_components: bytes = b""
    copy_countries: bytes = b""
    #: SQLite: the rows and extra countries as JSON (cheaper to pass between processes than
    #: pickled tuples; ``executemany`` takes the lists as they are)
    rows_json: bytes = b""
    #: the components counted for ``bom_shares`` (:func:`~sovbom.fleet.shares.shares_of`)
    shares: list[ShareRow] = field(default_factory=list)


def load_delivery_reports(paths: Sequence[str]) -> dict[str, DeliveryFacts]:
    """Delivery reports (``verify-delivery -f json``) by the SHA-256 of the BOM they verified."""
    out: dict[str, DeliveryFacts] = {}
    for path in paths:
        source = display_name(path)
        doc = parse_json(read_bytes(path), source)
        expected = doc.get("expected") if isinstance(doc, dict) else None
        if (
            not isinstance(doc, dict)
            or doc.get("sovbom_report") != "delivery"
            or not isinstance(expected, dict)
            or not isinstance(expected.get("sha256"), str)
        ):
            raise InputError(
                "not a sovbom delivery report (verify-delivery -f json)", source=source
            )
        verified = doc.get("verified") or {}
        out[expected["sha256"]] = DeliveryFacts(
            source,
            str(doc.get("verdict")),
            {str(k): str(v) for k, v in verified.items()} if isinstance(verified, dict) else {},
        )
    return out


def _prepare(
    item: IngestInput,
    raw: bytes,
    sha: str,
    trust: TrustOptions | None,
    delivery: DeliveryFacts | None,
    postgres: bool,
) -> _Prepared:
    """Parse, validate, verify, flatten and encode one BOM (no database access)."""
    from sovbom.checking import ensure_valid
    from sovbom.cyclonedx.reader import parse_bom

    source = display_name(item.path)
    bom = parse_bom(raw, source)
    ensure_valid(bom)
    signature, identity, issuer, roles = "unsigned", None, None, None
    if trust is not None:
        from sovbom.evidence import bundle_path_for, verify_bom_signature

        verdict = verify_bom_signature(
            raw, source, bundle_path_for(item.path, item.bundle), trust
        ).raise_for_failure()
        signature, identity, issuer = "verified", verdict.identity, verdict.issuer
        roles = ",".join(sorted(verdict.roles))
    flat = flatten(bom.doc, source, delivery.verified if delivery else None,
                   encode=copy_line if postgres else None)  # fmt: skip
    prepared = _Prepared(
        source, sha, zlib.compress(raw, 1), bom.spec_version, flat, len(flat.rows), signature,
        identity, issuer, roles, delivery.verdict if delivery else None,
    )  # fmt: skip
    prepared.shares = shares_of(flat.rows)
    if postgres:  # the rows travel as COPY text, cheaper to pass between processes
        prepared.copy_components = copy_text(flat.rows, flat.lines)
        prepared.copy_countries = copy_text(flat.extra_countries)
        flat.rows, flat.extra_countries, flat.lines = [], [], None
    else:
        try:
            prepared.rows_json = orjson.dumps([flat.rows, flat.extra_countries])
        except orjson.JSONEncodeError:  # a string orjson refuses: the tuples are pickled
            return prepared
        flat.rows, flat.extra_countries = [], []
    return prepared


#: From this many BOMs on, forked worker processes read, hash, parse and flatten them (the
#: database writes stay in this process, in one transaction).
PARALLEL_THRESHOLD = 8


@dataclass(slots=True)
class _State:
    trust: TrustOptions | None
    deliveries: Mapping[str, DeliveryFacts]
    postgres: bool


_STATE: _State | None = None


def _hash_one(entry: tuple[int, IngestInput]) -> tuple[str, int, IngestInput] | Skipped:
    index, item = entry
    try:
        return hashlib.sha256(read_bytes(item.path)).hexdigest(), index, item
    except SovbomError as e:
        return Skipped(display_name(item.path), e.message, int(e.exit_code))


def _prepare_one(entry: tuple[str, int, IngestInput]) -> _Prepared | Skipped:
    """Read, check and flatten one BOM; a bad one becomes a Skipped record (picklable)."""
    sha, _, item = entry
    assert _STATE is not None
    try:
        raw = read_bytes(item.path)
        if hashlib.sha256(raw).hexdigest() != sha:
            raise InputError("the file changed while it was being ingested",
                             source=display_name(item.path))  # fmt: skip
        return _prepare(item, raw, sha, _STATE.trust, _STATE.deliveries.get(sha),
                        _STATE.postgres)  # fmt: skip
    except SovbomError as e:
        return Skipped(display_name(item.path), e.message, int(e.exit_code))


_Map = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]


@contextlib.contextmanager
def _workers(count: int, jobs: int | None, state: _State) -> Iterator[_Map]:
    """``map`` over forked worker processes for large batches (in order), else the builtin."""
    import multiprocessing
    import os

    global _STATE
    _STATE = state
    try:
        n = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
        if (
            n > 1
            and count >= PARALLEL_THRESHOLD
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            # imported once here, not once in every forked worker
            import sovbom.checking
            import sovbom.cyclonedx.reader
            import sovbom.cyclonedx.schema  # noqa: F401

            with multiprocessing.get_context("fork").Pool(n) as pool:
                yield lambda f, xs: pool.imap(f, xs, chunksize=1)
        else:
            yield map
    finally:
        _STATE = None


def ingest(
    store: FleetStore,
    items: Sequence[IngestInput],
    *,
    trust: TrustOptions | None = None,
    deliveries: Mapping[str, DeliveryFacts] | None = None,
    on_error: OnError = OnError.FAIL,
    progress: Callable[[Any], None] | None = None,
    now: dt.datetime | None = None,
    jobs: int | None = None,
) -> IngestReport:
    """Ingest a batch of BOMs (one transaction); see the module's description.

    A BOM already in the fleet is not read again (unless its signature is to be verified or a
    delivery report in the batch is about it).
    """
    import time

    started = time.perf_counter()
    given = dict(deliveries or {})
    now = now or dt.datetime.now(dt.UTC)
    report = IngestReport(store.display)
    done: dict[int, Ingested] = {}
    with _workers(len(items), jobs, _State(trust, given, store.is_postgres)) as pmap:
        hashed: list[tuple[str, int, IngestInput]] = []
        for entry in pmap(_hash_one, enumerate(items)):
            if isinstance(entry, Skipped):
                _skip_or_raise(report, entry.source, _error_of(entry), on_error, progress)
            else:
                hashed.append(entry)
        hashed.sort(key=lambda entry: entry[:2])  # one lock order for concurrent writers
        in_batch = {sha for sha, _, _ in hashed}
        late = {sha: facts for sha, facts in given.items() if sha not in in_batch}
        present = {} if trust is not None else _present(store, hashed, given)
        todo = [entry for entry in hashed if entry[0] not in present]
        for sha, index, item in hashed:
            if sha in present:
                key, count = present[sha]
                done[index] = Ingested(display_name(item.path), sha, key, count, False)
                if progress is not None:
                    progress(item)
        with store.engine.connect() as conn:  # before the batch's transaction locks anything
            defer = should_defer(conn, len(todo))
        with store.engine.begin() as conn:
            _store_all(store, conn, todo, defer, pmap, report, done, on_error, progress, now)
            _apply_late_deliveries(conn, late)
    report.ingested = [done[i] for i in sorted(done)]
    report.seconds = time.perf_counter() - started
    return report


def _present(
    store: FleetStore,
    hashed: Sequence[tuple[str, int, IngestInput]],
    deliveries: Mapping[str, DeliveryFacts],
) -> dict[str, tuple[str, int]]:
    """The BOMs of the batch already in the fleet: SHA-256 -> (server key, components)."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms, servers

    shas = sorted({sha for sha, _, _ in hashed if sha not in deliveries})
    out: dict[str, tuple[str, int]] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(shas), 500):
            stmt = (
                select(boms.c.sha256, servers.c.key, boms.c.components)
                .join(servers, servers.c.id == boms.c.server_id)
                .where(boms.c.sha256.in_(shas[start : start + 500]))
            )
            out.update({r.sha256: (r.key, int(r.components)) for r in conn.execute(stmt)})
    return out


def _store_all(
    store: FleetStore,
    conn: Connection,
    todo: Sequence[tuple[str, int, IngestInput]],
    defer: bool,
    pmap: _Map,
    report: IngestReport,
    done: dict[int, Ingested],
    on_error: OnError,
    progress: Callable[[Any], None] | None,
    now: dt.datetime,
) -> None:
    """Prepare (in the workers) and store each new BOM, in SHA-256 order, with the shares its
    worker counted."""
    stored: list[tuple[int, list[ShareRow]]] = []
    writer = _Writer(store, conn, now)
    with contextlib.ExitStack() as stack:
        stack.callback(writer.close)
        if store.is_postgres:  # the component tables locked before any row is written
            stack.enter_context(deferred_indexes(conn, defer))
            defer = False
        for (_, index, item), prepared in zip(todo, pmap(_prepare_one, todo), strict=True):
            if isinstance(prepared, Skipped):
                _skip_or_raise(report, prepared.source, _error_of(prepared), on_error, progress)
                continue
            done[index] = writer.store_bom(prepared, stored)
            if defer:  # SQLite: after the first INSERT, the transaction is open
                stack.enter_context(deferred_indexes(conn, True))
                defer = False
            if progress is not None:
                progress(item)
    store_shares(conn, stored)


def _error_of(skipped: Skipped) -> SovbomError:
    """The error a worker reported, as its class again (exit 3 or 4)."""
    if skipped.exit_code == ExitCode.VERIFICATION_FAILED:
        return VerificationFailed(skipped.reason)
    return InputError(skipped.reason)


def _skip_or_raise(
    report: IngestReport,
    source: str,
    error: SovbomError,
    on_error: OnError,
    progress: Callable[[Any], None] | None,
) -> None:
    if on_error is OnError.FAIL:
        raise error
    report.skipped.append(Skipped(source, error.message, int(error.exit_code)))
    if progress is not None:
        progress(source)


def _apply_late_deliveries(conn: Connection, deliveries: Mapping[str, DeliveryFacts]) -> None:
    """Delivery reports of BOMs ingested earlier: mark their components verified."""
    from sqlalchemy import bindparam, select, update

    from sovbom.fleet.schema import boms, components

    for sha, facts in deliveries.items():
        bom_id = conn.execute(select(boms.c.id).where(boms.c.sha256 == sha)).scalar()
        if bom_id is None:
            raise InputError(
                f"the BOM it verified (sha256 {sha}) is neither in this batch nor in the fleet",
                source=facts.source,
            )
        conn.execute(boms.update().where(boms.c.id == bom_id),
                     {"delivery_verdict": facts.verdict})  # fmt: skip
        if facts.verified:
            stmt = (
                update(components)
                .where(components.c.bom_id == bom_id, components.c.ref == bindparam("r"))
                .values(verified=bindparam("why"))
            )
            conn.execute(stmt, [{"r": r, "why": w} for r, w in facts.verified.items()])
            count_shares(conn, int(bom_id))


class _Writer:
    """The batch's per-BOM statements, built once (a BOM's rows are one statement each, so the
    per-BOM work of building and compiling statements would otherwise cost as much as several
    microseconds a component), and on PostgreSQL the connection that upserts servers.

    Servers are upserted on PostgreSQL in short transactions of their own (a concurrent batch
    never waits on a long one for a server row); SQLite has one writer at a time, so there it is
    the batch's transaction.
    """

    def __init__(self, store: FleetStore, batch: Connection, now: dt.datetime) -> None:
        from sqlalchemy import bindparam, select

        from sovbom.fleet.schema import boms, servers

        self.store, self.batch, self.now = store, batch, now
        insert = _insert(store)
        self.add_server = insert(servers).on_conflict_do_nothing(index_elements=["key"])
        self.find_server = select(servers.c.id).where(servers.c.key == bindparam("key"))
        self.add_bom = (
            insert(boms).on_conflict_do_nothing(index_elements=["sha256"]).returning(boms.c.id)
        )
        self.servers: Connection | None = None

    def close(self) -> None:
        if self.servers is not None:
            self.servers.close()

    def server_id(self, flat: FlatBom) -> int:
        """The server's id, inserting it when it is new."""
        conn = self.batch
        if self.store.is_postgres:
            if self.servers is None:
                self.servers = self.store.engine.connect()
            conn = self.servers
        with conn.begin() if conn is not self.batch else contextlib.nullcontext():
            conn.execute(self.add_server, {"key": flat.server_key, "name": flat.server_name,
                                           "site": flat.site, "first_seen": self.now})  # fmt: skip
            found = conn.execute(self.find_server, {"key": flat.server_key}).scalar()
        assert found is not None
        return int(found)

    def store_bom(self, p: _Prepared, stored: list[tuple[int, list[ShareRow]]]) -> Ingested:
        conn, now = self.batch, self.now
        values = {
            "sha256": p.sha256, "server_id": self.server_id(p.flat), "serial": p.flat.serial,
            "source": p.source, "spec_version": p.spec_version,
            "produced_at": p.flat.produced_at or now, "ingested_at": now, "components": p.count,
            "signature": p.signature, "signer_identity": p.identity, "signer_issuer": p.issuer,
            "signer_roles": p.roles, "delivery_verdict": p.delivery_verdict,
            "document": p.document,
        }  # fmt: skip
        bom_id = conn.execute(self.add_bom, values).scalar()
        ingested = Ingested(p.source, p.sha256, p.flat.server_key, p.count, bom_id is not None,
                            p.signature, p.identity)  # fmt: skip
        if bom_id is None:
            return ingested
        dbapi: Any = conn.connection.driver_connection
        if self.store.is_postgres:
            copy_rows(dbapi, COPY_COMPONENTS, p.copy_components, int(bom_id))
            copy_rows(dbapi, COPY_COUNTRIES, p.copy_countries, int(bom_id))
        elif p.rows_json:
            rows, extras = orjson.loads(p.rows_json)
            sqlite_rows(dbapi, int(bom_id), rows, extras)
        else:
            sqlite_rows(dbapi, int(bom_id), p.flat.rows, p.flat.extra_countries)
        stored.append((int(bom_id), p.shares))
        return ingested


def _insert(store: FleetStore) -> Any:
    if store.is_postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


__all__ = [
    "DeliveryFacts",
    "IngestInput",
    "IngestReport",
    "Ingested",
    "OnError",
    "Skipped",
    "ingest",
    "load_delivery_reports",
]
