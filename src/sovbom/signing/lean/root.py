"""The keys of a trusted root as the lean verifier uses them, each with its validity window.

A key is used for a signature made at time ``t`` only when its window (``validFor``, a closed
interval) covers ``t`` and has started by now (sigstore-python ignores keys whose period has not
started). Keys are found by the SHA-256 of their DER public key (RFC 6962 key id), never by
trying every key. A root with anything the lean verifier does not handle (an unknown key type, a
certificate that does not parse, lists that do not match the key windows sovbom read) makes the
whole root :class:`~sovbom.signing.lean._base.Unsupported`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sovbom.signing.lean._base import Unsupported
from sovbom.signing.lean.trustroot import read_time
from sovbom.signing.windows import KeyKind, KeyWindow

_EC_HASHES: dict[str, tuple[type[ec.EllipticCurve], ec.ECDSA]] = {
    "PKIX_ECDSA_P256_SHA_256": (ec.SECP256R1, ec.ECDSA(hashes.SHA256())),
    "PKIX_ECDSA_P384_SHA_384": (ec.SECP384R1, ec.ECDSA(hashes.SHA384())),
    "PKIX_ECDSA_P521_SHA_512": (ec.SECP521R1, ec.ECDSA(hashes.SHA512())),
}


def key_id(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()


@dataclass(frozen=True)
class LogKey:
    """A transparency log or CT log key."""

    key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
    #: The signature algorithm of an ECDSA key (None for Ed25519).
    hash: ec.ECDSA | None
    window: KeyWindow
    started: dt.datetime

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            if isinstance(self.key, ec.EllipticCurvePublicKey) and self.hash is not None:
                self.key.verify(signature, data, self.hash)
            elif isinstance(self.key, ed25519.Ed25519PublicKey) and self.hash is None:
                self.key.verify(signature, data)
            else:  # pragma: no cover - excluded when the root is read
                return False
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Authority:
    """A certificate authority: its certificates (leaf to root) and window."""

    certificates: tuple[x509.Certificate, ...]
    window: KeyWindow
    started: dt.datetime


def _usable(window: KeyWindow, started: dt.datetime, t: dt.datetime, now: dt.datetime) -> bool:
    return started <= now and window.covers(t)


def _log_key(public_key: dict[str, Any], window: KeyWindow) -> tuple[bytes, LogKey] | None:
    """A log key of a checked root (:func:`~sovbom.signing.lean.trustroot.check_trusted_root`);
    ``None`` for a type of key the lean verifier does not use (a bundle that needs it is
    declined)."""
    details = public_key["keyDetails"]
    if details not in _EC_HASHES and details != "PKIX_ED25519":
        return None
    started = read_time(public_key["validFor"]["start"], "validFor.start")
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key["rawBytes"]))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None  # as sigstore-python, which leaves such a key out of its keyring
    if details in _EC_HASHES:
        curve, algorithm = _EC_HASHES[details]
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return None  # as sigstore-python, which leaves such a key out of its keyring
        if not isinstance(key.curve, curve):
            # sigstore-python uses such a key with the hash its details name (and, when a key
            # is listed twice, with the last entry's hash only): the lean path does not.
            raise Unsupported("trusted root: a key of another curve than its details name")
        return key_id(key), LogKey(key, algorithm, window, started)
    if details == "PKIX_ED25519" and isinstance(key, ed25519.Ed25519PublicKey):
        return key_id(key), LogKey(key, None, window, started)
    return None


class LeanRoot:
    """Transparency log keys, CT log keys and certificate authorities, by window."""

    def __init__(self, doc: dict[str, Any], windows: Sequence[KeyWindow]) -> None:
        """``doc``: a trusted root document checked by
        :func:`~sovbom.signing.lean.trustroot.check_trusted_root`; ``windows``: its key windows."""
        tlogs, ctlogs = doc["tlogs"], doc["ctlogs"]
        authorities = doc["certificateAuthorities"]
        by_kind: dict[KeyKind, list[KeyWindow]] = {k: [] for k in KeyKind}
        for w in windows:
            by_kind[w.kind].append(w)
        if (
            len(by_kind[KeyKind.TLOG]) != len(tlogs)
            or len(by_kind[KeyKind.CTLOG]) != len(ctlogs)
            or len(by_kind[KeyKind.CA]) != len(authorities)
            or not tlogs
        ):
            raise Unsupported("trusted root: lists differ from the key windows")
        self.tlogs = self._keys(tlogs, by_kind[KeyKind.TLOG])
        self.ctlogs = self._keys(ctlogs, by_kind[KeyKind.CTLOG])
        self.authorities: list[Authority] = []
        for ca, window in zip(authorities, by_kind[KeyKind.CA], strict=True):
            try:
                certs = tuple(
                    x509.load_der_x509_certificate(base64.b64decode(c["rawBytes"]))
                    for c in ca["certChain"]["certificates"]
                )
            except ValueError as e:
                raise Unsupported("trusted root: CA certificate does not parse") from e
            started = read_time(ca["validFor"]["start"], "validFor.start")
            self.authorities.append(Authority(certs, window, started))
        now = dt.datetime.now(dt.UTC)
        if not any(a.started <= now for a in self.authorities):
            raise Unsupported("trusted root: no certificate authority has started")

    @staticmethod
    def _keys(logs: Sequence[Any], windows: list[KeyWindow]) -> dict[bytes, list[LogKey]]:
        out: dict[bytes, list[LogKey]] = {}
        for log, window in zip(logs, windows, strict=True):
            found = _log_key(log["publicKey"], window)
            if found is not None:
                out.setdefault(found[0], []).append(found[1])
        return out

    @staticmethod
    def log_key(
        ring: dict[bytes, list[LogKey]], kid: bytes, t: dt.datetime, now: dt.datetime
    ) -> LogKey | None:
        """The key with id ``kid`` usable at ``t`` (any of its entries may vouch)."""
        return next((k for k in ring.get(kid, ()) if _usable(k.window, k.started, t, now)), None)

    def anchors(self, t: dt.datetime, now: dt.datetime) -> tuple[int, ...]:
        """Indexes of the authorities usable at ``t``."""
        return tuple(
            i for i, a in enumerate(self.authorities) if _usable(a.window, a.started, t, now)
        )
