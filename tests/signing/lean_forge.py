"""A local Sigstore instance driven directly, to forge bundles for the lean verifier's
adversarial tests: this module plays the CA, the CT log and the transparency log, so that it can
also issue what a misbehaving CA or log would. Test-only key material, made in memory.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstore_local.log import TransparencyLog
from sigstore_local.pki import (
    DEFAULT_ISSUER,
    OID_ISSUER_V1,
    OID_ISSUER_V2,
    OID_SCT_LIST,
    InstanceKeys,
    _der_octet_string,
    _der_utf8,
    key_id,
)
from sovbom._io import parse_json
from sovbom.errors import InputError
from sovbom.signers import IdentityRule
from sovbom.signing import ANY_PREDICATE_TYPE, BundleVerifier, TrustMaterial
from sovbom.signing.lean import Decline, LeanVerifier

IDENTITY = "signer@acme-servers.example"


RULE = IdentityRule(identity=IDENTITY, issuer=DEFAULT_ISSUER)


V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"


DATA = b'{"bomFormat": "CycloneDX"}\n'


_KU_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _usage(**on: bool) -> x509.KeyUsage:
    return x509.KeyUsage(**{n: on.get(n, False) for n in _KU_NAMES})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


Extensions = list[tuple[x509.ExtensionType, bool]]


@dataclass
class Forge:
    """A local instance's CA, CT log and transparency log, driven directly."""

    keys: InstanceKeys = field(default_factory=InstanceKeys)
    signer: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        self.log = TransparencyLog(self.keys)

    def leaf_extensions(self, issuer: str = DEFAULT_ISSUER) -> Extensions:
        pub = self.signer.public_key()
        return [
            (_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.SubjectKeyIdentifier.from_public_key(pub), False),
            (
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.keys.intermediate_key.public_key()
                ),
                False,
            ),
            (x509.SubjectAlternativeName([x509.RFC822Name(IDENTITY)]), True),
            (x509.UnrecognizedExtension(OID_ISSUER_V1, issuer.encode()), False),
            (x509.UnrecognizedExtension(OID_ISSUER_V2, _der_utf8(issuer)), False),
        ]

    def leaf(
        self,
        extensions: Extensions | None = None,
        *,
        ca_key: ec.EllipticCurvePrivateKey | None = None,
        ca_cert: x509.Certificate | None = None,
        sct_edit: Callable[[bytes], list[bytes]] | None = None,
    ) -> x509.Certificate:
        """A code-signing certificate with an SCT over its precertificate TBS."""
        ca_key = ca_key or self.keys.intermediate_key
        ca_cert = ca_cert or self.keys.intermediate_cert
        now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=5)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(ca_cert.subject)
            .public_key(self.signer.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(minutes=10))
        )
        for ext, critical in extensions if extensions is not None else self.leaf_extensions():
            builder = builder.add_extension(ext, critical=critical)
        pre = builder.sign(ca_key, hashes.SHA256())
        sct = self._sct(pre.tbs_certificate_bytes, ca_cert.public_key())
        scts = sct_edit(sct) if sct_edit is not None else [sct]
        sct_list = b"".join(struct.pack(">H", len(s)) + s for s in scts)
        octet = _der_octet_string(struct.pack(">H", len(sct_list)) + sct_list)
        return builder.add_extension(
            x509.UnrecognizedExtension(OID_SCT_LIST, octet), critical=False
        ).sign(ca_key, hashes.SHA256())

    def _sct(self, tbs: bytes, issuer_key: Any) -> bytes:
        ts_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000) - 4000
        signed = (
            struct.pack(">BBQH", 0, 0, ts_ms, 1)
            + key_id(issuer_key)
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack(">H", 0)
        )
        signature = self.keys.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return (
            bytes([0])
            + key_id(self.keys.ct_key.public_key())
            + struct.pack(">Q", ts_ms)
            + struct.pack(">H", 0)
            + bytes([4, 3])
            + struct.pack(">H", len(signature))
            + signature
        )

    def bundle(self, cert: x509.Certificate, data: bytes = DATA) -> dict[str, Any]:
        """A v0.3 message-signature bundle for ``data``, logged in the transparency log."""
        digest = hashlib.sha256(data).digest()
        from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

        signature = self.signer.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        pem = _b64(cert.public_bytes(serialization.Encoding.PEM))
        proposed = {
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
                "signature": {"content": _b64(signature), "publicKey": {"content": pem}},
            },
        }
        doc = self._bundle(cert, proposed, "hashedrekord")
        doc["messageSignature"] = {
            "messageDigest": {"algorithm": "SHA2_256", "digest": _b64(digest)},
            "signature": _b64(signature),
        }
        return doc

    def _bundle(self, cert: x509.Certificate, proposed: Any, kind: str) -> dict[str, Any]:
        reply = next(iter(self.log.add(proposed).values()))
        proof = reply["verification"]["inclusionProof"]
        return {
            "mediaType": V03,
            "verificationMaterial": {
                "certificate": {"rawBytes": _b64(cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [
                    {
                        "logIndex": str(reply["logIndex"]),
                        "logId": {"keyId": _b64(bytes.fromhex(reply["logID"]))},
                        "kindVersion": {"kind": kind, "version": "0.0.1"},
                        "integratedTime": str(reply["integratedTime"]),
                        "inclusionPromise": {
                            "signedEntryTimestamp": reply["verification"]["signedEntryTimestamp"]
                        },
                        "inclusionProof": {
                            "logIndex": str(proof["logIndex"]),
                            "rootHash": _b64(bytes.fromhex(proof["rootHash"])),
                            "treeSize": str(proof["treeSize"]),
                            "hashes": [_b64(bytes.fromhex(h)) for h in proof["hashes"]],
                            "checkpoint": {"envelope": proof["checkpoint"]},
                        },
                        "canonicalizedBody": reply["body"],
                    }
                ],
            },
        }

    def dsse_bundle(
        self,
        cert: x509.Certificate,
        payload: bytes,
        payload_type: str = "application/vnd.in-toto+json",
        signatures: int = 1,
    ) -> dict[str, Any]:
        """A v0.3 DSSE bundle; the log records an envelope with ``signatures`` signatures (the
        bundle's envelope keeps the first)."""
        kind = payload_type.encode()
        pae = b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)
        sigs = [
            {"sig": _b64(self.signer.sign(pae, ec.ECDSA(hashes.SHA256())))}
            for _ in range(signatures)
        ]
        envelope = {"payload": _b64(payload), "payloadType": payload_type, "signatures": sigs}
        pem = _b64(cert.public_bytes(serialization.Encoding.PEM))
        proposed = {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {"proposedContent": {"envelope": json.dumps(envelope), "verifiers": [pem]}},
        }
        doc = self._bundle(cert, proposed, "dsse")
        doc["dsseEnvelope"] = {**envelope, "signatures": sigs[:1]}
        return doc

    def root_doc(self) -> dict[str, Any]:
        return self.keys.trusted_root("http://127.0.0.1:1")

    def trust(self, tmp: Path, doc: dict[str, Any] | None = None) -> TrustMaterial:
        path = tmp / f"root-{len(list(tmp.glob('root-*')))}.json"
        path.write_text(json.dumps(doc if doc is not None else self.root_doc()))
        return TrustMaterial.from_trusted_root_file(path)


@dataclass
class Outcome:
    vouched: bool
    lean_status: str
    full_status: str
    reason: str | None


def _status(
    trust: TrustMaterial, rules: list[IdentityRule], lean: bool, data: bytes, bundle: bytes
) -> tuple[str, str | None]:
    try:
        verifier = BundleVerifier(trust, rules, lean=lean, predicate_types=(ANY_PREDICATE_TYPE,))
        v = verifier.verify_bytes(data, bundle, name="f", bundle_name="f.sigstore.json")
    except InputError as e:
        return "input error", e.message
    return str(v.status), v.reason


def verify_both(
    trust: TrustMaterial,
    bundle: dict[str, Any] | bytes,
    data: bytes = DATA,
    rules: list[IdentityRule] | None = None,
) -> Outcome:
    """The lean verifier's answer, and sovbom's verdict with the lean path on and off."""
    rules = rules or [RULE]
    raw = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    vouched = False
    if trust.lean is not None:  # (None: the lean path does not handle this root)
        try:
            doc = parse_json(raw, "b")
            LeanVerifier(trust.lean, rules).verify(doc, hashlib.sha256(data).digest())
            vouched = True
        except Decline:
            pass
    lean_status, _ = _status(trust, rules, True, data, raw)
    full_status, reason = _status(trust, rules, False, data, raw)
    return Outcome(vouched, lean_status, full_status, reason)


def _never_more_lenient(out: Outcome, *, envelope: bool = False) -> None:
    """The lean path's verdict is the full path's, and it vouches only for what that verifies
    (for a DSSE ``envelope``: the envelope, whose statement sovbom then checks on both paths)."""
    assert out.lean_status == out.full_status, out
    if out.vouched and not envelope:
        assert out.full_status == "verified", out


def _replace(exts: Extensions, kind: type | x509.ObjectIdentifier, new: Extensions) -> Extensions:
    def match(e: x509.ExtensionType) -> bool:
        if isinstance(kind, x509.ObjectIdentifier):
            return e.oid == kind
        return isinstance(e, kind)

    return [e for e in exts if not match(e[0])] + new


UNKNOWN = x509.ObjectIdentifier("1.3.6.1.4.1.99999.7")


def _as_v02(bundle: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(bundle)
    material = doc["verificationMaterial"]
    material["x509CertificateChain"] = {"certificates": [material.pop("certificate")]}
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"
    return doc


def _intermediate(forge: Forge, *exts: tuple[x509.ExtensionType, bool]) -> x509.Certificate:
    k = forge.keys
    builder = (
        x509.CertificateBuilder()
        .subject_name(k.intermediate_cert.subject)
        .issuer_name(k.root_cert.subject)
        .public_key(k.intermediate_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(k.not_before)
        .not_valid_after(k.not_before + dt.timedelta(days=30))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(k.root_key.public_key()), False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(k.intermediate_key.public_key()), False
        )
    )
    for ext, critical in exts:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(k.root_key, hashes.SHA384())


def _root_with_intermediate(forge: Forge, inter: x509.Certificate) -> dict[str, Any]:
    doc = forge.root_doc()
    doc["certificateAuthorities"][0]["certChain"]["certificates"][0] = {
        "rawBytes": _b64(inter.public_bytes(serialization.Encoding.DER))
    }
    return doc


def _with_leaf(bundle: dict[str, Any], der: bytes) -> dict[str, Any]:
    doc = copy.deepcopy(bundle)
    doc["verificationMaterial"]["certificate"]["rawBytes"] = _b64(der)
    return doc


def _self_signed(
    key: Any, exts: Extensions, algorithm: hashes.HashAlgorithm | None = None
) -> bytes:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "x")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    for ext, critical in exts:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


def _duplicate_extension() -> bytes:
    """A certificate carrying the same extension twice (built with two OIDs of one length,
    then one renamed: its signature no longer verifies, which does not matter here)."""
    other = x509.ObjectIdentifier("1.3.6.1.4.1.99999.8")
    exts: Extensions = [
        (_usage(digital_signature=True), True),
        (x509.UnrecognizedExtension(UNKNOWN, b"\x05\x00"), False),
        (x509.UnrecognizedExtension(other, b"\x05\x00"), False),
    ]
    der = _self_signed(ec.generate_private_key(ec.SECP256R1()), exts, hashes.SHA256())
    return _swap_oid(der, other, UNKNOWN)


def _oid_der(oid: x509.ObjectIdentifier) -> bytes:
    parts = [int(p) for p in oid.dotted_string.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        body.extend(reversed(chunk))
    return bytes([0x06, len(body)]) + bytes(body)


def _swap_oid(der: bytes, old: x509.ObjectIdentifier, new: x509.ObjectIdentifier) -> bytes:
    a, b = _oid_der(old), _oid_der(new)
    assert der.count(a) == 1 and len(a) == len(b)  # equal lengths keep every DER length right
    return der.replace(a, b)


def _unknown_key_algorithm() -> bytes:
    """A certificate whose subject public key has an algorithm no library knows (its OID
    renamed): it parses, and asking for its public key fails."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = _self_signed(key, [(_usage(digital_signature=True), True)], hashes.SHA256())
    ec_public_key = x509.ObjectIdentifier("1.2.840.10045.2.1")
    return _swap_oid(der, ec_public_key, x509.ObjectIdentifier("1.2.840.10045.2.9"))


def _v1_certificate() -> bytes:
    der = bytearray(_self_signed(ec.generate_private_key(ec.SECP256R1()), [], hashes.SHA256()))
    i = der.index(bytes.fromhex("a003020102"))  # [0] EXPLICIT INTEGER 2 (v3)
    der[i + 4] = 0
    return bytes(der)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _statement(*digests: str) -> bytes:
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "f", "digest": {"sha256": d}} for d in digests],
            "predicateType": "https://cyclonedx.org/bom",
            "predicate": {},
        }
    ).encode()


FILE_SHA256 = hashlib.sha256(DATA).hexdigest()


OTHER_SHA256 = hashlib.sha256(b"other").hexdigest()


def _entry(doc: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = doc["verificationMaterial"]["tlogEntries"][0]
    return entry
