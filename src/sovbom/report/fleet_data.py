"""The fleet reports as data: a JSON document (``schemas/fleet-report.schema.json``) and a view of
titled tables that the text formats (table, markdown, html) lay out alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom import __version__

if TYPE_CHECKING:
    from sovbom.fleet.history import HistoryReport
    from sovbom.fleet.ingest import IngestReport
    from sovbom.fleet.query import WhereUsedReport
    from sovbom.fleet.recheck import RecheckReport
    from sovbom.fleet.summary import FleetSummary, SummaryReport


@dataclass(slots=True)
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class View:
    title: str
    headline: str
    sections: list[Section] = field(default_factory=list)


def _head(kind: str) -> dict[str, Any]:
    return {"sovbom_report": kind, "format_version": 1,
            "tool": {"name": "sovbom", "version": __version__}}  # fmt: skip


def _d(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


# ----------------------------------------------------------------------------------- ingest


def ingest_dict(r: IngestReport) -> dict[str, Any]:
    return {
        **_head("fleet-ingest"),
        "store": r.store,
        "added": len(r.added),
        "already_present": len(r.ingested) - len(r.added),
        "components_added": r.components_added,
        "seconds": round(r.seconds, 3),
        "boms": [{"source": i.source, "sha256": i.sha256, "server": i.server,
                  "components": i.components, "added": i.added, "signature": i.signature,
                  "signer": i.signer} for i in r.ingested],
        "skipped": [{"source": s.source, "reason": s.reason, "exit_code": s.exit_code}
                    for s in r.skipped],
    }  # fmt: skip


def ingest_view(r: IngestReport) -> View:
    boms = Section("BOMs", ["source", "server", "components", "status", "signature"])
    boms.rows = [[i.source, i.server, f"{i.components:,}", "added" if i.added else "present",
                  i.signer or i.signature] for i in r.ingested]  # fmt: skip
    view = View("sovbom fleet ingest", r.headline(), [boms])
    if r.skipped:
        view.sections.append(
            Section("Skipped", ["source", "reason"], [[s.source, s.reason] for s in r.skipped])
        )
    return view


# -------------------------------------------------------------------------------- where-used


def _path(m: Any) -> list[dict[str, str]]:
    return [{"bom-ref": ref, "name": name} for ref, name in m.path]


def where_used_dict(r: WhereUsedReport) -> dict[str, Any]:
    return {
        **_head("fleet-where-used"),
        "query": r.query,
        "as_of": r.as_of,
        "servers_in_fleet": r.servers_in_fleet,
        "servers": r.servers,
        "truncated": r.truncated,
        "total_matches": r.total if r.total is not None else len(r.matches),
        "offset": r.offset,
        **({} if r.more_than is None else {"total_matches": None, "more_than": r.more_than}),
        "matches": [{"server": m.server, "server_name": m.server_name, "site": m.site,
                     "bom_sha256": m.bom_sha256, "produced_at": m.produced_at.isoformat(),
                     "bom-ref": m.ref, "name": m.name, "type": m.type, "class": m.cls,
                     "countries": list(m.countries), "path": _path(m)}
                    for m in r.matches],
    }  # fmt: skip


def where_used_view(r: WhereUsedReport) -> View:
    rows = [[m.server, _d(m.site), m.name, _d(m.cls or m.type), ", ".join(m.countries),
             " > ".join(name for _, name in m.path)] for m in r.matches]  # fmt: skip
    return View(
        f"sovbom fleet where-used: {r.query}",
        r.headline(),
        [Section("Matches", ["server", "site", "component", "class", "countries",
                             "path from the server root"], rows)],
    )  # fmt: skip


# ----------------------------------------------------------------------------------- summary


def _summary_dict(s: FleetSummary) -> dict[str, Any]:
    return s.to_dict()


def summary_dict(r: SummaryReport) -> dict[str, Any]:
    from sovbom.fleet.summary import DIMENSIONS

    return {
        **_head("fleet-summary"),
        "policy": r.policy_source,
        "now": _summary_dict(r.now),
        "since": _summary_dict(r.since) if r.since is not None else None,
        "trend": {d: r.trend(d) for d in DIMENSIONS} if r.since is not None else None,
    }


def summary_view(r: SummaryReport) -> View:
    from sovbom.fleet.summary import DIMENSIONS

    s = r.now
    facts = Section("Fleet", ["figure", "value"], [
        ["as of", s.as_of or "now"], ["servers", f"{s.servers:,}"],
        ["servers without a verified signature", f"{s.unsigned_servers:,}"],
        ["components", f"{s.components:,}"],
        ["components only declared (unverified)", f"{s.unverified_components:,}"],
        ["domestic share (origin scope)", _pct(s.total.domestic_share)],
    ])  # fmt: skip
    view = View("sovbom fleet summary", r.headline(), [facts])
    for dim in DIMENSIONS:
        trend = r.trend(dim)
        cols = [dim, "total", "domestic", "approved", "other", "unknown", "domestic share"]
        if r.since is not None:
            cols.append(f"change since {r.since.as_of}")
        rows = []
        for key, share in sorted(s.by[dim].items()):
            row = [key, f"{share.total:,}", f"{share.domestic:,}", f"{share.approved:,}",
                   f"{share.other:,}", f"{share.unknown:,}", _pct(share.domestic_share)]  # fmt: skip
            if r.since is not None:
                delta = trend.get(key)
                row.append("-" if delta is None else f"{delta:+.1%}")
            rows.append(row)
        view.sections.append(Section(f"By {dim}", cols, rows))
    return view


# ----------------------------------------------------------------------------------- recheck


def recheck_dict(r: RecheckReport) -> dict[str, Any]:
    return {
        **_head("fleet-recheck"),
        "recheck": r.recheck_id,
        "previous_recheck": r.previous_recheck_id,
        "policy": {"source": r.policy_source, "sha256": r.policy_sha256},
        "as_of": r.as_of,
        "fail_on": r.fail_on,
        "verdict": "fail" if r.fails else "pass",
        "changed": [s.server for s in r.changed],
        "failing": [s.server for s in r.failing],
        "servers": [{"server": s.server, "server_name": s.server_name,
                     "bom_sha256": s.bom_sha256, "verdict": s.verdict, "previous": s.previous,
                     "changed": s.changed, "worst": s.worst, "findings": s.findings,
                     "domestic_share": s.domestic_share} for s in r.servers],
    }  # fmt: skip


def recheck_view(r: RecheckReport) -> View:
    cols = ["server", "verdict", "previous", "worst", "findings", "domestic share"]

    def row(s: Any) -> list[str]:
        counts = ", ".join(f"{n} {k}" for k, n in s.findings.items() if n)
        return [s.server, s.verdict, _d(s.previous), _d(s.worst), counts or "none",
                _pct(s.domestic_share)]  # fmt: skip

    return View(
        "sovbom fleet recheck",
        r.headline(),
        [Section("Changed verdict", cols, [row(s) for s in r.changed]),
         Section("Servers", cols, [row(s) for s in r.servers])],
    )  # fmt: skip


# ----------------------------------------------------------------------------------- history


def _change(c: Any) -> dict[str, Any]:
    return {"kind": c.kind, "bom-ref": c.ref, "name": c.name,
            "fields": [{"field": f, "before": a, "after": b} for f, a, b in c.fields]}  # fmt: skip


def history_dict(r: HistoryReport) -> dict[str, Any]:
    def version(v: Any) -> dict[str, Any]:
        x = v.version
        return {"version": x.number, "sha256": x.sha256, "source": x.source,
                "produced_at": x.produced_at.isoformat(), "ingested_at": x.ingested_at.isoformat(),
                "components": x.components, "signature": x.signature, "signer": x.signer,
                "issuer": x.issuer, "roles": x.roles, "delivery_verdict": x.delivery_verdict,
                "changes": [_change(c) for c in v.changes]}  # fmt: skip

    return {
        **_head("fleet-history"),
        "server": r.server,
        "server_name": r.server_name,
        "site": r.site,
        "versions": [version(v) for v in r.versions],
        "by_signer": {k: [v.version.number for v in vs] for k, vs in r.by_signer().items()},
    }


def history_view(r: HistoryReport) -> View:
    view = View(f"sovbom fleet history: {r.server}", r.headline())
    for signer, versions in sorted(r.by_signer().items()):
        for v in versions:
            x = v.version
            title = (f"Version {x.number} ({x.produced_at:%Y-%m-%d %H:%M} UTC), signer {signer},"
                     f" {x.components:,} components, sha256 {x.sha256[:16]}")  # fmt: skip
            rows = [[c.kind, c.name, c.ref,
                     "; ".join(f"{f}: {_d(a)} -> {_d(b)}" for f, a, b in c.fields)]
                    for c in v.changes]  # fmt: skip
            if x.number == 1:
                rows = [["first", f"{x.components:,} components", "-", "-"]]
            view.sections.append(Section(title, ["change", "component", "bom-ref", "fields"], rows))
    return view


__all__ = [
    "Section",
    "View",
    "history_dict",
    "history_view",
    "ingest_dict",
    "ingest_view",
    "recheck_dict",
    "recheck_view",
    "summary_dict",
    "summary_view",
    "where_used_dict",
    "where_used_view",
]
