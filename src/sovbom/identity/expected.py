"""What the factory recorded: each part's device identity and expected measurement digests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom.identity import cdx
from sovbom.identity.evidence import Part, parse_measurement, parts_of


@dataclass(frozen=True, slots=True)
class ExpectedIdentity:
    ref: str
    name: str
    serial: str | None
    slot: str | None
    cls: str | None
    ids: frozenset[str]  # device ids and fingerprints, case-folded
    measurements: dict[str, tuple[str, str]] = field(default_factory=dict)  # index -> (alg, hex)

    @property
    def has_identity(self) -> bool:
        return bool(self.ids)


def _expected(part: Part) -> ExpectedIdentity:
    ids = {v.strip().lower() for v in part.props.get(cdx.DEVICE_ID, ()) if v.strip()}
    ids |= {
        v.strip().lower().removeprefix("sha256:")
        for v in part.props.get(cdx.FINGERPRINT, ())
        if v.strip()
    }
    measurements: dict[str, tuple[str, str]] = {}
    for value in part.props.get(cdx.EXPECTED_MEASUREMENT, ()):
        parsed = parse_measurement(value)
        if parsed:
            measurements[parsed[0]] = (parsed[1], parsed[2])
    return ExpectedIdentity(
        part.ref, part.name, part.serial, part.slot, part.cls, frozenset(ids), measurements
    )


class ExpectedSet:
    """The expected identities of a factory HBOM, looked up by serial, slot, ref and identity."""

    def __init__(self, doc: Mapping[str, Any] | None) -> None:
        self.items: list[ExpectedIdentity] = []
        if doc is not None:
            self.items = [
                e for e in (_expected(p) for p in parts_of(doc)) if e.has_identity or e.measurements
            ]
        self.given = doc is not None
        self._by_serial = {e.serial.lower(): e for e in self.items if e.serial}
        self._by_slot = {(e.slot, e.cls): e for e in self.items if e.slot}
        self._by_ref = {e.ref: e for e in self.items}
        self._by_id: dict[str, ExpectedIdentity] = {}
        for e in self.items:
            for i in e.ids:
                self._by_id.setdefault(i, e)

    def pair(
        self, ref: str, serial: str | None, slot: str | None, cls: str | None
    ) -> ExpectedIdentity | None:
        """The expected part an observed part stands for (serial, then slot and class, then ref)."""
        if serial and serial.lower() in self._by_serial:
            return self._by_serial[serial.lower()]
        if slot and (slot, cls) in self._by_slot:
            return self._by_slot[(slot, cls)]
        return self._by_ref.get(ref)

    def owner_of(self, identifiers: frozenset[str]) -> ExpectedIdentity | None:
        """The expected part whose recorded identity is one of these identifiers."""
        for i in sorted(identifiers):
            if i in self._by_id:
                return self._by_id[i]
        return None
