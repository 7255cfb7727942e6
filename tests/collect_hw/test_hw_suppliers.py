"""The supplier registry and the JEDEC table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hw_helpers import by_ref, of_class, prop, props, walk

from sovbom.collect import jedec
from sovbom.collect.suppliers import (
    COUNTRY_SOURCE,
    apply_registry,
    default_registry,
    load_registry,
    parse_registry,
)
from sovbom.errors import InputError
from sovbom.model import Component, Organization


@pytest.mark.parametrize(
    ("printed", "company", "country"),
    [
        ("Dell Inc.", "Dell Technologies", "US"),
        ("HPE", "Hewlett Packard Enterprise", "US"),
        ("Hewlett-Packard Company", "HP (Hewlett-Packard)", "US"),
        ("Intel(R) Corporation", "Intel", "US"),
        ("Advanced Micro Devices, Inc.", "Advanced Micro Devices", "US"),
        ("HUAWEI", "Huawei Technologies", "CN"),
        ("Inspur", "Inspur", "CN"),
        ("Liteon Power", "Lite-On Technology", "TW"),
        ("GIGABYTE", "GIGA-BYTE Technology", "TW"),
        ("FUJITSU", "Fujitsu", "JP"),
        ("Lenovo", "Lenovo", "HK"),
        ("SK Hynix", "SK hynix", "KR"),
        ("Hynix", "SK hynix", "KR"),
        ("Samsung", "Samsung Electronics", "KR"),
        ("Micron Technology", "Micron Technology", "US"),
        ("Mellanox Technologies", "Mellanox Technologies", "IL"),
        ("NVIDIA Corporation", "NVIDIA", "US"),
        ("STM", "STMicroelectronics", "CH"),
        ("American Megatrends International, LLC.", "American Megatrends (AMI)", "US"),
    ],
)
def test_default_registry(printed: str, company: str, country: str) -> None:
    entry = default_registry().lookup(printed)
    assert entry is not None
    assert (entry.name, entry.country) == (company, country)
    assert entry.sources


def test_unknown_stays_unknown() -> None:
    registry = default_registry()
    for name in ("", "Example BIOS Co.", "Manufacturer1", "ZZZ Widgets"):
        assert registry.lookup(name) is None
    comp = Component(ref="x", name="x", manufacturer=Organization("ZZZ Widgets"))
    known = Component(ref="y", name="y", manufacturer=Organization("Samsung", country="KR"))
    assert apply_registry([comp, known], registry) == 0
    assert comp.manufacturer == Organization("ZZZ Widgets")
    assert COUNTRY_SOURCE not in dict(known.properties)  # a country the source gave is kept


def test_registry_fills_manufacturer_country_only() -> None:
    comp = Component(ref="x", name="x", manufacturer=Organization("HUAWEI"))
    assert apply_registry([comp], default_registry()) == 1
    assert comp.manufacturer == Organization("HUAWEI", country="CN")  # the printed name is kept
    assert comp.origin_country is None
    assert (COUNTRY_SOURCE, "supplier-registry") in comp.properties


def test_user_registry_first(hw_data: Path, collect_hw: Any) -> None:
    result, doc, _ = collect_hw(
        "--dmidecode",
        str(hw_data / "merge-example.dmidecode.txt"),
        "--suppliers",
        str(hw_data / "suppliers-extra.yaml"),
    )
    assert result.exit_code == 0
    assert doc is not None
    assert doc["metadata"]["component"]["manufacturer"]["address"]["country"] == "NL"  # NLD
    assert by_ref(doc, "fw:bios")["manufacturer"]["address"]["country"] == "FI"
    # Entries the user file does not cover still come from the default registry.
    assert {c["manufacturer"]["address"]["country"] for c in of_class(doc, "memory")} == {"KR"}
    assert all("sovbom:origin:country" not in props(c) for c in walk(doc))


def test_without_user_registry_unknown_bios_vendor(hw_data: Path, collect_hw: Any) -> None:
    _, doc, _ = collect_hw("--dmidecode", str(hw_data / "merge-example.dmidecode.txt"))
    assert doc is not None
    bios = by_ref(doc, "fw:bios")
    assert bios["manufacturer"] == {"name": "Example BIOS Co."}
    assert prop(bios, COUNTRY_SOURCE) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("suppliers-bad-country.yaml", "not an ISO 3166-1 country code"),
        ("suppliers-bad-schema.yaml", "invalid supplier registry"),
        ("suppliers-bad-regex.yaml", "invalid regular expression"),
    ],
)
def test_bad_registry(name: str, message: str, hw_data: Path, collect_hw: Any) -> None:
    with pytest.raises(InputError, match=message):
        load_registry(hw_data / name)
    result, doc, out = collect_hw(
        "--dmidecode",
        str(hw_data / "merge-example.dmidecode.txt"),
        "--suppliers",
        str(hw_data / name),
    )
    assert result.exit_code == 4
    assert name in result.stderr and message in result.stderr
    assert doc is None and not out.exists()


def test_parse_registry_location() -> None:
    doc = {"version": 1, "suppliers": [{"name": "A", "country": "US", "match": [], "sources": "s"}]}
    with pytest.raises(InputError) as e:
        parse_registry(doc, "reg.yaml")
    assert "reg.yaml" in str(e.value) and "suppliers" in str(e.value)


def test_default_registry_file_is_documented() -> None:
    from importlib import resources

    text = resources.files("sovbom").joinpath("data", "suppliers.yaml").read_text(encoding="utf-8")
    assert "NOT the country where a given part was made" in text
    assert all(s.sources for s in default_registry().suppliers)


@pytest.mark.parametrize(
    ("raw", "vendor"),
    [
        ("00AD00B300AD", "SK hynix"),
        ("80AD000080AD", "SK hynix"),
        ("00CE00B300CE", "Samsung"),
        ("802C0000802C", "Micron Technology"),
        ("0198", "Kingston"),
        ("0x830B", "Nanya Technology"),
        ("0443", "Ramaxel Technology"),
        ("859B", "Crucial Technology"),
        ("04CB", "ADATA Technology"),
        ("014F", "Transcend Information"),
        ("0194", "Smart Modular"),
        ("86F1", "Innodisk"),
        ("017A", "Apacer Technology"),
        ("80C1", "Infineon"),
        ("8551", "Qimonda"),
        ("02FE", "Elpida Memory"),
        ("8098", "Kioxia (Toshiba)"),
    ],
)
def test_jedec_hex(raw: str, vendor: str) -> None:
    assert jedec.from_hex(raw) == vendor


def test_jedec_module_id_and_unknowns() -> None:
    assert jedec.from_module_id("Bank 1, Hex 0xAD") == "SK hynix"
    assert jedec.from_module_id("Bank 2, Hex 0x98") == "Kingston"
    assert jedec.from_module_id("Bank 5, Hex 0x43") == "Ramaxel Technology"
    assert jedec.from_module_id("Unknown") is None
    assert jedec.from_hex("Samsung") is None
    assert jedec.from_hex("80FF000080FF") is None  # well-formed, unknown: stays unknown
    assert jedec.is_jedec_hex("80FF000080FF")
    assert not jedec.is_jedec_hex("12345678")  # all digits: a serial, not a vendor code
    assert jedec.from_hex("") is None
    assert jedec.from_hex("7F2C") is None  # 127 continuation codes: not a JEDEC code
