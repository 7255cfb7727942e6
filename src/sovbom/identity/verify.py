"""The one hardware identity step: evidence + anchors + time (+ factory HBOM) -> per-part results.

:func:`verify_hardware` is what ``verify-hardware`` calls and what ``verify-delivery``, ``check``
and ``inspect`` are meant to call. It never raises for bad evidence: every failure is a named
:class:`~sovbom.identity.reasons.Reason` on the part it concerns.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from sovbom.identity.anchors import TrustStore
from sovbom.identity.certs import DeviceIdentity, device_identity
from sovbom.identity.chain import ChainOk, ChainValidator, order_leaf_first
from sovbom.identity.evidence import DeviceEvidence, evidence_of, parts_of
from sovbom.identity.expected import ExpectedIdentity, ExpectedSet
from sovbom.identity.reasons import ComponentResult, Finding, Reason, Revocation, Status
from sovbom.identity.revocation import check_revocation, parse_captured
from sovbom.identity.spdm import Transcript, TranscriptError, parse_transcript, verify_signature


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


@dataclass(slots=True)
class _Checked:
    result: ComponentResult
    evidence: DeviceEvidence
    identity: DeviceIdentity | None = None
    transcript: Transcript | None = None


def _load_chain(ev: DeviceEvidence) -> list[x509.Certificate] | Finding:
    if not ev.chain:
        return Finding(Reason.EVIDENCE_UNREADABLE, "no device certificate")
    try:
        return order_leaf_first([x509.load_der_x509_certificate(d) for d in ev.chain])
    except ValueError as e:
        return Finding(Reason.EVIDENCE_UNREADABLE, f"certificate: {e}")


def _check_transcript(
    ev: DeviceEvidence, leaf: x509.Certificate, r: ComponentResult
) -> Transcript | None:
    if ev.transcript is None:
        if not ev.problems:  # an unreadable transcript file is already a finding
            r.findings.append(Finding(Reason.TRANSCRIPT_MISSING))
        return None
    try:
        t = parse_transcript(ev.transcript)
    except TranscriptError as e:
        r.findings.append(e.finding)
        return None
    r.spdm_version = t.version_text
    r.measurements = {b.index: b.digest for b in t.blocks}
    try:
        r.signature_algorithm = verify_signature(t, leaf.public_key())
    except TranscriptError as e:
        r.findings.append(e.finding)
    if ev.nonce is not None and ev.nonce != t.request_nonce:
        r.findings.append(
            Finding(
                Reason.NONCE_MISMATCH,
                f"sent {ev.nonce.hex()[:16]}..., transcript has {t.request_nonce.hex()[:16]}...",
            )
        )
    for index, recorded in sorted(ev.recorded_measurements.items()):
        signed = r.measurements.get(int(index)) if index.isdigit() else None
        if signed is not None and signed.lower() != recorded.lower():
            r.findings.append(
                Finding(
                    Reason.MEASUREMENT_MISMATCH,
                    f"index {index}: the HBOM records {recorded[:24]}..., the signed transcript"
                    f" {signed[:24]}...",
                )
            )
    return t


def check_evidence(ev: DeviceEvidence, validator: ChainValidator, at: datetime) -> _Checked:
    """Chain, signature, nonce, recorded measurements and revocation of one part's evidence."""
    r = ComponentResult(ev.ref, ev.name, Status.FAILED, checked_at=at.isoformat())
    checked = _Checked(r, ev)
    r.findings.extend(ev.problems)
    chain = _load_chain(ev)
    if isinstance(chain, Finding):
        r.findings.append(chain)
        return checked
    leaf = chain[0]
    identity = device_identity(leaf)
    checked.identity = identity
    r.device_id, r.fingerprint = identity.device_id, identity.fingerprint
    outcome = validator.validate(chain, at)
    if isinstance(outcome, ChainOk):
        r.anchor = outcome.anchor.vendor
        rev = check_revocation(
            (outcome.leaf, *outcome.cas), outcome.anchor.cert, parse_captured(ev.revocation), at
        )
        r.revocation = rev.status
        if rev.status is Revocation.REVOKED:
            r.findings.append(Finding(Reason.CERTIFICATE_REVOKED, rev.detail))
    else:
        r.findings.append(outcome)
    checked.transcript = _check_transcript(ev, leaf, r)
    return checked


def _measurements(c: _Checked, e: ExpectedIdentity) -> None:
    r, identity = c.result, c.identity
    fwids = {f"{f.alg.upper()}:{f.digest}" for f in identity.fwids} if identity else set()
    for index, (alg, digest) in sorted(e.measurements.items()):
        want = f"{alg}:{digest}"
        if index == "fwid":
            if want not in fwids:
                r.findings.append(Finding(Reason.MEASUREMENT_MISMATCH, f"no FWID {want[:32]}..."))
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


def _bind(c: _Checked, expected: ExpectedSet, claimed: set[str]) -> None:
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


def _replays(checked: list[_Checked], seen: set[bytes]) -> None:
    by_nonce: dict[bytes, list[_Checked]] = defaultdict(list)
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


#: from this many evidence records on, checking is spread over worker processes
PARALLEL_THRESHOLD = 2000
_WORKER_VALIDATOR: ChainValidator | None = None


def _work(chunk: list[tuple[DeviceEvidence, datetime]]) -> tuple[list[_Checked], int, int]:
    validator = _WORKER_VALIDATOR
    assert validator is not None  # set before the pool forks
    hits, misses = validator.cache_hits, validator.cache_misses
    out = [check_evidence(ev, validator, at) for ev, at in chunk]
    return out, validator.cache_hits - hits, validator.cache_misses - misses


def _check_all(
    work: list[tuple[DeviceEvidence, datetime]], validator: ChainValidator, jobs: int | None
) -> list[_Checked]:
    if jobs is None:
        jobs = min(8, os.cpu_count() or 1) if len(work) >= PARALLEL_THRESHOLD else 1
    if jobs <= 1 or len(work) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_evidence(ev, validator, at) for ev, at in work]
    global _WORKER_VALIDATOR
    _WORKER_VALIDATOR = validator
    size = max(1, len(work) // (jobs * 4))
    chunks = [work[i : i + size] for i in range(0, len(work), size)]
    out: list[_Checked] = []
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for checked, hits, misses in pool.imap(_work, chunks):
                out.extend(checked)
                validator.cache_hits += hits
                validator.cache_misses += misses
    finally:
        _WORKER_VALIDATOR = None
    return out


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

    With ``jobs`` > 1 (default: one per CPU, at most 8, from :data:`PARALLEL_THRESHOLD` records
    on) forked worker processes check the evidence; each keeps its own chain cache. Binding and
    replay detection run afterwards in this process, over all results.
    """
    validator = validator or ChainValidator(roots)
    expected = expected or ExpectedSet(None)
    now = datetime.now(UTC)
    results: dict[str, ComponentResult] = {}
    work: list[tuple[DeviceEvidence, datetime]] = []
    for ev in evidence:
        if ev.present:
            work.append((ev, as_of or ev.collected or now))
        else:
            results[ev.ref] = ComponentResult(ev.ref, ev.name, Status.NO_EVIDENCE)
    checked = _check_all(work, validator, jobs)
    for c in checked:
        results[c.result.ref] = c.result
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
    return HardwareReport(
        results,
        as_of,
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
    for e in expected.items:
        if e.has_identity and e.ref not in claimed and e.ref not in results:
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
) -> HardwareReport:
    """Verify the identity evidence in an observed HBOM (CycloneDX JSON form).

    ``as_of`` fixes the time certificates are checked at (default: each evidence's collection
    time, else now); ``expected`` is the factory HBOM recording device identities and expected
    measurements; ``base_dir`` is where relative evidence file references are resolved (the
    observed HBOM's directory). Every device component gets a result; the server itself only
    when it carries evidence.
    """
    base = Path(base_dir) if base_dir is not None else None
    evidence = [evidence_of(p, base) for p in parts_of(observed)]
    exp = ExpectedSet(expected)
    relevant = [ev for ev in evidence if ev.present or exp.pair(ev.ref, ev.serial, ev.slot, ev.cls)]
    return verify_evidence(relevant, roots, as_of=as_of, expected=exp, validator=validator)
