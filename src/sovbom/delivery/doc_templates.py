""":func:`~sovbom.delivery.extract.extract` for the servers of a shipment: documents that differ
from server to server only in their serials are read once.

The servers of a shipment are built from a few templates: their factory HBOMs (and their observed
inventories) are the same document but for the serial number of each part. A document seen twice
(by the bom-refs of its server and first components, and their number) becomes a *template*: what
:func:`extract` read from it, where each device's serial entry is, and its server and components
as JSON with those entries masked. A document is then read by taking its serial entries at those
places and writing its server and components with them masked (compiled code): the same text, the
template's parts are the document's, with their serials; another, the document is read as
:func:`extract` reads it.

Either way the result is the one :func:`extract` gives: the parts are new objects (their firmware
lists too); the firmware objects are shared, as :func:`extract` shares them. The documents are
left as they were read (their entries are masked only while written).

The documents are as :func:`~sovbom.cyclonedx.reader.parse_bom` reads them (JSON values: the
same text is the same values), their nesting not checked yet: it is checked here, before anything
else reads them, and for a document equal to a template only in what the template does not
cover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson

from sovbom import taxonomy as tx
from sovbom._io import check_json_depth
from sovbom.delivery.extract import Firmware, Part, _serial_at, extract
from sovbom.placeholders import cleaned

_SERIAL_NAME = tx.CDX_SERIAL
#: What a serial entry is written as in a template's text.
_MASK = {"name": _SERIAL_NAME, "value": ""}

#: (number of top-level components, bom-refs of the server and the first of them) -> a template;
#: None: seen once (a template is made the second time, so that a single document pays nothing
#: for it); False: the document seen cannot be a template.
_TEMPLATES: dict[tuple[Any, ...], _Template | bool | None] = {}
_UNSEEN = object()
#: Keys remembered at most.
TEMPLATE_KEYS = 16
#: Documents with more devices than this are not made templates (a server has a few hundred).
MAX_DEVICES = 5_000
#: A template that failed this many documents in a row is dropped (made again when next seen).
MAX_MISSES = 2

Extracted = tuple[Part | None, list[Part], list[Firmware]]


@dataclass(slots=True)
class _Template:
    """What :func:`extract` read from a document, and the document's text but for its serials."""

    #: the document's server and components, ``[metadata.component, components]``, as JSON with
    #: the serial entries below masked
    text: bytes
    #: the nodes holding devices whose serial is read, by their path of indices from the
    #: document's [root, *top] (their children are their ``components``; the path of one index
    #: names [root, *top] itself, as the parent of the root and the top-level components)
    parents: list[tuple[int, ...]]
    #: one per device whose serial is read: its parent's index in ``parents``, its index among
    #: the parent's children, where its serial entry is in its properties
    serials: list[tuple[int, int, int]]
    #: whether the first of ``rows`` is the server's part
    server: bool
    #: what extract read: each part's fields, its firmware, and the index in ``serials`` of its
    #: serial (-1: its own, read with the rest)
    rows: list[tuple[Any, ...]]
    #: firmware of no known part
    loose: tuple[Firmware, ...]
    misses: int = 0


def _key(root: Any, top: Any) -> tuple[Any, ...] | None:
    if root.__class__ is not dict or top.__class__ is not list:
        return None
    refs = [root.get("bom-ref")]
    refs.extend(c.get("bom-ref") if c.__class__ is dict else None for c in top[:8])
    return (len(top), *(r if r.__class__ is str else None for r in refs))


def extract_shared(doc: Mapping[str, Any], source: str, raw: bytes | None = None) -> Extracted:
    """:func:`~sovbom.delivery.extract.extract` of a document read from ``source`` by
    ``parse_bom(check_depth=False)``, reading the documents a shipment repeats but for their
    serials once (see the module's documentation). A document nested too deeply is an
    InputError (:func:`~sovbom._io.check_json_depth`).

    ``raw``: the JSON file ``doc`` was parsed from; a template made of the document is then
    also kept as a byte template (:mod:`~sovbom.delivery.byte_templates`): files repeating it
    but for their serials are read without being parsed."""
    metadata = doc.get("metadata")
    root = metadata.get("component") if isinstance(metadata, Mapping) else None
    top: Any = doc.get("components")
    key = _key(root, top)
    if key is None:
        check_json_depth(doc, source)
        return extract(doc)
    t: object = _TEMPLATES.get(key, _UNSEEN)
    if isinstance(t, _Template):
        out = _read(t, root, top)
        if out is not None:
            t.misses = 0
            _check_rest(doc, source)
            return out
        t.misses += 1
        if t.misses >= MAX_MISSES:
            _TEMPLATES[key] = None
    check_json_depth(doc, source)
    read = extract(doc)
    if t is _UNSEEN:
        if len(_TEMPLATES) >= TEMPLATE_KEYS:
            _TEMPLATES.clear()
        _TEMPLATES[key] = None
    elif t is None:
        made = _TEMPLATES[key] = _template(root, top, read) or False
        if isinstance(made, _Template) and raw is not None and doc.__class__ is dict:
            from sovbom.delivery.byte_templates import remember

            remember(raw, cast("dict[str, Any]", doc), root, top, made)
    return read


def _check_rest(doc: Mapping[str, Any], source: str) -> None:
    """The nesting of a document equal to a template but for its serial strings: its server and
    components nest as the template's (checked when it was made); the rest is checked."""
    rest = {k: v for k, v in doc.items() if k != "components"}
    metadata = rest.get("metadata")
    if metadata.__class__ is dict:
        rest["metadata"] = {k: v for k, v in metadata.items() if k != "component"}
    check_json_depth(rest, source)


def _read(t: _Template, root: Any, top: list[Any]) -> Extracted | None:
    """The document's parts when it is the template's but for its serials, else None."""
    where = serial_entries(t, root, top, properties=True)
    if where is None:
        return None
    values: list[str] = []
    for props, (_, _, k) in zip(where, t.serials, strict=True):
        entry = props[k]
        if (
            len(entry) != 2
            or entry.get("name") != _SERIAL_NAME
            or (value := entry.get("value")).__class__ is not str
        ):
            return None  # (a name and a string: the entry nests as the template's)
        values.append(value)
    if _masked_text(root, top, t.serials, where) != t.text:
        return None
    return parts_of(t, values)


def serial_entries(
    t: _Template, root: Any, top: Any, *, properties: bool = False
) -> list[Any] | None:
    """The serial entries (objects) at the template's places in a document's server ``root``
    and components ``top`` (with ``properties``: the property lists holding them), or None
    when there is no object at one of them."""
    nodes: list[Any] = [root, *top]
    kids: list[Any] = []
    out: list[Any] = []
    try:
        for path in t.parents:
            at: Any = nodes
            for i in path:
                at = at[i]["components"]
            if at.__class__ is not list:
                return None
            kids.append(at)
        for parent, i, k in t.serials:
            props = kids[parent][i]["properties"]
            if props[k].__class__ is not dict:
                return None
            out.append(props if properties else props[k])
    except (LookupError, TypeError):
        return None
    return out


def parts_of(t: _Template, values: list[str]) -> Extracted:
    """What :func:`extract` reads of a document that is the template's with these serial
    strings (one per ``t.serials``): new parts (and firmware lists), the template's firmware."""
    serials = cleaned(values)  # extract's _serial of each (stripped; placeholders are none)
    parts = [
        Part(ref, name, cls, maker, model, pn, serial if at < 0 else serials[at], revision, slot,
             bus, list(firmware) if firmware else [])
        for ref, name, cls, maker, model, pn, serial, revision, slot, bus, firmware, at in t.rows
    ]  # fmt: skip
    if t.server:
        return parts[0], parts[1:], list(t.loose)
    return None, parts, list(t.loose)


def _masked_text(
    root: Any, top: list[Any], serials: list[tuple[int, int, int]], where: list[Any]
) -> bytes | None:
    """The server and components as JSON, with the serial entries at ``serials`` (in the
    property lists ``where``) masked; None when they cannot be written."""
    kept = [props[k] for (_, _, k), props in zip(serials, where, strict=True)]
    try:
        for (_, _, k), props in zip(serials, where, strict=True):
            props[k] = _MASK
        return orjson.dumps([root, top])
    except orjson.JSONEncodeError:
        return None
    finally:
        for (_, _, k), props, entry in zip(serials, where, kept, strict=True):
            props[k] = entry


def _template(root: Any, top: list[Any], read: Extracted) -> _Template | None:
    """A template of a document (None when it cannot be one)."""
    server, rest, loose = read
    if len(rest) >= MAX_DEVICES:
        return None
    parts = [server, *rest] if server is not None else list(rest)
    at = {p.ref: i for i, p in enumerate(parts)}
    slot_of = [-1] * len(parts)
    parents: dict[tuple[int, ...], int] = {}
    serials: list[tuple[int, int, int]] = []
    where: list[Any] = []
    nodes = [root, *top]
    for path in _devices(root, top):
        kids: Any = nodes
        for i in path[:-1]:
            kids = kids[i]["components"]
        comp = kids[path[-1]]
        ref = comp.get("bom-ref")
        props = comp.get("properties")
        found = at.pop(ref, None) if ref.__class__ is str and ref else None
        if found is None or props.__class__ is not list:
            continue  # not read (a later device of its bom-ref), or no serial entry to read
        k = _serial_at(props)
        if k is not None:
            slot_of[found] = len(serials)
            parent = parents.setdefault(path[:-1], len(parents))
            serials.append((parent, path[-1], k))
            where.append(props)
    text = _masked_text(root, top, serials, where)
    if text is None:
        return None
    rows = [
        (p.ref, p.name, p.cls, p.manufacturer, p.model, p.part_number, p.serial, p.revision,
         p.slot, p.bus, tuple(p.firmware), s)
        for p, s in zip(parts, slot_of, strict=True)
    ]  # fmt: skip
    return _Template(text, list(parents), serials, server is not None, rows, tuple(loose))


def _devices(root: Any, top: list[Any]) -> list[tuple[int, ...]]:
    """The path (see ``_Template``) of every device of a document, in the order extract walks
    them."""
    out: list[tuple[int, ...]] = []
    stack: list[tuple[tuple[int, ...], Any]] = [((i + 1,), c) for i, c in enumerate(top)]
    stack.reverse()
    stack.append(((0,), root))
    while stack:
        path, comp = stack.pop()
        if comp.__class__ is not dict:
            continue
        if comp.get("type") == "device":
            out.append(path)
        children = comp.get("components")
        if children and isinstance(children, list):
            stack.extend((path + (i,), c) for i, c in reversed(list(enumerate(children))))
    return out


#: A template, as :mod:`~sovbom.delivery.byte_templates` names it.
Template = _Template

__all__ = [
    "MAX_DEVICES",
    "TEMPLATE_KEYS",
    "Extracted",
    "Template",
    "extract_shared",
    "parts_of",
    "serial_entries",
]
