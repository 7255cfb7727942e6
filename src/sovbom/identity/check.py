"""One part's evidence checked on its own: chain, signature, nonce, recorded measurements and
revocation (binding to the factory HBOM comes after, over all parts: :mod:`.verify`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from sovbom.identity.certs import DeviceIdentity, device_identity
from sovbom.identity.chain import ChainOk, ChainValidator
from sovbom.identity.evidence import DeviceEvidence
from sovbom.identity.reasons import ComponentResult, Finding, Reason, Revocation, Status
from sovbom.identity.revocation import check_revocation, parse_captured
from sovbom.identity.spdm import Transcript, TranscriptError, parse_transcript, verify_signature


@dataclass(slots=True)
class Checked:
    """A part's result before binding, with what binding needs."""

    result: ComponentResult
    evidence: DeviceEvidence
    identity: DeviceIdentity | None = None
    transcript: Transcript | None = None


def _check_transcript(
    ev: DeviceEvidence, key: CertificatePublicKeyTypes, r: ComponentResult
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
        r.signature_algorithm = verify_signature(t, key)
    except TranscriptError as e:
        r.findings.append(e.finding)
    if ev.nonce is None:
        r.nonce = "not-sent"
    elif ev.nonce == t.request_nonce:
        r.nonce = "matched"
    else:
        r.nonce = "mismatch"
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


def check_evidence(ev: DeviceEvidence, validator: ChainValidator, at: datetime) -> Checked:
    """Chain, signature, nonce, recorded measurements and revocation of one part's evidence."""
    r = ComponentResult(ev.ref, ev.name, Status.FAILED, checked_at=at.isoformat())
    checked = Checked(r, ev)
    r.findings.extend(ev.problems)
    loaded = validator.load(ev.chain)
    if isinstance(loaded, Finding):
        r.findings.append(loaded)
        return checked
    chain, ders = loaded
    leaf = chain[0]
    key = leaf.public_key()
    identity = device_identity(leaf, key)
    checked.identity = identity
    r.device_id, r.fingerprint = identity.device_id, identity.fingerprint
    outcome = validator.validate_loaded(chain, ders, at)
    if isinstance(outcome, ChainOk):
        r.anchor = outcome.anchor.vendor
        r.anchor_subject = validator.anchor_subject(outcome.anchor)
        r.anchor_sha256 = outcome.anchor.fingerprint
        rev = check_revocation(
            (outcome.leaf, *outcome.cas), outcome.anchor.cert, parse_captured(ev.revocation), at
        )
        r.revocation = rev.status
        r.revocation_detail = rev.detail
        if rev.status is Revocation.REVOKED:
            r.findings.append(Finding(Reason.CERTIFICATE_REVOKED, rev.detail))
    else:
        r.findings.append(outcome)
    checked.transcript = _check_transcript(ev, key, r)
    return checked
