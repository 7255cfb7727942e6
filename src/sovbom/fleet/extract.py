"""A BOM flattened into fleet rows: the server it describes and one row per component.

This is the lean path of ingest (no networkx graph): one pass over the nested components, one
breadth-first walk from the server root over containment and dependency edges (the edges of
:func:`sovbom.graph.build_graph`) for each component's parent on a shortest path, and the
provenance columns of each component read in the same pass, exactly as
:func:`sovbom.model.provenance_of` reads them (a test compares both on every component of the
samples and of generated servers) but without building a model object per component: country
names are normalised once per distinct value and the ``countries`` column once per distinct set.
Components whose JSON is not plain (``dict``/``list``/``str``, as the parser produces) go
through :func:`~sovbom.model.provenance_of` itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.countries import normalize_country
from sovbom.model import Provenance, provenance_of

#: The component columns ingest writes, in this order (``bom_id`` comes first in the table).
COMPONENT_COLUMNS = (
    "ref",
    "parent_ref",
    "name",
    "name_fold",
    "version",
    "type",
    "cls",
    "purl",
    "part_number",
    "serial",
    "manufacturer",
    "supplier",
    "country",
    "countries",
    "verified",
)
ComponentRow = tuple[str | None, ...]


@dataclass(slots=True)
class FlatBom:
    """What the fleet stores about one BOM, before it has a database id."""

    server_key: str
    server_name: str | None
    site: str | None
    serial: str | None
    produced_at: dt.datetime | None
    rows: list[ComponentRow] = field(default_factory=list)
    #: (bom-ref, country) for each country tied to a component besides its judged one
    extra_countries: list[tuple[str, str]] = field(default_factory=list)
    #: each row encoded, when :func:`flatten` was given an encoder
    lines: list[str] | None = None


def judged_country(prov: Provenance) -> str | None:
    """The country a component is judged by: origin first, then maker, then supplier."""
    return prov.origin_country or prov.manufacturer_country or prov.supplier_country


#: ISO 3166 look-ups are slow and a fleet repeats a handful of country spellings millions of times.
_country = functools.lru_cache(maxsize=4096)(normalize_country)
#: provenance property name -> (slot in the columns, priority; the first value of a slot wins)
_PROPS = {
    tx.ORIGIN_COUNTRY: "origin",
    tx.CDX_PROPOSED_ORIGIN: "origin2",
    tx.PART_NUMBER: "part_number",
    tx.CDX_SERIAL: "serial",
    tx.CLASS: "cls",
}
_PREFIX = tx.PRODUCTION_PREFIX
#: (cls, part number, serial, manufacturer, supplier, judged country, every country)
Columns = tuple[
    str | None, str | None, str | None, str | None, str | None, str | None, tuple[str, ...]
]


@functools.lru_cache(maxsize=4096)
def _countries_text(countries: tuple[str, ...]) -> str | None:
    return f",{','.join(countries)}," if countries else None


def _entity(comp: dict[str, Any], key: str) -> tuple[str | None, str | None] | None:
    """(name, country) of a manufacturer or supplier; None when it is not plain JSON."""
    entity = comp.get(key)
    if entity is None:
        return None, None
    if type(entity) is not dict:
        return None if isinstance(entity, Mapping) else (None, None)
    name = entity.get("name")
    address = entity.get("address")
    country = None
    if type(address) is dict:
        raw = address.get("country")
        if type(raw) is str:
            country = _country(raw)
        elif isinstance(raw, str):
            return None
    elif isinstance(address, Mapping):
        return None
    if type(name) is not str:
        return None if isinstance(name, str) else (None, country)
    return name, country


def _slow_columns(comp: Mapping[str, Any]) -> Columns:
    prov = provenance_of(comp)
    return (prov.cls, prov.part_number, prov.serial, prov.manufacturer, prov.supplier,
            judged_country(prov), prov.countries())  # fmt: skip


def _provenance_columns(comp: dict[str, Any]) -> Columns:
    """What :func:`~sovbom.model.provenance_of` reads that the fleet stores, in one pass.

    The countries come as :meth:`~sovbom.model.Provenance.countries` orders them (origin,
    maker, supplier, then each production step's).
    """
    found: dict[str, str] = {}
    steps: dict[str, str | None] | None = None  # step -> its first country value
    props = comp.get("properties")
    if props:
        if type(props) is not list:
            return _slow_columns(comp)
        for p in props:
            if type(p) is not dict:
                if isinstance(p, Mapping):
                    return _slow_columns(comp)
                continue
            name = p.get("name")
            value = p.get("value")
            if type(name) is not str or type(value) is not str:
                if isinstance(name, str) and isinstance(value, str):
                    return _slow_columns(comp)
                continue
            if not value:
                continue
            key = _PROPS.get(name)
            if key is not None:
                found.setdefault(key, value)
            elif name.startswith(_PREFIX):
                step, _, fname = name[len(_PREFIX) :].rpartition(":")
                if step and fname in tx.PRODUCTION_FIELDS:
                    if steps is None:
                        steps = {}
                    if step not in steps:
                        steps[step] = value if fname == "country" else None
                    elif fname == "country" and steps[step] is None:
                        steps[step] = value
    maker = _entity(comp, "manufacturer")
    supplier = _entity(comp, "supplier")
    if maker is None or supplier is None or "origins" in comp:
        return _slow_columns(comp)
    manufacturer = maker[0]
    if manufacturer is None:
        author = comp.get("author")
        if isinstance(author, str):
            manufacturer = author
    origin_raw = found.get("origin") or found.get("origin2")
    origin = _country(origin_raw) if origin_raw else None
    judged = origin or maker[1] or supplier[1]
    out: list[str] = []
    for c in (origin, maker[1], supplier[1]):
        if c and c not in out:
            out.append(c)
    if steps:
        for value in steps.values():
            c = _country(value) if value else None
            if c and c not in out:
                out.append(c)
    return (
        found.get("cls"), found.get("part_number"), found.get("serial"), manufacturer,
        supplier[0], judged, tuple(out),
    )  # fmt: skip


_KNOWN = frozenset(_PROPS)
_ORIGIN, _ORIGIN2, _PART, _SERIAL, _CLASS = (tx.ORIGIN_COUNTRY, tx.CDX_PROPOSED_ORIGIN,
                                             tx.PART_NUMBER, tx.CDX_SERIAL, tx.CLASS)  # fmt: skip
_nonempty = str.__len__  # TypeError on anything but a string, 0 on an empty one


def _plain_entity(entity: object) -> tuple[str | None, str | None] | None:
    """(name, country) of ``{"name": str, "address": {"country": str}}`` or of no entity;
    None for any other shape (then :func:`_entity` reads it)."""
    if entity is None:
        return None, None
    try:
        name = entity["name"]  # type: ignore[index]
        country = entity["address"]["country"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if type(name) is not str or type(country) is not str or type(entity) is not dict:
        return None
    return name, _country(country)


def _fast_columns(comp: dict[str, Any]) -> Columns | None:
    """:func:`_provenance_columns` for the usual shape of a component, with little per-value
    Python work: plain string properties, each name once, entities with a name and a country.
    None for anything else (then :func:`_provenance_columns` reads the component)."""
    props = comp.get("properties")
    named: dict[str, str] = {}
    if props:
        try:
            named = {p["name"]: p["value"] for p in props}
            if len(named) != len(props) or not all(map(_nonempty, named.values())):
                return None
        except (KeyError, TypeError):
            return None
    maker = _plain_entity(comp.get("manufacturer"))
    supplier = _plain_entity(comp.get("supplier"))
    if maker is None or supplier is None or "origins" in comp or type(props) not in _LISTS:
        return None
    get = named.get
    origin_raw = get(_ORIGIN) or get(_ORIGIN2)
    origin = _country(origin_raw) if origin_raw else None
    manufacturer = maker[0]
    if manufacturer is None:
        author = comp.get("author")
        if isinstance(author, str):
            manufacturer = author
    countries = _distinct(origin, maker[1], supplier[1])
    if not _KNOWN.issuperset(named):
        steps = _production_countries(named)
        if steps:
            countries = _distinct(*countries, *steps)
    return (get(_CLASS), get(_PART), get(_SERIAL), manufacturer, supplier[0],
            origin or maker[1] or supplier[1], countries)  # fmt: skip


_LISTS = (list, type(None))


@functools.lru_cache(maxsize=4096)
def _distinct(*countries: str | None) -> tuple[str, ...]:
    """The countries given, each once, in order, without the empty ones."""
    return tuple(dict.fromkeys(c for c in countries if c))


def _production_countries(named: Mapping[str, str]) -> list[str | None]:
    """Each production step's country (None when the step names none), in order of appearance."""
    steps: dict[str, str | None] = {}
    for name, value in named.items():
        if type(name) is str and name.startswith(_PREFIX):
            step, _, fname = name[len(_PREFIX) :].rpartition(":")
            if step and fname in tx.PRODUCTION_FIELDS:
                if step not in steps:
                    steps[step] = value if fname == "country" else None
                elif fname == "country" and steps[step] is None:
                    steps[step] = value
    return [_country(v) if v else None for v in steps.values()]


def _walk(doc: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(bom-ref, component, containing bom-ref) in document order, the root first."""
    stack: list[tuple[Any, str | None]] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.extend((c, None) for c in reversed(top))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((metadata["component"], None))
    anonymous = 0
    while stack:
        comp, parent = stack.pop()
        if not isinstance(comp, dict):
            continue
        ref = comp.get("bom-ref")
        if not isinstance(ref, str) or not ref:
            anonymous += 1
            ref = f"<anonymous {anonymous}: {comp.get('name', '?')}>"
        yield ref, comp, parent
        children = comp.get("components")
        if isinstance(children, list) and children:
            stack.extend((c, ref) for c in reversed(children))


def _parents(
    doc: Mapping[str, Any], root: str | None, contained: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Each component's parent on a shortest path from the root (containing part otherwise)."""
    succ: dict[str, list[str]] = {}
    for ref, parent in contained.items():
        if parent is not None and parent != ref:
            succ.setdefault(parent, []).append(ref)
    for dep in doc.get("dependencies") or ():
        if isinstance(dep, Mapping) and isinstance(dep.get("ref"), str):
            on = [t for t in dep.get("dependsOn") or () if isinstance(t, str) and t != dep["ref"]]
            if on:
                succ.setdefault(dep["ref"], []).extend(on)
    out: dict[str, str | None] = dict(contained)
    if root is None:
        return out
    seen = {root}
    out[root] = None
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for nxt in succ.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                out[nxt] = node
                queue.append(nxt)
    return out


def _timestamp(doc: Mapping[str, Any]) -> dt.datetime | None:
    metadata = doc.get("metadata")
    value = metadata.get("timestamp") if isinstance(metadata, Mapping) else None
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _site(prov: Provenance) -> str | None:
    for step in prov.production:
        if step.step == "final-assembly" and step.site:
            return step.site
    return next((s.site for s in prov.production if s.site), None)


def flatten(
    doc: Mapping[str, Any],
    source: str,
    verified: Mapping[str, str] | None = None,
    *,
    encode: Callable[[ComponentRow], str] | None = None,
) -> FlatBom:
    """The server and component rows of a parsed CycloneDX document.

    ``encode``: also each row as ``encode`` makes it (into :attr:`FlatBom.lines`) right after the
    row is made, while its values are still in the processor's cache (reading them again from a
    large document later costs several times more); a row it refuses (``TypeError``) leaves
    ``lines`` None.
    """
    verified = verified or {}
    lines: list[str] | None = [] if encode is not None else None
    comps: list[tuple[str, dict[str, Any]]] = []
    contained: dict[str, str | None] = {}
    for ref, comp, parent in _walk(doc):
        if ref not in contained:
            comps.append((ref, comp))
            contained[ref] = parent
    metadata = doc.get("metadata")
    root_comp = metadata.get("component") if isinstance(metadata, Mapping) else None
    root = root_comp.get("bom-ref") if isinstance(root_comp, Mapping) else None
    root = root if isinstance(root, str) and root in contained else None
    parents = _parents(doc, root, contained)
    rows: list[ComponentRow] = []
    extras: list[tuple[str, str]] = []
    server_prov: Provenance | None = None
    countries_text = _countries_text
    for ref, comp in comps:
        if ref == root:
            server_prov = provenance_of(comp)
        cols = _fast_columns(comp) or _provenance_columns(comp)
        name = comp.get("name")
        name = name if isinstance(name, str) else ""
        version, purl = comp.get("version"), comp.get("purl")
        if len(cols[6]) > (cols[5] is not None):
            extras.extend((ref, c) for c in cols[6] if c != cols[5])
        row = (
            ref,
            parents.get(ref),
            name,
            name.casefold(),
            version if isinstance(version, str) else None,
            str(comp.get("type") or ""),
            cols[0],
            purl if isinstance(purl, str) else None,
            cols[1],
            cols[2],
            cols[3],
            cols[4],
            cols[5],
            countries_text(cols[6]),
            verified.get(ref),
        )
        rows.append(row)
        if lines is not None:
            try:
                lines.append(encode(row))  # type: ignore[misc]
            except TypeError:
                lines = None
    server_name = root_comp.get("name") if isinstance(root_comp, Mapping) else None
    server_name = server_name if isinstance(server_name, str) else None
    key = (server_prov.serial if server_prov else None) or server_name or root or source
    serial = doc.get("serialNumber")
    return FlatBom(
        server_key=key,
        server_name=server_name,
        site=_site(server_prov) if server_prov else None,
        serial=serial if isinstance(serial, str) else None,
        produced_at=_timestamp(doc),
        rows=rows,
        extra_countries=extras,
        lines=lines,
    )


__all__ = ["COMPONENT_COLUMNS", "ComponentRow", "FlatBom", "flatten", "judged_country"]
