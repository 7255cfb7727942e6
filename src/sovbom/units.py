"""Names that tell units apart: what a report row calls a component.

A server holds many units of one part: sixteen DIMMs named ``64GB DDR5-6400 RDIMM B2``, eight GPUs
with a VBIOS each. A row that gives only the part's label cannot say which unit it is about, so
a label shared by several components of one BOM gets a suffix naming the unit:

* ``[slot DIMM_A0]``: its slot or location (``sovbom:slot``, ``cdx:device:location``), when no
  other component of that label has the same one;
* else ``[serial S123]``: its serial number, on the same condition;
* else ``[on slot SXM1]`` (or ``[on serial ...]``): the unit it sits in (a GPU's VBIOS: the GPU),
  on the same condition;
* else ``[<bom-ref>]``: its bom-ref.

A label that occurs once is shown as is. Paths are named the same way, so the path to one GPU's
VBIOS names that GPU's slot.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph

__all__ = ["UnitNames"]

_CACHE_KEY = "sovbom.unit_names"


class UnitNames:
    """The unit name of each component of a graph (computed on first use, then kept)."""

    @classmethod
    def of(cls, pg: ProvenanceGraph) -> UnitNames:
        """The unit names of ``pg``, made once per graph (finding which labels repeat reads every
        component: a query on an already loaded graph must not pay that again)."""
        attrs = pg.graph.graph  # networkx's per-graph attribute dict: lives as long as the graph
        names = attrs.get(_CACHE_KEY)
        if not isinstance(names, cls) or names._pg is not pg:
            names = attrs[_CACHE_KEY] = cls(pg)
        return names

    def __init__(self, pg: ProvenanceGraph) -> None:
        # Kept in the graph's own attributes, so a strong reference back would make a cycle that
        # only the garbage collector frees (commands pause it: ~750k objects left at 100k parts).
        self._graph_ref = weakref.ref(pg)
        self._groups: dict[str, list[str]] | None = None
        self._names: dict[str, str] = {}
        self._units: dict[str, str] = {}

    @property
    def _pg(self) -> ProvenanceGraph:
        pg = self._graph_ref()
        if pg is None:
            raise RuntimeError("the graph these unit names were made for is gone")
        return pg

    def __call__(self, ref: str) -> str:
        name = self._names.get(ref)
        return name if name is not None else self._name(ref)

    def _name(self, ref: str) -> str:
        label = self._pg.label_of(ref)
        group = self._repeated().get(label) if ref in self._pg.components else None
        if group is None:
            self._names[ref] = label
            return label
        self._name_group(label, group)
        return self._names[ref]

    def names(self, refs: Iterable[str]) -> dict[str, str]:
        """The unit name of each of ``refs`` (a report's name table)."""
        pg = self._pg
        labels = pg.labels()
        repeated = self._repeated()
        if not repeated:  # every label names one component: the names are the labels
            if not isinstance(refs, dict | list | tuple):
                refs = list(refs)
            # a ref that is no component (another BOM) is its own label
            return dict(zip(refs, map(labels.get, refs, refs), strict=True))
        get = self._names.get
        out: dict[str, str] = {}
        for ref in refs:
            name = get(ref)
            if name is None:
                name = labels.get(ref) or pg.label_of(ref)
                if name in repeated:
                    name = self._name(ref)
            out[ref] = name
        return out

    def unit(self, ref: str) -> str | None:
        """Only the suffix's content (``slot DIMM_A0``), or None when the label is unique."""
        self(ref)
        return self._units.get(ref)

    def path(self, refs: Iterable[str]) -> list[str]:
        """The unit names of a path's nodes."""
        get = self._names.get  # a path is named once per match: keep the common case fast
        return [get(ref) or self._name(ref) for ref in refs]

    def _repeated(self) -> dict[str, list[str]]:
        """The components of each label that more than one component has."""
        if self._groups is None:
            pg = self._pg
            labels = pg.labels()
            if len(labels) != len(pg.components):  # labels of other refs asked for: not these
                labels = {ref: labels[ref] for ref in pg.components}
            counts = Counter(labels.values())  # counted in C: most labels occur once
            groups: dict[str, list[str]] = {}
            if len(counts) < len(labels):
                for ref, label in labels.items():
                    if counts[label] > 1:
                        groups.setdefault(label, []).append(ref)
            self._groups = groups
        return self._groups

    def _name_group(self, label: str, refs: list[str]) -> None:
        """Each unit's own slot, else its own serial, else the slot or serial of the part it
        sits in, else its bom-ref: the first that no other unit of the label shares."""
        choices = [self._choices(ref) for ref in refs]
        taken = [Counter(c[i] for c in choices if c[i]) for i in range(3)]
        for ref, choice in zip(refs, choices, strict=True):
            unit = next((c for i, c in enumerate(choice) if c and taken[i][c] == 1), ref)
            self._units[ref] = unit
            self._names[ref] = f"{label} [{unit}]"

    def _choices(self, ref: str) -> tuple[str | None, str | None, str | None]:
        pg = self._pg
        prov = pg.provenance(ref)
        holder = None
        parent = pg.parent_of.get(ref)
        for _ in range(64):  # nesting depth; a cycle of parents cannot loop forever
            if parent is None or parent not in pg.components:
                break
            up = pg.provenance(parent)
            if up.slot or up.serial:
                holder = f"on slot {up.slot}" if up.slot else f"on serial {up.serial}"
                break
            parent = pg.parent_of.get(parent)
        return (
            f"slot {prov.slot}" if prov.slot else None,
            f"serial {prov.serial}" if prov.serial else None,
            holder,
        )
