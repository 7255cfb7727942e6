"""A small report of every kind, with names written to attack a terminal (ANSI escapes, C0/C1)."""

from __future__ import annotations

import datetime as dt
import json

from sovbom.checking import CheckReport, check_bom
from sovbom.conformance import ConformanceReport
from sovbom.cyclonedx.reader import parse_bom
from sovbom.delivery import (
    Comparison,
    DeliveryResult,
    FieldCheck,
    FieldStatus,
    PartResult,
    PartStatus,
    ShipmentResult,
    SourceInfo,
)
from sovbom.pack.inspect import BomInspection, InspectReport
from sovbom.policy import policy_from_dict
from sovbom.report import DeliveryReport, ShipmentReport, TraceReport
from sovbom.trace import parse_query, trace_graph

#: Clear the screen, colour, set the window title (OSC ... BEL), an 8-bit CSI, and other controls.
HOSTILE = "NIC \x1b[2J\x1b[31mred\x1b[0m\x1b]0;pwned\x07 \x9b2J c0:\x00\x07\x08\x0b\x0c\x7f c1:\x85\x90x\x9c end"
#: What a terminal must see of it: the text, no sequence.
VISIBLE = ("NIC", "red", "c0:", "c1:", "end")
SERIAL = "SN-1\x1b[2J"
AS_OF = dt.date(2026, 11, 22)
SIGNATURE = {
    "file": "expected.cdx.json",
    "bundle": "expected.cdx.json.sigstore.json",
    "ok": True,
    "status": "verified",
    "reason": "verified",
    "identity": "factory\x1b[2J@example.com",
    "issuer": "https://issuer.example",
    "roles": ["manufacturer"],
    "log_index": 7,
    "integrated_time": "2026-10-01T09:00:00+00:00",
}


def _part(ref: str, name: str, country: str, serial: str | None = None) -> dict[str, object]:
    props = [
        {"name": "sovbom:class", "value": "nic"},
        {"name": "sovbom:origin:country", "value": country},
    ]
    if serial:
        props.append({"name": "cdx:device:serialNumber", "value": serial})
    return {"type": "device", "bom-ref": ref, "name": name, "properties": props}


def bom_bytes() -> bytes:
    root = {
        "type": "device",
        "bom-ref": "hw:server",
        "name": "Test server",
        "properties": [{"name": "sovbom:origin:country", "value": "JP"}],
        "components": [
            _part("hw:nic0", HOSTILE, "CN", SERIAL),
            _part("hw:nic1", "Domestic NIC", "JP"),
        ],
    }
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": root},
    }
    return json.dumps(doc, indent=2).encode()


def check_report() -> CheckReport:
    policy = policy_from_dict(
        {"domestic_countries": ["JP"], "verification": {"critical": "declared"}}, "policy.yaml"
    )
    bom = parse_bom(bom_bytes(), "hostile\x1b[2J.cdx.json")
    return check_bom(bom, policy, as_of=AS_OF, fail_on="high")


def delivery_result(server: str = "srv-1", *, signed: bool = True) -> DeliveryResult:
    if not signed:
        return DeliveryResult(
            server=server,
            expected=SourceInfo("expected.cdx.json", "00" * 32),
            observed=None,
            signature=None,
            signature_ok=False,
            signature_reason="not signed: no bundle \x1b[2J",
        )
    check = check_report()
    parts = [
        PartResult(PartStatus.MATCHED, "nic", "Domestic NIC", "hw:nic1", "o:nic1", "slot", "PCIe 1"),
        PartResult(
            PartStatus.SUBSTITUTED, "nic", HOSTILE, "hw:nic0", "o:nic0", "slot", "PCIe 2\x1b[2J",
            [FieldCheck("serial", SERIAL, "SN-9\x1b]0;x\x07", FieldStatus.MISMATCH, firmware=None)],
        ),
        PartResult(PartStatus.MISSING, "memory", "DIMM", "hw:dimm0", None, None, "DIMM0",
                   [FieldCheck("serial", "D-1", None, FieldStatus.ABSENT)]),
        PartResult(PartStatus.UNEXPECTED, "nic", "Extra " + HOSTILE, None, "o:x", None, None),
    ]  # fmt: skip
    comparison = Comparison(
        identity=[FieldCheck("serial", "SRV-1", "SRV-1", FieldStatus.MATCH)],
        parts=parts,
        ignored_unexpected=0,
        verified={"hw:nic1": "observed at delivery"},
        expected_parts=3,
        observed_parts=3,
    )
    return DeliveryResult(
        server=server,
        expected=SourceInfo("expected.cdx.json", "ab" * 32),
        observed=SourceInfo("observed\x1b[2J.cdx.json"),
        signature=SIGNATURE,
        signature_ok=True,
        comparison=comparison,
        observed_complete=False,
        observed_notes=["no nvidia-smi \x1b[2J"],
        policy=check.result,
        unexpected_findings=[],
        policy_source="policy.yaml",
        policy_sha256="cd" * 32,
    )


def delivery_report() -> DeliveryReport:
    return DeliveryReport(delivery_result(), as_of=AS_OF.isoformat())


def shipment_report() -> ShipmentReport:
    servers = [delivery_result("srv-1"), delivery_result("srv-2\x1b[2J", signed=False)]
    return ShipmentReport(
        ShipmentResult("shipment\x1b[2J", servers),
        as_of=AS_OF.isoformat(),
        report_files={"srv-1": "reports/srv-1.delivery.json"},
    )


def inspect_report() -> InspectReport:
    report = InspectReport(
        archive="pack\x1b[2J.zip",
        archive_sha256="ef" * 32,
        index={"as_of": AS_OF.isoformat(), "members": [{}, {}]},
        trust_source="inspector",
        trust_root={"source": "trusted_root.json", "sha256": "12" * 32},
        signers_source="signers.yaml",
    )
    report.add("digest", "boms/a.cdx.json", True, "sha256 matches")
    report.add("digest", "boms/extra\x1b[2J.json", False, "added: " + HOSTILE)
    report.add("signature", "boms/a.cdx.json", False, "not signed: no bundle in the pack")
    report.warnings.append("packed trust \x1b[2J used")
    report.boms.append(
        BomInspection(
            member="boms/a.cdx.json",
            sha256="34" * 32,
            bundle=None,
            signature={"ok": False, "reason": "no bundle"},
            schema_ok=True,
            integrity_ok=True,
            verdict="fail",
            packed_verdict="fail",
            check=check_report(),
        )
    )
    report.reports.append({"member": "reports/a.json", "kind": "check", "verdict": "fail"})
    return report


def trace_report() -> TraceReport:
    graph = check_report().graph
    query = parse_query("country=CN")
    return TraceReport([trace_graph(graph, query), trace_graph(graph, parse_query("KP"))], query)


#: Every report kind: the Renderer method's name and a small report of that kind.
def conformance_report() -> ConformanceReport:
    from sovbom.conformance import ProfileId, check_conformance, load_profile

    bom = parse_bom(bom_bytes(), "hostile\x1b[2J.cdx.json")
    return check_conformance(bom, load_profile(ProfileId.NTIA_2021))


KINDS = {
    "conformance": conformance_report,
    "check": check_report,
    "delivery": delivery_report,
    "shipment": shipment_report,
    "inspect": inspect_report,
    "trace": trace_report,
}


# ------------------------------------------------------------------------- fleet report kinds

_WHEN = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def fleet_ingest_report() -> object:
    from sovbom.fleet.ingest import Ingested, IngestReport, Skipped

    return IngestReport(
        "sqlite:///fleet.db",
        [Ingested("a.cdx.json", "ab" * 32, SERIAL, 70, True),
         Ingested("b.cdx.json", "cd" * 32, "SN-2", 48, False, "verified", "ops@example.com")],
        [Skipped("bad.cdx.json", "malformed JSON: " + HOSTILE, 4)],
        1.5,
    )  # fmt: skip


def where_used_report() -> object:
    from sovbom.fleet.query import WhereUsedMatch, WhereUsedReport

    match = WhereUsedMatch(SERIAL, "Server", "Plant A", "ab" * 32, _WHEN, "hw:nic", HOSTILE,
                           "device", "nic", ("CN",),
                           [("hw:server", "Server"), ("hw:nic", HOSTILE)])  # fmt: skip
    return WhereUsedReport("country=CN", "2026-11-22", 2, [match])


def fleet_summary_report() -> object:
    from sovbom.fleet.summary import FleetSummary, Share, SummaryReport

    now = FleetSummary(None, 2, 1, 118, 48, Share(10, 6, 3, 0, 1))
    now.by["class"] = {"nic": Share(2, 0, 1, 1, 0), "memory": Share(8, 6, 2, 0, 0)}
    now.by["supplier"] = {HOSTILE: Share(2, 0, 1, 1, 0)}
    before = FleetSummary("2026-01-01", 1, 1, 70, 70, Share(5, 2, 3, 0, 0))
    before.by["class"] = {"nic": Share(1, 0, 1, 0, 0)}
    return SummaryReport("policy.yaml", now, before)


def recheck_report() -> object:
    from sovbom.fleet.recheck import RecheckReport, ServerVerdict

    counts = {"info": 0, "low": 1, "medium": 0, "high": 1, "critical": 0}
    return RecheckReport("policy.yaml", "ef" * 32, "2026-11-22", "high", 2, 1, [
        ServerVerdict(SERIAL, HOSTILE, "ab" * 32, "fail", "high", counts, 0.5, "pass"),
        ServerVerdict("SN-2", "Server 2", "cd" * 32, "pass", "low", counts, 0.9, "pass"),
    ])  # fmt: skip


def history_report() -> object:
    from sovbom.fleet.history import Change, HistoryReport, Version, VersionChanges

    v1 = Version(1, "ab" * 32, "v1.json", _WHEN, _WHEN, 3, "unsigned", None, None, [], None)
    v2 = Version(2, "cd" * 32, "v2.json", _WHEN, _WHEN, 3, "verified", "ops@example.com",
                 "https://issuer.example", ["manufacturer"], "pass")  # fmt: skip
    change = Change("changed", "hw:nic", HOSTILE, [("serial", "SN-1", SERIAL)])
    return HistoryReport(SERIAL, "Server", "Plant A",
                         [VersionChanges(v1, []), VersionChanges(v2, [change])])  # fmt: skip


KINDS.update(
    {
        "fleet_ingest": fleet_ingest_report,
        "where_used": where_used_report,
        "fleet_summary": fleet_summary_report,
        "recheck": recheck_report,
        "history": history_report,
    }
)
