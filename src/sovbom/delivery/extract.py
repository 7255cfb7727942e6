"""Reading the parts of an HBOM for a delivery comparison: the server, its hardware parts with
the firmware each runs, and firmware of no known part.

Components are walked with :func:`sovbom.cyclonedx.walk.walk_components`, the walk the
provenance graph uses, so a component without a bom-ref has the same name here and in the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.walk import walk_components
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


def _value(v: Any) -> str | None:
    """A field's value, or None for a placeholder (``Not Specified``, ``0000``...)."""
    if v.__class__ is not str:
        return None
    known = _KNOWN_VALUES.get(v, v)  # names, part numbers, slots repeat from server to server
    if known is not v:
        return known
    out = None if is_placeholder(v) else v.strip()
    if len(_KNOWN_VALUES) < 100_000:
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


def _props(comp: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    props = comp.get("properties")
    if props.__class__ is not list:
        return found
    get = _PROPS.get
    for p in props:
        if p.__class__ is dict:
            key = get(p.get("name"))  # type: ignore[arg-type]
            if key is not None and key not in found:
                value = p.get("value")
                if value.__class__ is str and value.strip():
                    found[key] = value.strip()
    return found


def _manufacturer(comp: Mapping[str, Any]) -> str | None:
    m = comp.get("manufacturer")
    if m.__class__ is dict:
        return _value(m.get("name"))
    return None


def _part(ref: str, comp: Mapping[str, Any], props: Mapping[str, str]) -> Part:
    return Part(
        ref=ref,
        name=str(comp.get("name") or ref),
        cls=props.get("cls"),
        manufacturer=_manufacturer(comp),
        model=props.get("model"),
        part_number=_value(props.get("part_number")),
        serial=_value(props.get("serial")),
        revision=_value(comp.get("version")) or _value(props.get("revision")),
        slot=_value(props.get("slot") or props.get("slot2")),
        bus=_value(props.get("bus")),
    )


def extract(doc: Mapping[str, Any]) -> tuple[Part | None, list[Part], list[Firmware]]:
    """The server, its hardware parts (with their firmware), and firmware of no known part.

    A firmware component belongs to the part named by its ``sovbom:runs-on`` property, else (or
    when that names no part) to the nearest device it is nested in.
    """
    root_ref: str | None = None
    parts: dict[str, Part] = {}
    order: list[str] = []
    firmware: list[tuple[Firmware, str | None, str | None]] = []
    #: ref -> the nearest device at or above it (the owner of firmware nested there)
    owner_of: dict[str, str | None] = {}
    for ref, comp, parent, _, is_root in walk_components(doc):
        if is_root:
            root_ref = ref
        ctype = comp.get("type")
        owner = owner_of.get(parent) if parent is not None else None
        owner_of[ref] = ref if ctype == "device" else owner
        if ctype == "firmware":
            props = _props(comp)
            fw = Firmware(
                ref=ref,
                name=str(comp.get("name") or ref),
                version=_value(comp.get("version")),
                hashes=_hashes(comp),
                software_id=props.get("software_id"),
            )
            firmware.append((fw, props.get("runs_on"), owner))
        elif ctype == "device" and ref not in parts:
            parts[ref] = _part(ref, comp, _props(comp))
            order.append(ref)
    loose: list[Firmware] = []
    for fw, runs_on, nested_in in firmware:
        target = parts.get(runs_on or nested_in or "") or parts.get(nested_in or "")
        if target is None:
            loose.append(fw)
        else:
            target.firmware.append(fw)
    root = parts.get(root_ref) if root_ref else None
    others = [parts[r] for r in order if r != root_ref]
    return root, others, loose


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
