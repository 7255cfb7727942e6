"""Units of the lean verifier: Merkle inclusion proofs, signed notes, strict field readers."""

from __future__ import annotations

import base64
import hashlib

import pytest

from sovbom.signing.lean import Rejected, Unsupported
from sovbom.signing.lean._base import b64, uint
from sovbom.signing.lean.merkle import leaf_hash, parse_checkpoint, root_from_proof
from sovbom.signing.lean.trustroot import read_time


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1: MTH of a list, split at the largest power of two below its size."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _node(_root(leaves[:k]), _root(leaves[k:]))


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1: the audit path, bottom-up."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def test_inclusion_proofs_match_the_rfc_tree_for_every_index_and_size() -> None:
    for size in range(1, 34):
        leaves = [leaf_hash(f"entry {i}".encode()) for i in range(size)]
        root = _root(leaves)
        for index in range(size):
            proof = tuple(_path(index, leaves))
            assert root_from_proof(index, size, leaves[index], proof) == root
            if proof:  # any changed hash gives another root
                bad = (bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:])
                assert root_from_proof(index, size, leaves[index], bad) != root
            # the proof of one index does not prove another leaf there
            other = leaves[(index + 1) % size]
            if size > 1:
                assert root_from_proof(index, size, other, proof) != root


@pytest.mark.parametrize(
    ("index", "size", "hashes"),
    [(5, 5, 3), (0, 0, 0), (0, 4, 1), (0, 4, 3), (-1, 4, 2)],
    ids=["index-at-size", "empty-tree", "too-few", "too-many", "negative"],
)
def test_impossible_proofs_are_rejected(index: int, size: int, hashes: int) -> None:
    with pytest.raises(Rejected):
        root_from_proof(index, size, b"\0" * 32, (b"\1" * 32,) * hashes)


def _note(body: str, *sigs: str) -> str:
    return body + "\n" + "".join(f"\u2014 {s}\n" for s in sigs)


def test_a_signed_note_is_read() -> None:
    root = base64.b64encode(b"r" * 32).decode()
    sig = base64.b64encode(b"\x01\x02\x03\x04signature").decode()
    cp = parse_checkpoint(_note(f"log.example - 42\n7\n{root}\n", f"log.example {sig}"))
    assert (cp.origin, cp.size, cp.root_hash) == ("log.example - 42", 7, b"r" * 32)
    assert cp.signatures == (("log.example", b"\x01\x02\x03\x04", b"signature"),)
    assert cp.signed_text == f"log.example - 42\n7\n{root}\n".encode()


@pytest.mark.parametrize(
    "note",
    [
        "origin\n7\nAAAA\n",  # no signature block
        _note("origin\n7\nAAAA\n", "name AAAAAAAA") + "junk\n",  # a line that is no signature
        _note("origin\n07\nAAAA\n", "name AAAAAAAA"),  # size not canonical
        _note("origin\n7\nA!AA\n", "name AAAAAAAA"),  # root not base64
        _note("origin\n7\nAAAA\n", "name AAAA"),  # signature shorter than hint + 1
        _note("origin\n7\nAAAA\n\nextra\n", "name AAAAAAAA"),  # two blank lines
    ],
)
def test_unusual_notes_are_not_read(note: str) -> None:
    with pytest.raises(Unsupported):
        parse_checkpoint(note)


def test_fields_are_read_strictly() -> None:
    assert b64("AAEC", "x") == b"\0\1\2"
    for bad in ("AAE", "AA EC", "AAE=\n", "AAF=", 3, None):  # unpadded, spaces, non-canonical
        with pytest.raises(Unsupported):
            b64(bad, "x")
    assert uint("0", "x") == 0 and uint("123", "x") == 123
    for bad_int in (123, "-1", "01", "1e3", "", " 1", str(2**53), True):
        with pytest.raises(Unsupported):
            uint(bad_int, "x")
    assert read_time("2021-01-12T11:53:27Z", "t").tzinfo is not None
    assert read_time("2021-01-12T11:53:27.123+02:00", "t").utcoffset() is not None
    for bad_time in ("2021-01-12T11:53:27", "2021-02-30T00:00:00Z", "2021-01-12 11:53:27Z", 0):
        with pytest.raises(Unsupported):
            read_time(bad_time, "t")
