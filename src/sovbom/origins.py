"""Origins by stage: which stages of a part must be domestic, approved or not denied, whether its
traceability chain is complete, and a server's domestic share by count and by value.

The policy's ``stages`` table maps a class or a bom-ref to ``{stage: requirement}``, a
requirement being ``domestic``, ``approved`` (domestic or approved) or ``not-denied``. The stages
themselves are the production steps of :class:`~sovbom.model.ProductionStep` (properties
``sovbom:production:<step>:*``, or the CycloneDX 2.0 ``origins`` draft).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom import taxonomy as tx

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph
    from sovbom.model import ProductionStep, Provenance

REQUIREMENTS = ("domestic", "approved", "not-denied")
#: Stages a parent is assembled in, most specific last (the first one present is used).
ASSEMBLY_STAGES = ("final-assembly", "module-assembly", "pcb-assembly")
_ORDER = {step: i for i, step in enumerate(tx.PRODUCTION_STEPS)}

StageTable = Mapping[str, Mapping[str, str]]


def requirements_for(table: StageTable, ref: str, prov: Provenance) -> Mapping[str, str] | None:
    """The stage requirements for one component: by bom-ref first, then by class."""
    if not table:
        return None
    found = table.get(ref)
    if found is None and prov.cls is not None:
        found = table.get(prov.cls)
    return found


def _step(prov: Provenance, stage: str) -> ProductionStep | None:
    for step in prov.production:
        if step.step == stage:
            return step
    return None


def stage_origin_problems(
    required: Mapping[str, str],
    prov: Provenance,
    domestic: frozenset[str],
    approved: frozenset[str],
    denied: frozenset[str],
) -> list[str]:
    """Why the stages of a part do not meet ``required`` (empty when they do)."""
    out: list[str] = []
    for stage, need in required.items():
        step = _step(prov, stage)
        country = step.country if step is not None else None
        if country is None:
            what = "not declared" if step is None else "no country declared"
            out.append(f"stage {stage}: {what}, policy requires {need}")
            continue
        if need == "domestic":
            ok = country in domestic
        elif need == "approved":
            ok = country in domestic or country in approved
        else:
            ok = country not in denied
        if not ok:
            out.append(f"stage {stage}: performed in {country}, policy requires {need}")
    return out


def _day(date: str | None) -> str | None:
    return date[:10] if date else None


def assembly_date(prov: Provenance) -> tuple[str, str] | None:
    """The stage a part was assembled in and its date (None when no dated assembly stage)."""
    for stage in ASSEMBLY_STAGES:
        step = _step(prov, stage)
        if step is not None and step.date:
            return stage, step.date[:10]
    return None


def chain_problems(
    required: Iterable[str], ref: str, prov: Provenance, pg: ProvenanceGraph | None
) -> list[str]:
    """Why a part's traceability chain is incomplete: a listed stage missing, a stage without a
    site, dates out of the stages' order, or its last stage after (or unlinked to) its parent's
    assembly."""
    out = [
        f"stage {stage} missing from the chain" for stage in required if _step(prov, stage) is None
    ]
    out.extend(f"stage {step.step}: no site" for step in prov.production if not step.site)
    known = sorted(
        (s for s in prov.production if s.step in _ORDER and s.date), key=lambda s: _ORDER[s.step]
    )
    for before, after in zip(known, known[1:], strict=False):
        if _day(before.date) > _day(after.date):  # type: ignore[operator]
            out.append(
                f"stage {after.step} dated {_day(after.date)},"
                f" before stage {before.step} ({_day(before.date)})"
            )
    if pg is None:
        return out
    path = pg.shortest_path(ref)
    if len(path) < 2:
        return out
    parent = path[-2]
    assembled = assembly_date(pg.provenance(parent))
    if assembled is None:
        return out
    dated = [d for d in (_day(s.date) for s in prov.production) if d]
    if not dated:
        out.append(f"no dated stage links it to {parent}'s {assembled[0]} ({assembled[1]})")
    elif max(dated) > assembled[1]:
        out.append(
            f"last stage dated {max(dated)}, after {parent}'s {assembled[0]} ({assembled[1]})"
        )
    return out


@dataclass(slots=True)
class StageShare:
    """Domestic share of one stage (or of every stage): by count and by declared cost."""

    parts: int = 0
    domestic: int = 0
    unknown: int = 0
    valued: int = 0
    value: float = 0.0
    domestic_value: float = 0.0

    def add(self, country: str | None, domestic: bool, cost: float | None) -> None:
        self.parts += 1
        if country is None:
            self.unknown += 1
        elif domestic:
            self.domestic += 1
        if cost is not None:
            self.valued += 1
            self.value += cost
            if domestic:
                self.domestic_value += cost

    def to_dict(self) -> dict[str, Any]:
        return {
            "parts": self.parts,
            "domestic": self.domestic,
            "unknown": self.unknown,
            "domestic_share": round(self.domestic / self.parts, 4) if self.parts else None,
            "valued": self.valued,
            "value": round(self.value, 2),
            "domestic_value": round(self.domestic_value, 2),
            "domestic_value_share": (
                round(self.domestic_value / self.value, 4) if self.value else None
            ),
        }


def _cost(step: ProductionStep) -> float | None:
    if step.basis != "cost" or step.value is None:
        return None
    try:
        return float(step.value)
    except ValueError:
        return None


@dataclass(slots=True)
class StageShares:
    """Domestic share per stage over a server's parts: by count of stages performed, and by
    value where stages declare a cost (``basis: cost``; stages declaring a ``share`` are counted,
    not valued)."""

    domestic: frozenset[str]
    by_stage: dict[str, StageShare] = field(default_factory=dict)
    total: StageShare = field(default_factory=StageShare)

    def add(self, prov: Provenance) -> None:
        for step in prov.production:
            share = self.by_stage.get(step.step)
            if share is None:
                share = self.by_stage[step.step] = StageShare()
            domestic = step.country is not None and step.country in self.domestic
            cost = _cost(step)
            share.add(step.country, domestic, cost)
            self.total.add(step.country, domestic, cost)

    def __bool__(self) -> bool:
        return self.total.parts > 0

    def to_dict(self) -> dict[str, Any]:
        order = {s: i for i, s in enumerate(tx.PRODUCTION_STEPS)}
        stages = sorted(self.by_stage.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        return {
            "basis": "cost",
            "all": self.total.to_dict(),
            "stages": {k: v.to_dict() for k, v in stages},
        }


def stage_cells(d: dict[str, Any]) -> list[str]:
    """The cells of one stage's row (every report format)."""

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.0%}"

    return [
        str(d["parts"]),
        str(d["domestic"]),
        pct(d["domestic_share"]),
        str(d["valued"]),
        f"{d['domestic_value']:g} / {d['value']:g}",
        pct(d["domestic_value_share"]),
    ]


__all__ = [
    "stage_cells",
    "StageShare",
    "StageShares",
    "ASSEMBLY_STAGES",
    "REQUIREMENTS",
    "StageTable",
    "assembly_date",
    "chain_problems",
    "requirements_for",
    "stage_origin_problems",
]
