"""Evaluating a policy: every rule of :data:`~sovbom.policy.rules.RULES` over a provenance graph.

:func:`evaluate` applies a :class:`~sovbom.policy.config.Policy` to a
:class:`~sovbom.graph.ProvenanceGraph` with a :class:`VerificationContext` (what was signed and
what was independently corroborated). The result is a :class:`CheckResult`: the findings and a
summary of domestic shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom.graph import label
from sovbom.model import Provenance
from sovbom.policy.config import Exemption, Policy
from sovbom.policy.rules import (
    LEVEL_LABELS,
    RULES,
    SEVERITY_LABELS,
    ComponentCheck,
    Level,
    Rule,
    RuleSpec,
    Severity,
    Subject,
)

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph
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
    #: bom-refs from the server root to the component, shortest first
    paths: list[list[str]] = field(default_factory=list)
    json_path: str | None = None
    exempted_by: Exemption | None = None

    @property
    def counts(self) -> bool:
        """Exempted findings are reported but never fail a run."""
        return self.exempted_by is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule.value,
            "severity": SEVERITY_LABELS[self.severity],
            "message": self.message,
        }
        if self.ref is not None:
            component: dict[str, Any] = {"bom-ref": self.ref}
            if self.name is not None:
                component["name"] = self.name
            if self.type is not None:
                component["type"] = self.type
            if self.purl is not None:
                component["purl"] = self.purl
            if self.part_number is not None:
                component["part_number"] = self.part_number
            if self.serial is not None:
                component["serial"] = self.serial
            if self.cls is not None:
                component["class"] = self.cls
            component["countries"] = self.countries
            if self.level is not None:
                component["verification"] = LEVEL_LABELS[self.level]
            out["component"] = component
        if self.paths:
            out["paths"] = self.paths
        if self.json_path:
            out["json_path"] = self.json_path
        if self.exempted_by is not None:
            out["exempted_by"] = self.exempted_by.to_dict()
        return out


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
        counted = [f.severity for f in self.findings if f.counts]
        return max(counted) if counted else None

    def fails(self, threshold: Severity | None) -> bool:
        """Whether a counted finding reaches ``threshold`` (never with None: report only)."""
        worst = self.worst()
        return threshold is not None and worst is not None and worst >= threshold

    def counts_by_severity(self) -> dict[str, int]:
        out = {s.label: 0 for s in Severity}
        for f in self.findings:
            if f.counts:
                out[f.severity.label] += 1
        return out


def effective_country(prov: Provenance) -> tuple[str | None, str]:
    """The country a component is judged by, and why: origin first, then maker, then supplier."""
    if prov.origin_country:
        return prov.origin_country, "origin"
    if prov.manufacturer_country:
        return prov.manufacturer_country, "manufacturer"
    if prov.supplier_country:
        return prov.supplier_country, "supplier"
    return None, "unknown"


#: Per (type, class) of component, what the policy asks: critical?, the rules that apply, and
#: the verification level needed.
_Terms = tuple[bool, tuple[tuple[Rule, ComponentCheck], ...], Level]


def _terms(policy: Policy, ctype: str, cls: str | None) -> _Terms:
    critical = policy.is_critical(ctype, cls)
    in_scope = policy.in_origin_scope(ctype, cls)
    checks = tuple(
        (spec.rule, spec.component)
        for spec in RULES
        if spec.component is not None and (in_scope or not spec.origin_scoped)
    )
    return critical, checks, policy.required_level(ctype, cls, critical)


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


def evaluate(
    pg: ProvenanceGraph,
    policy: Policy,
    context: VerificationContext | None = None,
    *,
    today: dt.date | None = None,
    max_paths: int = 5,
) -> CheckResult:
    """Apply ``policy`` to every component of the graph."""
    context = context or VerificationContext()
    today = today or dt.datetime.now(dt.UTC).date()
    findings: list[Finding] = []
    for spec in RULES:
        if spec.graph is not None:
            findings.extend(_graph_findings(pg, policy, spec))

    # per-run constants: the attestation level, and per (type, class) what the policy asks
    base_level = (
        Level.ATTESTED if context.attested_by & set(policy.attestation_roles) else Level.DECLARED
    )
    verified = context.verified
    hardware = context.hardware
    failures = context.hardware_failures
    counts = [0] * len(Level)
    by_class: dict[str, ClassShare] = {}
    terms_of: dict[tuple[str, str | None], _Terms] = {}
    scope_of: dict[tuple[str, str | None], bool] = {}
    subject = Subject(policy.domestic, policy.approved, policy.denied, policy.require_origin)
    subject.stages = policy.stages
    subject.graph = pg
    from sovbom.origins import StageShares

    stage_shares = StageShares(policy.domestic)
    for ref, comp in pg.components.items():
        prov = pg.provenance(ref)
        ctype = comp.get("type") or "library"
        if not isinstance(ctype, str):
            ctype = str(ctype)
        cls = prov.cls
        terms = terms_of.get((ctype, cls))
        if terms is None:
            terms = terms_of[(ctype, cls)] = _terms(policy, ctype, cls)
        critical, checks, needed = terms
        if ref in hardware:
            level = Level.HARDWARE_VERIFIED
        else:
            level = Level.VERIFIED if ref in verified else base_level
        counts[level] += 1
        subject.shortfall = failures.get(ref)
        subject.prov = prov
        subject.ref = ref
        if prov.production:
            stage_shares.add(prov)
        subject.country, subject.basis = effective_country(prov)
        subject.level = level
        subject.needed = needed
        # shares are over what the policy's origin scope covers: out-of-scope components (an
        # OS's packages under origin_scope [device, firmware]) have no origin to count
        in_scope = scope_of.get((ctype, cls))
        if in_scope is None:
            in_scope = scope_of[(ctype, cls)] = policy.in_origin_scope(ctype, cls)
        if in_scope:
            share = by_class.get(cls or ctype)
            if share is None:
                share = by_class[cls or ctype] = ClassShare()
            share.total += 1
            country = subject.country
            if country is None:
                share.unknown += 1
            elif country in policy.domestic:
                share.domestic += 1
            elif country in policy.approved:
                share.approved += 1
            else:
                share.other += 1
        raised: list[tuple[Rule, str]] = []
        for rule, check in checks:
            message = check(subject)
            if message is not None:
                raised.append((rule, message))
        if raised:
            paths = pg.parent_paths(ref, limit=max_paths) if pg.root else []
            findings.extend(
                _exempted(raised, policy, today, critical, (ref, comp, prov, level, paths))
            )

    levels = {lvl.label: counts[lvl] for lvl in Level}
    findings.sort(key=lambda f: (-int(f.severity), f.rule.value, f.ref or ""))
    return CheckResult(
        findings,
        dict(sorted(by_class.items())),
        levels,
        len(pg.components),
        pg.root,
        stage_shares if stage_shares else None,
    )


_Where = tuple[str, Mapping[str, Any], Provenance, Level, list[list[str]]]


def _exempted(
    raised: list[tuple[Rule, str]], policy: Policy, today: dt.date, critical: bool, where: _Where
) -> list[Finding]:
    """The findings of one component, each with the exemption covering it; an expired
    exemption that would have covered one is itself a finding (once per component)."""
    ref, comp, prov, _, _ = where
    out: list[Finding] = []
    expired_reported: set[int] = set()
    for rule, message in raised:
        exemption = None
        for ex in policy.exemptions:
            if not ex.covers(rule) or not ex.matches(ref, comp, prov):
                continue
            if ex.expires is not None and ex.expires < today:
                if ex.index not in expired_reported:
                    expired_reported.add(ex.index)
                    out.append(
                        _finding(
                            Rule.EXPIRED_EXEMPTION,
                            policy.severity(Rule.EXPIRED_EXEMPTION, critical),
                            f"{ex.describe()} expired on {ex.expires.isoformat()}"
                            f" (approved by {ex.approved_by}: {ex.reason})",
                            where,
                        )
                    )
                continue
            exemption = ex
            break
        f = _finding(rule, policy.severity(rule, critical), message, where)
        f.exempted_by = exemption
        out.append(f)
    return out


def _finding(rule: Rule, severity: Severity, message: str, where: _Where) -> Finding:
    ref, comp, prov, level, paths = where
    purl = comp.get("purl")
    return Finding(
        rule,
        severity,
        message,
        ref=ref,
        name=label(comp, ref),
        type=str(comp.get("type") or ""),
        cls=prov.cls,
        purl=purl if isinstance(purl, str) else None,
        part_number=prov.part_number,
        serial=prov.serial,
        countries=prov.countries(),
        level=level,
        paths=paths,
    )
