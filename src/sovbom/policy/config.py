"""A provenance policy: which countries are domestic, approved or denied, which components are
critical, what verification each needs, severity overrides and exemptions.

Loaded from YAML or JSON (``schemas/policy.schema.json``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom.errors import InputError
from sovbom.model import Provenance
from sovbom.policy.rules import SPECS, Level, Rule, Severity

SCHEMA = "policy.schema.json"


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
                from sovbom.companies import same_company

                names = (prov.supplier, prov.manufacturer)
                if not any(same_company(pattern, n) for n in names if n):
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

    def matcher(self) -> Callable[[str, Mapping[str, Any], Provenance], bool]:
        """:meth:`matches` as a function, its pattern compiled: what a run calls per component."""
        if len(self.match) != 1:
            return self.matches
        ((key, pattern),) = self.match.items()
        if key == "supplier":
            return self.matches
        match = _glob(pattern).match
        if key == "purl":

            def by_purl(ref: str, component: Mapping[str, Any], prov: Provenance) -> bool:
                value = component.get("purl")
                return isinstance(value, str) and match(value) is not None

            return by_purl
        if key == "part_number":
            return lambda ref, component, prov: (
                prov.part_number is not None and match(prov.part_number) is not None
            )
        return lambda ref, component, prov: match(ref) is not None

    def purl_match(self) -> Callable[[str], object] | None:
        """The compiled pattern's ``match`` when the exemption matches on a purl alone (then a
        run tests a component's purl without calling :meth:`matcher`), else None."""
        if len(self.match) != 1 or "purl" not in self.match:
            return None
        return _glob(self.match["purl"]).match

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
    #: class or bom-ref -> {stage: domestic | approved | not-denied}
    stages: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "<policy>"
    sha256: str | None = None

    def severity(self, rule: Rule, critical: bool) -> Severity:
        """The policy's override for ``rule``, else its default (one step up when critical)."""
        override = self.severities.get(rule)
        if override is not None:
            return override
        return SPECS[rule].severity(critical)

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


def _exemptions(raw: Mapping[str, Any], source: str) -> list[Exemption]:
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
    return exemptions


def policy_from_dict(raw: Mapping[str, Any], source: str = "<policy>") -> Policy:
    """A policy from its (schema-valid) parsed form."""
    verification = raw.get("verification") or {}
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
        exemptions=_exemptions(raw, source),
        delivery=dict(raw.get("delivery") or {}),
        stages={k: dict(v) for k, v in (raw.get("stages") or {}).items()},
        source=source,
    )


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file (YAML or JSON)."""
    # imported here: ``sovbom.policy`` is imported for its enumerations by every command line
    from sovbom._io import display_name, parse_json, parse_yaml, read_bytes
    from sovbom.project_schemas import check_against

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
