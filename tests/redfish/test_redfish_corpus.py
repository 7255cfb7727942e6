"""Every Redfish mockup and capture of the corpus: counts checked by hand, HBOMs schema-valid.

The expected numbers below were counted by reading the files of ``../shared/corpus/hardware/
redfish`` (see the comment of each case), not by running the collector; a second, independent
count from the raw JSON checks DIMMs and firmware where the tree allows it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redfish_server import RedfishServer
from rf_support import (
    PASSWORD,
    USER,
    assert_schema_valid,
    class_counts,
    components,
    firmware_from_inventory,
    shape,
)

from sovbom.collect.redfish import collect_mockup, collect_redfish_with_stats

pytestmark = pytest.mark.corpus

REDFISH = Path("hardware") / "redfish"


@dataclass(frozen=True)
class Case:
    path: str
    counts: dict[str, int]
    firmware: int
    complete: bool = True
    system: tuple[str | None, str | None] = (None, None)  # model, serial
    notes: tuple[str, ...] = ()
    absent: dict[str, int] = field(default_factory=dict)


CASES = [
    # Systems/437XR1138R2: CPU1 present, CPU2 Absent, FPGA1 an accelerator; DIMM1-3 Enabled with
    # 32768 MiB, DIMM4 Absent; GraphicsControllers/GPU1; SimpleStorage/1 with 2 of 4 devices
    # present (no Storage collection); Chassis/1U PowerSubsystem: Bay1 present, Bay2 Absent (the
    # deprecated Power resource is not read next to it); TrustedComponents TPM, AC-RoT0, iRoT0
    # (TrustedModules[0] is the TPM); FirmwareInventory lists BIOS, BMC, SS and AC-RoT0 is linked
    # from TrustedComponents/AC-RoT0 (ActiveSoftwareImage).
    Case(
        "dmtf-public-rackmount1",
        {
            "cpu": 1,
            "accelerator": 1,
            "memory": 3,
            "gpu": 1,
            "storage": 2,
            "psu": 1,
            "tpm": 3,
            "bmc": 1,
            "chassis": 1,
            "storage-controller": 1,
        },
        firmware=4,
        system=("3500", "437XR1138R2"),
    ),
    # Systems/437XR1238R2: CPU1-8 and GPU1-2 Enabled (GPU1/2 are also GraphicsControllers GPU1/2
    # and PCIeDevices Slot1/2); DIMM1-8 131072 MiB Enabled, DIMM9-16 Absent; Chassis/Tower drives
    # M.2-1/2, Disk-1-0..3, Disk-2-0..3 present, Disk-1-4..7 and Disk-2-4..7 Absent; Bay1/Bay2 PSUs;
    # one NetworkAdapter (NIC1 = PCIeDevices/IntegratedNIC); FirmwareInventory BIOS and BMC.
    Case(
        "dmtf-public-tower",
        {
            "cpu": 8,
            "gpu": 2,
            "memory": 8,
            "storage": 10,
            "psu": 2,
            "nic": 1,
            "bmc": 1,
            "chassis": 1,
            "tpm": 1,
        },
        firmware=2,
        system=("3500", "437XR1238R2"),
    ),
    # Dell PowerEdge M640 (powered off): the Processors collection is empty (the two
    # CPU.Socket.N files of the capture, with null State, are linked from nowhere), empty
    # Memory/Storage/NetworkAdapters collections, no PSUs in a blade; 13 FirmwareInventory
    # entries, one of them Previous-25227-3.30.30.30; Chassis System.Embedded.1 Assembly lists
    # the X520 NIC, the H330 RAID controller and the system planar.
    Case(
        "bmc-toolbox-real/idrac9",
        {
            "cpu": 0,
            "memory": 0,
            "storage": 0,
            "psu": 0,
            "gpu": 0,
            "nic": 1,
            "storage-controller": 1,
            "baseboard": 1,
            "bmc": 1,
            "chassis": 2,
        },
        firmware=12,
        system=("PowerEdge M640", "CNWS30079D00BW"),
        notes=("previous",),
    ),
    # HPE BL460c Gen10: Processors 1-2; proc1dimm2/3 and proc2dimm2/3 Enabled (the other 12
    # Absent); standard Storage and NetworkAdapters are empty (HPE keeps them under Oem
    # SmartStorage / Devices); no PSUs in a blade; FirmwareInventory 1..15.
    Case(
        "bmc-toolbox-real/hpegen10",
        {"cpu": 2, "memory": 4, "storage": 0, "psu": 0, "gpu": 0, "bmc": 1, "chassis": 2},
        firmware=15,
        system=("ProLiant BL460c Gen10", "CZ37464KL6"),
    ),
    # Supermicro SYS-F618H6-FTPTL+: the captured service root is ``null``; Processors 1-2;
    # Memory 1-8 (16384 MiB each); Power lists 2 PSUs; the firmware inventory (under Oem) lists
    # BMC and BIOS, but BIOS was not captured -> incomplete.
    Case(
        "bmc-toolbox-real/supermicroX10",
        {"cpu": 2, "memory": 8, "psu": 2, "bmc": 1, "chassis": 1},
        firmware=1,
        complete=False,
        system=("SYS-F618H6-FTPTL+", "E232710X7B01440"),
        notes=("FirmwareInventory/BIOS",),
    ),
    # eb4x/dellfish R820: a partial flat capture; Storage RAID.Slot.7-1 (PERC H710) with four
    # drives and PCIeExtender.Slot.2; processors, memory, firmware were not captured.
    Case(
        "dellfish-idrac-real/r820",
        {"storage": 4, "storage-controller": 2, "bmc": 1, "cpu": 0, "memory": 0},
        firmware=0,
        complete=False,
        system=("PowerEdge R820", "CN747514CF0014"),
        notes=("Processors",),
    ),
]


def _independent_dimms(tree: Path) -> int:
    """Populated DIMMs counted straight from the files: State not Absent and capacity > 0."""
    count = 0
    for file in tree.glob("**/Systems/*/Memory/*/index.json"):
        doc = json.loads(file.read_text())
        state = (doc.get("Status") or {}).get("State")
        if state != "Absent" and (doc.get("CapacityMiB") or 0) > 0:
            count += 1
    return count


def _independent_firmware(tree: Path) -> int:
    """Installed firmware entries from the files (Dell ``Previous-*`` excluded)."""
    return sum(
        1
        for file in tree.glob("**/UpdateService/FirmwareInventory/*/index.json")
        if not file.parent.name.startswith("Previous-")
    )


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_corpus_mockup(corpus: Path, case: Case) -> None:
    tree = corpus / REDFISH / case.path
    inv = collect_mockup(tree)
    counts = class_counts(inv)
    for cls, expected in case.counts.items():
        assert counts.get(cls, 0) == expected, (cls, dict(counts))
    assert len(firmware_from_inventory(inv)) == case.firmware
    assert inv.complete is case.complete, inv.notes
    for text in case.notes:
        assert any(text in n for n in inv.notes), inv.notes
    assert inv.system is not None
    assert (inv.system.name, inv.system.serial) == case.system
    if (tree / "index.json").exists() or (tree / "redfish").exists():
        assert counts.get("memory", 0) == _independent_dimms(tree)
        assert len(firmware_from_inventory(inv)) == _independent_firmware(tree)
    assert_schema_valid(inv)


def test_corpus_firmware_links(corpus: Path) -> None:
    """Firmware lands under the part it runs on (RelatedItem, Dell FQDD, software image)."""
    rack = collect_mockup(corpus / REDFISH / "dmtf-public-rackmount1")
    assert rack.system is not None
    assert [f.name for f in rack.system.children if f.type == "firmware"] == [
        "Contoso BIOS Firmware"
    ]
    by_name = {c.name: c for c in components(rack)}
    assert [f.version for f in by_name["Joo Janta 200"].children] == ["1.45.455b66-rev4"]
    rot = by_name["Root of trust chip for CPU1"].children
    assert [f.version for f in rot if f.type == "firmware"] == ["1.11"]
    assert [c.type for c in rot if c.type != "firmware"] == ["cryptographic-asset"] * 3  # its chain
    dell = collect_mockup(corpus / REDFISH / "bmc-toolbox-real" / "idrac9")
    dell_parts = {c.name: c for c in components(dell)}
    nic = dell_parts["Intel(R) 10G 2P X520-k bNDC"]
    assert [f.version for f in nic.children] == ["18.8.9"]
    assert [f.version for f in dell_parts["14G Modular"].children] == ["3.34.34.34"]
    assert not any(f.version == "3.30.30.30" for f in components(dell))  # Previous-*


def test_corpus_rackmount_over_http(
    corpus: Path, redfish_server: Callable[..., RedfishServer]
) -> None:
    """The DMTF rackmount mockup served by a local BMC gives what the mockup walk gives."""
    tree = corpus / REDFISH / "dmtf-public-rackmount1"
    server = redfish_server(tree)
    inv, stats = collect_redfish_with_stats(
        server.url, username=USER, password=PASSWORD, timeout=2, retries=1, concurrency=4
    )
    assert inv.complete, inv.notes
    assert shape(inv) == shape(collect_mockup(tree))
    assert stats.requests == server.requests
    assert_schema_valid(inv)
