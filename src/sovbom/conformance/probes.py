"""Where each minimum element lives in a CycloneDX document: one probe per kind of element.

A probe returns a status and a short detail (the field that holds the value, or what was looked
for). Profiles (YAML data) name their probes; :data:`PROBES` is the registry, and a test checks
that every probe a profile names exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.conformance.model import Status
from sovbom.placeholders import is_placeholder

Result = tuple[Status, str]
#: values that say "not known" on purpose
_UNKNOWN = frozenset({"noassertion", "none", "unknown", "n/a", "not known"})


@dataclass(slots=True)
class Context:
    """The document, and what the component probes need to know about its graph."""

    doc: Mapping[str, Any]
    #: bom-refs that sit under a parent component (containment is a dependency relationship)
    nested: set[str] = field(default_factory=set)
    #: bom-refs named in ``dependencies`` (as ``ref`` or in ``dependsOn``)
    in_graph: set[str] = field(default_factory=set)
    #: bom-ref -> aggregate of the composition that lists it (complete, incomplete, unknown, ...)
    completeness: dict[str, str] = field(default_factory=dict)
    #: a detached Sigstore bundle next to the BOM, when one was found
    bundle: str | None = None


def _value(v: Any) -> str | None:
    if v is None:
        return None
    text = str(v).strip()
    return text or None


def _judge(value: Any, where: str) -> Result:
    """Present, explicitly unknown, or missing, for one scalar."""
    text = _value(value)
    if text is None:
        return Status.MISSING, f"no {where}"
    if text.lower() in _UNKNOWN or is_placeholder(text):
        return Status.UNKNOWN, f"{where} is {text!r}"
    return Status.PRESENT, where


def _first(candidates: Iterable[tuple[str, Any]], looked_for: str) -> Result:
    """The first present candidate; else the first explicit unknown; else missing."""
    unknown: Result | None = None
    for where, value in candidates:
        status, detail = _judge(value, where)
        if status is Status.PRESENT:
            return status, detail
        if status is Status.UNKNOWN and unknown is None:
            unknown = (status, detail)
    return unknown or (Status.MISSING, f"none of {looked_for}")


def _names(entities: Any, key: str = "name") -> list[Any]:
    if isinstance(entities, Mapping):
        entities = [entities]
    if not isinstance(entities, list):
        return []
    return [e.get(key) for e in entities if isinstance(e, Mapping)]


def _contacts(entity: Any, where: str) -> list[tuple[str, Any]]:
    """Email addresses and URLs of an organizational entity (``url`` is a list in CycloneDX)."""
    if not isinstance(entity, Mapping):
        return []
    out: list[tuple[str, Any]] = [
        (f"{where}.contact.email", c.get("email"))
        for c in entity.get("contact") or []
        if isinstance(c, Mapping)
    ]
    urls = entity.get("url")
    out.extend((f"{where}.url", u) for u in (urls if isinstance(urls, list) else [urls]))
    return out


def _tools(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    tools = (doc.get("metadata") or {}).get("tools")
    if isinstance(tools, Mapping):
        tools = [*(tools.get("components") or []), *(tools.get("services") or [])]
    return [t for t in tools or [] if isinstance(t, Mapping)]


def _property(c: Mapping[str, Any], name: str) -> Any:
    for p in c.get("properties") or []:
        if isinstance(p, Mapping) and p.get("name") == name:
            return p.get("value")
    return None


# --- document probes -------------------------------------------------------------------------


def sbom_author_or_tool(ctx: Context) -> Result:
    meta = ctx.doc.get("metadata") or {}
    return _first(
        [
            *(("metadata.authors.name", n) for n in _names(meta.get("authors"))),
            ("metadata.author", meta.get("author")),
            *(("metadata.manufacturer.name", n) for n in _names(meta.get("manufacturer"))),
            *(("metadata.supplier.name", n) for n in _names(meta.get("supplier"))),
            *(("metadata.tools.name", t.get("name")) for t in _tools(ctx.doc)),
        ],
        "metadata.authors, manufacturer, supplier or tools",
    )


def sbom_author_entity(ctx: Context) -> Result:
    meta = ctx.doc.get("metadata") or {}
    return _first(
        [
            *(("metadata.authors.name", n) for n in _names(meta.get("authors"))),
            *(("metadata.authors.email", n) for n in _names(meta.get("authors"), "email")),
            ("metadata.author", meta.get("author")),
            *(("metadata.manufacturer.name", n) for n in _names(meta.get("manufacturer"))),
        ],
        "metadata.authors or metadata.manufacturer (a tool is not an author)",
    )


def sbom_creator_contact(ctx: Context) -> Result:
    meta = ctx.doc.get("metadata") or {}
    candidates = [
        *_contacts(meta.get("manufacturer"), "metadata.manufacturer"),
        *(("metadata.authors.email", e) for e in _names(meta.get("authors"), "email")),
        *_contacts(meta.get("supplier"), "metadata.supplier"),
    ]
    return _first(candidates, "an email or URL of metadata.manufacturer, authors or supplier")


def timestamp(ctx: Context) -> Result:
    return _judge((ctx.doc.get("metadata") or {}).get("timestamp"), "metadata.timestamp")


def tool_name(ctx: Context) -> Result:
    return _first(
        (("metadata.tools.name", t.get("name")) for t in _tools(ctx.doc)), "metadata.tools"
    )


def tool_version(ctx: Context) -> Result:
    return _first(
        (("metadata.tools.version", t.get("version")) for t in _tools(ctx.doc)),
        "a version in metadata.tools",
    )


def format_name(ctx: Context) -> Result:
    return _judge(ctx.doc.get("bomFormat") or "CycloneDX", "bomFormat")


def format_version(ctx: Context) -> Result:
    return _judge(ctx.doc.get("specVersion"), "specVersion")


def generation_context(ctx: Context) -> Result:
    phases = [
        ("metadata.lifecycles.phase", lc.get("phase") or lc.get("name"))
        for lc in (ctx.doc.get("metadata") or {}).get("lifecycles") or []
        if isinstance(lc, Mapping)
    ]
    return _first(phases, "metadata.lifecycles")


def sbom_version(ctx: Context) -> Result:
    serial, version = ctx.doc.get("serialNumber"), ctx.doc.get("version")
    if serial and version is not None:
        return Status.PRESENT, f"serialNumber {serial}, version {version}"
    return Status.MISSING, "serialNumber and version"


def sbom_uri(ctx: Context) -> Result:
    return _judge(ctx.doc.get("serialNumber"), "serialNumber")


def signature(ctx: Context) -> Result:
    if ctx.doc.get("signature"):
        return Status.PRESENT, "embedded signature (JSF)"
    if ctx.bundle:
        return Status.PRESENT, f"Sigstore bundle {ctx.bundle} (not verified here: use verify)"
    return Status.MISSING, "no embedded signature and no Sigstore bundle next to the BOM"


# --- component probes ------------------------------------------------------------------------


def name(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _judge(c.get("name"), "name")


def version(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _judge(c.get("version"), "version")


def supplier(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _first(
        [
            ("supplier.name", (c.get("supplier") or {}).get("name")),
            ("manufacturer.name", (c.get("manufacturer") or {}).get("name")),
            *(("authors.name", n) for n in _names(c.get("authors"))),
            ("author", c.get("author")),
            ("publisher", c.get("publisher")),
        ],
        "supplier, manufacturer, authors or publisher",
    )


def creator_contact(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _first(
        [
            *_contacts(c.get("manufacturer"), "manufacturer"),
            *(("authors.email", e) for e in _names(c.get("authors"), "email")),
            *_contacts(c.get("supplier"), "supplier"),
        ],
        "an email or URL of the manufacturer, authors or supplier",
    )


def identifiers(ctx: Context, c: Mapping[str, Any]) -> Result:
    raw_swid = c.get("swid")
    swid: Mapping[str, Any] = raw_swid if isinstance(raw_swid, Mapping) else {}
    candidates: list[tuple[str, Any]] = [
        ("purl", c.get("purl")),
        ("cpe", c.get("cpe")),
        ("swid.tagId", swid.get("tagId")),
        *(("omniborId", o) for o in c.get("omniborId") or []),
        *(("swhid", s) for s in c.get("swhid") or []),
    ]
    if c.get("type") == "device":  # hardware is identified by its part and serial numbers
        candidates += [
            (f"property {tx.PART_NUMBER}", _property(c, tx.PART_NUMBER)),
            (f"property {tx.CDX_SERIAL}", _property(c, tx.CDX_SERIAL)),
        ]
    return _first(candidates, "purl, cpe, swid, omniborId or swhid")


def _hashes(c: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [h for h in c.get("hashes") or [] if isinstance(h, Mapping)]


def hash_value(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _first((("hashes.content", h.get("content")) for h in _hashes(c)), "hashes")


def hash_algorithm(ctx: Context, c: Mapping[str, Any]) -> Result:
    return _first((("hashes.alg", h.get("alg")) for h in _hashes(c)), "hashes")


def hash_sha512(ctx: Context, c: Mapping[str, Any]) -> Result:
    found = [
        ("hashes (SHA-512)", h.get("content")) for h in _hashes(c) if h.get("alg") == "SHA-512"
    ]
    for ext in c.get("externalReferences") or []:
        if isinstance(ext, Mapping) and ext.get("type") == "distribution":
            found += [
                ("externalReferences[distribution].hashes (SHA-512)", h.get("content"))
                for h in _hashes(ext)
                if h.get("alg") == "SHA-512"
            ]
    if not found and _hashes(c):
        algs = ", ".join(str(h.get("alg")) for h in _hashes(c))
        return Status.MISSING, f"no SHA-512 (hashes: {algs})"
    return _first(found, "a SHA-512 hash")


def _licences(c: Mapping[str, Any], keep: Callable[[Mapping[str, Any]], bool]) -> list[Any]:
    out: list[Any] = []
    for entry in c.get("licenses") or []:
        if not isinstance(entry, Mapping):
            continue
        inner = entry.get("license")
        lic: Mapping[str, Any] = inner if isinstance(inner, Mapping) else entry
        if not keep(lic):
            continue
        out.append(entry.get("expression") or lic.get("id") or lic.get("name"))
    return out


def license(ctx: Context, c: Mapping[str, Any]) -> Result:  # noqa: A001  (probe name)
    return _first((("licenses", v) for v in _licences(c, lambda _: True)), "licenses")


def license_distribution(ctx: Context, c: Mapping[str, Any]) -> Result:
    values = _licences(c, lambda lic: lic.get("acknowledgement") != "declared")
    return _first((("licenses (concluded)", v) for v in values), "a concluded licence")


def license_original(ctx: Context, c: Mapping[str, Any]) -> Result:
    values = _licences(c, lambda lic: lic.get("acknowledgement") != "concluded")
    return _first((("licenses (declared)", v) for v in values), "a declared licence")


def dependencies(ctx: Context, c: Mapping[str, Any]) -> Result:
    ref = str(c.get("bom-ref") or "")
    if ref in ctx.in_graph:
        return Status.PRESENT, "dependencies"
    if ref in ctx.nested:
        return Status.PRESENT, "nested under its parent component"
    if ctx.completeness.get(ref) == "unknown":
        return Status.UNKNOWN, "compositions: aggregate unknown"
    return Status.MISSING, "not in dependencies, not nested"


def dependencies_with_completeness(ctx: Context, c: Mapping[str, Any]) -> Result:
    status, detail = dependencies(ctx, c)
    if status is not Status.PRESENT:
        return status, detail
    aggregate = ctx.completeness.get(str(c.get("bom-ref") or ""))
    if aggregate is None:
        return Status.MISSING, f"{detail}, but no composition states their completeness"
    return Status.PRESENT, f"{detail}; completeness {aggregate} (compositions)"


def _bsi_property(key: str) -> Callable[[Context, Mapping[str, Any]], Result]:
    def probe(ctx: Context, c: Mapping[str, Any]) -> Result:
        return _judge(_property(c, f"bsi:component:{key}"), f"property bsi:component:{key}")

    return probe


def _external(kinds: tuple[str, ...]) -> Callable[[Context, Mapping[str, Any]], Result]:
    def probe(ctx: Context, c: Mapping[str, Any]) -> Result:
        refs = [
            (f"externalReferences[{e.get('type')}]", e.get("url"))
            for e in c.get("externalReferences") or []
            if isinstance(e, Mapping) and e.get("type") in kinds
        ]
        return _first(refs, f"externalReferences of type {' or '.join(kinds)}")

    return probe


DocumentProbe = Callable[[Context], Result]
ComponentProbe = Callable[[Context, Mapping[str, Any]], Result]

DOCUMENT_PROBES: dict[str, DocumentProbe] = {
    "sbom-author-or-tool": sbom_author_or_tool,
    "sbom-author-entity": sbom_author_entity,
    "sbom-creator-contact": sbom_creator_contact,
    "timestamp": timestamp,
    "tool-name": tool_name,
    "tool-version": tool_version,
    "format-name": format_name,
    "format-version": format_version,
    "generation-context": generation_context,
    "sbom-version": sbom_version,
    "sbom-uri": sbom_uri,
    "signature": signature,
}
COMPONENT_PROBES: dict[str, ComponentProbe] = {
    "name": name,
    "version": version,
    "supplier": supplier,
    "creator-contact": creator_contact,
    "identifiers": identifiers,
    "hash": hash_value,
    "hash-algorithm": hash_algorithm,
    "hash-sha512": hash_sha512,
    "license": license,
    "license-distribution": license_distribution,
    "license-original": license_original,
    "dependencies": dependencies,
    "dependencies-with-completeness": dependencies_with_completeness,
    "bsi-filename": _bsi_property("filename"),
    "bsi-executable": _bsi_property("executable"),
    "bsi-archive": _bsi_property("archive"),
    "bsi-structured": _bsi_property("structured"),
    "source-uri": _external(("source-distribution", "vcs")),
    "deployable-uri": _external(("distribution",)),
}
