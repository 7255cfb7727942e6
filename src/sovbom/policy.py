"""Provenance policy: which components are domestic, approved, denied or unverified, and how bad that is.

A :class:`Policy` is loaded from YAML or JSON (``schemas/policy.schema.json``) and evaluated
against a :class:`~sovbom.graph.ProvenanceGraph` with a :class:`VerificationContext` (what was
signed and what was independently corroborated). The result is a list of :class:`Finding` and a
summary of domestic shares.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from sovbom._io import display_name, parse_json, parse_yaml, read_bytes
from sovbom.errors import InputError
from sovbom.graph import ProvenanceGraph, label
from sovbom.model import Provenance
from sovbom.project_schemas import check_against

SCHEMA = "policy.schema.json"


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls[value.upper()]


class Level(IntEnum):
    """Verification levels, in order."""

    DECLARED = 0
    ATTESTED = 1
    VERIFIED = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        return cls[value.upper()]


#: ``--fail-on never``: report only, no finding fails the run.
FAIL_NEVER = "never"


def fail_threshold(label: str) -> Severity | None:
    """The severity a ``--fail-on`` label fails at; None for :data:`FAIL_NEVER` (report only)."""
    return None if label == FAIL_NEVER else Severity.parse(label)


def fail_on_text(label: str) -> str:
    """How a report states its ``--fail-on`` threshold."""
    return "report only: --fail-on never" if label == FAIL_NEVER else f"fails on {label} and above"


_LEVEL_LABELS = {lvl: lvl.name.lower() for lvl in Level}
_SEVERITY_LABELS = {sev: sev.name.lower() for sev in Severity}


class Rule(StrEnum):
    NON_DOMESTIC = "non-domestic"
    NON_DOMESTIC_APPROVED = "non-domestic-approved"
    DENIED_COUNTRY = "denied-country"
    UNKNOWN_ORIGIN = "unknown-origin"
    INSUFFICIENT_VERIFICATION = "insufficient-verification"
    EXPIRED_EXEMPTION = "expired-exemption"
    INTEGRITY = "integrity"


RULE_HELP: dict[Rule, str] = {
    Rule.NON_DOMESTIC: "The component comes from a country that is neither domestic nor approved.",
    Rule.NON_DOMESTIC_APPROVED: "The component comes from an approved, but not domestic, country.",
    Rule.DENIED_COUNTRY: "The component is tied to a denied country (origin, maker, supplier or a production step).",
    Rule.UNKNOWN_ORIGIN: "Nobody states where the component comes from.",
    Rule.INSUFFICIENT_VERIFICATION: "The component's verification level is below what the policy requires.",
    Rule.EXPIRED_EXEMPTION: "An exemption that would cover the component has expired.",
    Rule.INTEGRITY: "The BOM's graph is inconsistent (dangling reference, cycle, unreachable part, duplicate bom-ref).",
}

_DEFAULT_SEVERITY: dict[Rule, Severity] = {
    Rule.NON_DOMESTIC: Severity.MEDIUM,  # high for critical components
    Rule.NON_DOMESTIC_APPROVED: Severity.LOW,
    Rule.DENIED_COUNTRY: Severity.HIGH,  # critical for critical components
    Rule.UNKNOWN_ORIGIN: Severity.MEDIUM,  # high for critical components
    Rule.INSUFFICIENT_VERIFICATION: Severity.MEDIUM,  # high for critical components
    Rule.EXPIRED_EXEMPTION: Severity.MEDIUM,
    Rule.INTEGRITY: Severity.HIGH,
}
#: A broken reference makes the graph wrong; a dependency cycle is common among OS packages
#: (libc6 and libgcc-s1 need each other on Debian) and is reported, not alarmed on.
_INTEGRITY_SEVERITY = {
    "dangling-reference": Severity.HIGH,
    "duplicate-bom-ref": Severity.HIGH,
    "unreachable": Severity.MEDIUM,
    "no-root": Severity.MEDIUM,
    "cycle": Severity.LOW,
}
_RAISED_WHEN_CRITICAL = {
    Rule.NON_DOMESTIC,
    Rule.DENIED_COUNTRY,
    Rule.UNKNOWN_ORIGIN,
    Rule.INSUFFICIENT_VERIFICATION,
}


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    """A ``*`` wildcard pattern, compiled once (fnmatch semantics, case-sensitive)."""
    return re.compile(fnmatch.translate(pattern))


@dataclass(frozen=True, slots=True)
class Exemption:
    match: Mapping[str, str]
    reason: str
    approved_by: str
    expires: dt.date | None
    rules: frozenset[str] | None
    index: int

    def matches(self, ref: str, component: Mapping[str, Any], prov: Provenance) -> bool:
        for key, pattern in self.match.items():
            if key == "supplier":
                names = {n.casefold() for n in (prov.supplier, prov.manufacturer) if n}
                if pattern.casefold() not in names:
                    return False
                continue
            if key == "purl":
                value = component.get("purl")
            elif key == "part_number":
                value = prov.part_number
            else:  # bom_ref
                value = ref
            if not isinstance(value, str) or _glob(pattern).match(value) is None:
                return False
        return True

    def covers(self, rule: Rule) -> bool:
        return self.rules is None or rule.value in self.rules

    def describe(self) -> str:
        what = ", ".join(f"{k}={v}" for k, v in self.match.items())
        return f"exemption #{self.index + 1} ({what})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "match": dict(self.match),
            "reason": self.reason,
            "approved_by": self.approved_by,
        }
        if self.expires:
            out["expires"] = self.expires.isoformat()
        return out


@dataclass(slots=True)
class Policy:
    domestic: frozenset[str]
    approved: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()
    critical: frozenset[str] = frozenset({"firmware", "device"})
    require_origin: bool = True
    origin_scope: frozenset[str] | None = None
    critical_level: Level = Level.VERIFIED
    default_level: Level = Level.DECLARED
    class_levels: dict[str, Level] = field(default_factory=dict)
    attestation_roles: tuple[str, ...] = ("manufacturer",)
    severities: dict[Rule, Severity] = field(default_factory=dict)
    exemptions: list[Exemption] = field(default_factory=list)
    delivery: dict[str, Any] = field(default_factory=dict)
    source: str = "<policy>"
    sha256: str | None = None

    def severity(self, rule: Rule, critical: bool) -> Severity:
        if rule in self.severities:
            return self.severities[rule]
        base = _DEFAULT_SEVERITY[rule]
        if critical and rule in _RAISED_WHEN_CRITICAL:
            return Severity(min(base + 1, Severity.CRITICAL))
        return base

    def is_critical(self, ctype: str, cls: str | None) -> bool:
        return ctype in self.critical or (cls is not None and cls in self.critical)

    def in_origin_scope(self, ctype: str, cls: str | None) -> bool:
        if self.origin_scope is None:
            return True
        return ctype in self.origin_scope or (cls is not None and cls in self.origin_scope)

    def required_level(self, ctype: str, cls: str | None, critical: bool) -> Level:
        if cls is not None and cls in self.class_levels:
            return self.class_levels[cls]
        if ctype in self.class_levels:
            return self.class_levels[ctype]
        return self.critical_level if critical else self.default_level


def policy_from_dict(raw: Mapping[str, Any], source: str = "<policy>") -> Policy:
    """A policy from its (schema-valid) parsed form."""
    verification = raw.get("verification") or {}
    exemptions = []
    for i, ex in enumerate(raw.get("exemptions") or ()):
        expires = None
        if ex.get("expires"):
            try:
                expires = dt.date.fromisoformat(ex["expires"])
            except ValueError as e:
                raise InputError(
                    f"not a date: {ex['expires']!r}",
                    source=source,
                    location=f"$.exemptions[{i}].expires",
                ) from e
        exemptions.append(
            Exemption(
                match=dict(ex["match"]),
                reason=ex["reason"],
                approved_by=ex["approved_by"],
                expires=expires,
                rules=frozenset(ex["rules"]) if ex.get("rules") else None,
                index=i,
            )
        )
    scope = raw.get("origin_scope")
    return Policy(
        domestic=frozenset(raw["domestic_countries"]),
        approved=frozenset(raw.get("approved_countries") or ()),
        denied=frozenset(raw.get("denied_countries") or ()),
        critical=frozenset(raw.get("critical_types", ("firmware", "device"))),
        require_origin=bool(raw.get("require_origin", True)),
        origin_scope=frozenset(scope) if scope else None,
        critical_level=Level.parse(verification.get("critical", "verified")),
        default_level=Level.parse(verification.get("default", "declared")),
        class_levels={k: Level.parse(v) for k, v in (verification.get("classes") or {}).items()},
        attestation_roles=tuple(verification.get("attestation_roles", ("manufacturer",))),
        severities={Rule(k): Severity.parse(v) for k, v in (raw.get("severities") or {}).items()},
        exemptions=exemptions,
        delivery=dict(raw.get("delivery") or {}),
        source=source,
    )


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file (YAML or JSON)."""
    source = display_name(path)
    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file, expected a sovbom policy", source=source)
    is_json = str(path).lower().endswith(".json") or data.lstrip()[:1] == b"{"
    raw = parse_json(data, source) if is_json else parse_yaml(data, source)
    check_against(
        raw, SCHEMA, source, yaml_data=None if is_json else data, what="not a valid sovbom policy"
    )
    policy = policy_from_dict(raw, source)
    policy.sha256 = hashlib.sha256(data).hexdigest()
    return policy


# ------------------------------------------------------------------------------------ evaluation


@dataclass(slots=True)
class VerificationContext:
    """What vouches for the BOM's components beyond the BOM itself.

    ``attested_by``: signer roles whose signature over the whole BOM verified (empty: unsigned or
    not verified). ``verified``: bom-ref -> reason, for components independently corroborated
    (a sub-BOM signed by its own supplier, a hash matching a signed reference, a serial and
    firmware observed at delivery matching the signed declaration).
    """

    attested_by: frozenset[str] = frozenset()
    signature: dict[str, Any] | None = None
    verified: dict[str, str] = field(default_factory=dict)

    def level(self, ref: str, policy: Policy) -> tuple[Level, str]:
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
            "severity": _SEVERITY_LABELS[self.severity],
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
                component["verification"] = _LEVEL_LABELS[self.level]
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
    by_class: dict[str, ClassShare] = {}

    findings.extend(
        Finding(
            Rule.INTEGRITY,
            policy.severities.get(
                Rule.INTEGRITY, _INTEGRITY_SEVERITY.get(problem.kind, Severity.HIGH)
            ),
            f"{problem.kind}: {problem.message}",
            ref=problem.ref,
            json_path=problem.path,
        )
        for problem in pg.problems
    )

    # per-run constants: the attestation level, and per (type, class) what the policy asks
    attested_roles = context.attested_by & set(policy.attestation_roles)
    base_level = Level.ATTESTED if attested_roles else Level.DECLARED
    verified = context.verified
    counts = [0, 0, 0]
    rules_for: dict[tuple[str, str | None], tuple[bool, bool, Level]] = {}
    domestic, approved, denied_set = policy.domestic, policy.approved, policy.denied

    for ref, comp in pg.components.items():
        prov = pg.provenance(ref)
        ctype = comp.get("type") or "library"
        if not isinstance(ctype, str):
            ctype = str(ctype)
        cls = prov.cls
        key = (ctype, cls)
        known = rules_for.get(key)
        if known is None:
            crit = policy.is_critical(ctype, cls)
            known = rules_for[key] = (
                crit,
                policy.in_origin_scope(ctype, cls),
                policy.required_level(ctype, cls, crit),
            )
        critical, in_scope, needed = known
        level = Level.VERIFIED if ref in verified else base_level
        counts[level] += 1
        raw: list[tuple[Rule, str]] = []

        country, basis = effective_country(prov)
        share = by_class.get(cls or ctype)
        if share is None:
            share = by_class[cls or ctype] = ClassShare()
        share.total += 1
        if country is None:
            share.unknown += 1
        elif country in domestic:
            share.domestic += 1
        elif country in approved:
            share.approved += 1
        else:
            share.other += 1

        if in_scope:
            if denied_set:
                denied = sorted(set(prov.countries()) & denied_set)
                if denied:
                    raw.append((Rule.DENIED_COUNTRY, f"tied to denied country {', '.join(denied)}"))
            if country is None:
                if policy.require_origin:
                    raw.append((Rule.UNKNOWN_ORIGIN, "country of origin unknown"))
            elif country not in domestic and country not in denied_set:
                if country in approved:
                    raw.append(
                        (
                            Rule.NON_DOMESTIC_APPROVED,
                            f"non-domestic ({basis} {country}, approved country)",
                        )
                    )
                else:
                    raw.append(
                        (Rule.NON_DOMESTIC, f"non-domestic ({basis} {country}, not approved)")
                    )

        if level < needed:
            raw.append(
                (
                    Rule.INSUFFICIENT_VERIFICATION,
                    f"verification level {_LEVEL_LABELS[level]}, policy requires {_LEVEL_LABELS[needed]}",
                )
            )
        if not raw:
            continue

        paths = pg.parent_paths(ref, limit=max_paths) if pg.root else []
        expired_reported: set[int] = set()
        for rule, message in raw:
            exemption = None
            for ex in policy.exemptions:
                if not ex.covers(rule) or not ex.matches(ref, comp, prov):
                    continue
                if ex.expires is not None and ex.expires < today:
                    if ex.index not in expired_reported:
                        expired_reported.add(ex.index)
                        findings.append(
                            _finding(
                                Rule.EXPIRED_EXEMPTION,
                                policy.severity(Rule.EXPIRED_EXEMPTION, critical),
                                f"{ex.describe()} expired on {ex.expires.isoformat()}"
                                f" (approved by {ex.approved_by}: {ex.reason})",
                                ref,
                                comp,
                                prov,
                                level,
                                paths,
                            )
                        )
                    continue
                exemption = ex
                break
            f = _finding(
                rule, policy.severity(rule, critical), message, ref, comp, prov, level, paths
            )
            f.exempted_by = exemption
            findings.append(f)

    levels = {lvl.label: counts[lvl] for lvl in Level}
    findings.sort(key=lambda f: (-int(f.severity), f.rule.value, f.ref or ""))
    return CheckResult(
        findings, dict(sorted(by_class.items())), levels, len(pg.components), pg.root
    )


def _finding(
    rule: Rule,
    severity: Severity,
    message: str,
    ref: str,
    comp: Mapping[str, Any],
    prov: Provenance,
    level: Level,
    paths: list[list[str]],
) -> Finding:
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


def severities() -> Iterable[str]:
    return [s.label for s in Severity]
