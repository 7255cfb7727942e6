"""Validity windows of the keys in a trusted root, and which of them a bundle relied on.

Every certificate authority, transparency log key, CT log key and timestamp authority of a
Sigstore trusted root carries a ``validFor`` period (start, optional end). sigstore-python
verifies with keys whose period has ended ("expired keys allowed"); sovbom only lets a key vouch
for a signature made inside its period. :func:`parse_windows` reads the periods (a missing start
is an error, never "valid since forever"), :func:`restrict` keeps the keys valid at given times,
and :func:`out_of_window` names the keys a bundle relied on that were not valid then.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from sovbom.errors import InputError


class KeyKind(StrEnum):
    """The kinds of keys a trusted root lists (the value is the name used in messages)."""

    CA = "certificate authority"
    TLOG = "transparency log key"
    CTLOG = "CT log key"
    TSA = "timestamp authority"


#: The trusted root list of each kind of key.
ROOT_LISTS: dict[KeyKind, str] = {
    KeyKind.CA: "certificateAuthorities",
    KeyKind.TLOG: "tlogs",
    KeyKind.CTLOG: "ctlogs",
    KeyKind.TSA: "timestampAuthorities",
}
#: Kinds without which no signature verifies (a root lacking one has no usable keys).
REQUIRED_KINDS = (KeyKind.CA, KeyKind.TLOG, KeyKind.CTLOG)


@dataclass(frozen=True)
class KeyWindow:
    """One key (or certificate authority) of a trusted root and the period it may be relied on."""

    kind: KeyKind
    index: int
    start: dt.datetime
    end: dt.datetime | None
    #: The key's name in messages: a CA's subject and URI, a log's key id and URL.
    label: str
    #: For log keys: the key ids a bundle may name it by (``logId.keyId``, SHA-256 of the key).
    key_ids: frozenset[bytes] = frozenset()
    #: For certificate authorities: the DER certificates of the chain.
    certs_der: tuple[bytes, ...] = field(default=(), repr=False)

    def covers(self, t: dt.datetime) -> bool:
        """Valid at ``t`` (the period is a closed interval)."""
        return self.start <= t and (self.end is None or t <= self.end)

    def describe(self) -> str:
        until = f" until {self.end.isoformat()}" if self.end else " (no end)"
        return f"{self.kind} {self.label}, valid from {self.start.isoformat()}{until}"

    @cached_property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        out = []
        for der in self.certs_der:
            try:
                out.append(x509.load_der_x509_certificate(der))
            except ValueError:  # sigstore-python rejects such a root when it is loaded
                continue
        return tuple(out)


def _parse_time(value: Any, where: str, source: str) -> dt.datetime:
    if not isinstance(value, str):
        raise InputError(
            "malformed trusted root: expected an RFC 3339 time", source=source, location=where
        )
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError as e:
        raise InputError(
            f"malformed trusted root: invalid time {value!r}", source=source, location=where
        ) from e
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _log_key_ids(item: dict[str, Any]) -> frozenset[bytes]:
    """``logId.keyId`` and the SHA-256 of the DER key (sigstore-python's keyring id)."""
    ids = set()
    log_id = item.get("logId")
    if isinstance(log_id, dict) and (declared := _b64(log_id.get("keyId"))):
        ids.add(declared)
    public_key = item.get("publicKey")
    raw = _b64(public_key.get("rawBytes")) if isinstance(public_key, dict) else b""
    if raw:
        try:
            der = serialization.load_der_public_key(raw).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        except (ValueError, TypeError):
            der = raw
        ids.add(hashlib.sha256(der).digest())
    return frozenset(ids)


def _ca_label(item: dict[str, Any]) -> str:
    subject = item.get("subject")
    names = (
        [str(subject[k]) for k in ("organization", "commonName") if subject.get(k)]
        if isinstance(subject, dict)
        else []
    )
    uri = item.get("uri")
    return "/".join(names) + (f" ({uri})" if isinstance(uri, str) and uri else "") or "(unnamed)"


def _ca_certs(item: dict[str, Any]) -> tuple[bytes, ...]:
    chain = item.get("certChain")
    certs = chain.get("certificates") if isinstance(chain, dict) else None
    if not isinstance(certs, list):
        return ()
    return tuple(der for c in certs if isinstance(c, dict) and (der := _b64(c.get("rawBytes"))))


def _window(kind: KeyKind, i: int, item: Any, source: str) -> KeyWindow:
    where = f"$.{ROOT_LISTS[kind]}[{i}]"
    if not isinstance(item, dict):
        raise InputError(
            "malformed trusted root: expected an object", source=source, location=where
        )
    is_log = kind in (KeyKind.TLOG, KeyKind.CTLOG)
    holder = item.get("publicKey") if is_log else item
    prefix = where + (".publicKey" if is_log else "")
    valid_for = holder.get("validFor") if isinstance(holder, dict) else None
    if not isinstance(valid_for, dict) or "start" not in valid_for:
        raise InputError(
            "malformed trusted root: validFor.start is missing",
            source=source,
            location=f"{prefix}.validFor.start",
        )
    start = _parse_time(valid_for["start"], f"{prefix}.validFor.start", source)
    end = (
        _parse_time(valid_for["end"], f"{prefix}.validFor.end", source)
        if valid_for.get("end") is not None
        else None
    )
    if is_log:
        ids = _log_key_ids(item)
        shown = next(iter(sorted(ids)), b"").hex() or "(no key id)"
        url = item.get("baseUrl")
        label = shown + (f" ({url})" if isinstance(url, str) and url else "")
        return KeyWindow(kind, i, start, end, label, key_ids=ids)
    return KeyWindow(kind, i, start, end, _ca_label(item), certs_der=_ca_certs(item))


def parse_windows(doc: Any, source: str) -> tuple[KeyWindow, ...]:
    """The validity window of every key of a trusted root document (JSON already parsed)."""
    if not isinstance(doc, dict):
        raise InputError("malformed trusted root: expected a JSON object", source=source)
    out: list[KeyWindow] = []
    for kind, name in ROOT_LISTS.items():
        items = doc.get(name) or []
        if not isinstance(items, list):
            raise InputError(
                "malformed trusted root: expected a list", source=source, location=f"$.{name}"
            )
        out.extend(_window(kind, i, item, source) for i, item in enumerate(items))
    return tuple(out)


def excluded_at(windows: Iterable[KeyWindow], times: Sequence[dt.datetime]) -> frozenset[KeyWindow]:
    """The keys not valid at every one of ``times``."""
    return frozenset(w for w in windows if not all(w.covers(t) for t in times))


def restrict(doc: dict[str, Any], excluded: Iterable[KeyWindow]) -> dict[str, Any] | None:
    """A copy of the trusted root document without the ``excluded`` keys.

    ``None`` when a kind no signature can do without (CA, transparency log, CT log) is left empty.
    """
    dropped: dict[KeyKind, set[int]] = {kind: set() for kind in ROOT_LISTS}
    for w in excluded:
        dropped[w.kind].add(w.index)
    out = copy.deepcopy(doc)
    for kind, name in ROOT_LISTS.items():
        items = out.get(name) or []
        out[name] = [item for i, item in enumerate(items) if i not in dropped[kind]]
        if kind in REQUIRED_KINDS and not out[name]:
            return None
    return out


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _sct_log_ids(cert: x509.Certificate) -> set[bytes]:
    try:
        scts = cert.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps
        ).value
    except (x509.ExtensionNotFound, ValueError):
        return set()
    return {sct.log_id for sct in scts}


@dataclass(frozen=True)
class BundleKeys:
    """What a bundle says about the keys that vouch for it (hints, checked by the verifier)."""

    leaf: x509.Certificate
    #: The transparency log key id of the log entry.
    log_id: bytes
    #: Whether the bundle carries timestamps of a timestamp authority.
    timestamped: bool


def out_of_window(
    windows: Sequence[KeyWindow], keys: BundleKeys, times: Sequence[dt.datetime]
) -> list[KeyWindow]:
    """The keys the bundle relied on that were not valid at every one of ``times``.

    A key counts as valid when any trusted root entry for it is (a CA listed twice, a log key
    listed by two entries). When no relied-on key can be told apart, every key the root had to
    leave out is returned.
    """

    def invalid(used: list[KeyWindow]) -> list[KeyWindow]:
        if any(all(w.covers(t) for t in times) for w in used):
            return []
        return used

    found: list[KeyWindow] = []
    issuers = [
        w
        for w in windows
        if w.kind is KeyKind.CA and any(_issued(keys.leaf, c) for c in w.certificates)
    ]
    found += invalid(issuers)
    found += invalid([w for w in windows if w.kind is KeyKind.TLOG and keys.log_id in w.key_ids])
    sct_ids = _sct_log_ids(keys.leaf)
    found += invalid([w for w in windows if w.kind is KeyKind.CTLOG and sct_ids & w.key_ids])
    if keys.timestamped:
        found += invalid([w for w in windows if w.kind is KeyKind.TSA])
    return found or sorted(excluded_at(windows, times), key=lambda w: (w.kind, w.index))


def window_failure(relied_on: Sequence[KeyWindow], times: Sequence[dt.datetime]) -> str:
    """A one-line reason naming the keys and their windows."""
    when = " and ".join(sorted({t.isoformat() for t in times}))
    keys = "; ".join(w.describe() for w in relied_on)
    return f"trusted root key not valid at the signing time {when}: {keys}"
