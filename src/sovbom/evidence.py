"""What vouches for a BOM and its components: its own signature, and signed evidence files.

* The BOM's bundle, verified against the signer policy, makes its components *attested* when the
  signer holds one of the policy's attestation roles.
* A signed evidence file (a CycloneDX document with its own bundle) makes components *verified*:
  a component whose ``externalReferences[type=bom]`` names the file (SHA-256 of its bytes, or its
  BOM-Link when no hash is given) is vouched for by that file's signer; a component whose SHA-256
  hash equals a hash listed in the file is corroborated by it.

Every signature check fails closed: a bundle that does not verify raises
:class:`~sovbom.errors.VerificationFailed` (exit 3).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovbom import signing
from sovbom import taxonomy as tx
from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, read_bytes
from sovbom.cyclonedx.document import iter_components
from sovbom.cyclonedx.reader import parse_bom
from sovbom.errors import VerificationFailed

if TYPE_CHECKING:
    from sovbom.signing import TrustOptions


def bundle_path_for(path: str | os.PathLike[str], bundle: str | os.PathLike[str] | None) -> Path:
    return Path(bundle) if bundle is not None else signing.default_bundle_path(path)


def verify_bom_signature(
    data: bytes,
    source: str,
    bundle: str | os.PathLike[str],
    options: TrustOptions,
    *,
    roles: Sequence[str] | None = None,
) -> signing.Verdict:
    """Verify the BOM's own bundle (any signer of the policy, or only ``roles``); fail closed.

    A missing bundle is a failed verification (the document is unsigned), not bad input.
    """
    if not Path(bundle).exists():
        raise VerificationFailed(
            f"{source}: not signed: no Sigstore bundle at {bundle}"
            " (sign it with 'sovbom sign', or give --bundle)"
        )
    bundle_bytes = read_bytes(bundle, limit=MAX_SMALL_INPUT_BYTES)
    verdict = signing.verify_bundle_for_bytes(
        data,
        bundle_bytes,
        options.signers,
        options.trust,
        roles=roles,
        predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
        name=source,
        bundle_name=display_name(bundle),
    )
    return verdict


def _sha256_hashes(comp: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for h in comp.get("hashes") or ():
        if (
            isinstance(h, Mapping)
            and h.get("alg") == "SHA-256"
            and isinstance(h.get("content"), str)
        ):
            out.add(h["content"].lower())
    return out


@dataclass(slots=True)
class EvidenceFile:
    source: str
    sha256: str
    bom_link: str | None
    verdict: signing.Verdict
    hashes: set[str]

    def signer(self) -> str:
        roles = ", ".join(self.verdict.roles) or "no role"
        return f"{self.verdict.identity} ({roles})"


def load_evidence(
    path: str | os.PathLike[str], options: TrustOptions, bundle: str | None = None
) -> EvidenceFile:
    """Read a signed evidence document and verify its bundle (fail closed)."""
    source = display_name(path)
    bundle_path = bundle_path_for(path, bundle)
    if not bundle_path.exists():
        raise VerificationFailed(
            f"{source}: not signed: no Sigstore bundle at {bundle_path}"
            " (evidence only counts when its signature verifies)"
        )
    return evidence_from_bytes(
        read_bytes(path),
        source,
        read_bytes(bundle_path, limit=MAX_SMALL_INPUT_BYTES),
        options,
        bundle_name=display_name(bundle_path),
    )


def evidence_from_bytes(
    data: bytes,
    source: str,
    bundle: bytes,
    options: TrustOptions,
    *,
    bundle_name: str | None = None,
) -> EvidenceFile:
    """An evidence document and its bundle, already read (e.g. from an evidence pack).
    ``bundle_name`` names the bundle in messages (default: ``SOURCE.sigstore.json``)."""
    verdict = signing.verify_bundle_for_bytes(
        data,
        bundle,
        options.signers,
        options.trust,
        predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
        name=source,
        bundle_name=bundle_name or f"{source}{signing.BUNDLE_SUFFIX}",
    )
    bom = parse_bom(data, source)
    serial = bom.doc.get("serialNumber")
    version = bom.doc.get("version", 1)
    link = None
    if isinstance(serial, str) and serial.startswith("urn:uuid:"):
        link = f"{tx.BOM_LINK_PREFIX}{serial[len('urn:uuid:') :]}/{version}"
    hashes: set[str] = set()
    for _, comp in iter_components(bom.doc):
        hashes |= _sha256_hashes(comp)
    return EvidenceFile(source, hashlib.sha256(data).hexdigest(), link, verdict, hashes)


def corroborated(doc: Mapping[str, Any], evidence: Sequence[EvidenceFile]) -> dict[str, str]:
    """bom-ref -> why it is verified, from signed evidence files."""
    if not evidence:
        return {}
    by_digest = {e.sha256: e for e in evidence}
    by_link = {e.bom_link: e for e in evidence if e.bom_link}
    out: dict[str, str] = {}
    for _, comp in iter_components(doc):
        ref = comp.get("bom-ref")
        if not isinstance(ref, str):
            continue
        for xref in comp.get("externalReferences") or ():
            if not isinstance(xref, Mapping) or xref.get("type") != "bom":
                continue
            digests = _sha256_hashes(xref)
            hit = next((by_digest[d] for d in digests if d in by_digest), None)
            if hit is None and not digests and isinstance(xref.get("url"), str):
                hit = by_link.get(xref["url"].split("#", 1)[0])
            if hit is not None:
                out[ref] = f"sub-BOM {hit.source} signed by {hit.signer()}"
                break
        if ref in out:
            continue
        mine = _sha256_hashes(comp)
        for e in evidence:
            if mine & e.hashes:
                out[ref] = f"SHA-256 matches signed reference {e.source} (signed by {e.signer()})"
                break
    return out
