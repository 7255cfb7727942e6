"""Transparency log proofs: a Merkle inclusion proof (RFC 6962 / RFC 9162 section 2.1.3) and
the log's signed checkpoint (a signed note, as transparency-dev's formats describe it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from sovbom.signing.lean._base import Rejected, Unsupported

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(_LEAF + body).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def root_from_proof(index: int, size: int, leaf: bytes, proof: tuple[bytes, ...]) -> bytes:
    """The tree root an inclusion proof (hashes bottom-up) gives for ``leaf`` at ``index``.

    Raises :class:`Rejected` when the proof cannot be one for that index and size.
    """
    if not 0 <= index < size:
        raise Rejected("inclusion proof: index outside the tree")
    if any(len(h) != 32 for h in proof):
        raise Rejected("inclusion proof: hash of the wrong size")
    # The path to ``index`` and the path to the last leaf part at depth ``inner``; above it,
    # ``index`` lies on the right border, where every sibling is a left one.
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    if len(proof) != inner + border:
        raise Rejected("inclusion proof: wrong number of hashes")
    node = leaf
    for level, sibling in enumerate(proof[:inner]):
        node = _node(sibling, node) if (index >> level) & 1 else _node(node, sibling)
    for sibling in proof[inner:]:
        node = _node(sibling, node)
    return node


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint: the signed text, the tree it commits to, its signatures."""

    signed_text: bytes
    origin: str
    size: int
    root_hash: bytes
    #: (signer name, 4-byte key hint, signature)
    signatures: tuple[tuple[str, bytes, bytes], ...]


_SIGNATURE_LINE = re.compile(r"\u2014 (\S+) (\S+)")
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


def parse_checkpoint(note: str) -> Checkpoint:
    """Read a signed note: the checkpoint's lines, one blank line, one line per signature.

    Anything unusual raises :class:`Unsupported`.
    """
    if note.count("\n\n") != 1 or not note.endswith("\n"):
        raise Unsupported("checkpoint: not a signed note")
    body, _, sig_block = note.partition("\n\n")
    lines = body.split("\n")
    if len(lines) < 3 or not lines[0] or not _SIZE.fullmatch(lines[1]):
        raise Unsupported("checkpoint: malformed header")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except (binascii.Error, ValueError) as e:
        raise Unsupported("checkpoint: root hash is not base64") from e
    signatures = []
    for line in sig_block[:-1].split("\n"):
        m = _SIGNATURE_LINE.fullmatch(line)
        if m is None:
            raise Unsupported("checkpoint: malformed signature line")
        try:
            raw = base64.b64decode(m.group(2), validate=True)
        except (binascii.Error, ValueError) as e:
            raise Unsupported("checkpoint: signature is not base64") from e
        if len(raw) < 5:
            raise Unsupported("checkpoint: signature too short")
        signatures.append((m.group(1), raw[:4], raw[4:]))
    return Checkpoint(
        signed_text=(body + "\n").encode("utf-8"),
        origin=lines[0],
        size=int(lines[1]),
        root_hash=root,
        signatures=tuple(signatures),
    )
