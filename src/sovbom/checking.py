"""One check of a server BOM: the path that ``check``, ``pack``, ``inspect`` and ``verify-delivery`` share.

A check is: a parsed BOM (schema-valid), its provenance graph, what vouches for it (the verdict of
its own signature, signed evidence files, parts observed at delivery), the policy evaluated on the
date given, and the :class:`CheckReport` every renderer reads. Commands differ only in where the
inputs come from (files, an evidence pack, a shipment) and how the report is written, so a
regulator's re-check inside ``inspect`` is the same computation as ``sovbom check``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.claims import Claim
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.evidence import EvidenceFile
    from sovbom.graph import ProvenanceGraph
    from sovbom.identity import HardwareReport
    from sovbom.identity.levels import PartIdentity
    from sovbom.policy import CheckResult, Policy, VerificationContext
    from sovbom.signing import TrustOptions, Verdict

#: Provenance paths shown per finding unless a command asks for more.
DEFAULT_MAX_PATHS = 5


@dataclass(slots=True)
class CheckReport:
    """A check's result with what a reader needs to trust it: which BOM, which policy, which signature."""

    result: CheckResult
    graph: ProvenanceGraph
    policy: Policy
    bom_source: str
    bom_sha256: str
    bom_serial: str | None
    policy_sha256: str | None
    as_of: str
    fail_on: str
    signature: dict[str, Any] | None = None
    verified_evidence: dict[str, str] = field(default_factory=dict)
    #: bom-ref -> basis, for the parts that proved their hardware identity
    hardware_verified: dict[str, str] = field(default_factory=dict)
    #: bom-ref -> why the part's hardware identity did not hold
    hardware_failed: dict[str, str] = field(default_factory=dict)
    #: per part, whether it proved its hardware identity and on what basis, or why not (None:
    #: hardware identity was not checked)
    hardware_identity: list[PartIdentity] | None = None
    #: the BOM's bytes, for line numbers in SARIF (optional)
    bom_raw: bytes = b""
    #: the origin claim evaluated with the check (``schemas/claim-result.schema.json``), or None
    claim: dict[str, Any] | None = None

    @property
    def fails(self) -> bool:
        """Whether a finding at or above the report's ``fail_on`` severity counts."""
        from sovbom.policy import fail_threshold

        return self.result.fails(fail_threshold(self.fail_on))

    @property
    def verdict(self) -> str:
        return "fail" if self.fails else "pass"


def ensure_valid(bom: LoadedBom) -> None:
    """Refuse a BOM that is not valid against the official schema of its spec version (exit 4)."""
    from sovbom.cyclonedx.schema import schema_problems

    problems = schema_problems(bom.doc, bom.spec_version, limit=3)
    if problems:
        shown = "; ".join(str(p) for p in problems)
        raise InputError(
            f"not a valid CycloneDX {bom.spec_version} document: {shown}", source=bom.source
        )


def verify_signature(
    bom: LoadedBom, bundle: bytes, bundle_name: str, trust: TrustOptions
) -> Verdict:
    """Verify the BOM's own bundle against the signer policy; fail closed (exit 3).

    ``bundle_name`` (its path, or its name in a pack) names the bundle in messages and in the
    verdict (a check report's ``signature.bundle``)."""
    from sovbom import signing

    return signing.verify_bundle_for_bytes(
        bom.raw,
        bundle,
        trust.signers,
        trust.trust,
        predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
        name=bom.source,
        bundle_name=bundle_name,
    )


def check_bom(
    bom: LoadedBom,
    policy: Policy,
    *,
    as_of: dt.date,
    fail_on: str,
    signature: Verdict | None = None,
    evidence: Sequence[EvidenceFile] = (),
    observed: Mapping[str, str] | None = None,
    hardware: HardwareReport | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    validate: bool = True,
    claim: Claim | None = None,
) -> CheckReport:
    """Check one BOM against ``policy`` as of ``as_of``.

    ``signature`` is the verdict of the BOM's own bundle, already verified (see
    :func:`verify_signature`; a failed verdict is refused here, never counted): its signer's roles
    make components *attested*. ``evidence`` (verified evidence files) and ``observed`` (bom-ref ->
    reason, from a delivery comparison) make components *verified*; ``hardware`` (the hardware
    identity step's results, :func:`sovbom.identity.levels.identity_of_bom`) makes the parts
    whose identity verified *hardware-verified*, and says why the others did not. With ``validate`` the BOM is
    checked against the official schema first (exit 4 when it does not hold). With ``claim`` the
    origin claim is evaluated on the same graph and context (:func:`claim_check`) and its result
    is the report's ``claim``.
    """
    from sovbom.errors import VerificationFailed
    from sovbom.evidence import corroborated
    from sovbom.graph import build_graph
    from sovbom.policy import VerificationContext, evaluate

    if validate:
        ensure_valid(bom)
    if signature is not None and not signature.ok:
        raise VerificationFailed(f"{bom.source}: {signature.reason}")
    graph = build_graph(bom.doc, source=bom.source)
    context = VerificationContext()
    signature_dict = None
    verified: dict[str, str] = {}
    if signature is not None:
        signature_dict = signature.to_dict()
        context.attested_by = frozenset(signature.roles)
        context.signature = signature_dict
        verified = corroborated(bom.doc, evidence)
    elif evidence:
        raise InputError("evidence only counts on a BOM whose own signature was verified")
    context.verified = {**verified, **(observed or {})}
    proved: dict[str, str] = {}
    failed: dict[str, str] = {}
    view = None
    if hardware is not None:
        from sovbom.identity.levels import hardware_levels, identity_view

        proved, failed = hardware_levels(hardware)
        view = identity_view(hardware)
        context.hardware, context.hardware_failures = proved, failed
    result = evaluate(graph, policy, context, today=as_of, max_paths=max_paths)
    serial = bom.doc.get("serialNumber")
    report = CheckReport(
        result=result,
        graph=graph,
        policy=policy,
        bom_source=bom.source,
        bom_sha256=hashlib.sha256(bom.raw).hexdigest(),
        bom_serial=serial if isinstance(serial, str) else None,
        policy_sha256=policy.sha256,
        as_of=as_of.isoformat(),
        fail_on=fail_on,
        signature=signature_dict,
        verified_evidence=verified,
        hardware_verified=proved,
        hardware_failed=failed,
        hardware_identity=view,
        bom_raw=bom.raw,
    )
    if claim is not None:
        report.claim = claim_check(report, claim, context)
    return report


def claim_check(
    report: CheckReport,
    claim: Claim,
    context: VerificationContext,
) -> dict[str, Any]:
    """The result of ``claim`` on a checked BOM: the claim's policy on the check's graph with the
    same verification context (the rules its conditions read, :mod:`sovbom.claim_rules`), as a
    claim result: what ``sovbom claim`` computes."""
    import dataclasses

    from sovbom.claim_rules import claim_rules_result
    from sovbom.claims import claim_result, evaluate_claim

    policy = claim.policy()
    result = claim_rules_result(report.graph, policy, context)
    judged = dataclasses.replace(report, result=result, policy=policy, claim=None)
    return claim_result(claim, judged, evaluate_claim(claim, judged))


__all__ = [
    "DEFAULT_MAX_PATHS",
    "CheckReport",
    "check_bom",
    "claim_check",
    "ensure_valid",
    "verify_signature",
]
