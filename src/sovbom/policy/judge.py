"""Judging a graph's components against a policy: which rules each one raises.

:func:`judge` reads every component once. Work that depends only on values many components
share is done once per value: the terms of a type and class, a country triple, and the verdict
of the rules that read only the values of a :class:`_Verdict` key (most components share a key
with many others: one dict lookup each). Components with production steps, or rules that read
each component, are judged one by one (:class:`_OneByOne`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sovbom.model import Provenance, provenance_of
from sovbom.policy.config import Policy
from sovbom.policy.rules import RULES, ComponentCheck, Level, Rule, Subject

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph
    from sovbom.origins import StageShares
    from sovbom.policy.evaluate import VerificationContext, _Tally


def effective_country(prov: Provenance) -> tuple[str | None, str]:
    """The country a component is judged by, and why: origin first, then maker, then supplier."""
    if prov.origin_country:
        return prov.origin_country, "origin"
    if prov.manufacturer_country:
        return prov.manufacturer_country, "manufacturer"
    if prov.supplier_country:
        return prov.supplier_country, "supplier"
    return None, "unknown"


_Checks = tuple[tuple[Rule, ComponentCheck], ...]


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: one per run
class _Terms:
    """What the policy asks of one (type, class) of component: whether it is critical, the
    rules that apply (those evaluated once per distinct value, and those read per component),
    the verification level needed, and whether it counts towards the domestic shares."""

    critical: bool
    by_value: _Checks
    per_component: _Checks
    needed: Level
    in_scope: bool


def _terms(policy: Policy, ctype: str, cls: str | None) -> _Terms:
    critical = policy.is_critical(ctype, cls)
    in_scope = policy.in_origin_scope(ctype, cls)
    specs = [
        spec
        for spec in RULES
        if spec.component is not None
        and (in_scope or not spec.origin_scoped)
        and (policy.stages or not spec.stage_scoped)
    ]
    return _Terms(
        critical,
        tuple((spec.rule, spec.component) for spec in specs if spec.by_value and spec.component),
        tuple(
            (spec.rule, spec.component) for spec in specs if not spec.by_value and spec.component
        ),
        policy.required_level(ctype, cls, critical),
        in_scope,
    )


_RULE_ORDER = {spec.rule: i for i, spec in enumerate(RULES)}
_LEVELS = tuple(Level)  # by value: DECLARED is 0 ... HARDWARE_VERIFIED is 3
_HARDWARE, _VERIFIED = int(Level.HARDWARE_VERIFIED), int(Level.VERIFIED)
assert all(lvl == i for i, lvl in enumerate(_LEVELS))
_Raised = tuple[tuple[Rule, str], ...]
#: a component's raised rules, whether it is critical, its ref, component, provenance, level,
#: and its ``type`` and ``purl`` as the document gives them (read while it is at hand)
Hit = tuple[_Raised, bool, str, Mapping[str, Any], Provenance, Level, Any, Any]


@dataclass(slots=True, eq=False)
class _Verdict:
    """What the policy says of every component without production steps that shares one type,
    class, origin, maker's and supplier's country, verification level and shortfall: the rules
    raised (``None`` when a rule must read each component: those are judged one by one), and
    how many such components there are (their levels and shares are counted once, at the end)."""

    raised: _Raised | None
    critical: bool
    level: Level
    countries: tuple[str, ...]
    #: (class or type, country) as counted in the domestic shares; None: out of origin scope
    counted: tuple[str, str | None] | None
    n: int = 0


def judge(
    pg: ProvenanceGraph,
    policy: Policy,
    context: VerificationContext,
    tally: _Tally,
    stage_shares: StageShares,
) -> list[Hit]:
    """The components with a finding, and the rules each raises; their levels, domestic shares
    and production stages added to ``tally`` and ``stage_shares`` on the way.

    A component without production steps is judged by a key of the values the rules read (most
    components share one with many others): one dict lookup per component. The others (and any
    whose rules read more than those values) go through :class:`_OneByOne`."""
    verified = context.verified
    hardware = context.hardware
    failures = context.hardware_failures
    base = int(
        Level.ATTESTED if context.attested_by & set(policy.attestation_roles) else Level.DECLARED
    )
    one = _OneByOne(pg, policy)
    judged: dict[tuple[object, ...], _Verdict] = {}
    # what pg.provenance(ref) has read already (usually nothing); the rest is read here and not
    # kept in the graph: nothing after a check asks for most of it
    known = pg._provenance
    fresh = not known
    hits: list[Hit] = []  # the components with a finding: their routes are found together
    append = hits.append
    # nothing verified, proved or failed beyond the BOM's own signature (the usual case): every
    # component has the base level
    plain = not (hardware or verified or failures)
    lv, shortfall = base, None
    for ref, comp in pg.components.items():
        prov = None if fresh else known.get(ref)
        if prov is None:
            prov = provenance_of(comp)
        declared = comp.get("type")
        ctype = declared or "library"
        if type(ctype) is not str:
            ctype = str(ctype)
        if not plain:
            # levels as ints in the hot path: an enum member hashes through a Python call
            lv = _HARDWARE if ref in hardware else _VERIFIED if ref in verified else base
            shortfall = failures.get(ref)
        if not prov.production:
            key = (
                ctype,
                prov.cls,
                prov.origin_country,
                prov.manufacturer_country,
                prov.supplier_country,
                lv,
                shortfall,
            )
            verdict = judged.get(key)
            if verdict is None:
                verdict = judged[key] = one.verdict(ref, ctype, prov, lv, shortfall)
            raised = verdict.raised
            if raised is not None:
                verdict.n += 1
                prov._countries = verdict.countries
                if raised:
                    critical, level = verdict.critical, verdict.level
                    append((raised, critical, ref, comp, prov, level, declared, comp.get("purl")))
                continue
        one(ref, comp, ctype, prov, lv, shortfall, stage_shares, hits)
    shares = one.shares
    for verdict in judged.values():
        n = verdict.n
        if n:
            one.levels[verdict.level] += n
            if verdict.counted is not None:
                shares[verdict.counted] = shares.get(verdict.counted, 0) + n
    for lv, n in enumerate(one.levels):
        tally.levels[lv] += n
    for (of_class, country), n in shares.items():
        tally.share(of_class, country, n)
    return hits


class _OneByOne:
    """Judging one component at a time: what :func:`_judge` does for components with production
    steps (their countries include the steps') or rules that read each component; and the
    :class:`_Verdict` of a key it judges once. Work that depends only on a value many components
    share (the terms of a type and class, a country triple, the verdict of the by-value rules) is
    done once per value."""

    def __init__(self, pg: ProvenanceGraph, policy: Policy) -> None:
        self.policy = policy
        self.terms_of: dict[tuple[str, str | None], _Terms] = {}
        self.verdicts: dict[tuple[object, ...], _Raised] = {}
        self.places: dict[tuple[str | None, ...], tuple[str | None, str, tuple[str, ...]]] = {}
        subject = Subject(policy.domestic, policy.approved, policy.denied, policy.require_origin)
        subject.stages = policy.stages
        subject.graph = pg
        self.subject = subject
        #: (class or type, country) -> components counted in the domestic shares
        self.shares: dict[tuple[str, str | None], int] = {}
        self.levels = [0] * len(Level)

    def terms(self, ctype: str, cls: str | None) -> _Terms:
        terms = self.terms_of.get((ctype, cls))
        if terms is None:
            terms = self.terms_of[(ctype, cls)] = _terms(self.policy, ctype, cls)
        return terms

    def place(self, prov: Provenance) -> tuple[str | None, str, tuple[str, ...]]:
        """The country judged by, why, and every country tied to (once per distinct triple
        when there are no production steps)."""
        if prov.production:
            return (*effective_country(prov), prov.countries())
        where = (prov.origin_country, prov.manufacturer_country, prov.supplier_country)
        place = self.places.get(where)
        if place is None:
            place = self.places[where] = (*effective_country(prov), prov.countries())
        return place

    def _raise(
        self, terms: _Terms, ref: str, prov: Provenance, lv: int, shortfall: str | None
    ) -> _Raised:
        """The by-value rules of ``terms`` (once per distinct verdict), then the per-component
        ones; ``prov`` has its countries set."""
        country, basis, countries = self.place(prov)
        key = (terms, country, basis, countries, lv, shortfall)
        raised = self.verdicts.get(key)
        if raised is None or terms.per_component:
            s = self.subject
            s.prov, s.ref, s.country, s.basis = prov, ref, country, basis
            s.level, s.needed, s.shortfall = _LEVELS[lv], terms.needed, shortfall
            if raised is None:
                raised = self.verdicts[key] = _raise(terms.by_value, s)
            if terms.per_component:
                raised = _merge(raised, _raise(terms.per_component, s))
        return raised

    def verdict(
        self, ref: str, ctype: str, prov: Provenance, lv: int, shortfall: str | None
    ) -> _Verdict:
        """The verdict on every component like ``prov`` (without production steps)."""
        terms = self.terms(ctype, prov.cls)
        country, _, countries = self.place(prov)
        prov._countries = countries
        counted = (prov.cls or ctype, country) if terms.in_scope else None
        raised = None if terms.per_component else self._raise(terms, ref, prov, lv, shortfall)
        return _Verdict(raised, terms.critical, _LEVELS[lv], countries, counted)

    def __call__(
        self,
        ref: str,
        comp: Mapping[str, Any],
        ctype: str,
        prov: Provenance,
        lv: int,
        shortfall: str | None,
        stage_shares: StageShares,
        hits: list[Hit],
    ) -> None:
        """Judge one component, counting it; a component with a finding is added to ``hits``."""
        cls = prov.cls
        terms = self.terms(ctype, cls)
        self.levels[lv] += 1
        if prov.production:
            stage_shares.add(prov)
        country, _, countries = self.place(prov)
        prov._countries = countries
        # shares are over what the policy's origin scope covers: out-of-scope components (an
        # OS's packages under origin_scope [device, firmware]) have no origin to count
        if terms.in_scope:
            counted = (cls or ctype, country)
            self.shares[counted] = self.shares.get(counted, 0) + 1
        raised = self._raise(terms, ref, prov, lv, shortfall)
        if raised:
            critical, level = terms.critical, _LEVELS[lv]
            hits.append(
                (raised, critical, ref, comp, prov, level, comp.get("type"), comp.get("purl"))
            )


def _raise(checks: _Checks, subject: Subject) -> _Raised:
    out = []
    for rule, check in checks:
        message = check(subject)
        if message is not None:
            out.append((rule, message))
    return tuple(out)


def _merge(first: _Raised, second: _Raised) -> _Raised:
    """Both lists of raised rules, in the order of :data:`RULES`."""
    if not first or not second:
        return first or second
    return tuple(sorted(first + second, key=lambda r: _RULE_ORDER[r[0]]))
