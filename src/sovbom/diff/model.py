"""What comparing two BOMs concludes: per component, added, removed, changed (field by field),
moved (now under another parent) or unchanged. Plain data: the renderers in
:mod:`sovbom.report` read these."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    HARDWARE = "hardware"  # type device: matched by identity (serial, slot, bus, ...)
    FIRMWARE = "firmware"  # matched under its matched part, else as software
    SOFTWARE = "software"  # everything else: matched by purl, else name and version


class Status(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"
    UNCHANGED = "unchanged"


#: The order entries are listed in.
STATUS_ORDER = (Status.REMOVED, Status.ADDED, Status.CHANGED, Status.MOVED, Status.UNCHANGED)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: its value in A and in B (None: absent on that side)."""

    field: str
    a: str | None
    b: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "a": self.a, "b": self.b}


@dataclass(frozen=True, slots=True)
class Parent:
    """The component a component is nested in (None ref: the top of the BOM)."""

    ref: str | None
    name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "name": self.name}

    def describe(self) -> str:
        return self.name or self.ref or "(top level)"


@dataclass(slots=True)
class Entry:
    """One component of A, B or both, and what differs.

    ``status`` is ``changed`` when a field differs (the component may also have moved: ``moved``
    then says from where to where), ``moved`` when only its parent differs.
    """

    status: Status
    kind: Kind
    name: str
    cls: str | None
    a_ref: str | None
    b_ref: str | None
    #: how A's and B's component were matched (serial, slot, bus-address, single-of-class,
    #: part-number, root, purl, name-version, name, firmware-name ...); None when one-sided
    matched_by: str | None = None
    #: slot or bus address, else purl, else version: what tells this component from its siblings
    detail: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    moved_from: Parent | None = None
    moved_to: Parent | None = None

    @property
    def moved(self) -> bool:
        return self.moved_from is not None

    @property
    def differs(self) -> bool:
        return self.status is not Status.UNCHANGED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": str(self.status),
            "kind": str(self.kind),
            "name": self.name,
            "class": self.cls,
            "a_ref": self.a_ref,
            "b_ref": self.b_ref,
            "matched_by": self.matched_by,
            "detail": self.detail,
            "changes": [c.to_dict() for c in self.changes],
            "moved": None,
        }
        if self.moved_from is not None and self.moved_to is not None:
            out["moved"] = {"from": self.moved_from.to_dict(), "to": self.moved_to.to_dict()}
        return out


@dataclass(slots=True)
class Side:
    """One of the two documents: where it came from, what it is, and its signature's verdict
    (a dict as :meth:`sovbom.signing.Verdict.to_dict` gives; None when not verified)."""

    source: str
    sha256: str
    serial_number: str | None
    version: int | None
    spec_version: str
    components: int
    signature: dict[str, Any] | None = None
    #: the document's bytes (SARIF locates results at a bom-ref's line); not rendered
    raw: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "serialNumber": self.serial_number,
            "version": self.version,
            "specVersion": self.spec_version,
            "components": self.components,
            "signature": self.signature,
        }


@dataclass(slots=True)
class DiffReport:
    """Everything ``sovbom diff A B`` concluded; ``entries`` holds every component, unchanged
    ones included, in :data:`STATUS_ORDER` then kind and name."""

    a: Side
    b: Side
    entries: list[Entry]

    @property
    def differences(self) -> list[Entry]:
        return [e for e in self.entries if e.differs]

    @property
    def changed(self) -> bool:
        """Anything added, removed, changed or moved."""
        return any(e.differs for e in self.entries)

    def counts(self) -> dict[str, int]:
        """Components per status; a changed component that also moved counts in both."""
        out = {str(s): 0 for s in STATUS_ORDER}
        for e in self.entries:
            out[str(e.status)] += 1
            if e.status is Status.CHANGED and e.moved:
                out[str(Status.MOVED)] += 1
        return out

    def headline(self) -> str:
        c = self.counts()
        if not self.changed:
            return f"no differences ({c['unchanged']} components compared)"
        shown = ", ".join(f"{c[str(s)]} {s}" for s in STATUS_ORDER[:-1] if c[str(s)])
        return f"differences: {shown} ({c['unchanged']} unchanged)"


__all__ = [
    "STATUS_ORDER",
    "DiffReport",
    "Entry",
    "FieldChange",
    "Kind",
    "Parent",
    "Side",
    "Status",
]
