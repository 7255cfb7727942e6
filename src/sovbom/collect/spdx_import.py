"""SPDX 2.x JSON to CycloneDX: packages, relationships, suppliers and licences (``collect software
--sbom`` and ``build --add`` of an SPDX document)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION
from sovbom.errors import InputError
from sovbom.model import normalize_hash_alg

_DEP_FORWARD = frozenset({"DEPENDS_ON"})
_DEP_REVERSE = frozenset(
    {
        "DEPENDENCY_OF",
        "BUILD_DEPENDENCY_OF",
        "DEV_DEPENDENCY_OF",
        "OPTIONAL_DEPENDENCY_OF",
        "PROVIDED_DEPENDENCY_OF",
        "TEST_DEPENDENCY_OF",
        "RUNTIME_DEPENDENCY_OF",
        "BUILD_TOOL_OF",
        "DEV_TOOL_OF",
    }
)
_CONTAINS = frozenset({"CONTAINS"})
_CONTAINED_BY = frozenset({"CONTAINED_BY"})
_DESCRIBES = frozenset({"DESCRIBES", "DESCRIBE"})  # "DESCRIBE" is written by some Trivy versions
_DESCRIBED_BY = frozenset({"DESCRIBED_BY"})

_PURPOSE = {
    "APPLICATION": "application",
    "FRAMEWORK": "framework",
    "LIBRARY": "library",
    "CONTAINER": "container",
    "OPERATING-SYSTEM": "operating-system",
    "OPERATING_SYSTEM": "operating-system",
    "DEVICE": "device",
    "FIRMWARE": "firmware",
    "FILE": "file",
    "SOURCE": "library",
    "ARCHIVE": "library",
    "INSTALL": "application",
    "OTHER": "library",
}
_ID_PREFIX_TYPE = (
    ("SPDXRef-OperatingSystem", "operating-system"),
    ("SPDXRef-ContainerImage", "container"),
    ("SPDXRef-Application", "application"),
)
_NO_VALUE = frozenset({"NOASSERTION", "NONE", ""})
_LICENSE_TOKEN = re.compile(r"\(|\)|[A-Za-z0-9][A-Za-z0-9.\-+:]*")
_ENTITY_KINDS = ("Organization", "Person", "Tool")


def split_entity(value: str) -> tuple[str, str, str | None] | None:
    """SPDX ``Person: Name (email)`` -> (kind, name, email or None); None when not of that form.

    String operations, linear in the length (the regular expression this replaces, a lazy name
    between optional white space, took cubic time on a value full of spaces).
    """
    text = value.strip()
    kind = next((k for k in _ENTITY_KINDS if text.startswith(k)), None)
    if kind is None:
        return None
    rest = text[len(kind) :].lstrip()
    if not rest.startswith(":"):
        return None
    rest = rest[1:].strip()
    name, email = rest, None
    if rest.endswith(")"):
        start = rest.rfind("(")
        inner = rest[start + 1 : -1]
        if start != -1 and "(" not in inner and ")" not in inner:
            name, email = rest[:start].rstrip(), inner
    if "\n" in name:
        return None
    return kind, name, email


def spdx_to_cyclonedx(
    spdx: dict[str, Any], source: str, *, spec_version: str = DEFAULT_WRITE_VERSION
) -> tuple[dict[str, Any], list[str]]:
    """Convert an SPDX 2.x JSON document to a CycloneDX JSON-form document (not finalised)."""
    version = spdx.get("spdxVersion")
    if not isinstance(version, str) or not version.startswith("SPDX-2."):
        raise InputError(
            f"unsupported SPDX version {version!r} (supported: SPDX-2.x JSON)",
            source=source,
            location="$.spdxVersion",
        )
    notes: list[str] = [f"{source}: converted from {version} JSON to CycloneDX {spec_version}"]
    comps = _packages(spdx, source, notes)
    files = spdx.get("files") or []
    if files:
        notes.append(f"{source}: {len(files)} SPDX file entr(y/ies) not imported (packages only)")
    described = [d for d in dict.fromkeys(spdx.get("documentDescribes") or ()) if d in comps]
    deps, containers = _relationships(spdx, comps, described, source, notes)
    root_id = described[0] if len(described) == 1 else None
    top = _nest(comps, containers, root_id)
    metadata = _metadata(spdx, comps, root_id)
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "version": 1,
    }
    if metadata:
        doc["metadata"] = metadata
    doc["components"] = top
    if deps:
        doc["dependencies"] = [{"ref": r, "dependsOn": list(on)} for r, on in deps.items()]
    namespace = spdx.get("documentNamespace")
    if isinstance(namespace, str) and namespace:
        doc.setdefault("metadata", {}).setdefault("properties", []).append(
            {"name": "spdx:documentNamespace", "value": namespace}
        )
    return doc, notes


def _packages(spdx: dict[str, Any], source: str, notes: list[str]) -> dict[str, dict[str, Any]]:
    """SPDXID -> CycloneDX component, for every package of the document."""
    packages = spdx.get("packages") or []
    if not isinstance(packages, list):
        raise InputError("expected an array", source=source, location="$.packages")
    comps: dict[str, dict[str, Any]] = {}
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict):
            raise InputError("expected an object", source=source, location=f"$.packages[{i}]")
        spdxid = pkg.get("SPDXID")
        if not isinstance(spdxid, str) or not spdxid:
            raise InputError("package without SPDXID", source=source, location=f"$.packages[{i}]")
        if spdxid in comps:
            raise InputError(
                f"SPDXID {spdxid!r} used twice", source=source, location=f"$.packages[{i}].SPDXID"
            )
        comps[spdxid] = _spdx_package(pkg, f"$.packages[{i}]", source, notes)
    return comps


def _relationships(
    spdx: dict[str, Any],
    comps: dict[str, dict[str, Any]],
    described: list[str],
    source: str,
    notes: list[str],
) -> tuple[dict[str, dict[str, None]], dict[str, list[str]]]:
    """Dependencies (ref -> refs) and containers (child -> parents) from the relationships;
    ``described`` gains the packages the document describes."""
    doc_id = spdx.get("SPDXID", "SPDXRef-DOCUMENT")
    deps: dict[str, dict[str, None]] = {}
    containers: dict[str, list[str]] = {}
    ignored: dict[str, int] = {}
    rels = spdx.get("relationships") or []
    if not isinstance(rels, list):
        raise InputError("expected an array", source=source, location="$.relationships")
    for i, rel in enumerate(rels):
        if not isinstance(rel, dict):
            raise InputError("expected an object", source=source, location=f"$.relationships[{i}]")
        a, kind, b = (
            rel.get("spdxElementId"),
            rel.get("relationshipType"),
            rel.get("relatedSpdxElement"),
        )
        if not isinstance(a, str) or not isinstance(b, str) or not isinstance(kind, str):
            raise InputError(
                "relationship needs spdxElementId, relationshipType and relatedSpdxElement",
                source=source,
                location=f"$.relationships[{i}]",
            )
        if kind in _DESCRIBES and a == doc_id and b in comps:
            if b not in described:
                described.append(b)
            continue
        if kind in _DESCRIBED_BY and b == doc_id and a in comps:
            if a not in described:
                described.append(a)
            continue
        if a not in comps or b not in comps:
            ignored[kind] = ignored.get(kind, 0) + 1
            continue
        if a == b:
            continue
        if kind in _DEP_FORWARD:
            deps.setdefault(a, {})[b] = None
        elif kind in _DEP_REVERSE:
            deps.setdefault(b, {})[a] = None
        elif kind in _CONTAINS:
            deps.setdefault(a, {})[b] = None
            containers.setdefault(b, []).append(a)
        elif kind in _CONTAINED_BY:
            deps.setdefault(b, {})[a] = None
            containers.setdefault(a, []).append(b)
        else:
            ignored[kind] = ignored.get(kind, 0) + 1
    if ignored:
        shown = ", ".join(f"{k} x{n}" for k, n in sorted(ignored.items()))
        notes.append(
            f"{source}: $.relationships: not imported (other types, or naming files or "
            f"other documents): {shown}"
        )
    return deps, containers


def _nest(
    comps: dict[str, dict[str, Any]], containers: dict[str, list[str]], root_id: str | None
) -> list[dict[str, Any]]:
    """Nest a package under its container when it has exactly one, never creating a cycle; the
    top-level components."""
    parent_of: dict[str, str] = {}
    for child, parents in containers.items():
        if len(set(parents)) == 1 and child != root_id:
            parent = parents[0]
            p: str | None = parent
            while p is not None and p != child:
                p = parent_of.get(p)
            if p is None:
                parent_of[child] = parent
    top: list[dict[str, Any]] = []
    for spdxid, comp in comps.items():
        container = parent_of.get(spdxid)
        if spdxid == root_id:
            continue
        if container is None or container == root_id:
            top.append(comp)
        else:
            comps[container].setdefault("components", []).append(comp)
    return top


def _metadata(
    spdx: dict[str, Any], comps: dict[str, dict[str, Any]], root_id: str | None
) -> dict[str, Any]:
    """The CycloneDX metadata: the described package, the creating tools and the timestamp."""
    metadata: dict[str, Any] = {}
    if root_id is not None:
        metadata["component"] = comps[root_id]
    creation = spdx.get("creationInfo")
    if isinstance(creation, dict):
        tools = []
        for creator in creation.get("creators") or ():
            parts = split_entity(creator) if isinstance(creator, str) else None
            if parts and parts[0] == "Tool" and parts[1]:
                tools.append({"type": "application", "name": parts[1]})
        if tools:
            metadata["tools"] = {"components": tools}
        created = creation.get("created")
        if isinstance(created, str) and re.match(r"^\d{4}-\d\d-\d\dT", created):
            metadata["timestamp"] = created
    return metadata


def _spdx_hashes(
    pkg: dict[str, Any], where: str, source: str, notes: list[str]
) -> list[dict[str, str]]:
    """The package's checksums CycloneDX can carry; each one left out gets a note."""
    hashes = []
    for j, c in enumerate(pkg.get("checksums") or ()):
        alg = normalize_hash_alg(str(c.get("algorithm", ""))) if isinstance(c, dict) else None
        value = c.get("checksumValue") if isinstance(c, dict) else None
        if alg and isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{32,128}", value):
            hashes.append({"alg": alg, "content": value.lower()})
        else:
            notes.append(
                f"{source}: {where}.checksums[{j}]: algorithm not supported by "
                "CycloneDX or malformed value; not imported"
            )
    return hashes


def _spdx_license(pkg: dict[str, Any]) -> tuple[str, str] | None:
    """The concluded licence if stated, else the declared one: (field, value)."""
    for key in ("licenseConcluded", "licenseDeclared"):
        value = pkg.get(key)
        if isinstance(value, str) and value.strip() not in _NO_VALUE:
            return key, value.strip()
    return None


def _spdx_package(pkg: dict[str, Any], where: str, source: str, notes: list[str]) -> dict[str, Any]:
    spdxid: str = pkg["SPDXID"]
    purpose = pkg.get("primaryPackagePurpose")
    ctype = _PURPOSE.get(purpose, "library") if isinstance(purpose, str) else None
    if ctype is None:
        ctype = next((t for prefix, t in _ID_PREFIX_TYPE if spdxid.startswith(prefix)), "library")
    name = pkg.get("name")
    if not isinstance(name, str) or not name:
        raise InputError("package without a name", source=source, location=f"{where}.name")
    comp: dict[str, Any] = {"type": ctype, "bom-ref": spdxid}
    supplier = _spdx_entity(pkg.get("supplier"))
    if supplier:
        comp["supplier"] = supplier[1]
    originator = _spdx_entity(pkg.get("originator"))
    if originator:
        if originator[0] == "Organization":
            comp["manufacturer"] = originator[1]
        else:
            comp["authors"] = [_contact(originator[1])]
    comp["name"] = name
    version = pkg.get("versionInfo")
    if isinstance(version, str) and version:
        comp["version"] = version
    description = pkg.get("description") or pkg.get("summary")
    if isinstance(description, str) and description:
        comp["description"] = description
    hashes = _spdx_hashes(pkg, where, source, notes)
    if hashes:
        comp["hashes"] = hashes
    license_value = _spdx_license(pkg)
    if license_value:
        comp["licenses"] = _licenses(*license_value)
    copyright_text = pkg.get("copyrightText")
    if isinstance(copyright_text, str) and copyright_text.strip() not in _NO_VALUE:
        comp["copyright"] = copyright_text
    props: list[dict[str, str]] = []
    _add_references(pkg, comp, props)
    declared = pkg.get("licenseDeclared")
    if (
        isinstance(declared, str)
        and declared not in _NO_VALUE
        and license_value
        and license_value[0] == "licenseConcluded"
        and declared != license_value[1]
    ):
        props.append({"name": "spdx:licenseDeclared", "value": declared})
    for key in ("sourceInfo", "packageFileName"):
        extra = pkg.get(key)
        if isinstance(extra, str) and extra:
            props.append({"name": f"spdx:{key}", "value": extra})
    if props:
        comp["properties"] = props
    return comp


def _licenses(key: str, value: str) -> list[dict[str, Any]]:
    """The CycloneDX ``licenses`` of an SPDX licence field (``key``: concluded or declared)."""
    ack = "concluded" if key == "licenseConcluded" else "declared"
    if _is_expression(value):
        return [{"expression": value, "acknowledgement": ack}]
    return [{"license": {"name": value, "acknowledgement": ack}}]


def _add_references(pkg: dict[str, Any], comp: dict[str, Any], props: list[dict[str, str]]) -> None:
    """The package's purl and CPE, its home page and download location; other external
    references become ``spdx:externalRef:TYPE`` properties."""
    refs: list[dict[str, Any]] = []
    for ref in pkg.get("externalRefs") or ():
        if not isinstance(ref, dict):
            continue
        rtype, locator = ref.get("referenceType"), ref.get("referenceLocator")
        if not isinstance(rtype, str) or not isinstance(locator, str) or not locator:
            continue
        if rtype == "purl" and "purl" not in comp:
            comp["purl"] = locator
        elif rtype in ("cpe23Type", "cpe22Type") and "cpe" not in comp:
            comp["cpe"] = locator
        else:
            props.append({"name": f"spdx:externalRef:{rtype}", "value": locator})
    homepage = pkg.get("homepage")
    if isinstance(homepage, str) and homepage not in _NO_VALUE:
        refs.append({"type": "website", "url": quote(homepage, safe=":/?#[]@!$&'()*+,;=%~-._")})
    download = pkg.get("downloadLocation")
    if isinstance(download, str) and download not in _NO_VALUE:
        refs.append(
            {"type": "distribution", "url": quote(download, safe=":/?#[]@!$&'()*+,;=%~-._")}
        )
    if refs:
        comp["externalReferences"] = refs


def _is_expression(value: str) -> bool:
    tokens = _LICENSE_TOKEN.findall(value)
    rest = _LICENSE_TOKEN.sub("", value)
    return bool(tokens) and not rest.strip() and value.count("(") == value.count(")")


def _spdx_entity(value: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(value, str) or value.strip() in _NO_VALUE:
        return None
    parts = split_entity(value)
    if not parts or not parts[1]:
        return ("Organization", {"name": value.strip()})
    kind, name, email = parts[0], parts[1], (parts[2] or "").strip()
    entity: dict[str, Any] = {"name": name}
    if email:
        entity["contact"] = [{"name": name, "email": email}] if "@" in email else [{"name": name}]
    return (kind, entity)


def _contact(entity: dict[str, Any]) -> dict[str, Any]:
    contacts = entity.get("contact")
    if isinstance(contacts, list) and contacts:
        return dict(contacts[0])
    return {"name": entity["name"]}
