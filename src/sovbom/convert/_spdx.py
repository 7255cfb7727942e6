"""What SPDX 2.3 and 3.0 documents share: element identifiers, the document's id, time and name."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sovbom import __version__
from sovbom.convert._walk import LossLog

TOOL = f"sovbom-{__version__}"

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")

#: document-level fields both SPDX mappings carry (the rest of the document is reported)
DOC_FIELDS = (
    "$schema",
    "bomFormat",
    "specVersion",
    "serialNumber",
    "version",
    "components",
    "dependencies",
    "metadata.timestamp",
    "metadata.tools",
    "metadata.authors.name",
    "metadata.component",
    "metadata.supplier.name",
    "metadata.manufacturer.name",
    "metadata.properties",
)


def spdx_id_text(text: str) -> str:
    """``text`` with every run of characters an SPDX identifier cannot hold made one ``-``."""
    return _UNSAFE.sub("-", text).strip("-")


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
        base = self._prefix + (spdx_id_text(ref) or "component")
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
