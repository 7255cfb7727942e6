"""Field-by-field comparison of two CycloneDX components (the same part or package in A and B).

Compared: ``type``, ``name``, ``group``, ``version``, ``purl``, ``cpe``, ``supplier``,
``manufacturer``, ``publisher``, ``licenses`` (ids, names and expressions, as a set), each hash
(``hash:SHA-256``) and each property. Well-known properties get short names (``serial``,
``part_number``, ``model``, ``slot``, ``bus_address``, ``revision``, ``country``); the others are
``property:<name>`` (a property given several times compares as the set of its values). Two
package URLs that differ only in the order or encoding of their qualifiers are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from sovbom import taxonomy as tx
from sovbom.diff.model import FieldChange
from sovbom.diff.software import canonical_purl

#: Properties shown under a short field name.
PROPERTY_FIELDS = {
    tx.CDX_SERIAL: "serial",
    tx.PART_NUMBER: "part_number",
    tx.MODEL: "model",
    tx.SLOT: "slot",
    tx.BUS_ADDRESS: "bus_address",
    tx.REVISION: "revision",
    tx.ORIGIN_COUNTRY: "country",
}
_SCALARS = ("type", "name", "group", "version", "purl", "cpe")
_ENTITIES = ("supplier", "manufacturer")


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None


def _entity(comp: Mapping[str, Any], key: str) -> str | None:
    value = comp.get(key)
    if isinstance(value, Mapping):
        return _text(value.get("name"))
    return _text(value)


def _licenses(comp: Mapping[str, Any]) -> str | None:
    found: set[str] = set()
    for item in comp.get("licenses") or ():
        if not isinstance(item, Mapping):
            continue
        expression = _text(item.get("expression"))
        if expression:
            found.add(expression)
        lic = item.get("license")
        if isinstance(lic, Mapping):
            name = _text(lic.get("id")) or _text(lic.get("name"))
            if name:
                found.add(name)
    return "; ".join(sorted(found)) or None


def _hashes(comp: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, set[str]] = {}
    for h in comp.get("hashes") or ():
        if isinstance(h, Mapping):
            alg, content = _text(h.get("alg")), _text(h.get("content"))
            if alg and content:
                out.setdefault(alg.upper(), set()).add(content.lower())
    return {alg: " ".join(sorted(v)) for alg, v in out.items()}


def _properties(comp: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, set[str]] = {}
    for p in comp.get("properties") or ():
        if isinstance(p, Mapping):
            name = _text(p.get("name"))
            if name:
                key = PROPERTY_FIELDS.get(name, f"property:{name}")
                out.setdefault(key, set()).add(_text(p.get("value")) or "")
    return {k: "; ".join(sorted(v)) for k, v in out.items()}


def fields_of(comp: Mapping[str, Any]) -> dict[str, str]:
    """Every compared field of a component that has a value, by field name."""
    out: dict[str, str] = {}
    for key in _SCALARS:
        value = _text(comp.get(key))
        if value is not None:
            out[key] = value
    for key in _ENTITIES:
        value = _entity(comp, key)
        if value is not None:
            out[key] = value
    publisher = _text(comp.get("publisher"))
    if publisher is not None:
        out["publisher"] = publisher
    licenses = _licenses(comp)
    if licenses is not None:
        out["licenses"] = licenses
    out.update((f"hash:{alg}", v) for alg, v in _hashes(comp).items())
    out.update(_properties(comp))
    return out


def ignored(name: str, patterns: Iterable[str]) -> bool:
    """Whether a field is left out (``patterns`` are shell-style: ``property:sovbom:evidence:*``)."""
    return any(fnmatchcase(name, p) for p in patterns)


def compare_fields(
    a: Mapping[str, Any], b: Mapping[str, Any], ignore: Iterable[str] = ()
) -> list[FieldChange]:
    """The fields whose value differs between ``a`` and ``b`` (absent on one side included),
    in a stable order: the scalars, then the rest by name."""
    fa, fb = fields_of(a), fields_of(b)
    patterns = tuple(ignore)
    order = {k: i for i, k in enumerate((*_SCALARS, *_ENTITIES, "publisher", "licenses"))}
    names = sorted(fa.keys() | fb.keys(), key=lambda k: (order.get(k, len(order)), k))
    return [
        FieldChange(name, fa.get(name), fb.get(name))
        for name in names
        if not _same(name, fa.get(name), fb.get(name)) and not ignored(name, patterns)
    ]


def _same(name: str, a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if name == "purl" and a is not None and b is not None:
        return canonical_purl(a) == canonical_purl(b)
    return False


__all__ = ["PROPERTY_FIELDS", "compare_fields", "fields_of", "ignored"]
