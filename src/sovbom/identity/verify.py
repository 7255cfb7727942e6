"""The one hardware identity step: evidence + anchors + time (+ factory HBOM) -> per-part results.

:func:`verify_hardware` is what ``verify-hardware`` calls and what ``verify-delivery``, ``check``
and ``inspect`` are meant to call. It never raises for bad evidence: every failure is a named
:class:`~sovbom.identity.reasons.Reason` on the part it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sovbom.identity.anchors import TrustStore
from sovbom.identity.chain import ChainValidator
from sovbom.identity.check import Checked
from sovbom.identity.evidence import DeviceEvidence, carries_evidence, parts_of
from sovbom.identity.expected import ExpectedIdentity, ExpectedSet
from sovbom.identity.reasons import ComponentResult, Finding, Reason, Status
from sovbom.identity.workers import Outcome, Settings, check_all


@dataclass(slots=True)
class HardwareReport:
    """Results by bom-ref (observed parts; expected parts that gave no evidence by their ref)."""

    results: dict[str, ComponentResult]
    as_of: datetime | None
    anchors: list[str]
    expected_given: bool
    cache_hits: int = 0
    cache_misses: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        """True when no part failed and every part the factory bound has proved its identity."""
        return all(
            r.status in (Status.VERIFIED, Status.UNBOUND)
            or (r.status is Status.NO_EVIDENCE and not r.findings)
            for r in self.results.values()
        )

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results.values():
            out[r.status.value] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "asOf": self.as_of.isoformat() if self.as_of else None,
            "anchors": self.anchors,
            "expected": self.expected_given,
            "counts": self.counts(),
            "components": [self.results[k].to_json() for k in sorted(self.results)],
        }


def _measurements(c: Checked, e: ExpectedIdentity) -> None:
    r, identity = c.result, c.identity
    fwids = {f"{f.alg.upper()}:{f.digest}" for f in identity.fwids} if identity else set()
    for index, (alg, digest) in sorted(e.measurements.items()):
        want = f"{alg}:{digest}"
        if index == "fwid":
            if want not in fwids:
                r.findings.append(Finding(Reason.MEASUREMENT_MISMATCH, f"no FWID {want[:32]}..."))
            else:
                r.measurements_verified.append("fwid")
            continue
        got = r.measurements.get(int(index)) if index.isdigit() else None
        if got is None:
            if c.transcript is not None:
                r.findings.append(Finding(Reason.MEASUREMENT_MISSING, f"index {index}"))
        elif got.lower() != want.lower():
            r.findings.append(
                Finding(
                    Reason.MEASUREMENT_MISMATCH,
                    f"index {index}: expected {want[:24]}..., signed {got[:24]}...",
                )
            )
        else:
            r.measurements_verified.append(index)


def _bind(c: Checked, expected: ExpectedSet, claimed: set[str]) -> None:
    r, ev, identity = c.result, c.evidence, c.identity
    mine = expected.pair(ev.ref, ev.serial, ev.slot, ev.cls)
    if mine is not None:
        r.paired_ref = mine.ref
    if identity is None:
        return
    ids = identity.identifiers()
    owner = expected.owner_of(ids)
    if mine is not None and mine.has_identity:
        if ids & mine.ids:
            r.expected_ref = mine.ref
        elif owner is not None:
            r.findings.append(
                Finding(
                    Reason.IDENTITY_OF_ANOTHER_COMPONENT,
                    f"{identity.device_id} is recorded for {owner.ref}, not {mine.ref}",
                )
            )
        elif not identity.device_ids and not identity.subject_serial:
            r.findings.append(Finding(Reason.NO_DEVICE_IDENTITY, f"expected {mine.ref}"))
        else:
            r.findings.append(
                Finding(
                    Reason.IDENTITY_NOT_EXPECTED,
                    f"{identity.device_id} is a genuine device, but {mine.ref} was recorded as"
                    f" another one",
                )
            )
    elif owner is not None and owner.ref not in claimed:
        r.expected_ref = owner.ref  # the device proves which recorded part it is
    elif mine is not None:
        r.expected_ref = mine.ref  # the factory recorded measurements only
    if r.expected_ref is not None:
        claimed.add(r.expected_ref)
        bound = mine if mine is not None and mine.ref == r.expected_ref else owner
        if bound is not None:
            _measurements(c, bound)


def _replays(checked: list[Checked], seen: set[bytes]) -> None:
    by_nonce: dict[bytes, list[Checked]] = defaultdict(list)
    for c in checked:
        if c.transcript is not None:
            by_nonce[c.transcript.request_nonce].append(c)
    for nonce, group in by_nonce.items():
        if len(group) > 1 or nonce in seen:
            for c in group:
                others = [g.result.ref for g in group if g is not c]
                where = f"also in {', '.join(others[:3])}" if others else "seen before"
                c.result.findings.append(
                    Finding(Reason.NONCE_REPLAYED, f"{nonce.hex()[:16]}...: {where}")
                )


def verify_evidence(
    evidence: list[DeviceEvidence],
    roots: TrustStore,
    *,
    as_of: datetime | None = None,
    expected: ExpectedSet | None = None,
    validator: ChainValidator | None = None,
    seen_nonces: set[bytes] | None = None,
    jobs: int | None = None,
) -> HardwareReport:
    """Verify evidence already in memory (the HBOM-free entry point, used by the benchmark).

    With ``jobs`` > 1 (default: one per CPU, at most 8, from
    :data:`~sovbom.identity.workers.PARALLEL_THRESHOLD` records on) forked worker processes
    check the evidence; each inherits the chain cache. Binding and replay detection run
    afterwards in this process, over all results.
    """
    validator = (validator or ChainValidator(roots)).using(roots)
    settings = Settings(validator, as_of, datetime.now(UTC))
    outcomes = check_all(evidence, settings, jobs)
    return _report(outcomes, roots, expected or ExpectedSet(None), settings, seen_nonces)


def _report(
    outcomes: list[Outcome],
    roots: TrustStore,
    expected: ExpectedSet,
    settings: Settings,
    seen_nonces: set[bytes] | None,
) -> HardwareReport:
    """Bind every checked part, find replays and missing parts: the report."""
    results: dict[str, ComponentResult] = {}
    checked: list[Checked] = []
    evidence: list[DeviceEvidence] = []
    for ev, c in outcomes:
        evidence.append(ev)
        if c is None:
            results[ev.ref] = ComponentResult(ev.ref, ev.name, Status.NO_EVIDENCE)
        else:
            results[ev.ref] = c.result
            checked.append(c)
    _replays(checked, seen_nonces or set())
    claimed: set[str] = set()
    if expected.given:
        for c in checked:
            _bind(c, expected, claimed)
    for c in checked:
        r = c.result
        if r.findings:
            r.status = Status.FAILED
        else:
            r.status = Status.VERIFIED if r.expected_ref else Status.UNBOUND
    _missing(evidence, results, expected, claimed)
    validator = settings.validator
    return HardwareReport(
        results,
        settings.as_of,
        sorted({a.vendor for a in roots.anchors}),
        expected.given,
        validator.cache_hits,
        validator.cache_misses,
    )


def _missing(
    evidence: list[DeviceEvidence],
    results: dict[str, ComponentResult],
    expected: ExpectedSet,
    claimed: set[str],
) -> None:
    """Parts the factory bound to an identity that proved nothing."""
    for ev in evidence:
        r = results[ev.ref]
        if r.status is not Status.NO_EVIDENCE:
            continue
        mine = expected.pair(ev.ref, ev.serial, ev.slot, ev.cls)
        if mine is not None and mine.has_identity and mine.ref not in claimed:
            r.findings.append(Finding(Reason.NO_EVIDENCE, f"the factory recorded {mine.ref}"))
            r.expected_ref = mine.ref
            claimed.add(mine.ref)
    # a part that presented evidence for it (failed: its own reasons say why) did not go missing
    accounted = claimed | {r.paired_ref for r in results.values() if r.paired_ref}
    for e in expected.items:
        if e.has_identity and e.ref not in accounted and e.ref not in results:
            results[e.ref] = ComponentResult(
                e.ref, e.name, Status.NO_EVIDENCE, [Finding(Reason.EXPECTED_PART_MISSING)]
            )


def verify_hardware(
    observed: Mapping[str, Any],
    roots: TrustStore,
    *,
    as_of: datetime | None = None,
    expected: Mapping[str, Any] | None = None,
    base_dir: str | Path | None = None,
    validator: ChainValidator | None = None,
    files: Mapping[str, bytes] | None = None,
    jobs: int | None = None,
    fallback: datetime | None = None,
) -> HardwareReport:
    """Verify the identity evidence in an observed HBOM (CycloneDX JSON form).

    ``as_of`` fixes the time certificates are checked at (default: each evidence's collection
    time, else now); ``expected`` is the factory HBOM recording device identities and expected
    measurements; ``base_dir`` is where relative evidence file references are resolved (the
    observed HBOM's directory), or ``files`` holds them by the URL the HBOM names them with
    (an evidence pack's members: nothing is then read from disk). ``fallback`` is the time
    evidence without a collection time is checked at (default: now; an evidence pack fixes it
    so that its re-verification years later gives the same answer). Every device component gets
    a result; the server itself only when it carries evidence.
    """
    base = Path(base_dir) if base_dir is not None else None
    exp = ExpectedSet(expected)
    parts = [
        p
        for p in parts_of(observed)
        if carries_evidence(p) or exp.pair(p.ref, p.serial, p.slot, p.cls)
    ]
    now = fallback or datetime.now(UTC)
    settings = Settings((validator or ChainValidator(roots)).using(roots), as_of, now, base, files)
    outcomes = [
        (ev, c)
        for ev, c in check_all(parts, settings, jobs)
        if c is not None or exp.pair(ev.ref, ev.serial, ev.slot, ev.cls)
    ]
    return _report(outcomes, roots, exp, settings, None)
