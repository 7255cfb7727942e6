"""The lean verifier: accepts a bundle only when every check below holds, else declines.

For a bundle read by :mod:`~sovbom.signing.lean.bundle`, at its verified time ``t`` (the
integrated time its signed entry timestamp binds), with only the trusted root's keys valid at
``t`` (:mod:`~sovbom.signing.lean.root`):

1. the signing certificate is an X.509 v3 leaf (not a CA, BasicConstraints critical when present,
   no certificate signing: as sigstore-python reads a leaf) for digital signatures and code
   signing, valid at ``t``, and chains to a certificate authority (:mod:`.chain`);
2. its embedded SCT verifies with a CT log key (:mod:`.sct`);
3. it names an allowed signer: a SAN identity and the OIDC issuer (extensions 1.3.6.1.4.1.57264.1.8
   and .1.1, which must agree) matching one rule;
4. the log entry's inclusion proof gives the root hash of a checkpoint signed by the log's key, and
   the signed entry timestamp verifies with that key (:mod:`.merkle`);
5. the signature verifies with the certificate's key: over the file's SHA-256 for a message
   signature (whose digest, when named, must be the file's), over the DSSE pre-authentication
   encoding for an envelope;
6. the log entry's body records exactly this signature, certificate and digest (or payload hash).

Any failure raises :class:`~sovbom.signing.lean._base.Decline`; the caller then runs
sigstore-python's verification, which decides and words the reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import ExtendedKeyUsageOID

from sovbom.signers import IdentityRule, match_rules
from sovbom.signing.lean._base import MEMO_LIMIT, Decline, Rejected, Unsupported
from sovbom.signing.lean.bundle import LeanBundle, LogEntry, read_bundle
from sovbom.signing.lean.chain import Chains
from sovbom.signing.lean.identity import certificate_identities, certificate_issuer
from sovbom.signing.lean.merkle import leaf_hash, parse_checkpoint, root_from_proof
from sovbom.signing.lean.root import LeanRoot, LogKey
from sovbom.signing.lean.sct import SctChecker

_PREHASHED_SHA256 = ec.ECDSA(utils.Prehashed(hashes.SHA256()))
_SHA256 = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class Accepted:
    """A bundle the lean verifier vouches for."""

    certificate: x509.Certificate
    identities: list[str]
    issuer: str
    #: (payload type, payload) of a DSSE envelope, else ``None``.
    payload: tuple[str, bytes] | None


@dataclass(frozen=True)
class _Leaf:
    cert: x509.Certificate
    key: ec.EllipticCurvePublicKey
    pem_b64: str
    identities: list[str]
    issuer: str | None


def _read_leaf(der: bytes) -> _Leaf:
    try:
        cert = x509.load_der_x509_certificate(der)
        if cert.version is not x509.Version.v3:
            raise Unsupported("certificate version")
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        except x509.ExtensionNotFound:
            constraints = None
        # sigstore-python refuses (as a CA, or as inconsistent) a leaf with BasicConstraints that
        # is not critical, says CA, or whose KeyUsage allows certificate signing.
        if constraints is not None and (not constraints.critical or constraints.value.ca):
            raise Rejected("signing certificate: CA or non-critical basic constraints")
        if usage.key_cert_sign:
            raise Rejected("signing certificate may sign certificates")
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        key = cert.public_key()
        identities, issuer = certificate_identities(cert), certificate_issuer(cert)
    except (
        ValueError,
        UnsupportedAlgorithm,
        x509.DuplicateExtension,
        x509.ExtensionNotFound,
        x509.UnsupportedGeneralNameType,
    ) as e:  # whatever the bundle's bytes hold: declined, never raised
        raise Unsupported(f"signing certificate: {e}") from e
    if not usage.digital_signature or ExtendedKeyUsageOID.CODE_SIGNING not in extended:
        raise Rejected("signing certificate is not for code signing")
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unsupported("signing key type")
    pem = base64.b64encode(cert.public_bytes(serialization.Encoding.PEM)).decode()
    return _Leaf(cert, key, pem, identities, issuer)


def _pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def _set_payload(entry: LogEntry) -> bytes:
    """What the signed entry timestamp signs: RFC 8785 JSON of four fields (base64 and hex
    strings need no escaping and the integers are below 2**53, so sorted compact JSON is it)."""
    doc = {
        "body": base64.b64encode(entry.body).decode(),
        "integratedTime": entry.integrated_time,
        "logID": entry.log_id.hex(),
        "logIndex": entry.log_index,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class LeanVerifier:
    """Verify bundles with a trusted root's keys and allowed signers; see the module doc."""

    def __init__(self, root: LeanRoot, rules: Sequence[IdentityRule]) -> None:
        if not rules:
            raise ValueError("no allowed signer")
        self.root = root
        self.rules = tuple(rules)
        self._chains = Chains(root)
        self._leaves: dict[bytes, _Leaf] = {}
        self._allowed: set[bytes] = set()
        self._scts = SctChecker(root)

    def verify(self, doc: object, sha256: bytes) -> Accepted:
        """Vouch for the bundle (its parsed JSON) over a file with this SHA-256, or raise
        :class:`Decline`."""
        bundle = read_bundle(doc)
        leaf = self._leaf(bundle.leaf_der)
        entry = bundle.entry
        try:
            t = dt.datetime.fromtimestamp(entry.integrated_time, dt.UTC)
        except (ValueError, OverflowError, OSError) as e:
            raise Unsupported("integrated time") from e
        now = dt.datetime.now(dt.UTC)
        if not leaf.cert.not_valid_before_utc <= t <= leaf.cert.not_valid_after_utc:
            raise Rejected("signing certificate not valid at the integrated time")
        issuer = self._chains.issuer(leaf.cert, bundle.leaf_der, t, now)
        self._scts.check(leaf.cert, issuer, t, now)
        self._check_signer(bundle.leaf_der, leaf)
        log_key = self.root.log_key(self.root.tlogs, entry.log_id, t, now)
        if log_key is None:
            raise Rejected("no transparency log key valid at the signing time")
        self._check_entry(entry, log_key)
        self._check_signature(bundle, leaf, sha256)
        payload = None
        if bundle.envelope is not None:
            payload = (bundle.envelope.payload_type, bundle.envelope.payload)
        if leaf.issuer is None:  # pragma: no cover - _check_signer declined it
            raise Rejected("no OIDC issuer")
        return Accepted(leaf.cert, leaf.identities, leaf.issuer, payload)

    def _leaf(self, der: bytes) -> _Leaf:
        leaf = self._leaves.get(der)
        if leaf is None:
            leaf = _read_leaf(der)
            if len(self._leaves) >= MEMO_LIMIT:
                self._leaves.clear()
            self._leaves[der] = leaf
        return leaf

    def _check_signer(self, der: bytes, leaf: _Leaf) -> None:
        if der in self._allowed:
            return
        if leaf.issuer is None:
            raise Rejected("no (or inconsistent) OIDC issuer")
        if not any(match_rules(self.rules, i, leaf.issuer) for i in leaf.identities):
            raise Rejected("signer not allowed")
        if len(self._allowed) >= MEMO_LIMIT:
            self._allowed.clear()
        self._allowed.add(der)

    @staticmethod
    def _check_entry(entry: LogEntry, key: LogKey) -> None:
        root = root_from_proof(
            entry.proof_index, entry.tree_size, leaf_hash(entry.body), entry.hashes
        )
        if root != entry.root_hash:
            raise Rejected("inclusion proof does not give its root hash")
        checkpoint = parse_checkpoint(entry.checkpoint)
        hint = entry.log_id[:4]
        signature = next((sig for _, h, sig in checkpoint.signatures if h == hint), None)
        if signature is None or not key.verify(signature, checkpoint.signed_text):
            raise Rejected("checkpoint not signed by the log")
        if checkpoint.root_hash != entry.root_hash or checkpoint.size != entry.tree_size:
            raise Rejected("checkpoint is for another tree")
        if not key.verify(entry.signed_entry_timestamp, _set_payload(entry)):
            raise Rejected("signed entry timestamp does not verify")

    @staticmethod
    def _check_signature(bundle: LeanBundle, leaf: _Leaf, sha256: bytes) -> None:
        try:
            body = json.loads(bundle.entry.body)
        except (ValueError, RecursionError) as e:
            raise Unsupported("log entry body is not JSON") from e
        sig_b64 = base64.b64encode(bundle.signature).decode()
        envelope = bundle.envelope
        try:
            if envelope is None:
                if bundle.message_digest is not None and bundle.message_digest != sha256:
                    raise Rejected("message digest is not the file's")
                leaf.key.verify(bundle.signature, sha256, _PREHASHED_SHA256)
                expected: dict[str, object] = {
                    "apiVersion": "0.0.1",
                    "kind": "hashedrekord",
                    "spec": {
                        "data": {"hash": {"algorithm": "sha256", "value": sha256.hex()}},
                        "signature": {"content": sig_b64, "publicKey": {"content": leaf.pem_b64}},
                    },
                }
                if body != expected:
                    raise Rejected("log entry does not record this signature")
                return
            leaf.key.verify(
                bundle.signature,
                _pae(envelope.payload_type, envelope.payload),
                _SHA256,
            )
        except InvalidSignature as e:
            raise Rejected("signature does not verify") from e
        spec = body.get("spec") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or body.keys() != {"apiVersion", "kind", "spec"}
            or body["apiVersion"] != "0.0.1"
            or body["kind"] != "dsse"
            or not isinstance(spec, dict)
            or spec.keys() != {"envelopeHash", "payloadHash", "signatures"}
        ):
            raise Unsupported("dsse log entry body")
        payload_hash = {
            "algorithm": "sha256",
            "value": hashlib.sha256(envelope.payload).hexdigest(),
        }
        if spec["payloadHash"] != payload_hash or spec["signatures"] != [
            {"signature": sig_b64, "verifier": leaf.pem_b64}
        ]:
            raise Rejected("log entry does not record this envelope")


__all__ = ["Accepted", "Decline", "LeanVerifier"]
