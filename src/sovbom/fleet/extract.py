"""A BOM flattened into fleet rows: the server it describes and one row per component.

This is the lean path of ingest (no networkx graph): one pass over the nested components, one
breadth-first walk from the server root over containment and dependency edges (the edges of
:func:`sovbom.graph.build_graph`) for each component's parent on a shortest path, and the
provenance of each component read by :func:`sovbom.model.provenance_of`, as ``check`` reads it.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

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


def judged_country(prov: Provenance) -> str | None:
    """The country a component is judged by: origin first, then maker, then supplier."""
    return prov.origin_country or prov.manufacturer_country or prov.supplier_country


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
    doc: Mapping[str, Any], source: str, verified: Mapping[str, str] | None = None
) -> FlatBom:
    """The server and component rows of a parsed CycloneDX document."""
    verified = verified or {}
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
    server_prov: Provenance | None = None
    for ref, comp in comps:
        prov = provenance_of(comp)
        if ref == root:
            server_prov = prov
        name = comp.get("name")
        name = name if isinstance(name, str) else ""
        version, purl = comp.get("version"), comp.get("purl")
        countries = prov.countries()
        rows.append(
            (
                ref,
                parents.get(ref),
                name,
                name.casefold(),
                version if isinstance(version, str) else None,
                str(comp.get("type") or ""),
                prov.cls,
                purl if isinstance(purl, str) else None,
                prov.part_number,
                prov.serial,
                prov.manufacturer,
                prov.supplier,
                judged_country(prov),
                f",{','.join(countries)}," if countries else None,
                verified.get(ref),
            )
        )
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
    )


__all__ = ["COMPONENT_COLUMNS", "ComponentRow", "FlatBom", "flatten", "judged_country"]
