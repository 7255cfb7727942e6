"""Who a Sigstore signing certificate names: its identities (SANs) and the OIDC issuer Fulcio
recorded. Pure ``cryptography``: shared by the lean verifier and :mod:`sovbom.signing.identity`."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

_OID_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_OID_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_OID_OTHERNAME_IDENTITY = ObjectIdentifier("1.3.6.1.4.1.57264.1.7")


def _der_utf8(raw: bytes) -> str | None:
    """Decode a DER UTF8String (tag 0x0C) that is the whole of ``raw``, or ``None`` when it is
    not exactly one (a wrong tag, a length that is not DER's or does not match, trailing bytes,
    invalid UTF-8): a malformed value names nobody."""
    if len(raw) < 2 or raw[0] != 0x0C:
        return None
    length, offset = raw[1], 2
    if length & 0x80:
        n = length & 0x7F
        digits = raw[2 : 2 + n]
        # DER: the long form only from 128 on, in the fewest bytes (no leading zero)
        if n == 0 or len(digits) != n or digits[0] == 0:
            return None
        length, offset = int.from_bytes(digits, "big"), 2 + n
        if length < 0x80:
            return None
    if len(raw) != offset + length:
        return None
    try:
        return raw[offset:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def certificate_identities(cert: x509.Certificate) -> list[str]:
    """The identities (SANs: e-mail, URI, Sigstore other-name) of a signing certificate."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return []  # extensions that do not parse (or repeat) name nobody
    out: list[str] = [*san.get_values_for_type(x509.RFC822Name)]
    out.extend(san.get_values_for_type(x509.UniformResourceIdentifier))
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id == _OID_OTHERNAME_IDENTITY:
            decoded = _der_utf8(other.value)
            if decoded is not None:  # a malformed value names nobody
                out.append(decoded)
    return out


def certificate_issuer(cert: x509.Certificate) -> str | None:
    """The OIDC issuer recorded by the CA (extension 1.3.6.1.4.1.57264.1.8, else legacy .1.1).

    When both are present they must agree; when either is present but malformed (.1.8 not
    exactly a DER UTF8String, .1.1 not UTF-8) or they disagree, ``None`` is returned and no
    policy matches.
    """
    v2 = v1 = None
    try:
        cert.extensions  # noqa: B018 - extensions that do not parse (or repeat) name nobody
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        return None
    try:
        ext = cert.extensions.get_extension_for_oid(_OID_ISSUER_V2).value
        if not isinstance(ext, x509.UnrecognizedExtension):
            return None
        v2 = _der_utf8(ext.value)
        if v2 is None:
            return None
    except x509.ExtensionNotFound:
        pass
    try:
        ext = cert.extensions.get_extension_for_oid(_OID_ISSUER_V1).value
        if not isinstance(ext, x509.UnrecognizedExtension):
            return None
        v1 = ext.value.decode("utf-8")
    except x509.ExtensionNotFound:
        pass
    except UnicodeDecodeError:
        return None
    if v1 is not None and v2 is not None and v1 != v2:
        return None
    return v2 if v2 is not None else v1
