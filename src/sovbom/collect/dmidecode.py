"""Hardware inventory from the text output of ``dmidecode`` (SMBIOS tables).

Read: type 0 BIOS, 1 system, 2 baseboard, 3 chassis, 4 processor, 17 memory device, 38 IPMI
(the BMC), 39 power supply, 43 TPM; types 9 and 41 give slot names for PCI bus addresses.
Empty sockets, slots and bays are not components. Placeholders (``Not Specified``, ``--``, ``NO
DIMM`` ...) are unknown values, never identifiers; padding is stripped; JEDEC codes in memory
``Manufacturer`` fields become vendor names.

A capture that was cut is marked incomplete (:attr:`DmiTable.complete`), never read as a whole
server. What shows a cut:

* the last line has no line end (dmidecode ends every line), or the last record has no title;
* a dump of the whole table (its header says where the table is, ``Table at 0x...``, or how
  many structures it holds, ``N structures occupying N bytes``: dmidecode prints these only
  without ``-t``) that does not reach its ``End Of Table`` record (type 127), unless it holds
  as many records as announced (old tables without type 127);
* fewer records than the header announces;
* dmidecode's own warnings (``DMI table is broken``, ``Wrong DMI structures count`` ...).

A capture of selected types (``dmidecode -t memory``) has no such header and no type 127: cut
between two records, or between two lines of its last record, it cannot be told from a shorter
capture. Handle references are not used as a sign: complete dumps of real servers reference
handles that do not exist (a type 37 device, a chassis), and in a capture of selected types the
referenced record comes before the ones referencing it.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field

from sovbom import taxonomy as tx
from sovbom._io import display_name, read_bytes
from sovbom.collect import jedec
from sovbom.collect.interface import Inventory
from sovbom.collect.merge import normalize_bus_address, part_ref
from sovbom.errors import InputError
from sovbom.hbom import link_firmware
from sovbom.model import Component, Organization
from sovbom.placeholders import clean

SOURCE = "dmidecode"

_HEADER = re.compile(r"^\s*Handle 0x([0-9A-Fa-f]{1,8}), DMI type (\d+), (\d+) bytes\s*$")
_FIELD = re.compile(r"^([^:]+?):(?:\s(.*)|)$")
#: Header lines dmidecode prints only when it dumps the whole table.
_TABLE_AT = re.compile(r"^Table at 0x[0-9A-Fa-f]+\.$")
_STRUCTURES = re.compile(r"^(\d+) structures occupying \d+ bytes\.$")
END_OF_TABLE = 127
_BROKEN = (
    "DMI table is broken",
    "Invalid entry length",
    "Wrong DMI structures count",
    "<TRUNCATED>",
)


@dataclass(slots=True)
class DmiRecord:
    """One SMBIOS structure as dmidecode prints it."""

    handle: int
    type: int
    title: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """A field's value with padding stripped; None for placeholders and missing fields."""
        return clean(self.fields.get(key))

    def raw(self, key: str) -> str | None:
        value = self.fields.get(key)
        return value.strip() if value is not None else None


@dataclass(slots=True)
class DmiTable:
    source: str
    records: list[DmiRecord]
    complete: bool = True
    notes: list[str] = field(default_factory=list)
    #: the header says this is a dump of the whole table (not of selected types)
    whole: bool = False
    #: the number of structures the header announces (SMBIOS 2 tables)
    announced: int | None = None

    def of_type(self, t: int) -> list[DmiRecord]:
        return [r for r in self.records if r.type == t]


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise InputError(
            "binary data, not dmidecode text output",
            source=source,
            hint="give the text output of `dmidecode` (not `dmidecode --dump-bin`)",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _number(digits: str, what: str, source: str, lineno: int) -> int:
    """A count or type number of dmidecode's own lines: at most 9 digits (``int()`` on a run of
    more than 4,300 digits is an error of its own)."""
    if len(digits) > 9:
        shown = digits if len(digits) <= 20 else f"{digits[:20]}... ({len(digits)} digits)"
        raise InputError(
            f"{what} is not a plausible number: {shown}", source=source, location=f"line {lineno}"
        )
    return int(digits)


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def parse_dmidecode(data: bytes, source: str) -> DmiTable:
    """Split dmidecode text into records; refuse input that is not dmidecode output."""
    text = _decode(data, source)
    if not text.strip():
        raise InputError("empty input, expected dmidecode output", source=source)
    records: list[DmiRecord] = []
    table = DmiTable(source=source, records=records)
    current: DmiRecord | None = None
    want_title = False
    last_key: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if any(marker in line for marker in _BROKEN):
            table.complete = False
            table.notes.append(f"line {lineno}: dmidecode reported {stripped!r}")
            continue
        if not records:
            table.whole |= _TABLE_AT.match(stripped) is not None
            count = _STRUCTURES.match(stripped)
            if count:
                table.whole = True
                table.announced = _number(count.group(1), "structure count", source, lineno)
        m = _HEADER.match(line)
        if m:
            dmi_type = _number(m.group(2), "DMI type", source, lineno)
            current = DmiRecord(int(m.group(1), 16), dmi_type, "", lineno)
            records.append(current)
            want_title = True
            last_key = None
            continue
        if not stripped:
            if not want_title:
                current = None
            continue
        if stripped.startswith("#") or current is None:
            continue
        if want_title:
            current.title = stripped
            want_title = False
            continue
        depth = _indent(line)
        if depth == 0:
            # A sub-title inside a record (type 10 lists "On Board Device N Information").
            last_key = None
            continue
        if depth > 8 and last_key is not None:
            current.lists.setdefault(last_key, []).append(stripped)
            continue
        fm = _FIELD.match(stripped)
        if fm is None:
            # A continuation line of a value without a key (seen in OEM hex dumps): ignore it.
            continue
        key, value = fm.group(1).strip(), (fm.group(2) or "")
        current.fields.setdefault(key, value.rstrip())
        last_key = key
    if not records:
        raise InputError(
            "not dmidecode output: no 'Handle 0x..., DMI type N, N bytes' record found",
            source=source,
            location="line 1",
        )
    if want_title:
        table.complete = False
        table.notes.append(
            f"the last record (line {records[-1].line}) is cut short: input truncated?"
        )
    _check_cut(table, text)
    return table


def _check_cut(table: DmiTable, text: str) -> None:
    """Mark a capture that was cut (see the module docstring)."""
    records = table.records
    lines = text.count("\n") + (not text.endswith("\n"))
    notes: list[str] = []
    if not text.endswith("\n"):
        notes.append(f"the input ends in the middle of line {lines}: truncated?")
    if table.announced is not None and len(records) < table.announced:
        notes.append(
            f"the header announces {table.announced} structures but the input holds"
            f" {len(records)}: truncated?"
        )
    elif (
        table.whole and table.announced is None and not any(r.type == END_OF_TABLE for r in records)
    ):
        notes.append(
            "a dump of the whole table without its End Of Table record (DMI type 127):"
            f" the input is cut after line {lines}"
        )
    if notes:
        table.complete = False
        table.notes.extend(notes)


def _org(name: str | None) -> Organization | None:
    return Organization(name) if name else None


def _add(props: list[tuple[str, str]], name: str, value: str | None) -> None:
    if value:
        props.append((name, value))


def _system(rec: DmiRecord) -> Component:
    props: list[tuple[str, str]] = []
    _add(props, tx.SYSTEM_UUID, rec.get("UUID"))
    _add(props, tx.SYSTEM_FAMILY, rec.get("Family"))
    return Component(
        ref="hw:server",
        name=rec.get("Product Name") or "server",
        cls="server",
        manufacturer=_org(rec.get("Manufacturer")),
        version=rec.get("Version"),
        serial=rec.get("Serial Number"),
        sku=rec.get("SKU Number"),
        seen_by=[SOURCE],
        properties=props,
    )


def _bios(rec: DmiRecord) -> Component:
    props: list[tuple[str, str]] = []
    _add(props, tx.FIRMWARE_RELEASE_DATE, rec.get("Release Date"))
    _add(props, tx.BIOS_REVISION, rec.get("BIOS Revision"))
    _add(props, tx.BIOS_FIRMWARE_REVISION, rec.get("Firmware Revision"))
    return Component(
        ref="fw:bios",
        name="BIOS",
        type="firmware",
        manufacturer=_org(rec.get("Vendor")),
        version=rec.get("Version"),
        seen_by=[SOURCE],
        properties=props,
    )


def _baseboard(rec: DmiRecord, index: int) -> Component:
    props: list[tuple[str, str]] = []
    _add(props, tx.ASSET_TAG, rec.get("Asset Tag"))
    return _enclosure(rec, index, "baseboard", rec.get("Product Name"), props)


def _chassis(rec: DmiRecord, index: int) -> Component:
    props: list[tuple[str, str]] = []
    _add(props, tx.CHASSIS_TYPE, rec.get("Type"))
    _add(props, tx.ASSET_TAG, rec.get("Asset Tag"))
    return _enclosure(rec, index, "chassis", rec.get("Type"), props, sku=rec.get("SKU Number"))


def _enclosure(
    rec: DmiRecord,
    index: int,
    cls: str,
    name: str | None,
    props: list[tuple[str, str]],
    *,
    sku: str | None = None,
) -> Component:
    """A baseboard or chassis record (the ``index``-th of its type: the first has the plain ref)."""
    return Component(
        ref=part_ref(cls, None) if index == 0 else part_ref(cls, None, index + 1),
        name=name or cls,
        cls=cls,
        manufacturer=_org(rec.get("Manufacturer")),
        version=rec.get("Version"),
        serial=rec.get("Serial Number"),
        sku=sku,
        seen_by=[SOURCE],
        properties=props,
    )


def _cpu(rec: DmiRecord, index: int) -> Component | None:
    status = rec.raw("Status") or ""
    if "Unpopulated" in status or (status and "Populated" not in status):
        return None
    if (rec.raw("Type") or "Central Processor") != "Central Processor":
        return None
    slot = rec.get("Socket Designation")
    props: list[tuple[str, str]] = []
    _add(props, tx.CPU_ID, rec.get("ID"))
    _add(props, tx.CPU_SIGNATURE, rec.get("Signature"))
    _add(props, tx.CPU_CORES, rec.get("Core Count"))
    _add(props, tx.ASSET_TAG, rec.get("Asset Tag"))
    return Component(
        ref=part_ref("cpu", slot, index),
        name=rec.get("Version") or rec.get("Family") or "processor",
        cls="cpu",
        manufacturer=_org(rec.get("Manufacturer")),
        serial=rec.get("Serial Number"),
        part_number=rec.get("Part Number"),
        slot=slot,
        seen_by=[SOURCE],
        properties=props,
    )


_EMPTY_SIZES = ("no module installed", "not installed", "0", "0 mb", "0 gb", "none", "unknown")


def _memory_vendor(rec: DmiRecord) -> str | None:
    raw = rec.get("Manufacturer")
    if raw and jedec.is_jedec_hex(raw):
        return jedec.from_hex(raw) or jedec.from_module_id(rec.raw("Module Manufacturer ID"))
    return raw or jedec.from_module_id(rec.raw("Module Manufacturer ID"))


def _memory(rec: DmiRecord, slot: str | None, index: int) -> Component | None:
    size = (rec.raw("Size") or "").casefold()
    if not size or size in _EMPTY_SIZES:
        return None
    props: list[tuple[str, str]] = []
    _add(props, tx.MEMORY_SIZE, rec.get("Size"))
    _add(props, tx.MEMORY_TYPE, rec.get("Type"))
    _add(props, tx.MEMORY_SPEED, rec.get("Speed"))
    _add(props, tx.MEMORY_BANK_LOCATOR, rec.get("Bank Locator"))
    raw_vendor = rec.get("Manufacturer")
    if raw_vendor and jedec.is_jedec_hex(raw_vendor):
        props.append((tx.MEMORY_JEDEC_CODE, raw_vendor))
    _add(props, tx.MEMORY_MODULE_MANUFACTURER_ID, rec.get("Module Manufacturer ID"))
    part = rec.get("Part Number")
    kind = " ".join(x for x in (rec.get("Type"), rec.get("Form Factor")) if x) or "memory module"
    comp = Component(
        ref=part_ref("memory", slot, index),
        name=part or f"{kind} {rec.get('Size') or ''}".strip(),
        cls="memory",
        manufacturer=_org(_memory_vendor(rec)),
        serial=rec.get("Serial Number"),
        part_number=part,
        slot=slot,
        seen_by=[SOURCE],
        properties=props,
    )
    fw = rec.get("Firmware Version")
    technology = (rec.get("Memory Technology") or "DRAM").casefold()
    # Only persistent-memory modules run firmware; some BIOSes put the part number here.
    if fw and technology != "dram" and fw != part:
        link_firmware(
            comp,
            Component(
                ref=f"fw:memory:{comp.ref[10:]}",
                name="memory module firmware",
                type="firmware",
                version=fw,
                seen_by=[SOURCE],
            ),
        )
    return comp


def _psu(rec: DmiRecord, slot: str | None, index: int) -> Component | None:
    status = rec.raw("Status") or ""
    if "Not Present" in status:
        return None
    name = rec.get("Name")
    part = rec.get("Model Part Number")
    props: list[tuple[str, str]] = []
    _add(props, tx.PSU_MAX_POWER, rec.get("Max Power Capacity"))
    _add(props, tx.PSU_STATUS, rec.get("Status"))
    _add(props, tx.ASSET_TAG, rec.get("Asset Tag"))
    display = name if name and name != slot else (part or "power supply")
    return Component(
        ref=part_ref("psu", slot, index),
        name=display,
        cls="psu",
        manufacturer=_org(rec.get("Manufacturer")),
        serial=rec.get("Serial Number"),
        part_number=part,
        version=rec.get("Revision"),
        slot=slot,
        seen_by=[SOURCE],
        properties=props,
    )


_PSU_SLOT_NAME = re.compile(r"^(power supply|psu|ps)\s*\d+$", re.IGNORECASE)


def _psu_slot(rec: DmiRecord) -> str | None:
    loc = rec.get("Location")
    if loc:
        return loc
    name = rec.get("Name")
    if name and _PSU_SLOT_NAME.match(name):
        return name
    return None


def _memory_slots(recs: list[DmiRecord]) -> list[str | None]:
    locators = [rec.get("Locator") for rec in recs]
    counts = Counter(loc for loc in locators if loc)
    out: list[str | None] = []
    for rec, loc in zip(recs, locators, strict=True):
        bank = rec.get("Bank Locator")
        if loc and counts[loc] > 1 and bank:
            out.append(f"{bank.rstrip('/')}/{loc}")
        else:
            out.append(loc or bank)
    return out


def _unique_slots(slots: list[str | None]) -> list[str | None]:
    """Drop slot names that several records share (they identify nothing)."""
    counts = Counter(s for s in slots if s)
    return [s if s and counts[s] == 1 else None for s in slots]


def pci_slot_names(table: DmiTable) -> dict[str, str]:
    """PCI bus address -> slot or onboard-device name (types 9 and 41)."""
    out: dict[str, str] = {}
    for rec in table.records:
        if rec.type == 9:
            name = rec.get("Designation")
        elif rec.type == 41:
            name = rec.get("Reference Designation")
        else:
            continue
        bus = normalize_bus_address(rec.raw("Bus Address"))
        if name and bus and not bus.startswith("ffff"):
            out.setdefault(bus, name)
    return out


def inventory_from_table(table: DmiTable) -> Inventory:
    """The parts a dmidecode table shows."""
    inv = Inventory(source=SOURCE, complete=table.complete, notes=list(table.notes))
    systems = table.of_type(1)
    if systems:
        inv.system = _system(systems[0])
    boards = [_baseboard(r, i) for i, r in enumerate(table.of_type(2))]
    chassis = [_chassis(r, i) for i, r in enumerate(table.of_type(3))]
    inv.parts.extend(boards)
    inv.parts.extend(chassis)
    bios_recs = [r for r in table.of_type(0) if r.get("Vendor") or r.get("Version")]
    if bios_recs:
        bios = _bios(bios_recs[0])
        if boards:
            link_firmware(boards[0], bios)
        else:
            inv.parts.append(bios)
    cpus = table.of_type(4)
    for i, rec in enumerate(cpus):
        cpu = _cpu(rec, i + 1)
        if cpu:
            inv.parts.append(cpu)
    mems = table.of_type(17)
    for i, (rec, slot) in enumerate(zip(mems, _unique_slots(_memory_slots(mems)), strict=True)):
        mem = _memory(rec, slot, i + 1)
        if mem:
            inv.parts.append(mem)
    psus = table.of_type(39)
    for i, (rec, slot) in enumerate(
        zip(psus, _unique_slots([_psu_slot(r) for r in psus]), strict=True)
    ):
        psu = _psu(rec, slot, i + 1)
        if psu:
            inv.parts.append(psu)
    ipmi = table.of_type(38)
    if ipmi:
        rec = ipmi[0]
        props: list[tuple[str, str]] = []
        _add(props, tx.IPMI_INTERFACE, rec.get("Interface Type"))
        _add(props, tx.IPMI_SPECIFICATION, rec.get("Specification Version"))
        inv.parts.append(
            Component(
                ref="hw:bmc",
                name="baseboard management controller (IPMI)",
                cls="bmc",
                seen_by=[SOURCE],
                properties=props,
            )
        )
    for i, rec in enumerate(table.of_type(43)):
        vendor = rec.get("Vendor ID")
        props = []
        _add(props, tx.TPM_SPECIFICATION, rec.get("Specification Version"))
        _add(props, tx.TPM_VENDOR_ID, vendor)
        tpm = Component(
            ref=part_ref("tpm", None) if i == 0 else part_ref("tpm", None, i + 1),
            name=rec.get("Description") or "TPM",
            cls="tpm",
            manufacturer=_org(vendor),
            seen_by=[SOURCE],
            properties=props,
        )
        fw = rec.get("Firmware Revision")
        if fw:
            link_firmware(
                tpm,
                Component(
                    ref=f"fw:{tpm.ref[3:]}",
                    name="TPM firmware",
                    type="firmware",
                    version=fw,
                    seen_by=[SOURCE],
                ),
            )
        inv.parts.append(tpm)
    if not any((systems, boards, bios_recs, cpus, mems, psus)):
        inv.notes.append("no system, BIOS, processor, memory or power supply record in the input")
    return inv


def collect_dmidecode(path: str | os.PathLike[str]) -> tuple[Inventory, dict[str, str]]:
    """Read a dmidecode text file (``-`` for stdin): its inventory and its PCI slot names."""
    source = display_name(path)
    table = parse_dmidecode(read_bytes(path), source)
    return inventory_from_table(table), pci_slot_names(table)
