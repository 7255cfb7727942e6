"""Helpers shared by the Redfish tests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sovbom.collect.interface import Inventory
from sovbom.cyclonedx.schema import schema_problems
from sovbom.hbom import tree_document
from sovbom.model import Component

MINI = Path(__file__).resolve().parent.parent / "data" / "redfish" / "mini"
USER = "root"
PASSWORD = "calvin-Test-1"  # noqa: S105 - the fake BMC's password


def components(inv: Inventory) -> list[Component]:
    """Every component of an inventory (the system and its children first)."""
    out: list[Component] = []
    if inv.system is not None:
        out.extend(inv.system.walk())
    for part in inv.parts:
        out.extend(part.walk())
    return out


def class_counts(inv: Inventory) -> Counter[str]:
    return Counter(c.cls for c in components(inv) if c.type == "device" and c.cls)


def firmware_from_inventory(inv: Inventory) -> list[Component]:
    """Firmware components that come from ``UpdateService/FirmwareInventory``."""
    return [
        c
        for c in components(inv)
        if c.type == "firmware" and c.ref.startswith("fw:redfish:UpdateService/FirmwareInventory/")
    ]


def shape(inv: Inventory) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """A comparable summary of an inventory: refs, names, classes, serials, versions."""
    return sorted((c.ref, c.name, c.cls, c.serial, c.version) for c in components(inv))


def assert_schema_valid(inv: Inventory) -> None:
    """The HBOM of an inventory is a valid CycloneDX 1.6 document, with unique bom-refs."""
    assert inv.system is not None
    root = inv.system
    doc_root = Component(
        ref=root.ref,
        name=root.name,
        cls=root.cls,
        manufacturer=root.manufacturer,
        serial=root.serial,
        part_number=root.part_number,
        children=[*root.children, *inv.parts],
        seen_by=root.seen_by,
        properties=root.properties,
    )
    doc = tree_document(doc_root)
    problems = schema_problems(doc, "1.6")
    assert problems == [], problems[:5]
    refs = [c.ref for c in doc_root.walk()]
    assert len(refs) == len(set(refs)), "bom-refs are not unique"
