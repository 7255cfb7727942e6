"""Twins: which component already placed is the same as a new one, and merging the two.

Same purl; same serial number (``cdx:device:serialNumber``); for an operating system without purl
the same name and version beneath the same parent; for firmware without purl the same name on the
same part; for a part without serial on one side the same ``sovbom:slot`` under the same parent.
The first occurrence keeps its place and bom-ref; :meth:`Twins.merge` fills in the fields it lacks,
unites list fields and reports a field with two different values as a conflict.
"""

from __future__ import annotations

from typing import Any

from sovbom import taxonomy as tx
from sovbom.placeholders import is_placeholder

_UNION_FIELDS = frozenset({"externalReferences", "properties", "tags", "omniborId", "swhid"})


def _describe(comp: dict[str, Any]) -> str:
    if comp.get("purl"):
        return str(comp["purl"])
    name = f"{comp.get('name')}" + (f"@{comp['version']}" if comp.get("version") else "")
    return f"{comp.get('type', 'component')} {name!r} ({comp.get('bom-ref')})"


def serial_of(comp: dict[str, Any]) -> str | None:
    props = comp.get("properties")
    if not props:
        return None
    for p in props:
        if isinstance(p, dict) and p.get("name") == tx.CDX_SERIAL:
            value = p.get("value")
            if isinstance(value, str) and not is_placeholder(value.strip()):
                return value.strip()
    return None


def slot_of(comp: dict[str, Any]) -> str | None:
    props = comp.get("properties")
    if not props:
        return None
    for p in props:
        if isinstance(p, dict) and p.get("name") == tx.SLOT:
            value = p.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _os_key(comp: dict[str, Any], parent_ref: str) -> tuple[str, str, str]:
    return parent_ref, str(comp.get("name", "")).lower(), str(comp.get("version", ""))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class Twins:
    """Indexes of the components placed so far, by what makes two of them one.

    ``conflicts`` and ``origin`` (bom-ref -> the input it came from) are the composer's own;
    ``input_id`` and ``current`` name the input being added.
    """

    def __init__(self, conflicts: list[str], origin: dict[str, str]) -> None:
        self.conflicts = conflicts
        self.origin = origin
        self.by_purl: dict[str, dict[str, Any]] = {}
        self.by_serial: dict[str, dict[str, Any]] = {}
        self.by_os: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.by_firmware: dict[tuple[str, str], dict[str, Any]] = {}
        self.by_slot: dict[tuple[str, str], dict[str, Any]] = {}
        self.input_of: dict[str, int] = {}
        self.input_id = 0
        self.current = ""

    def index(self, comp: dict[str, Any], parent_ref: str | None) -> None:
        self.input_of[comp["bom-ref"]] = self.input_id
        purl = comp.get("purl")
        if isinstance(purl, str) and purl:
            self.by_purl.setdefault(purl, comp)
            return
        ctype = comp.get("type")
        if ctype == "device":
            serial = serial_of(comp)
            if serial:
                self.by_serial.setdefault(serial, comp)
            slot = slot_of(comp)
            if slot and parent_ref is not None:
                self.by_slot.setdefault((parent_ref, slot), comp)
        elif ctype == "operating-system" and parent_ref is not None:
            self.by_os.setdefault(_os_key(comp, parent_ref), comp)
        elif ctype == "firmware" and parent_ref is not None:
            self.by_firmware.setdefault((parent_ref, str(comp.get("name", ""))), comp)

    def match(self, comp: dict[str, Any], parent_ref: str) -> dict[str, Any] | None:
        """The component already placed that ``comp`` is the same as. By purl, operating system
        or firmware name only across inputs (within one, the producer's entries are kept as
        they are); by serial number also within one input (a serial is one unit)."""
        purl = comp.get("purl")
        if isinstance(purl, str) and purl:
            return self._other_input(self.by_purl.get(purl))
        ctype = comp.get("type")
        if ctype == "device":
            serial = serial_of(comp)
            if serial and serial in self.by_serial:
                return self.by_serial[serial]
            slot = slot_of(comp)
            if slot:
                other = self._other_input(self.by_slot.get((parent_ref, slot)))
                if other is not None:
                    other_serial = serial_of(other)
                    if serial and other_serial and serial != other_serial:
                        self.conflicts.append(
                            f"slot {slot!r} under {parent_ref!r}: serial {other_serial!r} in "
                            f"{self.origin.get(other['bom-ref'])} but {serial!r} in "
                            f"{self.current}; both parts kept"
                        )
                        return None
                    return other
        elif ctype == "operating-system":
            return self._other_input(self.by_os.get(_os_key(comp, parent_ref)))
        elif ctype == "firmware":
            return self._other_input(self.by_firmware.get((parent_ref, str(comp.get("name", "")))))
        return None

    def _other_input(self, comp: dict[str, Any] | None) -> dict[str, Any] | None:
        if comp is None or self.input_of.get(comp["bom-ref"]) == self.input_id:
            return None
        return comp

    def merge(self, dst: dict[str, Any], src: dict[str, Any], source: str) -> None:
        """Fill ``dst`` in from its twin ``src`` (from ``source``), reporting conflicts."""
        first = self.origin.get(dst["bom-ref"], "?")
        what = _describe(dst)
        for key, value in src.items():
            if key in ("bom-ref", "components"):
                continue
            if key not in dst:
                dst[key] = value
                continue
            current = dst[key]
            if current == value:
                continue
            if key == "hashes" and isinstance(current, list) and isinstance(value, list):
                known = {h.get("alg"): h.get("content") for h in current if isinstance(h, dict)}
                for h in value:
                    if not isinstance(h, dict):
                        continue
                    alg, content = h.get("alg"), h.get("content")
                    if alg not in known:
                        current.append(h)
                        known[alg] = content
                    elif str(known[alg]).lower() != str(content).lower():
                        self.conflicts.append(
                            f"{what}: hash {alg} differs: {known[alg]} in {first} vs {content} in "
                            f"{source}; kept the first"
                        )
            elif key == "properties" and isinstance(current, list) and isinstance(value, list):
                # a part runs on one thing: the first input's sovbom:runs-on stays
                has_runs_on = any(
                    isinstance(p, dict) and p.get("name") == tx.RUNS_ON for p in current
                )
                current.extend(
                    v
                    for v in value
                    if v not in current
                    and not (has_runs_on and isinstance(v, dict) and v.get("name") == tx.RUNS_ON)
                )
            elif key in _UNION_FIELDS and isinstance(current, list) and isinstance(value, list):
                current.extend(v for v in value if v not in current)
            else:
                self.conflicts.append(
                    f"{what}: field {key!r} differs: {_short(current)} in {first} vs "
                    f"{_short(value)} in {source}; kept the first"
                )
