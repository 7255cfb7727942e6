"""Files of a shipment that repeat byte for byte but for a few strings: read without parsing them.

The servers of a shipment are built from a few templates (:mod:`~sovbom.delivery.doc_templates`):
their files are the same bytes but for the strings of their serials, their document's serial
number and timestamp. When doc_templates makes a template of a document read from a file, this
module keeps the file's bytes cut around those strings (a *byte template*). A later file is
*known* when it is the template's bytes with other strings in the cuts, each *plain* (no quote,
no backslash): JSON's tokens are then the template's, so the file parses to the template's
document with those strings in their places, and what the template read of its document
(:func:`~sovbom.delivery.extract.extract`'s parts, with these serials) is read of the file
without parsing it. Its nesting is the template's (checked when the template was made); the
strings are read by orjson itself (one array of them), so a string orjson refuses (a control
character, bytes that are not UTF-8) makes the file unknown, and it is parsed as any other,
which then says what is wrong.

A byte template is made only when this is shown for its own file: its bytes, with sentinel
strings in the cuts, parse to its document with the sentinels in those places (the cuts are
exactly those strings, nothing else).

Only what a delivery without policy or identity checks reads of a document is known: its parts,
its serial number, its spec version, and what its collection says (complete, notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from sovbom.delivery.doc_templates import Extracted, Template, parts_of, serial_entries
from sovbom.delivery.extract import observed_complete

#: What a cut string is, besides the index of a serial among the template's serials (>= 0).
_SERIAL_NUMBER = -1
_OTHER = -2
#: Byte templates kept at most (the oldest is dropped first).
BYTE_TEMPLATES = 16
#: Characters a JSON string holds only escaped: a string with one is never cut.
_NOT_PLAIN = re.compile(r'["\\\x00-\x1f]')
_WS = rb"[ \t\n\r]*"
#: Each sentinel holds this character once (a private-use one); no other string of the document
#: may hold it.
_MARK = "\ue000".encode()


@dataclass(frozen=True, slots=True)
class Known:
    """What a delivery reads of a known file (see the module's documentation)."""

    extracted: Extracted
    #: the document's ``serialNumber`` (any JSON value; None when it has none)
    serial_number: Any
    spec_version: str
    complete: bool
    notes: list[str]


@dataclass(frozen=True, slots=True)
class _Bytes:
    #: the file's bytes around the cut strings (one more than the strings): the first ends with
    #: the quote opening the first string, the others begin with the quote closing one
    cuts: tuple[bytes, ...]
    #: what each cut string is, in the file's order: a serial's index in the template's serials,
    #: or :data:`_SERIAL_NUMBER`, or :data:`_OTHER`
    roles: tuple[int, ...]
    template: Template
    serial_number: Any
    spec_version: str
    complete: bool
    notes: tuple[str, ...]


_KNOWN: list[_Bytes] = []


def known(data: bytes) -> Known | None:
    """What a file is known to hold when it is a byte template's but for its cut strings."""
    for b in _KNOWN:
        strings = _strings(b.cuts, data)
        if strings is None:
            continue
        serials: list[str] = [""] * len(b.template.serials)
        serial_number = b.serial_number
        for role, s in zip(b.roles, strings, strict=True):
            if role >= 0:
                serials[role] = s
            elif role == _SERIAL_NUMBER:
                serial_number = s
        return Known(
            parts_of(b.template, serials), serial_number, b.spec_version, b.complete,
            list(b.notes),
        )  # fmt: skip
    return None


def _strings(cuts: tuple[bytes, ...], data: bytes) -> list[str] | None:
    """The strings in ``data``'s cuts when it is those cuts around plain strings, else None."""
    if not data.startswith(cuts[0]):
        return None
    pos = len(cuts[0])
    found: list[bytes] = []
    find, startswith, add = data.find, data.startswith, found.append
    for cut in cuts[1:]:
        end = find(b'"', pos)  # the string's end: it holds no backslash (checked below)
        if end < 0 or not startswith(cut, end):
            return None
        add(data[pos:end])
        pos = end + len(cut)
    if pos != len(data):
        return None
    joined = b'","'.join(found)
    if b"\\" in joined:
        return None
    try:
        strings = orjson.loads(b'["' + joined + b'"]')
    except orjson.JSONDecodeError:
        return None  # a control character, bytes that are not UTF-8...
    if len(strings) != len(found):  # pragma: no cover - no quote and no backslash in them
        return None
    return strings  # type: ignore[no-any-return]


def remember(raw: bytes, doc: dict[str, Any], root: Any, top: list[Any], t: Template) -> None:
    """Keep a byte template of the file ``raw``, parsed (by ``parse_bom``) into ``doc``, whose
    server ``root`` and components ``top`` made doc_templates' template ``t``; nothing when the
    file cannot be one. ``doc`` is left as it was."""
    version = doc.get("specVersion")
    entries = serial_entries(t, root, top)
    if not isinstance(version, str) or entries is None:
        return
    # (object holding the string, its key, role)
    places: list[tuple[dict[str, Any], str, int]] = [(e, "value", i) for i, e in enumerate(entries)]
    if isinstance(doc.get("serialNumber"), str):
        places.append((doc, "serialNumber", _SERIAL_NUMBER))
    metadata = doc.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("timestamp"), str):
        places.append((metadata, "timestamp", _OTHER))
    values = [holder[key] for holder, key, _ in places]
    if not all(isinstance(v, str) and not _NOT_PLAIN.search(v) for v in values):
        return
    if len({id(holder) for holder, _, _ in places}) != len(places):
        return  # (a serial entry met twice)
    sentinels = [f"\ue000{i}\ue001" for i in range(len(places))]  # each unique, and plain
    try:
        for (holder, key, _), sentinel in zip(places, sentinels, strict=True):
            holder[key] = sentinel
        made = _made(raw, doc, places, values, sentinels)
    finally:
        for (holder, key, _), value in zip(places, values, strict=True):
            holder[key] = value
    if made is None:
        return
    cuts, roles = made
    complete, notes = observed_complete(doc)
    if len(_KNOWN) >= BYTE_TEMPLATES:
        del _KNOWN[0]
    _KNOWN.append(_Bytes(cuts, roles, t, doc.get("serialNumber"), version, complete, tuple(notes)))


def _made(
    raw: bytes,
    doc: dict[str, Any],
    places: list[tuple[dict[str, Any], str, int]],
    values: list[str],
    sentinels: list[str],
) -> tuple[tuple[bytes, ...], tuple[int, ...]] | None:
    """The cuts and roles of a byte template of ``raw``; ``doc`` holds the sentinels now."""
    try:
        text = orjson.dumps(doc)  # the strings' order in the file: the document's keys' order
    except orjson.JSONEncodeError:
        return None
    if text.count(_MARK) != len(sentinels):
        return None  # the document has a string of its own with a sentinel's character
    at = [text.find(s.encode()) for s in sentinels]
    order = sorted(range(len(places)), key=at.__getitem__)
    cuts: list[bytes] = []
    pos = start = 0
    for i in order:
        _, key, _ = places[i]
        span = _find(raw, key, values[i].encode(), pos)
        if span is None:
            return None
        cuts.append(raw[start : span[0]])
        start = pos = span[1]
    cuts.append(raw[start:])
    probe = bytearray(cuts[0])
    for i, cut in zip(order, cuts[1:], strict=True):
        probe += sentinels[i].encode()
        probe += cut
    try:
        if orjson.loads(bytes(probe)) != doc:  # the cuts are those strings, and only those
            return None
    except orjson.JSONDecodeError:
        return None
    return tuple(cuts), tuple(places[i][2] for i in order)


def _find(raw: bytes, key: str, value: bytes, pos: int) -> tuple[int, int] | None:
    """Where the next string ``value`` of a member ``key`` is in ``raw`` from ``pos`` (from its
    first character to its closing quote)."""
    member = re.compile(b'"' + re.escape(key.encode()) + b'"' + _WS + b":" + _WS + b'"')
    while (m := member.search(raw, pos)) is not None:
        end = m.end() + len(value)
        if raw.startswith(value, m.end()) and raw.startswith(b'"', end):
            return m.end(), end
        pos = m.end()
    return None


def clear() -> None:
    """Forget every byte template."""
    _KNOWN.clear()


__all__ = ["BYTE_TEMPLATES", "Known", "clear", "known", "remember"]
