"""Evaluating a policy: every rule of :data:`~sovbom.policy.rules.RULES` over a provenance graph.

:func:`evaluate` applies a :class:`~sovbom.policy.config.Policy` to a
:class:`~sovbom.graph.ProvenanceGraph` with a :class:`VerificationContext` (what was signed and
what was independently corroborated). The result is a :class:`CheckResult`: the findings and a
summary of domestic shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sovbom.graph import route_refs
from sovbom.policy.config import Exemption, Policy
from sovbom.policy.judge import Hit, judge
from sovbom.policy.rules import (
    LEVEL_LABELS,
    RULES,
    SEVERITY_LABELS,
    Level,
    Rule,
    RuleSpec,
    Severity,
)

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph, Route
    from sovbom.origins import StageShares


@dataclass(slots=True)
class VerificationContext:
    """What vouches for the BOM's components beyond the BOM itself.

    ``attested_by``: signer roles whose signature over the whole BOM verified (empty: unsigned or
    not verified). ``verified``: bom-ref -> reason, for components independently corroborated
    (a sub-BOM signed by its own supplier, a hash matching a signed reference, a serial and
    firmware observed at delivery matching the signed declaration). ``hardware``: bom-ref ->
    basis (anchor vendor, device id, SPDM version, algorithm), for components whose hardware
    identity verified (:mod:`sovbom.identity`): they are *hardware-verified*.
    ``hardware_failures``: bom-ref -> why a part's hardware identity did not hold.
    """

    attested_by: frozenset[str] = frozenset()
    signature: dict[str, Any] | None = None
    verified: dict[str, str] = field(default_factory=dict)
    hardware: Mapping[str, str] = field(default_factory=dict)
    hardware_failures: Mapping[str, str] = field(default_factory=dict)

    def level(self, ref: str, policy: Policy) -> tuple[Level, str]:
        if ref in self.hardware:
            return Level.HARDWARE_VERIFIED, self.hardware[ref]
        if ref in self.verified:
            return Level.VERIFIED, self.verified[ref]
        roles = sorted(self.attested_by & set(policy.attestation_roles))
        if roles:
            return Level.ATTESTED, f"in a BOM signed by a trusted {', '.join(roles)}"
        return Level.DECLARED, "only declared in the BOM"


_RULE_IDS = {rule: rule.value for rule in Rule}  # an enum's .value is a Python-level lookup


@dataclass(slots=True)
class Finding:
    rule: Rule
    severity: Severity
    message: str
    ref: str | None = None
    name: str | None = None
    type: str | None = None
    cls: str | None = None
    purl: str | None = None
    part_number: str | None = None
    serial: str | None = None
    countries: tuple[str, ...] = ()
    level: Level | None = None
    #: provenance paths from the server root to the component, shortest first, as shared
    #: routes (:data:`sovbom.graph.Route`); :attr:`paths` spells them out
    routes: list[Route] = field(default_factory=list)
    json_path: str | None = None
    exempted_by: Exemption | None = None

    @property
    def counts(self) -> bool:
        """Exempted findings are reported but never fail a run."""
        return self.exempted_by is None

    @property
    def paths(self) -> list[list[str]]:
        """The provenance paths as bom-refs, from the server root to the component."""
        return [route_refs(r) for r in self.routes]

    def to_dict(self, path_ids: Sequence[int] | None = None) -> dict[str, Any]:
        """The finding as JSON; its ``paths`` spelled out as bom-refs, or given as ``path_ids``
        (indices into a report's path table, which stores each path once)."""
        if path_ids is not None:
            return finding_dict(self, list(path_ids) if path_ids else None)
        return finding_dict(self, self.paths if self.routes else None)


def finding_dict(f: Finding, paths: list[Any] | None) -> dict[str, Any]:
    """:meth:`Finding.to_dict` with its ``paths`` given (left out when None or empty): what a
    report calls per finding, its common shape built in one go."""
    ref = f.ref
    if ref is None:
        out: dict[str, Any] = {
            "rule": _RULE_IDS[f.rule],
            "severity": SEVERITY_LABELS[f.severity],
            "message": f.message,
        }
    else:
        name, ctype, purl, cls, level = f.name, f.type, f.purl, f.cls, f.level
        if (
            name is None
            or ctype is None
            or purl is None
            or cls is None
            or level is None
            or f.part_number is not None
            or f.serial is not None
        ):
            component = _component_dict(f, ref)
        else:  # a package's usual fields
            component = {
                "bom-ref": ref,
                "name": name,
                "type": ctype,
                "purl": purl,
                "class": cls,
                "countries": f.countries,
                "verification": LEVEL_LABELS[level],
            }
        out = {
            "rule": _RULE_IDS[f.rule],
            "severity": SEVERITY_LABELS[f.severity],
            "message": f.message,
            "component": component,
        }
    if paths:
        out["paths"] = paths
    if f.json_path:
        out["json_path"] = f.json_path
    if f.exempted_by is not None:
        out["exempted_by"] = f.exempted_by.to_dict()
    return out


def _component_dict(f: Finding, ref: str) -> dict[str, Any]:
    component: dict[str, Any] = {"bom-ref": ref}
    if f.name is not None:
        component["name"] = f.name
    if f.type is not None:
        component["type"] = f.type
    if f.purl is not None:
        component["purl"] = f.purl
    if f.part_number is not None:
        component["part_number"] = f.part_number
    if f.serial is not None:
        component["serial"] = f.serial
    if f.cls is not None:
        component["class"] = f.cls
    component["countries"] = f.countries
    if f.level is not None:
        component["verification"] = LEVEL_LABELS[f.level]
    return component


@dataclass(slots=True)
class ClassShare:
    total: int = 0
    domestic: int = 0
    approved: int = 0
    other: int = 0
    unknown: int = 0

    def to_dict(self) -> dict[str, Any]:
        known = self.total
        return {
            "total": self.total,
            "domestic": self.domestic,
            "approved": self.approved,
            "other": self.other,
            "unknown": self.unknown,
            "domestic_share": round(self.domestic / known, 4) if known else None,
        }


@dataclass(slots=True)
class CheckResult:
    findings: list[Finding]
    by_class: dict[str, ClassShare]
    levels: dict[str, int]
    components: int
    root: str | None
    #: domestic share per production stage (None: no component declares a stage)
    stages: StageShares | None = None

    def total_share(self) -> ClassShare:
        total = ClassShare()
        for share in self.by_class.values():
            total.total += share.total
            total.domestic += share.domestic
            total.approved += share.approved
            total.other += share.other
            total.unknown += share.unknown
        return total

    def worst(self) -> Severity | None:
        counted = [f.severity for f in self.findings if f.exempted_by is None]  # f.counts
        return max(counted) if counted else None

    def fails(self, threshold: Severity | None) -> bool:
        """Whether a counted finding reaches ``threshold`` (never with None: report only)."""
        if threshold is None:
            return False
        # the first that reaches it answers (sorted findings: usually the first one)
        return any(f.severity >= threshold and f.exempted_by is None for f in self.findings)

    def counts_by_severity(self) -> dict[str, int]:
        counts = [0] * len(Severity)
        for f in self.findings:
            if f.exempted_by is None:
                counts[f.severity] += 1
        return {s.label: counts[s] for s in Severity}


def _graph_findings(pg: ProvenanceGraph, policy: Policy, spec: RuleSpec) -> Iterable[Finding]:
    assert spec.graph is not None
    override = policy.severities.get(spec.rule)
    for hit in spec.graph(pg):
        yield Finding(
            spec.rule,
            hit.severity if override is None else override,
            hit.message,
            ref=hit.ref,
            json_path=hit.json_path,
        )


@dataclass(slots=True)
class _Tally:
    """The counts a run adds up: verification levels, and domestic shares per class."""

    policy: Policy
    levels: list[int] = field(default_factory=lambda: [0] * len(Level))
    by_class: dict[str, ClassShare] = field(default_factory=dict)
    #: country -> which share it counts in (once per distinct country)
    kinds: dict[str | None, str] = field(default_factory=dict)

    def share(self, key: str, country: str | None, n: int = 1) -> None:
        """Count ``n`` components of class ``key`` from ``country``."""
        share = self.by_class.get(key)
        if share is None:
            share = self.by_class[key] = ClassShare()
        share.total += n
        kind = self.kinds.get(country)
        if kind is None:
            kind = self.kinds[country] = (
                "unknown"
                if country is None
                else "domestic"
                if country in self.policy.domestic
                else "approved"
                if country in self.policy.approved
                else "other"
            )
        if kind == "domestic":
            share.domestic += n
        elif kind == "approved":
            share.approved += n
        elif kind == "other":
            share.other += n
        else:
            share.unknown += n


def evaluate(
    pg: ProvenanceGraph,
    policy: Policy,
    context: VerificationContext | None = None,
    *,
    today: dt.date | None = None,
    max_paths: int = 5,
) -> CheckResult:
    """Apply ``policy`` to every component of the graph.

    Work that only depends on a value many components share (the rules' verdict on a country,
    basis and level; the terms of a type and class; a country's share) is done once per value;
    the provenance routes of every component with a finding are found in one pass over the
    graph's shortest-path tree (:meth:`~sovbom.graph.ProvenanceGraph.parent_routes_of`).
    """
    context = context or VerificationContext()
    today = today or dt.datetime.now(dt.UTC).date()
    findings: list[Finding] = []
    for spec in RULES:
        if spec.graph is not None:
            findings.extend(_graph_findings(pg, policy, spec))

    from sovbom.origins import StageShares

    tally = _Tally(policy)
    stage_shares = StageShares(policy.domestic)
    hits = judge(pg, policy, context, tally, stage_shares)
    _FindingMaker(pg, policy, today, max_paths)(hits, findings)
    levels = {lvl.label: tally.levels[lvl] for lvl in Level}
    _sort(findings)
    return CheckResult(
        findings,
        dict(sorted(tally.by_class.items())),
        levels,
        len(pg.components),
        pg.root,
        stage_shares if stage_shares else None,
    )


def _finding_order(f: Finding) -> tuple[int, str, str]:
    return -f.severity, _RULE_IDS[f.rule], f.ref or ""


_BY_REF, _BY_RULE, _BY_SEVERITY = attrgetter("ref"), attrgetter("rule"), attrgetter("severity")


def _sort(findings: list[Finding]) -> None:
    """Most severe first, then by rule id and bom-ref (:func:`_finding_order`): when every
    finding has a bom-ref, as three stable sorts on attributes (compared in C, no key tuple
    made per finding)."""
    if any(f.ref is None for f in findings):
        findings.sort(key=_finding_order)
        return
    findings.sort(key=_BY_REF)
    findings.sort(key=_BY_RULE)  # a StrEnum compares as its id
    findings.sort(key=_BY_SEVERITY, reverse=True)  # reverse keeps a sort stable


class _FindingMaker:
    """Makes the findings of one component: each with the exemption covering it (an expired
    exemption that would have covered one is itself a finding, once per component), its
    severity, and its provenance routes. Severities and the exemptions that cover each rule are
    worked out once per run."""

    def __init__(self, pg: ProvenanceGraph, policy: Policy, today: dt.date, max_paths: int):
        self.pg, self.policy, self.today, self.max_paths = pg, policy, today, max_paths
        self.severities: dict[tuple[Rule, bool], Severity] = {}
        self.exemptions = {
            rule: tuple(
                (ex, ex.matcher(), ex.purl_match()) for ex in policy.exemptions if ex.covers(rule)
            )
            for rule in Rule
        }

    def severity(self, rule: Rule, critical: bool) -> Severity:
        sev = self.severities.get((rule, critical))
        if sev is None:
            sev = self.severities[(rule, critical)] = self.policy.severity(rule, critical)
        return sev

    def __call__(self, hits: Sequence[Hit], out: list[Finding]) -> None:
        """Append the findings of ``hits`` (each component's routes found in one pass)."""
        pg = self.pg
        all_routes = pg.parent_routes_of([hit[2] for hit in hits], limit=self.max_paths)
        labels = pg.labels()  # every component's, made once
        exemptions = self.exemptions
        severity = self.severities.get
        append = out.append
        for (raised, critical, ref, comp, prov, level, ctype, purl), routes in zip(
            hits, all_routes, strict=True
        ):
            if not isinstance(purl, str):
                purl = None
            if type(ctype) is not str:
                ctype = str(ctype or "")
            # what every finding of the component says about it, read once
            name, cls, countries = labels[ref], prov.cls, prov.countries()
            part_number, serial = prov.part_number, prov.serial
            expired_reported: set[int] | None = None
            for rule, message in raised:
                exemption = None
                for ex, matches, purl_match in exemptions[rule]:
                    if purl_match is not None:  # matches(), without a call
                        if purl is None or purl_match(purl) is None:
                            continue
                    elif not matches(ref, comp, prov):
                        continue
                    if ex.expires is not None and ex.expires < self.today:
                        if expired_reported is None:
                            expired_reported = set()
                        if ex.index not in expired_reported:
                            expired_reported.add(ex.index)
                            about = (ref, name, ctype, cls, purl, part_number, serial)
                            append(self._expired(ex, critical, (*about, countries, level, routes)))
                        continue
                    exemption = ex
                    break
                sev = severity((rule, critical))
                if sev is None:
                    sev = self.severity(rule, critical)
                append(
                    Finding(
                        rule,
                        sev,
                        message,
                        ref,
                        name,
                        ctype,
                        cls,
                        purl,
                        part_number,
                        serial,
                        countries,
                        level,
                        routes,
                        None,
                        exemption,
                    )
                )

    def _expired(self, ex: Exemption, critical: bool, about: tuple[Any, ...]) -> Finding:
        assert ex.expires is not None
        return Finding(
            Rule.EXPIRED_EXEMPTION,
            self.severity(Rule.EXPIRED_EXEMPTION, critical),
            f"{ex.describe()} expired on {ex.expires.isoformat()}"
            f" (approved by {ex.approved_by}: {ex.reason})",
            *about,
        )
