"""CycloneDX (JSON form) to SPDX 2.3 JSON.

Every component becomes a package (hardware with ``primaryPurpose: DEVICE``); nesting becomes
``CONTAINS``, ``dependencies`` become ``DEPENDS_ON``, properties become package annotations
(``name=value``), a licence given by name a ``LicenseRef-`` with its name as text. What has no
place in SPDX 2.3 (addresses, evidence, services, ...) is listed by the :class:`LossLog`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sovbom.convert._spdx import (
    DOC_FIELDS,
    TOOL,
    IdMaker,
    created_time,
    document_name,
    document_uuid,
)
from sovbom.convert._spdx_component import (
    CARRIED_FIELDS,
    identifiers_of,
    known_hashes,
    license_expression,
)
from sovbom.convert._walk import (
    LossLog,
    Part,
    authors_of,
    dependencies_of,
    names_of,
    properties_of,
    walk,
)

_PURPOSES = {
    "application": "APPLICATION",
    "framework": "FRAMEWORK",
    "library": "LIBRARY",
    "container": "CONTAINER",
    "operating-system": "OPERATING_SYSTEM",
    "device": "DEVICE",
    "firmware": "FIRMWARE",
    "file": "FILE",
}


def _creators(doc: Mapping[str, Any]) -> list[str]:
    meta = doc.get("metadata") or {}
    creators = [f"Tool: {TOOL}"]
    tools = meta.get("tools")
    tool_list = tools.get("components", []) if isinstance(tools, Mapping) else tools or []
    for tool in tool_list:
        if isinstance(tool, Mapping) and tool.get("name"):
            label = f"{tool['name']}-{tool['version']}" if tool.get("version") else tool["name"]
            if f"Tool: {label}" not in creators:
                creators.append(f"Tool: {label}")
    creators.extend(f"Person: {name} ()" for name in authors_of(meta))
    for key in ("manufacturer", "supplier"):
        name = names_of(meta.get(key))
        if name and f"Organization: {name} ()" not in creators:
            creators.append(f"Organization: {name} ()")
    return creators


def _annotation(created: str, name: str, value: str) -> dict[str, Any]:
    return {
        "annotationDate": created,
        "annotationType": "OTHER",
        "annotator": f"Tool: {TOOL}",
        "comment": f"{name}={value}",
    }


def _package(
    part: Part, spdx_id: str, created: str, log: LossLog, licence_refs: dict[str, str]
) -> dict[str, Any]:
    c = part.data
    pkg: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": str(c.get("name") or part.ref),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
    }
    if c.get("version"):
        pkg["versionInfo"] = str(c["version"])
    supplier = names_of(c.get("supplier"))
    if supplier:
        pkg["supplier"] = f"Organization: {supplier}"
    maker = names_of(c.get("manufacturer"))
    authors = authors_of(c)
    if maker:
        pkg["originator"] = f"Organization: {maker}"
    elif authors:
        pkg["originator"] = f"Person: {authors[0]}"
    if maker and authors or len(authors) > 1:
        log.field(f"component.authors (beyond the one originator SPDX 2.3 has, in {part.ref})")
    purpose = _PURPOSES.get(str(c.get("type")))
    pkg["primaryPackagePurpose"] = purpose or "OTHER"
    if purpose is None and c.get("type"):
        log.note(f"SPDX 2.3 has no purpose for CycloneDX type {c['type']!r}: written as OTHER")
    checksums = [
        {"algorithm": alg[0], "checksumValue": str(h.get("content", ""))}
        for alg, h in known_hashes(c, log)
    ]
    if checksums:
        pkg["checksums"] = checksums
    expression = license_expression(part, log, licence_refs)
    pkg["licenseConcluded"] = "NOASSERTION"
    pkg["licenseDeclared"] = expression or "NOASSERTION"
    pkg["copyrightText"] = str(c.get("copyright") or "NOASSERTION")
    if c.get("description"):
        pkg["description"] = str(c["description"])
    refs = _external_refs(c)
    if refs:
        pkg["externalRefs"] = refs
    for ext in c.get("externalReferences") or []:
        if ext.get("type") == "website" and "homepage" not in pkg:
            pkg["homepage"] = str(ext.get("url"))
        elif ext.get("type") == "distribution" and pkg["downloadLocation"] == "NOASSERTION":
            pkg["downloadLocation"] = str(ext.get("url"))
    notes = [_annotation(created, n, v) for n, v in properties_of(c)]
    if notes:
        pkg["annotations"] = notes
    log.fields("component", c, CARRIED_FIELDS)
    return pkg


#: identifier kind -> (SPDX 2.3 referenceCategory, referenceType)
_IDENTIFIER_REFS = {
    "purl": ("PACKAGE-MANAGER", "purl"),
    "cpe23": ("SECURITY", "cpe23Type"),
    "cpe22": ("SECURITY", "cpe22Type"),
}


def _external_refs(c: Mapping[str, Any]) -> list[dict[str, str]]:
    refs = []
    for kind, value in identifiers_of(c):
        category, ref_type = _IDENTIFIER_REFS[kind]
        refs.append(
            {
                "referenceCategory": category,
                "referenceType": ref_type,
                "referenceLocator": value,
            }
        )
    for ext in c.get("externalReferences") or []:
        if ext.get("type") in ("website", "distribution") or not ext.get("url"):
            continue
        url = str(ext["url"])
        refs.append(
            {
                "referenceCategory": "OTHER",
                "referenceType": str(ext.get("type") or "other"),
                "referenceLocator": url.replace(" ", "%20"),
            }
        )
    return refs


def to_spdx2(doc: Mapping[str, Any], raw: bytes, log: LossLog) -> dict[str, Any]:
    """The SPDX 2.3 document for a CycloneDX document (``raw``: its bytes, for a stable id)."""
    created = created_time(doc, log)
    ids = IdMaker()
    licence_refs: dict[str, str] = {}
    packages = []
    relationships: list[dict[str, str]] = []
    described: list[str] = []
    for part in walk(doc):
        spdx_id = ids(part.ref)
        packages.append(_package(part, spdx_id, created, log, licence_refs))
        if part.parent is None:
            described.append(spdx_id)
        else:
            relationships.append(_rel(ids(part.parent), "CONTAINS", spdx_id))
    for ref, on in dependencies_of(doc):
        source = ids.get(ref)
        for target in on:
            to = ids.get(target)
            if source is None or to is None:
                log.field(f"dependencies.dependsOn to a ref that is not a component ({target})")
                continue
            relationships.append(_rel(source, "DEPENDS_ON", to))
    relationships[:0] = [_rel("SPDXRef-DOCUMENT", "DESCRIBES", d) for d in described]
    uid = document_uuid(doc, raw)
    out: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": document_name(doc),
        "documentNamespace": f"https://spdx.org/spdxdocs/sovbom/{uid}",
        "creationInfo": {"created": created, "creators": _creators(doc)},
        "documentDescribes": described,
        "packages": packages,
        "relationships": relationships,
    }
    meta_props = properties_of(doc.get("metadata") or {})
    if meta_props:
        out["annotations"] = [_annotation(created, n, v) for n, v in meta_props]
    if licence_refs:
        out["hasExtractedLicensingInfos"] = [
            {"licenseId": ref, "name": name, "extractedText": name}
            for ref, name in sorted(licence_refs.items())
        ]
    log.fields("", doc, DOC_FIELDS)
    return out


def _rel(source: str, kind: str, target: str) -> dict[str, str]:
    return {"spdxElementId": source, "relationshipType": kind, "relatedSpdxElement": target}
