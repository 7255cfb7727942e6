"""``trace``: where are the components matching a query, in one or many server BOMs?

The results are rendered by :mod:`sovbom.report` (a :class:`~sovbom.report.TraceReport`).
"""

from __future__ import annotations

import bisect
import fnmatch
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
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


class TraceIndex:
    """What queries look up, for one loaded BOM: value -> bom-refs, in document order.

    Each table (purl, name, part number, serial, country) is built on the first query that needs
    it, by one pass over the components, and then kept: further queries on the same BOM are
    dictionary look-ups, or one compiled glob over the distinct values.
    """

    def __init__(self, pg: ProvenanceGraph) -> None:
        self.pg = pg
        self._order: dict[str, int] | None = None
        self._tables: dict[str, dict[str, list[str]]] = {}
        self._sorted: dict[str, list[str]] = {}

    def _values(self, field: str) -> Iterator[tuple[str, str | None]]:
        pg = self.pg
        if field == "purl":
            for ref, comp in pg.components.items():
                value = comp.get("purl")
                yield ref, value if isinstance(value, str) else None
        elif field == "name":
            for ref, comp in pg.components.items():
                yield ref, str(comp.get("name") or "")
        elif field == "name_folded":
            for ref, comp in pg.components.items():
                yield ref, str(comp.get("name") or "").casefold()
        elif field == "part":
            for ref in pg.components:
                yield ref, pg.provenance(ref).part_number
        elif field == "serial":
            for ref in pg.components:
                yield ref, pg.provenance(ref).serial
        else:  # country: one entry per country a component is tied to
            for ref in pg.components:
                for code in pg.provenance(ref).countries():
                    yield ref, code

    def table(self, field: str) -> dict[str, list[str]]:
        """``field`` value -> the bom-refs having it (built once)."""
        table = self._tables.get(field)
        if table is None:
            table = {}
            for ref, value in self._values(field):
                if value is not None:
                    table.setdefault(value, []).append(ref)
            self._tables[field] = table
        return table

    def in_order(self, refs: Iterable[str]) -> list[str]:
        """Distinct bom-refs in document order."""
        if self._order is None:
            self._order = {ref: i for i, ref in enumerate(self.pg.components)}
        order = self._order
        return sorted(set(refs), key=order.__getitem__)

    def lookup(self, field: str, pattern: str, *, fold: bool = False) -> list[str]:
        """The bom-refs whose ``field`` equals ``pattern`` or matches it as a glob (``*``, ``?``,
        ``[...]``, compiled once); ``fold``: case-insensitively, as :func:`_compile` does."""
        if not any(c in pattern for c in "*?["):
            if fold:
                return list(self.table("name_folded").get(pattern.casefold(), ()))
            return list(self.table(field).get(pattern, ()))
        regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE if fold else 0)
        table = self.table(field)
        hits = [
            table[value] for value in self._candidates(field, pattern, fold) if regex.match(value)
        ]
        if len(hits) == 1:
            return list(hits[0])
        return self.in_order(ref for refs in hits for ref in refs)

    def _candidates(self, field: str, pattern: str, fold: bool) -> Iterable[str]:
        """The values a glob can match: those starting with its literal prefix (found by bisection
        in the sorted values) when it is case-sensitive, else every value."""
        prefix = pattern[: min(i for i in (pattern.find(c) for c in "*?[") if i >= 0)]
        if fold or not prefix:
            return self.table(field)
        values = self._sorted.get(field)
        if values is None:
            values = self._sorted[field] = sorted(self.table(field))
        out = []
        for value in itertools.islice(values, bisect.bisect_left(values, prefix), None):
            if not value.startswith(prefix):
                break
            out.append(value)
        return out

    def find(self, q: Query) -> list[str]:
        """The bom-refs matching a query, in document order (as :func:`matcher` would find)."""
        if q.key == "ref":
            pattern = _compile(q.value)
            return [ref for ref in self.pg.components if pattern(ref)]
        if q.key == "purl":
            return self.lookup("purl", q.value)
        if q.key == "name":
            return self.lookup("name", q.value, fold=True)
        if q.key in ("part", "serial"):
            return self.lookup(q.key, q.value)
        if q.key == "country":
            return list(self.table("country").get(q.value, ()))
        return self.in_order(
            [
                *self.lookup("purl", q.value),
                *self.lookup("name", q.value, fold=True),
                *self.lookup("part", q.value),
                *self.lookup("serial", q.value),
            ]
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


def trace_graph(
    pg: ProvenanceGraph, q: Query, *, max_paths: int = 100, index: TraceIndex | None = None
) -> TraceResult:
    """The components of ``pg`` matching ``q``, each with its paths from the root (at most
    ``max_paths``). Without ``index``, one pass over the components (cheapest for a single
    query); to run many queries on one loaded BOM pass the same ``index`` (:class:`TraceIndex`
    of ``pg``): its tables are built once and each query is then a look-up."""
    if index is not None and index.pg is not pg:
        raise ValueError("the trace index belongs to another graph")
    refs = pg.find(matcher(q, pg)) if index is None else index.find(q)
    result = TraceResult(pg.source, pg.root)
    units = UnitNames.of(pg)  # names that tell units of one part apart
    for ref in refs:
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
    from sovbom.checking import ensure_valid

    for path in paths:
        bom = load_bom(path)
        ensure_valid(bom)  # a BOM that is not schema-valid is bad input (exit 4), not 0 matches
        out.append(trace_graph(build_graph(bom.doc, source=bom.source), q, max_paths=max_paths))
    return out
