"""Redfish ``ComponentIntegrity`` (SPDM, TPM) to identity evidence on the part it concerns.

Each enabled ComponentIntegrity resource names its target (``TargetComponentURI``: a trusted
component, a processor, the system) and the certificate the responder authenticated with; the
certificate's ``Links.Issuer`` leads to the rest of the chain. The chain is kept on the target
part as cryptographic-asset components, and the measurements the BMC reports as
``sovbom:identity:measurement`` (``INDEX:ALG:HEX``; ``pcrN`` for TPM PCRs). These measurements
are the BMC's report, not signed evidence: only a transcript (``--challenge``,
:mod:`.challenge`) is; it is kept with the nonce that was sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography import x509

from sovbom import taxonomy as tx
from sovbom.collect.redfish.base import Resource, link, norm, text
from sovbom.collect.redfish.walk import Walk
from sovbom.identity import cdx
from sovbom.model import Component

if TYPE_CHECKING:
    from sovbom.collect.redfish.challenge import Challenge

SOURCE = "redfish-component-integrity"
PROP_INTEGRITY = tx.REDFISH_COMPONENT_INTEGRITY
PROP_INTEGRITY_TYPE = tx.IDENTITY_INTEGRITY_TYPE
PROP_BMC_STATUS = tx.IDENTITY_BMC_VERIFICATION_STATUS
PROP_CHALLENGE_FAILED = tx.IDENTITY_CHALLENGE_FAILED
PROP_SPDM_VERSION = tx.IDENTITY_SPDM_VERSION
PROP_HASHING = tx.IDENTITY_HASHING_ALGORITHM
PROP_SIGNING = tx.IDENTITY_SIGNING_ALGORITHM
_MAX_CHAIN = 8
_TPM_ALG = {
    "SHA1": "SHA-1",
    "SHA256": "SHA-256",
    "SHA384": "SHA-384",
    "SHA512": "SHA-512",
    "SHA3256": "SHA3-256",
    "SHA3384": "SHA3-384",
    "SHA3512": "SHA3-512",
}


def hash_name(tpm_alg: str | None) -> str:
    """``TPM_ALG_SHA_384`` / ``TPM_ALG_SHA384`` -> ``SHA-384``."""
    key = (tpm_alg or "").upper().removeprefix("TPM_ALG_").replace("_", "")
    return _TPM_ALG.get(key, tpm_alg or "unknown")


def _auth(doc: Resource) -> tuple[str | None, Mapping[str, object]]:
    for kind in ("SPDM", "TPM"):
        section = doc.get(kind)
        if isinstance(section, Mapping):
            auth = section.get("IdentityAuthentication")
            if isinstance(auth, Mapping):
                responder = auth.get("ResponderAuthentication")
                holder = responder if isinstance(responder, Mapping) else auth
                return link(holder.get("ComponentCertificate")), auth
    return None, {}


def chain_of(walk: Walk, cert_uri: str | None, notes: list[str]) -> list[x509.Certificate]:
    """The certificates from ``cert_uri`` up its ``Links.Issuer`` links, leaf first."""
    out: list[x509.Certificate] = []
    seen: set[str] = set()
    uri = cert_uri
    while uri and uri not in seen and len(seen) < _MAX_CHAIN:
        seen.add(uri)
        doc = walk.certificates.get(uri)
        if doc is None:
            break
        pem = doc.get("CertificateString")
        if isinstance(pem, str) and pem.strip():
            try:
                out.extend(x509.load_pem_x509_certificates(pem.encode()))
            except ValueError as e:
                notes.append(f"redfish: certificate {uri} cannot be read: {e}")
                break
        issuer_links = doc.get("Links")
        uri = link(issuer_links.get("Issuer")) if isinstance(issuer_links, Mapping) else None
    return out


def _measurements(doc: Resource) -> list[str]:
    out: list[str] = []
    for kind, key, label in (("SPDM", "MeasurementIndex", ""), ("TPM", "PCR", "pcr")):
        section = doc.get(kind)
        mset = section.get("MeasurementSet") if isinstance(section, Mapping) else None
        if not isinstance(mset, Mapping):
            continue
        for m in mset.get("Measurements") or ():
            if not isinstance(m, Mapping) or not isinstance(m.get("Measurement"), str):
                continue
            try:
                value = base64.b64decode(m["Measurement"], validate=True).hex()
            except binascii.Error:
                continue
            alg = hash_name(text(m, "MeasurementHashAlgorithm"))
            out.append(f"{label}{m.get(key)}:{alg}:{value}")
    return out


def _challenged(
    target: Component, challenge: Challenge | None, notes: list[str]
) -> tuple[str, bytes] | None:
    """The signed transcript a challenge gave (as a ``data:`` URI and its bytes), with what
    the BMC said of it as properties; None (and a note) when the challenge failed."""
    if challenge is None:
        return None
    if challenge.signed is None:
        target.properties.append((PROP_CHALLENGE_FAILED, challenge.error or "no answer"))
        notes.append(f"redfish: {challenge.uri}: SPDM challenge failed: {challenge.error}")
        return None
    for name, value in (
        (PROP_SPDM_VERSION, challenge.version),
        (PROP_HASHING, challenge.hashing),
        (PROP_SIGNING, challenge.signing),
    ):
        if value:
            target.properties.append((name, value))
    return cdx.data_uri(challenge.signed), challenge.signed


def attach_integrity(
    walk: Walk,
    by_uri: Mapping[str, Component],
    challenges: Mapping[str, Challenge] | None = None,
) -> list[str]:
    """Put each ComponentIntegrity's evidence on its target part; notes for what cannot be.

    ``challenges`` (by resource URI, from ``--challenge``) add the signed transcript, kept as a
    ``data:`` URI with its SHA-256, and the nonce that was sent.
    """
    notes: list[str] = []
    challenges = challenges or {}
    for uri in sorted(walk.integrity):
        doc = walk.integrity[uri]
        if doc.get("ComponentIntegrityEnabled") is False:
            continue
        target_uri = text(doc, "TargetComponentURI")
        target = by_uri.get(norm(target_uri)) if target_uri else None
        if target is None:
            notes.append(f"redfish: {uri}: its target {target_uri} is not in the inventory")
            continue
        if any(name == cdx.SOURCE for name, _ in target.properties):
            notes.append(f"redfish: {uri}: {target.ref} already carries identity evidence")
            continue
        cert_uri, auth = _auth(doc)
        challenge = challenges.get(uri)
        transcript = _challenged(target, challenge, notes)
        if transcript is not None and challenge is not None:
            chain = chain_of(walk, challenge.certificate or cert_uri, notes)
            cdx.attach_evidence(
                target,
                chain,
                source=SOURCE,
                transcript=transcript,
                nonce=challenge.nonce,
                collected=challenge.at,
            )
        elif chain := chain_of(walk, cert_uri, notes):
            cdx.attach_evidence(target, chain, source=SOURCE)
        else:
            target.properties.append((cdx.SOURCE, SOURCE))
        target.properties.append((PROP_INTEGRITY, uri))
        kind = text(doc, "ComponentIntegrityType")
        version = text(doc, "ComponentIntegrityTypeVersion")
        if kind:
            target.properties.append((PROP_INTEGRITY_TYPE, f"{kind} {version or ''}".strip()))
        status = auth.get("VerificationStatus")
        if isinstance(status, str):
            target.properties.append((PROP_BMC_STATUS, status))
        target.properties.extend((cdx.MEASUREMENT, m) for m in _measurements(doc))
    return notes
