"""A minimal DER reader: just enough for the TCG DICE TcbInfo and SPDM otherName values.

``cryptography`` hands unknown extensions and otherName values over as raw DER; the few
structures read here are simple (SEQUENCE, context tags, OID, OCTET STRING, UTF8String).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


class DerError(ValueError):
    """The bytes are not the DER this module expects."""


@dataclass(frozen=True, slots=True)
class Tlv:
    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    @property
    def context_number(self) -> int | None:
        """``n`` for a context-specific tag ``[n]``, else None."""
        return self.tag & 0x1F if (self.tag & 0xC0) == 0x80 else None


def read_tlv(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """The TLV at ``pos`` and the position after it."""
    if pos + 2 > len(data):
        raise DerError("truncated DER header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte DER tags are not supported")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or pos + n > len(data):
            raise DerError("bad DER length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    end = pos + length
    if end > len(data):
        raise DerError("DER value runs past the end")
    return Tlv(tag, data[pos:end]), end


def children(data: bytes) -> Iterator[Tlv]:
    """The TLVs one after another in ``data`` (the content of a constructed value)."""
    pos = 0
    while pos < len(data):
        tlv, pos = read_tlv(data, pos)
        yield tlv


def one(data: bytes) -> Tlv:
    """The single TLV that ``data`` must consist of."""
    tlv, end = read_tlv(data)
    if end != len(data):
        raise DerError("trailing bytes after DER value")
    return tlv


def oid(value: bytes) -> str:
    """Dotted form of an OBJECT IDENTIFIER's content octets."""
    if not value:
        raise DerError("empty OID")
    arcs: list[int] = []
    acc = 0
    for b in value:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(acc)
            acc = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])
