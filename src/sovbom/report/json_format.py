"""The JSON reports, each with a schema in ``schemas/``: ``check-report``, ``delivery-report``
(one server), ``delivery-shipment``, ``inspect-report`` and ``trace-report``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from sovbom import __version__
from sovbom.report.fleet import FleetJsonMixin
from sovbom.report.text import share_scope

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.delivery import DeliveryResult
    from sovbom.diff import DiffReport
    from sovbom.graph import Route
    from sovbom.pack.inspect import InspectReport
    from sovbom.policy import Finding
    from sovbom.report.interface import DeliveryReport, ShipmentReport, TraceReport

REPORT_FORMAT_VERSION = 1
#: Check reports: version 2 stores each provenance path once, in the report's ``path_nodes``
#: table (version 1 spelled every path out in every finding: quadratic in a chain's length).
CHECK_REPORT_FORMAT_VERSION = 2
_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def _dump(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=_OPTIONS)


class JsonRenderer(FleetJsonMixin):
    """Machine-readable reports (the default off a terminal)."""

    def check(self, report: CheckReport) -> bytes:
        return _dump(check_report_dict(report))

    def delivery(self, report: DeliveryReport) -> bytes:
        return _dump(delivery_result_dict(report.result, report.as_of))

    def shipment(self, report: ShipmentReport) -> bytes:
        return b"".join(shipment_stream(report))

    def shipment_stream(self, report: ShipmentReport) -> Iterator[bytes]:
        return shipment_stream(report)

    def inspect(self, report: InspectReport) -> bytes:
        return _dump(report.to_dict())

    def trace(self, report: TraceReport) -> bytes:
        return _dump(trace_dict(report))

    def conformance(self, report: ConformanceReport) -> bytes:
        from sovbom.report.conformance_views import conformance_dict

        return _dump(conformance_dict(report))

    def diff(self, report: DiffReport) -> bytes:
        from sovbom.report.diff_views import diff_dict

        return _dump(diff_dict(report))


def check_report_dict(
    report: CheckReport, *, format_version: int = CHECK_REPORT_FORMAT_VERSION
) -> dict[str, Any]:
    """The JSON check report (``schemas/check-report.schema.json``).

    Each finding's ``paths`` are indices into ``path_nodes``: ``{"ref", "parent"}`` entries, a
    node's parent (an index, null at the server root) before it, every path stored once and
    sharing its prefix with the paths it extends (:func:`spell_out_paths` reads them back).
    ``format_version=1`` writes the earlier shape, every path spelled out in its finding.
    """
    r = report.result
    total = r.total_share()
    counts = r.counts_by_severity()  # the findings that count: the others are exempted
    out: dict[str, Any] = {
        "sovbom_report": "check",
        "format_version": format_version,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": report.as_of,
        "bom": {
            "source": report.bom_source,
            "sha256": report.bom_sha256,
            "serialNumber": report.bom_serial,
            "root": r.root,
            "components": r.components,
        },
        "policy": {
            "source": report.policy.source,
            "sha256": report.policy_sha256,
            "domestic_countries": sorted(report.policy.domestic),
            "approved_countries": sorted(report.policy.approved),
            "denied_countries": sorted(report.policy.denied),
        },
        "signature": report.signature,
        "verdict": report.verdict,
        "fail_on": report.fail_on,
        "summary": {
            "findings": counts,
            "exempted": len(r.findings) - sum(counts.values()),
            "verification_levels": r.levels,
            "domestic_share": total.to_dict(),
            "domestic_share_scope": {
                "components": total.total,
                "origin_scope": None
                if report.policy.origin_scope is None
                else sorted(report.policy.origin_scope),
                "description": share_scope(report),
            },
            "by_class": {k: v.to_dict() for k, v in r.by_class.items()},
            **({"by_stage": r.stages.to_dict()} if r.stages else {}),
        },
    }
    refs: Iterable[str]
    if format_version == 1:
        out["findings"] = [f.to_dict() for f in r.findings]
        # in order of first appearance: deterministic (the findings are sorted), unlike a set
        refs = dict.fromkeys(ref for f in r.findings for p in f.paths for ref in p)
    else:
        table = _PathTable()
        out["findings"] = table.findings(r.findings)
        out["path_nodes"] = table.nodes
        refs = table.node_refs  # repeats: the names are a dict, each ref once, in order
    from sovbom.units import UnitNames

    # a label shared by several units names the unit
    out["names"] = UnitNames.of(report.graph).names(refs)
    if report.verified_evidence:
        out["verified_evidence"] = dict(sorted(report.verified_evidence.items()))
    if report.claim is not None:
        out["claim"] = report.claim
    from sovbom.report.hardware_views import hardware_dict

    hardware = hardware_dict(report)
    if hardware is not None:
        out["hardware_identity"] = hardware
    return out


class _PathTable:
    """Routes (:data:`sovbom.graph.Route`) as a table of ``{"ref", "parent"}`` nodes, each
    route once: linear in the number of distinct routes, however long the paths.

    The nodes are kept as two parallel lists (ref, parent) while the findings are read, and made
    into the report's objects in one pass at the end (:attr:`nodes`)."""

    def __init__(self) -> None:
        #: each node's ref and parent node, in order of first appearance
        self.node_refs: list[str] = []
        self._parents: list[int | None] = []
        self._index: dict[int, int] = {}  # id(route) -> node; the findings keep the routes alive

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return [{"ref": r, "parent": p} for r, p in zip(self.node_refs, self._parents, strict=True)]

    def findings(self, findings: Iterable[Finding]) -> list[dict[str, Any]]:
        """The findings as JSON, their routes given as node ids (new nodes added in order)."""
        from sovbom.policy.evaluate import finding_dict

        index = self._index
        get = index.get
        refs, parents = self.node_refs, self._parents
        add_ref, add_parent = refs.append, parents.append
        _id = id
        out: list[dict[str, Any]] = []
        append = out.append
        for f in findings:
            ids = []
            for route in f.routes:
                key = _id(route)
                found = get(key)
                if found is None:
                    up = route[1]
                    if up is None:
                        parent = None
                    else:  # usually known: a route's parent is the route of a part above it
                        parent = get(_id(up))
                        if parent is None:
                            parent = self._add_chain(up)
                    index[key] = found = len(refs)
                    add_ref(route[0])
                    add_parent(parent)
                ids.append(found)
            append(finding_dict(f, ids))
        return out

    def _add_chain(self, route: Route) -> int:
        """Add ``route`` and those of its ancestors not in the table yet, root first."""
        get = self._index.get
        chain = [route]
        node = route[1]
        found = None
        while node is not None:
            found = get(id(node))
            if found is not None:
                break
            chain.append(node)
            node = node[1]
        refs, parents = self.node_refs, self._parents
        for n in reversed(chain):
            self._index[id(n)] = at = len(refs)
            refs.append(n[0])
            parents.append(found)
            found = at
        assert found is not None
        return found


def spell_out_paths(doc: Mapping[str, Any]) -> list[list[list[str]]]:
    """Each finding's provenance paths as bom-refs (root first), from a check report of any
    format version: version 2 reports are read through their ``path_nodes`` table."""
    findings = doc.get("findings") or []
    if doc.get("format_version") == 1:
        return [list(f.get("paths") or []) for f in findings]
    nodes = doc.get("path_nodes") or []

    def path(i: int) -> list[str]:
        out = []
        seen = 0
        node: int | None = i
        while node is not None and seen <= len(nodes):
            out.append(nodes[node]["ref"])
            node = nodes[node]["parent"]
            seen += 1
        out.reverse()
        return out

    return [[path(i) for i in f.get("paths") or []] for f in findings]


def as_format_version_1(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A check report in the version 1 shape (every path spelled out in its finding): how an
    earlier report is compared with a re-derived one."""
    if doc.get("format_version") == 1:
        return dict(doc)
    out = {k: v for k, v in doc.items() if k != "path_nodes"}
    out["format_version"] = 1
    out["findings"] = []
    for f, paths in zip(doc.get("findings") or [], spell_out_paths(doc), strict=True):
        f = dict(f)
        if paths:
            f["paths"] = paths
        out["findings"].append(f)
    refs = dict.fromkeys(ref for paths in spell_out_paths(out) for p in paths for ref in p)
    names = doc.get("names") or {}
    out["names"] = {ref: names[ref] for ref in refs if ref in names}
    return out


def _policy_dict(r: DeliveryResult) -> dict[str, Any] | None:
    if r.policy_source is None:
        return None
    out: dict[str, Any] = {
        "source": r.policy_source,
        "sha256": r.policy_sha256,
        "fail_on": r.fail_on,
        "fails": r.policy_fails,
        "tolerances": r.tolerances,
        "checked": r.policy is not None,
    }
    if r.policy is not None:
        out["findings"] = r.policy.counts_by_severity()
        out["verification_levels"] = r.policy.levels
        out["expected_findings"] = [f.to_dict() for f in r.policy.findings]
        out["unexpected_findings"] = [f.to_dict() for f in r.unexpected_findings]
    return out


def delivery_result_dict(r: DeliveryResult, as_of: str) -> dict[str, Any]:
    from sovbom.delivery.model import PartStatus

    c = r.comparison
    parts = [p.to_dict() for p in c.parts] if c else []
    unverified = (
        0
        if c is None
        else c.unverified_count
        if c.unverified_count is not None
        else sum(len(p["unverified"]) for p in parts)
    )  # c.unverified_total(), once
    summary: dict[str, Any] = {
        "expected_parts": c.expected_parts if c else None,
        "observed_parts": c.observed_parts if c else None,
        **(c.counts() if c else dict.fromkeys(map(str, PartStatus), 0)),
        "ignored_unexpected": c.ignored_unexpected if c else 0,
        "verified_components": c.verified_total() if c else 0,
        "unverified_fields": unverified,
    }  # fmt: skip
    return {
        "sovbom_report": "delivery",
        "format_version": REPORT_FORMAT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": as_of,
        "server": r.server,
        "verdict": str(r.verdict),
        "reasons": r.reasons(),
        "expected": r.expected.to_dict(),
        "observed": (
            {**r.observed.to_dict(), "complete": r.observed_complete, "notes": r.observed_notes}
            if r.observed is not None
            else None
        ),
        "signature": r.signature,
        "identity": (
            {"ok": c.identity_ok, "fields": [f.to_dict() for f in c.identity]} if c else None
        ),
        "summary": summary,
        "parts": parts,
        "verified": dict(sorted(c.verified.items())) if c else {},
        "policy": _policy_dict(r),
    }


def server_summary(r: DeliveryResult) -> dict[str, Any]:
    c = r.comparison
    return {
        "server": r.server,
        "verdict": str(r.verdict),
        "reasons": r.reasons(),
        "expected": r.expected.source,
        "signature": "verified" if r.signature_ok else "failed",
        "signer": (r.signature or {}).get("identity") if r.signature_ok else None,
        "identity_ok": c.identity_ok if c else None,
        "counts": c.counts() if c else None,
        "policy_fails": r.policy_fails,
    }


def shipment_dict(report: ShipmentReport) -> dict[str, Any]:
    """The shipment report as one document (what :func:`shipment_stream` gives in pieces)."""
    doc = _shipment_head(report)
    doc["servers"] = [_shipment_entry(report, r) for r in report.shipment.servers]
    return doc


def _shipment_head(report: ShipmentReport) -> dict[str, Any]:
    s = report.shipment
    return {
        "sovbom_report": "delivery-shipment",
        "format_version": REPORT_FORMAT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "as_of": report.as_of,
        "shipment": s.directory,
        "verdict": str(s.verdict),
        "failed_servers": s.failed_servers,
        "summary": s.summary(),
        "servers": [],
        "other_entries": s.other_entries,
    }


def _shipment_entry(report: ShipmentReport, r: DeliveryResult) -> dict[str, Any]:
    entry = server_summary(r)
    entry["report"] = report.report_file(r.server)
    return entry


#: Where the servers go in the rendered head (a raw newline is never inside a JSON string).
_SERVERS_AT = b'\n  "servers": []'
#: Each server's entry, rendered on its own, is indented to its place in the list.
_ENTRY_INDENT = b"    "


def shipment_stream(report: ShipmentReport) -> Iterator[bytes]:
    """The bytes of ``_dump(shipment_dict(report))``, in pieces: the head, then one piece per
    server as the servers are read (a spool reads them back one at a time), then the tail."""
    head = _dump(_shipment_head(report))
    servers = report.shipment.servers
    if not len(servers):
        yield head
        return
    before, after = head.split(_SERVERS_AT, 1)
    yield before + b'\n  "servers": [\n'
    sep = b""
    for r in servers:
        entry = orjson.dumps(_shipment_entry(report, r), option=orjson.OPT_INDENT_2)
        yield sep + _ENTRY_INDENT + entry.replace(b"\n", b"\n" + _ENTRY_INDENT)
        sep = b",\n"
    yield b"\n  ]" + after


def trace_dict(report: TraceReport) -> dict[str, Any]:
    return {
        "sovbom_report": "trace",
        "query": report.query.describe(),
        "boms": [
            {
                "source": r.source,
                "root": r.root,
                "matches": [
                    {
                        "bom-ref": m.ref,
                        "name": m.name,
                        "type": m.type,
                        "countries": list(m.countries),
                        "paths": [
                            [{"bom-ref": ref, "name": n} for ref, n in zip(p, ns, strict=True)]
                            for p, ns in zip(m.paths, m.path_names, strict=True)
                        ],
                        "paths_truncated": m.truncated,
                    }
                    for m in r.matches
                ],
            }
            for r in report.results
        ],
    }
