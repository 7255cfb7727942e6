"""Comparing two CycloneDX BOMs: which component of A is which of B, and what differs.

* the BOMs' subjects (``metadata.component``) are one pair (``root``);
* hardware (``device`` components) is read and matched as ``verify-delivery`` does
  (:func:`sovbom.delivery.extract.extract`, :func:`sovbom.delivery.match.match_parts`): by
  serial, slot, bus address, single-instance class, part number;
* the firmware of a matched part is matched under it as ``verify-delivery`` does (by name, the
  Redfish software id, or as its only firmware); firmware of a part matched on neither side is
  added or removed with its part;
* everything else (firmware of no part included) by package URL, then by name and version
  (:mod:`sovbom.diff.software`).

Every pair is compared field by field (:mod:`sovbom.diff.fields`) and its parent: a component
whose parent in B is not the match of its parent in A has *moved*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.cyclonedx.walk import walk_components
from sovbom.delivery.compare import pick_firmware
from sovbom.delivery.extract import Part, extract
from sovbom.delivery.match import match_parts
from sovbom.diff.fields import compare_fields
from sovbom.diff.model import (
    STATUS_ORDER,
    DiffReport,
    Entry,
    Kind,
    Parent,
    Side,
    Status,
)
from sovbom.diff.software import Software, match_software


@dataclass(slots=True)
class _Doc:
    """One BOM walked once: each component (first of a bom-ref) with its parent."""

    comps: dict[str, dict[str, Any]] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    root: str | None = None
    hw_root: Part | None = None
    parts: list[Part] = field(default_factory=list)

    @classmethod
    def read(cls, doc: Mapping[str, Any]) -> _Doc:
        out = cls()
        for ref, comp, parent, _, is_root in walk_components(doc):
            if is_root:
                out.root = ref
            if ref in out.comps:
                continue
            out.comps[ref] = comp
            out.parent[ref] = parent
            out.order.append(ref)
        out.hw_root, out.parts, _ = extract(doc)
        return out

    def parent_of(self, ref: str) -> str | None:
        """The component ``ref`` is nested in; the subject for a top-level component."""
        parent = self.parent.get(ref)
        return self.root if parent is None and ref != self.root else parent

    def name(self, ref: str | None) -> str | None:
        comp = self.comps.get(ref) if ref is not None else None
        return str(comp.get("name") or ref) if comp is not None else None

    def software(self, ref: str) -> Software:
        c = self.comps[ref]

        def text(key: str) -> str | None:
            value = c.get(key)
            return value.strip() or None if isinstance(value, str) else None

        return Software(ref, text("name") or ref, text("group"), text("version"), text("purl"))


def _kind(comp: Mapping[str, Any]) -> Kind:
    ctype = comp.get("type")
    if ctype == "device":
        return Kind.HARDWARE
    return Kind.FIRMWARE if ctype == "firmware" else Kind.SOFTWARE


def _pairs(a: _Doc, b: _Doc) -> list[tuple[str, str, str]]:
    """Every (A ref, B ref, how) pair, the subjects first."""
    pairs: list[tuple[str, str, str]] = []
    if a.root is not None and b.root is not None:
        pairs.append((a.root, b.root, "root"))
    hw_a = [p for p in a.parts if p.ref != a.root]
    hw_b = [p for p in b.parts if p.ref != b.root]
    matched = match_parts(hw_a, hw_b, any_document=True)
    part_pairs = [(e, o) for e, o, _ in matched.pairs]
    if a.hw_root is not None and b.hw_root is not None:
        part_pairs.append((a.hw_root, b.hw_root))
    pairs.extend((e.ref, o.ref, how) for e, o, how in matched.pairs)
    for e, o in part_pairs:
        pool = list(o.firmware)
        for efw in e.firmware:
            ofw = pick_firmware(efw, pool, len(e.firmware))
            if ofw is not None:
                pool.remove(ofw)
                pairs.append((efw.ref, ofw.ref, "firmware"))
    owned_a = {fw.ref for p in (*a.parts, a.hw_root) if p is not None for fw in p.firmware}
    owned_b = {fw.ref for p in (*b.parts, b.hw_root) if p is not None for fw in p.firmware}
    sw_a = [a.software(r) for r in a.order if _is_software(a, r, owned_a)]
    sw_b = [b.software(r) for r in b.order if _is_software(b, r, owned_b)]
    sw = match_software(sw_a, sw_b)
    pairs.extend((sw_a[i].ref, sw_b[j].ref, how) for i, j, how in sw.pairs)
    return pairs


def _is_software(d: _Doc, ref: str, owned: set[str]) -> bool:
    return ref != d.root and ref not in owned and d.comps[ref].get("type") != "device"


def _detail(d: _Doc, ref: str) -> str | None:
    comp = d.comps[ref]
    for p in comp.get("properties") or ():
        if isinstance(p, Mapping) and p.get("name") in (tx.SLOT, tx.BUS_ADDRESS):
            value = p.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    for key in ("purl", "version"):
        value = comp.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _one_sided(d: _Doc, ref: str, status: Status) -> Entry:
    comp = d.comps[ref]
    a_ref, b_ref = (ref, None) if status is Status.REMOVED else (None, ref)
    return Entry(status, _kind(comp), str(comp.get("name") or ref), _class(comp), a_ref, b_ref,
                 detail=_detail(d, ref))  # fmt: skip


def _class(comp: Mapping[str, Any]) -> str | None:
    for p in comp.get("properties") or ():
        if isinstance(p, Mapping) and p.get("name") == tx.CLASS:
            value = p.get("value")
            return value if isinstance(value, str) else None
    return None


def _entries(a: _Doc, b: _Doc, ignore: Sequence[str]) -> list[Entry]:
    pairs = _pairs(a, b)
    a_to_b = {ra: rb for ra, rb, _ in pairs}
    out: list[Entry] = []
    for ra, rb, how in pairs:
        ca, cb = a.comps[ra], b.comps[rb]
        changes = compare_fields(ca, cb, ignore)
        entry = Entry(Status.CHANGED if changes else Status.UNCHANGED, _kind(cb),
                      str(cb.get("name") or rb), _class(cb) or _class(ca), ra, rb, how,
                      _detail(b, rb) or _detail(a, ra), changes)  # fmt: skip
        if how != "root":
            pa, pb = a.parent_of(ra), b.parent_of(rb)
            if (a_to_b.get(pa) if pa is not None else None) != pb:
                entry.moved_from = Parent(pa, a.name(pa))
                entry.moved_to = Parent(pb, b.name(pb))
                if not changes:
                    entry.status = Status.MOVED
        out.append(entry)
    paired_b = set(a_to_b.values())
    out.extend(_one_sided(a, r, Status.REMOVED) for r in a.order if r not in a_to_b)
    out.extend(_one_sided(b, r, Status.ADDED) for r in b.order if r not in paired_b)
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    kinds = {k: i for i, k in enumerate(Kind)}
    out.sort(key=lambda e: (rank[e.status], kinds[e.kind], e.name, e.a_ref or "", e.b_ref or ""))
    return out


def side_of(bom: LoadedBom, signature: Mapping[str, Any] | None = None) -> Side:
    """What a report says of one of the two documents."""
    doc = bom.doc
    serial, version = doc.get("serialNumber"), doc.get("version")
    return Side(
        source=bom.source,
        sha256=hashlib.sha256(bom.raw).hexdigest(),
        serial_number=serial if isinstance(serial, str) else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        spec_version=bom.spec_version,
        components=sum(1 for _ in walk_components(doc)),
        signature=dict(signature) if signature is not None else None,
        raw=bom.raw,
    )


def diff_boms(
    a: LoadedBom,
    b: LoadedBom,
    *,
    ignore: Iterable[str] = (),
    signatures: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None),
) -> DiffReport:
    """Compare ``a`` (before) with ``b`` (after); ``ignore``: field names or shell-style patterns
    left out of the comparison; ``signatures``: each side's verified signature, for the report."""
    entries = _entries(_Doc.read(a.doc), _Doc.read(b.doc), tuple(ignore))
    return DiffReport(side_of(a, signatures[0]), side_of(b, signatures[1]), entries)


__all__ = ["diff_boms", "side_of"]
