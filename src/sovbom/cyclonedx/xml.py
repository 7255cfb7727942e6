"""CycloneDX XML (1.2 to 1.7) to its JSON form.

The XML is parsed with defusedxml (DTDs, entity expansion and external entities refused) and
converted element by element: list wrappers (``<components>``, ``<hashes>`` ...) become arrays,
attributes become keys, ``<hash alg>``/``<property name>`` become ``{alg, content}``/``{name,
value}``, and nested ``<dependency>`` elements become ``dependsOn`` lists.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from sovbom._xml import local_name, namespace, parse_xml
from sovbom.errors import InputError

_NS_PREFIX = "http://cyclonedx.org/schema/bom/"

#: wrapper element -> it holds a JSON array of its children.
_LIST_WRAPPERS = frozenset(
    {
        "components",
        "services",
        "externalReferences",
        "hashes",
        "properties",
        "authors",
        "ancestors",
        "descendants",
        "variants",
        "commits",
        "patches",
        "endpoints",
        "resolves",
        "vulnerabilities",
        "ratings",
        "cwes",
        "advisories",
        "affects",
        "versions",
        "compositions",
        "assemblies",
        "lifecycles",
        "tags",
        "occurrences",
        "callstack",
        "frames",
        "identity",
        "methods",
        "tools",
        "references",
        "credits",
        "organizations",
        "individuals",
        "annotations",
        "subjects",
        "evidence",
        "copyright",
        "licenses",
        "dependencies",
        "data",
        "trustZone",
    }
)
#: wrappers that are objects in some places; handled where they appear.
_OBJECT_WHEN_NOT_REPEATED = frozenset({"identity", "evidence", "copyright", "data", "tools"})
_ENTITY_TAGS = frozenset({"supplier", "manufacturer", "manufacture", "provider", "organization"})
_BOOL_TAGS = frozenset({"authenticated", "x-trust-boundary", "modified", "isExternal"})
_NUMBER_TAGS = frozenset({"score", "confidence", "line", "offset", "column", "quantity"})


def _text(el: Element) -> str:
    return (el.text or "").strip()


def _scalar(tag: str, text: str) -> Any:
    if tag in _BOOL_TAGS:
        return text.lower() == "true"
    if tag in _NUMBER_TAGS:
        try:
            return float(text) if "." in text else int(text)
        except ValueError:
            return text
    return text


def _convert(el: Element) -> Any:
    tag = local_name(el.tag)
    children = list(el)
    attrs = {local_name(k): v for k, v in el.attrib.items()}
    if tag == "hash":
        return {"alg": attrs.get("alg", ""), "content": _text(el)}
    if tag == "property":
        return {"name": attrs.get("name", ""), "value": el.text or ""}
    if not children and not attrs:
        return _scalar(tag, _text(el))
    if not children and tag in ("text", "classification", "diff"):
        out: dict[str, Any] = {"content": el.text or ""}
        if "content-type" in attrs:
            out["contentType"] = attrs["content-type"]
        if "encoding" in attrs:
            out["encoding"] = attrs["encoding"]
        if tag == "classification":
            return {"flow": attrs.get("flow", ""), "classification": _text(el)}
        return out
    obj: dict[str, Any] = {}
    for key, value in attrs.items():
        obj["version" if key == "version" else key] = _scalar(key, value)
    if not children and _text(el):
        # an element with attributes and text, e.g. <license acknowledgement="..">
        obj["value"] = _text(el)
    for child in children:
        ctag = local_name(child.tag)
        value = _convert_child(tag, ctag, child)
        if tag in _ENTITY_TAGS and ctag in ("url", "contact"):
            obj.setdefault(ctag, []).append(value)
        elif ctag in obj:
            existing = obj[ctag]
            obj[ctag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            obj[ctag] = value
    return obj


def _convert_child(parent: str, tag: str, el: Element) -> Any:
    items = list(el)
    if tag == "licenses":
        out: list[Any] = []
        for item in items:
            itag = local_name(item.tag)
            if itag == "expression":
                entry: dict[str, Any] = {"expression": _text(item)}
                entry.update({local_name(k): v for k, v in item.attrib.items()})
                out.append(entry)
            else:
                out.append({"license": _convert(item)})
        return out
    if tag == "dependencies":
        return [_dependency(d) for d in items]
    if tag == "tools":
        if items and local_name(items[0].tag) == "tool":
            return [_convert(i) for i in items]
        return {local_name(i.tag): [_convert(x) for x in i] for i in items}
    if tag in _OBJECT_WHEN_NOT_REPEATED and tag != "tools":
        tags = [local_name(i.tag) for i in items]
        if len(set(tags)) == len(tags) or parent == "component" and tag == "evidence":
            return _convert(el)
    if tag in _LIST_WRAPPERS and items:
        return [_convert(i) for i in items]
    if tag in _LIST_WRAPPERS and not items and not el.attrib:
        return []
    return _convert(el)


def _dependency(el: Element) -> dict[str, Any]:
    out: dict[str, Any] = {"ref": el.attrib.get("ref", "")}
    on = [d.attrib.get("ref", "") for d in el if local_name(d.tag) == "dependency"]
    if on:
        out["dependsOn"] = on
    return out


def xml_to_json(data: bytes, source: str) -> tuple[dict[str, Any], str]:
    """Convert CycloneDX XML bytes; returns the JSON-form document and its spec version."""
    root = parse_xml(data, source, forbid_dtd=True)
    ns = namespace(root.tag) or ""
    if local_name(root.tag) != "bom" or not ns.startswith(_NS_PREFIX):
        raise InputError(
            f"not a CycloneDX XML document (root element {local_name(root.tag)!r},"
            f" namespace {ns!r})",
            source=source,
        )
    spec_version = ns[len(_NS_PREFIX) :]
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": spec_version}
    if "serialNumber" in root.attrib:
        doc["serialNumber"] = root.attrib["serialNumber"]
    try:
        doc["version"] = int(root.attrib.get("version", "1"))
    except ValueError as e:
        raise InputError("attribute 'version' of <bom> is not an integer", source=source) from e
    for child in root:
        tag = local_name(child.tag)
        doc[tag] = _convert_child("bom", tag, child)
    return doc, spec_version
