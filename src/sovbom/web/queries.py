"""The dashboard's reads of the fleet database: one page of rows at a time, never the whole fleet.

The fleet modules answer the questions (:func:`~sovbom.fleet.query.where_used`,
:func:`~sovbom.fleet.summary.fleet_summary`); this module adds what a web page needs on top of the
schema's tables: paged server lists with a server-side filter, one server's versions and verdicts,
the stored rechecks and the servers whose verdict one of them flipped, and a server's newest BOM
checked under the dashboard's policy (the check ``sovbom check`` runs, on the stored document).
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Select

    from sovbom.checking import CheckReport
    from sovbom.fleet.store import FleetStore
    from sovbom.policy import Policy
    from sovbom.signing import Verdict


class NotFound(InputError):
    """No such server or recheck in the fleet (a 404 on the dashboard)."""


#: Rows on one page unless asked otherwise, and the most one request may ask for.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

T = TypeVar("T")


@dataclass(slots=True)
class Page:
    """One page of a longer list: ``total`` rows in all (None when not counted)."""

    rows: list[dict[str, Any]]
    offset: int
    limit: int
    total: int | None
    more: bool

    def to_dict(self) -> dict[str, Any]:
        return {"offset": self.offset, "limit": self.limit, "total": self.total,
                "more": self.more, "items": self.rows}  # fmt: skip


def clamp(offset: int, limit: int) -> tuple[int, int]:
    return max(offset, 0), min(max(limit, 1), MAX_PAGE_SIZE)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from sovbom.fleet.query import as_utc

        return as_utc(value).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def fleet_state(store: FleetStore) -> tuple[int, int, int]:
    """A cheap token that changes when BOMs or rechecks are added (for the caches)."""
    from sqlalchemy import func, select

    from sovbom.fleet.schema import boms, rechecks

    with store.engine.connect() as conn:
        row = conn.execute(
            select(
                select(func.coalesce(func.max(boms.c.id), 0)).scalar_subquery(),
                select(func.count()).select_from(boms).scalar_subquery(),
                select(func.coalesce(func.max(rechecks.c.id), 0)).scalar_subquery(),
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


class Cache:
    """A small thread-safe LRU of computed answers, emptied when the fleet changes."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._state: tuple[int, int, int] | None = None

    def get(self, state: tuple[int, int, int], key: Any, compute: Callable[[], T]) -> T:
        with self._lock:
            if state != self._state:
                self._items.clear()
                self._state = state
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if state == self._state:
                self._items[key] = value
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return value


def _latest_verdicts() -> Any:
    """Per server, its verdict in the newest recheck (a subquery: server_id, verdict, worst)."""
    from sqlalchemy import func, select

    from sovbom.fleet.schema import recheck_results, rechecks

    newest = select(func.max(rechecks.c.id)).scalar_subquery()
    r = recheck_results.c
    return (
        select(r.server_id, r.verdict, r.worst, r.domestic_share)
        .where(r.recheck_id == newest)
        .subquery("verdicts")
    )


def _filtered_servers(site: str | None, text: str | None, verdict: str | None) -> Select[Any]:
    """The servers the list shows (those with a BOM), filtered in SQL, with their newest verdict."""
    from sqlalchemy import exists, or_, select

    from sovbom.fleet.schema import boms, servers

    verdicts = _latest_verdicts()
    stmt = (
        select(servers.c.id, servers.c.key, servers.c.name, servers.c.site,
               verdicts.c.verdict, verdicts.c.worst)
        .select_from(servers.outerjoin(verdicts, verdicts.c.server_id == servers.c.id))
        .where(exists().where(boms.c.server_id == servers.c.id))
    )  # fmt: skip
    if site:
        stmt = stmt.where(servers.c.site == site)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(servers.c.key.ilike(pattern, escape="\\"),
                              servers.c.name.ilike(pattern, escape="\\")))  # fmt: skip
    if verdict:
        stmt = stmt.where(verdicts.c.verdict == verdict)
    return stmt


def _newest_of_page(page: Any) -> Select[Any]:
    """A page of servers with each one's newest BOM and number of versions: one pass over the
    page's BOMs through the ``(server_id, produced_at)`` index."""
    from sqlalchemy import func, literal_column, select

    from sovbom.fleet.schema import boms

    ranked = (
        select(
            boms.c.id, boms.c.server_id,
            func.row_number().over(partition_by=boms.c.server_id,
                                   order_by=(boms.c.produced_at.desc(), boms.c.id.desc()))
            .label("rank"),
            func.count().over(partition_by=boms.c.server_id).label("versions"),
        )
        .where(boms.c.server_id.in_(select(page.c.id)))
        .subquery("ranked")
    )  # fmt: skip
    first: Any = literal_column("1")
    return (
        select(page.c.key, page.c.name, page.c.site, page.c.verdict, page.c.worst,
               boms.c.sha256, boms.c.produced_at, boms.c.components, boms.c.signature,
               boms.c.signer_identity, boms.c.delivery_verdict, ranked.c.versions)
        .select_from(page.join(ranked, (ranked.c.server_id == page.c.id) & (ranked.c.rank == first))
                     .join(boms, boms.c.id == ranked.c.id))
        .order_by(page.c.key)
    )  # fmt: skip


def _server_dict(r: Any) -> dict[str, Any]:
    return {
        "key": r.key, "name": r.name, "site": r.site, "versions": int(r.versions),
        "bom_sha256": r.sha256, "produced_at": _iso(r.produced_at), "components": r.components,
        "signature": r.signature, "signer": r.signer_identity,
        "delivery_verdict": r.delivery_verdict, "verdict": r.verdict, "worst": r.worst,
    }  # fmt: skip


def list_servers(
    store: FleetStore,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    site: str | None = None,
    text: str | None = None,
    verdict: str | None = None,
) -> Page:
    """Servers in key order, filtered in SQL by site, by text in key or name, by verdict; the
    page is chosen first, then its servers' newest BOMs are read (never the whole fleet's)."""
    from sqlalchemy import func, select

    offset, limit = clamp(offset, limit)
    chosen = _filtered_servers(site, text, verdict)
    page_q = chosen.order_by(chosen.selected_columns.key).offset(offset).limit(limit)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(chosen.subquery())).scalar_one()
        rows = conn.execute(_newest_of_page(page_q.subquery("page"))).all()
    page = [_server_dict(r) for r in rows]
    return Page(page, offset, limit, int(total), offset + len(page) < total)


def sites(store: FleetStore) -> list[tuple[str, int]]:
    """Every site with its number of servers (for the filter and the overview)."""
    from sqlalchemy import func, select

    from sovbom.fleet.schema import servers

    site = func.coalesce(servers.c.site, "(unknown)")
    with store.engine.connect() as conn:
        rows = conn.execute(select(site, func.count()).group_by(site).order_by(site)).all()
    return [(str(s), int(n)) for s, n in rows]


@dataclass(slots=True)
class ServerDetail:
    key: str
    name: str | None
    site: str | None
    first_seen: str | None
    versions: list[dict[str, Any]]
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "site": self.site,
                "first_seen": self.first_seen, "versions": self.versions,
                "verdicts": self.verdicts}  # fmt: skip


def server_detail(store: FleetStore, key: str, *, rechecks_shown: int = 20) -> ServerDetail:
    """One server: every BOM version (who signed it, the delivery verdict) and its verdicts in
    the newest rechecks; :class:`InputError` when the fleet has no such server."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms, recheck_results, rechecks, servers

    with store.engine.connect() as conn:
        srv = conn.execute(select(servers).where(servers.c.key == key)).first()
        if srv is None:
            raise NotFound(f"no server {key!r} in the fleet")
        versions = conn.execute(
            select(boms.c.sha256, boms.c.source, boms.c.serial, boms.c.spec_version,
                   boms.c.produced_at, boms.c.ingested_at, boms.c.components, boms.c.signature,
                   boms.c.signer_identity, boms.c.signer_issuer, boms.c.signer_roles,
                   boms.c.delivery_verdict)
            .where(boms.c.server_id == srv.id)
            .order_by(boms.c.produced_at.desc(), boms.c.id.desc())
        ).all()  # fmt: skip
        verdicts = conn.execute(
            select(rechecks.c.id, rechecks.c.policy_source, rechecks.c.as_of, rechecks.c.ran_at,
                   rechecks.c.fail_on, recheck_results.c.verdict, recheck_results.c.worst,
                   recheck_results.c.findings, recheck_results.c.domestic_share,
                   boms.c.sha256)
            .select_from(recheck_results.join(rechecks, rechecks.c.id == recheck_results.c.recheck_id)
                         .join(boms, boms.c.id == recheck_results.c.bom_id))
            .where(recheck_results.c.server_id == srv.id)
            .order_by(rechecks.c.id.desc())
            .limit(rechecks_shown)
        ).all()  # fmt: skip
    out = ServerDetail(srv.key, srv.name, srv.site, _iso(srv.first_seen), [])
    for n, v in enumerate(versions):
        out.versions.append({
            "number": len(versions) - n, "sha256": v.sha256, "source": v.source,
            "serial": v.serial, "spec_version": v.spec_version,
            "produced_at": _iso(v.produced_at), "ingested_at": _iso(v.ingested_at),
            "components": v.components, "signature": v.signature, "signer": v.signer_identity,
            "issuer": v.signer_issuer, "roles": [r for r in (v.signer_roles or "").split(",") if r],
            "delivery_verdict": v.delivery_verdict,
        })  # fmt: skip
    out.verdicts = [
        {"recheck": v.id, "policy": v.policy_source, "as_of": _iso(v.as_of),
         "ran_at": _iso(v.ran_at), "fail_on": v.fail_on, "verdict": v.verdict,
         "worst": v.worst, "findings": orjson.loads(v.findings),
         "domestic_share": v.domestic_share, "bom_sha256": v.sha256}
        for v in verdicts
    ]  # fmt: skip
    return out


def _signature(row: Any) -> Verdict | None:
    """The signer a BOM's check is given: its bundle verified at ingest (None when unsigned)."""
    from sovbom.signing import Status, Verdict

    if row.signature != "verified":
        return None
    return Verdict(
        file=row.source, bundle="(verified at ingest)", ok=True, status=Status.VERIFIED,
        sha256=row.sha256, identity=row.signer_identity, issuer=row.signer_issuer,
        roles=[r for r in (row.signer_roles or "").split(",") if r],
    )  # fmt: skip


def ingest_signature(store: FleetStore, sha256: str) -> Verdict | None:
    """:func:`_signature` of the BOM with that SHA-256."""
    from sqlalchemy import select

    from sovbom.fleet.schema import boms

    c = boms.c
    with store.engine.connect() as conn:
        row = conn.execute(
            select(c.source, c.sha256, c.signature, c.signer_identity, c.signer_issuer,
                   c.signer_roles).where(c.sha256 == sha256)
        ).first()  # fmt: skip
    return None if row is None else _signature(row)


def check_newest(
    store: FleetStore, key: str, policy: Policy, *, as_of: dt.date, fail_on: str
) -> CheckReport:
    """The server's newest BOM checked under ``policy``, as ``fleet recheck`` checks it: the
    stored document, the signer verified at ingest, the components a delivery verified."""
    from sqlalchemy import select

    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.fleet.query import latest_boms
    from sovbom.fleet.schema import boms, components, servers

    latest = latest_boms(None)
    with store.engine.connect() as conn:
        row = conn.execute(
            select(boms)
            .select_from(servers.join(latest, latest.c.server_id == servers.c.id)
                         .join(boms, boms.c.id == latest.c.id))
            .where(servers.c.key == key)
        ).first()  # fmt: skip
        if row is None:
            raise NotFound(f"no server {key!r} in the fleet")
        verified = {
            r.ref: r.verified
            for r in conn.execute(
                select(components.c.ref, components.c.verified).where(
                    components.c.bom_id == row.id, components.c.verified.is_not(None)
                )
            )
        }
    bom = parse_bom(zlib.decompress(row.document), row.source)
    return check_bom(bom, policy, as_of=as_of, fail_on=fail_on, signature=_signature(row),
                     observed=verified, validate=False)  # fmt: skip


def rechecks_list(store: FleetStore, *, offset: int = 0, limit: int = PAGE_SIZE) -> Page:
    """The stored rechecks, newest first, with how many servers failed and changed verdict."""
    from sqlalchemy import func, select

    from sovbom.fleet.schema import recheck_results, rechecks

    offset, limit = clamp(offset, limit)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(rechecks)).scalar_one()
        rows = conn.execute(
            select(rechecks).order_by(rechecks.c.id.desc()).offset(offset).limit(limit)
        ).all()
        out = []
        for r in rows:
            counts: dict[str, int] = dict(
                conn.execute(
                    select(recheck_results.c.verdict, func.count())
                    .where(recheck_results.c.recheck_id == r.id)
                    .group_by(recheck_results.c.verdict)
                ).all()
            )
            out.append({
                "id": r.id, "policy": r.policy_source, "policy_sha256": r.policy_sha256,
                "as_of": _iso(r.as_of), "fail_on": r.fail_on, "ran_at": _iso(r.ran_at),
                "servers": int(sum(counts.values())), "failing": int(counts.get("fail", 0)),
                "changed": _changed_count(conn, r.id),
            })  # fmt: skip
    return Page(out, offset, limit, int(total), offset + len(out) < total)


def _previous(conn: Any, recheck_id: int) -> int | None:
    from sqlalchemy import func, select

    from sovbom.fleet.schema import rechecks

    prev = conn.execute(select(func.max(rechecks.c.id)).where(rechecks.c.id < recheck_id)).scalar()
    return int(prev) if prev is not None else None


def _flips(recheck_id: int, previous_id: int) -> Select[Any]:
    from sqlalchemy import select

    from sovbom.fleet.schema import recheck_results

    now = recheck_results.alias("now")
    before = recheck_results.alias("before")
    return (
        select(now.c.server_id, before.c.verdict.label("previous"), now.c.verdict, now.c.worst,
               now.c.findings, now.c.domestic_share, now.c.bom_id)
        .select_from(now.join(before, (before.c.server_id == now.c.server_id)
                              & (before.c.recheck_id == previous_id)))
        .where(now.c.recheck_id == recheck_id, now.c.verdict != before.c.verdict)
    )  # fmt: skip


def _changed_count(conn: Any, recheck_id: int) -> int | None:
    from sqlalchemy import func, select

    previous = _previous(conn, recheck_id)
    if previous is None:
        return None
    flips = _flips(recheck_id, previous).subquery()
    return int(conn.execute(select(func.count()).select_from(flips)).scalar_one())


@dataclass(slots=True)
class RecheckPage:
    recheck: dict[str, Any]
    previous_id: int | None
    servers: Page
    changed_only: bool

    def to_dict(self) -> dict[str, Any]:
        return {"recheck": self.recheck, "previous_recheck": self.previous_id,
                "changed_only": self.changed_only, "servers": self.servers.to_dict()}  # fmt: skip


def recheck_servers(
    store: FleetStore,
    recheck_id: int | None,
    *,
    changed_only: bool = True,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> RecheckPage:
    """A stored recheck (the newest when None) and its servers: those whose verdict changed since
    the recheck before it, or all of them."""
    from sqlalchemy import func, select

    from sovbom.fleet.schema import boms, recheck_results, rechecks, servers

    offset, limit = clamp(offset, limit)
    with store.engine.connect() as conn:
        if recheck_id is None:
            recheck_id = conn.execute(select(func.max(rechecks.c.id))).scalar()
        head = (
            conn.execute(select(rechecks).where(rechecks.c.id == recheck_id)).first()
            if recheck_id is not None
            else None
        )
        if head is None:
            raise NotFound(
                f"no recheck {recheck_id} in the fleet" if recheck_id is not None
                else "no recheck stored yet: 'sovbom fleet recheck' stores one"
            )  # fmt: skip
        previous = _previous(conn, head.id)
        if changed_only and previous is not None:
            inner = _flips(head.id, previous).subquery("flips")
        else:
            r, p = recheck_results.alias("r"), recheck_results.alias("p")
            inner = (
                select(r.c.server_id, r.c.verdict, r.c.worst, r.c.findings, r.c.domestic_share,
                       r.c.bom_id, p.c.verdict.label("previous"))
                .select_from(r.outerjoin(p, (p.c.server_id == r.c.server_id)
                                         & (p.c.recheck_id == previous)))
                .where(r.c.recheck_id == head.id)
                .subquery("results")
            )  # fmt: skip
        if changed_only and previous is None:
            total, rows = 0, list[Any]()
        else:
            total = conn.execute(select(func.count()).select_from(inner)).scalar_one()
            rows = list(conn.execute(
                select(inner, servers.c.key, servers.c.name, servers.c.site, boms.c.sha256)
                .select_from(inner.join(servers, servers.c.id == inner.c.server_id)
                             .join(boms, boms.c.id == inner.c.bom_id))
                .order_by(servers.c.key).offset(offset).limit(limit)
            ))  # fmt: skip
    items = [
        {"server": r.key, "name": r.name, "site": r.site, "bom_sha256": r.sha256,
         "verdict": r.verdict, "previous": r.previous, "worst": r.worst,
         "findings": orjson.loads(r.findings), "domestic_share": r.domestic_share}
        for r in rows
    ]  # fmt: skip
    meta = {"id": head.id, "policy": head.policy_source, "policy_sha256": head.policy_sha256,
            "as_of": _iso(head.as_of), "fail_on": head.fail_on, "ran_at": _iso(head.ran_at)}  # fmt: skip
    page = Page(items, offset, limit, int(total), offset + len(items) < total)
    return RecheckPage(meta, previous, page, changed_only)


def failing_servers(store: FleetStore) -> tuple[int, int] | None:
    """(failing, judged) servers in the newest recheck; None when none was stored."""
    from sqlalchemy import func, select

    verdicts = _latest_verdicts()
    with store.engine.connect() as conn:
        rows: dict[str, int] = dict(
            conn.execute(
                select(verdicts.c.verdict, func.count()).group_by(verdicts.c.verdict)
            ).all()
        )
    if not rows:
        return None
    return int(rows.get("fail", 0)), int(sum(rows.values()))


__all__ = [
    "MAX_PAGE_SIZE", "PAGE_SIZE", "Cache", "NotFound", "Page", "RecheckPage", "ServerDetail", "check_newest",
    "clamp", "failing_servers", "fleet_state", "ingest_signature", "list_servers", "recheck_servers", "rechecks_list",
    "server_detail", "sites",
]  # fmt: skip
