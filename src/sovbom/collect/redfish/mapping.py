"""What a Redfish record says about its part: class, slot, firmware, and which records are one part.

Pure functions over :class:`~sovbom.collect.redfish.walk.Record`; :mod:`.build` turns their
answers into components.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from sovbom.collect.redfish.base import Resource, links, pcie_device_of, text
from sovbom.collect.redfish.walk import Record
from sovbom.placeholders import clean

_KIND_CLASS = {
    "memory": "memory",
    "drive": "storage",
    "storage-controller": "storage-controller",
    "nic": "nic",
    "graphics": "gpu",
    "psu": "psu",
    "trusted": "tpm",
    "trusted-module": "tpm",
    "bmc": "bmc",
    "chassis": "chassis",
}
#: When parts are merged, the kind earlier in this list names the class and gives its fields first.
_KIND_PRIORITY = (
    "processor",
    "graphics",
    "nic",
    "storage-controller",
    "drive",
    "psu",
    "memory",
    "trusted",
    "trusted-module",
    "bmc",
    "chassis",
    "pcie",
    "assembly",
)
_NIC_WORDS = re.compile(
    r"(\bnic\b|ndc\b|ethernet|network|connectx|infiniband|flexfabric|\blom\b)", re.I
)
#: ``25GbE``, ``10G``: a speed; starts only where a run of digits starts (linear time)
_SPEED = re.compile(r"(?<!\d)\d+gb?e?\b", re.I)
_PORT = re.compile(r"port", re.I)


def speed_then_port(text: str) -> bool:
    """A speed followed by ``port`` on the same line (``Broadcom 25Gb 2-port``).

    What a search for ``\\d+gb?e?\\b.*port`` (ignoring case) found, in linear time: the
    pattern is quadratic on a long run of digits, and on many speeds without a ``port``.
    """
    pos = 0
    while (speed := _SPEED.search(text, pos)) is not None:
        line_end = text.find("\n", speed.end())
        line_end = len(text) if line_end < 0 else line_end
        if _PORT.search(text, speed.end(), line_end):
            return True
        pos = line_end + 1  # the first speed of a line leaves the most room for a "port"
    return False


_TEXT_CLASSES: tuple[tuple[Callable[[str], object], str], ...] = (
    (
        re.compile(r"\b(gpu|graphics|tesla|nvidia|radeon|instinct|geforce|quadro)\b", re.I).search,
        "gpu",
    ),
    (lambda text: _NIC_WORDS.search(text) or speed_then_port(text), "nic"),
    (
        re.compile(
            r"(raid|\bhba\b|\bsas\b|storage c(ontro|ntl)r|perc|smart array|fibre|\bfc\b)", re.I
        ).search,
        "storage-controller",
    ),
    (
        re.compile(r"(planar|motherboard|mainboard|baseboard|system board)", re.I).search,
        "baseboard",
    ),
    (re.compile(r"(power supply|\bpsu\b)", re.I).search, "psu"),
    (re.compile(r"\b(tpm|trusted platform)\b", re.I).search, "tpm"),
)
#: Kinds whose records may describe the same physical part as a record of another kind.
_DEDUP_KINDS = frozenset({"pcie", "nic", "graphics", "processor", "storage-controller", "drive"})


# --------------------------------------------------------------------------------------------
# Class, slot, firmware
# --------------------------------------------------------------------------------------------


def _text_class(*texts: str | None) -> str:
    joined = " ".join(t for t in texts if t)
    for found, cls in _TEXT_CLASSES:
        if found(joined):
            return cls
    return "other"


def part_class(members: list[Record]) -> str:
    """The component class of a part seen as these records (the head first)."""
    for rec in members:
        if rec.kind == "processor":
            ptype = str(rec.doc.get("ProcessorType") or "CPU")
            if ptype == "GPU":
                return "gpu"
            return "cpu" if ptype == "CPU" else "accelerator"
    for rec in members:
        if rec.kind in _KIND_CLASS:
            return _KIND_CLASS[rec.kind]
    texts = [text(r.doc, k) for r in members for k in ("Name", "Model", "Description")]
    if members[0].kind == "pcie":
        cls = _text_class(*texts)
        return cls if cls in ("gpu", "nic", "storage-controller") else "other"
    return _text_class(*texts)


def _service_label(location: object) -> str | None:
    if isinstance(location, Mapping):
        part = location.get("PartLocation")
        if isinstance(part, Mapping):
            label = part.get("ServiceLabel")
            if isinstance(label, str):
                return clean(label)
    return None


def _memory_location(doc: Resource) -> str | None:
    memory = doc.get("MemoryLocation")
    if not isinstance(memory, Mapping):
        return None
    bits = [
        f"{name} {memory[key]}"
        for key, name in (
            ("Socket", "socket"),
            ("MemoryController", "controller"),
            ("Channel", "channel"),
            ("Slot", "slot"),
        )
        if isinstance(memory.get(key), int)
    ]
    return ", ".join(bits) if bits else None


def slot(doc: Resource) -> str | None:
    """Where the part sits, as the BMC names it."""
    label = _service_label(doc.get("Location"))
    if label:
        return label.strip()
    for key in ("DeviceLocator", "Socket"):
        value = text(doc, key)
        if value:
            return value
    return _memory_location(doc) or _service_label(doc.get("PhysicalLocation"))


def firmware_version(kind: str, doc: Resource) -> str | None:
    """The firmware version a part states itself (not from the firmware inventory)."""
    if kind == "drive":
        return text(doc, "Revision") or text(doc, "FirmwareVersion")
    if kind == "graphics":
        return text(doc, "BiosVersion")
    if kind == "nic":
        for ctrl in doc.get("Controllers") or ():
            if isinstance(ctrl, Mapping):
                version = text(ctrl, "FirmwarePackageVersion")
                if version:
                    return version
        return None
    if kind in ("chassis", "assembly", "processor"):
        return None
    return text(doc, "FirmwareVersion")


# --------------------------------------------------------------------------------------------
# Which records are one physical part
# --------------------------------------------------------------------------------------------


def _explicit_aliases(rec: Record) -> list[str]:
    """Other URIs that the resource itself says are the same physical part."""
    out: list[str] = []
    doc_links = rec.doc.get("Links")
    if isinstance(doc_links, Mapping):
        for key in ("PCIeDevice", "PCIeDevices", "PCIeFunctions", "PCIeFunction"):
            out.extend(pcie_device_of(u) for u in links(doc_links.get(key)))
        if rec.kind == "graphics":
            out.extend(links(doc_links.get("Processors")))
    if rec.kind == "nic":
        for ctrl in rec.doc.get("Controllers") or ():
            if isinstance(ctrl, Mapping) and isinstance(ctrl.get("Links"), Mapping):
                out.extend(pcie_device_of(u) for u in links(ctrl["Links"].get("PCIeDevices")))
    return out


def _identity(rec: Record) -> tuple[str, str, str, str] | None:
    serial = text(rec.doc, "SerialNumber")
    if not serial:
        return None
    return (
        (text(rec.doc, "Manufacturer") or "").lower(),
        serial.lower(),
        (text(rec.doc, "Model") or "").lower(),
        (text(rec.doc, "PartNumber") or "").lower(),
    )


def _same_part(a: Record, b: Record) -> bool:
    """Two resources of different kinds with the same serial, no conflicting manufacturer, model
    or part number, and at least one of model / part number equal."""
    ia, ib = _identity(a), _identity(b)
    if ia is None or ib is None or a.kind == b.kind or ia[1] != ib[1]:
        return False
    for x, y in ((ia[0], ib[0]), (ia[2], ib[2]), (ia[3], ib[3])):
        if x and y and x != y:
            return False
    return bool((ia[2] and ia[2] == ib[2]) or (ia[3] and ia[3] == ib[3]))


class _Parts:
    """Records merged into parts; two parts merge only when they hold no record of one kind."""

    def __init__(self, records: Mapping[str, Record]) -> None:
        from networkx.utils import UnionFind  # networkx is heavy; only a live walk needs it

        self.records = records
        self._sets = UnionFind(sorted(records))
        self._kinds: dict[str, frozenset[str]] = {
            u: frozenset({r.kind}) for u, r in records.items()
        }

    def join(self, a: str, b: str) -> None:
        ra, rb = self._sets[a], self._sets[b]
        if ra == rb or self._kinds[ra] & self._kinds[rb]:
            return
        self._sets.union(ra, rb)
        self._kinds[self._sets[ra]] = self._kinds[ra] | self._kinds[rb]

    def groups(self) -> list[list[Record]]:
        out = [
            sorted(
                (self.records[u] for u in uris), key=lambda r: (_KIND_PRIORITY.index(r.kind), r.uri)
            )
            for uris in self._sets.to_sets()
        ]
        out.sort(key=lambda g: g[0].uri)
        return out


def group_parts(records: Mapping[str, Record]) -> list[list[Record]]:
    """Records grouped by physical part (the head of each group first), groups by head URI.

    Explicit links first, then serial numbers. Two groups are merged only when they hold no
    record of the same kind: two members of one collection are two parts, whatever their serial
    numbers say (mockups reuse serials).
    """
    parts = _Parts(records)
    for uri in sorted(records):
        for alias in _explicit_aliases(records[uri]):
            if alias in records and records[alias].kind in _DEDUP_KINDS:
                parts.join(uri, alias)
    # The TPM of ComputerSystem.TrustedModules is the TPM among the TrustedComponents.
    tpms = sorted(u for u, r in records.items() if r.kind == "trusted" and "TPM" in r.doc)
    modules = sorted(u for u, r in records.items() if r.kind == "trusted-module")
    if len(tpms) == 1 and len(modules) == 1:
        parts.join(tpms[0], modules[0])
    by_serial: dict[str, list[Record]] = {}
    for uri in sorted(records):
        rec = records[uri]
        ident = _identity(rec) if rec.kind in _DEDUP_KINDS else None
        if ident:
            by_serial.setdefault(ident[1], []).append(rec)
    for same in by_serial.values():
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if _same_part(a, b):
                    parts.join(a.uri, b.uri)
    return parts.groups()
