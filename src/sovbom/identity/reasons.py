"""The vocabulary of hardware identity verification: statuses, named failure reasons, results.

Every way evidence can fail has its own :class:`Reason`, so a report (and a regulator) can say
*why* a part did not prove its identity, not merely that it did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The outcome for one component."""

    #: chain to a configured anchor, signed measurements, identity bound to the expected part
    VERIFIED = "verified"
    #: genuine evidence (chain and signature hold) but nothing to bind it to
    UNBOUND = "unbound"
    #: evidence present and something failed (see the reasons)
    FAILED = "failed"
    #: the part carries no identity evidence
    NO_EVIDENCE = "no-evidence"


class Reason(StrEnum):
    """Why a component's identity does not hold. Values are stable: reports and policies use them."""

    NO_EVIDENCE = "no-evidence"
    EVIDENCE_UNREADABLE = "evidence-unreadable"
    EVIDENCE_DIGEST_MISMATCH = "evidence-digest-mismatch"
    CHAIN_UNTRUSTED = "chain-untrusted"
    CHAIN_INVALID = "chain-invalid"
    CERTIFICATE_EXPIRED = "certificate-expired"
    CERTIFICATE_NOT_YET_VALID = "certificate-not-yet-valid"
    CERTIFICATE_REVOKED = "certificate-revoked"
    TRANSCRIPT_MISSING = "transcript-missing"
    TRANSCRIPT_MALFORMED = "transcript-malformed"
    UNSUPPORTED_SPDM_VERSION = "unsupported-spdm-version"
    ALGORITHM_NOT_ALLOWED = "algorithm-not-allowed"
    SIGNATURE_INVALID = "signature-invalid"
    NONCE_MISMATCH = "nonce-mismatch"
    NONCE_REPLAYED = "nonce-replayed"
    MEASUREMENT_MISMATCH = "measurement-mismatch"
    MEASUREMENT_MISSING = "measurement-missing"
    NO_DEVICE_IDENTITY = "no-device-identity"
    IDENTITY_OF_ANOTHER_COMPONENT = "identity-of-another-component"
    IDENTITY_NOT_EXPECTED = "identity-not-expected"
    EXPECTED_PART_MISSING = "expected-part-missing"


#: a sentence per reason, for reports
EXPLANATIONS: dict[Reason, str] = {
    Reason.NO_EVIDENCE: "the part carries no identity evidence",
    Reason.EVIDENCE_UNREADABLE: "the evidence cannot be read (certificate, transcript or file)",
    Reason.EVIDENCE_DIGEST_MISMATCH: "an evidence file does not have the SHA-256 the HBOM records",
    Reason.CHAIN_UNTRUSTED: "the certificate chain does not lead to a configured hardware root",
    Reason.CHAIN_INVALID: "the certificate chain is broken (signature, issuer, CA constraints)",
    Reason.CERTIFICATE_EXPIRED: "a certificate of the chain had expired at the time of checking",
    Reason.CERTIFICATE_NOT_YET_VALID: "a certificate of the chain was not yet valid at that time",
    Reason.CERTIFICATE_REVOKED: "a captured OCSP response or CRL says a certificate is revoked",
    Reason.TRANSCRIPT_MISSING: "no signed SPDM measurement transcript",
    Reason.TRANSCRIPT_MALFORMED: "the SPDM transcript cannot be parsed",
    Reason.UNSUPPORTED_SPDM_VERSION: "the SPDM transcript is not version 1.1 or 1.2",
    Reason.ALGORITHM_NOT_ALLOWED: "the device key or signature algorithm is not one SPDM allows",
    Reason.SIGNATURE_INVALID: "the measurement signature does not verify with the device key",
    Reason.NONCE_MISMATCH: "the transcript's nonce is not the one the requester sent",
    Reason.NONCE_REPLAYED: "the same nonce appears in more than one transcript (replay)",
    Reason.MEASUREMENT_MISMATCH: "a signed measurement differs from the expected digest",
    Reason.MEASUREMENT_MISSING: "an expected measurement index is absent from the transcript",
    Reason.NO_DEVICE_IDENTITY: "the device certificate carries no identity to bind",
    Reason.IDENTITY_OF_ANOTHER_COMPONENT: "the device identity is the one expected for another part",
    Reason.IDENTITY_NOT_EXPECTED: "a genuine device, but not the one the factory recorded (swap)",
    Reason.EXPECTED_PART_MISSING: "the factory recorded an identity for a part that gave no evidence",
}


class Revocation(StrEnum):
    GOOD = "good"  # every certificate below the anchor has a captured, valid "good" answer
    REVOKED = "revoked"
    NOT_CHECKED = "not-checked"  # no (or incomplete) captured revocation data: never "good"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason with the detail that explains it (which certificate, which index ...)."""

    reason: Reason
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason.value, "detail": self.detail or EXPLANATIONS[self.reason]}


@dataclass(slots=True)
class ComponentResult:
    """The hardware identity verdict for one component (keyed by its bom-ref)."""

    ref: str
    name: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    revocation: Revocation = Revocation.NOT_CHECKED
    anchor: str | None = None  # vendor of the trust anchor the chain leads to
    device_id: str | None = None
    fingerprint: str | None = None  # SHA-256 of the leaf's SubjectPublicKeyInfo
    spdm_version: str | None = None
    signature_algorithm: str | None = None
    measurements: dict[int, str] = field(default_factory=dict)  # index -> "ALG:hex"
    expected_ref: str | None = None  # the factory HBOM component it was bound to
    #: the factory HBOM component the part stands for (serial, slot, ref), bound or not
    paired_ref: str | None = None
    checked_at: str | None = None  # the time certificates were checked at (ISO 8601)
    anchor_subject: str | None = None  # the configured root the chain leads to
    anchor_sha256: str | None = None  # SHA-256 of that root's DER
    #: "matched" (the nonce sent is the one signed), "not-sent" (none recorded), "mismatch"
    nonce: str | None = None
    #: the factory's expected measurements (index, or "fwid") the signed evidence matched
    measurements_verified: list[str] = field(default_factory=list)
    revocation_detail: str = ""

    @property
    def reasons(self) -> list[Reason]:
        return [f.reason for f in self.findings]

    @property
    def holds(self) -> bool:
        return self.status is Status.VERIFIED

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bom-ref": self.ref,
            "name": self.name,
            "status": self.status.value,
            "reasons": [f.to_json() for f in self.findings],
            "revocation": self.revocation.value,
        }
        optional: dict[str, Any] = {
            "anchor": self.anchor,
            "deviceId": self.device_id,
            "fingerprint": self.fingerprint,
            "spdmVersion": self.spdm_version,
            "signatureAlgorithm": self.signature_algorithm,
            "expectedRef": self.expected_ref,
            "checkedAt": self.checked_at,
            "anchorSubject": self.anchor_subject,
            "anchorSha256": self.anchor_sha256,
            "nonce": self.nonce,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.measurements:
            out["measurements"] = {str(k): v for k, v in sorted(self.measurements.items())}
        if self.measurements_verified:
            out["measurementsVerified"] = self.measurements_verified
        return out
