"""The signing certificate's embedded SCT (RFC 6962 section 3.2), checked with a CT log key of
the trusted root.

The signed data of a precertificate SCT is rebuilt from the final certificate: its TBS without
the SCT extension (the precertificate's TBS) and the SHA-256 of the issuer's public key. Only
version 1 precertificate SCTs signed with SHA-256 directly by the issuing CA are handled; anything
else (an x509 entry, a precertificate signing certificate, several SCTs) is
:class:`~sovbom.signing.lean._base.Unsupported`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.certificate_transparency import (
    LogEntryType,
    SignedCertificateTimestamp,
    Version,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

from sovbom.signing.lean._base import MEMO_LIMIT, Rejected, Unsupported
from sovbom.signing.lean.root import LeanRoot

_EPOCH = dt.datetime(1970, 1, 1)


def _the_sct(leaf: x509.Certificate) -> SignedCertificateTimestamp:
    try:
        scts = leaf.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps
        ).value
    except x509.ExtensionNotFound as e:
        raise Rejected("certificate carries no SCT") from e
    if len(scts) != 1:
        raise Unsupported("not exactly one SCT")
    sct: SignedCertificateTimestamp = scts[0]
    if sct.version is not Version.v1 or sct.entry_type is not LogEntryType.PRE_CERTIFICATE:
        raise Unsupported("SCT version or entry type")
    if not isinstance(sct.signature_hash_algorithm, hashes.SHA256):
        raise Unsupported("SCT hash algorithm")
    return sct


def _issuer_key_hash(issuer: x509.Certificate) -> bytes:
    try:
        eku = issuer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.CERTIFICATE_TRANSPARENCY in eku:
            raise Unsupported("precertificate signing certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        ca = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if not ca:
        raise Rejected("SCT issuer is not a CA")
    der = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()


def signed_data(leaf: x509.Certificate, issuer: x509.Certificate) -> tuple[bytes, bytes, bytes]:
    """(CT log key id, signature, signed data) of the leaf's SCT."""
    sct = _the_sct(leaf)
    tbs = leaf.tbs_precertificate_bytes
    if len(tbs) >= 1 << 24 or len(sct.extension_bytes) >= 1 << 16:
        raise Unsupported("SCT data too long")
    ms = (sct.timestamp.replace(tzinfo=None) - _EPOCH) // dt.timedelta(milliseconds=1)
    data = b"".join(
        (
            struct.pack("!BBQH", 0, 0, ms, 1),  # v1, certificate_timestamp, time, precert_entry
            _issuer_key_hash(issuer),
            len(tbs).to_bytes(3, "big"),
            tbs,
            struct.pack("!H", len(sct.extension_bytes)),
            sct.extension_bytes,
        )
    )
    return sct.log_id, sct.signature, data


class SctChecker:
    """Checks SCTs; a (CT key, signature, signed data) triple that verified is remembered (the
    keys live as long as the root, so the key's identity names it).

    The signed data of a leaf's SCT is rebuilt once per (leaf, issuer) certificate objects (the
    lean verifier reads each distinct leaf once: a batch signed by one identity shares it)."""

    def __init__(self, root: LeanRoot) -> None:
        self._root = root
        self._verified: set[tuple[int, bytes, bytes]] = set()
        #: (id of leaf, id of issuer) -> (leaf, issuer, signed_data's result): the objects are
        #: held, so that their ids are not reused while remembered
        self._data: dict[tuple[int, int], tuple[Any, ...]] = {}

    def _signed_data(
        self, leaf: x509.Certificate, issuer: x509.Certificate
    ) -> tuple[bytes, bytes, bytes]:
        held = self._data.get((id(leaf), id(issuer)))
        if held is not None and held[0] is leaf and held[1] is issuer:
            done: tuple[bytes, bytes, bytes] = held[2]
            return done
        out = signed_data(leaf, issuer)
        if len(self._data) >= MEMO_LIMIT:
            self._data.clear()
        self._data[(id(leaf), id(issuer))] = (leaf, issuer, out)
        return out

    def check(
        self, leaf: x509.Certificate, issuer: x509.Certificate, t: dt.datetime, now: dt.datetime
    ) -> None:
        log_id, signature, data = self._signed_data(leaf, issuer)
        key = self._root.log_key(self._root.ctlogs, log_id, t, now)
        if key is None:
            raise Rejected("SCT from no CT log key valid at the signing time")
        memo = (id(key), signature, data)
        if memo in self._verified:
            return
        if not key.verify(signature, data):
            raise Rejected("SCT signature does not verify")
        if len(self._verified) >= MEMO_LIMIT:
            self._verified.clear()
        self._verified.add(memo)
