"""Hardware trust anchors: the roots a user configured, each with the vendor it stands for.

``--roots FILE|DIR`` names PEM files (a directory: every ``*.pem``, ``*.crt`` and ``*.cer`` in it).
A line ``# vendor: NVIDIA`` (or ``vendor: NVIDIA``) before a certificate names the vendor of the
certificates that follow; without one, the vendor is the file's name without its suffix. sovbom
ships no anchor and trusts nothing it was not given.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sovbom._io import display_name, read_bytes
from sovbom.errors import InputError

_VENDOR = re.compile(
    rb"^[ \t]*#?[ \t]*vendor[ \t]*:[ \t]*(.+?)[ \t]*$", re.IGNORECASE | re.MULTILINE
)
_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_SUFFIXES = (".pem", ".crt", ".cer")
_DER = Encoding.DER


@dataclass(frozen=True, slots=True)
class Anchor:
    """One configured root."""

    cert: x509.Certificate
    der: bytes
    vendor: str
    source: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


class TrustStore:
    """The configured anchors, looked up by DER and by subject name."""

    def __init__(self, anchors: list[Anchor]) -> None:
        if not anchors:
            raise InputError("no hardware trust anchor given", hint="pass --roots FILE|DIR")
        self.anchors = tuple(anchors)
        #: what identifies this set of anchors in a cache key (their DER, sorted)
        self.key: tuple[bytes, ...] = tuple(sorted({a.der for a in anchors}))
        self._by_der = {a.der: a for a in anchors}
        self._by_subject: dict[bytes, list[Anchor]] = {}
        for a in anchors:
            self._by_subject.setdefault(a.cert.subject.public_bytes(), []).append(a)

    def exact(self, der: bytes) -> Anchor | None:
        return self._by_der.get(der)

    def issuers_of(self, cert: x509.Certificate) -> list[Anchor]:
        return self._by_subject.get(cert.issuer.public_bytes(), [])


def _parse_file(data: bytes, source: str) -> list[Anchor]:
    default_vendor = Path(source).stem
    out: list[Anchor] = []
    for block in _BLOCK.finditer(data):
        vendors = list(_VENDOR.finditer(data, 0, block.start()))
        vendor = vendors[-1].group(1).decode("utf-8", "replace") if vendors else default_vendor
        try:
            cert = x509.load_pem_x509_certificate(block.group(0))
        except ValueError as e:
            raise InputError(f"not a PEM certificate: {e}", source=source) from e
        out.append(Anchor(cert, cert.public_bytes(_DER), vendor, source))
    if not out:
        raise InputError("no PEM certificate found", source=source)
    return out


def load_roots(path: str | os.PathLike[str]) -> TrustStore:
    """Read the anchors from a PEM file or a directory of them."""
    return roots_from_bytes([(display_name(f), read_bytes(f)) for f in root_files(path)])


def root_files(path: str | os.PathLike[str]) -> list[Path]:
    """The PEM files ``--roots FILE|DIR`` names (a directory: its *.pem, *.crt, *.cer)."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    files = sorted(f for f in p.iterdir() if f.suffix.lower() in _SUFFIXES and f.is_file())
    if not files:
        raise InputError("no *.pem, *.crt or *.cer file in the roots directory", source=str(p))
    return files


def roots_from_bytes(files: list[tuple[str, bytes]]) -> TrustStore:
    """The anchors of PEM files already read: (name, bytes), e.g. an evidence pack's members."""
    anchors: list[Anchor] = []
    for name, data in files:
        anchors.extend(_parse_file(data, name))
    return TrustStore(anchors)


def store_of(certs: list[tuple[x509.Certificate, str]]) -> TrustStore:
    """A store from certificates already in memory (tests, the API): (certificate, vendor)."""
    return TrustStore([Anchor(c, c.public_bytes(_DER), v, "<memory>") for c, v in certs])
