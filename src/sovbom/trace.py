"""``trace``: where are the components matching a query, in one or many server BOMs?

The results are rendered by :mod:`sovbom.report` (a :class:`~sovbom.report.TraceReport`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sovbom.countries import normalize_country
from sovbom.cyclonedx.reader import load_bom
from sovbom.errors import InputError
from sovbom.graph import ProvenanceGraph, build_graph
from sovbom.units import UnitNames

QUERY_KEYS = ("purl", "name", "part", "serial", "country", "ref")


@dataclass(frozen=True, slots=True)
class Query:
    """A component query. ``key`` None means: try purl, name, part number and serial."""

    key: str | None
    value: str

    def describe(self) -> str:
        return f"{self.key}={self.value}" if self.key else self.value


def parse_query(text: str) -> Query:
    text = text.strip()
    if not text:
        raise InputError("empty component query")
    key, sep, value = text.partition("=")
    if sep and key in QUERY_KEYS:
        if not value:
            raise InputError(f"empty value in component query {text!r}")
        if key == "country":
            code = normalize_country(value)
            if code is None:
                raise InputError(f"not an ISO 3166-1 country: {value!r}")
            return Query("country", code)
        return Query(key, value)
    if text.startswith("pkg:"):
        return Query("purl", text)
    if len(text) == 2 and text.isupper() and normalize_country(text) == text:
        return Query("country", text)
    return Query(None, text)


def _compile(pattern: str, *, fold: bool = False) -> Callable[[str | None], bool]:
    """A matcher for one value: exact, or a glob (``*``, ``?``, ``[...]``) compiled once."""
    if any(c in pattern for c in "*?["):
        regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE if fold else 0)
        return lambda value: value is not None and regex.match(value) is not None
    if fold:
        folded = pattern.casefold()
        return lambda value: value is not None and value.casefold() == folded
    return lambda value: value == pattern


def matcher(q: Query, pg: ProvenanceGraph) -> Callable[[str, dict[str, Any]], bool]:
    """A predicate over (bom-ref, component) for a query; provenance is read through the graph."""
    exact = _compile(q.value)
    folded = _compile(q.value, fold=True)
    key = q.key

    def purl(comp: dict[str, Any]) -> str | None:
        value = comp.get("purl")
        return value if isinstance(value, str) else None

    def name(comp: dict[str, Any]) -> str:
        return str(comp.get("name") or "")

    if key == "purl":
        return lambda ref, comp: exact(purl(comp))
    if key == "ref":
        return lambda ref, comp: exact(ref)
    if key == "name":
        return lambda ref, comp: folded(name(comp))
    if key == "part":
        return lambda ref, comp: exact(pg.provenance(ref).part_number)
    if key == "serial":
        return lambda ref, comp: exact(pg.provenance(ref).serial)
    if key == "country":
        return lambda ref, comp: q.value in pg.provenance(ref).countries()
    return lambda ref, comp: (
        exact(purl(comp))
        or folded(name(comp))
        or exact(pg.provenance(ref).part_number)
        or exact(pg.provenance(ref).serial)
    )


@dataclass(slots=True)
class Match:
    ref: str
    name: str
    type: str
    countries: tuple[str, ...]
    paths: list[list[str]]
    path_names: list[list[str]]
    truncated: bool = False


@dataclass(slots=True)
class TraceResult:
    source: str
    root: str | None
    matches: list[Match] = field(default_factory=list)


def trace_graph(pg: ProvenanceGraph, q: Query, *, max_paths: int = 100) -> TraceResult:
    result = TraceResult(pg.source, pg.root)
    units = UnitNames.of(pg)  # names that tell units of one part apart
    for ref in pg.find(matcher(q, pg)):
        comp = pg.components[ref]
        paths = pg.all_paths(ref, limit=max_paths + 1)
        truncated = len(paths) > max_paths
        paths = paths[:max_paths]
        result.matches.append(
            Match(
                ref,
                units(ref),
                str(comp.get("type") or ""),
                pg.provenance(ref).countries(),
                paths,
                [units.path(p) for p in paths],
                truncated,
            )
        )
    return result


def trace_boms(paths: Iterable[str], q: Query, *, max_paths: int = 100) -> list[TraceResult]:
    out = []
    for path in paths:
        bom = load_bom(path)
        out.append(trace_graph(build_graph(bom.doc, source=bom.source), q, max_paths=max_paths))
    return out
