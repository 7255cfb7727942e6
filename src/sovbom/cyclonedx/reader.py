"""Loading CycloneDX documents (JSON or XML, spec 1.2 to 1.7) from files or bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sovbom._io import check_json_depth, display_name, parse_json, read_bytes
from sovbom.cyclonedx.document import READ_VERSIONS
from sovbom.cyclonedx.xml import xml_to_json
from sovbom.errors import InputError


class NotCycloneDXError(InputError):
    """The file parses, but it is some other kind of document than a CycloneDX BOM.

    Commands that read a BOM treat it as bad input (exit 4); ``validate`` reports the file as
    invalid (exit 1), as for any document that breaks the CycloneDX schema.
    """


@dataclass(slots=True)
class LoadedBom:
    doc: dict[str, Any]
    spec_version: str
    source: str
    format: str  # "json" or "xml"
    raw: bytes


def parse_bom(data: bytes, source: str, *, check_depth: bool = True) -> LoadedBom:
    """Parse CycloneDX bytes (JSON or XML, sniffed from the first character).

    ``check_depth=False``: a JSON document's nesting is left for the caller to check
    (:func:`~sovbom._io.check_json_depth`) before anything else reads it."""
    head = data[:64].lstrip()[:1] or data.lstrip()[:1]  # no copy of a large document
    version: object
    if head == b"<":
        doc, version = xml_to_json(data, source)
        check_json_depth(doc, source)  # what the XML becomes must fit the JSON writers
        fmt = "xml"
    else:
        if not head:  # empty or only white space
            raise InputError("empty file, expected a CycloneDX document", source=source)
        parsed = parse_json(data, source, check_depth=check_depth)
        if not isinstance(parsed, dict):
            raise NotCycloneDXError(
                "not a CycloneDX document: expected a JSON object (a CycloneDX BOM),"
                f" found {type(parsed).__name__}",
                source=source,
                location="$",
            )
        if "spdxVersion" in parsed:
            raise NotCycloneDXError(
                "not a CycloneDX document: this is an SPDX document",
                source=source,
                hint="import SPDX with 'sovbom collect software --sbom FILE'",
            )
        if parsed.get("bomFormat") != "CycloneDX":
            found = parsed.get("bomFormat")
            raise NotCycloneDXError(
                "not a CycloneDX document: it has no bomFormat 'CycloneDX'"
                if found is None
                else f"not a CycloneDX document: bomFormat is {found!r}, expected 'CycloneDX'",
                source=source,
                location=None if found is None else "$.bomFormat",
            )
        version = parsed.get("specVersion")
        doc, fmt = parsed, "json"
    if not isinstance(version, str) or version not in READ_VERSIONS:
        raise InputError(
            f"unsupported CycloneDX specVersion {version!r}"
            f" (supported: {', '.join(READ_VERSIONS)})",
            source=source,
            location="$.specVersion",
        )
    return LoadedBom(doc=doc, spec_version=version, source=source, format=fmt, raw=data)


def load_bom(path: str | os.PathLike[str]) -> LoadedBom:
    """Read and parse a CycloneDX file (``-`` for standard input)."""
    return parse_bom(read_bytes(path), display_name(path))
