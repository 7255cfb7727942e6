"""Delivery verification: the server on the dock against the manufacturer's signed HBOM.

:func:`compare` matches the hardware parts of an *expected* HBOM (the factory's, signed) with
those of an *observed* one (collected at delivery) and gives, per part, one of

* ``matched``: the same unit, every compared field equal (or tolerated);
* ``missing``: declared, not found;
* ``unexpected``: found, not declared (classes in ``ignore_unexpected_classes`` are not reported);
* ``substituted``: the same place (slot, bus address, or the only part of its class) holds another
  unit: its serial, part number, manufacturer or model differs;
* ``drifted``: the same unit, but its revision or a firmware version or hash differs;

with, for each part, expected and found values field by field (manufacturer, model, part number,
serial, revision, firmware version, firmware hash). A field the observed inventory does not give
(Redfish gives no firmware hash) is ``not-observed``: never a mismatch, never verified.

Matching, in this order (each part is matched once):

1. by serial number (placeholders such as ``Not Specified`` are no serial);
2. by class and slot, or class and PCI bus address;
3. by class for the only remaining part of a single-instance class (chassis, baseboard, BMC, TPM,
   GPU baseboard) on both sides;
4. by class and part number, for parts that declare no serial.

Firmware is matched under the matched part: by name, then by the Redfish ``SoftwareId``, then as
the only firmware of the part on both sides.

The server itself (``metadata.component``) is compared separately, as the *server identity*: its
serial must be observed and equal.

Tolerances come from the policy's ``delivery`` section (``schemas/policy.schema.json``):
``ignore_fields``, ``accept_newer_firmware``, ``accept_revision_drift`` and
``ignore_unexpected_classes``.

This module's matching is pure (documents in, results out); :func:`verify_server` and
:func:`discover_shipment` read files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom._io import display_name, read_bytes
from sovbom.cyclonedx.reader import LoadedBom, parse_bom
from sovbom.errors import InputError
from sovbom.placeholders import is_placeholder

#: Fields compared for every part (the names ``ignore_fields`` takes).
FIELDS = (
    "manufacturer",
    "model",
    "part_number",
    "serial",
    "revision",
    "firmware_version",
    "firmware_hash",
)
#: Fields whose mismatch means another unit (substituted); the others mean drift.
IDENTITY_FIELDS = frozenset({"manufacturer", "model", "part_number", "serial"})
#: Classes of which a server has one: matched to each other when nothing else matches.
SINGLETON_CLASSES = frozenset({"chassis", "baseboard", "bmc", "tpm", "gpu-baseboard"})

MODEL = "sovbom:model"
RUNS_ON = "sovbom:runs-on"
SOFTWARE_ID = "sovbom:redfish:software-id"


class PartStatus(StrEnum):
    MATCHED = "matched"
    MISSING = "missing"
    UNEXPECTED = "unexpected"
    SUBSTITUTED = "substituted"
    DRIFTED = "drifted"


class FieldStatus(StrEnum):
    MATCH = "match"  # observed and equal to the declaration
    MISMATCH = "mismatch"  # observed and different
    NOT_OBSERVED = "not-observed"  # declared, but the observed inventory does not give it
    NOT_DECLARED = "not-declared"  # the signed HBOM does not declare it: nothing to compare
    IGNORED = "ignored"  # ignore_fields
    ACCEPTED = "accepted"  # different, within a tolerance (newer firmware, revision drift)
    ABSENT = "absent"  # the part itself is missing or unexpected


PART_STATUSES = tuple(PartStatus)


@dataclass(slots=True)
class DeliveryTolerances:
    """The ``delivery`` section of a policy."""

    ignore_fields: frozenset[str] = frozenset()
    #: part class (or ``*``) -> firmware versions accepted in place of the declared one, if newer
    accept_newer_firmware: dict[str, frozenset[str]] = field(default_factory=dict)
    accept_revision_drift: frozenset[str] = frozenset()
    ignore_unexpected_classes: frozenset[str] = frozenset()

    @classmethod
    def from_policy_section(cls, section: Mapping[str, Any] | None) -> DeliveryTolerances:
        section = section or {}
        newer: dict[str, set[str]] = {}
        for entry in section.get("accept_newer_firmware") or ():
            newer.setdefault(str(entry["class"]), set()).update(map(str, entry["versions"]))
        return cls(
            ignore_fields=frozenset(section.get("ignore_fields") or ()),
            accept_newer_firmware={k: frozenset(v) for k, v in newer.items()},
            accept_revision_drift=frozenset(section.get("accept_revision_drift") or ()),
            ignore_unexpected_classes=frozenset(section.get("ignore_unexpected_classes") or ()),
        )

    def accepts_firmware(self, cls: str | None, expected: str, found: str) -> bool:
        allowed = self.accept_newer_firmware.get(cls or "", frozenset()) | (
            self.accept_newer_firmware.get("*", frozenset())
        )
        return found in allowed and version_key(found) > version_key(expected)


_VERSION_TOKEN = re.compile(r"(\d+)")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A natural ordering of version strings: ``2.16.1-ycs1`` > ``2.16.0-ycs3`` > ``2.9``."""
    out: list[tuple[int, int | str]] = []
    for token in _VERSION_TOKEN.split(version.strip().lower()):
        if not token:
            continue
        if token.isdigit():
            out.append((1, int(token)))
        else:
            stripped = token.strip(".-_+ ")
            if stripped:
                out.append((0, stripped))
    return tuple(out)


# ------------------------------------------------------------------------------------- results


@dataclass(slots=True)
class FieldCheck:
    """One compared field: what the signed HBOM declares and what was found."""

    field: str
    expected: str | None
    found: str | None
    status: FieldStatus
    #: for firmware_version / firmware_hash: the firmware's name
    firmware: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "status": str(self.status),
        }
        if self.firmware is not None:
            out["firmware"] = self.firmware
        if self.note:
            out["note"] = self.note
        return out


@dataclass(slots=True)
class PartResult:
    """The verdict on one part, with each compared field."""

    status: PartStatus
    cls: str | None
    name: str
    expected_ref: str | None
    found_ref: str | None
    #: serial, slot, bus-address, single-of-class, part-number (None for missing/unexpected)
    matched_by: str | None
    #: slot or bus address of the part (expected side first)
    location: str | None
    fields: list[FieldCheck] = field(default_factory=list)

    @property
    def mismatches(self) -> list[FieldCheck]:
        return [f for f in self.fields if f.status is FieldStatus.MISMATCH]

    @property
    def unverified(self) -> list[str]:
        """Declared fields the observed inventory did not give (not compared)."""
        out: list[str] = []
        for f in self.fields:
            if f.status is FieldStatus.NOT_OBSERVED:
                label = f"{f.field} ({f.firmware})" if f.firmware else f.field
                if label not in out:
                    out.append(label)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "class": self.cls,
            "name": self.name,
            "expected_ref": self.expected_ref,
            "found_ref": self.found_ref,
            "matched_by": self.matched_by,
            "location": self.location,
            "fields": [f.to_dict() for f in self.fields],
            "unverified": self.unverified,
        }


@dataclass(slots=True)
class Comparison:
    """The outcome of matching an expected HBOM with an observed one."""

    identity: list[FieldCheck]
    parts: list[PartResult]
    #: unexpected parts of ``ignore_unexpected_classes`` (not listed in ``parts``)
    ignored_unexpected: int
    #: bom-ref of the expected HBOM -> why it counts as verified (observed at delivery)
    verified: dict[str, str]
    expected_parts: int
    observed_parts: int
    #: set by :meth:`slim`: the totals of the parts and verifications left out
    summary_counts: dict[str, int] | None = None
    verified_count: int | None = None
    unverified_count: int | None = None

    def slim(self) -> Comparison:
        """A copy keeping only parts that are not matched, and the totals (for summaries of
        large shipments: matched parts are the bulk of a report and say nothing new)."""
        return Comparison(
            identity=self.identity,
            parts=[p for p in self.parts if p.status is not PartStatus.MATCHED],
            ignored_unexpected=self.ignored_unexpected,
            verified={},
            expected_parts=self.expected_parts,
            observed_parts=self.observed_parts,
            summary_counts=self.counts(),
            verified_count=self.verified_total(),
            unverified_count=self.unverified_total(),
        )

    def verified_total(self) -> int:
        """Components of the expected HBOM verified at delivery."""
        return self.verified_count if self.verified_count is not None else len(self.verified)

    def unverified_total(self) -> int:
        """Declared fields of matched parts that the observed inventory did not give."""
        if self.unverified_count is not None:
            return self.unverified_count
        return sum(len(p.unverified) for p in self.parts)

    @property
    def identity_ok(self) -> bool:
        """No identity field differs, and the server's serial was observed (or is ignored)."""
        if any(f.status is FieldStatus.MISMATCH for f in self.identity):
            return False
        serial = next((f for f in self.identity if f.field == "serial"), None)
        return serial is None or serial.status in (FieldStatus.MATCH, FieldStatus.IGNORED)

    def counts(self) -> dict[str, int]:
        if self.summary_counts is not None:
            return dict(self.summary_counts)
        out = {str(s): 0 for s in PartStatus}
        for p in self.parts:
            out[str(p.status)] += 1
        return out

    @property
    def matched(self) -> bool:
        return self.identity_ok and all(p.status is PartStatus.MATCHED for p in self.parts)


# ----------------------------------------------------------------------------------- extraction


@dataclass(slots=True)
class _Firmware:
    ref: str
    name: str
    version: str | None
    hashes: dict[str, str]
    software_id: str | None


@dataclass(slots=True)
class _Part:
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
    firmware: list[_Firmware] = field(default_factory=list)


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
    MODEL: "model",
    RUNS_ON: "runs_on",
    SOFTWARE_ID: "software_id",
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


def extract(doc: Mapping[str, Any]) -> tuple[_Part | None, list[_Part], list[_Firmware]]:
    """The server, its hardware parts (with their firmware), and firmware of no known part."""
    root_ref: str | None = None
    metadata = doc.get("metadata")
    stack: list[tuple[Any, str | None]] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.extend((c, None) for c in reversed(top))
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        root_comp = metadata["component"]
        root_ref = root_comp.get("bom-ref") if isinstance(root_comp.get("bom-ref"), str) else None
        stack.append((root_comp, None))
    parts: dict[str, _Part] = {}
    order: list[str] = []
    firmware: list[tuple[_Firmware, str | None]] = []
    anonymous = 0
    while stack:
        comp, parent = stack.pop()
        if comp.__class__ is not dict:
            continue
        ref = comp.get("bom-ref")
        if ref.__class__ is not str or not ref:
            anonymous += 1
            ref = f"<anonymous {anonymous}>"
        ctype = comp.get("type")
        props = _props(comp)
        if ctype == "firmware":
            fw = _Firmware(
                ref=ref,
                name=str(comp.get("name") or ref),
                version=_value(comp.get("version")),
                hashes=_hashes(comp),
                software_id=props.get("software_id"),
            )
            firmware.append((fw, props.get("runs_on") or parent))
        elif ctype == "device" and ref not in parts:
            parts[ref] = _Part(
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
            order.append(ref)
        children = comp.get("components")
        if children.__class__ is list and children:
            owner = ref if ctype == "device" else parent
            stack.extend((c, owner) for c in reversed(children))
    loose: list[_Firmware] = []
    for fw, owner in firmware:
        target = parts.get(owner) if owner else None
        if target is None:
            loose.append(fw)
        else:
            target.firmware.append(fw)
    root = parts.get(root_ref) if root_ref else None
    others = [parts[r] for r in order if r != root_ref]
    return root, others, loose


# ------------------------------------------------------------------------------------- compare

_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
        "plc", "ag", "gmbh", "sa", "se", "nv", "bv", "kk", "technology", "technologies",
        "international", "holdings", "group", "the",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def _company_tokens(name: str) -> list[str]:
    text = name.casefold().replace("(r)", " ").replace("(tm)", " ").replace("k.k.", " kk ")
    return [t for t in _WORD.findall(text) if t not in _SUFFIXES]


def same_manufacturer(a: str, b: str) -> bool:
    """Two spellings of one company: equal words once legal suffixes are dropped, or one the
    beginning of the other (``Samsung`` and ``Samsung Electronics Co., Ltd.``)."""
    ta, tb = _company_tokens(a), _company_tokens(b)
    if not ta or not tb:
        return a.strip().casefold() == b.strip().casefold()
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return long_[: len(short)] == short


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _norm_loc(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.casefold())


def _same(field_name: str, a: str, b: str) -> bool:
    if a == b:
        return True
    if field_name == "manufacturer":
        return same_manufacturer(a, b)
    if field_name in ("part_number", "serial"):
        return _norm(a).replace(" ", "") == _norm(b).replace(" ", "")
    return _norm(a) == _norm(b)


class _Comparer:
    def __init__(self, tolerances: DeliveryTolerances) -> None:
        self.t = tolerances
        self.verified: dict[str, str] = {}

    def check(self, name: str, expected: str | None, found: str | None) -> FieldCheck:
        if name in self.t.ignore_fields:
            return FieldCheck(name, expected, found, FieldStatus.IGNORED)
        if expected is None:
            return FieldCheck(name, expected, found, FieldStatus.NOT_DECLARED)
        if found is None:
            return FieldCheck(name, expected, found, FieldStatus.NOT_OBSERVED)
        ok = _same(name, expected, found)
        return FieldCheck(name, expected, found, FieldStatus.MATCH if ok else FieldStatus.MISMATCH)

    def part_fields(self, e: _Part, o: _Part) -> list[FieldCheck]:
        out = [
            self.check("manufacturer", e.manufacturer, o.manufacturer),
            self.check("model", e.model, o.model),
            self.check("part_number", e.part_number, o.part_number),
            self.check("serial", e.serial, o.serial),
        ]
        rev = self.check("revision", e.revision, o.revision)
        if rev.status is FieldStatus.MISMATCH and e.cls in self.t.accept_revision_drift:
            rev.status = FieldStatus.ACCEPTED
            rev.note = f"accept_revision_drift: {e.cls}"
        out.append(rev)
        out.extend(self.firmware_fields(e, o))
        return out

    def firmware_fields(self, e: _Part, o: _Part) -> list[FieldCheck]:
        out: list[FieldCheck] = []
        pool = list(o.firmware)
        for efw in e.firmware:
            ofw = _pick_firmware(efw, pool, len(e.firmware))
            if ofw is not None:
                pool.remove(ofw)
            version = self.check("firmware_version", efw.version, ofw.version if ofw else None)
            version.firmware = efw.name
            if (
                version.status is FieldStatus.MISMATCH
                and efw.version
                and ofw is not None
                and ofw.version
                and self.t.accepts_firmware(e.cls, efw.version, ofw.version)
            ):
                version.status = FieldStatus.ACCEPTED
                version.note = "accept_newer_firmware"
            out.append(version)
            out.append(self.hash_field(efw, ofw))
            if (
                ofw is not None
                and version.status is FieldStatus.MATCH
                and (
                    out[-1].status
                    in (FieldStatus.MATCH, FieldStatus.NOT_OBSERVED, FieldStatus.IGNORED)
                )
            ):
                what = "version and hash" if out[-1].status is FieldStatus.MATCH else "version"
                self.verified[efw.ref] = (
                    f"firmware {what} observed at delivery match the signed declaration"
                )
        return out

    def hash_field(self, efw: _Firmware, ofw: _Firmware | None) -> FieldCheck:
        name = "firmware_hash"

        def show(h: Mapping[str, str], algs: Iterable[str]) -> str | None:
            shown = [f"{a}:{h[a]}" for a in sorted(algs)]
            return " ".join(shown) if shown else None

        expected_all = show(efw.hashes, efw.hashes)
        found_all = show(ofw.hashes, ofw.hashes) if ofw else None
        if name in self.t.ignore_fields:
            return FieldCheck(name, expected_all, found_all, FieldStatus.IGNORED, efw.name)
        if not efw.hashes:
            return FieldCheck(name, None, found_all, FieldStatus.NOT_DECLARED, efw.name)
        common = set(efw.hashes) & set(ofw.hashes) if ofw else set()
        if not common:
            return FieldCheck(name, expected_all, found_all, FieldStatus.NOT_OBSERVED, efw.name)
        ok = all(efw.hashes[a] == ofw.hashes[a] for a in common) if ofw else False
        return FieldCheck(
            name,
            show(efw.hashes, common),
            show(ofw.hashes, common) if ofw else None,
            FieldStatus.MATCH if ok else FieldStatus.MISMATCH,
            efw.name,
        )


def _pick_firmware(efw: _Firmware, pool: list[_Firmware], declared: int) -> _Firmware | None:
    if not pool:
        return None
    name = _norm(efw.name)
    for ofw in pool:
        if _norm(ofw.name) == name:
            return ofw
    for ofw in pool:
        if ofw.software_id and _norm(ofw.software_id) == name:
            return ofw
    if declared == 1 and len(pool) == 1:
        return pool[0]
    return None


def _absent_fields(p: _Part, side: str) -> list[FieldCheck]:
    values = {
        "manufacturer": p.manufacturer,
        "model": p.model,
        "part_number": p.part_number,
        "serial": p.serial,
        "revision": p.revision,
    }
    out = [
        FieldCheck(
            k,
            v if side == "expected" else None,
            v if side == "found" else None,
            FieldStatus.ABSENT,
        )
        for k, v in values.items()
        if v is not None
    ]
    out.extend(
        FieldCheck(
            "firmware_version",
            fw.version if side == "expected" else None,
            fw.version if side == "found" else None,
            FieldStatus.ABSENT,
            fw.name,
        )
        for fw in p.firmware
        if fw.version
    )
    return out


def compare(
    expected: Mapping[str, Any],
    observed: Mapping[str, Any],
    tolerances: DeliveryTolerances | None = None,
    *,
    observed_label: str = "delivery",
) -> Comparison:
    """Match the parts of an expected (factory) HBOM with those of an observed one."""
    t = tolerances or DeliveryTolerances()
    eroot, eparts, _ = extract(expected)
    oroot, oparts, oloose = extract(observed)
    cmp = _Comparer(t)

    # --- the server identity
    identity: list[FieldCheck] = []
    if eroot is not None:
        o_model = (oroot.model or oroot.name) if oroot is not None else None
        o = oroot
        identity = [
            cmp.check("manufacturer", eroot.manufacturer, o.manufacturer if o else None),
            cmp.check("model", eroot.model, o_model),
            cmp.check("part_number", eroot.part_number, o.part_number if o else None),
            cmp.check("serial", eroot.serial, o.serial if o else None),
        ]
        if eroot.firmware and oroot is not None:
            pool = [*oroot.firmware, *oloose]
            o_any = _Part(
                oroot.ref, oroot.name, None, None, None, None, None, None, None, None, pool
            )
            identity.extend(cmp.firmware_fields(eroot, o_any))

    # --- matching
    pairs: list[tuple[_Part, _Part, str]] = []
    used_o: set[int] = set()
    left: list[_Part] = []
    by_serial: dict[str, int] = {}
    for i, o in enumerate(oparts):
        if o.serial:
            by_serial.setdefault(_norm(o.serial).replace(" ", ""), i)
    for e in eparts:
        i_hit = by_serial.get(_norm(e.serial).replace(" ", "")) if e.serial else None
        if i_hit is not None and i_hit not in used_o:
            used_o.add(i_hit)
            pairs.append((e, oparts[i_hit], "serial"))
        else:
            left.append(e)

    def by_location(kind: str) -> None:
        nonlocal left
        index: dict[tuple[str | None, str], int] = {}
        for i, o in enumerate(oparts):
            if i in used_o:
                continue
            loc = o.slot if kind == "slot" else o.bus
            if loc:
                index.setdefault((o.cls, _norm_loc(loc)), i)
        still: list[_Part] = []
        for e in left:
            loc = e.slot if kind == "slot" else e.bus
            i_hit = index.get((e.cls, _norm_loc(loc))) if loc else None
            if i_hit is not None and i_hit not in used_o:
                used_o.add(i_hit)
                pairs.append((e, oparts[i_hit], kind))
            else:
                still.append(e)
        left = still

    by_location("slot")
    by_location("bus-address")
    # the only remaining part of a single-instance class, on both sides
    remaining_o: dict[str | None, list[int]] = {}
    for i, o in enumerate(oparts):
        if i not in used_o:
            remaining_o.setdefault(o.cls, []).append(i)
    remaining_e: dict[str | None, int] = {}
    for e in left:
        remaining_e[e.cls] = remaining_e.get(e.cls, 0) + 1
    still = []
    for e in left:
        cands = remaining_o.get(e.cls, [])
        if e.cls in SINGLETON_CLASSES and remaining_e[e.cls] == 1 and len(cands) == 1:
            used_o.add(cands[0])
            pairs.append((e, oparts[cands[0]], "single-of-class"))
            cands.clear()
        elif not e.serial and e.part_number:
            hit = next(
                (
                    i
                    for i in cands
                    if oparts[i].part_number
                    and _same("part_number", e.part_number, oparts[i].part_number or "")
                ),
                None,
            )
            if hit is not None:
                used_o.add(hit)
                cands.remove(hit)
                pairs.append((e, oparts[hit], "part-number"))
            else:
                still.append(e)
        else:
            still.append(e)
    left = still

    # --- results
    results: list[PartResult] = []
    for e, o, how in pairs:
        fields = cmp.part_fields(e, o)
        bad = {f.field for f in fields if f.status is FieldStatus.MISMATCH}
        if bad & IDENTITY_FIELDS:
            status = PartStatus.SUBSTITUTED
        elif bad:
            status = PartStatus.DRIFTED
        else:
            status = PartStatus.MATCHED
            serial = next(f for f in fields if f.field == "serial")
            if serial.status is FieldStatus.MATCH:
                cmp.verified[e.ref] = (
                    f"serial {e.serial} observed at {observed_label} matches the signed declaration"
                )
        if status is PartStatus.SUBSTITUTED:
            for fw in e.firmware:  # another unit: its firmware says nothing about the declared one
                cmp.verified.pop(fw.ref, None)
        results.append(
            PartResult(
                status, e.cls, e.name, e.ref, o.ref, how, e.slot or e.bus or o.slot or o.bus, fields
            )
        )
    results.extend(
        PartResult(
            PartStatus.MISSING, e.cls, e.name, e.ref, None, None, e.slot or e.bus,
            _absent_fields(e, "expected"),
        )
        for e in left
    )  # fmt: skip
    ignored = 0
    for i, o in enumerate(oparts):
        if i in used_o:
            continue
        if o.cls in t.ignore_unexpected_classes:
            ignored += 1
            continue
        results.append(
            PartResult(
                PartStatus.UNEXPECTED, o.cls, o.name, None, o.ref, None, o.slot or o.bus,
                _absent_fields(o, "found"),
            )
        )  # fmt: skip
    order = {s: i for i, s in enumerate((
        PartStatus.SUBSTITUTED, PartStatus.MISSING, PartStatus.UNEXPECTED, PartStatus.DRIFTED,
        PartStatus.MATCHED,
    ))}  # fmt: skip
    results.sort(key=lambda r: (order[r.status], r.expected_ref or "~" + (r.found_ref or "")))
    return Comparison(
        identity=identity,
        parts=results,
        ignored_unexpected=ignored,
        verified=cmp.verified,
        expected_parts=len(eparts),
        observed_parts=len(oparts),
    )


# ------------------------------------------------------------------------- a server's delivery


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"


@dataclass(slots=True)
class SourceInfo:
    source: str
    sha256: str | None = None
    serial_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "serialNumber": self.serial_number}


@dataclass(slots=True)
class DeliveryResult:
    """Everything verify-delivery concluded about one server (what the reports render).

    ``comparison`` is None when the signature failed (nothing is compared then); ``policy`` is
    the policy check of the expected HBOM (None without ``--policy``) and ``unexpected_findings``
    the policy findings of parts found but not declared.
    """

    server: str
    expected: SourceInfo
    observed: SourceInfo | None
    signature: dict[str, Any] | None
    signature_ok: bool
    signature_reason: str | None = None
    comparison: Comparison | None = None
    observed_complete: bool = True
    observed_notes: list[str] = field(default_factory=list)
    policy: Any = None  # sovbom.policy.CheckResult | None
    unexpected_findings: list[Any] = field(default_factory=list)  # list[sovbom.policy.Finding]
    policy_source: str | None = None
    policy_sha256: str | None = None
    fail_on: str = "high"
    tolerances: dict[str, Any] = field(default_factory=dict)

    @property
    def delivery_ok(self) -> bool:
        return self.signature_ok and self.comparison is not None and self.comparison.matched

    @property
    def policy_fails(self) -> bool:
        if self.policy is None:
            return False
        from sovbom.policy import Severity

        threshold = Severity.parse(self.fail_on)
        if self.policy.fails(threshold):
            return True
        return any(f.counts and f.severity >= threshold for f in self.unexpected_findings)

    @property
    def verdict(self) -> Verdict:
        return Verdict.PASS if self.delivery_ok and not self.policy_fails else Verdict.FAIL

    @property
    def exit_code(self) -> int:
        """0 pass; 3 signature or delivery mismatch; 1 only policy findings."""
        if not self.delivery_ok:
            return 3
        return 1 if self.policy_fails else 0

    def reasons(self) -> list[str]:
        out: list[str] = []
        if not self.signature_ok:
            out.append(f"signature: {self.signature_reason or 'not verified'}")
            return out
        c = self.comparison
        if c is None:
            return out
        for f in c.identity:
            if f.status is FieldStatus.MISMATCH:
                what = f"firmware {f.firmware} " if f.firmware else ""
                out.append(
                    f"server {what}{f.field.replace('_', ' ')}: expected {f.expected!r},"
                    f" found {f.found!r}"
                )
            elif f.field == "serial" and f.status is FieldStatus.NOT_OBSERVED:
                out.append("server serial not observed: the server's identity is unverified")
        counts = c.counts()
        for status in (
            PartStatus.SUBSTITUTED,
            PartStatus.MISSING,
            PartStatus.UNEXPECTED,
            PartStatus.DRIFTED,
        ):
            n = counts[str(status)]
            if n:
                out.append(f"{n} part{'s' if n != 1 else ''} {status}")
        if self.policy_fails:
            out.append(f"policy findings at or above {self.fail_on}")
        return out


def tolerances_of(policy: Any) -> DeliveryTolerances:
    return DeliveryTolerances.from_policy_section(policy.delivery if policy is not None else None)


def policy_context(
    comparison: Comparison | None, roles: Sequence[str], signature: dict[str, Any] | None
) -> Any:
    from sovbom.policy import VerificationContext

    return VerificationContext(
        attested_by=frozenset(roles),
        signature=signature,
        verified=dict(comparison.verified) if comparison is not None else {},
    )


def unexpected_findings(
    observed_doc: Mapping[str, Any],
    comparison: Comparison,
    policy: Any,
    today: dt.date,
) -> list[Any]:
    """Policy findings on parts found but not declared (and the firmware they carry)."""
    refs = {p.found_ref for p in comparison.parts if p.status is PartStatus.UNEXPECTED}
    if not refs:
        return []
    from sovbom.graph import build_graph
    from sovbom.policy import evaluate

    pg = build_graph(observed_doc)
    wanted = set(refs)
    for ref in refs:
        if ref is not None:
            wanted.update(pg.graph.successors(ref))
    result = evaluate(pg, policy, today=today)
    return [f for f in result.findings if f.ref in wanted]


# -------------------------------------------------------------------------------- shipments

#: File names of a shipment directory (one sub-directory per server).
EXPECTED_NAME = "expected.cdx.json"
OBSERVED_NAME = "observed.cdx.json"


@dataclass(slots=True)
class ServerInputs:
    """One server of a shipment: its directory and what it holds."""

    server: str
    directory: Path
    expected: Path
    bundle: Path
    observed: Path | None
    #: collector sources (source name -> path, see ``shipment_files``) when there is no observed HBOM
    sources: dict[str, str] = field(default_factory=dict)


def discover_shipment(directory: str | os.PathLike[str]) -> list[ServerInputs]:
    """The servers of a shipment directory (sorted by name); bad layout is an InputError."""
    from sovbom.collect.sources import shipment_files

    root = Path(directory)
    if not root.is_dir():
        raise InputError("not a directory (expected a shipment directory)", source=str(root))
    out: list[ServerInputs] = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        expected = sub / EXPECTED_NAME
        if not expected.is_file():
            raise InputError(f"no {EXPECTED_NAME} (the signed factory HBOM)", source=str(sub))
        observed = sub / OBSERVED_NAME
        layout = shipment_files()
        sources = {key: str(sub / name) for key, name in layout.items() if (sub / name).exists()}
        if not observed.is_file() and not sources:
            raise InputError(
                f"no observed inventory: give {OBSERVED_NAME} or one of "
                + ", ".join(layout.values()),
                source=str(sub),
            )
        out.append(
            ServerInputs(
                server=sub.name,
                directory=sub,
                expected=expected,
                bundle=sub / (EXPECTED_NAME + ".sigstore.json"),
                observed=observed if observed.is_file() else None,
                sources={} if observed.is_file() else sources,
            )
        )
    if not out:
        raise InputError("no server directories in the shipment", source=str(root))
    return out


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class ShipmentResult:
    """Every server of a shipment, in directory order."""

    directory: str
    servers: list[DeliveryResult]

    @property
    def verdict(self) -> Verdict:
        return (
            Verdict.PASS if all(s.verdict is Verdict.PASS for s in self.servers) else Verdict.FAIL
        )

    @property
    def exit_code(self) -> int:
        codes = [s.exit_code for s in self.servers]
        if 3 in codes:
            return 3
        return 1 if 1 in codes else 0

    def summary(self) -> dict[str, int]:
        return {
            "servers": len(self.servers),
            "passed": sum(s.verdict is Verdict.PASS for s in self.servers),
            "failed": sum(s.verdict is Verdict.FAIL for s in self.servers),
            "signature_failed": sum(not s.signature_ok for s in self.servers),
            "delivery_mismatch": sum(s.signature_ok and not s.delivery_ok for s in self.servers),
            "policy_failed": sum(s.delivery_ok and s.policy_fails for s in self.servers),
        }


ProgressCallback = Callable[[DeliveryResult], None]


def check_signature(verifier: Any, data: bytes, source: str, bundle: Path) -> Any:
    """Verify the expected HBOM's bundle with a reused :class:`sovbom.signing.BundleVerifier`.

    Returns a :class:`sovbom.signing.Verdict` (``ok`` False with a reason when it does not
    verify, or when there is no bundle: the HBOM is then unsigned); a malformed bundle raises
    :class:`~sovbom.errors.InputError`.
    """
    from sovbom import signing

    if not bundle.exists():
        return signing.Verdict(
            file=source,
            bundle=str(bundle),
            ok=False,
            status=signing.Status.FAILED,
            reason=f"not signed: no Sigstore bundle at {bundle}",
            sha256=sha256_hex(data),
            trust_root=verifier.trust.info,
        )
    return verifier.verify_bytes(
        data, read_bytes(bundle), name=source, bundle_name=display_name(bundle)
    )


def assess(
    server: str,
    expected: LoadedBom,
    signature: Any,
    observed_doc: Mapping[str, Any] | None,
    observed: SourceInfo | None,
    *,
    observed_complete: bool = True,
    observed_notes: Sequence[str] = (),
    policy: Any = None,
    fail_on: str = "high",
    today: dt.date | None = None,
) -> DeliveryResult:
    """Compare and check one server whose signature was verified (or give its failed verdict)."""
    today = today or dt.datetime.now(dt.UTC).date()
    serial = expected.doc.get("serialNumber")
    result = DeliveryResult(
        server=server,
        expected=SourceInfo(
            expected.source, sha256_hex(expected.raw), serial if isinstance(serial, str) else None
        ),
        observed=observed,
        signature=signature.to_dict() if signature is not None else None,
        signature_ok=bool(signature is not None and signature.ok),
        signature_reason=None if signature is None or signature.ok else signature.reason,
        observed_complete=observed_complete,
        observed_notes=list(observed_notes),
        fail_on=fail_on,
        tolerances=dict(policy.delivery) if policy is not None else {},
    )
    if policy is not None:
        result.policy_source = policy.source
        result.policy_sha256 = policy.sha256
    if not result.signature_ok or observed_doc is None:
        return result
    tolerances = tolerances_of(policy)
    comparison = compare(expected.doc, observed_doc, tolerances)
    result.comparison = comparison
    if policy is not None:
        from sovbom.graph import build_graph
        from sovbom.policy import evaluate

        pg = build_graph(expected.doc, source=expected.source)
        context = policy_context(comparison, signature.roles, result.signature)
        result.policy = evaluate(pg, policy, context, today=today)
        result.unexpected_findings = unexpected_findings(observed_doc, comparison, policy, today)
    return result


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
        elif p.get("name") == "sovbom:collection:note" and isinstance(p.get("value"), str):
            notes.append(p["value"])
    return complete, notes


def verify_server(
    inputs: ServerInputs,
    verifier: Any,
    *,
    policy: Any = None,
    fail_on: str = "high",
    today: dt.date | None = None,
) -> DeliveryResult:
    """One server of a shipment: signature first; compared only when it verifies."""
    data = read_bytes(inputs.expected)
    expected = parse_bom(data, display_name(inputs.expected))
    signature = check_signature(verifier, data, expected.source, inputs.bundle)
    if not signature.ok:
        return assess(inputs.server, expected, signature, None, None, policy=policy,
                      fail_on=fail_on, today=today)  # fmt: skip
    if inputs.observed is not None:
        raw = read_bytes(inputs.observed)
        loaded = parse_bom(raw, display_name(inputs.observed))
        doc: Mapping[str, Any] = loaded.doc
        info = SourceInfo(loaded.source, sha256_hex(raw))
        complete, notes = observed_complete(doc)
    else:
        from sovbom.collect.hardware import HardwareSources, collect_hardware

        collected = collect_hardware(HardwareSources(inputs.sources))
        doc, complete, notes = collected.doc, collected.complete, collected.notes
        info = SourceInfo(", ".join(sorted(inputs.sources.values())))
    return assess(
        inputs.server, expected, signature, doc, info, observed_complete=complete,
        observed_notes=notes, policy=policy, fail_on=fail_on, today=today,
    )  # fmt: skip


def verify_shipment(
    servers: Sequence[ServerInputs],
    verifier: Any,
    *,
    policy: Any = None,
    fail_on: str = "high",
    today: dt.date | None = None,
    render: Callable[[DeliveryResult], bytes] | None = None,
    jobs: int | None = None,
    on_result: ProgressCallback | None = None,
) -> list[tuple[DeliveryResult, bytes | None]]:
    """Every server, in order: its result and, with ``render``, its rendered report.

    Results come back *slim* (:meth:`Comparison.slim`: only the parts that are not matched, and
    totals): render each server's full report with ``render``. With ``jobs`` > 1 (default: one
    per CPU, at most 8, from :data:`PARALLEL_THRESHOLD` servers on) forked worker processes share
    the work; they inherit the verifier (one trust root, parsed once). ``on_result`` is called
    after each server (e.g. a progress bar). An unreadable input raises, whichever process
    reads it.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    jobs = _default_jobs(len(servers)) if jobs is None else max(1, jobs)
    global _WORKER_STATE
    state = (verifier, policy, fail_on, today, render)
    out: list[tuple[DeliveryResult, bytes | None]] = []
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        _WORKER_STATE = state
        try:
            ctx = multiprocessing.get_context("fork")
            chunk = max(1, min(16, len(servers) // (jobs * 8)))
            with ctx.Pool(jobs) as pool:
                for item in pool.imap(_work, servers, chunksize=chunk):
                    out.append(item)
                    if on_result is not None:
                        on_result(item[0])
            return out
        finally:
            _WORKER_STATE = None
    _WORKER_STATE = state
    try:
        for inputs in servers:
            item = _work(inputs)
            out.append(item)
            if on_result is not None:
                on_result(item[0])
    finally:
        _WORKER_STATE = None
    return out


#: From this many servers on, a shipment is verified by one worker process per CPU.
PARALLEL_THRESHOLD = 40
_WORKER_STATE: tuple[Any, Any, str, dt.date, Callable[[DeliveryResult], bytes] | None] | None = None


def _default_jobs(n: int) -> int:
    if n < PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _work(inputs: ServerInputs) -> tuple[DeliveryResult, bytes | None]:
    """One server (in this process or a forked worker): result (slim) and rendered report."""
    assert _WORKER_STATE is not None
    verifier, policy, fail_on, today, render = _WORKER_STATE
    result = verify_server(inputs, verifier, policy=policy, fail_on=fail_on, today=today)
    data = render(result) if render is not None else None
    if result.comparison is not None:
        result.comparison = result.comparison.slim()
    return result, data


__all__ = [
    "FIELDS",
    "Comparison",
    "DeliveryResult",
    "DeliveryTolerances",
    "FieldCheck",
    "FieldStatus",
    "PartResult",
    "PartStatus",
    "ServerInputs",
    "ShipmentResult",
    "SourceInfo",
    "Verdict",
    "assess",
    "check_signature",
    "compare",
    "discover_shipment",
    "extract",
    "same_manufacturer",
    "verify_server",
    "verify_shipment",
    "version_key",
]
