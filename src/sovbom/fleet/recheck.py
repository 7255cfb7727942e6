"""``fleet recheck``: every server's newest BOM re-evaluated under a policy, stored, compared.

Each BOM is checked by :func:`sovbom.checking.check_bom`, the one check ``sovbom check`` runs,
on the document stored at ingest (schema-valid then, not validated again), with what was verified
at ingest: the signer's roles (its bundle verified against the signer policy then) and the
components a delivery report verified. The verdicts are stored as one recheck; the report says
which servers changed verdict since the previous recheck (a country newly denied flips exactly the
servers that carry a part tied to it).
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from sovbom.fleet.store import FleetStore
    from sovbom.policy import Policy

#: From this many servers on, forked worker processes share the work.
PARALLEL_THRESHOLD = 16


@dataclass(slots=True)
class ServerVerdict:
    server: str
    server_name: str | None
    bom_sha256: str
    verdict: str
    worst: str | None
    findings: dict[str, int]
    domestic_share: float | None
    previous: str | None = None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.previous != self.verdict


@dataclass(slots=True)
class RecheckReport:
    policy_source: str
    policy_sha256: str | None
    as_of: str
    fail_on: str
    recheck_id: int
    previous_recheck_id: int | None
    servers: list[ServerVerdict] = field(default_factory=list)

    @property
    def changed(self) -> list[ServerVerdict]:
        return [s for s in self.servers if s.changed]

    @property
    def failing(self) -> list[ServerVerdict]:
        return [s for s in self.servers if s.verdict == "fail"]

    @property
    def fails(self) -> bool:
        return bool(self.failing)

    def headline(self) -> str:
        since = (
            f"; {len(self.changed)} changed verdict since recheck {self.previous_recheck_id}"
            if self.previous_recheck_id is not None
            else "; first recheck"
        )
        return (
            f"recheck {self.recheck_id}: {len(self.failing)} of {len(self.servers)} server(s)"
            f" fail under {self.policy_source} (fails on {self.fail_on}){since}"
        )


@dataclass(slots=True)
class _Job:
    """A server to recheck, as the parent process knows it (its document is read by the worker)."""

    server: str
    server_name: str | None
    server_id: int
    bom_id: int
    sha256: str
    #: a delivery report verified some of its components (read with the document)
    delivered: bool


@dataclass(slots=True)
class _Loaded:
    """What the check of one BOM needs from the database."""

    sha256: str
    document: bytes
    source: str
    signature: str
    identity: str | None
    issuer: str | None
    roles: str | None
    verified: dict[str, str]


#: What every check of one recheck shares: the store, the policy, the date, the level and
#: whether the dashboard's views are stored (set before the workers fork).
_STATE: tuple[FleetStore, Policy, dt.date, str, bool] | None = None
#: A server's verdict, worst severity, counted findings, domestic share and stored view (or None).
_Result = tuple[str, str | None, dict[str, int], float | None, bytes | None]
#: Servers a worker process rechecks before it exits and a fresh one is forked: whatever cyclic
#: garbage the checks leave (little since a graph no longer refers to itself, a few dozen objects
#: a server) goes with the worker, and no worker's memory grows with the fleet.
SERVERS_PER_WORKER = 24
#: Servers a worker reads and checks per task (one query reads their documents).
CHUNK = 4


def _evaluate(loaded: _Loaded) -> _Result:
    """One server's verdict, from its stored document and what was verified at ingest."""
    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.signing import Status, Verdict

    assert _STATE is not None
    _, policy, as_of, fail_on, views = _STATE
    bom = parse_bom(zlib.decompress(loaded.document), loaded.source)
    signature = None
    if loaded.signature == "verified":
        signature = Verdict(
            file=loaded.source, bundle="(verified at ingest)", ok=True, status=Status.VERIFIED,
            sha256=loaded.sha256, identity=loaded.identity, issuer=loaded.issuer,
            roles=[r for r in (loaded.roles or "").split(",") if r],
        )  # fmt: skip
    # the stored view lists paths as the dashboard's own check does (up to its default)
    paths: dict[str, Any] = {} if views else {"max_paths": 1}
    report = check_bom(bom, policy, as_of=as_of, fail_on=fail_on, signature=signature,
                       observed=loaded.verified, validate=False, **paths)  # fmt: skip
    worst = report.result.worst()
    share = report.result.total_share().to_dict()["domestic_share"]
    view = None
    if views:
        from sovbom.fleet.checkviews import build_view

        view = build_view(report).to_bytes()
    return (
        report.verdict,
        worst.label if worst is not None else None,
        (report.result.counts_by_severity()),
        share,
        view,
    )


def _load(store: FleetStore, chunk: list[_Job]) -> list[_Loaded]:
    """The stored documents of some BOMs (one query), with their delivery-verified components."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms, components

    ids = [j.bom_id for j in chunk]
    verified: dict[int, dict[str, str]] = {}
    with store.engine.connect() as conn:
        delivered = [j.bom_id for j in chunk if j.delivered]
        if delivered:
            stmt = select(components.c.bom_id, components.c.ref, components.c.verified).where(
                components.c.bom_id.in_(delivered), components.c.verified.is_not(None)
            )
            for r in conn.execute(stmt):
                verified.setdefault(r.bom_id, {})[r.ref] = r.verified
        stmt2 = select(boms.c.id, boms.c.sha256, boms.c.document, boms.c.source,
                       boms.c.signature, boms.c.signer_identity, boms.c.signer_issuer,
                       boms.c.signer_roles).where(boms.c.id.in_(ids))  # fmt: skip
        rows = {r.id: r for r in conn.execute(stmt2)}
    return [
        _Loaded(
            r.sha256,
            r.document,
            r.source,
            r.signature,
            r.signer_identity,
            r.signer_issuer,
            r.signer_roles,
            verified.get(r.id, {}),
        )  # fmt: skip
        for r in (rows[i] for i in ids)
    ]


def _evaluate_chunk(chunk: list[_Job]) -> list[_Result]:
    assert _STATE is not None
    return [_evaluate(loaded) for loaded in _load(_STATE[0], chunk)]


def _worker_started() -> None:
    """In a forked worker: its own database connections (never the parent's)."""
    assert _STATE is not None
    _STATE[0].engine.dispose(close=False)


def _jobs(store: FleetStore) -> list[_Job]:
    """The newest BOM of every server, in server-key order (without their documents)."""
    from sqlalchemy import select

    from sovbom.fleet.query import latest_boms
    from sovbom.fleet.schema import boms, servers

    latest = latest_boms(None)
    stmt = (
        select(servers.c.key, servers.c.name, boms.c.server_id, boms.c.id, boms.c.sha256,
               boms.c.delivery_verdict.is_not(None).label("delivered"))
        .select_from(latest.join(boms, boms.c.id == latest.c.id)
                     .join(servers, servers.c.id == boms.c.server_id))
        .order_by(servers.c.key)
    )  # fmt: skip
    with store.engine.connect() as conn:
        return [_Job(r.key, r.name, r.server_id, r.id, r.sha256, bool(r.delivered))
                for r in conn.execute(stmt)]  # fmt: skip


def recheck(
    store: FleetStore,
    policy: Policy,
    *,
    as_of: dt.date,
    fail_on: str = "high",
    jobs: int | None = None,
    progress: Callable[[Any], None] | None = None,
    now: dt.datetime | None = None,
    views: bool = True,
) -> RecheckReport:
    """Re-evaluate the fleet under ``policy``, store the verdicts, compare with the last recheck.

    With ``views`` (and a policy read from a file, so that it has a SHA-256) each server's check
    is also stored as the dashboard shows it (:mod:`sovbom.fleet.checkviews`)."""
    global _STATE
    work = _jobs(store)
    _STATE = (store, policy, as_of, fail_on, views and policy.sha256 is not None)
    try:
        results = _run(work, jobs, progress)
    finally:
        _STATE = None
    return _save(store, policy, as_of, fail_on, work, results, now or dt.datetime.now(dt.UTC))


def _run(
    work: list[_Job], jobs: int | None, progress: Callable[[Any], None] | None
) -> list[_Result]:
    from sovbom._parallel import worker_count

    n = jobs if jobs is not None else worker_count(len(work), PARALLEL_THRESHOLD)
    chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
    out: list[_Result] = []
    if (
        n > 1
        and len(work) >= PARALLEL_THRESHOLD
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        # imported once here, not once in every forked worker
        import sovbom.checking
        import sovbom.cyclonedx.reader
        import sovbom.signing  # noqa: F401

        if _STATE is not None and _STATE[4]:
            import sovbom.fleet.checkviews  # noqa: F401

        context = multiprocessing.get_context("fork")
        tasks = max(1, SERVERS_PER_WORKER // CHUNK)  # then the worker exits and another forks
        with context.Pool(n, _worker_started, maxtasksperchild=tasks) as pool:
            for results in pool.imap(_evaluate_chunk, chunks):
                out.extend(results)
                if progress is not None:
                    for result in results:
                        progress(result)
        return out
    for chunk in chunks:
        out.extend(_evaluate_chunk(chunk))
        if not gc.isenabled():
            gc.collect(0)  # the little cyclic garbage the checks leave (see SERVERS_PER_WORKER)
        if progress is not None:
            for job in chunk:
                progress(job)
    return out


def _save(
    store: FleetStore,
    policy: Policy,
    as_of: dt.date,
    fail_on: str,
    work: list[_Job],
    results: list[_Result],
    now: dt.datetime,
) -> RecheckReport:
    from sqlalchemy import func, select

    from sovbom.fleet.schema import recheck_results, rechecks

    with store.engine.begin() as conn:
        previous_id = conn.execute(select(func.max(rechecks.c.id))).scalar()
        previous: dict[int, str] = {}
        if previous_id is not None:
            stmt = select(recheck_results.c.server_id, recheck_results.c.verdict).where(
                recheck_results.c.recheck_id == previous_id
            )
            previous = {r.server_id: r.verdict for r in conn.execute(stmt)}
        recheck_id = conn.execute(
            rechecks.insert().values(policy_source=policy.source, policy_sha256=policy.sha256,
                                     as_of=as_of, fail_on=fail_on, ran_at=now)
            .returning(rechecks.c.id)
        ).scalar_one()  # fmt: skip
        rows = [
            {"recheck_id": recheck_id, "server_id": j.server_id, "bom_id": j.bom_id,
             "verdict": v, "worst": w, "findings": orjson.dumps(f).decode(), "domestic_share": s}
            for j, (v, w, f, s, _) in zip(work, results, strict=True)
        ]  # fmt: skip
        if rows:
            conn.execute(recheck_results.insert(), rows)
        views = [(j.bom_id, r[4]) for j, r in zip(work, results, strict=True) if r[4] is not None]
        if views and policy.sha256 is not None:
            from sovbom.fleet.checkviews import save_views

            save_views(conn, policy.sha256, as_of, fail_on, views)
    report = RecheckReport(policy.source, policy.sha256, as_of.isoformat(), fail_on,
                           int(recheck_id), previous_id)  # fmt: skip
    report.servers = [
        ServerVerdict(j.server, j.server_name, j.sha256, v, w, f, s, previous.get(j.server_id))
        for j, (v, w, f, s, _) in zip(work, results, strict=True)
    ]
    return report


__all__ = ["RecheckReport", "ServerVerdict", "recheck"]
