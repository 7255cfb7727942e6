"""The dmidecode parser, called directly on fixtures written for these tests (no corpus needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovbom.collect.dmidecode import inventory_from_table, parse_dmidecode, pci_slot_names
from sovbom.collect.interface import Inventory
from sovbom.errors import InputError
from sovbom.hbom import RUNS_ON
from sovbom.model import Component

HW = Path(__file__).resolve().parents[1] / "data" / "hw"


def _read(name: str) -> bytes:
    return (HW / name).read_bytes()


def _inventory(text: str) -> Inventory:
    return inventory_from_table(parse_dmidecode(text.encode(), "t.txt"))


def _by_ref(inv: Inventory) -> dict[str, Component]:
    return {c.ref: c for part in inv.parts for c in part.walk()}


def test_full_dump_records_and_header() -> None:
    data = _read("dmidecode-full.txt")
    table = parse_dmidecode(data, "full.txt")
    handles = re.findall(rb"^Handle 0x([0-9A-F]+), DMI type (\d+),", data, re.M)
    assert [(r.handle, r.type) for r in table.records] == [(int(h, 16), int(t)) for h, t in handles]
    assert table.whole and table.announced == len(handles)
    assert table.complete and table.notes == []
    bios = table.of_type(0)[0]
    assert bios.title == "BIOS Information"
    assert bios.lists["Characteristics"] == [
        "PCI is supported", "BIOS is upgradeable", "UEFI is supported"
    ]  # fmt: skip
    # the second on-board device of a type 10 record does not overwrite the first
    assert table.of_type(10)[0].fields["Description"] == "Embedded Video"
    assert table.of_type(208)[0].lists["Header and Data"][0].startswith("D0 10 00 D0")
    assert pci_slot_names(table) == {
        "0000:4a:00.0": "PCIe Slot 1",  # type 9 (the ffff:ff:1f.7 slot is empty)
        "0000:04:00.0": "Embedded NIC 1",  # type 41
    }


def test_full_dump_parts() -> None:
    inv = inventory_from_table(parse_dmidecode(_read("dmidecode-full.txt"), "full.txt"))
    assert inv.complete and inv.notes == []
    system = inv.system
    assert system is not None
    assert (system.name, system.serial, system.sku, system.version) == (
        "ES-2290 Gen3", "ESX2290A0042", "ES2290-G3-SKU7", None
    )  # fmt: skip
    assert ("sovbom:system:family", "ES Rack") in system.properties
    assert [p.ref for p in inv.parts] == [
        "hw:baseboard", "hw:chassis", "hw:cpu:CPU1", "hw:cpu:CPU3", "hw:memory:A1",
        "hw:memory:A3", "hw:memory:A4", "hw:psu:PSU1", "hw:bmc", "hw:tpm",
    ]  # fmt: skip
    refs = _by_ref(inv)
    bios = refs["fw:bios"]
    assert bios.version == "1.7.3" and bios.manufacturer and bios.manufacturer.name.startswith("Ex")
    assert ("sovbom:bios:firmware-revision", "5.10") in bios.properties
    assert (RUNS_ON, "hw:baseboard") in bios.properties
    assert refs["hw:chassis"].properties == [
        ("sovbom:chassis:type", "Rack Mount Chassis"), ("sovbom:asset-tag", "RACK-12-U30")
    ]  # fmt: skip
    cpu = refs["hw:cpu:CPU1"]
    assert ("sovbom:cpu:cores", "32") in cpu.properties and cpu.serial is None
    a1 = refs["hw:memory:A1"]  # raw JEDEC code in Manufacturer
    assert a1.manufacturer is not None and a1.manufacturer.name == "Samsung"
    assert ("sovbom:memory:jedec-code", "00CE00B300CE") in a1.properties
    assert a1.children == []  # DRAM runs no firmware
    assert [(c.ref, c.version) for c in refs["hw:memory:A3"].children] == [
        ("fw:memory:A3", "02.02.00.1553")  # persistent memory firmware
    ]
    assert refs["hw:memory:A4"].children == []  # "firmware" equal to the part number
    psu = refs["hw:psu:PSU1"]
    assert (psu.name, psu.part_number, psu.version, psu.slot) == (
        "PWR SPLY,1400W,RDNT", "0HTRH4A01", "A01", "PSU1"
    )  # fmt: skip
    assert ("sovbom:ipmi:specification", "2.0") in refs["hw:bmc"].properties
    tpm = refs["hw:tpm"]
    assert tpm.name == "NPCT75x 2.0" and [c.version for c in tpm.children] == ["7.2"]


def test_selected_types_capture() -> None:
    """``dmidecode -t memory``: duplicate locators take the bank; vendors from module ids."""
    table = parse_dmidecode(_read("dmidecode-memory.txt"), "mem.txt")
    assert table.complete and not table.whole and table.announced is None
    inv = inventory_from_table(table)
    assert [(p.slot, p.serial, p.manufacturer.name if p.manufacturer else None) for p in inv.parts] == [
        ("P0 CHANNEL A/DIMM 0", "0A1B2C3D", "Micron Technology"),  # "Unknown": module id
        ("P0 CHANNEL B/DIMM 0", "0A1B2C3E", "Micron Technology"),  # raw JEDEC code
        ("P0 CHANNEL B/DIMM 1", "11223344", "Kingston"),  # unknown code: module id
    ]  # fmt: skip
    assert inv.system is None and inv.notes == []


RECORD = "Handle 0x{h:04X}, DMI type {t}, 20 bytes\n{title}\n{fields}\n"


def _record(h: int, t: int, title: str, **fields: str) -> str:
    body = "".join(f"\t{k.replace('_', ' ')}: {v}\n" for k, v in fields.items())
    return RECORD.format(h=h, t=t, title=title, fields=body)


def test_bios_without_baseboard_and_repeated_singletons() -> None:
    text = (
        _record(0, 0, "BIOS Information", Vendor="AMI", Version="3.1")
        + _record(1, 3, "Chassis Information", Manufacturer="A", Type="Rack Mount Chassis")
        + _record(2, 3, "Chassis Information", Manufacturer="A", Type="Blade Enclosure")
        + _record(3, 43, "TPM Device", Vendor_ID="IFX", Description="SLB9670")
        + _record(4, 43, "TPM Device", Vendor_ID="STM")
    )
    inv = _inventory(text)
    assert [p.ref for p in inv.parts] == ["hw:chassis", "hw:chassis:2", "fw:bios", "hw:tpm",
                                          "hw:tpm:2"]  # fmt: skip
    assert inv.parts[4].name == "TPM" and inv.parts[4].children == []


def test_two_baseboards() -> None:
    text = _record(1, 2, "Base Board Information", Product_Name="A") + _record(
        2, 2, "Base Board Information", Product_Name="B"
    )
    assert [p.ref for p in _inventory(text).parts] == ["hw:baseboard", "hw:baseboard:2"]


@pytest.mark.parametrize(
    ("fields", "slot", "name"),
    [
        ({"Name": "PSU 2", "Model_Part_Number": "PWS-1K"}, "PSU 2", "PWS-1K"),
        ({"Name": "Main supply", "Model_Part_Number": "PWS-1K"}, None, "Main supply"),
        ({}, None, "power supply"),
    ],
)
def test_power_supply_slot_and_name(fields: dict[str, str], slot: str | None, name: str) -> None:
    (psu,) = _inventory(_record(1, 39, "System Power Supply", **fields)).parts
    assert (psu.slot, psu.name) == (slot, name)


def test_processors_that_are_not_parts() -> None:
    text = (
        _record(1, 4, "Processor Information", Socket_Designation="P0", Status="Unpopulated")
        + _record(2, 4, "Processor Information", Socket_Designation="P1", Status="Other")
        + _record(
            3,
            4,
            "Processor Information",
            Socket_Designation="P2",
            Type="Math Processor",
            Status="Populated, Enabled",
            Version="FPU",
        )  # fmt: skip
        + _record(
            4,
            4,
            "Processor Information",
            Socket_Designation="P3",
            Status="Populated, Enabled",
            Family="Xeon",
        )  # fmt: skip
    )
    assert [(p.slot, p.name) for p in _inventory(text).parts] == [("P3", "Xeon")]


def test_nothing_of_interest_is_said() -> None:
    inv = _inventory(_record(1, 11, "OEM Strings", String_1="x"))
    assert inv.parts == [] and inv.notes == [
        "no system, BIOS, processor, memory or power supply record in the input"
    ]


def test_latin1_text_and_keyless_lines() -> None:
    data = (
        b"Handle 0x0001, DMI type 1, 27 bytes\nSystem Information\n"
        b"\tManufacturer: Soci\xe9t\xe9 Exemple\n\tsome continuation without a key\n"
        b"\tProduct Name: X1\n"
    )
    inv = inventory_from_table(parse_dmidecode(data, "t.txt"))
    assert inv.system is not None and inv.system.manufacturer is not None
    assert inv.system.manufacturer.name == "Soci\u00e9t\u00e9 Exemple"
    assert inv.system.name == "X1"


def test_broken_table_reported_by_dmidecode() -> None:
    text = _record(1, 1, "System Information", Product_Name="X") + (
        "Wrong DMI structures count: 80 announced, only 79 decoded.\n"
    )
    table = parse_dmidecode(text.encode(), "t.txt")
    assert not table.complete
    assert table.notes == [
        "line 5: dmidecode reported 'Wrong DMI structures count: 80 announced, only 79 decoded.'"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty input"),
        (b"  \n\n", "empty input"),
        (b"Handle 0x0000\x00\x01", "binary data"),
        (b"# dmidecode 3.5\nNo SMBIOS nor DMI entry point found, sorry.\n", "not dmidecode"),
    ],
)
def test_not_dmidecode(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_dmidecode(data, "t.txt")
