"""What the policy says about each component, for the picture and the component table.

A component is domestic, approved, other, denied, unknown or out of the origin scope; it is
*flagged* when a counting finding of medium severity or worse names it, and *unverified* when its
verification level is below what the policy requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sovbom.graph import ProvenanceGraph
from sovbom.policy import Finding, Policy, Rule, Severity, effective_country

STATUSES = ("domestic", "approved", "other", "denied", "unknown", "out-of-scope")
STATUS_HELP = {
    "domestic": "domestic country",
    "approved": "approved, not domestic",
    "other": "neither domestic nor approved",
    "denied": "tied to a denied country",
    "unknown": "origin unknown",
    "out-of-scope": "country rules do not apply",
}


@dataclass(slots=True)
class Status:
    """What the picture and the table say about each component."""

    status: dict[str, str]
    country: dict[str, str]
    findings: dict[str, list[Finding]]
    unverified: set[str]

    def flagged(self, ref: str) -> bool:
        """A counting finding of medium severity or worse (low ones are notes: approved countries)."""
        return any(f.counts and f.severity >= Severity.MEDIUM for f in self.findings.get(ref, ()))


def statuses(pg: ProvenanceGraph, policy: Policy, findings: Sequence[Finding]) -> Status:
    by_ref: dict[str, list[Finding]] = {}
    unverified: set[str] = set()
    for f in findings:
        if f.ref is None:
            continue
        by_ref.setdefault(f.ref, []).append(f)
        if f.rule is Rule.INSUFFICIENT_VERIFICATION and f.counts:
            unverified.add(f.ref)
    status: dict[str, str] = {}
    country: dict[str, str] = {}
    # every component is visited: the policy's sets in locals, each country's words made once
    denied, domestic, approved = policy.denied, policy.domestic, policy.approved
    scoped = policy.origin_scope is not None
    judged: dict[tuple[str | None, str], str] = {}
    provenance, root = pg.provenance, pg.root
    for ref, comp in pg.components.items():
        prov = provenance(ref)
        c, basis = found = effective_country(prov)
        text = judged.get(found)
        if text is None:
            text = judged[found] = f"{c} ({basis})" if c else ""
        country[ref] = text
        if denied and not denied.isdisjoint(prov.countries()):
            status[ref] = "denied"
        elif (scoped and not policy.in_origin_scope(str(comp.get("type") or ""), prov.cls)
              and ref != root):  # fmt: skip
            status[ref] = "out-of-scope"
        elif c is None:
            status[ref] = "unknown"
        elif c in domestic:
            status[ref] = "domestic"
        elif c in approved:
            status[ref] = "approved"
        else:
            status[ref] = "other"
    return Status(status, country, by_ref, unverified)
