"""Redfish ``ComponentIntegrity`` (SPDM, TPM) to identity evidence on the part it concerns.

Each enabled ComponentIntegrity resource names its target (``TargetComponentURI``: a trusted
component, a processor, the system) and the certificate the responder authenticated with; the
certificate's ``Links.Issuer`` leads to the rest of the chain. The chain is kept on the target
part as cryptographic-asset components, and the measurements the BMC reports as
``sovbom:identity:measurement`` (``INDEX:ALG:HEX``; ``pcrN`` for TPM PCRs). These measurements
are the BMC's report, not signed evidence: only a transcript (``--challenge``) is.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography import x509

from sovbom import taxonomy as tx
from sovbom.collect.redfish.base import Resource, link, norm, text
from sovbom.collect.redfish.walk import Walk
from sovbom.identity import cdx
from sovbom.model import Component

SOURCE = "redfish-component-integrity"
PROP_INTEGRITY = tx.REDFISH_COMPONENT_INTEGRITY
PROP_INTEGRITY_TYPE = tx.IDENTITY_INTEGRITY_TYPE
PROP_BMC_STATUS = tx.IDENTITY_BMC_VERIFICATION_STATUS
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


def attach_integrity(walk: Walk, by_uri: Mapping[str, Component]) -> list[str]:
    """Put each ComponentIntegrity's evidence on its target part; notes for what cannot be."""
    notes: list[str] = []
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
        chain = chain_of(walk, cert_uri, notes)
        if chain:
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
