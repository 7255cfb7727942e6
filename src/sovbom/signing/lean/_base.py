"""What every part of the lean verifier shares: why it declines, and strict JSON field readers.

The lean verifier never produces a failure verdict of its own: when it cannot vouch for a bundle
it raises :class:`Decline`, and sigstore-python's verification decides (and words the reason).
:class:`Unsupported` means the bundle (or trusted root) has a shape the lean path does not know;
:class:`Rejected` means a check it understands failed.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any


class Decline(Exception):
    """The lean verifier does not vouch for the bundle: the full verifier must decide."""


class Unsupported(Decline):
    """A shape or feature outside what the lean verifier handles."""


class Rejected(Decline):
    """A check the lean verifier understands failed."""


#: Results each memory of the lean verifier holds before it is emptied (only successes are kept).
MEMO_LIMIT = 4096

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
#: Largest integer taken from a bundle (RFC 8785 numbers are exact up to 2**53).
MAX_INT = 2**53 - 1


def obj(
    value: Any, where: str, allowed: frozenset[str], required: frozenset[str]
) -> dict[str, Any]:
    """A JSON object with only ``allowed`` keys and every ``required`` key."""
    if not isinstance(value, dict):
        raise Unsupported(f"{where}: not an object")
    keys = value.keys()
    if not keys <= allowed or not required <= keys:
        raise Unsupported(f"{where}: unexpected or missing fields")
    return value


def text(value: Any, where: str) -> str:
    """A string that UTF-8 can encode (a JSON reader may give lone surrogates)."""
    if not isinstance(value, str):
        raise Unsupported(f"{where}: not a string")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise Unsupported(f"{where}: not UTF-8") from e
    return value


def b64(value: Any, where: str) -> bytes:
    """Canonical, padded standard base64 only (what encoding the decoded bytes gives back)."""
    s = text(value, where)
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        raise Unsupported(f"{where}: not base64") from e
    if base64.b64encode(raw).decode("ascii") != s:
        raise Unsupported(f"{where}: not canonical base64")
    return raw


def uint(value: Any, where: str) -> int:
    """A protobuf 64-bit integer in its JSON form: a canonical decimal string (sigstore-python's
    models refuse JSON numbers there)."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise Unsupported(f"{where}: not a canonical non-negative integer string")
    n = int(value)
    if n > MAX_INT:
        raise Unsupported(f"{where}: out of range")
    return n
