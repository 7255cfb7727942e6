"""Matching the parts of an expected HBOM with those of an observed one.

In this order, each part matched once:

1. by serial number (placeholders such as ``Not Specified`` are no serial);
2. by class and slot, then by class and PCI bus address;
3. by class for the only remaining part of a single-instance class (chassis, baseboard, BMC, TPM,
   GPU baseboard) on both sides;
4. by class and part number, for parts that declare no serial.

For two documents of any kind (``any_document``: ``sovbom diff``), a slot or bus address shared
by several parts of one class on either side identifies none of them (a component HBOM gives
every part the location ``mainboard``), and a final pass matches parts that declare no serial
on either side by class, name and manufacturer (``name``). verify-delivery does not use these.

Pure: parts in, pairs out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sovbom.delivery.extract import Part

#: Classes of which a server has one: matched to each other when nothing else matches.
SINGLETON_CLASSES = frozenset({"chassis", "baseboard", "bmc", "tpm", "gpu-baseboard"})

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def norm(value: str) -> str:
    """White space collapsed, case folded."""
    return " ".join(value.split()).casefold()


_NAMES: dict[str, str] = {}
#: Names :func:`norm_name` remembers at most.
_NAMES_CACHED = 20_000


def norm_name(value: str) -> str:
    """:func:`norm` of a value that repeats from server to server (a name), remembered."""
    out = _NAMES.get(value)
    if out is None:
        out = norm(value)
        if len(_NAMES) < _NAMES_CACHED:
            _NAMES[value] = out
    return out


def norm_id(value: str) -> str:
    """A serial or part number as compared: case folded, without white space (``norm`` without
    its spaces: no character case folds to a space)."""
    return "".join(value.split()).casefold()


def norm_location(value: str) -> str:
    """A slot or bus address as compared: letters and digits only (``DIMM_A1`` = ``dimm a1``)."""
    return _NOT_ALNUM.sub("", value.casefold())


@dataclass(slots=True)
class Matching:
    """Pairs of (expected, observed, how), expected parts left over, observed parts used."""

    observed: Sequence[Part]
    pairs: list[tuple[Part, Part, str]] = field(default_factory=list)
    left: list[Part] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    def unmatched_observed(self) -> list[Part]:
        """Observed parts no expected part was matched with, in document order."""
        return [o for i, o in enumerate(self.observed) if i not in self.used]

    def take(self, e: Part, i: int, how: str) -> None:
        self.used.add(i)
        self.pairs.append((e, self.observed[i], how))


def match_parts(
    expected: Sequence[Part], observed: Sequence[Part], *, any_document: bool = False
) -> Matching:
    """Match ``expected`` parts with ``observed`` ones (see the module's documentation)."""
    m = Matching(observed)
    _by_serial(m, expected)
    if not m.left:  # every part matched by its serial: the other passes would match none
        return m
    _by_location(m, "slot", unique=any_document)
    _by_location(m, "bus-address", unique=any_document)
    _by_class(m)
    if any_document:
        _by_name(m)
    return m


def _by_serial(m: Matching, expected: Sequence[Part]) -> None:
    # norm_id and Matching.take inlined: a shipment matches millions of parts
    index: dict[str, int] = {}
    setdefault = index.setdefault
    for i, o in enumerate(m.observed):
        if o.serial:
            setdefault("".join(o.serial.split()).casefold(), i)
    observed, used, pairs, left = m.observed, m.used, m.pairs, m.left
    get = index.get
    for e in expected:
        hit = get("".join(e.serial.split()).casefold()) if e.serial else None
        if hit is not None and hit not in used:
            used.add(hit)
            pairs.append((e, observed[hit], "serial"))
        else:
            left.append(e)


def _by_location(m: Matching, kind: str, *, unique: bool = False) -> None:
    index: dict[tuple[str | None, str], int] = {}
    shared: set[tuple[str | None, str]] = set()
    for i, o in enumerate(m.observed):
        if i in m.used:
            continue
        loc = o.slot if kind == "slot" else o.bus
        if loc:
            key = (o.cls, norm_location(loc))
            if key in index:
                shared.add(key)
            index.setdefault(key, i)
    if unique:
        seen: set[tuple[str | None, str]] = set()
        for e in m.left:
            loc = e.slot if kind == "slot" else e.bus
            if loc:
                key = (e.cls, norm_location(loc))
                if key in seen:
                    shared.add(key)
                seen.add(key)
        for key in shared:
            index.pop(key, None)
    still: list[Part] = []
    for e in m.left:
        loc = e.slot if kind == "slot" else e.bus
        hit = index.get((e.cls, norm_location(loc))) if loc else None
        if hit is not None and hit not in m.used:
            m.take(e, hit, kind)
        else:
            still.append(e)
    m.left = still


def _by_class(m: Matching) -> None:
    """The only remaining part of a single-instance class on both sides; else, for a part that
    declares no serial, the first remaining part of its class with the same part number."""
    remaining: dict[str | None, list[int]] = {}
    for i, o in enumerate(m.observed):
        if i not in m.used:
            remaining.setdefault(o.cls, []).append(i)
    declared: dict[str | None, int] = {}
    for e in m.left:
        declared[e.cls] = declared.get(e.cls, 0) + 1
    still: list[Part] = []
    for e in m.left:
        candidates = remaining.get(e.cls, [])
        if e.cls in SINGLETON_CLASSES and declared[e.cls] == 1 and len(candidates) == 1:
            m.take(e, candidates[0], "single-of-class")
            candidates.clear()
            continue
        hit = None
        if not e.serial and e.part_number:
            wanted = norm_id(e.part_number)
            hit = next(
                (
                    i
                    for i in candidates
                    if m.observed[i].part_number
                    and _same_part_number(e.part_number, m.observed[i].part_number or "", wanted)
                ),
                None,
            )
        if hit is None:
            still.append(e)
        else:
            candidates.remove(hit)
            m.take(e, hit, "part-number")
    m.left = still


def _by_name(m: Matching) -> None:
    """Parts that declare no serial on either side: by class, name and manufacturer."""
    index: dict[tuple[str | None, str, str], list[int]] = {}
    for i, o in enumerate(m.observed):
        if i not in m.used and not o.serial:
            index.setdefault((o.cls, norm(o.name), norm(o.manufacturer or "")), []).append(i)
    still: list[Part] = []
    for e in m.left:
        hits = None if e.serial else index.get((e.cls, norm(e.name), norm(e.manufacturer or "")))
        if hits:
            m.take(e, hits.pop(0), "name")
        else:
            still.append(e)
    m.left = still


def _same_part_number(a: str, b: str, a_normalised: str) -> bool:
    return a == b or a_normalised == norm_id(b)


__all__ = [
    "SINGLETON_CLASSES",
    "Matching",
    "match_parts",
    "norm",
    "norm_id",
    "norm_location",
    "norm_name",
]
