"""Servers that are not unique within a shipment.

A shipment verifies each server against its own signed HBOM; nothing in one server's files says
whether another directory holds the same server. Copies of one signed HBOM and its inventory in
several directories would each pass, so that one server on the dock could stand for many. Here
every server's :class:`~sovbom.delivery.model.Fingerprint` is compared with the others': the same
signed HBOM (digest), the same observed HBOM (digest) or a serial number (the server's or a
part's) declared by two servers makes each of them a duplicate, with a reason naming the others.

Linear in the number of servers and serials, whatever the number of copies.

A shipment is verified as a stream: :class:`DuplicateIndex` keeps only small keys of each server
(its two digests and an 8-byte hash of each serial, in compact arrays), and names the servers that
may be duplicates once all are seen. Their fingerprints, restricted to the serials that other
servers share (:func:`restrict`), are then enough for :func:`duplicate_reasons`: the reasons come
out as if every full fingerprint had been kept.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import weakref
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, BinaryIO

from sovbom.delivery.model import DeliveryResult, Fingerprint
from sovbom.errors import InputError

#: Other servers named in a reason (then "and N more").
SHOWN = 3


def _names(names: Sequence[str], total: int) -> str:
    shown = ", ".join(names[:SHOWN])
    more = total - min(len(names), SHOWN)
    return f"{shown} and {more} more" if more > 0 else shown


def _same_digest(groups: dict[str, list[str]], what: str, reasons: dict[str, list[str]]) -> None:
    for servers in groups.values():
        if len(servers) < 2:
            continue
        for i, server in enumerate(servers):
            others = servers[: min(i, SHOWN)] + servers[i + 1 : i + 1 + SHOWN]
            reasons.setdefault(server, []).append(
                f"duplicate: the same {what} as {_names(others, len(servers) - 1)}"
            )


def duplicate_reasons(results: Sequence[DeliveryResult]) -> dict[str, list[str]]:
    """Server -> why it is a duplicate of other servers of the same shipment (only duplicates)."""
    reasons: dict[str, list[str]] = {}
    by_expected: dict[str, list[str]] = {}
    by_observed: dict[str, list[str]] = {}
    digest_of: dict[str, str] = {}
    holders: dict[str, list[tuple[str, str]]] = {}  # serial -> [(server, what declares it)]
    for r in results:
        fp = r.fingerprint
        if fp is None:
            continue
        digest_of[r.server] = fp.expected_sha256
        by_expected.setdefault(fp.expected_sha256, []).append(r.server)
        if fp.observed_sha256:
            by_observed.setdefault(fp.observed_sha256, []).append(r.server)
        for serial, what in fp.serials.items():
            holders.setdefault(serial, []).append((r.server, what))
    _same_digest(by_expected, "signed HBOM", reasons)
    _same_digest(by_observed, "observed HBOM", reasons)
    _shared_serials(holders, digest_of, reasons)
    return reasons


def _name_others(named: list[str], groups: dict[str, list[str]], own: str) -> None:
    """Add servers of the other groups to ``named``, up to :data:`SHOWN` in all."""
    for digest, members in groups.items():
        if digest == own:
            continue
        for m in members:
            if len(named) >= SHOWN:
                return
            if m not in named:
                named.append(m)


def _shared_serials(
    holders: dict[str, list[tuple[str, str]]],
    digest_of: dict[str, str],
    reasons: dict[str, list[str]],
) -> None:
    """Serials declared by servers whose signed HBOMs differ (identical HBOMs have a reason)."""
    count: dict[str, int] = {}
    example: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    for serial_holders in holders.values():
        if len(serial_holders) < 2:
            continue
        groups: dict[str, list[str]] = {}
        for server, _ in serial_holders:
            groups.setdefault(digest_of[server], []).append(server)
        if len(groups) < 2:
            continue
        for server, what in serial_holders:
            own = digest_of[server]
            count[server] = count.get(server, 0) + 1
            example.setdefault(server, what)
            named = others.setdefault(server, [])
            if len(named) < SHOWN:
                _name_others(named, groups, own)
    for server, n in count.items():
        plural = "s" if n != 1 else ""
        reasons.setdefault(server, []).append(
            f"duplicate: {n} serial{plural} of this server's signed HBOM also declared for"
            f" {', '.join(others[server])}{' ...' if len(others[server]) >= SHOWN else ''}"
            f" (first: {example[server]})"
        )


def serial_key(serial: str) -> int:
    """A 64-bit key of a normalised serial (equal serials, equal keys; the converse is checked)."""
    return int.from_bytes(hashlib.blake2b(serial.encode(), digest_size=8).digest(), "little")


#: Serial keys are kept in this many buckets (by their top bits), each sorted out on its own.
_BUCKETS = 16
_SHIFT_IN_TOP_BYTE = 8 - (_BUCKETS - 1).bit_length()


@dataclass(frozen=True, slots=True)
class ServerKeys:
    """What the index keeps of one server: digests and serial keys (packed)."""

    expected: bytes
    observed: bytes | None
    #: the serial_key values, array("Q") of each bucket (by their top bits, see
    #: :class:`DuplicateIndex`): the process that reads the server sorts them out
    serials: tuple[bytes, ...]


def keys_of(fp: Fingerprint) -> ServerKeys:
    blake2b = hashlib.blake2b
    # serial_key of each serial as array("Q") holds it: its digest, the key's little-endian bytes
    buckets: list[list[bytes]] = [[] for _ in range(_BUCKETS)]
    for s in fp.serials:
        digest = blake2b(s.encode(), digest_size=8).digest()
        buckets[digest[7] >> _SHIFT_IN_TOP_BYTE].append(digest)
    packed = [b"".join(b) for b in buckets]
    if sys.byteorder != "little":
        for i, chunk in enumerate(packed):
            keys = array("Q")
            keys.frombytes(chunk)
            keys.byteswap()
            packed[i] = keys.tobytes()
    return ServerKeys(
        bytes.fromhex(fp.expected_sha256),
        bytes.fromhex(fp.observed_sha256) if fp.observed_sha256 else None,
        tuple(packed),
    )


def restrict(fp: Fingerprint, shared: Collection[int]) -> Fingerprint:
    """``fp`` with only the serials whose key is in ``shared`` (the others are unique)."""
    serials = {s: what for s, what in fp.serials.items() if serial_key(s) in shared}
    return Fingerprint(fp.expected_sha256, fp.observed_sha256, serials)


#: Serial keys held in memory before they are moved to the index's temporary file (3 MB).
SPILL_SERIALS = 1 << 18


class DuplicateIndex:
    """Servers (by their index in the shipment) that may not be unique, from compact keys.

    Memory: about 300 bytes per server (its digests); the serial keys (12 bytes a serial) are
    moved to an anonymous temporary file every ``spill`` serials, and read back one bucket at a
    time when the candidates are sorted out, through a filter of 4 bytes a key that lets
    through the keys seen twice (and few others): no result is kept, and neither the serials of
    a large shipment nor a table of them stays in memory.
    """

    def __init__(self, spill: int = SPILL_SERIALS) -> None:
        self._expected: dict[bytes, int] = {}
        self._observed: dict[bytes, int] = {}
        self._digests: dict[int, tuple[bytes, bytes | None]] = {}
        self._found: set[int] = set()
        self._keys = [array("Q") for _ in range(_BUCKETS)]
        self._owners = [array("I") for _ in range(_BUCKETS)]  # 4 bytes a serial
        self._held = 0
        self._spill = spill
        #: bucket -> (where in the file, how many keys) of each part of it moved there
        self._spilled: list[list[tuple[int, int]]] = [[] for _ in range(_BUCKETS)]
        self._file: BinaryIO | None = None
        self._close: weakref.finalize[Any, Any] | None = None

    def add(self, index: int, keys: ServerKeys | None) -> None:
        if keys is None:
            return
        self._digests[index] = (keys.expected, keys.observed)
        for digest, seen in ((keys.expected, self._expected), (keys.observed, self._observed)):
            if digest is None:
                continue
            first = seen.setdefault(digest, index)
            if first != index:
                self._found.update((first, index))
        for bucket, chunk in enumerate(keys.serials):
            if chunk:
                self._keys[bucket].frombytes(chunk)
                self._owners[bucket].extend(repeat(index, len(chunk) // 8))
                self._held += len(chunk) // 8
        if self._held >= self._spill:
            self._move_out()

    def _move_out(self) -> None:
        """Move the serial keys held in memory to the temporary file (appended)."""
        if self._file is None:
            try:
                self._file = tempfile.TemporaryFile(prefix="sovbom-serials-")  # noqa: SIM115
            except OSError as e:
                raise _failed(e) from e
            self._close = weakref.finalize(self, self._file.close)
        f = self._file
        try:
            f.seek(0, os.SEEK_END)
            for bucket, (keys, owners) in enumerate(zip(self._keys, self._owners, strict=True)):
                if keys:
                    self._spilled[bucket].append((f.tell(), len(keys)))
                    keys.tofile(f)
                    owners.tofile(f)
        except OSError as e:
            raise _failed(e) from e
        self._keys = [array("Q") for _ in range(_BUCKETS)]
        self._owners = [array("I") for _ in range(_BUCKETS)]
        self._held = 0

    def _bucket(self, bucket: int) -> tuple[array[int], array[int]]:
        """Every serial key of ``bucket``, and its server: from the file, then from memory."""
        keys, owners = array("Q"), array("I")
        if self._spilled[bucket]:
            assert self._file is not None
            try:
                for at, n in self._spilled[bucket]:
                    self._file.seek(at)
                    keys.fromfile(self._file, n)
                    owners.fromfile(self._file, n)
            except (OSError, EOFError) as e:
                raise _failed(OSError(str(e))) from e
        keys.extend(self._keys[bucket])
        owners.extend(self._owners[bucket])
        return keys, owners

    def close(self) -> None:
        """Release the temporary file (if serials were moved there)."""
        if self._close is not None:
            self._close()

    def digests(self, index: int) -> tuple[bytes, bytes | None] | None:
        """The digests the server had when it was added."""
        return self._digests.get(index)

    def candidates(self) -> tuple[list[int], frozenset[int]]:
        """Servers that may be duplicates (sorted), and the serial keys two servers share."""
        found = set(self._found)
        shared: set[int] = set()
        for bucket in range(_BUCKETS):
            keys, owners = self._bucket(bucket)
            maybe = _seen_twice(keys)
            first: dict[int, int] = {}
            for key, owner in zip(keys, owners, strict=True):
                if key not in maybe:
                    continue
                other = first.setdefault(key, owner)
                if other != owner:
                    found.update((other, owner))
                    shared.add(key)
        return sorted(found), frozenset(shared)


#: Bits of the filter of :func:`_seen_twice`, per key (a key seen once passes it 1 time in 32).
_FILTER_BITS = 32


def _seen_twice(keys: array[int]) -> set[int]:
    """The keys that may occur twice in ``keys``: every one that does, and a few that do not
    (a bit per hash of the keys seen, :data:`_FILTER_BITS` bits a key). What is kept in memory
    is the bits and the keys that pass, not a table of every key."""
    size = max(64, len(keys) * _FILTER_BITS)
    bits = bytearray(size >> 3)
    maybe: set[int] = set()
    for key in keys:
        h = key % size
        at, bit = h >> 3, 1 << (h & 7)
        if bits[at] & bit:
            maybe.add(key)
        else:
            bits[at] |= bit
    return maybe


def _failed(e: OSError) -> InputError:
    return InputError(
        f"cannot keep the shipment's serial numbers in a temporary file: {e.strerror or e}"
        " (TMPDIR names where: a directory with room)",
        source=tempfile.gettempdir(),
    )


__all__ = [
    "SPILL_SERIALS",
    "DuplicateIndex",
    "ServerKeys",
    "duplicate_reasons",
    "keys_of",
    "restrict",
    "serial_key",
]
