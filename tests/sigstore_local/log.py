"""A Rekor-v1-compatible transparency log held in memory (test-only)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from .pki import InstanceKeys, key_id


class EntryRejected(Exception):
    """The log refuses a proposed entry."""


def _leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class MerkleTree:
    """An RFC 6962 Merkle tree with memoised complete subtrees."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self._cache: dict[tuple[int, int], bytes] = {}

    def append(self, leaf_hash: bytes) -> int:
        self.leaves.append(leaf_hash)
        return len(self.leaves) - 1

    def root(self, start: int = 0, end: int | None = None) -> bytes:
        end = len(self.leaves) if end is None else end
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return self.leaves[start]
        complete = n & (n - 1) == 0
        if complete and (start, end) in self._cache:
            return self._cache[(start, end)]
        k = _split(n)
        h = _node(self.root(start, start + k), self.root(start + k, end))
        if complete:
            self._cache[(start, end)] = h
        return h

    def audit_path(self, index: int, start: int = 0, end: int | None = None) -> list[bytes]:
        """Hashes bottom-up proving leaf ``index`` in the tree ``[start, end)``."""
        end = len(self.leaves) if end is None else end
        n = end - start
        if n <= 1:
            return []
        k = _split(n)
        if index < start + k:
            return self.audit_path(index, start, start + k) + [self.root(start + k, end)]
        return self.audit_path(index, start + k, end) + [self.root(start, start + k)]


class TransparencyLog:
    def __init__(self, keys: InstanceKeys, origin: str = "sigstore-local.test") -> None:
        self.keys = keys
        self.origin = origin
        self.tree = MerkleTree()
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        self.log_id = key_id(keys.log_key.public_key())

    # -- entry bodies -----------------------------------------------------------------------

    @staticmethod
    def _cert_from_b64_pem(value: str) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(base64.b64decode(value))
        except ValueError as e:
            raise EntryRejected(f"bad verifier certificate: {e}") from e

    def canonical_body(self, proposed: dict[str, Any]) -> bytes:
        kind = proposed.get("kind")
        version = proposed.get("apiVersion")
        spec = proposed.get("spec") or {}
        if kind == "hashedrekord" and version == "0.0.1":
            sig = spec["signature"]
            cert = self._cert_from_b64_pem(sig["publicKey"]["content"])
            digest = bytes.fromhex(spec["data"]["hash"]["value"])
            pub = cert.public_key()
            assert isinstance(pub, ec.EllipticCurvePublicKey)
            try:
                pub.verify(
                    base64.b64decode(sig["content"]),
                    digest,
                    ec.ECDSA(_prehashed()),
                )
            except InvalidSignature as e:
                raise EntryRejected("hashedrekord signature does not verify") from e
            return rfc8785.dumps(proposed)
        if kind == "dsse" and version == "0.0.1":
            content = spec["proposedContent"]
            envelope_raw: str = content["envelope"]
            envelope = json.loads(envelope_raw)
            payload = base64.b64decode(envelope["payload"])
            verifiers = content["verifiers"]
            if len(verifiers) != 1:
                raise EntryRejected("expected one verifier")
            cert = self._cert_from_b64_pem(verifiers[0])
            pub = cert.public_key()
            assert isinstance(pub, ec.EllipticCurvePublicKey)
            ptype = envelope["payloadType"].encode()
            pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
            signatures = []
            for s in envelope["signatures"]:
                try:
                    pub.verify(base64.b64decode(s["sig"]), pae, ec.ECDSA(hashes.SHA256()))
                except InvalidSignature as e:
                    raise EntryRejected("dsse signature does not verify") from e
                signatures.append({"signature": s["sig"], "verifier": verifiers[0]})
            body = {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(envelope_raw.encode()).hexdigest(),
                    },
                    "payloadHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(payload).hexdigest(),
                    },
                    "signatures": signatures,
                },
            }
            return rfc8785.dumps(body)
        raise EntryRejected(f"unsupported entry kind {kind}/{version}")

    # -- integration -------------------------------------------------------------------------

    def _checkpoint(self, size: int, root: bytes) -> str:
        note = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        sig = self.keys.log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        name = self.origin.replace(" ", "-")
        return note + "\n" + f"\u2014 {name} {base64.b64encode(self.log_id[:4] + sig).decode()}\n"

    def add(self, proposed: dict[str, Any]) -> dict[str, Any]:
        """Integrate a proposed entry; return the Rekor v1 ``POST /log/entries`` reply."""
        body = self.canonical_body(proposed)
        with self._lock:
            index = self.tree.append(_leaf_hash(body))
            self.bodies.append(body)
            size = len(self.tree.leaves)
            root = self.tree.root()
            path = self.tree.audit_path(index)
            checkpoint = self._checkpoint(size, root)
        integrated = int(time.time())
        body_b64 = base64.b64encode(body).decode()
        set_payload = rfc8785.dumps(
            {
                "body": body_b64,
                "integratedTime": integrated,
                "logID": self.log_id.hex(),
                "logIndex": index,
            }
        )
        set_sig = self.keys.log_key.sign(set_payload, ec.ECDSA(hashes.SHA256()))
        uuid = hashlib.sha256(body).hexdigest()
        return {
            uuid: {
                "body": body_b64,
                "integratedTime": integrated,
                "logID": self.log_id.hex(),
                "logIndex": index,
                "verification": {
                    "signedEntryTimestamp": base64.b64encode(set_sig).decode(),
                    "inclusionProof": {
                        "logIndex": index,
                        "rootHash": root.hex(),
                        "treeSize": size,
                        "hashes": [h.hex() for h in path],
                        "checkpoint": checkpoint,
                    },
                },
            }
        }


def _prehashed() -> Any:
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    return Prehashed(hashes.SHA256())
