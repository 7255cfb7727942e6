"""What SPDX 2.3 and 3.0 share: identifiers, hash names, licences, the document's time and name."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sovbom import __version__
from sovbom.convert._walk import LossLog, Part

TOOL = f"sovbom-{__version__}"

#: CycloneDX hash algorithm -> (SPDX 2.3 name, SPDX 3.0 name)
HASHES: dict[str, tuple[str, str]] = {
    "MD5": ("MD5", "md5"),
    "SHA-1": ("SHA1", "sha1"),
    "SHA-256": ("SHA256", "sha256"),
    "SHA-384": ("SHA384", "sha384"),
    "SHA-512": ("SHA512", "sha512"),
    "SHA3-256": ("SHA3-256", "sha3_256"),
    "SHA3-384": ("SHA3-384", "sha3_384"),
    "SHA3-512": ("SHA3-512", "sha3_512"),
    "BLAKE2b-256": ("BLAKE2b-256", "blake2b256"),
    "BLAKE2b-384": ("BLAKE2b-384", "blake2b384"),
    "BLAKE2b-512": ("BLAKE2b-512", "blake2b512"),
    "BLAKE3": ("BLAKE3", "blake3"),
}

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


class IdMaker:
    """SPDX identifiers (``[A-Za-z0-9.-]+``) from bom-refs: stable, and unique in a document."""

    def __init__(self, prefix: str = "SPDXRef-") -> None:
        self._prefix = prefix
        self._by_ref: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, ref: str) -> str:
        known = self._by_ref.get(ref)
        if known is not None:
            return known
        base = self._prefix + (_UNSAFE.sub("-", ref).strip("-") or "component")
        candidate, n = base, 2
        while candidate in self._used:
            candidate, n = f"{base}-{n}", n + 1
        self._used.add(candidate)
        self._by_ref[ref] = candidate
        return candidate

    def get(self, ref: str) -> str | None:
        return self._by_ref.get(ref)


def document_uuid(doc: Mapping[str, Any], raw: bytes) -> str:
    """The BOM's serial number UUID, or one derived from its bytes (same input, same output)."""
    serial = str(doc.get("serialNumber") or "")
    if serial.startswith("urn:uuid:"):
        try:
            return str(uuid.UUID(serial[len("urn:uuid:") :]))
        except ValueError:
            pass
    return str(uuid.UUID(bytes=hashlib.sha256(raw).digest()[:16], version=5))


def created_time(doc: Mapping[str, Any], log: LossLog) -> str:
    """``metadata.timestamp`` in SPDX's ``YYYY-MM-DDThh:mm:ssZ``; the conversion time without one."""
    stamp = (doc.get("metadata") or {}).get("timestamp")
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.note(
        f"{log.target}: the BOM has no metadata.timestamp; the creation time written is the"
        " conversion time"
    )
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_name(doc: Mapping[str, Any]) -> str:
    root = (doc.get("metadata") or {}).get("component")
    if isinstance(root, Mapping) and root.get("name"):
        version = f" {root['version']}" if root.get("version") else ""
        return f"{root['name']}{version}"
    return "CycloneDX BOM"


def license_expression(part: Part, log: LossLog, refs: dict[str, str]) -> str | None:
    """One SPDX licence expression for the component's ``licenses`` (AND of several).

    A licence given by name only becomes a ``LicenseRef-`` whose text is that name (``refs``
    collects them for the document).
    """
    terms: list[str] = []
    for entry in part.data.get("licenses") or []:
        if not isinstance(entry, Mapping):
            continue
        if entry.get("expression"):
            terms.append(str(entry["expression"]))
            continue
        lic = entry.get("license")
        if not isinstance(lic, Mapping):
            continue
        if lic.get("id"):
            terms.append(str(lic["id"]))
        elif lic.get("name"):
            ref = "LicenseRef-" + (_UNSAFE.sub("-", str(lic["name"])).strip("-") or "unnamed")
            refs[ref] = str(lic["name"])
            terms.append(ref)
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    return " AND ".join(f"({t})" if " " in t else t for t in terms)


#: component fields every SPDX mapping carries (see spdx2 and spdx3 for where each goes)
CARRIED_FIELDS = (
    "type",
    "bom-ref",
    "name",
    "version",
    "description",
    "supplier.name",
    "manufacturer.name",
    "authors.name",
    "author",
    "purl",
    "cpe",
    "hashes",
    "licenses.license.id",
    "licenses.license.name",
    "licenses.expression",
    "copyright",
    "properties",
    "components",
    "externalReferences.url",
    "externalReferences.type",
)
