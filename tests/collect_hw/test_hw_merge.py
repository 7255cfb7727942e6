"""Merging several sources into one HBOM: one component per physical part, with its evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hw_helpers import by_ref, firmware, of_class, prop, props, seen_by, walk

from sovbom.collect.interface import Inventory
from sovbom.collect.merge import merge_inventories, normalize_bus_address, part_ref, slug
from sovbom.hbom import link_firmware
from sovbom.model import Component


def _part(source: str, cls: str, ref: str, **kw: Any) -> Component:
    return Component(ref=ref, name=kw.pop("name", cls), cls=cls, seen_by=[source], **kw)


def test_cli_merge_three_sources(hw_data: Path, collect_hw: Any) -> None:
    result, doc, _ = collect_hw(
        "--dmidecode",
        str(hw_data / "merge-example.dmidecode.txt"),
        "--lshw",
        str(hw_data / "merge-example.lshw.json"),
        "--nvidia-smi",
        str(hw_data / "merge-example.nvidia-smi.xml"),
    )
    assert result.exit_code == 0, result.output
    assert doc is not None
    server = doc["metadata"]["component"]
    assert seen_by(server) == ["dmidecode", "lshw"]
    assert prop(server, "cdx:device:serialNumber") == "S1234567890"
    # One component per physical part, each listing the sources that saw it.
    assert [seen_by(c) for c in of_class(doc, "cpu")] == [["dmidecode", "lshw"]]
    assert {c["bom-ref"]: seen_by(c) for c in of_class(doc, "memory")} == {
        "hw:memory:P1-DIMMA1": ["dmidecode", "lshw"],
        "hw:memory:P1-DIMMB1": ["dmidecode", "lshw"],
    }
    (gpu,) = of_class(doc, "gpu")
    assert seen_by(gpu) == ["nvidia-smi", "lshw"]
    assert prop(gpu, "cdx:device:serialNumber") == "1650000000001"
    assert prop(gpu, "sovbom:slot") == "RSC-1 SLOT3 PCI-E 4.0 X16"  # dmidecode type 9
    (nic,) = of_class(doc, "nic")
    assert seen_by(nic) == ["lshw"]
    assert prop(nic, "sovbom:slot") == "Onboard LAN1"  # dmidecode type 41
    (psu,) = of_class(doc, "psu")
    assert seen_by(psu) == ["dmidecode", "lshw"]
    (board,) = of_class(doc, "baseboard")
    assert seen_by(board) == ["dmidecode", "lshw"]
    bios = by_ref(doc, "fw:bios")
    assert seen_by(bios) == ["dmidecode", "lshw"]
    assert len([f for f in firmware(doc) if f["name"] == "BIOS"]) == 1
    assert props(doc["metadata"])["sovbom:collection:source"] == ["dmidecode", "nvidia-smi", "lshw"]
    # No serial appears twice on devices (the chassis keeps the system serial aside).
    serials = [prop(c, "cdx:device:serialNumber") for c in walk(doc) if c["type"] == "device"]
    present = [s for s in serials if s]
    assert len(present) == len(set(present))


def test_serial_match_across_slots() -> None:
    a = Inventory("a", parts=[_part("a", "memory", "hw:memory:A1", slot="A1", serial="X1")])
    b = Inventory(
        "b",
        parts=[
            _part("b", "memory", "hw:memory:DIMM.Socket.A1", slot="DIMM.Socket.A1", serial="x1")
        ],
    )
    result = merge_inventories([a, b])
    (dimm,) = result.root.children
    assert dimm.seen_by == ["a", "b"]
    assert dimm.slot == "A1"  # the first source's value is kept


def test_slot_match_needs_compatible_part_numbers() -> None:
    a = Inventory("a", parts=[_part("a", "psu", "hw:psu:PSU1", slot="PSU1", part_number="P-1")])
    b = Inventory("b", parts=[_part("b", "psu", "hw:psu:PSU1", slot="PSU1", part_number="P-2")])
    c = Inventory("c", parts=[_part("c", "psu", "hw:psu:PSU1", slot="psu1")])  # no part number
    result = merge_inventories([a, b, c])
    psus = result.root.children
    assert [p.seen_by for p in psus] == [["a", "c"], ["b"]]
    assert [p.ref for p in psus] == ["hw:psu:PSU1", "hw:psu:PSU1~2"]  # refs stay unique


def test_different_serials_never_merge() -> None:
    a = Inventory("a", parts=[_part("a", "cpu", "hw:cpu:CPU1", slot="CPU1", serial="S1")])
    b = Inventory("b", parts=[_part("b", "cpu", "hw:cpu:CPU1", slot="CPU1", serial="S2")])
    assert len(merge_inventories([a, b]).root.children) == 2


def test_same_source_never_merges() -> None:
    inv = Inventory(
        "a",
        parts=[
            _part("a", "memory", "hw:memory:1", slot="DIMM 1", part_number="P"),
            _part("a", "memory", "hw:memory:2", slot="DIMM 1", part_number="P"),
        ],
    )
    assert len(merge_inventories([inv]).root.children) == 2


def test_bus_address_match_and_conflict_note() -> None:
    a = Inventory(
        "a", parts=[_part("a", "gpu", "hw:gpu:x", bus_address="0000:3b:00.0", version="a1")]
    )
    b = Inventory(
        "b", parts=[_part("b", "gpu", "hw:gpu:y", bus_address="0000:3b:00.0", version="b2")]
    )
    result = merge_inventories([a, b])
    (gpu,) = result.root.children
    assert gpu.seen_by == ["a", "b"] and gpu.version == "a1"
    assert any("version 'a1'" in n and "'b2'" in n for n in result.notes)


def test_firmware_follows_its_part() -> None:
    nic_a = _part("a", "nic", "hw:nic:0000:18:00.0", bus_address="0000:18:00.0")
    link_firmware(
        nic_a,
        Component(ref="fw:nic:a", name="NIC firmware", type="firmware", version="1", seen_by=["a"]),
    )
    nic_b = _part("b", "nic", "hw:nic:NIC.Slot.1", bus_address="0000:18:00.0")
    link_firmware(
        nic_b,
        Component(ref="fw:nic:b", name="NIC firmware", type="firmware", version="1", seen_by=["b"]),
    )
    result = merge_inventories([Inventory("a", parts=[nic_a]), Inventory("b", parts=[nic_b])])
    (nic,) = result.root.children
    (fw,) = nic.children
    assert fw.seen_by == ["a", "b"]
    assert ("sovbom:runs-on", nic.ref) in fw.properties
    assert sum(1 for p in fw.properties if p[0] == "sovbom:runs-on") == 1


def test_singletons_and_system() -> None:
    sys_a = Component(ref="hw:server", name="R1", cls="server", serial="S", seen_by=["a"])
    sys_b = Component(ref="hw:server", name="Other name", cls="server", sku="SKU1", seen_by=["b"])
    a = Inventory("a", system=sys_a, parts=[_part("a", "baseboard", "hw:baseboard", serial="BB")])
    b = Inventory(
        "b",
        system=sys_b,
        parts=[_part("b", "baseboard", "hw:baseboard")],
        complete=False,
        notes=["lost"],
    )
    result = merge_inventories([a, b])
    assert result.root.name == "R1" and result.root.sku == "SKU1"
    assert result.root.seen_by == ["a", "b"]
    assert len(result.root.children) == 1
    assert not result.complete and "b: lost" in result.notes


def test_helpers() -> None:
    assert normalize_bus_address("pci@0000:03:00.1") == "0000:03:00.1"
    assert normalize_bus_address("00000000:3B:00.0") == "0000:3b:00.0"
    assert normalize_bus_address("00001580:00:00.0") == "1580:00:00.0"
    assert normalize_bus_address("3b:00.0") == "0000:3b:00.0"
    assert normalize_bus_address("cpu@0") is None
    assert slug("PROC  1 DIMM  1 ") == "PROC_1_DIMM_1"
    assert part_ref("memory", "/SYS/MB/P0/D0") == "hw:memory:SYS_MB_P0_D0"
    assert part_ref("chassis", None) == "hw:chassis"
    assert part_ref("psu", None, 2) == "hw:psu:2"
