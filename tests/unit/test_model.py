from __future__ import annotations

from typing import Any

from sovbom.countries import normalize_country
from sovbom.model import Component, Organization, ProductionStep, provenance_of
from sovbom.placeholders import clean, cleaned, is_placeholder


def test_component_round_trips_through_cyclonedx() -> None:
    c = Component(
        ref="hw:gpu0",
        name="GPU",
        cls="gpu",
        version="A1",
        manufacturer=Organization("NVIDIA Corporation", "US"),
        supplier=Organization("Distributor K.K.", "JP"),
        origin_country="TW",
        part_number="699-1",
        serial="S-1",
        slot="SXM1",
        production=[ProductionStep("chip-packaging", "Taichung", "TW", "2026-01-02")],
    )
    cdx = c.to_cdx()
    assert cdx["manufacturer"] == {"name": "NVIDIA Corporation", "address": {"country": "US"}}
    p = provenance_of(cdx)
    assert (p.manufacturer, p.manufacturer_country) == ("NVIDIA Corporation", "US")
    assert (p.supplier, p.supplier_country) == ("Distributor K.K.", "JP")
    assert p.origin_country == "TW" and p.serial == "S-1" and p.part_number == "699-1"
    assert p.cls == "gpu" and p.slot == "SXM1"
    assert p.production == (ProductionStep("chip-packaging", "Taichung", "TW", "2026-01-02"),)
    assert p.countries() == ("TW", "US", "JP")


def test_standard_origins_field_wins_over_properties() -> None:
    comp: dict[str, Any] = {
        "type": "device",
        "name": "x",
        "origins": [
            {
                "basis": "number of parts",
                "distribution": [
                    {"isoCode": "CA", "percentage": 30},
                    {"isoCode": "JP", "percentage": 70},
                ],
            }
        ],
        "properties": [{"name": "sovbom:origin:country", "value": "US"}],
    }
    assert provenance_of(comp).origin_country == "JP"


def test_proposed_cdx_property_is_read_and_alpha3_normalised() -> None:
    comp = {
        "type": "device",
        "name": "x",
        "properties": [{"name": "cdx:device:countryOfOrigin", "value": "TWN"}],
    }
    assert provenance_of(comp).origin_country == "TW"


def test_unknown_country_stays_unknown() -> None:
    comp = {
        "type": "device",
        "name": "x",
        "manufacturer": {"name": "m", "address": {"country": "Atlantis"}},
    }
    p = provenance_of(comp)
    assert p.manufacturer_country is None and p.origin_country is None and p.countries() == ()


def test_country_normalisation() -> None:
    assert normalize_country("JP") == "JP"
    assert normalize_country("jpn") == "JP"
    assert normalize_country("Japan") == "JP"
    assert normalize_country("XX") is None
    assert normalize_country("") is None


def test_placeholders() -> None:
    for v in [
        "Not Specified",
        "To be filled by O.E.M.",
        "Default string",
        "NO DIMM",
        "0123456789",
        "--",
        "N/A",
        "0000000000",
    ]:
        assert is_placeholder(v), v
    assert clean("  M393A4K40CB2-CTD    ") == "M393A4K40CB2-CTD"
    assert clean("Unknown") is None


def test_cleaned_is_clean_of_each_value() -> None:
    values = ["", "  ", "Not Specified", " none ", "To Be Filled By O.E.M.", "XXXX", "xxx",
              " AAAA ", "ABAB", "0000000", "....", "ÀÀÀÀ", "B00001-DIMM07", " b ", "N/A", "-"]  # fmt: skip
    assert cleaned(values) == [clean(v) for v in values]
    assert cleaned(values).count(None) == 12
