"""What a delivery verification concludes: statuses, field and part results, a server's and a
shipment's verdict. Plain data: the renderers in :mod:`sovbom.report` read these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import field as _field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sovbom.policy import CheckResult, Finding

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


class PartStatus(StrEnum):
    MATCHED = "matched"
    MISSING = "missing"
    UNEXPECTED = "unexpected"
    SUBSTITUTED = "substituted"
    DRIFTED = "drifted"
    #: found, but none of the fields the HBOM declares for it was observed: present, unverified
    NOT_OBSERVED = "not-observed"


#: Part statuses that do not fail a delivery (a part found but not observed verifies nothing).
_PASSING = frozenset({PartStatus.MATCHED, PartStatus.NOT_OBSERVED})


class FieldStatus(StrEnum):
    MATCH = "match"  # observed and equal to the declaration
    MISMATCH = "mismatch"  # observed and different
    NOT_OBSERVED = "not-observed"  # declared, but the observed inventory does not give it
    NOT_DECLARED = "not-declared"  # the signed HBOM does not declare it: nothing to compare
    IGNORED = "ignored"  # ignore_fields
    ACCEPTED = "accepted"  # different, within a tolerance (newer firmware, revision drift)
    ABSENT = "absent"  # the part itself is missing or unexpected


_FIELD_STATUS_TEXT = {s: str(s) for s in FieldStatus}
_PART_STATUS_TEXT = {s: str(s) for s in PartStatus}
_NOT_OBSERVED = FieldStatus.NOT_OBSERVED
_MATCHED = PartStatus.MATCHED


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"


@dataclass(frozen=True, slots=True, init=False)
class FieldCheck:
    """One compared field: what the signed HBOM declares and what was found.

    Frozen: equal checks are shared by the comparisons of a shipment's servers.
    """

    field: str
    expected: str | None
    found: str | None
    status: FieldStatus
    #: for firmware_version / firmware_hash: the firmware's name
    firmware: str | None = None
    note: str | None = None
    #: :meth:`to_dict`'s result, made once (a shared check is rendered in every server's report)
    _as_dict: dict[str, Any] | None = _field(default=None, init=False, repr=False, compare=False)

    def __init__(
        self,
        field: str,
        expected: str | None,
        found: str | None,
        status: FieldStatus,
        firmware: str | None = None,
        note: str | None = None,
    ) -> None:
        # the slots set directly (a frozen class's generated __init__ goes through
        # object.__setattr__ for each: a shipment makes a check per part and server)
        _SET_FIELD(self, field)
        _SET_EXPECTED(self, expected)
        _SET_FOUND(self, found)
        _SET_STATUS(self, status)
        _SET_FIRMWARE(self, firmware)
        _SET_NOTE(self, note)
        _SET_AS_DICT(self, None)

    def to_dict(self) -> dict[str, Any]:
        """The check as a report shows it; the same (unmodifiable by convention) dict each call."""
        out = self._as_dict
        if out is not None:
            return out
        out = {
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "status": _FIELD_STATUS_TEXT[self.status],
        }
        if self.firmware is not None:
            out["firmware"] = self.firmware
        if self.note:
            out["note"] = self.note
        object.__setattr__(self, "_as_dict", out)
        return out

    def __getstate__(self) -> tuple[Any, ...]:
        # what travels between processes: the fields, not the rendered dict
        return (self.field, self.expected, self.found, self.status, self.firmware, self.note)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_CHECK_FIELDS, state, strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_as_dict", None)


_CHECK_FIELDS = ("field", "expected", "found", "status", "firmware", "note")
_SET_FIELD, _SET_EXPECTED, _SET_FOUND, _SET_STATUS, _SET_FIRMWARE, _SET_NOTE, _SET_AS_DICT = (
    FieldCheck.__dict__[name].__set__ for name in (*_CHECK_FIELDS, "_as_dict")
)


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
            if f.status is _NOT_OBSERVED:
                label = f"{f.field} ({f.firmware})" if f.firmware else f.field
                if label not in out:
                    out.append(label)
        return out

    def to_dict(self) -> dict[str, Any]:
        # each field's dict and :attr:`unverified`, in one pass (a shipment renders millions)
        fields: list[dict[str, Any]] = []
        unverified: list[str] = []
        add = fields.append
        for f in self.fields:
            d = f._as_dict
            add(d if d is not None else f.to_dict())
            if f.status is _NOT_OBSERVED:
                label = f"{f.field} ({f.firmware})" if f.firmware else f.field
                if label not in unverified:
                    unverified.append(label)
        return {
            "status": _PART_STATUS_TEXT[self.status],
            "class": self.cls,
            "name": self.name,
            "expected_ref": self.expected_ref,
            "found_ref": self.found_ref,
            "matched_by": self.matched_by,
            "location": self.location,
            "fields": fields,
            "unverified": unverified,
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
        if self.summary_counts is not None or self.unverified_count is not None:
            counts, unverified = self.counts(), self.unverified_total()
            kept = [p for p in self.parts if p.status is not _MATCHED]
        else:  # counts() and unverified_total(), and the parts kept, in one pass
            counts = dict.fromkeys(_PART_STATUS_TEXT.values(), 0)
            unverified = 0
            kept = []
            for p in self.parts:
                status = p.status
                counts[_PART_STATUS_TEXT[status]] += 1
                if status is not _MATCHED:
                    kept.append(p)
                n = 0
                for f in p.fields:
                    if f.status is _NOT_OBSERVED:
                        n += 1
                unverified += len(p.unverified) if n > 1 else n  # (two may name one field)
        return Comparison(
            identity=self.identity,
            parts=kept,
            ignored_unexpected=self.ignored_unexpected,
            verified={},
            expected_parts=self.expected_parts,
            observed_parts=self.observed_parts,
            summary_counts=counts,
            verified_count=self.verified_total(),
            unverified_count=unverified,
        )

    def verified_total(self) -> int:
        """Components of the expected HBOM verified at delivery."""
        return self.verified_count if self.verified_count is not None else len(self.verified)

    def unverified_total(self) -> int:
        """Declared fields of matched parts that the observed inventory did not give."""
        if self.unverified_count is not None:
            return self.unverified_count
        total = 0
        for p in self.parts:
            n = 0
            for f in p.fields:
                if f.status is _NOT_OBSERVED:
                    n += 1
            total += len(p.unverified) if n > 1 else n  # (two may name one field)
        return total

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
        out = dict.fromkeys(_PART_STATUS_TEXT.values(), 0)
        for p in self.parts:
            out[_PART_STATUS_TEXT[p.status]] += 1
        return out

    @property
    def matched(self) -> bool:
        """The identity matched and every part is matched or only present (not observed)."""
        return self.identity_ok and all(p.status in _PASSING for p in self.parts)


@dataclass(slots=True)
class SourceInfo:
    source: str
    sha256: str | None = None
    serial_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "serialNumber": self.serial_number}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What makes a server unique within a shipment (compared across servers, never rendered).

    ``serials``: normalised serial -> what declares it (``server`` or the part's name and
    location), from the signed HBOM.
    """

    expected_sha256: str
    observed_sha256: str | None
    serials: dict[str, str]


@dataclass(slots=True)
class DeliveryResult:
    """Everything verify-delivery concluded about one server (what the reports render).

    ``comparison`` is None when the signature failed (nothing is compared then); ``policy`` is
    the policy check of the expected HBOM (None without ``--policy``) and ``unexpected_findings``
    the policy findings of parts found but not declared. ``duplicates`` says why the server is
    not unique within its shipment (the same signed HBOM, inventory or serials as another
    server): a delivery mismatch.
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
    policy: CheckResult | None = None
    unexpected_findings: list[Finding] = field(default_factory=list)
    policy_source: str | None = None
    policy_sha256: str | None = None
    fail_on: str = "high"
    tolerances: dict[str, Any] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    #: parts the factory bound a hardware identity to that did not prove it (``--hardware-roots``)
    identity_failures: list[str] = field(default_factory=list)
    fingerprint: Fingerprint | None = None

    @property
    def delivery_ok(self) -> bool:
        return (
            self.signature_ok
            and self.comparison is not None
            and self.comparison.matched
            and not self.duplicates
            and not self.identity_failures
        )

    @property
    def policy_fails(self) -> bool:
        if self.policy is None:
            return False
        from sovbom.policy import fail_threshold

        threshold = fail_threshold(self.fail_on)
        if threshold is None or self.policy.fails(threshold):
            return threshold is not None
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
        out.extend(self.duplicates)
        out.extend(self.identity_failures)
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


@dataclass(slots=True)
class ShipmentTally:
    """What a shipment's verdict, exit code and summary are computed from, kept as servers are
    added (or replaced): counts, and the names of the servers that fail or are duplicates
    (keyed by position, so that they come out in directory order). Memory grows only with
    the servers that fail, so that a shipment's results need not be held to conclude."""

    servers: int = 0
    passed: int = 0
    signature_failed: int = 0
    delivery_mismatch: int = 0
    policy_failed: int = 0
    #: servers by exit code (0 pass; 1 only policy findings; 3 signature or delivery mismatch)
    codes: dict[int, int] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    duplicated: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, results: Iterable[DeliveryResult]) -> ShipmentTally:
        tally = cls()
        for i, r in enumerate(results):
            tally.add(i, r)
        return tally

    def add(self, i: int, r: DeliveryResult | ResultFacts) -> None:
        """Count server ``i``'s result."""
        self._count(i, r if isinstance(r, ResultFacts) else ResultFacts.of(r), 1)

    def remove(self, i: int, r: DeliveryResult | ResultFacts) -> None:
        """Take back what :meth:`add` counted of server ``i``'s result (it is being replaced)."""
        self._count(i, r if isinstance(r, ResultFacts) else ResultFacts.of(r), -1)

    def _count(self, i: int, r: ResultFacts, n: int) -> None:
        delivery_ok, policy_fails = r.delivery_ok, r.policy_fails
        passed = delivery_ok and not policy_fails
        self.servers += n
        self.passed += n * passed
        self.signature_failed += n * (not r.signature_ok)
        self.delivery_mismatch += n * (r.signature_ok and not delivery_ok)
        self.policy_failed += n * (delivery_ok and policy_fails)
        code = 3 if not delivery_ok else (1 if policy_fails else 0)
        self.codes[code] = self.codes.get(code, 0) + n
        for names, named in ((self.failed, not passed), (self.duplicated, r.duplicated)):
            if named and n > 0:
                names[i] = r.server
            elif named:
                del names[i]


class ResultFacts(NamedTuple):
    """What a :class:`ShipmentTally` counts of a server's result (read where it is made)."""

    server: str
    signature_ok: bool
    delivery_ok: bool
    policy_fails: bool
    duplicated: bool

    @classmethod
    def of(cls, r: DeliveryResult) -> ResultFacts:
        return cls(r.server, r.signature_ok, r.delivery_ok, r.policy_fails, bool(r.duplicates))


@dataclass(slots=True)
class ShipmentResult:
    """Every server of a shipment, in directory order.

    ``servers`` is any sequence of results: a list, or the
    :class:`~sovbom.delivery.spool.ResultSpool` that :func:`~sovbom.delivery.verify_shipment`
    returns (results kept in a temporary file, read back one at a time). The verdict, exit code
    and summary come from the spool's running :class:`ShipmentTally` (a list is counted once
    per call): concluding never holds every result in memory.

    ``other_entries``: what the shipment directory holds besides server directories (files at
    its top level), listed so that nothing in it goes unmentioned; they are not verified.
    """

    directory: str
    servers: Sequence[DeliveryResult]
    other_entries: list[str] = field(default_factory=list)

    def tally(self) -> ShipmentTally:
        """The counts of :attr:`servers` (kept by a spool, else counted now)."""
        from sovbom.delivery.spool import ResultSpool

        if isinstance(self.servers, ResultSpool):
            return self.servers.tally
        return ShipmentTally.of(self.servers)

    @property
    def verdict(self) -> Verdict:
        t = self.tally()
        return Verdict.PASS if t.passed == t.servers else Verdict.FAIL

    @property
    def exit_code(self) -> int:
        codes = self.tally().codes
        if codes.get(3):
            return 3
        return 1 if codes.get(1) else 0

    @property
    def failed_servers(self) -> list[str]:
        """Servers that fail, in directory order."""
        return [name for _, name in sorted(self.tally().failed.items())]

    @property
    def duplicated_servers(self) -> list[str]:
        """Servers that are not unique within the shipment."""
        return [name for _, name in sorted(self.tally().duplicated.items())]

    def summary(self) -> dict[str, int]:
        t = self.tally()
        return {
            "servers": t.servers,
            "passed": t.passed,
            "failed": t.servers - t.passed,
            "signature_failed": t.signature_failed,
            "delivery_mismatch": t.delivery_mismatch,
            "policy_failed": t.policy_failed,
        }


__all__ = [
    "FIELDS",
    "IDENTITY_FIELDS",
    "Comparison",
    "DeliveryResult",
    "FieldCheck",
    "FieldStatus",
    "Fingerprint",
    "PartResult",
    "PartStatus",
    "ResultFacts",
    "ShipmentResult",
    "ShipmentTally",
    "SourceInfo",
    "Verdict",
]
