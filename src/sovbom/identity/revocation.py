"""Revocation from responses captured with the evidence (OCSP, CRL): offline, never assumed.

For each certificate below the anchor, a captured OCSP response or CRL from its issuer is looked
for. A response counts only when its signature verifies (by the issuer, or an OCSP responder
certificate the issuer delegated with the OCSPSigning purpose) and it was issued no later than the
time of checking. One "revoked" answer (revoked before that time) makes the chain revoked; only
when every certificate has a "good" answer is the result "good"; anything else is "not checked".
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from sovbom.identity import der
from sovbom.identity.reasons import Revocation


@dataclass(frozen=True, slots=True)
class RevocationResult:
    status: Revocation
    detail: str = ""


def _verify(key: object, signature: bytes, data: bytes, alg: object) -> bool:
    if not isinstance(alg, hashes.HashAlgorithm):
        return False
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(alg))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), alg)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError):
        return False
    return True


def _key_hash(cert: x509.Certificate, alg: object) -> bytes:
    """The hash of the BIT STRING content of subjectPublicKey (not the whole SPKI)."""
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    parts = list(der.children(der.one(spki).value))
    name = alg.name if isinstance(alg, hashes.HashAlgorithm) else "sha1"
    return hashlib.new(name, parts[1].value[1:]).digest()


def _ocsp_answer(
    resp: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
) -> Revocation | None:
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return None
    signer = _ocsp_signer(resp, issuer)
    if signer is None or not _verify(
        signer.public_key(), resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm
    ):
        return None
    for single in resp.responses:
        if single.serial_number != cert.serial_number:
            continue
        if single.issuer_key_hash != _key_hash(issuer, single.hash_algorithm):
            continue
        if single.this_update_utc > at:
            continue
        if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            when = single.revocation_time_utc
            return Revocation.REVOKED if when is None or when <= at else Revocation.GOOD
        if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
            return Revocation.GOOD
    return None


def _ocsp_signer(resp: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate | None:
    if resp.responder_name == issuer.subject or resp.responder_key_hash == _key_hash(issuer, None):
        return issuer
    for delegate in resp.certificates:
        try:
            eku = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            continue
        try:
            delegate.verify_directly_issued_by(issuer)
        except (ValueError, InvalidSignature, TypeError, UnsupportedAlgorithm):
            continue
        return delegate
    return None


def _crl_answer(
    crl: x509.CertificateRevocationList,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    at: datetime,
) -> Revocation | None:
    if crl.issuer != issuer.subject or crl.last_update_utc > at:
        return None
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return None
    if not crl.is_signature_valid(key):
        return None
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None and entry.revocation_date_utc <= at:
        return Revocation.REVOKED
    return Revocation.GOOD


@dataclass(frozen=True, slots=True)
class Captured:
    """Parsed revocation data: OCSP responses and CRLs."""

    ocsp: tuple[ocsp.OCSPResponse, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()


def parse_captured(blobs: Sequence[bytes]) -> Captured:
    """OCSP responses (DER) and CRLs (DER or PEM); anything else is ignored."""
    responses: list[ocsp.OCSPResponse] = []
    crls: list[x509.CertificateRevocationList] = []
    for blob in blobs:
        if blob.lstrip().startswith(b"-----BEGIN X509 CRL"):
            with contextlib.suppress(ValueError):
                crls.append(x509.load_pem_x509_crl(blob))
            continue
        try:
            responses.append(ocsp.load_der_ocsp_response(blob))
            continue
        except ValueError:
            pass
        with contextlib.suppress(ValueError):
            crls.append(x509.load_der_x509_crl(blob))
    return Captured(tuple(responses), tuple(crls))


def check_revocation(
    path: Sequence[x509.Certificate], anchor: x509.Certificate, captured: Captured, at: datetime
) -> RevocationResult:
    """``path`` is leaf first, without the anchor."""
    if not captured.ocsp and not captured.crls:
        return RevocationResult(Revocation.NOT_CHECKED, "no OCSP response or CRL was captured")
    missing: list[str] = []
    for i, cert in enumerate(path):
        issuer = path[i + 1] if i + 1 < len(path) else anchor
        answers = [_ocsp_answer(r, cert, issuer, at) for r in captured.ocsp]
        answers += [_crl_answer(c, cert, issuer, at) for c in captured.crls]
        name = cert.subject.rfc4514_string()
        if Revocation.REVOKED in answers:
            return RevocationResult(Revocation.REVOKED, f"{name} (serial {cert.serial_number:x})")
        if Revocation.GOOD not in answers:
            missing.append(name)
    if missing:
        return RevocationResult(
            Revocation.NOT_CHECKED, "no valid captured answer for " + "; ".join(missing)
        )
    return RevocationResult(Revocation.GOOD)
