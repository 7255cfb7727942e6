"""What a device certificate says about the device: its identifiers and firmware digests.

* the subject ``serialNumber`` attribute (2.5.4.5);
* the SPDM device-info otherName in the SubjectAltName (DMTF OID 1.3.6.1.4.1.412.274.1, a
  UTF8String such as ``NVIDIA:GH100:<hex>``), and any other otherName string;
* the TCG DICE TcbInfo extension (2.23.133.5.4.1): vendor, model, and the FWID list of
  (hash algorithm, digest) pairs; the earlier CompositeDeviceID form under the same OID
  (``SEQUENCE { version INTEGER, deviceId SubjectPublicKeyInfo, fwid FWID }``, as NVIDIA's GH100
  leaf carries it) gives its one FWID;
* the fingerprint: SHA-256 of the SubjectPublicKeyInfo, stable across re-issued certificates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from sovbom.identity import der

#: DMTF SPDM (DSP0274) otherName carrying "manufacturer:product:serial"
OID_SPDM_DEVICE_INFO = "1.3.6.1.4.1.412.274.1"
#: TCG DICE TcbInfo extension
OID_DICE_TCB_INFO = "2.23.133.5.4.1"
#: TCG DICE MultiTcbInfo extension (a SEQUENCE OF TcbInfo)
OID_DICE_MULTI_TCB_INFO = "2.23.133.5.4.5"

_HASH_OIDS = {
    "2.16.840.1.101.3.4.2.1": "SHA-256",
    "2.16.840.1.101.3.4.2.2": "SHA-384",
    "2.16.840.1.101.3.4.2.3": "SHA-512",
    "2.16.840.1.101.3.4.2.8": "SHA3-256",
    "2.16.840.1.101.3.4.2.9": "SHA3-384",
    "2.16.840.1.101.3.4.2.10": "SHA3-512",
}


@dataclass(frozen=True, slots=True)
class Fwid:
    alg: str  # CycloneDX hash name when known, else the dotted OID
    digest: str  # lower-case hex


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """The identifiers a certificate carries, in the order they are preferred for binding."""

    fingerprint: str
    device_ids: tuple[str, ...] = ()  # otherName values (SPDM device info first)
    subject_serial: str | None = None
    fwids: tuple[Fwid, ...] = field(default_factory=tuple)
    tcb_vendor: str | None = None
    tcb_model: str | None = None

    @property
    def device_id(self) -> str | None:
        """The preferred identifier: the SPDM device-info otherName, else the subject serial."""
        if self.device_ids:
            return self.device_ids[0]
        return self.subject_serial

    def identifiers(self) -> frozenset[str]:
        """Every value a factory HBOM may record for this device (case-folded)."""
        values = {self.fingerprint.lower(), *(d.lower() for d in self.device_ids)}
        if self.subject_serial:
            values.add(self.subject_serial.lower())
        return frozenset(values)


def spki_fingerprint(cert: x509.Certificate, key: CertificatePublicKeyTypes | None = None) -> str:
    """SHA-256 of the SubjectPublicKeyInfo (``key``: the certificate's public key, if loaded)."""
    public = key if key is not None else cert.public_key()
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def _other_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    found: list[tuple[int, str]] = []
    for name in san.get_values_for_type(x509.OtherName):
        try:
            tlv = der.one(name.value)
        except der.DerError:
            continue
        if tlv.tag not in (0x0C, 0x13, 0x16):  # UTF8String, PrintableString, IA5String
            continue
        text = tlv.value.decode("utf-8", "replace").strip()
        if text:
            rank = 0 if name.type_id.dotted_string == OID_SPDM_DEVICE_INFO else 1
            found.append((rank, text))
    return [t for _, t in sorted(found, key=lambda x: x[0])]


def _parse_tcb_info(
    value: bytes,
) -> tuple[str | None, str | None, list[Fwid]]:
    vendor = model = None
    fwids: list[Fwid] = []
    seq = der.one(value)
    items = list(der.children(seq.value))
    if items and items[0].tag == 0x02:  # the earlier CompositeDeviceID form (same OID)
        items = [i for i in items[1:] if i.tag == 0x30][1:]  # skip the DeviceID key
        return None, None, [_fwid(i) for i in items]
    for item in items:
        n = item.context_number
        if n == 0:
            vendor = item.value.decode("utf-8", "replace")
        elif n == 1:
            model = item.value.decode("utf-8", "replace")
        elif n == 6:
            fwids.extend(_fwid(f) for f in der.children(item.value))
    return vendor, model, fwids


def _fwid(tlv: der.Tlv) -> Fwid:
    parts = list(der.children(tlv.value))
    if len(parts) != 2 or parts[0].tag != 0x06 or parts[1].tag != 0x04:
        raise der.DerError("FWID is not (OID, OCTET STRING)")
    alg = der.oid(parts[0].value)
    return Fwid(_HASH_OIDS.get(alg, alg), parts[1].value.hex())


def _tcb_infos(cert: x509.Certificate) -> tuple[str | None, str | None, list[Fwid]]:
    vendor = model = None
    fwids: list[Fwid] = []
    for ext in cert.extensions:
        dotted = ext.oid.dotted_string
        if dotted not in (OID_DICE_TCB_INFO, OID_DICE_MULTI_TCB_INFO):
            continue
        raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
        try:
            if dotted == OID_DICE_TCB_INFO:
                items = [raw]
            else:
                items = [_encode(t) for t in der.children(der.one(raw).value)]
            for item in items:
                v, m, f = _parse_tcb_info(item)
                vendor, model = vendor or v, model or m
                fwids.extend(f)
        except der.DerError:
            continue
    return vendor, model, fwids


def _encode(tlv: der.Tlv) -> bytes:
    """Re-encode a TLV (for handing a child SEQUENCE to a parser that expects whole DER)."""
    n = len(tlv.value)
    if n < 0x80:
        head = bytes([tlv.tag, n])
    else:
        size = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([tlv.tag, 0x80 | len(size)]) + size
    return head + tlv.value


def device_identity(
    cert: x509.Certificate, key: CertificatePublicKeyTypes | None = None
) -> DeviceIdentity:
    """The identity a (leaf) device certificate carries (``key``: its public key, if loaded)."""
    serials = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    serial = serials[0].value if serials else None
    vendor, model, fwids = _tcb_infos(cert)
    return DeviceIdentity(
        fingerprint=spki_fingerprint(cert, key),
        device_ids=tuple(_other_names(cert)),
        subject_serial=serial if isinstance(serial, str) else None,
        fwids=tuple(fwids),
        tcb_vendor=vendor,
        tcb_model=model,
    )
