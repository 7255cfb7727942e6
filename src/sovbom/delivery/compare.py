"""Field-by-field comparison of an expected HBOM with an observed one.

:func:`compare` matches parts (:mod:`sovbom.delivery.match`) and gives, per part, one of

* ``matched``: the same unit, every compared field equal (or tolerated);
* ``missing``: declared, not found;
* ``unexpected``: found, not declared (classes in ``ignore_unexpected_classes`` are not reported);
* ``substituted``: the same place (slot, bus address, or the only part of its class) holds another
  unit: its serial, part number, manufacturer or model differs;
* ``drifted``: the same unit, but its revision or a firmware version or hash differs;
* ``not-observed``: a part is found where the declared one should be, but the observed inventory
  gives none of the fields the HBOM declares for it (dmidecode's BMC: present, nothing more);
  it is not counted as matched and verifies nothing (neither the part nor its firmware);

with, for each part, expected and found values field by field. A field the observed inventory
does not give (Redfish gives no firmware hash) is ``not-observed``: never a mismatch, never
verified. Manufacturers are compared as companies (:mod:`sovbom.companies`). Firmware is
matched under the matched part: by name, then by the Redfish ``SoftwareId``, then as the only
firmware of the part on both sides. The server itself
(``metadata.component``) is compared separately, as the *server identity*.

Equal field checks are made once and shared (frozen); so is what a matched pair gives but for its
serial, for the pairs of equal parts that the servers of one shipment repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sovbom.companies import same_company
from sovbom.delivery.extract import Firmware, Part, extract
from sovbom.delivery.match import match_parts, norm, norm_id, norm_name
from sovbom.delivery.model import (
    IDENTITY_FIELDS,
    Comparison,
    FieldCheck,
    FieldStatus,
    PartResult,
    PartStatus,
)
from sovbom.delivery.tolerances import DeliveryTolerances

if TYPE_CHECKING:
    from sovbom.collect.suppliers import SupplierRegistry

#: The order parts are listed in: what needs attention first.
_STATUS_ORDER = {
    s: i
    for i, s in enumerate(
        (
            PartStatus.SUBSTITUTED,
            PartStatus.MISSING,
            PartStatus.UNEXPECTED,
            PartStatus.DRIFTED,
            PartStatus.NOT_OBSERVED,
            PartStatus.MATCHED,
        )
    )
}
_HASH_VERIFIES = (FieldStatus.MATCH, FieldStatus.NOT_OBSERVED, FieldStatus.IGNORED)
_FIRMWARE_AND_HASH = "firmware version and hash observed at delivery match the signed declaration"
_FIRMWARE_VERSION = "firmware version observed at delivery match the signed declaration"
_MATCH, _MISMATCH = FieldStatus.MATCH, FieldStatus.MISMATCH
_NOT_OBSERVED, _NOT_DECLARED = FieldStatus.NOT_OBSERVED, FieldStatus.NOT_DECLARED
_IGNORED, _ACCEPTED = FieldStatus.IGNORED, FieldStatus.ACCEPTED
_MATCHED, _SUBSTITUTED = PartStatus.MATCHED, PartStatus.SUBSTITUTED


def same_manufacturer(a: str, b: str, registry: SupplierRegistry | None = None) -> bool:
    """Two spellings of one company (:func:`sovbom.companies.same_company`: the supplier
    registry's aliases, then normalisation)."""
    return same_company(a, b, registry)


def same_value(field_name: str, a: str, b: str, registry: SupplierRegistry | None = None) -> bool:
    """Whether two values of a field name the same thing (manufacturers: the same company)."""
    if a == b:
        return True
    if field_name == "manufacturer":
        return same_company(a, b, registry)
    if field_name in ("part_number", "serial"):
        return norm_id(a) == norm_id(b)
    return norm(a) == norm(b)


def _show_hashes(hashes: Mapping[str, str], algs: Iterable[str]) -> str | None:
    if len(hashes) == 1 and hashes is algs:  # the usual case: one hash, all shown
        for a, value in hashes.items():
            return f"{a}:{value}"
    shown = [f"{a}:{hashes[a]}" for a in sorted(algs)]
    return " ".join(shown) if shown else None


def pick_firmware(efw: Firmware, pool: list[Firmware], declared: int) -> Firmware | None:
    if not pool:
        return None
    name = norm_name(efw.name)
    for ofw in pool:
        if norm_name(ofw.name) == name:
            return ofw
    for ofw in pool:
        if ofw.software_id and norm_name(ofw.software_id) == name:
            return ofw
    if declared == 1 and len(pool) == 1:
        return pool[0]
    return None


#: Field checks shared by the comparisons made under no ``ignore_fields`` and with the default
#: supplier registry (the result of a check is then a function of the field, the two values and
#: the firmware named): (field, expected, found, firmware) -> the check, frozen. Serials, which do
#: not repeat from server to server, are not kept.
_SHARED: dict[tuple[str, str | None, str | None, str | None], FieldCheck] = {}
#: Checks kept at most.
SHARED_LIMIT = 20_000
#: A matched pair's result but for its serial (:meth:`_Comparer.shape`): the checks before and
#: after the serial's, whether any identity / other field differs, any was compared, any not
#: observed, the firmware the pair verifies (bom-ref, why), and the pair's status when its
#: serials are equal (the usual outcome: see :meth:`_Comparer.pair`).
_Shape = tuple[
    tuple[FieldCheck, ...], tuple[FieldCheck, ...], bool, bool, bool, bool,
    tuple[tuple[str, str], ...], PartStatus,
]  # fmt: skip
#: Pair shapes kept, per set of tolerances (the key holds the ids of firmware the entry keeps).
_PAIRS: dict[tuple[Any, ...], dict[tuple[Any, ...], tuple[_Shape, tuple[Firmware, ...]]]] = {}
#: Pair shapes kept at most (each set of tolerances).
PAIRS_LIMIT = 20_000


def _tolerance_key(t: DeliveryTolerances) -> tuple[Any, ...]:
    newer = tuple(sorted((cls, tuple(sorted(v))) for cls, v in t.accept_newer_firmware.items()))
    return (t.ignore_fields, newer, t.accept_revision_drift, t.ignore_unexpected_classes)


class _Comparer:
    """Compares fields under the tolerances, and records what the comparison verifies."""

    def __init__(
        self, tolerances: DeliveryTolerances, registry: SupplierRegistry | None = None
    ) -> None:
        self.t = tolerances
        self.registry = registry
        self.verified: dict[str, str] = {}
        self.ignored = tolerances.ignore_fields
        self.shared = not self.ignored and registry is None
        #: the pair shapes made under these tolerances (None: with another supplier registry)
        self.pairs = _PAIRS.setdefault(_tolerance_key(tolerances), {}) if registry is None else None

    def check(
        self, name: str, expected: str | None, found: str | None, firmware: str | None = None
    ) -> FieldCheck:
        if not self.shared or name == "serial":
            return self._check(name, expected, found, firmware)
        key = (name, expected, found, firmware)
        done = _SHARED.get(key)
        if done is None:
            done = self._check(name, expected, found, firmware)
            if len(_SHARED) < SHARED_LIMIT:
                _SHARED[key] = done
        return done

    def _check(
        self, name: str, expected: str | None, found: str | None, firmware: str | None
    ) -> FieldCheck:
        if self.ignored and name in self.ignored:
            return FieldCheck(name, expected, found, _IGNORED, firmware)
        if expected is None:
            return FieldCheck(name, expected, found, _NOT_DECLARED, firmware)
        if found is None:
            return FieldCheck(name, expected, found, _NOT_OBSERVED, firmware)
        if expected == found or same_value(name, expected, found, self.registry):
            return FieldCheck(name, expected, found, _MATCH, firmware)
        return FieldCheck(name, expected, found, _MISMATCH, firmware)

    def identity(self, e: Part | None, o: Part | None, loose: list[Firmware]) -> list[FieldCheck]:
        """The server itself: its identity fields, and its firmware (observed anywhere)."""
        if e is None:
            return []
        out = [
            self.check("manufacturer", e.manufacturer, o.manufacturer if o else None),
            self.check("model", e.model, (o.model or o.name) if o else None),
            self.check("part_number", e.part_number, o.part_number if o else None),
            self.check("serial", e.serial, o.serial if o else None),
        ]
        if e.firmware and o is not None:
            anywhere = Part(o.ref, o.name, None, None, None, None, None, None, None, None,
                            [*o.firmware, *loose])  # fmt: skip
            out.extend(self.firmware_fields(e, anywhere))
        return out

    def firmware_fields(self, e: Part, o: Part) -> list[FieldCheck]:
        out: list[FieldCheck] = []
        pool = list(o.firmware)
        for efw in e.firmware:
            ofw = pick_firmware(efw, pool, len(e.firmware))
            if ofw is not None:
                pool.remove(ofw)
            version = self.firmware_version(e, efw, ofw)
            digest = self.hash_field(efw, ofw)
            out += (version, digest)
            if ofw is not None and version.status is _MATCH and digest.status in _HASH_VERIFIES:
                self.verified[efw.ref] = (
                    _FIRMWARE_AND_HASH if digest.status is _MATCH else _FIRMWARE_VERSION
                )
        return out

    def firmware_version(self, e: Part, efw: Firmware, ofw: Firmware | None) -> FieldCheck:
        found = ofw.version if ofw else None
        version = self.check("firmware_version", efw.version, found, efw.name)
        if (
            version.status is FieldStatus.MISMATCH
            and efw.version
            and found
            and self.t.accepts_firmware(e.cls, efw.version, found)
        ):
            version = replace(version, status=_ACCEPTED, note="accept_newer_firmware")
        return version

    def hash_field(self, efw: Firmware, ofw: Firmware | None) -> FieldCheck:
        name = "firmware_hash"
        expected_all = _show_hashes(efw.hashes, efw.hashes)
        found_all = _show_hashes(ofw.hashes, ofw.hashes) if ofw else None
        if name in self.t.ignore_fields:
            return FieldCheck(name, expected_all, found_all, FieldStatus.IGNORED, efw.name)
        if not efw.hashes:
            return FieldCheck(name, None, found_all, FieldStatus.NOT_DECLARED, efw.name)
        if ofw is None or not (common := set(efw.hashes) & set(ofw.hashes)):
            return FieldCheck(name, expected_all, found_all, FieldStatus.NOT_OBSERVED, efw.name)
        ok = all(efw.hashes[a] == ofw.hashes[a] for a in common)
        return FieldCheck(
            name,
            _show_hashes(efw.hashes, common),
            _show_hashes(ofw.hashes, common),
            FieldStatus.MATCH if ok else FieldStatus.MISMATCH,
            efw.name,
        )

    def pair(self, e: Part, o: Part, how: str, observed_label: str) -> PartResult:
        """The result for a matched pair: matched, drifted or substituted."""
        pairs = self.pairs
        if pairs is None:
            shape = self._shape(e, o)
        else:  # :meth:`shape`, inlined (a shipment compares millions of pairs)
            efw, ofw = e.firmware, o.firmware
            if efw or ofw:
                key = (e.cls, e.manufacturer, e.model, e.part_number, e.revision, o.manufacturer,
                       o.model, o.part_number, o.revision, len(efw), *map(id, efw),
                       *map(id, ofw))  # fmt: skip
            else:  # the same key, without the firmware's (none)
                key = (e.cls, e.manufacturer, e.model, e.part_number, e.revision, o.manufacturer,
                       o.model, o.part_number, o.revision, 0)  # fmt: skip
            held = pairs.get(key)
            if held is None:
                held = (self._shape(e, o), (*efw, *ofw))  # the ids stay theirs
                if len(pairs) < PAIRS_LIMIT:
                    pairs[key] = held
            shape = held[0]
        before, after, identity_bad, other_bad, compared, unobserved, firmware_ok, on_match = shape
        es = e.serial
        if es is not None and es == o.serial and not self.ignored:
            # _check's usual outcome, a match: the status is the shape's (see _shape)
            serial = FieldCheck("serial", es, es, _MATCH)
            status, serial_matched = on_match, True
        else:
            serial = self._check("serial", es, o.serial, None)
            st = serial.status
            serial_matched = st is _MATCH
            if st is _MISMATCH:
                identity_bad = True
            elif serial_matched:
                compared = True
            elif st is _NOT_OBSERVED:
                unobserved = True
            if identity_bad:
                status = _SUBSTITUTED
            elif other_bad:
                status = PartStatus.DRIFTED
            elif unobserved and not compared:
                # the observed inventory gave none of the fields the HBOM declares for the part
                # (a part found only as present: dmidecode's BMC, a Redfish entry with no details)
                status = PartStatus.NOT_OBSERVED
            else:
                status = _MATCHED
        verified = self.verified
        if status is _SUBSTITUTED or status is PartStatus.NOT_OBSERVED:
            # another unit (or nothing observed): its firmware says nothing about the declared one
            for fw in e.firmware:
                verified.pop(fw.ref, None)
        else:
            if firmware_ok:
                verified.update(firmware_ok)
            if status is _MATCHED and serial_matched:
                verified[e.ref] = (
                    f"serial {es} observed at {observed_label} matches the signed declaration"
                )
        location = e.slot or e.bus or o.slot or o.bus
        return PartResult(status, e.cls, e.name, e.ref, o.ref, how, location,
                          [*before, serial, *after])  # fmt: skip

    def shape(self, e: Part, o: Part) -> _Shape:
        """What a pair's result is but for its serial: made once for equal pairs (the servers of
        a shipment are built from a few templates), under the same tolerances."""
        if self.pairs is None:
            return self._shape(e, o)
        key = (e.cls, e.manufacturer, e.model, e.part_number, e.revision, o.manufacturer,
               o.model, o.part_number, o.revision, len(e.firmware), *map(id, e.firmware),
               *map(id, o.firmware))  # fmt: skip
        held = self.pairs.get(key)
        if held is None:
            held = (self._shape(e, o), (*e.firmware, *o.firmware))  # the ids stay theirs
            if len(self.pairs) < PAIRS_LIMIT:
                self.pairs[key] = held
        return held[0]

    def _shape(self, e: Part, o: Part) -> _Shape:
        check = self.check
        rev = check("revision", e.revision, o.revision)
        if rev.status is _MISMATCH and e.cls in self.t.accept_revision_drift:
            rev = replace(rev, status=_ACCEPTED, note=f"accept_revision_drift: {e.cls}")
        before = (
            check("manufacturer", e.manufacturer, o.manufacturer),
            check("model", e.model, o.model),
            check("part_number", e.part_number, o.part_number),
        )
        after: tuple[FieldCheck, ...] = (rev,)
        firmware_ok: tuple[tuple[str, str], ...] = ()
        if e.firmware:
            mark = self.verified
            self.verified = {}
            try:
                after = (rev, *self.firmware_fields(e, o))
                firmware_ok = tuple(self.verified.items())
            finally:
                self.verified = mark
        identity_bad = other_bad = compared = unobserved = False
        for f in (*before, *after):
            st = f.status
            if st is _MISMATCH:
                if f.field in IDENTITY_FIELDS:
                    identity_bad = True
                else:
                    other_bad = True
            elif st is _MATCH or st is _ACCEPTED:
                compared = True
            elif st is _NOT_OBSERVED:
                unobserved = True
        # with a serial that matches (compared, then: never not-observed)
        on_match = _SUBSTITUTED if identity_bad else PartStatus.DRIFTED if other_bad else _MATCHED
        return before, after, identity_bad, other_bad, compared, unobserved, firmware_ok, on_match


def _absent_fields(p: Part, side: str) -> list[FieldCheck]:
    """The declared (or found) values of a part that is missing (or unexpected)."""
    expected = side == "expected"
    values = {
        "manufacturer": p.manufacturer,
        "model": p.model,
        "part_number": p.part_number,
        "serial": p.serial,
        "revision": p.revision,
    }
    out = [
        FieldCheck(k, v if expected else None, None if expected else v, FieldStatus.ABSENT)
        for k, v in values.items()
        if v is not None
    ]
    out.extend(
        FieldCheck(
            "firmware_version",
            fw.version if expected else None,
            None if expected else fw.version,
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
    companies: SupplierRegistry | None = None,
) -> Comparison:
    """Match the parts of an expected (factory) HBOM with those of an observed one.

    ``companies``: the supplier registry telling which manufacturer names are one company (the
    default registry when None).
    """
    eroot, eparts, _ = extract(expected)
    oroot, oparts, oloose = extract(observed)
    return compare_parts(
        (eroot, eparts), (oroot, oparts, oloose), tolerances, observed_label=observed_label,
        companies=companies,
    )  # fmt: skip


def compare_parts(
    expected: tuple[Part | None, list[Part]],
    observed: tuple[Part | None, list[Part], list[Firmware]],
    tolerances: DeliveryTolerances | None = None,
    *,
    observed_label: str = "delivery",
    companies: SupplierRegistry | None = None,
) -> Comparison:
    """:func:`compare` on parts already extracted (``extract``'s results)."""
    t = tolerances or DeliveryTolerances()
    (eroot, eparts), (oroot, oparts, oloose) = expected, observed
    cmp = _Comparer(t, companies)
    identity = cmp.identity(eroot, oroot, oloose)
    m = match_parts(eparts, oparts)
    results = [cmp.pair(e, o, how, observed_label) for e, o, how in m.pairs]
    results.extend(
        PartResult(PartStatus.MISSING, e.cls, e.name, e.ref, None, None, e.slot or e.bus,
                   _absent_fields(e, "expected"))
        for e in m.left
    )  # fmt: skip
    ignored = 0
    for o in m.unmatched_observed():
        if o.cls in t.ignore_unexpected_classes:
            ignored += 1
            continue
        results.append(
            PartResult(PartStatus.UNEXPECTED, o.cls, o.name, None, o.ref, None, o.slot or o.bus,
                       _absent_fields(o, "found"))
        )  # fmt: skip
    results.sort(
        key=lambda r: (_STATUS_ORDER[r.status], r.expected_ref or "~" + (r.found_ref or ""))
    )
    return Comparison(
        identity=identity,
        parts=results,
        ignored_unexpected=ignored,
        verified=cmp.verified,
        expected_parts=len(eparts),
        observed_parts=len(oparts),
    )


__all__ = [
    "SHARED_LIMIT",
    "compare",
    "compare_parts",
    "pick_firmware",
    "same_manufacturer",
    "same_value",
]
