"""The supplier registry: manufacturer names as sources print them -> company and home country.

The country is the ISO 3166-1 code of the company's headquarters (its home country), *not* the
country where a part was made. :func:`apply_registry` only fills ``manufacturer.address.country``
of components whose source gave none, marks where that country came from, and never touches
``origin_country``. A name that matches no entry keeps an unknown country: nothing is guessed.

The default registry ships as ``sovbom/data/suppliers.yaml``; a user file (same schema,
``schemas/suppliers.schema.json``) is tried before it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from sovbom import taxonomy as tx
from sovbom._io import display_name, json_pointer, load_structured, parse_yaml
from sovbom.countries import normalize_country
from sovbom.errors import InputError
from sovbom.model import Component
from sovbom.project_schemas import check_against

SCHEMA_NAME = "suppliers.schema.json"
DEFAULT_REGISTRY = "suppliers.yaml"
#: Property naming where a manufacturer country came from.
COUNTRY_SOURCE = tx.MANUFACTURER_COUNTRY_SOURCE
REGISTRY_SOURCE = "supplier-registry"
#: Registry patterns (written by the registry's author, compiled once) see at most this many
#: characters of a manufacturer name: a hostile capture cannot make them run long on a huge field.
MAX_NAME_CHARS = 256


@dataclass(frozen=True, slots=True)
class Supplier:
    name: str
    country: str
    patterns: tuple[re.Pattern[str], ...]
    sources: str

    def matches(self, manufacturer: str) -> bool:
        """Does a pattern match the start of ``manufacturer`` (blanks collapsed, first
        :data:`MAX_NAME_CHARS` characters)?"""
        text = " ".join(manufacturer.split())[:MAX_NAME_CHARS]
        return any(p.match(text) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class SupplierRegistry:
    suppliers: tuple[Supplier, ...]

    def lookup(self, manufacturer: str | None) -> Supplier | None:
        """The first entry matching ``manufacturer``, or None."""
        if not manufacturer or not manufacturer.strip():
            return None
        for s in self.suppliers:
            if s.matches(manufacturer):
                return s
        return None

    def extended(self, first: SupplierRegistry) -> SupplierRegistry:
        """A registry trying ``first``'s entries before this one's."""
        return SupplierRegistry(first.suppliers + self.suppliers)


def parse_registry(doc: Any, source: str) -> SupplierRegistry:
    """Validate a loaded registry document and compile its patterns."""
    check_against(doc, SCHEMA_NAME, source, what="invalid supplier registry", deepest=False)
    out: list[Supplier] = []
    for i, entry in enumerate(doc["suppliers"]):
        country = normalize_country(entry["country"].upper())
        if country is None:
            raise InputError(
                f"not an ISO 3166-1 country code: {entry['country']!r}",
                source=source,
                location=json_pointer(["suppliers", i, "country"]),
            )
        patterns: list[re.Pattern[str]] = []
        for j, pattern in enumerate(entry["match"]):
            try:
                patterns.append(re.compile(pattern, re.IGNORECASE))
            except re.error as e:
                raise InputError(
                    f"invalid regular expression {pattern!r}: {e}",
                    source=source,
                    location=json_pointer(["suppliers", i, "match", j]),
                ) from e
        out.append(Supplier(entry["name"], country, tuple(patterns), entry["sources"]))
    return SupplierRegistry(tuple(out))


@functools.cache
def default_registry() -> SupplierRegistry:
    """The registry shipped with sovbom."""
    data = resources.files("sovbom").joinpath("data", DEFAULT_REGISTRY).read_bytes()
    return parse_registry(
        parse_yaml(data, f"sovbom/data/{DEFAULT_REGISTRY}"), f"sovbom/data/{DEFAULT_REGISTRY}"
    )


def load_registry(path: str | os.PathLike[str]) -> SupplierRegistry:
    """A user registry file (YAML or JSON), not yet combined with the default one."""
    return parse_registry(load_structured(path), display_name(path))


def registry_for(paths: Sequence[str | os.PathLike[str]] = ()) -> SupplierRegistry:
    """User registries (first given first) in front of the default one."""
    registry = default_registry()
    for path in reversed(list(paths)):
        registry = registry.extended(load_registry(path))
    return registry


def apply_registry(components: Iterable[Component], registry: SupplierRegistry) -> int:
    """Fill the manufacturer country of components whose source gave none; return how many.

    Only ``manufacturer.address.country`` is filled, and a property records that it came from the
    registry. ``origin_country`` is never set here.
    """
    filled = 0
    for comp in components:
        org = comp.manufacturer
        if org is None or org.country:
            continue
        entry = registry.lookup(org.name)
        if entry is None:
            continue
        comp.manufacturer = replace(org, country=entry.country)
        comp.properties.append((COUNTRY_SOURCE, REGISTRY_SOURCE))
        filled += 1
    return filled


__all__ = [
    "COUNTRY_SOURCE",
    "Supplier",
    "SupplierRegistry",
    "apply_registry",
    "default_registry",
    "load_registry",
    "parse_registry",
    "registry_for",
]
