"""A shipment's reports, byte for byte: a snapshot of twenty servers built from one template.

The servers differ as real ones do (each its own serials) and most carry a defect (a swapped or
missing part, drifted firmware, a copied HBOM, an unsigned one, an incomplete inventory...).
Whatever a shipment's verification shares between servers to go faster (extraction, field checks,
rendered pieces), every report, and the shipment's summary, must stay what this snapshot holds,
with one worker or several, with and without a policy's tolerances.

Regenerate (after a deliberate change of the reports) with
``SOVBOM_REGENERATE_SNAPSHOTS=1 pytest tests/delivery/test_delivery_shipment_snapshot.py``.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from sovbom import signing
from sovbom.delivery import DeliveryResult, ShipmentResult, discover_shipment
from sovbom.delivery.report_dir import StagedReportDir
from sovbom.delivery.shipment import report_name, verify_shipment
from sovbom.policy.config import policy_from_dict
from sovbom.report.interface import DeliveryReport, ReportFormat, ShipmentReport, renderer_for

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "delivery" / "shipment-snapshot.json"
AS_OF = "2026-11-22"
SERVERS = 20
#: The policy's delivery tolerances (its rules are another module's; their findings are not in
#: the snapshot).
TOLERANCES = {
    "ignore_fields": [],
    "accept_newer_firmware": [{"class": "bmc", "versions": ["2.16.1-ycs1"]}],
    "accept_revision_drift": ["psu"],
    "ignore_unexpected_classes": ["fan"],
}


class AcceptAll:
    """A verifier that accepts every bundle (signatures are tested elsewhere)."""

    trust = SimpleNamespace(info=None)

    def verify_bytes(
        self, data: bytes, bundle: bytes, *, name: str, bundle_name: str, sha256: str | None = None
    ) -> Any:
        return signing.Verdict(
            file=name, bundle=bundle_name, ok=True, status=signing.Status.VERIFIED,
            sha256=sha256 or hashlib.sha256(data).hexdigest(), identity="factory@example.com",
        )  # fmt: skip


def _props(**kw: str) -> list[dict[str, str]]:
    names = {"cls": "sovbom:class", "pn": "sovbom:part-number", "serial": "cdx:device:serialNumber",
             "slot": "sovbom:slot", "bus": "sovbom:bus-address", "model": "sovbom:model",
             "runs_on": "sovbom:runs-on", "rev": "sovbom:revision", "swid": "sovbom:redfish:software-id",
             "loc": "cdx:device:location"}  # fmt: skip
    return [{"name": names[k], "value": v} for k, v in kw.items()]


def _fw(ref: str, name: str, version: str, digest: int | None, **props: str) -> dict[str, Any]:
    fw: dict[str, Any] = {"type": "firmware", "bom-ref": ref, "name": name, "version": version}
    if digest is not None:
        fw["hashes"] = [{"alg": "SHA-256", "content": f"{digest:064x}"}]
    if props:
        fw["properties"] = _props(**props)
    return fw


def _dev(ref: str, name: str, maker: str | None, **props: str) -> dict[str, Any]:
    dev: dict[str, Any] = {"type": "device", "bom-ref": ref, "name": name}
    if maker is not None:
        dev["manufacturer"] = {"name": maker}
    dev["properties"] = _props(**props)
    return dev


def expected_doc(s: str) -> dict[str, Any]:
    """The factory HBOM of a server whose serials begin with ``s``."""
    board = _dev("hw:board", "X13 baseboard", "Yamato Compute", cls="baseboard", pn="MB-1",
                 serial=f"{s}-MB", rev="1.02")  # fmt: skip
    board["components"] = [_fw("fw:bios", "UEFI BIOS", "X13.2.1.7", 1)]
    for c in range(2):
        cpu = _dev(f"hw:cpu{c}", "Xeon", "Intel Corporation", cls="cpu", pn="PK807",
                   serial=f"{s}-CPU{c}", slot=f"CPU{c}")  # fmt: skip
        cpu["components"] = [_fw(f"fw:ucode{c}", "Intel microcode", "0x10002b0", 2)]
        board["components"].append(cpu)
    board["components"] += [
        _dev(f"hw:dimm{d}", "64GB RDIMM", " Samsung Electronics Co., Ltd. ", cls="memory",
             pn="M321R8GA0PB2", serial=f"{s}-DIMM{d}", slot=f"DIMM_A{d}", rev="B2")
        for d in range(6)
    ]  # fmt: skip
    bmc = _dev("hw:bmc", "AST2600", "ASPEED Technology Inc.", cls="bmc", pn="AST2600A3",
               serial=f"{s}-BMC")  # fmt: skip
    board["components"] += [bmc, _dev("hw:tpm", "TPM 2.0", "Infineon", cls="tpm", pn="SLB9672",
                                      serial="Not Specified")]  # fmt: skip
    nics = [_dev(f"hw:nic{k}", "ConnectX-7", "NVIDIA Corporation", cls="nic", pn="MCX75",
                 serial=f"{s}-NIC{k}", bus=f"0000:{k + 17:02x}:00.0") for k in range(2)]  # fmt: skip
    psus = [_dev(f"hw:psu{k}", "PSU", "Delta Electronics, Inc.", cls="psu", pn="DPS-3200",
                 serial=f"{s}-PSU{k}", slot=f"PSU{k}", rev="A") for k in range(2)]  # fmt: skip
    fans = [_dev(f"hw:fan{k}", "Fan", "Nidec", cls="fan", pn="FAN-80", loc=f"FAN{k}")
            for k in range(2)]  # fmt: skip
    cables = [{"type": "device", "name": f"Cable {k}", "properties": _props(cls="cable", pn="CBL-1")}
              for k in range(2)]  # fmt: skip
    chassis = _dev("hw:chassis", "8U chassis", "Yamato Compute", cls="chassis", pn="CH-8U",
                   serial=f"{s}-CH")  # fmt: skip
    chassis["components"] = [board, *nics, *psus, *fans, *cables]
    root = _dev("hw:server", "YCS AIX-8B", "Yamato Compute", cls="server", pn="AIX-8B",
                serial=f"{s}-SRV", model="AIX-8B-JP")  # fmt: skip
    root["version"] = "A"
    top = [chassis,
           _fw("fw:bmc", "OpenBMC firmware", "2.16.0-ycs3", 3, runs_on="hw:bmc"),
           _fw("fw:nic", "NIC firmware", "28.43.1014", 4, runs_on="hw:nic0"),
           _fw("fw:orphan", "Option ROM", "1.0", 5)]  # fmt: skip
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "serialNumber": f"urn:uuid:00000000-0000-4000-8000-{int(s[1:]):012d}",
            "metadata": {"component": root}, "components": top}  # fmt: skip


def _walk(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [doc["metadata"]["component"], *doc["components"]]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.get("components", []))
    return out


def _find(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(c for c in _walk(doc) if c.get("bom-ref") == ref)


def _set(comp: dict[str, Any], prop: str, value: str | None) -> None:
    props = [p for p in comp.get("properties", []) if p["name"] != prop]
    if value is not None:
        props.append({"name": prop, "value": value})
    comp["properties"] = props


def observed_doc(expected: dict[str, Any]) -> dict[str, Any]:
    """What a collection gives: other refs, no revisions, hashes of only some firmware."""
    doc = orjson.loads(
        orjson.dumps(expected).replace(b'"hw:', b'"hw:rf:').replace(b'"fw:', b'"fw:rf:')
    )
    for c in _walk(doc):
        if c.get("type") == "firmware" and c["name"] != "UEFI BIOS":
            c.pop("hashes", None)
        if c.get("type") == "device":
            _set(c, "sovbom:revision", None)
            if c.get("bom-ref") != "hw:rf:server":
                c.pop("version", None)
    _find(doc, "fw:rf:ucode1")["name"] = "microcode"  # matched as the only firmware of its part
    _set(_find(doc, "fw:rf:ucode1"), "sovbom:redfish:software-id", "Intel microcode")
    doc.pop("serialNumber", None)
    doc["metadata"]["properties"] = [{"name": "sovbom:bom:kind", "value": "observed"}]
    return doc


def _defect(i: int, e: dict[str, Any], o: dict[str, Any]) -> None:  # noqa: C901 - one case each
    if i == 3:  # a swapped DIMM
        _set(_find(o, "hw:rf:dimm2"), "cdx:device:serialNumber", "SWAPPED-1")
    elif i == 4:  # a missing NIC
        board = _find(o, "hw:rf:chassis")
        board["components"] = [c for c in board["components"] if c.get("bom-ref") != "hw:rf:nic1"]
    elif i == 5:  # unexpected parts: a GPU, and a fan (ignored under the tolerances)
        o["components"].append(_dev("hw:rf:gpu9", "B200", "NVIDIA Corporation", cls="gpu",
                                    pn="699-2G525", serial="GPU-EXTRA", slot="SXM9"))  # fmt: skip
        o["components"].append(_dev("hw:rf:fan9", "Fan", "Nidec", cls="fan", pn="FAN-80",
                                    serial="FAN-EXTRA"))  # fmt: skip
    elif i == 6:  # newer BMC firmware (accepted under the tolerances)
        _find(o, "fw:rf:bmc")["version"] = "2.16.1-ycs1"
    elif i == 7:  # the BIOS hash differs
        _find(o, "fw:rf:bios")["hashes"][0]["content"] = "ab" * 32
    elif i == 8:  # a PSU revision drifted (accepted under the tolerances); a DIMM's too
        _set(_find(o, "hw:rf:psu1"), "sovbom:revision", "B")
        _set(_find(o, "hw:rf:dimm0"), "sovbom:revision", "B3")
    elif i == 9:  # another server serial
        _set(o["metadata"]["component"], "cdx:device:serialNumber", "OTHER-SRV")
    elif i == 10:  # the server serial not observed
        _set(o["metadata"]["component"], "cdx:device:serialNumber", None)
    elif i == 12:  # a DIMM without serial, found by slot: another part number
        dimm = _find(o, "hw:rf:dimm4")
        _set(dimm, "cdx:device:serialNumber", None)
        _set(dimm, "sovbom:part-number", "M321-OTHER")
    elif i == 13:  # an incomplete collection
        o["metadata"]["properties"] += [
            {"name": "sovbom:collection:incomplete", "value": "true"},
            {"name": "sovbom:collection:note", "value": "Redfish: /Chassis/1/Power timed out"},
        ]
    elif i == 14:  # a part found with nothing declared observed; a firmware not found
        _find(o, "hw:rf:psu0")["properties"] = _props(cls="psu", slot="PSU0")
        _find(o, "hw:rf:psu0").pop("manufacturer")
        o["components"] = [c for c in o["components"] if c.get("bom-ref") != "fw:rf:nic"]
    elif i == 17:  # a DIMM serial also declared by server 0
        _set(_find(e, "hw:dimm5"), "cdx:device:serialNumber", "S00000-DIMM5")
        _set(_find(o, "hw:rf:dimm5"), "cdx:device:serialNumber", "S00000-DIMM5")
    elif i == 18:  # another spelling of a manufacturer, and a whitespace-only difference
        _find(o, "hw:rf:nic0")["manufacturer"]["name"] = "NVIDIA Corp."
        _set(_find(o, "hw:rf:psu0"), "sovbom:part-number", " dps-3200 ")
    elif i == 19:  # a firmware version not observed, another one differing
        _find(o, "fw:rf:bios").pop("version")
        _find(o, "fw:rf:ucode0")["version"] = "0x10002b1"


def make_shipment(root: Path) -> Path:
    ship = root / "shipment"
    for i in range(SERVERS):
        e = expected_doc(f"S{i:05d}")
        o = observed_doc(e)
        _defect(i, e, o)
        if i == 11:  # a copy of server 2
            e, o = expected_doc("S00002"), observed_doc(expected_doc("S00002"))
        d = ship / f"server-{i:02d}"
        d.mkdir(parents=True)
        (d / "expected.cdx.json").write_bytes(orjson.dumps(e, option=orjson.OPT_INDENT_2))
        (d / "observed.cdx.json").write_bytes(orjson.dumps(o, option=orjson.OPT_INDENT_2))
        if i != 15:  # server 15 is not signed
            (d / "expected.cdx.json.sigstore.json").write_bytes(b"{}")
    return ship


def _policy() -> Any:
    return policy_from_dict({"domestic_countries": ["JP"], "delivery": TOLERANCES}, "policy.yaml")


def _run(ship: Path, out: Path, jobs: int, policy: Any) -> dict[str, Any]:
    """Every report of the shipment (the per-server ones and the summary), parsed."""
    renderer = renderer_for(ReportFormat.JSON)

    def render(result: DeliveryResult) -> bytes:
        return renderer.delivery(DeliveryReport(result, AS_OF))

    servers = discover_shipment(ship)
    verifier: Any = AcceptAll()
    with StagedReportDir(out) as staged:
        # --fail-on never: the policy's findings (another module's) do not decide the verdicts
        results = verify_shipment(servers, verifier, policy=policy, fail_on="never", today=_date(),
                                  render=render, reports=staged, jobs=jobs)  # fmt: skip
        shipment = ShipmentResult(directory="shipment", servers=results)
        report = ShipmentReport(shipment=shipment, as_of=AS_OF)
        for r in results:
            report.report_files[r.server] = report_name(r.server)
        staged.write("shipment.json", renderer.shipment(report))
        staged.commit()
    here = str(ship).encode()
    files = {p.name: orjson.loads(p.read_bytes().replace(here, b"SHIPMENT"))
             for p in sorted(out.iterdir())}  # fmt: skip
    assert len(files) == SERVERS + 1
    return {name: _normalised(doc) for name, doc in files.items()}


def _normalised(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc.pop("tool", None)
    doc.pop("policy", None)  # the policy check's findings: another module's snapshot
    if isinstance(doc.get("signature"), dict):
        doc["signature"] = {k: doc["signature"][k] for k in ("ok", "status", "reason")
                            if k in doc["signature"]}  # fmt: skip
    return doc


def _date() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(AS_OF)


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_are_the_snapshot(tmp_path: Path, jobs: int) -> None:
    ship = make_shipment(tmp_path)
    got = {
        "plain": _run(ship, tmp_path / "plain", jobs, None),
        "tolerances": _run(ship, tmp_path / "tolerances", jobs, _policy()),
    }
    if os.environ.get("SOVBOM_REGENERATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_bytes(orjson.dumps(got, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    want = orjson.loads(SNAPSHOT.read_bytes())
    for mode in want:
        for name in want[mode]:
            assert got[mode][name] == want[mode][name], (mode, name)
    assert got == want


def test_the_snapshot_covers_every_outcome() -> None:
    """The snapshot is not trivial: each kind of part status and failure is in it."""
    want = orjson.loads(SNAPSHOT.read_bytes())
    statuses = {p["status"] for doc in want["plain"].values() for p in doc.get("parts", ())}
    assert statuses == {
        "matched",
        "missing",
        "unexpected",
        "substituted",
        "drifted",
        "not-observed",
    }
    fields = {f["status"] for doc in want["tolerances"].values() for p in doc.get("parts", ())
              for f in p["fields"]}  # fmt: skip
    assert {"match", "mismatch", "not-observed", "not-declared", "accepted", "absent"} <= fields
    summary = want["plain"]["shipment.json"]
    assert summary["summary"]["signature_failed"] == 1
    assert 3 <= summary["summary"]["passed"] < summary["summary"]["failed"]
