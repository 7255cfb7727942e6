"""Identity evidence as the verifier sees it, read from an observed HBOM (see :mod:`.cdx`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.document import iter_components
from sovbom.identity import cdx
from sovbom.identity.reasons import Finding, Reason
from sovbom.model import properties_of

_MAX_EVIDENCE_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class DeviceEvidence:
    """What one part presented: its chain, its signed transcript, and what the HBOM says of it."""

    ref: str
    name: str
    chain: tuple[bytes, ...] = ()  # DER, leaf first
    transcript: bytes | None = None
    nonce: bytes | None = None  # the nonce the requester sent, when known
    revocation: tuple[bytes, ...] = ()
    collected: datetime | None = None
    recorded_measurements: dict[str, str] = field(default_factory=dict)  # index -> "ALG:hex"
    problems: list[Finding] = field(default_factory=list)
    serial: str | None = None
    slot: str | None = None
    cls: str | None = None

    @property
    def present(self) -> bool:
        return bool(self.chain or self.transcript or self.problems)


@dataclass(frozen=True, slots=True)
class Part:
    """A device component of an HBOM with what pairing and binding need."""

    ref: str
    name: str
    serial: str | None
    slot: str | None
    cls: str | None
    props: Mapping[str, list[str]]
    doc: Mapping[str, Any]


def parts_of(doc: Mapping[str, Any]) -> list[Part]:
    """Every ``device`` component (the server itself included) of a CycloneDX document."""
    out: list[Part] = []
    for _, comp in iter_components(doc):
        if comp.get("type") != "device" or not isinstance(comp.get("bom-ref"), str):
            continue
        props = properties_of(comp)
        out.append(
            Part(
                ref=comp["bom-ref"],
                name=str(comp.get("name") or comp["bom-ref"]),
                serial=_first(props, tx.CDX_SERIAL),
                slot=_first(props, tx.SLOT, tx.CDX_LOCATION),
                cls=_first(props, tx.CLASS),
                props=props,
                doc=comp,
            )
        )
    return out


def _first(props: Mapping[str, list[str]], *names: str) -> str | None:
    for n in names:
        values = props.get(n)
        if values and values[0]:
            return values[0]
    return None


def parse_measurement(value: str) -> tuple[str, str, str] | None:
    """``INDEX:ALG:HEX`` -> (index, alg, hex lower-case); None when malformed."""
    index, sep, rest = value.partition(":")
    alg, sep2, digest = rest.rpartition(":")
    if not (sep and sep2 and index and alg and digest):
        return None
    return index.strip().lower(), alg.strip().upper(), digest.strip().lower()


class _Loader:
    def __init__(self, base: Path | None, files: Mapping[str, bytes] | None = None) -> None:
        self.base = base
        self.files = files

    def load(self, url: str, sha256: str | None, what: str) -> bytes | Finding:
        if self.files is not None and not url.startswith("data:"):
            packed = self.files.get(url)
            if packed is None:
                return Finding(Reason.EVIDENCE_UNREADABLE, f"{what} {_short(url)} is not packed")
            blob = packed
        elif url.startswith("data:"):
            _, _, payload = url.partition(",")
            try:
                blob = base64.b64decode(payload, validate=True)
            except binascii.Error:
                return Finding(Reason.EVIDENCE_UNREADABLE, f"{what}: bad data: URI")
        else:
            blob_or_finding = self._read_file(url, what)
            if isinstance(blob_or_finding, Finding):
                return blob_or_finding
            blob = blob_or_finding
        if sha256 is not None and hashlib.sha256(blob).hexdigest() != sha256.lower():
            return Finding(Reason.EVIDENCE_DIGEST_MISMATCH, f"{what} {_short(url)}")
        return blob

    def _read_file(self, url: str, what: str) -> bytes | Finding:
        path = Path(url.removeprefix("file://"))
        candidates = [path] if path.is_absolute() or self.base is None else [self.base / path, path]
        for candidate in candidates:
            try:
                if candidate.is_file() and candidate.stat().st_size <= _MAX_EVIDENCE_BYTES:
                    return candidate.read_bytes()
            except OSError:
                continue
        return Finding(Reason.EVIDENCE_UNREADABLE, f"{what} {_short(url)} cannot be read")


def _short(url: str) -> str:
    return url if len(url) < 80 else url[:60] + "..."


def _references(comp: Mapping[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for ref in comp.get("externalReferences") or ():
        if not isinstance(ref, Mapping) or not isinstance(ref.get("url"), str):
            continue
        digest = None
        for h in ref.get("hashes") or ():
            if isinstance(h, Mapping) and h.get("alg") == "SHA-256":
                digest = str(h.get("content"))
        out[ref["url"]] = digest
    return out


def _chain(comp: Mapping[str, Any], ev: DeviceEvidence) -> None:
    certs: list[tuple[int, bytes]] = []
    for child in comp.get("components") or ():
        if not isinstance(child, Mapping) or child.get("type") != cdx.CRYPTO_ASSET:
            continue
        props = properties_of(child)
        encoded = _first(props, cdx.CERTIFICATE)
        if encoded is None:
            continue
        try:
            der = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            ev.problems.append(Finding(Reason.EVIDENCE_UNREADABLE, f"{child.get('bom-ref')}"))
            continue
        for h in child.get("hashes") or ():
            if (
                isinstance(h, Mapping)
                and h.get("alg") == "SHA-256"
                and str(h.get("content")).lower() != hashlib.sha256(der).hexdigest()
            ):
                ev.problems.append(
                    Finding(
                        Reason.EVIDENCE_DIGEST_MISMATCH,
                        f"certificate {child.get('bom-ref')} does not match its SHA-256",
                    )
                )
        index = _first(props, cdx.CHAIN_INDEX) or str(len(certs))
        certs.append((int(index) if index.isdigit() else len(certs), der))
    ev.chain = tuple(der for _, der in sorted(certs, key=lambda x: x[0]))


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def carries_evidence(part: Part) -> bool:
    """Whether a part names identity evidence (a certificate, a transcript, a response)."""
    props = part.props
    if cdx.TRANSCRIPT in props or cdx.REVOCATION in props:
        return True
    return any(
        isinstance(c, Mapping) and c.get("type") == cdx.CRYPTO_ASSET
        for c in part.doc.get("components") or ()
    )


def evidence_files(doc: Mapping[str, Any]) -> list[str]:
    """The URLs of the evidence files an HBOM's parts name (``data:`` URIs aside), in order."""
    urls: dict[str, None] = {}
    for part in parts_of(doc):
        for name in (cdx.TRANSCRIPT, cdx.REVOCATION):
            for url in part.props.get(name, ()):
                if url and not url.startswith("data:"):
                    urls[url] = None
    return list(urls)


def read_evidence_file(url: str, base: Path | None) -> bytes | None:
    """An evidence file's bytes as verification reads it (None: it cannot be read)."""
    got = _Loader(base).load(url, None, "evidence")
    return None if isinstance(got, Finding) else got


def evidence_of(
    part: Part, base: Path | None, files: Mapping[str, bytes] | None = None
) -> DeviceEvidence:
    """The evidence a part of an observed HBOM carries (possibly none); ``files``: evidence
    files by URL (then nothing is read from disk)."""
    props, comp = part.props, part.doc
    ev = DeviceEvidence(part.ref, part.name, serial=part.serial, slot=part.slot, cls=part.cls)
    _chain(comp, ev)
    loader = _Loader(base, files)
    refs = _references(comp)
    url = _first(props, cdx.TRANSCRIPT)
    if url is not None:
        got = loader.load(url, refs.get(url), "transcript")
        if isinstance(got, Finding):
            ev.problems.append(got)
        else:
            ev.transcript = _maybe_hex(got)
    nonce = _first(props, cdx.NONCE)
    if nonce:
        try:
            ev.nonce = bytes.fromhex(nonce)
        except ValueError:
            ev.problems.append(Finding(Reason.EVIDENCE_UNREADABLE, f"nonce {nonce!r} is not hex"))
    revocation: list[bytes] = []
    for rurl in props.get(cdx.REVOCATION, ()):
        got = loader.load(rurl, refs.get(rurl), "revocation response")
        if isinstance(got, Finding):
            ev.problems.append(got)
        else:
            revocation.append(got)
    ev.revocation = tuple(revocation)
    ev.collected = _time(_first(props, cdx.COLLECTED))
    for value in props.get(cdx.MEASUREMENT, ()):
        parsed = parse_measurement(value)
        if parsed:
            ev.recorded_measurements[parsed[0]] = f"{parsed[1]}:{parsed[2]}"
    return ev


def _maybe_hex(blob: bytes) -> bytes:
    """Transcripts are kept as raw bytes or as hex text (the nvtrust sample format)."""
    text = blob.strip()
    if text and len(text) % 2 == 0:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass
    return blob
