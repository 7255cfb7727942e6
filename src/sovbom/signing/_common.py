"""What every part of :mod:`sovbom.signing` shares: the exceptions that mean "rejected", bundle
file names, and one-line messages."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from sigstore.errors import Error as SigstoreError

BUNDLE_SUFFIX = ".sigstore.json"

#: Exceptions sigstore-python (and the libraries under it) raise on a bundle it cannot accept.
#: ValueError covers pydantic's ValidationError, binascii.Error and malformed DER.
REJECTIONS: tuple[type[BaseException], ...] = (
    SigstoreError,
    ValueError,
    x509.UnsupportedGeneralNameType,
    x509.ExtensionNotFound,
)
REJECTIONS_OR_DECODE: tuple[type[BaseException], ...] = (*REJECTIONS, UnicodeDecodeError)


def one_line(e: BaseException) -> str:
    """A single line for a message (some exceptions carry several message parts)."""
    parts = e.args if len(e.args) > 1 and all(isinstance(a, str) for a in e.args) else (str(e),)
    text = " ".join(" ".join(str(p) for p in parts).split()) or type(e).__name__
    return text[:400]


def default_bundle_path(path: str | os.PathLike[str]) -> Path:
    """``FILE.sigstore.json`` (or an existing legacy ``FILE.sigstore``)."""
    p = Path(path)
    modern = p.with_name(p.name + BUNDLE_SUFFIX)
    legacy = p.with_name(p.name + ".sigstore")
    if not modern.exists() and legacy.exists():
        return legacy
    return modern
