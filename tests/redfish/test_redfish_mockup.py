"""The Redfish walk over mockup directories: mapping, deduplication, firmware, failure modes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rf_support import (
    assert_schema_valid,
    class_counts,
    components,
    firmware_from_inventory,
    shape,
)

from sovbom import taxonomy as tx
from sovbom.collect.redfish import RedfishStats, collect_mockup, collect_mockup_with_stats
from sovbom.errors import InputError, OperationalError
from sovbom.hbom import RUNS_ON
from sovbom.model import Component


def by_ref(comps: list[Component], ref: str) -> Component:
    hits = [c for c in comps if c.ref == ref]
    assert len(hits) == 1, (ref, [c.ref for c in comps])
    return hits[0]


def test_mini_counts_and_classes(mini: Path) -> None:
    inv = collect_mockup(mini)
    assert inv.complete, inv.notes
    assert inv.source.startswith("redfish-mockup:")
    counts = class_counts(inv)
    # Hand-counted from tests/data/redfish/mini: CPU1 is Absent; DIMM2 says Enabled but has 0 MiB,
    # DIMM3 is Absent; Bay2 is Absent; the legacy Power PSU must not be read next to PowerSubsystem;
    # the NIC is one card seen as PCIeDevice Slot1 and NetworkAdapter NIC1; the GPU is one card
    # seen as Processor GPU0 and PCIeDevice Slot2; the TPM is TrustedModules[0] and the TPM
    # trusted component.
    assert counts == {
        "server": 1,
        "chassis": 1,
        "cpu": 1,
        "gpu": 1,
        "memory": 2,
        "nic": 1,
        "storage": 2,
        "storage-controller": 1,
        "psu": 2,
        "tpm": 1,
        "bmc": 1,
        "baseboard": 1,
        "other": 1,
    }
    assert all(c.seen_by == ["redfish"] for c in components(inv))
    assert not any(c.serial == "LEGACY-1" for c in components(inv))
    assert_schema_valid(inv)


def test_mini_identity_and_placeholders(mini: Path) -> None:
    inv = collect_mockup(mini)
    system = inv.system
    assert system is not None
    assert (system.name, system.serial, system.part_number, system.sku) == (
        "EX-2000",
        "SRV-0001",
        "EX2000-01",
        "EX2000-SKU",
    )
    assert system.manufacturer is not None and system.manufacturer.name == "Example Systems"
    assert ("sovbom:redfish:uuid", "11111111-2222-3333-4444-555555555555") in system.properties
    assert ("sovbom:redfish:bios-version", "1.2.3") in system.properties
    comps = components(inv)
    cpu = by_ref(comps, "hw:redfish:Systems/SRV1/Processors/CPU0")
    assert cpu.serial is None  # "Not Specified" is a placeholder
    assert cpu.slot == "CPU 0"
    dimm = by_ref(comps, "hw:redfish:Systems/SRV1/Memory/DIMM0")
    assert (dimm.cls, dimm.serial, dimm.part_number, dimm.slot) == (
        "memory",
        "DIMM-SN-0",
        "EXM-32G",
        "DIMM_A0",
    )
    assert ("sovbom:redfish:capacity-mib", "32768") in dimm.properties
    drive = by_ref(comps, "hw:redfish:Chassis/Chassis1/Drives/Bay0")
    assert drive.slot == "Bay 0"


def test_mini_deduplicates_the_same_card(mini: Path) -> None:
    comps = components(collect_mockup(mini))
    nics = [c for c in comps if c.cls == "nic"]
    assert len(nics) == 1
    nic = nics[0]
    resources = {v for n, v in nic.properties if n == "sovbom:redfish:resource"}
    assert resources == {
        "/redfish/v1/Chassis/Chassis1/NetworkAdapters/NIC1",
        "/redfish/v1/Chassis/Chassis1/PCIeDevices/Slot1",
    }
    gpus = [c for c in comps if c.cls == "gpu"]
    assert len(gpus) == 1 and gpus[0].serial == "GPU-SN-1"
    assert not [c for c in comps if c.cls == "other" and c.serial == "GPU-SN-1"]


def test_mini_assembly_origin_and_dates(mini: Path) -> None:
    comps = components(collect_mockup(mini))
    psu = by_ref(comps, "hw:redfish:Chassis/Chassis1/PowerSubsystem/PowerSupplies/PSU1")
    # The PSU's one Assembly entry (same serial) enriches it: alpha-3 TWN -> TW.
    assert psu.origin_country == "TW"
    assert psu.production_date == "2024-03-01T00:00:00Z"
    assert psu.slot == "PSU 1"
    psu2 = by_ref(comps, "hw:redfish:Chassis/Chassis1/PowerSubsystem/PowerSupplies/PSU2")
    assert psu2.origin_country is None
    chassis = by_ref(comps, "hw:redfish:Chassis/Chassis1")
    board = by_ref(chassis.children, "hw:redfish:Chassis/Chassis1/Assembly/Assemblies/0")
    assert (board.cls, board.origin_country, board.production_date) == (
        "baseboard",
        "DE",
        "2024-01-15T00:00:00Z",
    )
    assert board.manufacturer is not None and board.manufacturer.name == "Example Boards"
    panel = by_ref(chassis.children, "hw:redfish:Chassis/Chassis1/Assembly/Assemblies/1")
    assert panel.origin_country is None  # "XXX" is no country
    cdx = psu.to_cdx()
    assert {"name": tx.ORIGIN_COUNTRY, "value": "TW"} in cdx["properties"]


def test_mini_firmware_nesting(mini: Path) -> None:
    inv = collect_mockup(mini)
    assert inv.system is not None
    comps = components(inv)
    fw_inventory = firmware_from_inventory(inv)
    # BIOS, BMC, NIC, CPLD; "Previous-BMC-2.00" is not installed firmware.
    assert sorted(f.name for f in fw_inventory) == [
        "BMC firmware",
        "NIC firmware",
        "System BIOS",
        "System CPLD",
    ]
    assert any("previous" in n for n in inv.notes)
    bios = by_ref(inv.system.children, "fw:redfish:UpdateService/FirmwareInventory/BIOS")
    assert (bios.type, bios.version) == ("firmware", "1.2.3")
    assert ("sovbom:redfish:software-id", "BIOS-ID") in bios.properties
    assert (RUNS_ON, inv.system.ref) in bios.properties
    bmc = next(c for c in comps if c.cls == "bmc")
    assert [f.name for f in bmc.children] == ["BMC firmware"]  # no second one from FirmwareVersion
    nic = next(c for c in comps if c.cls == "nic")
    assert [(f.name, f.version) for f in nic.children] == [("NIC firmware", "20.1")]
    cpld = by_ref(inv.parts, "fw:redfish:UpdateService/FirmwareInventory/CPLD")
    assert cpld.type == "firmware"  # no RelatedItem: top level
    drive = by_ref(comps, "hw:redfish:Chassis/Chassis1/Drives/Bay0")
    assert [(f.type, f.version) for f in drive.children] == [("firmware", "D001")]
    tpm = next(c for c in comps if c.cls == "tpm")
    assert [f.version for f in tpm.children] == ["7.2"]  # from ComputerSystem.TrustedModules


def test_refs_are_deterministic_and_unique(mini: Path) -> None:
    first, second = collect_mockup(mini), collect_mockup(mini)
    assert shape(first) == shape(second)
    refs = [c.ref for c in components(first)]
    assert len(refs) == len(set(refs))
    assert all(r.startswith(("hw:redfish:", "fw:redfish:")) for r in refs)


def test_layout_without_redfish_v1_prefix(mini: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    shutil.copytree(mini / "redfish" / "v1", flat)
    assert shape(collect_mockup(flat)) == shape(collect_mockup(mini))


def test_stats(mini: Path) -> None:
    inv, stats = collect_mockup_with_stats(mini)
    assert isinstance(stats, RedfishStats)
    assert stats.requests == stats.resources > 30
    assert stats.auth == "mockup"
    assert stats.summary().startswith("redfish: ")
    assert not any(n.startswith("redfish: ") for n in inv.notes)


def test_missing_resource_marks_incomplete(mini_copy: Path) -> None:
    (mini_copy / "redfish/v1/Systems/SRV1/Memory/DIMM1/index.json").unlink()
    inv = collect_mockup(mini_copy)
    assert not inv.complete
    assert any("/redfish/v1/Systems/SRV1/Memory/DIMM1" in n for n in inv.notes)
    assert class_counts(inv)["memory"] == 1
    with pytest.raises(OperationalError, match="Memory/DIMM1"):
        collect_mockup(mini_copy, strict=True)


def test_malformed_json_names_file_line_and_column(mini_copy: Path) -> None:
    bad = mini_copy / "redfish/v1/Chassis/Chassis1/Drives/Bay1/index.json"
    bad.write_text('{\n  "Id": "Bay1",\n  "Model": "EXD 4T"\n  "Oops": 1\n}\n')
    with pytest.raises(InputError) as info:
        collect_mockup(mini_copy)
    message = str(info.value)
    assert str(bad) in message and "line 4" in message and "column" in message


def test_not_a_mockup(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a Redfish mockup"):
        collect_mockup(tmp_path)
    with pytest.raises(InputError, match="not a directory"):
        collect_mockup(tmp_path / "missing")


def test_links_cannot_leave_the_mockup(mini_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "index.json").write_text('{"Id": "leak", "Model": "LEAK", "Status": {}}')
    collection = mini_copy / "redfish/v1/Systems/SRV1/Memory/index.json"
    collection.write_text(
        '{"@odata.id": "/redfish/v1/Systems/SRV1/Memory", "Members": ['
        '{"@odata.id": "/redfish/v1/../../../secret"},'
        '{"@odata.id": "/redfish/v1/Systems/SRV1/Memory/DIMM0"}]}'
    )
    inv = collect_mockup(mini_copy)
    assert not any(c.name == "LEAK" for c in components(inv))
    assert not inv.complete


def test_fragment_links_are_not_fetched(mini_copy: Path) -> None:
    collection = mini_copy / "redfish/v1/Systems/SRV1/Memory/index.json"
    collection.write_text(
        '{"@odata.id": "/redfish/v1/Systems/SRV1/Memory", "Members": ['
        '{"@odata.id": "/redfish/v1/Systems/SRV1#/Memory/0"},'
        '{"@odata.id": "/redfish/v1/Systems/SRV1/Memory/DIMM0"}]}'
    )
    inv = collect_mockup(mini_copy)
    assert inv.complete, inv.notes
    assert class_counts(inv)["memory"] == 1


def test_null_service_root_walks_standard_collections(mini_copy: Path) -> None:
    (mini_copy / "redfish/v1/index.json").write_text("null")
    inv = collect_mockup(mini_copy)
    assert not inv.complete
    assert class_counts(inv)["memory"] == 2
    assert any("/redfish/v1 " in n for n in inv.notes)
