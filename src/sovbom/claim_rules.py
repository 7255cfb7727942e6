"""An origin claim's conditions on a checked BOM: only the rules a claim reads.

A claim is a policy (:meth:`sovbom.claims.Claim.policy`), and its conditions read four of that
policy's rules (:data:`CLAIM_RULES`) and the domestic share per stage. ``check --claim`` has
already built the graph and the verification context for its own policy;
:func:`sovbom.checking.claim_check` applies the claim's policy to them with those four rules only, through the same rule functions
as :func:`sovbom.policy.evaluate` (the rule table's ``component`` checks, on the same
:class:`~sovbom.policy.rules.Subject`), with findings in the same order. The answer is that of
``sovbom claim`` (which evaluates the whole policy); the tests hold the two equal. Skipping the
rules a claim does not read (origin findings for every part, shares by class) keeps a claim
within a fraction of a check's time on a large BOM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sovbom.policy.rules import RULES, Level, Rule, Subject

if TYPE_CHECKING:
    from sovbom.graph import ProvenanceGraph
    from sovbom.policy import CheckResult, Policy, VerificationContext

#: The rules whose findings a claim's conditions read (:func:`sovbom.claims.evaluate_claim`).
CLAIM_RULES = frozenset(
    {
        Rule.STAGE_ORIGIN,
        Rule.TRACEABILITY_CHAIN,
        Rule.DENIED_COUNTRY,
        Rule.INSUFFICIENT_VERIFICATION,
    }
)


def claim_rules_result(
    pg: ProvenanceGraph, policy: Policy, context: VerificationContext
) -> CheckResult:
    """The findings of :data:`CLAIM_RULES` (one path each: a claim's reasons show one) and the
    domestic share per stage, as :func:`sovbom.policy.evaluate` gives them for ``policy``."""
    from sovbom.origins import StageShares, requirements_for
    from sovbom.policy import CheckResult, Finding
    from sovbom.policy.judge import effective_country

    # the stage rules only concern the parts the stage table names (a lookup decides it), the
    # others every part
    staged = {Rule.STAGE_ORIGIN, Rule.TRACEABILITY_CHAIN}
    picked = [(s.rule, s.component) for s in RULES if s.rule in CLAIM_RULES and s.component]
    always = [(rule, check) for rule, check in picked if rule not in staged]
    table = policy.stages
    subject = Subject(policy.domestic, policy.approved, policy.denied, policy.require_origin)
    subject.stages = policy.stages
    subject.graph = pg
    base = Level.ATTESTED if context.attested_by & set(policy.attestation_roles) else Level.DECLARED
    terms: dict[tuple[str, str | None], tuple[bool, Level]] = {}
    shares = StageShares(policy.domestic)
    findings: list[Finding] = []
    for ref, comp in pg.components.items():
        prov = pg.provenance(ref)
        ctype = str(comp.get("type") or "library")
        key = (ctype, prov.cls)
        term = terms.get(key)
        if term is None:
            critical = policy.is_critical(ctype, prov.cls)
            term = terms[key] = (critical, policy.required_level(ctype, prov.cls, critical))
        if prov.production:
            shares.add(prov)
        if ref in context.hardware:
            subject.level = Level.HARDWARE_VERIFIED
        else:
            subject.level = Level.VERIFIED if ref in context.verified else base
        subject.needed = term[1]
        subject.shortfall = context.hardware_failures.get(ref)
        subject.prov, subject.ref = prov, ref
        subject.country, subject.basis = effective_country(prov)
        checks = always
        if table and requirements_for(table, ref, prov):
            checks = picked
        for rule, check in checks:
            message = check(subject)
            if message is None:
                continue
            routes = pg.parent_routes(ref, limit=1) if pg.root else []
            findings.append(
                Finding(rule, policy.severity(rule, term[0]), message, ref=ref, routes=routes)
            )
    findings.sort(key=lambda f: (-int(f.severity), f.rule.value, f.ref or ""))
    return CheckResult(findings, {}, {}, len(pg.components), pg.root, shares if shares else None)


__all__ = ["CLAIM_RULES", "claim_rules_result"]
