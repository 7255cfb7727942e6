"""The lshw parser, called directly on fixtures written for these tests (no corpus needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbom.collect.interface import Inventory
from sovbom.collect.lshw import MAC_ADDRESS, inventory_from_nodes, parse_lshw
from sovbom.errors import InputError

HW = Path(__file__).resolve().parents[1] / "data" / "hw"


def _inventory(data: bytes) -> Inventory:
    nodes, notes = parse_lshw(data, "lshw")
    return inventory_from_nodes(nodes, notes)


def _summary(inv: Inventory) -> list[tuple[str, str | None, str, list[str]]]:
    return [(p.ref, p.cls, p.name, [c.ref for c in p.children]) for p in inv.parts]


EXPECTED = [
    ("hw:baseboard", "baseboard", "0X7H2K", ["fw:bios"]),
    ("hw:cpu:CPU1", "cpu", "Intel(R) Xeon(R) Gold 6430", []),
    ("hw:memory:A1", "memory", "M321R8GA0BB0-CQKZJ", []),
    ("hw:nic:0000:04:00.0", "nic", "Ethernet Controller E810-XXV for SFP", ["fw:nic:0000:04:00.0"]),
    ("hw:other:0000:03:00.0", "other", "Integrated Matrox G200eW3 Graphics Controller", []),
    ("hw:gpu:0000:4a:00.0", "gpu", "GA100 [A100 PCIe 80GB]", []),
    ("hw:storage:S6CRNA0T500123", "storage", "Dell Ent NVMe v2 AGN RI U.2 1.92TB",
     ["fw:storage:S6CRNA0T500123"]),
    ("hw:storage-controller:0000:65:00.0", "storage-controller", "MegaRAID SAS-3 3108 [Invader]",
     ["fw:storage-controller:0000:65:00.0"]),
    ("hw:storage:S6ESNE0T600321", "storage", "MZ7L3480HCHQ0D3", ["fw:storage:S6ESNE0T600321"]),
    ("hw:storage:scsi@0:2.2.0", "storage", "DVD+-RW DU-8A5LH", []),
    ("hw:psu:PWR_SPLY_1400W_RDNT", "psu", "0HTRH4A01", []),
]  # fmt: skip


def test_xml_server() -> None:
    inv = _inventory((HW / "lshw-server.xml").read_bytes())
    assert inv.complete and inv.notes == []
    system = inv.system
    assert system is not None
    # lshw appends the SKU to the product name
    assert (system.name, system.sku, system.serial) == (
        "ES-2290 Gen3", "ES2290-G3-SKU7", "ESX2290A0042"
    )  # fmt: skip
    assert system.properties == [("sovbom:system:uuid", "4c4c4544-0042-3310-8052-b3c04f563032")]
    # empty sockets and banks, a bond without a PCI address, a display and a USB storage
    # without one, an NVMe namespace, BMC virtual media, a medium in a drive and a disabled
    # power supply are not parts
    assert _summary(inv) == EXPECTED
    parts = {p.ref: p for p in inv.parts}
    nic = parts["hw:nic:0000:04:00.0"]  # two PCI functions, one card
    assert [v for n, v in nic.properties if n == MAC_ADDRESS] == [
        "b4:96:91:00:00:10", "b4:96:91:00:00:11"
    ]  # fmt: skip
    assert [v for n, v in nic.properties if n == "sovbom:nic:interface"] == ["eno12399np0"]
    assert ("sovbom:pci:id", "8086:159b") in nic.properties  # lshw -numeric ids
    assert nic.manufacturer is not None and nic.manufacturer.name == "Intel Corporation"
    assert nic.children[0].version == "4.20 0x80017785 1.3346.0"
    disk = parts["hw:storage:S6ESNE0T600321"]
    assert disk.children[0].version == "JXTE"  # a disk's version is its firmware
    assert ("sovbom:storage:size", "480103981056 bytes") in disk.properties
    bios = parts["hw:baseboard"].children[0]
    assert (bios.version, bios.properties[0]) == ("1.7.3", ("sovbom:firmware:release-date",
                                                            "11/20/2023"))  # fmt: skip
    psu = parts["hw:psu:PWR_SPLY_1400W_RDNT"]
    assert (psu.slot, psu.serial) == ("PWR SPLY,1400W,RDNT", "CNDED0037G00A1")
    assert psu.properties == [("sovbom:psu:max-power", "1400 mW")]


def test_json_array_gives_what_xml_gives() -> None:
    """The same machine as lshw -json (array form, numbers as numbers) reads the same."""
    nodes, _ = parse_lshw((HW / "lshw-server.xml").read_bytes(), "x")

    def numbers(node: dict[str, object]) -> dict[str, object]:
        out = {k: (int(v) if k in ("size", "capacity") and isinstance(v, str) else v)
               for k, v in node.items()}  # fmt: skip
        kids = node.get("children")
        if isinstance(kids, list):
            out["children"] = [numbers(k) for k in kids]
        return out

    data = json.dumps([numbers(n) for n in nodes]).encode()
    assert _summary(_inventory(data)) == EXPECTED


def test_bios_without_motherboard_and_parts_without_slot() -> None:
    nodes = [
        {"id": "fw", "class": "system", "children": [
            {"id": "firmware", "class": "memory", "vendor": "AMI", "version": "2.1"},
            {"id": "core", "class": "bus", "description": "Motherboard"},
            {"id": "bank:0", "class": "memory", "size": 17179869184},
            {"id": "cpu", "class": "processor", "version": "6.85.7"},
            {"id": "cpu:1", "class": "processor", "product": "Xeon", "slot": None},
        ]}
    ]  # fmt: skip
    inv = inventory_from_nodes(nodes)
    assert [(p.ref, p.type, p.name) for p in inv.parts] == [
        ("fw:bios", "firmware", "BIOS"),  # a motherboard without identity is no part
        ("hw:memory:lshw-1", "device", "memory module"),
        ("hw:cpu:lshw-2", "device", "Xeon"),
    ]


def test_array_of_objects_without_commas() -> None:
    """lshw's missing commas inside a top-level array are repaired too."""
    data = b'[{"id": "a", "class": "system"}\n{"id": "b", "class": "system"}]'
    nodes, notes = parse_lshw(data, "x")
    assert [n["id"] for n in nodes] == ["a", "b"]
    assert notes == ["the JSON had objects without separating commas (a known lshw bug); repaired"]


def test_unrepairable_json_keeps_its_own_error() -> None:
    with pytest.raises(InputError, match=r"line 2 column"):
        parse_lshw(b'{"id": "a", "class": "system"}\n{"id": }', "x")


@pytest.mark.parametrize(
    ("product", "sku", "name"),
    [
        ("R650 (0A3B)", "0A3B", "R650"),
        ("R650 (To be filled by O.E.M.)", None, "R650"),
        ("R650 (0A3B )", "0A3B ", "R650"),  # the raw, unstripped SKU
        ("R650 (rev 2)", "0A3B", "R650 (rev 2)"),  # not the SKU: part of the name
    ],
)
def test_sku_suffix_of_the_system_name(product: str, sku: str | None, name: str) -> None:
    node: dict[str, object] = {"id": "s", "class": "system", "product": product}
    if sku is not None:
        node["configuration"] = {"sku": sku}
    inv = inventory_from_nodes([node])
    assert inv.system is not None and inv.system.name == name
