"""Read the Sigstore bundle shapes the lean verifier handles, strictly.

Bundle v0.1, v0.2 and v0.3 JSON with one signing certificate, one Rekor v1 entry
(``hashedrekord`` or ``dsse``, version 0.0.1) carrying an inclusion proof with its checkpoint and
a signed entry timestamp, and either a SHA-256 message signature or a DSSE envelope with one
signature. Anything else (unknown fields or versions, timestamp authority timestamps, public-key
bundles, Rekor v2 entries, certificate chains of more than the leaf) raises
:class:`~sovbom.signing.lean._base.Unsupported`, and the full verifier decides.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sovbom.signing.lean._base import Unsupported, b64, obj, text, uint

V01 = "application/vnd.dev.sigstore.bundle+json;version=0.1"
V02 = "application/vnd.dev.sigstore.bundle+json;version=0.2"
V03_ALT = "application/vnd.dev.sigstore.bundle+json;version=0.3"
V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
MEDIA_TYPES = frozenset({V01, V02, V03_ALT, V03})

HASHEDREKORD = "hashedrekord"
DSSE = "dsse"


@functools.cache
def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


_BUNDLE = _keys("mediaType", "verificationMaterial", "messageSignature", "dsseEnvelope")
_MATERIAL = _keys("certificate", "x509CertificateChain", "tlogEntries", "timestampVerificationData")
_ENTRY = _keys(
    "logIndex",
    "logId",
    "kindVersion",
    "integratedTime",
    "inclusionPromise",
    "inclusionProof",
    "canonicalizedBody",
)
_PROOF = _keys("logIndex", "rootHash", "treeSize", "hashes", "checkpoint")
_RAW = _keys("rawBytes")


@dataclass(frozen=True)
class LogEntry:
    """A Rekor v1 transparency log entry with its proofs."""

    log_index: int
    log_id: bytes
    kind: str
    integrated_time: int
    signed_entry_timestamp: bytes
    proof_index: int
    tree_size: int
    root_hash: bytes
    hashes: tuple[bytes, ...]
    checkpoint: str
    body: bytes


@dataclass(frozen=True)
class Envelope:
    """A DSSE envelope with its one signature."""

    payload_type: str
    payload: bytes
    signature: bytes


@dataclass(frozen=True)
class LeanBundle:
    media_type: str
    leaf_der: bytes
    entry: LogEntry
    #: The message signature (for a DSSE bundle: the envelope's signature).
    signature: bytes
    #: The SHA-256 digest a message signature names, when it names one.
    message_digest: bytes | None
    envelope: Envelope | None


def _leaf(material: dict[str, Any], media_type: str) -> bytes:
    if media_type in (V03, V03_ALT):
        if "certificate" not in material or "x509CertificateChain" in material:
            raise Unsupported("v0.3 bundle without a single certificate")
        return b64(obj(material["certificate"], "certificate", _RAW, _RAW)["rawBytes"], "leaf")
    if "x509CertificateChain" not in material or "certificate" in material:
        raise Unsupported("v0.1/v0.2 bundle without a certificate chain")
    chain = obj(
        material["x509CertificateChain"], "chain", _keys("certificates"), _keys("certificates")
    )
    certs = chain["certificates"]
    if not isinstance(certs, list) or len(certs) != 1:
        raise Unsupported("certificate chain other than the leaf alone")
    return b64(obj(certs[0], "chain[0]", _RAW, _RAW)["rawBytes"], "leaf")


def _no_timestamps(material: dict[str, Any]) -> None:
    if "timestampVerificationData" not in material:
        return
    data = obj(
        material["timestampVerificationData"], "timestamps", _keys("rfc3161Timestamps"), _keys()
    )
    if data.get("rfc3161Timestamps", []) != []:
        raise Unsupported("timestamp authority timestamps")


def _entry(value: Any) -> LogEntry:
    entry = obj(value, "tlogEntries[0]", _ENTRY, _ENTRY)
    kv = obj(
        entry["kindVersion"], "kindVersion", _keys("kind", "version"), _keys("kind", "version")
    )
    kind = text(kv["kind"], "kind")
    if kind not in (HASHEDREKORD, DSSE) or kv["version"] != "0.0.1":
        raise Unsupported("log entry kind or version")
    log_id = obj(entry["logId"], "logId", _keys("keyId"), _keys("keyId"))
    promise = obj(
        entry["inclusionPromise"],
        "inclusionPromise",
        _keys("signedEntryTimestamp"),
        _keys("signedEntryTimestamp"),
    )
    proof = obj(entry["inclusionProof"], "inclusionProof", _PROOF, _PROOF)
    checkpoint = obj(proof["checkpoint"], "checkpoint", _keys("envelope"), _keys("envelope"))
    hashes = proof["hashes"]
    if not isinstance(hashes, list):
        raise Unsupported("inclusion proof hashes")
    integrated = uint(entry["integratedTime"], "integratedTime")
    if integrated == 0:
        raise Unsupported("no integrated time")
    return LogEntry(
        log_index=uint(entry["logIndex"], "logIndex"),
        log_id=b64(log_id["keyId"], "logId"),
        kind=kind,
        integrated_time=integrated,
        signed_entry_timestamp=b64(promise["signedEntryTimestamp"], "SET"),
        proof_index=uint(proof["logIndex"], "proof logIndex"),
        tree_size=uint(proof["treeSize"], "treeSize"),
        root_hash=b64(proof["rootHash"], "rootHash"),
        hashes=tuple(b64(h, "proof hash") for h in hashes),
        checkpoint=text(checkpoint["envelope"], "checkpoint"),
        body=b64(entry["canonicalizedBody"], "body"),
    )


def _envelope(value: Any) -> Envelope:
    env = obj(
        value,
        "dsseEnvelope",
        _keys("payload", "payloadType", "signatures"),
        _keys("payload", "payloadType", "signatures"),
    )
    sigs = env["signatures"]
    if not isinstance(sigs, list) or len(sigs) != 1:
        raise Unsupported("DSSE envelope without exactly one signature")
    sig = obj(sigs[0], "signatures[0]", _keys("sig", "keyid"), _keys("sig"))
    if "keyid" in sig:
        text(sig["keyid"], "keyid")
    signature = b64(sig["sig"], "sig")
    if not signature:
        raise Unsupported("empty DSSE signature")
    return Envelope(
        text(env["payloadType"], "payloadType"), b64(env["payload"], "payload"), signature
    )


def read_bundle(doc: Any) -> LeanBundle:
    """The parts of a bundle (its parsed JSON); :class:`Unsupported` for any other shape."""
    bundle = obj(doc, "bundle", _BUNDLE, _keys("mediaType", "verificationMaterial"))
    media_type = bundle["mediaType"]
    if media_type not in MEDIA_TYPES:
        raise Unsupported("bundle media type")
    material = obj(
        bundle["verificationMaterial"], "verificationMaterial", _MATERIAL, _keys("tlogEntries")
    )
    leaf = _leaf(material, media_type)
    _no_timestamps(material)
    entries = material["tlogEntries"]
    if not isinstance(entries, list) or len(entries) != 1:
        raise Unsupported("not exactly one log entry")
    entry = _entry(entries[0])
    if ("messageSignature" in bundle) == ("dsseEnvelope" in bundle):
        raise Unsupported("neither or both of message signature and DSSE envelope")
    if "dsseEnvelope" in bundle:
        if entry.kind != DSSE:
            raise Unsupported("DSSE envelope with a non-dsse log entry")
        envelope = _envelope(bundle["dsseEnvelope"])
        return LeanBundle(media_type, leaf, entry, envelope.signature, None, envelope)
    if entry.kind != HASHEDREKORD:
        raise Unsupported("message signature with a non-hashedrekord log entry")
    message = obj(
        bundle["messageSignature"],
        "messageSignature",
        _keys("messageDigest", "signature"),
        _keys("signature"),
    )
    digest = None
    if "messageDigest" in message:
        md = obj(
            message["messageDigest"],
            "messageDigest",
            _keys("algorithm", "digest"),
            _keys("algorithm", "digest"),
        )
        if md["algorithm"] != "SHA2_256":
            raise Unsupported("message digest algorithm")
        digest = b64(md["digest"], "digest")
    return LeanBundle(media_type, leaf, entry, b64(message["signature"], "signature"), digest, None)
