"""CycloneDX documents as JSON-form dicts: walking, assembling and serialising them."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from sovbom import __version__

#: Specification versions sovbom reads (JSON and XML) and writes (JSON).
READ_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
WRITE_VERSIONS = ("1.6", "1.7")
DEFAULT_WRITE_VERSION = "1.6"

BomDocument = dict[str, Any]
JsonPath = tuple[str | int, ...]


def iter_components(doc: Mapping[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every component of a document with its JSON path: ``metadata.component`` first, then
    ``components`` depth first, nested components included. Non-dict entries are skipped."""
    stack: list[tuple[JsonPath, Any]] = []
    components = doc.get("components")
    if isinstance(components, list):
        stack.extend((("components", i), c) for i, c in reversed(list(enumerate(components))))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((("metadata", "component"), metadata["component"]))
    while stack:
        path, comp = stack.pop()
        if not isinstance(comp, dict):
            continue
        yield path, comp
        children = comp.get("components")
        if isinstance(children, list) and children:
            stack.extend(
                ((*path, "components", i), c) for i, c in reversed(list(enumerate(children)))
            )


def iter_services(doc: Mapping[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    stack: list[tuple[JsonPath, Any]] = []
    services = doc.get("services")
    if isinstance(services, list):
        stack.extend((("services", i), s) for i, s in reversed(list(enumerate(services))))
    while stack:
        path, svc = stack.pop()
        if not isinstance(svc, dict):
            continue
        yield path, svc
        children = svc.get("services")
        if isinstance(children, list):
            stack.extend(
                ((*path, "services", i), s) for i, s in reversed(list(enumerate(children)))
            )


def tool_entry() -> dict[str, Any]:
    return {"type": "application", "name": "sovbom", "version": __version__}


def new_document(
    root: dict[str, Any] | None,
    components: list[dict[str, Any]],
    dependencies: Mapping[str, list[str]],
    *,
    spec_version: str = DEFAULT_WRITE_VERSION,
    properties: list[tuple[str, str]] | None = None,
    extra_tools: list[dict[str, Any]] | None = None,
) -> BomDocument:
    """Assemble a document. Call :func:`finalize` before writing it."""
    metadata: dict[str, Any] = {"tools": {"components": [tool_entry(), *(extra_tools or [])]}}
    if root is not None:
        metadata["component"] = root
    if properties:
        metadata["properties"] = [{"name": n, "value": v} for n, v in properties]
    doc: BomDocument = {
        "$schema": f"http://cyclonedx.org/schema/bom-{spec_version}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "version": 1,
        "metadata": metadata,
        "components": components,
    }
    if dependencies:
        doc["dependencies"] = [
            {"ref": ref, "dependsOn": sorted(set(on))} for ref, on in sorted(dependencies.items())
        ]
    return doc


def _source_date() -> str | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return None


def finalize(doc: BomDocument, *, reproducible: bool) -> BomDocument:
    """Set the serial number and timestamp.

    Reproducible: no timestamp (or SOURCE_DATE_EPOCH's), and a serial number derived from the
    content (a UUID built from its SHA-256), so the same input gives the same bytes. Otherwise a
    random UUID and the current time.
    """
    metadata = doc.setdefault("metadata", {})
    metadata.pop("timestamp", None)
    doc.pop("serialNumber", None)
    if reproducible:
        stamp = _source_date()
        if stamp:
            metadata["timestamp"] = stamp
        digest = hashlib.sha256(serialize(doc)).digest()
        serial = uuid.UUID(bytes=digest[:16], version=5)
    else:
        metadata["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        serial = uuid.uuid4()
    # Keep serialNumber next to the header fields for readers.
    ordered: BomDocument = {}
    for key in ("$schema", "bomFormat", "specVersion"):
        if key in doc:
            ordered[key] = doc.pop(key)
    ordered["serialNumber"] = serial.urn
    ordered.update(doc)
    doc.clear()
    doc.update(ordered)
    return doc


def serialize(doc: Mapping[str, Any]) -> bytes:
    """Serialise a document as indented JSON with a final newline."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
