"""How hardware identity evidence and expectations are written in CycloneDX (see the taxonomy).

On a part (a ``device`` component) of an **observed** HBOM:

* its certificate chain as nested ``cryptographic-asset`` components (``cryptoProperties``
  ``assetType: certificate``), leaf first, each with the SHA-256 of its DER in ``hashes`` and the
  DER itself (base64) in ``sovbom:identity:certificate``;
* the signed SPDM transcript as an ``externalReferences`` entry of type ``evidence`` (a file path
  relative to the HBOM, or a ``data:`` URI) with its SHA-256, named by ``sovbom:identity:transcript``;
* the measurements the transcript carries, ``sovbom:identity:measurement`` = ``INDEX:ALG:HEX``;
* the nonce the requester sent (``sovbom:identity:nonce``, hex), the collection time
  (``sovbom:identity:collected``), the source (``sovbom:identity:source``), captured OCSP/CRL
  responses (``sovbom:identity:revocation``, each also an ``evidence`` reference with SHA-256).

On a part of a **factory (expected)** HBOM: ``sovbom:identity:device-id`` (SPDM device-info
otherName, or subject serialNumber), ``sovbom:identity:fingerprint`` (SHA-256 of the device key's
SubjectPublicKeyInfo) and ``sovbom:identity:expected-measurement`` = ``INDEX:ALG:HEX`` (``INDEX``
may be ``fwid`` for a TCG DICE FWID of the leaf).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sovbom import taxonomy as tx
from sovbom.model import Component, EvidenceRef

PREFIX = tx.IDENTITY_PREFIX
CERTIFICATE = tx.IDENTITY_CERTIFICATE
CHAIN_INDEX = tx.IDENTITY_CHAIN_INDEX
TRANSCRIPT = tx.IDENTITY_TRANSCRIPT
MEASUREMENT = tx.IDENTITY_MEASUREMENT
NONCE = tx.IDENTITY_NONCE
COLLECTED = tx.IDENTITY_COLLECTED
SOURCE = tx.IDENTITY_SOURCE
REVOCATION = tx.IDENTITY_REVOCATION
DEVICE_ID = tx.IDENTITY_DEVICE_ID
FINGERPRINT = tx.IDENTITY_FINGERPRINT
EXPECTED_MEASUREMENT = tx.IDENTITY_EXPECTED_MEASUREMENT
#: the result of ``verify-hardware`` when written back (status and reasons per part)
STATUS = tx.IDENTITY_STATUS
REASON = tx.IDENTITY_REASON

CRYPTO_ASSET = "cryptographic-asset"
TRANSCRIPT_COMMENT = "SPDM GET_MEASUREMENTS transcript (L1/L2 with signature)"
REVOCATION_COMMENT = "captured revocation response (OCSP or CRL)"


def _cn(cert: x509.Certificate) -> str:
    for attr in cert.subject:
        if attr.oid.dotted_string == "2.5.4.3" and isinstance(attr.value, str):
            return attr.value
    return cert.subject.rfc4514_string() or "certificate"


def certificate_properties(cert: x509.Certificate) -> dict[str, Any]:
    """CycloneDX 1.6 ``cryptoProperties`` for an X.509 certificate."""
    return {
        "assetType": "certificate",
        "certificateProperties": {
            "subjectName": cert.subject.rfc4514_string(),
            "issuerName": cert.issuer.rfc4514_string(),
            "notValidBefore": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "notValidAfter": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "certificateFormat": "X.509",
            "certificateExtension": "der",
        },
    }


def certificate_components(
    part_ref: str, chain: list[x509.Certificate], seen_by: str
) -> list[Component]:
    """The chain (leaf first) as cryptographic-asset components to nest under the part."""
    out: list[Component] = []
    for i, cert in enumerate(chain):
        der = cert.public_bytes(Encoding.DER)
        out.append(
            Component(
                ref=f"{part_ref}/cert/{i}",
                name=_cn(cert),
                type=CRYPTO_ASSET,
                hashes={"SHA-256": hashlib.sha256(der).hexdigest()},
                seen_by=[seen_by],
                properties=[
                    (CHAIN_INDEX, str(i)),
                    (CERTIFICATE, base64.b64encode(der).decode("ascii")),
                ],
                crypto_properties=certificate_properties(cert),
            )
        )
    return out


def data_uri(blob: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(blob).decode("ascii")


def transcript_reference(url: str, blob: bytes) -> EvidenceRef:
    return EvidenceRef(
        "evidence", url, sha256=hashlib.sha256(blob).hexdigest(), comment=TRANSCRIPT_COMMENT
    )


def revocation_reference(url: str, blob: bytes) -> EvidenceRef:
    return EvidenceRef(
        "evidence", url, sha256=hashlib.sha256(blob).hexdigest(), comment=REVOCATION_COMMENT
    )


def attach_evidence(
    part: Component,
    chain: list[x509.Certificate],
    *,
    source: str,
    transcript: tuple[str, bytes] | None = None,
    nonce: bytes | None = None,
    collected: str | None = None,
    revocation: list[tuple[str, bytes]] | None = None,
) -> None:
    """Record identity evidence on a part: certificates nested, transcript and responses
    referenced with their SHA-256, the signed measurements as properties.

    ``transcript`` and each ``revocation`` entry are (url, bytes): a path relative to the HBOM or
    a ``data:`` URI (:func:`data_uri`), and the bytes it holds.
    """
    from sovbom.identity.spdm import TranscriptError, parse_transcript

    part.children.extend(
        certificate_components(part.ref, chain, part.seen_by[0] if part.seen_by else source)
    )
    part.properties.append((SOURCE, source))
    if transcript is not None:
        url, blob = transcript
        part.evidence.append(transcript_reference(url, blob))
        part.properties.append((TRANSCRIPT, url))
        try:
            parsed = parse_transcript(_unhex(blob))
        except TranscriptError:
            parsed = None
        if parsed is not None:
            part.properties.extend(
                (MEASUREMENT, f"{b.index}:{b.digest}") for b in parsed.blocks if not b.raw
            )
    if nonce is not None:
        part.properties.append((NONCE, nonce.hex()))
    if collected:
        part.properties.append((COLLECTED, collected))
    for url, blob in revocation or ():
        part.evidence.append(revocation_reference(url, blob))
        part.properties.append((REVOCATION, url))


def _unhex(blob: bytes) -> bytes:
    text = blob.strip()
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return blob


def record_identity(
    part: Component,
    *,
    device_ids: list[str] | None = None,
    fingerprints: list[str] | None = None,
    measurements: dict[str, str] | None = None,
) -> None:
    """Record on a factory HBOM part the identity it must prove (``measurements``: index ->
    ``ALG:hex``)."""
    part.properties.extend((DEVICE_ID, d) for d in device_ids or ())
    part.properties.extend((FINGERPRINT, f) for f in fingerprints or ())
    part.properties.extend(
        (EXPECTED_MEASUREMENT, f"{i}:{v}") for i, v in sorted((measurements or {}).items())
    )
