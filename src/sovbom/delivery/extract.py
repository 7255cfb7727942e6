"""Reading the parts of an HBOM for a delivery comparison: the server, its hardware parts with
the firmware each runs, and firmware of no known part.

Components are walked with :func:`sovbom.cyclonedx.walk.walk_components`, the walk the
provenance graph uses, so a component without a bom-ref has the same name here and in the graph.

A shipment's servers are built from a few templates: what was read from a component is kept under
its bom-ref, and a component equal to the last one read there (a device: but for its serial's
value) is not read again. The result is the one reading it on its own gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.walk import anonymous_ref
from sovbom.placeholders import is_placeholder


@dataclass(slots=True)
class Firmware:
    ref: str
    name: str
    version: str | None
    hashes: dict[str, str]
    software_id: str | None


@dataclass(slots=True)
class Part:
    ref: str
    name: str
    cls: str | None
    manufacturer: str | None
    model: str | None
    part_number: str | None
    serial: str | None
    revision: str | None
    slot: str | None
    bus: str | None
    firmware: list[Firmware] = field(default_factory=list)


_KNOWN_VALUES: dict[str, str | None] = {}
#: Values cached at most (names, part numbers, slots repeat from server to server; serials,
#: which do not, are never cached).
_CACHED = 20_000
_UNKNOWN = "\0unknown"


def _value(v: Any) -> str | None:
    """A field's value, or None for a placeholder (``Not Specified``, ``0000``...)."""
    if v.__class__ is not str:
        return None
    known = _KNOWN_VALUES.get(v, _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    out = None if is_placeholder(v) else v.strip()
    if len(_KNOWN_VALUES) < _CACHED:
        _KNOWN_VALUES[v] = out
    return out


def _hashes(comp: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in comp.get("hashes") or ():
        if h.__class__ is dict and isinstance(h.get("alg"), str):
            content = h.get("content")
            if isinstance(content, str) and content.strip():
                out[h["alg"].upper()] = content.strip().lower()
    return out


_PROPS = {
    tx.CLASS: "cls",
    tx.PART_NUMBER: "part_number",
    tx.CDX_SERIAL: "serial",
    tx.SLOT: "slot",
    tx.CDX_LOCATION: "slot2",
    tx.BUS_ADDRESS: "bus",
    tx.MODEL: "model",
    tx.RUNS_ON: "runs_on",
    tx.REDFISH_SOFTWARE_ID: "software_id",
    tx.REVISION: "revision",
}
_NO_PROPS: dict[str, str] = {}


def _props(comp: Mapping[str, Any]) -> dict[str, str]:
    """The properties extract reads (the first non-blank value of each, stripped)."""
    props = comp.get("properties")
    if props.__class__ is not list or not props:
        return _NO_PROPS
    found: dict[str, str] = {}
    get = _PROPS.get
    for p in props:
        if p.__class__ is not dict:
            continue
        name = p.get("name")
        key = get(name) if name.__class__ is str else None
        if key is not None and key not in found:
            value = p.get("value")
            if value.__class__ is str:
                value = value.strip()
                if value:
                    found[key] = value
    return found


def _part(ref: str, comp: Mapping[str, Any]) -> Part:
    """A device: :func:`_props` and :func:`_value` inlined (a shipment reads millions)."""
    found: dict[str, str] = {}
    props = comp.get("properties")
    if props.__class__ is list:
        get = _PROPS.get
        for p in props:
            if p.__class__ is not dict:
                continue
            name = p.get("name")
            key = get(name) if name.__class__ is str else None
            if key is not None and key not in found:
                value = p.get("value")
                if value.__class__ is str:
                    value = value.strip()
                    if value:
                        found[key] = value
    known = _KNOWN_VALUES.get
    fget = found.get
    m = comp.get("manufacturer")
    maker = m.get("name") if m.__class__ is dict else None
    if maker is not None:
        maker = known(maker, _UNKNOWN) if maker.__class__ is str else None
        if maker is _UNKNOWN:
            maker = _value(m.get("name"))  # type: ignore[union-attr]
    revision = comp.get("version")
    if revision is not None:
        revision = _value(revision)
    if not revision:
        revision = _value(fget("revision"))
    serial = fget("serial")
    return Part(
        ref,
        str(comp.get("name") or ref),
        fget("cls"),
        maker,
        fget("model"),
        _value(fget("part_number")),
        None if serial is None or is_placeholder(serial) else serial,
        revision,
        _value(fget("slot") or fget("slot2")),
        _value(fget("bus")),
    )


def _firmware(ref: str, comp: Mapping[str, Any]) -> tuple[Firmware, str | None]:
    """A firmware component, and the part its ``sovbom:runs-on`` names."""
    props = _props(comp)
    fw = Firmware(
        ref,
        str(comp.get("name") or ref),
        _value(comp.get("version")),
        _hashes(comp) if comp.get("hashes") else {},
        props.get("software_id"),
    )
    return fw, props.get("runs_on")


#: The last device read under each bom-ref: its name, version, manufacturer and properties
#: (a copy of the list), where its serial property is, and what was read from it but the serial.
#: The servers of a shipment are built from a few templates: a device equal to the last one under
#: its bom-ref but for its serial's value is read by comparing the two (compiled code, no hashing
#: of its strings) and reusing what was read. Bounded by :data:`TEMPLATES`.
_DEVICE_TEMPLATES: dict[str, tuple[Any, ...]] = {}
#: The last firmware read under each bom-ref: its name, version, hashes, properties; and what was
#: read from it (the :class:`Firmware`, shared: nothing changes it once read, and its runs-on).
_FIRMWARE_TEMPLATES: dict[str, tuple[Any, ...]] = {}
#: bom-refs remembered at most (each kind).
TEMPLATES = 20_000
_SERIAL = tx.CDX_SERIAL


def _device(ref: str, comp: Mapping[str, Any]) -> Part:
    """:func:`_part`, or the last device read under ``ref`` when only its serial differs."""
    name = comp.get("name")
    version = comp.get("version")
    maker = comp.get("manufacturer")
    props = comp.get("properties")
    t = _DEVICE_TEMPLATES.get(ref)
    if t is not None and name == t[0] and version == t[1] and maker == t[2]:
        same, k = t[3], t[4]
        if props.__class__ is list and len(props) == len(same):
            entry = props[k]
            if entry.__class__ is dict and entry.get("name") == _SERIAL:
                same[k] = entry  # the template's own list: the serial entry is not compared
                if props == same:
                    pname, cls, maker_, model, pn, revision, slot, bus = t[5]
                    serial = _serial(entry.get("value"))
                    return Part(ref, pname, cls, maker_, model, pn, serial, revision, slot, bus)
    part = _part(ref, comp)
    if (
        name.__class__ is str
        and props.__class__ is list
        and (ref in _DEVICE_TEMPLATES or len(_DEVICE_TEMPLATES) < TEMPLATES)
    ):
        k = _serial_at(props)
        if k is not None:
            _DEVICE_TEMPLATES[ref] = (
                name, version, maker, list(props), k,
                (part.name, part.cls, part.manufacturer, part.model, part.part_number,
                 part.revision, part.slot, part.bus),
            )  # fmt: skip
    return part


def _serial_at(props: list[Any]) -> int | None:
    """Where the only serial property of a list of properties is (None: none, or several)."""
    at = None
    for i, p in enumerate(props):
        if p.__class__ is dict and p.get("name") == _SERIAL:
            if at is not None:
                return None
            at = i
    return at


def _serial(v: Any) -> str | None:
    """A serial property's value as :func:`_part` reads it (the only one of its part)."""
    if v.__class__ is not str:
        return None
    v = v.strip()
    return None if not v or is_placeholder(v) else v


def _read_firmware(ref: str, comp: Mapping[str, Any]) -> tuple[Firmware, str | None]:
    """:func:`_firmware`, or the last firmware read under ``ref`` when equal to it."""
    name = comp.get("name")
    version = comp.get("version")
    hashes = comp.get("hashes")
    props = comp.get("properties")
    t = _FIRMWARE_TEMPLATES.get(ref)
    if t is not None and name == t[0] and version == t[1] and hashes == t[2] and props == t[3]:
        shared: tuple[Firmware, str | None] = t[4]
        return shared
    read = _firmware(ref, comp)
    if name.__class__ is str and (
        ref in _FIRMWARE_TEMPLATES or len(_FIRMWARE_TEMPLATES) < TEMPLATES
    ):
        _FIRMWARE_TEMPLATES[ref] = (name, version, hashes, props, read)
    return read


def extract(doc: Mapping[str, Any]) -> tuple[Part | None, list[Part], list[Firmware]]:
    """The server, its hardware parts (with their firmware), and firmware of no known part.

    A firmware component belongs to the part named by its ``sovbom:runs-on`` property, else (or
    when that names no part) to the nearest device it is nested in. One pass over the
    components, in the order (and with the names of components without a bom-ref) of
    :func:`~sovbom.cyclonedx.walk.walk_components`; parts and firmware are placed once all are
    read.
    """
    stack: list[tuple[Any, str | None]] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.extend(zip(reversed(top), repeat(None)))  # noqa: B905 - repeat() is endless
    metadata = doc.get("metadata")
    root: Any = metadata.get("component") if isinstance(metadata, Mapping) else None
    if isinstance(root, dict):
        stack.append((root, None))
    root_ref: str | None = None
    parts: dict[str, Part] = {}
    firmware: list[tuple[Firmware, str | None, str | None]] = []
    #: ref -> the nearest device at or above it (the owner of firmware nested there)
    owner_of: dict[str, str | None] = {}
    anonymous = 0
    pop, extend = stack.pop, stack.extend
    while stack:
        comp, parent = pop()
        if not isinstance(comp, dict):
            continue
        ref = comp.get("bom-ref")
        if not isinstance(ref, str) or not ref:
            anonymous += 1
            ref = anonymous_ref(anonymous, comp)
        children = comp.get("components")
        if children and isinstance(children, list):
            extend(zip(reversed(children), repeat(ref)))  # noqa: B905
        if parent is None and comp is root:
            root_ref = ref
        ctype = comp.get("type")
        if ctype == "device":
            owner_of[ref] = ref
            if ref not in parts:
                parts[ref] = _device(ref, comp)
            continue
        owner = owner_of.get(parent) if parent is not None else None
        owner_of[ref] = owner
        if ctype == "firmware":
            firmware.append((*_read_firmware(ref, comp), owner))
    loose: list[Firmware] = []
    for fw, runs_on, nested_in in firmware:
        target = parts.get(runs_on or nested_in or "") or parts.get(nested_in or "")
        if target is None:
            loose.append(fw)
        else:
            target.firmware.append(fw)
    part = parts.get(root_ref) if root_ref else None
    return part, [p for r, p in parts.items() if r != root_ref], loose


def observed_complete(doc: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Whether an observed HBOM says its collection was complete, and its collection notes."""
    metadata = doc.get("metadata")
    props = metadata.get("properties") if isinstance(metadata, Mapping) else None
    complete, notes = True, []
    for p in props or ():
        if not isinstance(p, Mapping):
            continue
        if p.get("name") == tx.INCOMPLETE and p.get("value") == "true":
            complete = False
        elif p.get("name") == tx.COLLECTION_NOTE and isinstance(p.get("value"), str):
            notes.append(p["value"])
    return complete, notes


__all__ = ["Firmware", "Part", "extract", "observed_complete"]
