"""A synthetic device PKI and SPDM responder, for tests and the benchmark.

Root -> intermediate -> device leaf (subject serialNumber, SAN otherName with the DMTF SPDM
device-info OID, TCG DICE TcbInfo with one FWID), and GET_MEASUREMENTS transcripts signed by the
leaf key (SPDM 1.1 or 1.2, ECDSA or RSA).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from sovbom.identity import spdm

NOW = datetime(2025, 6, 1, tzinfo=UTC)
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
_CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}


def new_key(kind: str) -> PrivateKey:
    if kind.startswith("RSA-"):
        return rsa.generate_private_key(65537, int(kind[4:]))
    return ec.generate_private_key(_CURVES[kind]())


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(size)]) + size


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(value)) + value


SHA384_OID = bytes.fromhex("0609608648016503040202")


def tcb_info(vendor: str, model: str, fwid: bytes) -> bytes:
    """TCG DICE TcbInfo: vendor [0], model [1], fwids [6] (one SHA-384 FWID)."""
    fwids = tlv(0xA6, tlv(0x30, SHA384_OID + tlv(0x04, fwid)))
    return tlv(0x30, tlv(0x80, vendor.encode()) + tlv(0x81, model.encode()) + fwids)


def _name(cn: str, org: str, serial: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _sign_hash(key: PrivateKey) -> hashes.HashAlgorithm:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
        return hashes.SHA256()
    return hashes.SHA384()


@dataclass
class Device:
    serial: str
    device_id: str
    key: PrivateKey
    leaf: x509.Certificate
    chain: list[x509.Certificate]  # leaf first, root last
    fwid: bytes
    measurements: dict[int, bytes] = field(default_factory=dict)

    def chain_der(self, *, with_root: bool = True) -> tuple[bytes, ...]:
        certs = self.chain if with_root else self.chain[:-1]
        return tuple(c.public_bytes(serialization.Encoding.DER) for c in certs)

    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)

    def transcript(
        self,
        nonce: bytes | None = None,
        *,
        version: int = 0x11,
        measurements: dict[int, bytes] | None = None,
        vca: bool = False,
    ) -> bytes:
        """A signed L1/L2: [VCA (1.2)] GET_MEASUREMENTS + MEASUREMENTS + signature."""
        nonce = nonce if nonce is not None else os.urandom(32)
        blocks = [
            spdm.encode_block(i, v) for i, v in sorted((measurements or self.measurements).items())
        ]
        prior = _vca(version, self.key) if vca else b""
        signed = (
            prior
            + spdm.encode_get_measurements(version, nonce)
            + spdm.encode_measurements_unsigned(version, blocks, os.urandom(32))
        )
        return signed + sign_spdm(self.key, signed, version)


def _vca(version: int, key: PrivateKey) -> bytes:
    """GET_VERSION .. ALGORITHMS with the base hash and asym algorithm the key implies."""
    get_version = bytes([0x10, spdm.GET_VERSION, 0, 0])
    version_rsp = bytes([0x10, spdm.VERSION, 0, 0, 0, 1]) + bytes([0x00, version])
    caps_len = 20 if version >= 0x12 else 12
    get_caps = bytes([version, spdm.GET_CAPABILITIES, 0, 0]) + bytes(caps_len - 4)
    caps = bytes([version, spdm.CAPABILITIES, 0, 0]) + bytes(caps_len - 4)
    neg = bytes([version, spdm.NEGOTIATE_ALGORITHMS, 0, 0]) + (32).to_bytes(2, "little") + bytes(26)
    if isinstance(key, rsa.RSAPrivateKey):
        asym = {2048: 1 << 1, 3072: 1 << 3, 4096: 1 << 6}[key.key_size]  # RSAPSS
        base_hash = 1 << 0
    else:
        asym = {"secp256r1": 1 << 4, "secp384r1": 1 << 7, "secp521r1": 1 << 8}[key.curve.name]
        base_hash = {"secp256r1": 1, "secp384r1": 2, "secp521r1": 4}[key.curve.name]
    algs = (
        bytes([version, spdm.ALGORITHMS, 0, 0])
        + (36).to_bytes(2, "little")
        + bytes([1, 0])
        + (1 << 2).to_bytes(4, "little")  # MeasurementHashAlgo: SHA-384
        + asym.to_bytes(4, "little")
        + base_hash.to_bytes(4, "little")
        + bytes(16)
    )
    return get_version + version_rsp + get_caps + caps + neg + algs


def sign_spdm(key: PrivateKey, signed: bytes, version: int) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        h: hashes.HashAlgorithm = hashes.SHA256()
        msg = _message(signed, version, h)
        return key.sign(msg, padding.PSS(padding.MGF1(h), h.digest_size), h)
    h = {"secp256r1": hashes.SHA256(), "secp384r1": hashes.SHA384(), "secp521r1": hashes.SHA512()}[
        key.curve.name
    ]
    r, s = decode_dss_signature(key.sign(_message(signed, version, h), ec.ECDSA(h)))
    width = (key.curve.key_size + 7) // 8
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def _message(signed: bytes, version: int, h: hashes.HashAlgorithm) -> bytes:
    if version < 0x12:
        return signed
    prefix = f"dmtf-spdm-v{version >> 4}.{version & 0xF}.*".encode() * 4
    context = spdm.MEASUREMENTS_CONTEXT.rjust(36, b"\0")
    return prefix + context + hashlib.new(h.name, signed).digest()


class VendorPKI:
    """A vendor's device identity PKI: a root and an intermediate that issue device leaves."""

    def __init__(self, vendor: str, *, curve: str = "P-384", leaf_key: str | None = None) -> None:
        self.vendor = vendor
        self.leaf_key = leaf_key or curve
        self.root_key = new_key(curve)
        self.root = self._ca(f"{vendor} Device Identity Root", self.root_key, None, None)
        self.ica_key = new_key(curve)
        self.ica = self._ca(f"{vendor} Device ICA", self.ica_key, self.root, self.root_key)
        self._n = 0

    def _ca(
        self,
        cn: str,
        key: PrivateKey,
        issuer: x509.Certificate | None,
        issuer_key: PrivateKey | None,
    ) -> x509.Certificate:
        name = _name(cn, self.vendor)
        signer = issuer_key or key
        b = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer.subject if issuer else name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=3650))
            .not_valid_after(NOW + timedelta(days=3650 * 3))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
        )
        return b.sign(signer, _sign_hash(signer))

    def device(
        self,
        serial: str | None = None,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        measurements: dict[int, bytes] | None = None,
    ) -> Device:
        self._n += 1
        serial = serial or f"{self.vendor[:4].upper()}{self._n:06d}"
        device_id = f"{self.vendor.split()[0].upper()}:MODEL1:{serial}"
        key = new_key(self.leaf_key)
        fwid = hashlib.sha384(f"fmc-{serial}".encode()).digest()
        other = x509.OtherName(
            x509.ObjectIdentifier("1.3.6.1.4.1.412.274.1"), tlv(0x0C, device_id.encode())
        )
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{self.vendor} device", self.vendor, serial))
            .issuer_name(self.ica.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - timedelta(days=30))
            .not_valid_after(not_after or NOW + timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([other]), critical=False)
            .add_extension(
                x509.UnrecognizedExtension(
                    x509.ObjectIdentifier("2.23.133.5.4.1"), tcb_info(self.vendor, "MODEL1", fwid)
                ),
                critical=False,
            )
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
            )
            .sign(self.ica_key, _sign_hash(self.ica_key))
        )
        if measurements is None:
            measurements = {
                1: hashlib.sha384(b"rom").digest(),
                2: hashlib.sha384(f"firmware-{self.vendor}".encode()).digest(),
            }
        return Device(serial, device_id, key, leaf, [leaf, self.ica, self.root], fwid, measurements)

    def root_der_sha256(self) -> str:
        return hashlib.sha256(self.root.public_bytes(serialization.Encoding.DER)).hexdigest()

    def root_pem(self) -> bytes:
        return f"# vendor: {self.vendor}\n".encode() + self.root.public_bytes(
            serialization.Encoding.PEM
        )

    def ocsp(self, device: Device, *, revoked: bool, at: datetime = NOW) -> bytes:
        """An OCSP response for the device leaf, signed by the intermediate (its issuer)."""
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=device.leaf,
            issuer=self.ica,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=at - timedelta(hours=1),
            next_update=at + timedelta(days=7),
            revocation_time=at - timedelta(days=1) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.ica)
        resp = builder.sign(self.ica_key, hashes.SHA384())
        return resp.public_bytes(serialization.Encoding.DER)

    def crl(self, revoked: list[Device], at: datetime = NOW) -> bytes:
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(at - timedelta(days=1))
            .next_update(at + timedelta(days=30))
        )
        for d in revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(d.chain[1].serial_number)
                .revocation_date(at - timedelta(days=2))
                .build()
            )
        return b.sign(self.root_key, hashes.SHA384()).public_bytes(serialization.Encoding.DER)
