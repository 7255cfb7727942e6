"""SPDM (DMTF DSP0274) 1.1 and 1.2 measurement transcripts: parse, then verify the signature.

A transcript is the bytes the signature covers followed by the signature (the L1/L2 log):

* SPDM 1.1: the GET_MEASUREMENTS requests and MEASUREMENTS responses since the last reset; the
  signature is over those bytes (the last response without its signature);
* SPDM 1.2: the same preceded by GET_VERSION/VERSION, GET_CAPABILITIES/CAPABILITIES and
  NEGOTIATE_ALGORITHMS/ALGORITHMS (when the collector kept them); the signature is over
  ``combined_spdm_prefix || Hash(L1/L2)`` with the context "responder-measurements signing".

Only the last response may be signed. Its request carries the requester's nonce (32 bytes) and
the slot of the certificate chain. ECDSA signatures are ``r || s`` (big-endian, fixed width);
RSA signatures are RSASSA-PKCS1-v1_5 or RSASSA-PSS, as the ALGORITHMS response selects.
Allowed keys: ECDSA P-256, P-384, P-521; RSA 2048, 3072, 4096.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sovbom.identity.reasons import Finding, Reason

GET_VERSION, VERSION = 0x84, 0x04
GET_CAPABILITIES, CAPABILITIES = 0xE1, 0x61
NEGOTIATE_ALGORITHMS, ALGORITHMS = 0xE3, 0x63
GET_MEASUREMENTS, MEASUREMENTS = 0xE0, 0x60
SUPPORTED_VERSIONS = (0x11, 0x12)
NONCE_SIZE = 32
MEASUREMENTS_CONTEXT = b"responder-measurements signing"

#: BaseHashSel bits -> hash
_BASE_HASH = {0: hashes.SHA256(), 1: hashes.SHA384(), 2: hashes.SHA512()}
#: MeasurementHashAlgo bits -> CycloneDX name (bit 0 is "raw bit stream only")
_MEAS_HASH = {1: "SHA-256", 2: "SHA-384", 3: "SHA-512", 4: "SHA3-256", 5: "SHA3-384", 6: "SHA3-512"}
_DIGEST_NAME = {32: "SHA-256", 48: "SHA-384", 64: "SHA-512"}
_RSASSA_BITS = 0b0000_0010_0101  # RSASSA 2048 (0), 3072 (2), 4096 (5)
_RSAPSS_BITS = 0b0000_0100_1010  # RSAPSS 2048 (1), 3072 (3), 4096 (6)
_CURVE_HASH: dict[str, hashes.HashAlgorithm] = {
    "secp256r1": hashes.SHA256(),
    "secp384r1": hashes.SHA384(),
    "secp521r1": hashes.SHA512(),
}
_CURVE_SIG = {"secp256r1": 64, "secp384r1": 96, "secp521r1": 132}


class TranscriptError(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.detail)
        self.finding = finding


def _malformed(detail: str) -> TranscriptError:
    return TranscriptError(Finding(Reason.TRANSCRIPT_MALFORMED, detail))


@dataclass(frozen=True, slots=True)
class MeasurementBlock:
    index: int
    value_type: int  # DMTF measurement value type (0 immutable ROM, 1 mutable firmware, ...)
    raw: bool  # a raw bit stream rather than a digest
    value: bytes
    alg: str  # CycloneDX hash name, or "raw"

    @property
    def digest(self) -> str:
        """``ALG:hex``, the form the HBOM records."""
        return f"{self.alg}:{self.value.hex()}"


@dataclass(frozen=True, slots=True)
class Transcript:
    version: int
    request_nonce: bytes
    response_nonce: bytes
    slot: int
    blocks: tuple[MeasurementBlock, ...]
    signature: bytes
    signed: bytes  # L1/L2: everything the signature covers
    base_asym: int | None = None
    base_hash: int | None = None

    @property
    def version_text(self) -> str:
        return f"{self.version >> 4}.{self.version & 0xF}"


def _u16(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 2], "little")


def _length(data: bytes, pos: int, version: int, code: int) -> int:
    """The length of the (non-measurement) message at ``pos``."""
    if code == GET_VERSION:
        return 4
    if code == VERSION:
        if pos + 6 > len(data):
            raise _malformed("truncated VERSION response")
        return 6 + 2 * data[pos + 5]
    if code in (GET_CAPABILITIES, CAPABILITIES):
        if version >= 0x12:
            return 20
        return 12 if (version == 0x11 or code == CAPABILITIES) else 4
    if code in (NEGOTIATE_ALGORITHMS, ALGORITHMS):
        return _u16(data, pos + 4)
    raise _malformed(f"unexpected SPDM message code 0x{code:02x} at offset {pos}")


def _blocks(record: bytes, count: int, meas_hash: int | None) -> tuple[MeasurementBlock, ...]:
    out: list[MeasurementBlock] = []
    pos = 0
    while pos < len(record):
        if pos + 4 > len(record):
            raise _malformed("truncated measurement block header")
        index, spec, size = record[pos], record[pos + 1], _u16(record, pos + 2)
        body = record[pos + 4 : pos + 4 + size]
        if len(body) != size:
            raise _malformed(f"measurement block {index} runs past its record")
        pos += 4 + size
        if not spec & 1 or size < 3:  # not a DMTF measurement: keep its bytes as raw
            out.append(MeasurementBlock(index, 0xFF, True, body, "raw"))
            continue
        vtype, vsize = body[0], _u16(body, 1)
        value = body[3 : 3 + vsize]
        if len(value) != vsize:
            raise _malformed(f"measurement {index}: value size {vsize} exceeds the block")
        raw = bool(vtype & 0x80)
        alg = "raw" if raw else (_meas_alg(meas_hash) or _DIGEST_NAME.get(vsize, f"{vsize}-byte"))
        out.append(MeasurementBlock(index, vtype & 0x7F, raw, value, alg))
    if count and len(out) != count:
        raise _malformed(f"NumberOfBlocks says {count}, the record holds {len(out)}")
    return tuple(out)


def _meas_alg(bits: int | None) -> str | None:
    if not bits:
        return None
    for bit, name in _MEAS_HASH.items():
        if bits & (1 << bit):
            return name
    return None


def parse_transcript(data: bytes) -> Transcript:
    """Parse an L1/L2 log ending with a signed MEASUREMENTS response."""
    pos = 0
    request: bytes | None = None
    base_asym = base_hash = meas_hash = None
    while pos < len(data):
        if pos + 4 > len(data):
            raise _malformed(f"truncated SPDM header at offset {pos}")
        version, code = data[pos], data[pos + 1]
        if code == GET_MEASUREMENTS:
            if version not in SUPPORTED_VERSIONS:
                raise TranscriptError(
                    Finding(Reason.UNSUPPORTED_SPDM_VERSION, f"SPDM version 0x{version:02x}")
                )
            signed = data[pos + 2] & 1
            end = pos + 4 + (NONCE_SIZE + 1 if signed else 0)
            request = data[pos:end]
            if len(request) != end - pos:
                raise _malformed("truncated GET_MEASUREMENTS request")
            pos = end
            continue
        if code == MEASUREMENTS:
            if request is None:
                raise _malformed(f"MEASUREMENTS response without a request at offset {pos}")
            result = _response(data, pos, request, (base_asym, base_hash, meas_hash))
            if result is not None:
                return result
            pos = _response_end(data, pos)
            request = None
            continue
        length = _length(data, pos, version, code)
        if length < 4 or pos + length > len(data):
            raise _malformed(f"SPDM message 0x{code:02x} at offset {pos} runs past the end")
        if code == ALGORITHMS and length >= 20:
            meas_hash = int.from_bytes(data[pos + 8 : pos + 12], "little")
            base_asym = int.from_bytes(data[pos + 12 : pos + 16], "little")
            base_hash = int.from_bytes(data[pos + 16 : pos + 20], "little")
        pos += length
    raise _malformed("no signed MEASUREMENTS response")


def _response_end(data: bytes, pos: int) -> int:
    record_len = int.from_bytes(data[pos + 5 : pos + 8], "little")
    after = pos + 8 + record_len + NONCE_SIZE
    return after + 2 + _u16(data, after)


def _response(
    data: bytes, pos: int, request: bytes, algs: tuple[int | None, int | None, int | None]
) -> Transcript | None:
    """The transcript when this response is the signed one (None for an unsigned one)."""
    version = data[pos]
    if version != request[0]:
        raise _malformed(f"response version 0x{version:02x} differs from its request's")
    if pos + 8 > len(data):
        raise _malformed("truncated MEASUREMENTS response")
    count = data[pos + 4]
    record_len = int.from_bytes(data[pos + 5 : pos + 8], "little")
    record_end = pos + 8 + record_len
    after = record_end + NONCE_SIZE
    if after + 2 > len(data):
        raise _malformed("MEASUREMENTS record runs past the end")
    opaque_end = after + 2 + _u16(data, after)
    if opaque_end > len(data):
        raise _malformed("opaque data runs past the end")
    if not request[2] & 1:
        return None
    signature = data[opaque_end:]
    if not signature:
        raise _malformed("the signed MEASUREMENTS response has no signature")
    base_asym, base_hash, meas_hash = algs
    return Transcript(
        version=version,
        request_nonce=request[4 : 4 + NONCE_SIZE],
        response_nonce=data[record_end:after],
        slot=request[4 + NONCE_SIZE] & 0x0F,
        blocks=_blocks(data[pos + 8 : record_end], count, meas_hash),
        signature=signature,
        signed=data[:opaque_end],
        base_asym=base_asym,
        base_hash=base_hash,
    )


def signing_message(t: Transcript, hash_cls: hashes.HashAlgorithm) -> bytes:
    """What the device key signed: L1/L2 itself (1.1) or the 1.2 prefixed hash of it."""
    if t.version < 0x12:
        return t.signed
    prefix = f"dmtf-spdm-v{t.version >> 4}.{t.version & 0xF}.*".encode() * 4
    context = MEASUREMENTS_CONTEXT.rjust(36, b"\0")
    h = hashlib.new(hash_cls.name, t.signed).digest()
    return prefix + context + h


def _ec_verify(t: Transcript, key: ec.EllipticCurvePublicKey) -> str:
    curve = key.curve.name
    if curve not in _CURVE_SIG:
        raise TranscriptError(Finding(Reason.ALGORITHM_NOT_ALLOWED, f"ECDSA curve {curve}"))
    hash_cls = _BASE_HASH.get(_low_bit(t.base_hash), _CURVE_HASH[curve])
    width = _CURVE_SIG[curve]
    if len(t.signature) != width:
        raise TranscriptError(
            Finding(Reason.SIGNATURE_INVALID, f"{len(t.signature)}-byte signature for {curve}")
        )
    half = width // 2
    r = int.from_bytes(t.signature[:half], "big")
    s = int.from_bytes(t.signature[half:], "big")
    try:
        key.verify(encode_dss_signature(r, s), signing_message(t, hash_cls), ec.ECDSA(hash_cls))
    except InvalidSignature:
        raise TranscriptError(Finding(Reason.SIGNATURE_INVALID, f"ECDSA {curve}")) from None
    return f"ECDSA-{curve}-{hash_cls.name.upper()}"


def _low_bit(bits: int | None) -> int:
    if not bits:
        return -1
    return (bits & -bits).bit_length() - 1


def _rsa_verify(t: Transcript, key: rsa.RSAPublicKey) -> str:
    if key.key_size not in (2048, 3072, 4096):
        raise TranscriptError(Finding(Reason.ALGORITHM_NOT_ALLOWED, f"RSA-{key.key_size}"))
    base = _BASE_HASH.get(_low_bit(t.base_hash))
    candidates = [base] if base else [hashes.SHA256(), hashes.SHA384(), hashes.SHA512()]
    schemes: list[str] = []
    if t.base_asym is None or t.base_asym & _RSASSA_BITS:
        schemes.append("PKCS1v15")
    if t.base_asym is None or t.base_asym & _RSAPSS_BITS:
        schemes.append("PSS")
    if not schemes:
        raise TranscriptError(Finding(Reason.ALGORITHM_NOT_ALLOWED, "ALGORITHMS selected no RSA"))
    for hash_cls in candidates:
        message = signing_message(t, hash_cls)
        for scheme in schemes:
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if scheme == "PKCS1v15"
                else padding.PSS(padding.MGF1(hash_cls), hash_cls.digest_size)
            )
            try:
                key.verify(t.signature, message, pad, hash_cls)
            except InvalidSignature:
                continue
            return f"RSA{scheme}-{key.key_size}-{hash_cls.name.upper()}"
    raise TranscriptError(Finding(Reason.SIGNATURE_INVALID, f"RSA-{key.key_size}"))


def verify_signature(t: Transcript, key: object) -> str:
    """Verify the transcript's signature with the leaf's public key; the algorithm used."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _ec_verify(t, key)
    if isinstance(key, rsa.RSAPublicKey):
        return _rsa_verify(t, key)
    raise TranscriptError(
        Finding(Reason.ALGORITHM_NOT_ALLOWED, f"{type(key).__name__} is not an SPDM signing key")
    )


# --------------------------------------------------------------------------------------------
# Encoding (a requester builds its GET_MEASUREMENTS; tests and benchmarks build responses)
# --------------------------------------------------------------------------------------------


def encode_get_measurements(
    version: int, nonce: bytes, *, slot: int = 0, operation: int = 0xFF
) -> bytes:
    """A signed GET_MEASUREMENTS request for all measurements (operation 0xFF)."""
    if len(nonce) != NONCE_SIZE:
        raise ValueError("an SPDM nonce is 32 bytes")
    return bytes([version, GET_MEASUREMENTS, 0x01, operation]) + nonce + bytes([slot & 0x0F])


def encode_block(index: int, value: bytes, *, value_type: int = 1) -> bytes:
    """One DMTF measurement block holding a digest."""
    dmtf = bytes([value_type]) + len(value).to_bytes(2, "little") + value
    return bytes([index, 0x01]) + len(dmtf).to_bytes(2, "little") + dmtf


def encode_measurements_unsigned(
    version: int, blocks: list[bytes], nonce: bytes, *, slot: int = 0, opaque: bytes = b""
) -> bytes:
    """A MEASUREMENTS response up to (not including) its signature."""
    record = b"".join(blocks)
    return (
        bytes([version, MEASUREMENTS, 0, slot & 0x0F, len(blocks)])
        + len(record).to_bytes(3, "little")
        + record
        + nonce
        + len(opaque).to_bytes(2, "little")
        + opaque
    )
