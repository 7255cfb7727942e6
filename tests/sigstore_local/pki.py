"""Key material, certificates, SCTs and OIDC tokens of a local, test-only Sigstore instance.

Nothing here is a trust root outside the test suite: every key is generated in memory when an
:class:`InstanceKeys` is created and is gone when the process ends.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"

OID_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
OID_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
OID_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")

#: The default OIDC issuer of the local instance (any https-looking URL: it is never fetched).
DEFAULT_ISSUER = "https://oidc.sigstore-local.test"
AUDIENCE = "sigstore"


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """Log id / key id as Sigstore uses it: sha256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(spki_der(key)).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _der_utf8(value: str) -> bytes:
    raw = value.encode()
    if len(raw) < 128:
        return bytes([0x0C, len(raw)]) + raw
    length = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(length)]) + length + raw


class TokenRejected(Exception):
    """The CA refuses an identity token."""


@dataclass
class InstanceKeys:
    """All the keys and CA certificates of one local instance."""

    name: str = "sigstore-local"
    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1())
    )
    intermediate_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1())
    )
    ct_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    log_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    issuer_keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)
    cert_lifetime: dt.timedelta = dt.timedelta(minutes=10)

    def __post_init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.not_before = now - dt.timedelta(days=1)
        not_after = now + dt.timedelta(days=3650)
        root_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sovbom tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} root"),
            ]
        )
        inter_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sovbom tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} intermediate"),
            ]
        )
        ca_usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        root_pub = self.root_key.public_key()
        self.root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(ca_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_pub), critical=False)
            .sign(self.root_key, hashes.SHA384())
        )
        inter_pub = self.intermediate_key.public_key()
        self.intermediate_cert = (
            x509.CertificateBuilder()
            .subject_name(inter_name)
            .issuer_name(root_name)
            .public_key(inter_pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(ca_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_pub), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_pub), critical=False
            )
            .sign(self.root_key, hashes.SHA384())
        )
        self.issuer_key(DEFAULT_ISSUER)

    # -- OIDC ----------------------------------------------------------------------------------

    def issuer_key(self, issuer: str) -> ec.EllipticCurvePrivateKey:
        """The token-signing key of a (test) OIDC issuer, created on first use."""
        if issuer not in self.issuer_keys:
            self.issuer_keys[issuer] = ec.generate_private_key(ec.SECP256R1())
        return self.issuer_keys[issuer]

    def mint_token(
        self,
        identity: str,
        issuer: str = DEFAULT_ISSUER,
        *,
        lifetime: int = 600,
        audience: str = AUDIENCE,
    ) -> str:
        """An ES256 OIDC identity token for ``identity`` from ``issuer``."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": identity,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
        }
        if "@" in identity and "://" not in identity:
            claims["email"] = identity
            claims["email_verified"] = True
        return jwt.encode(claims, self.issuer_key(issuer), algorithm="ES256")

    def check_token(self, token: str) -> tuple[str, str]:
        """Verify a token as the CA does; return ``(identity, issuer)``."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as e:
            raise TokenRejected(f"malformed token: {e}") from e
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self.issuer_keys:
            raise TokenRejected(f"unknown issuer {issuer!r}")
        try:
            claims = jwt.decode(
                token,
                self.issuer_keys[issuer].public_key(),
                algorithms=["ES256"],
                audience=AUDIENCE,
                issuer=issuer,
                options={"require": ["iss", "sub", "aud", "iat", "exp"]},
            )
        except jwt.PyJWTError as e:
            raise TokenRejected(f"invalid token: {e}") from e
        identity = claims.get("email") or claims["sub"]
        return str(identity), issuer

    # -- CA --------------------------------------------------------------------------------------

    def issue_leaf(
        self, public_key: ec.EllipticCurvePublicKey, identity: str, issuer: str
    ) -> x509.Certificate:
        """A Fulcio-like code-signing certificate with an embedded SCT from the local CT log."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
        if "@" in identity and "://" not in identity:
            san: x509.GeneralName = x509.RFC822Name(identity)
        else:
            san = x509.UniformResourceIdentifier(identity)
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.intermediate_cert.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(now)
            .not_valid_after(now + self.cert_lifetime)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(
                x509.UnrecognizedExtension(OID_ISSUER_V1, issuer.encode()), critical=False
            )
            .add_extension(
                x509.UnrecognizedExtension(OID_ISSUER_V2, _der_utf8(issuer)), critical=False
            )
        )
        # Issue once without the SCT to get the precertificate TBS, then re-issue identically
        # with the SCT list appended as the last extension.
        pre = builder.sign(self.intermediate_key, hashes.SHA256())
        sct = self._sct(pre.tbs_certificate_bytes)
        sct_list = struct.pack(">H", len(sct)) + sct
        tls_list = struct.pack(">H", len(sct_list)) + sct_list
        octet = _der_octet_string(tls_list)
        return builder.add_extension(
            x509.UnrecognizedExtension(OID_SCT_LIST, octet), critical=False
        ).sign(self.intermediate_key, hashes.SHA256())

    def _sct(self, tbs: bytes) -> bytes:
        ts_ms = int(time.time() * 1000) - 1000
        issuer_key_hash = key_id(self.intermediate_key.public_key())
        signed = (
            struct.pack(">BBQH", 0, 0, ts_ms, 1)
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack(">H", 0)
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        # SignedCertificateTimestamp: version, log id, timestamp, extensions, digitally-signed.
        return (
            bytes([0])
            + key_id(self.ct_key.public_key())
            + struct.pack(">Q", ts_ms)
            + struct.pack(">H", 0)
            + bytes([4, 3])  # sha256, ecdsa
            + struct.pack(">H", len(signature))
            + signature
        )

    def chain_pem(self, leaf: x509.Certificate) -> list[str]:
        return [
            c.public_bytes(serialization.Encoding.PEM).decode()
            for c in (leaf, self.intermediate_cert, self.root_cert)
        ]

    # -- trust material --------------------------------------------------------------------------

    def trusted_root(self, base_url: str) -> dict[str, Any]:
        start = rfc3339(self.not_before)

        def tlog(key: ec.EllipticCurvePrivateKey, url: str) -> dict[str, Any]:
            return {
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": b64(spki_der(key.public_key())),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": start},
                },
                "logId": {"keyId": b64(key_id(key.public_key()))},
            }

        return {
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [tlog(self.log_key, base_url)],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "sovbom tests", "commonName": self.name},
                    "uri": base_url,
                    "certChain": {
                        "certificates": [
                            {"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                            for c in (self.intermediate_cert, self.root_cert)
                        ]
                    },
                    "validFor": {"start": start},
                }
            ],
            "ctlogs": [tlog(self.ct_key, base_url)],
            "timestampAuthorities": [],
        }

    def signing_config(self, base_url: str) -> dict[str, Any]:
        start = rfc3339(self.not_before)

        def service(url: str) -> dict[str, Any]:
            return {
                "url": url,
                "majorApiVersion": 1,
                "validFor": {"start": start},
                "operator": self.name,
            }

        return {
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [service(base_url)],
            "oidcUrls": [service(base_url)],
            "rekorTlogUrls": [service(base_url)],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        }

    def trust_config(self, base_url: str) -> dict[str, Any]:
        return {
            "mediaType": TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": self.trusted_root(base_url),
            "signingConfig": self.signing_config(base_url),
        }


def _der_octet_string(data: bytes) -> bytes:
    n = len(data)
    if n < 128:
        return bytes([0x04, n]) + data
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x04, 0x80 | len(length)]) + length + data
