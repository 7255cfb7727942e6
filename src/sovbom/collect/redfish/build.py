"""From a walk to an inventory: one component per physical part, firmware under what it runs on.

The system is the first ``ComputerSystem``; records are grouped into parts
(:func:`~sovbom.collect.redfish.mapping.group_parts`); an ``Assembly`` entry that describes its
owner enriches it, the others become sub-assemblies; firmware from the ``FirmwareInventory`` is
nested under the part it runs on, and a part's own firmware version is used where the inventory
has none for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sovbom import taxonomy as tx
from sovbom.collect.interface import Inventory
from sovbom.collect.redfish.base import (
    SOURCE,
    Resource,
    links,
    pcie_device_of,
    short,
    text,
)
from sovbom.collect.redfish.integrity import attach_integrity
from sovbom.collect.redfish.mapping import firmware_version, group_parts, part_class, slot
from sovbom.collect.redfish.walk import Record, Walk
from sovbom.countries import normalize_country
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization

if TYPE_CHECKING:
    from sovbom.collect.redfish.challenge import Challenge

#: Properties sovbom writes for Redfish-specific facts.
PROP_RESOURCE = tx.REDFISH_RESOURCE
PROP_SOFTWARE_ID = tx.REDFISH_SOFTWARE_ID
PROP_CAPACITY_MIB = tx.REDFISH_CAPACITY_MIB
PROP_BIOS_VERSION = tx.REDFISH_BIOS_VERSION
PROP_UUID = tx.REDFISH_UUID
PROP_PROCESSOR_TYPE = tx.REDFISH_PROCESSOR_TYPE
PROP_RELEASE_DATE = tx.REDFISH_RELEASE_DATE
PROP_ENGINEERING_CHANGE = tx.REDFISH_ENGINEERING_CHANGE_LEVEL

_BMC_FIRMWARE = re.compile(r"\b(BMC|iLO|iDRAC|XClarity|XCC|IMM2?)\b", re.I)
_BIOS_FIRMWARE = re.compile(r"\b(BIOS|System ROM)\b", re.I)
_BACKUP_FIRMWARE = re.compile(r"redundant|backup|previous", re.I)
_DELL_FQDD = re.compile(r"#(?:\d+_[A-Z]?_)?([^#]+)")


def _org(name: str | None) -> Organization | None:
    return Organization(name) if name else None


def _dell_fqdd(doc: Resource) -> str | None:
    """Dell names the device a firmware runs on (its FQDD) in the Oem software inventory id."""
    oem = doc.get("Oem")
    dell = oem.get("Dell") if isinstance(oem, Mapping) else None
    inventory = dell.get("DellSoftwareInventory") if isinstance(dell, Mapping) else None
    ident = inventory.get("@odata.id") if isinstance(inventory, Mapping) else None
    if not isinstance(ident, str):
        return None
    match = _DELL_FQDD.search(unquote(ident))
    return match.group(1) if match else None


def _assembly_fields(comp: Component, doc: Resource) -> None:
    """What an Assembly entry adds: origin, production date, producer, vendor, change level."""
    origin = normalize_country(text(doc, "ISOCountryCodeOfOrigin"))
    if origin:
        comp.origin_country = origin
    date = text(doc, "ProductionDate")
    if date:
        comp.production_date = date
    producer, vendor = text(doc, "Producer"), text(doc, "Vendor")
    if producer and (comp.manufacturer is None):
        comp.manufacturer = Organization(producer)
    if vendor and producer and vendor.lower() != producer.lower():
        comp.supplier = Organization(vendor)
    change = text(doc, "EngineeringChangeLevel")
    if change:
        comp.properties.append((PROP_ENGINEERING_CHANGE, change))


class Builder:
    """Makes components from a walk and remembers them by URI and by vendor id."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.refs: set[str] = set()
        self.by_uri: dict[str, Component] = {}
        self.by_key: dict[str, Component] = {}  # Dell FQDD-like ids -> component

    def ref(self, prefix: str, uri: str) -> str:
        base = f"{prefix}:redfish:{short(uri)}"
        ref, n = base, 1
        while ref in self.refs:
            n += 1
            ref = f"{base}~{n}"
        self.refs.add(ref)
        return ref

    def first_system(self) -> Component | None:
        systems = sorted(self.walk.systems)
        return self.by_uri.get(systems[0]) if systems else None

    # -- system ---------------------------------------------------------------------------------

    def system(self) -> Component | None:
        if not self.walk.systems:
            return None
        uri = sorted(self.walk.systems)[0]
        doc = self.walk.systems[uri]
        comp = Component(
            ref=self.ref("hw", uri),
            name=text(doc, "Model") or text(doc, "Name") or text(doc, "Id") or "server",
            cls="server",
            manufacturer=_org(text(doc, "Manufacturer")),
            part_number=text(doc, "PartNumber"),
            serial=text(doc, "SerialNumber"),
            sku=text(doc, "SKU"),
            description=text(doc, "Description"),
            seen_by=[SOURCE],
        )
        for prop, key in ((PROP_UUID, "UUID"), (PROP_BIOS_VERSION, "BiosVersion")):
            value = text(doc, key)
            if value:
                comp.properties.append((prop, value))
        comp.properties.append((PROP_RESOURCE, uri))
        for system_uri, system_doc in self.walk.systems.items():
            self.by_uri[system_uri] = comp
            ident = text(system_doc, "Id")
            if ident:
                self.by_key[ident] = comp
        return comp

    # -- parts ----------------------------------------------------------------------------------

    def part(self, members: list[Record], *, sub_assembly: bool = False) -> Component:
        head = members[0]

        def first(key: str) -> str | None:
            return next((v for rec in members if (v := text(rec.doc, key))), None)

        name = first("Model") or (first("PartNumber") if head.kind == "memory" else None)
        if name is None and head.kind in ("trusted", "trusted-module"):
            interface = first("InterfaceType")
            name = first("Description") or (f"TPM ({interface})" if interface else "TPM")
        comp = Component(
            ref=self.ref("hw", head.uri),
            name=name or first("Name") or first("Id") or head.kind,
            cls="other" if sub_assembly else part_class(members),
            manufacturer=_org(first("Manufacturer") or first("Producer") or first("Vendor")),
            part_number=first("PartNumber"),
            serial=first("SerialNumber"),
            sku=first("SKU"),
            description=None,
            seen_by=[SOURCE],
        )
        comp.slot = next((s for rec in members if (s := slot(rec.doc))), None)
        if comp.slot is None and head.kind in ("psu", "drive"):
            comp.slot = text(head.doc, "Name")
        self._kind_fields(comp, head)
        comp.properties.extend((PROP_RESOURCE, rec.uri) for rec in members)
        for rec in members:
            self.by_uri.setdefault(rec.uri, comp)
            ident = text(rec.doc, "MemberId" if rec.kind == "assembly" else "Id")
            if ident and not ident.isdigit():
                self.by_key.setdefault(ident, comp)
        return comp

    @staticmethod
    def _kind_fields(comp: Component, head: Record) -> None:
        if head.kind == "assembly":
            comp.version = text(head.doc, "Version")
            _assembly_fields(comp, head.doc)
        if head.kind == "processor":
            ptype = text(head.doc, "ProcessorType")
            if ptype:
                comp.properties.append((PROP_PROCESSOR_TYPE, ptype))
        capacity = head.doc.get("CapacityMiB") if head.kind == "memory" else None
        if isinstance(capacity, int) and capacity > 0:
            comp.properties.append((PROP_CAPACITY_MIB, str(capacity)))

    def enrich(self, part: Component, assembly: Record) -> bool:
        """Fold a single Assembly entry into the part it describes; False if it is another unit."""
        doc = assembly.doc
        serial, number = text(doc, "SerialNumber"), text(doc, "PartNumber")
        if serial and part.serial and serial != part.serial:
            return False
        if not serial and number and part.part_number and number != part.part_number:
            return False
        if serial and not part.serial:
            part.serial = serial
        if number and not part.part_number:
            part.part_number = number
        _assembly_fields(part, doc)
        part.properties.append((PROP_RESOURCE, assembly.uri))
        return True

    # -- firmware ---------------------------------------------------------------------------------

    def firmware(self, uri: str, doc: Resource) -> Component:
        comp = Component(
            ref=self.ref("fw", uri),
            name=text(doc, "Name") or text(doc, "Id") or "firmware",
            type="firmware",
            version=text(doc, "Version"),
            manufacturer=_org(text(doc, "Manufacturer")),
            seen_by=[SOURCE],
        )
        software_id = text(doc, "SoftwareId")
        if software_id:
            comp.properties.append((PROP_SOFTWARE_ID, software_id))
        release = text(doc, "ReleaseDate")
        if release and not release.startswith("00"):
            comp.properties.append((PROP_RELEASE_DATE, release))
        comp.properties.append((PROP_RESOURCE, uri))
        return comp

    def target_of(self, uri: str, doc: Resource) -> Component | None:
        """The part a firmware inventory entry runs on: by link, by Dell FQDD, then by name."""
        for related in links(doc.get("RelatedItem")):
            base = related.partition("#")[0]
            hit = self.by_uri.get(related) or self.by_uri.get(base)
            if hit is None and "/PCIeFunctions/" in base:
                hit = self.by_uri.get(pcie_device_of(base))
            if hit is not None:
                return hit
        part = self.walk.runs_on.get(uri)
        if part is not None and part in self.by_uri:
            return self.by_uri[part]
        fqdd = _dell_fqdd(doc)
        if fqdd:
            return self._by_fqdd(fqdd)
        # No link at all (HPE, Supermicro): the BMC's and the BIOS's own firmware by name.
        name = f"{text(doc, 'Id') or ''} {text(doc, 'Name') or ''}"
        if _BMC_FIRMWARE.search(name):
            bmcs = {id(c): c for c in self.by_uri.values() if c.cls == "bmc"}
            if len(bmcs) == 1:
                return next(iter(bmcs.values()))
        if _BIOS_FIRMWARE.search(name) and not _BACKUP_FIRMWARE.search(name):
            return self.first_system()
        return None

    def _by_fqdd(self, fqdd: str) -> Component | None:
        """The part with the longest vendor id that the FQDD starts with."""
        if fqdd.startswith("BIOS."):
            return self.first_system()
        best: tuple[int, Component] | None = None
        for key, comp in self.by_key.items():
            matches = fqdd == key or re.match(re.escape(key) + r"[-:.#]", fqdd)
            if matches and (best is None or len(key) > best[0]):
                best = (len(key), comp)
        return best[1] if best else None


# --------------------------------------------------------------------------------------------
# The inventory
# --------------------------------------------------------------------------------------------


def _place_assemblies(
    builder: Builder, assemblies: list[Record], heads: Mapping[str, Record]
) -> tuple[dict[str, list[Component]], list[Component]]:
    """Assemblies: one entry describing its owner enriches it; the others are sub-assemblies.

    Returns the sub-assemblies by the ref of their owner, and those with no known owner.
    """
    by_owner: dict[str, list[Record]] = {}
    for rec in assemblies:
        by_owner.setdefault(rec.owner or "", []).append(rec)
    nested: dict[str, list[Component]] = {}
    top: list[Component] = []
    for owner, entries in sorted(by_owner.items()):
        owner_comp = builder.by_uri.get(owner)
        owner_is_part = owner_comp is not None and owner in heads and heads[owner].kind != "chassis"
        if (
            owner_is_part
            and len(entries) == 1
            and owner_comp is not None
            and builder.enrich(owner_comp, entries[0])
        ):
            builder.by_uri[entries[0].uri] = owner_comp
            continue
        for rec in entries:
            comp = builder.part([rec], sub_assembly=owner_is_part)
            if owner_comp is not None:
                nested.setdefault(owner_comp.ref, []).append(comp)
            else:
                top.append(comp)
    return nested, top


def _attach_firmware(
    builder: Builder, walk: Walk, groups: Mapping[str, list[Record]], parts: Mapping[str, Component]
) -> list[Component]:
    """Firmware under the part it runs on; returns the firmware that runs on no known part."""
    with_firmware: set[str] = set()
    loose: list[Component] = []
    for uri in sorted(walk.firmware):
        doc = walk.firmware[uri]
        fw = builder.firmware(uri, doc)
        target = builder.target_of(uri, doc)
        if target is None:
            loose.append(fw)
        else:
            link_firmware(target, fw)
            with_firmware.add(target.ref)
    # Firmware versions the parts state themselves, where the inventory had none for them.
    for head_uri, comp in parts.items():
        members = groups[head_uri]
        version = next((v for r in members if (v := firmware_version(r.kind, r.doc))), None)
        if version and comp.ref not in with_firmware:
            fw = Component(
                ref=builder.ref("fw", head_uri + "/firmware"),
                name=f"{comp.name} firmware",
                type="firmware",
                version=version,
                seen_by=[SOURCE],
                properties=[(PROP_RESOURCE, head_uri)],
            )
            link_firmware(comp, fw)
    return loose


def _notes(walk: Walk, inventory: Inventory) -> None:
    if walk.unavailable:
        inventory.complete = False
        inventory.notes.extend(
            f"Redfish resource {uri} was not collected: {reason}"
            for uri, reason in sorted(walk.unavailable)
        )
    if walk.skipped_previous:
        inventory.notes.append(
            f"skipped {walk.skipped_previous} firmware inventory entries for previous "
            "(not running) firmware versions"
        )
    systems = sorted(walk.systems)
    if not systems:
        inventory.notes.append("the Redfish service lists no computer system")
    elif len(systems) > 1:
        inventory.notes.append(
            f"the Redfish service lists {len(systems)} computer systems "
            f"({', '.join(systems)}); their parts are all in this inventory, under {systems[0]}"
        )


def build_inventory(
    walk: Walk, source: str, challenges: Mapping[str, Challenge] | None = None
) -> Inventory:
    """The inventory a walk describes; ``source`` names where it came from; ``challenges``
    are the SPDM challenges' answers by ComponentIntegrity resource (``--challenge``)."""
    builder = Builder(walk)
    inventory = Inventory(source=source)
    inventory.system = builder.system()
    parts: dict[str, Component] = {}  # head uri -> component
    heads: dict[str, Record] = {}
    groups: dict[str, list[Record]] = {}
    assemblies: list[Record] = []
    for members in group_parts(walk.records):
        head = members[0]
        if head.kind == "assembly":
            assemblies.append(head)
            continue
        parts[head.uri] = builder.part(members)
        heads[head.uri] = head
        groups[head.uri] = members
    nested, top_assemblies = _place_assemblies(builder, assemblies, heads)
    for comp in parts.values():
        comp.children.extend(nested.get(comp.ref, []))
    if inventory.system is not None:
        inventory.system.children.extend(nested.get(inventory.system.ref, []))
    loose = _attach_firmware(builder, walk, groups, parts)
    inventory.parts = [*parts.values(), *top_assemblies, *loose]
    by_uri = {m.uri: parts[head] for head, members in groups.items() for m in members}
    if inventory.system is not None:
        by_uri.update(dict.fromkeys(walk.systems, inventory.system))
    inventory.notes.extend(attach_integrity(walk, by_uri, challenges))
    if any(c.error is not None for c in (challenges or {}).values()):
        inventory.complete = False  # signed measurements were asked for and not all came
    _notes(walk, inventory)
    return inventory
