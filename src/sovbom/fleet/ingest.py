"""``fleet ingest``: BOMs into the fleet database, idempotently and in bulk.

A BOM's identity is the SHA-256 of its bytes: ingesting it again adds nothing. Each new BOM is a
new *version* of its server (the root component's serial number, else its name), dated by the
BOM's ``metadata.timestamp`` (else the time of ingest), with who signed it when a signer policy
was given (the bundle is verified first, fail closed) and which components a delivery report
verified. A batch is one transaction: with ``on_error=fail`` a bad file leaves the database as
it was; with ``skip`` the bad file is reported and the others are stored.

Components go in through the fastest path of each engine: PostgreSQL's ``COPY ... FROM STDIN``
(psycopg's copy) and SQLite's ``executemany`` inside the batch's one transaction. Concurrent
ingests into PostgreSQL neither duplicate nor lose rows: servers are upserted in their own short
transactions, BOMs are inserted in SHA-256 order with ``ON CONFLICT DO NOTHING`` (a second writer
of the same BOM waits for the first and then adds nothing; one lock order, so no deadlock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sovbom._io import display_name, parse_json, read_bytes
from sovbom.errors import ExitCode, InputError, SovbomError, VerificationFailed
from sovbom.fleet.extract import COMPONENT_COLUMNS, FlatBom, flatten
from sovbom.fleet.shares import count_shares

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
    source: str
    sha256: str
    raw: bytes
    spec_version: str
    flat: FlatBom
    signature: str
    identity: str | None
    issuer: str | None
    roles: str | None
    delivery_verdict: str | None


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
) -> _Prepared:
    """Parse, validate, verify and flatten one BOM (no database access)."""
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
    flat = flatten(bom.doc, source, delivery.verified if delivery else None)
    return _Prepared(
        source, sha, raw, bom.spec_version, flat, signature, identity, issuer, roles,
        delivery.verdict if delivery else None,
    )  # fmt: skip


#: From this many BOMs on, forked worker processes parse and flatten them (the database writes
#: stay in this process, in one transaction).
PARALLEL_THRESHOLD = 8
_STATE: tuple[TrustOptions | None, Mapping[str, DeliveryFacts]] | None = None


def _prepare_one(entry: tuple[str, int, IngestInput]) -> _Prepared | Skipped:
    """Read, check and flatten one BOM; a bad one becomes a Skipped record (picklable)."""
    sha, _, item = entry
    assert _STATE is not None
    trust, deliveries = _STATE
    try:
        raw = read_bytes(item.path)
        if hashlib.sha256(raw).hexdigest() != sha:
            raise InputError("the file changed while it was being ingested",
                             source=display_name(item.path))  # fmt: skip
        return _prepare(item, raw, sha, trust, deliveries.get(sha))
    except SovbomError as e:
        return Skipped(display_name(item.path), e.message, int(e.exit_code))


def _prepare_all(
    hashed: Sequence[tuple[str, int, IngestInput]],
    trust: TrustOptions | None,
    deliveries: Mapping[str, DeliveryFacts],
    jobs: int | None,
) -> Iterator[_Prepared | Skipped]:
    """Each BOM prepared, in order; in forked workers for large batches."""
    import multiprocessing
    import os

    global _STATE
    _STATE = (trust, deliveries)
    try:
        n = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
        fork = "fork" in multiprocessing.get_all_start_methods()
        if n > 1 and len(hashed) >= PARALLEL_THRESHOLD and fork:
            with multiprocessing.get_context("fork").Pool(n) as pool:
                yield from pool.imap(_prepare_one, hashed, chunksize=1)
        else:
            yield from map(_prepare_one, hashed)
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
    """Ingest a batch of BOMs (one transaction); see the module's description."""
    import time

    started = time.perf_counter()
    deliveries = dict(deliveries or {})
    now = now or dt.datetime.now(dt.UTC)
    report = IngestReport(store.display)
    hashed: list[tuple[str, int, IngestInput]] = []
    for index, item in enumerate(items):
        try:
            hashed.append((hashlib.sha256(read_bytes(item.path)).hexdigest(), index, item))
        except SovbomError as e:
            _skip_or_raise(report, display_name(item.path), e, on_error, progress)
    hashed.sort(key=lambda entry: entry[:2])  # one lock order for concurrent writers
    done: dict[int, Ingested] = {}
    batch_deliveries = {sha: deliveries.pop(sha) for sha, _, _ in hashed if sha in deliveries}
    with store.engine.begin() as conn:
        for (_, index, item), prepared in zip(
            hashed, _prepare_all(hashed, trust, batch_deliveries, jobs), strict=True
        ):
            if isinstance(prepared, Skipped):
                error = _error_of(prepared)
                _skip_or_raise(report, prepared.source, error, on_error, progress)
                continue
            done[index] = _store(store, conn, prepared, now)
            if progress is not None:
                progress(item)
        _apply_late_deliveries(conn, deliveries)
    report.ingested = [done[i] for i in sorted(done)]
    report.seconds = time.perf_counter() - started
    return report


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


def _server_id(store: FleetStore, batch: Connection, flat: FlatBom, now: dt.datetime) -> int:
    """The server's id, inserting it when it is new.

    On PostgreSQL in its own short transaction (a concurrent batch never waits on a long one
    for a server row); SQLite has one writer at a time, so there it is the batch's transaction.
    """
    from sqlalchemy import select

    from sovbom.fleet.schema import servers

    def upsert(conn: Connection) -> int:
        conn.execute(
            _insert(store)(servers)
            .values(key=flat.server_key, name=flat.server_name, site=flat.site, first_seen=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        found = conn.execute(select(servers.c.id).where(servers.c.key == flat.server_key)).scalar()
        assert found is not None
        return int(found)

    if not store.is_postgres:
        return upsert(batch)
    with store.engine.begin() as conn:
        return upsert(conn)


def _insert(store: FleetStore) -> Any:
    if store.is_postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _store(store: FleetStore, conn: Connection, p: _Prepared, now: dt.datetime) -> Ingested:
    from sovbom.fleet.schema import boms

    server_id = _server_id(store, conn, p.flat, now)
    stmt = (
        _insert(store)(boms)
        .values(
            sha256=p.sha256, server_id=server_id, serial=p.flat.serial, source=p.source,
            spec_version=p.spec_version, produced_at=p.flat.produced_at or now,
            ingested_at=now, components=len(p.flat.rows), signature=p.signature,
            signer_identity=p.identity, signer_issuer=p.issuer, signer_roles=p.roles,
            delivery_verdict=p.delivery_verdict, document=zlib.compress(p.raw, 1),
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(boms.c.id)
    )  # fmt: skip
    bom_id = conn.execute(stmt).scalar()
    ingested = Ingested(p.source, p.sha256, p.flat.server_key, len(p.flat.rows),
                        bom_id is not None, p.signature, p.identity)  # fmt: skip
    if bom_id is not None:
        _bulk_components(store, conn, int(bom_id), p.flat)
        count_shares(conn, int(bom_id))
    return ingested


def _bulk_components(store: FleetStore, conn: Connection, bom_id: int, flat: FlatBom) -> None:
    """The BOM's component rows (and extra countries) as ready tuples, in bulk."""
    columns = ("bom_id", *COMPONENT_COLUMNS)
    extras = [(bom_id, ref, country) for ref, country in flat.extra_countries]
    dbapi: Any = conn.connection.driver_connection
    if store.is_postgres:
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY components ({', '.join(columns)}) FROM STDIN") as copy:
                for row in flat.rows:
                    copy.write_row((bom_id, *row))
            if extras:
                with cur.copy("COPY component_countries (bom_id, ref, country) FROM STDIN") as copy:
                    for extra in extras:
                        copy.write_row(extra)
    else:
        marks = ", ".join("?" * len(columns))
        dbapi.executemany(
            f"INSERT INTO components ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - fixed names
            [(bom_id, *row) for row in flat.rows],
        )
        if extras:
            dbapi.executemany(
                "INSERT INTO component_countries (bom_id, ref, country) VALUES (?, ?, ?)", extras
            )


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
