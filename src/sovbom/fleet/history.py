"""``fleet history``: a server's BOM versions in time order, what each changed, and who signed it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.fleet.store import FleetStore

#: The component fields compared between versions.
FIELDS = ("name", "version", "part_number", "serial", "manufacturer", "supplier", "country",
          "purl", "parent_ref")  # fmt: skip


@dataclass(slots=True)
class Version:
    number: int
    sha256: str
    source: str
    produced_at: dt.datetime
    ingested_at: dt.datetime
    components: int
    signature: str
    signer: str | None
    issuer: str | None
    roles: list[str]
    delivery_verdict: str | None


@dataclass(slots=True)
class Change:
    kind: str  # added | removed | changed
    ref: str
    name: str
    fields: list[tuple[str, str | None, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class VersionChanges:
    version: Version
    changes: list[Change]


@dataclass(slots=True)
class HistoryReport:
    server: str
    server_name: str | None
    site: str | None
    versions: list[VersionChanges]

    def by_signer(self) -> dict[str, list[VersionChanges]]:
        """The versions each signer signed (``unsigned`` for the others), in time order."""
        out: dict[str, list[VersionChanges]] = {}
        for v in self.versions:
            who = v.version.signer if v.version.signature == "verified" else None
            out.setdefault(who or "unsigned", []).append(v)
        return out

    def headline(self) -> str:
        signers = sorted(self.by_signer())
        return (
            f"server {self.server}: {len(self.versions)} version(s), signed by"
            f" {', '.join(signers) if signers else 'nobody'}"
        )


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out = []
    for ref, row in new.items():
        before = old.get(ref)
        if before is None:
            out.append(Change("added", ref, row["name"]))
            continue
        fields = [(f, before[f], row[f]) for f in FIELDS if before[f] != row[f]]
        if fields:
            out.append(Change("changed", ref, row["name"], fields))
    out += [Change("removed", ref, row["name"]) for ref, row in old.items() if ref not in new]
    return out


def history(store: FleetStore, server: str) -> HistoryReport:
    """Every version of ``server`` (its key: the root's serial number, else its name)."""
    from sqlalchemy import select

    from sovbom.fleet.query import as_utc
    from sovbom.fleet.schema import boms, components, servers

    with store.engine.connect() as conn:
        srv = conn.execute(select(servers).where(servers.c.key == server)).first()
        if srv is None:
            raise InputError(f"no server {server!r} in the fleet", source=store.display)
        versions = conn.execute(
            select(boms.c.id, boms.c.sha256, boms.c.source, boms.c.produced_at,
                   boms.c.ingested_at, boms.c.components, boms.c.signature,
                   boms.c.signer_identity, boms.c.signer_issuer, boms.c.signer_roles,
                   boms.c.delivery_verdict)
            .where(boms.c.server_id == srv.id)
            .order_by(boms.c.produced_at, boms.c.id)
        ).all()  # fmt: skip
        out: list[VersionChanges] = []
        previous: dict[str, Any] = {}
        for number, v in enumerate(versions, 1):
            stmt = select(components.c.ref, *(components.c[f] for f in FIELDS)).where(
                components.c.bom_id == v.id
            )
            rows = {r.ref: r._asdict() for r in conn.execute(stmt)}
            version = Version(
                number, v.sha256, v.source, as_utc(v.produced_at), as_utc(v.ingested_at),
                v.components, v.signature, v.signer_identity, v.signer_issuer,
                [r for r in (v.signer_roles or "").split(",") if r], v.delivery_verdict,
            )  # fmt: skip
            out.append(VersionChanges(version, _diff(previous, rows) if number > 1 else []))
            previous = rows
    return HistoryReport(srv.key, srv.name, srv.site, out)


__all__ = ["Change", "HistoryReport", "Version", "VersionChanges", "history"]
