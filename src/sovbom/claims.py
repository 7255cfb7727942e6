"""Origin claims: a claim definition ("Made in Japan (sovereign server programme)") evaluated on a
server BOM, condition by condition, with the reasons a condition fails.

A claim (``schemas/claim.schema.json``) names its country and its conditions: stages that must be
performed domestically (or in approved countries, or not in denied ones), a complete traceability
chain for them, a minimum domestic share by declared cost, no tie to a denied country, and a
minimum verification level for critical parts. It is evaluated by the same check as ``sovbom
check`` (the claim becomes a policy), so a regulator re-evaluating it offline gets the same
answer. The result (``schemas/claim-result.schema.json``) can be signed as an in-toto statement
(predicate type :data:`sovbom.taxonomy.CLAIM_RESULT_PREDICATE_TYPE`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom.errors import InputError
from sovbom.taxonomy import CLAIM_RESULT_PREDICATE_TYPE

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.policy import Finding, Policy

SCHEMA = "claim.schema.json"
RESULT_SCHEMA = "claim-result.schema.json"
RESULT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Claim:
    name: str
    country: str
    approved: frozenset[str]
    denied: frozenset[str]
    stages: Mapping[str, Mapping[str, str]]
    min_domestic_value_share: float | None
    critical: frozenset[str]
    critical_level: str
    source: str = "<claim>"
    sha256: str | None = None

    def policy(self) -> Policy:
        """The claim as a policy: the one check ``sovbom check`` runs decides each condition."""
        from sovbom.policy import policy_from_dict

        return policy_from_dict(
            {
                "domestic_countries": [self.country],
                "approved_countries": sorted(self.approved),
                "denied_countries": sorted(self.denied),
                "critical_types": sorted(self.critical),
                "require_origin": False,
                "verification": {"critical": self.critical_level, "default": "declared"},
                "stages": {k: dict(v) for k, v in self.stages.items()},
            },
            self.source,
        )


def claim_from_dict(raw: Mapping[str, Any], source: str = "<claim>") -> Claim:
    c = raw["conditions"]
    return Claim(
        name=raw["name"],
        country=raw["country"],
        approved=frozenset(raw.get("approved_countries") or ()),
        denied=frozenset(raw.get("denied_countries") or ()),
        stages={k: dict(v) for k, v in (c.get("stages") or {}).items()},
        min_domestic_value_share=c.get("min_domestic_value_share"),
        critical=frozenset(c.get("critical") or ("device", "firmware")),
        critical_level=c.get("critical_level", "attested"),
        source=source,
    )


def load_claim(path: str | os.PathLike[str]) -> Claim:
    """Read and validate a claim definition (YAML or JSON)."""
    from sovbom._io import display_name, read_bytes

    return claim_from_bytes(read_bytes(path), display_name(path))


def claim_from_bytes(data: bytes, source: str) -> Claim:
    """A claim definition read from bytes (a file, or a member of an evidence pack)."""
    from sovbom._io import parse_json, parse_yaml
    from sovbom.project_schemas import check_against

    if not data.strip():
        raise InputError("empty file, expected a sovbom claim", source=source)
    is_json = source.lower().endswith(".json") or data.lstrip()[:1] == b"{"
    raw = parse_json(data, source) if is_json else parse_yaml(data, source)
    check_against(
        raw, SCHEMA, source, yaml_data=None if is_json else data, what="not a valid sovbom claim"
    )
    claim = claim_from_dict(raw, source)
    return dataclasses.replace(claim, sha256=hashlib.sha256(data).hexdigest())


@dataclass(slots=True)
class Condition:
    id: str
    description: str
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "holds": self.holds,
            "reasons": self.reasons,
        }


def _reason(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"message": f.message}
    if f.ref is not None:
        out["bom-ref"] = f.ref
    if f.paths:
        out["path"] = f.paths[0]
    return out


def _from_rule(cond: Condition, report: CheckReport, rule: str) -> Condition:
    cond.reasons = [_reason(f) for f in report.result.findings if f.rule.value == rule]
    return cond


def evaluate_claim(claim: Claim, report: CheckReport) -> list[Condition]:
    """Each condition of ``claim`` on a check of the BOM made with :meth:`Claim.policy`."""
    conditions: list[Condition] = []
    if claim.stages:
        wanted = "; ".join(
            f"{who}: " + ", ".join(f"{s} {need}" for s, need in stages.items())
            for who, stages in claim.stages.items()
        )
        conditions.append(
            _from_rule(
                Condition("stages", f"stages performed as required ({wanted})"),
                report,
                "stage-origin",
            )
        )
        conditions.append(
            _from_rule(
                Condition("traceability", "a complete traceability chain for those stages"),
                report,
                "traceability-chain",
            )
        )
    if claim.min_domestic_value_share is not None:
        need = claim.min_domestic_value_share
        cond = Condition("domestic-value", f"at least {need:.0%} domestic value (declared cost)")
        shares = report.result.stages
        got = shares.total.to_dict()["domestic_value_share"] if shares else None
        if got is None:
            cond.reasons.append({"message": "no stage declares a cost"})
        elif got < need:
            cond.reasons.append({"message": f"domestic value share {got:.1%}, below {need:.0%}"})
        conditions.append(cond)
    conditions.append(
        _from_rule(Condition("no-denied", "no tie to a denied country"), report, "denied-country")
    )
    conditions.append(
        _from_rule(
            Condition("critical-level", f"every critical part at least {claim.critical_level}"),
            report,
            "insufficient-verification",
        )
    )
    return conditions


def claim_result(claim: Claim, report: CheckReport, conditions: list[Condition]) -> dict[str, Any]:
    """The claim result document (``schemas/claim-result.schema.json``)."""
    from sovbom import __version__

    shares = report.result.stages
    return {
        "sovbom_claim_result": RESULT_VERSION,
        "tool": {"name": "sovbom", "version": __version__},
        "claim": {
            "name": claim.name,
            "country": claim.country,
            "source": claim.source,
            "sha256": claim.sha256,
        },
        "bom": {
            "source": report.bom_source,
            "sha256": report.bom_sha256,
            "serialNumber": report.bom_serial,
        },
        "as_of": report.as_of,
        "signature": report.signature,
        "holds": all(c.holds for c in conditions),
        "conditions": [c.to_dict() for c in conditions],
        "by_stage": shares.to_dict() if shares else None,
    }


def reason_text(reason: Mapping[str, Any]) -> str:
    """One reason of a failing condition, with the path from the server root when it has one."""
    path = reason.get("path")
    where = f" (path {' > '.join(path)})" if isinstance(path, list) and path else ""
    return f"{reason.get('message')}{where}"


#: Reasons shown per condition in the table, markdown and HTML reports (the JSON has them all).
SHOWN_REASONS = 5


def condition_rows(result: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Each condition of a claim result as (id, ``holds`` | ``fails``, what it requires and, when
    it fails, why), for the reports."""
    rows = []
    for c in result.get("conditions") or ():
        text = str(c.get("description"))
        reasons = list(c.get("reasons") or ())
        if reasons:
            shown = "; ".join(reason_text(r) for r in reasons[:SHOWN_REASONS])
            more = (
                f" (and {len(reasons) - SHOWN_REASONS} more)"
                if len(reasons) > SHOWN_REASONS
                else ""
            )
            text += f": {shown}{more}"
        rows.append((str(c.get("id")), "holds" if c.get("holds") else "fails", text))
    return rows


def claim_title(result: Mapping[str, Any]) -> str:
    """``Origin claim 'NAME' (JP): holds`` / ``... does not hold``."""
    claim = result.get("claim") or {}
    verdict = "holds" if result.get("holds") else "does not hold"
    return f"Origin claim {claim.get('name')!r} ({claim.get('country')}): {verdict}"


__all__ = [
    "claim_title",
    "condition_rows",
    "reason_text",
    "CLAIM_RESULT_PREDICATE_TYPE",
    "RESULT_SCHEMA",
    "SCHEMA",
    "Claim",
    "Condition",
    "claim_from_bytes",
    "claim_from_dict",
    "claim_result",
    "evaluate_claim",
    "load_claim",
]
