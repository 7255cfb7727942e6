"""Merge the inventories of several sources into one server tree (an observed HBOM).

Rules (documented for users in the README, "collect hardware"):

* The server is the root. Its fields come from the first source that names them (sources are
  taken in the order given: redfish, dmidecode, nvidia-smi, lshw by the command line).
* Parts of *different* sources are the same physical part when they have the same class and
  - the same serial number, or
  - the same slot or PCI bus address, with part numbers and serial numbers that do not
    contradict each other (equal, or missing on one side), or
  - both are the only part of a single-instance class (baseboard, chassis, BMC, TPM) without a
    slot, and their serials do not contradict.
  Parts of the *same* source are never merged with each other.
* Firmware is matched by its bom-ref (``fw:bios``) or by name under the same part.
* A merged part keeps the first value of each field and lists every source that saw it
  (``seen_by``); conflicting serials, part numbers or versions, and manufacturers or suppliers
  that are different companies (:func:`sovbom.companies.same_company`: ``Supermicro`` and
  ``Super Micro Computer, Inc.`` are one), are reported in the notes.
* A serial number that two parts report (Dell prints the service tag as system and chassis
  serial) stays on the first part; the other keeps it as ``sovbom:serial:shared``.
* bom-refs are made unique and deterministic; firmware records the part it runs on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sovbom import taxonomy as tx
from sovbom.collect.interface import Inventory
from sovbom.companies import same_company
from sovbom.hbom import RUNS_ON
from sovbom.model import Component

if TYPE_CHECKING:
    from sovbom.collect.suppliers import SupplierRegistry

SINGLETON_CLASSES = frozenset({"baseboard", "chassis", "bmc", "tpm"})
#: Property for a serial that another part of the tree already carries.
SHARED_SERIAL = tx.SERIAL_SHARED
SERVER_REF = "hw:server"

_SLUG_BAD = re.compile(r"[^A-Za-z0-9._:@+-]+")
_BDF = re.compile(
    r"^(?:pci@)?(?:(?P<dom>[0-9A-Fa-f]{1,8}):)?(?P<bus>[0-9A-Fa-f]{1,2}):(?P<dev>[0-9A-Fa-f]{1,2})"
    r"\.(?P<fn>[0-7])$"
)
_CLASS_ORDER = {c: i for i, c in enumerate(tx.HARDWARE_CLASSES)}


def slug(text: str) -> str:
    """A bom-ref fragment: whitespace and odd characters to ``_``, no leading/trailing ``_``."""
    return _SLUG_BAD.sub("_", " ".join(text.split())).strip("_") or "x"


def part_ref(cls: str, key: str | None, fallback: str | int | None = None) -> str:
    """``hw:<class>:<slug of key>`` (``hw:memory:DIMM_A1``); ``hw:<class>`` without key."""
    if key:
        return f"hw:{cls}:{slug(key)}"
    if fallback is not None:
        return f"hw:{cls}:{slug(str(fallback))}"
    return f"hw:{cls}"


def normalize_bus_address(value: str | None) -> str | None:
    """``pci@0000:03:00.0`` / ``00000000:19:00.0`` / ``3b:00.0`` -> ``0000:3b:00.0``."""
    if not value:
        return None
    m = _BDF.match(value.strip())
    if not m:
        return None
    dom = int(m.group("dom") or "0", 16)
    return f"{dom:04x}:{int(m.group('bus'), 16):02x}:{int(m.group('dev'), 16):02x}.{m.group('fn')}"


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()).casefold() if text else None


@dataclass(slots=True)
class MergeResult:
    root: Component
    complete: bool
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


_Key = tuple[str, str | None, str, str]


def _keys(c: Component) -> list[_Key]:
    """The index keys a part can be matched by (a superset: :meth:`_Merger._matches` decides)."""
    if c.type == "firmware":
        return [(c.type, None, "ref", c.ref)]
    keys: list[_Key] = []
    if c.serial:
        keys.append((c.type, c.cls, "serial", _norm(c.serial) or ""))
    if c.bus_address:
        keys.append((c.type, c.cls, "bus", c.bus_address))
    if c.slot:
        keys.append((c.type, c.cls, "slot", _norm(c.slot) or ""))
    if c.cls in SINGLETON_CLASSES and not c.slot and not c.bus_address:
        keys.append((c.type, c.cls, "single", ""))
    return keys


class _Merger:
    """Builds the server tree. Parts are indexed by serial, bus address, slot and (for firmware)
    bom-ref, so matching a part costs the few candidates sharing a key, not the whole tree."""

    def __init__(self, companies: SupplierRegistry | None = None) -> None:
        self.root = Component(ref=SERVER_REF, name="server", type="device", cls="server")
        self.companies = companies
        self.notes: list[str] = []
        #: id(component) -> its parent, for every component below the root
        self.parent: dict[int, Component] = {}
        self.index: dict[_Key, list[Component]] = {}
        self.indexed: dict[int, set[_Key]] = {}

    # -- matching ---------------------------------------------------------------------------

    def _index(self, comp: Component) -> None:
        """(Re-)index ``comp``: its keys only grow (a merge fills fields that were empty)."""
        done = self.indexed.setdefault(id(comp), set())
        for key in _keys(comp):
            if key not in done:
                done.add(key)
                self.index.setdefault(key, []).append(comp)

    def _walk_position(self, comp: Component) -> list[int]:
        """Where ``comp`` is in a depth-first walk of the tree: child positions from the root."""
        path: list[int] = []
        while comp is not self.root:
            parent = self.parent[id(comp)]
            path.append(next(i for i, c in enumerate(parent.children) if c is comp))
            comp = parent
        path.reverse()
        return path

    def _first_in_walk(self, found: list[Component]) -> Component | None:
        if len(found) <= 1:
            return found[0] if found else None
        return min(found, key=self._walk_position)

    @staticmethod
    def _contradict(a: str | None, b: str | None) -> bool:
        return bool(a and b and _norm(a) != _norm(b))

    def _matches(self, existing: Component, new: Component, source: str) -> bool:
        # Parts seen by the same source are different parts (labels: seen_by, else the source).
        labels = set(new.seen_by) or {source}
        if labels & set(existing.seen_by) or existing.type != new.type:
            return False
        if new.type == "firmware":
            return existing.ref == new.ref
        if existing.cls != new.cls:
            return False
        if existing.serial and new.serial and _norm(existing.serial) == _norm(new.serial):
            return True
        if self._contradict(existing.serial, new.serial) or self._contradict(
            existing.part_number, new.part_number
        ):
            return False
        if existing.bus_address and new.bus_address:
            return existing.bus_address == new.bus_address
        if existing.slot and new.slot and _norm(existing.slot) == _norm(new.slot):
            return True
        return (
            new.cls in SINGLETON_CLASSES
            and not existing.slot
            and not new.slot
            and not existing.bus_address
            and not new.bus_address
        )

    def _find(self, new: Component, source: str) -> Component | None:
        """The first part of the tree (in a depth-first walk) that ``new`` matches."""
        candidates: dict[int, Component] = {}
        for key in _keys(new):
            for c in self.index.get(key, ()):
                candidates.setdefault(id(c), c)
        found = [c for c in candidates.values() if self._matches(c, new, source)]
        return self._first_in_walk(found)

    def _attach(self, comp: Component, parent: Component) -> None:
        parent.children.append(comp)
        self.parent[id(comp)] = parent
        self._index(comp)

    # -- merging ----------------------------------------------------------------------------

    def _fill(self, target: Component, new: Component, source: str) -> None:
        for name in (
            "version",
            "description",
            "group",
            "manufacturer",
            "supplier",
            "origin_country",
            "part_number",
            "serial",
            "sku",
            "slot",
            "bus_address",
            "production_date",
            "purl",
            "cpe",
        ):
            mine = getattr(target, name)
            theirs = getattr(new, name)
            if theirs is None:
                continue
            if mine is None:
                setattr(target, name, theirs)
            elif name in ("serial", "part_number", "version") and _norm(str(mine)) != _norm(
                str(theirs)
            ):
                self._conflict(target, name, str(mine), str(theirs), new, source, "differs from")
            elif name in ("manufacturer", "supplier") and not same_company(
                mine.name, theirs.name, self.companies
            ):
                self._conflict(target, name, mine.name, theirs.name, new, source,
                               "is another company than")  # fmt: skip
        if target.name in ("", "server") and new.name:
            target.name = new.name
        for s in new.seen_by:
            if s not in target.seen_by:
                target.seen_by.append(s)
        for p in new.properties:
            if p not in target.properties and p[0] != RUNS_ON:
                target.properties.append(p)
        for k, v in new.hashes.items():
            target.hashes.setdefault(k, v)

    def _conflict(
        self, target: Component, name: str, mine: str, theirs: str, new: Component, source: str,
        how: str,
    ) -> None:  # fmt: skip
        self.notes.append(
            f"{target.ref}: {name.replace('_', ' ')} {mine!r} ({', '.join(target.seen_by)})"
            f" {how} {theirs!r} ({', '.join(new.seen_by) or source}); kept the first"
        )

    def add(self, new: Component, parent: Component, source: str) -> None:
        """Add ``new`` (and its children) from ``source`` under ``parent`` or into its match."""
        if new.type == "firmware":
            # firmware already under the same part first, then anywhere in the tree
            match = next(
                (
                    c
                    for c in parent.children
                    if c.type == "firmware" and self._matches(c, new, source)
                ),
                None,
            )
            if match is None:
                match = self._find(new, source)
            if match is None:
                match = next(
                    (
                        c
                        for c in parent.children
                        if c.type == "firmware"
                        and not (set(new.seen_by) or {source}) & set(c.seen_by)
                        and _norm(c.name) == _norm(new.name)
                    ),
                    None,
                )
        else:
            match = self._find(new, source)
        if match is None:
            children = new.children
            new.children = []
            new.properties = [p for p in new.properties if p[0] != RUNS_ON]
            self._attach(new, parent)
            for child in children:
                self.add(child, new, source)
            return
        self._fill(match, new, source)
        self._index(match)
        for child in new.children:
            self.add(child, match, source)

    def add_system(self, system: Component, source: str) -> None:
        root = self.root
        if not root.seen_by:
            root.name = system.name or root.name
        self._fill(root, system, source)
        for child in system.children:
            self.add(child, root, source)


_DIGITS = re.compile(r"(\d+)")


def _number_key(digits: str) -> tuple[int, str]:
    """Order a run of decimal digits by its value without ``int()`` (which refuses more than
    4,300 digits): fewer significant digits first, then the digits themselves."""
    if not digits.isascii():  # other scripts' decimal digits ("٣"): their ASCII values
        digits = "".join(str(unicodedata.decimal(ch)) for ch in digits)
    significant = digits.lstrip("0")
    return len(significant), significant


def _sort_key(c: Component) -> tuple[int, int, list[object]]:
    """Natural order: ``DIMM 2`` before ``DIMM 10``. ``re.split`` with a group alternates text
    (even positions) and digit runs (odd positions), so equal positions compare equal types."""
    kind = 1 if c.type == "firmware" else 0
    order = _CLASS_ORDER.get(c.cls or "other", len(_CLASS_ORDER))
    key = " ".join((c.slot or c.bus_address or c.ref).split())
    natural: list[object] = [
        _number_key(t) if i % 2 else t.casefold() for i, t in enumerate(_DIGITS.split(key))
    ]
    return kind, order, natural


def _finish(root: Component, notes: list[str]) -> None:
    """Sort, make refs unique, move shared serials aside, link firmware to its part."""
    stack = [root]
    while stack:
        comp = stack.pop()
        comp.children.sort(key=_sort_key)
        stack.extend(comp.children)
    seen_refs: set[str] = set()
    serials: dict[str, Component] = {}
    for comp in root.walk():
        base = comp.ref
        n = 2
        while comp.ref in seen_refs:
            comp.ref = f"{base}~{n}"
            n += 1
        seen_refs.add(comp.ref)
        if comp.type == "device" and comp.serial:
            key = _norm(comp.serial) or ""
            first = serials.get(key)
            if first is None:
                serials[key] = comp
            else:
                comp.properties.append((SHARED_SERIAL, comp.serial))
                if not (first is root and comp.cls == "chassis"):
                    # (a chassis carrying the system's serial, the service tag, is normal)
                    notes.append(
                        f"{comp.ref}: serial number {comp.serial!r} is also reported for"
                        f" {first.ref}; kept on {first.ref} only"
                    )
                comp.serial = None
    for comp in root.walk():
        comp.properties = [p for p in comp.properties if p[0] != RUNS_ON]
    for comp in root.walk():
        for child in comp.children:
            if child.type == "firmware":
                child.properties.append((RUNS_ON, comp.ref))


def merge_inventories(
    inventories: Sequence[Inventory],
    *,
    slot_names: Mapping[str, str] | None = None,
    companies: SupplierRegistry | None = None,
) -> MergeResult:
    """One server tree from several inventories (see the module docstring for the rules).

    ``slot_names`` maps PCI bus addresses to slot names (from dmidecode types 9 and 41); parts
    with a bus address and no slot get that name. ``companies``: the supplier registry telling
    which manufacturer names are one company (the default one when None).
    """
    m = _Merger(companies)
    complete = True
    sources: list[str] = []
    for inv in inventories:
        sources.append(inv.source)
        complete = complete and inv.complete
        m.notes.extend(f"{inv.source}: {n}" for n in inv.notes)
        if inv.system is not None:
            m.add_system(inv.system, inv.source)
        for part in inv.parts:
            m.add(part, m.root, inv.source)
    root = m.root
    if not root.seen_by:
        root.name = "unidentified server"
        m.notes.append("no source identified the server itself (manufacturer, model, serial)")
    if slot_names:
        for comp in root.walk():
            if comp.bus_address and not comp.slot:
                name = slot_names.get(comp.bus_address)
                if name is None:
                    name = slot_names.get(comp.bus_address[:-1] + "0")
                if name:
                    comp.slot = name
    _finish(root, m.notes)
    return MergeResult(root=root, complete=complete, notes=m.notes, sources=sources)
