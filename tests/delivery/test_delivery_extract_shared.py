"""Extraction shared between servers: a device equal to the last one read under its bom-ref but
for its serial reuses what was read, firmware equal to the last one is shared. Whatever differs,
the result is the one reading each component on its own gives."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any

import pytest

import sovbom.delivery  # noqa: F401 - the package first: its extract function hides the module

extract_module = sys.modules["sovbom.delivery.extract"]
extract = extract_module.extract


def _dimm(serial: Any = "S-1") -> dict[str, Any]:
    return {
        "type": "device",
        "bom-ref": "hw:dimm0",
        "name": "64GB RDIMM",
        "version": "B2",
        "manufacturer": {"name": "Samsung Electronics Co., Ltd."},
        "properties": [
            {"name": "sovbom:class", "value": "memory"},
            {"name": "sovbom:part-number", "value": "M321R8GA0PB2"},
            {"name": "cdx:device:serialNumber", "value": serial},
            {"name": "sovbom:slot", "value": "DIMM_A0"},
        ],
        "components": [
            {"type": "firmware", "bom-ref": "fw:spd", "name": "SPD", "version": "1.0",
             "hashes": [{"alg": "SHA-256", "content": "AB" * 32}]}
        ],
    }  # fmt: skip


def _doc(dimm: dict[str, Any]) -> dict[str, Any]:
    root = {"type": "device", "bom-ref": "hw:server", "name": "server", "properties": []}
    return {"metadata": {"component": root}, "components": [dimm]}


def _props(d: dict[str, Any]) -> list[dict[str, Any]]:
    props: list[dict[str, Any]] = d["properties"]
    return props


VARIANTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "another serial": lambda d: _props(d)[2].update(value="S-2"),
    "a padded serial": lambda d: _props(d)[2].update(value="  S-3 "),
    "a placeholder serial": lambda d: _props(d)[2].update(value="Not Specified"),
    "a blank serial": lambda d: _props(d)[2].update(value="   "),
    "a serial that is no string": lambda d: _props(d)[2].update(value=12345),
    "two serials": lambda d: _props(d).append({"name": "cdx:device:serialNumber", "value": "X"}),
    "a blank serial, then one": lambda d: (
        _props(d).extend([{"name": "cdx:device:serialNumber", "value": "S-9"}])
        or _props(d)[2].update(value="")
    ),
    "another part number": lambda d: _props(d)[1].update(value="M321-OTHER"),
    "properties in another order": lambda d: _props(d).reverse(),
    "one more property": lambda d: _props(d).append({"name": "sovbom:model", "value": "X"}),
    "a property without value": lambda d: _props(d).append({"name": "sovbom:bus-address"}),
    "a property that is no object": lambda d: _props(d).append("sovbom:slot"),
    "another manufacturer": lambda d: d["manufacturer"].update(name="SK hynix"),
    "a name that is a number": lambda d: d.update(name=1),
    "another name that is a number": lambda d: d.update(name=1.0),
    "no name": lambda d: d.pop("name"),
    "another version": lambda d: d.update(version="B3"),
    "a version that is no string": lambda d: d.update(version=True),
    "no properties": lambda d: d.pop("properties"),
    "firmware with another hash": lambda d: d["components"][0]["hashes"][0].update(content="cd"),
    "firmware with another version": lambda d: d["components"][0].update(version="1.1"),
    "firmware running elsewhere": lambda d: d["components"][0].update(
        properties=[{"name": "sovbom:runs-on", "value": "hw:server"}]
    ),
}


def _one_by_one(doc: dict[str, Any]) -> str:
    """extract() with nothing shared: every component read on its own."""
    saved = dict(extract_module._DEVICE_TEMPLATES), dict(extract_module._FIRMWARE_TEMPLATES)
    extract_module._DEVICE_TEMPLATES.clear()
    extract_module._FIRMWARE_TEMPLATES.clear()
    try:
        return repr(extract(doc))
    finally:
        extract_module._DEVICE_TEMPLATES.update(saved[0])
        extract_module._FIRMWARE_TEMPLATES.update(saved[1])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_changed_component_reads_as_on_its_own(variant: str) -> None:
    extract(_doc(_dimm()))  # the template: remembered under its bom-refs
    changed = copy.deepcopy(_dimm())
    VARIANTS[variant](changed)
    assert repr(extract(_doc(changed))) == _one_by_one(_doc(changed))
    # and back: the original again, after the change
    assert repr(extract(_doc(_dimm()))) == _one_by_one(_doc(_dimm()))


def test_only_the_serial_differs_the_template_is_used() -> None:
    extract(_doc(_dimm("S-1")))
    (_, (part,), _) = extract(_doc(_dimm("S-2")))
    assert part.serial == "S-2"
    assert (part.part_number, part.slot, part.revision) == ("M321R8GA0PB2", "DIMM_A0", "B2")
    assert ("hw:dimm0") in extract_module._DEVICE_TEMPLATES


def test_firmware_equal_to_the_last_is_shared_and_its_part_keeps_its_own_list() -> None:
    (_, (one,), _) = extract(_doc(_dimm("S-1")))
    (_, (two,), _) = extract(_doc(_dimm("S-2")))
    assert one.firmware[0] is two.firmware[0]
    assert one.firmware is not two.firmware


def test_the_input_documents_are_not_changed() -> None:
    first, second = _doc(_dimm("S-1")), _doc(_dimm("S-2"))
    kept = copy.deepcopy(first)
    extract(first)
    extract(second)
    assert first == kept
