"""One server's delivery: its signature verdict, the comparison, and the policy check.

The policy check of the expected HBOM is :func:`sovbom.checking.check_bom`, the check every
command runs, with the signature's verdict and, as *verified*, the components the comparison
observed as declared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovbom._io import display_name, read_bytes
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.delivery.compare import compare_parts
from sovbom.delivery.doc_templates import Extracted
from sovbom.delivery.extract import Part, extract
from sovbom.delivery.match import norm_id
from sovbom.delivery.model import (
    Comparison,
    DeliveryResult,
    Fingerprint,
    PartStatus,
    SourceInfo,
)
from sovbom.delivery.tolerances import tolerances_of

if TYPE_CHECKING:
    from sovbom.collect.suppliers import SupplierRegistry
    from sovbom.identity import HardwareReport
    from sovbom.policy import Finding, Policy
    from sovbom.signing import BundleVerifier
    from sovbom.signing import Verdict as SignatureVerdict


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_signature(
    verifier: BundleVerifier, data: bytes, source: str, bundle: Path, *, sha256: str | None = None
) -> SignatureVerdict:
    """Verify the expected HBOM's bundle with a reused :class:`sovbom.signing.BundleVerifier`.

    The verdict is not ``ok`` (with a reason) when it does not verify, or when there is no
    bundle: the HBOM is then unsigned; a malformed bundle raises
    :class:`~sovbom.errors.InputError`. ``sha256``: the digest of ``data`` when known.
    """
    from sovbom import signing

    if not bundle.exists():
        return signing.Verdict(
            file=source,
            bundle=str(bundle),
            ok=False,
            status=signing.Status.FAILED,
            reason=f"not signed: no Sigstore bundle at {bundle}",
            sha256=sha256 or sha256_hex(data),
            trust_root=verifier.trust.info,
        )
    return verifier.verify_bytes(
        data, read_bytes(bundle), name=source, bundle_name=display_name(bundle), sha256=sha256
    )


def _loaded(doc: Mapping[str, Any], source: str) -> LoadedBom:
    """An observed HBOM as the check reads it (collected documents have no bytes)."""
    version = doc.get("specVersion")
    return LoadedBom(
        doc=dict(doc),
        spec_version=version if isinstance(version, str) else "1.6",
        source=source,
        format="json",
        raw=b"",
    )


def unexpected_findings(
    observed_doc: Mapping[str, Any],
    comparison: Comparison,
    policy: Policy,
    today: dt.date,
    *,
    source: str = "observed",
) -> list[Finding]:
    """Policy findings on parts found but not declared (and the firmware they carry).

    The observed HBOM is checked as ``sovbom check`` checks an unsigned BOM (it is not schema
    validated: a collection's output is sovbom's own), and only findings on unexpected parts and
    what they hold are kept.
    """
    refs = {p.found_ref for p in comparison.parts if p.status is PartStatus.UNEXPECTED}
    if not refs:
        return []
    from sovbom.checking import check_bom

    report = check_bom(
        _loaded(observed_doc, source), policy, as_of=today, fail_on="info", validate=False
    )
    successors = report.graph.graph.successors
    wanted = set(refs)
    for ref in refs:
        if ref is not None:
            wanted.update(successors(ref))
    return [f for f in report.result.findings if f.ref in wanted]


def fingerprint(
    expected: LoadedBom,
    root: Part | None,
    parts: Sequence[Part],
    observed_sha256: str | None,
    expected_sha256: str | None = None,
) -> Fingerprint:
    """What must be unique to this server within a shipment: its HBOM, inventory and serials.

    ``expected_sha256``: the digest of ``expected.raw`` when already known."""
    serials: dict[str, str] = {}
    if root is not None and root.serial:
        serials[norm_id(root.serial)] = f"server serial {root.serial}"
    for p in parts:
        serial = p.serial
        if serial:
            key = "".join(serial.split()).casefold()  # norm_id, inlined (a shipment has millions)
            if key not in serials:
                where = p.slot or p.bus
                serials[key] = (
                    f"serial {serial} of {p.name} at {where}"
                    if where
                    else f"serial {serial} of {p.name}"
                )
    return Fingerprint(expected_sha256 or sha256_hex(expected.raw), observed_sha256, serials)


def _result(
    server: str,
    expected: LoadedBom,
    signature: SignatureVerdict | None,
    observed: SourceInfo | None,
    policy: Policy | None,
    fail_on: str,
    expected_sha256: str | None = None,
) -> DeliveryResult:
    """A server's result before any comparison: what was read, the signature's verdict."""
    serial = expected.doc.get("serialNumber")
    digest = expected_sha256 or sha256_hex(expected.raw)
    result = DeliveryResult(
        server=server,
        expected=SourceInfo(expected.source, digest, serial if isinstance(serial, str) else None),
        observed=observed,
        signature=signature.to_dict() if signature is not None else None,
        signature_ok=bool(signature is not None and signature.ok),
        signature_reason=None if signature is None or signature.ok else signature.reason,
        fail_on=fail_on,
        tolerances=dict(policy.delivery) if policy is not None else {},
    )
    if policy is not None:
        result.policy_source = policy.source
        result.policy_sha256 = policy.sha256
    return result


def assess(
    server: str,
    expected: LoadedBom,
    signature: SignatureVerdict | None,
    observed_doc: Mapping[str, Any] | None,
    observed: SourceInfo | None,
    *,
    observed_complete: bool = True,
    observed_notes: Sequence[str] = (),
    policy: Policy | None = None,
    fail_on: str = "high",
    today: dt.date | None = None,
    companies: SupplierRegistry | None = None,
    hardware: HardwareReport | None = None,
    expected_sha256: str | None = None,
    extracted: tuple[tuple[Part | None, list[Part]], Extracted] | None = None,
) -> DeliveryResult:
    """Compare and check one server whose signature was verified (or give its failed verdict).

    ``companies``: the supplier registry telling which manufacturer names are one company (the
    default one when None). Parts found but not observed (and their firmware) are not among the
    components the policy check counts as verified.
    ``hardware``: the hardware identity step's results for the observed parts; with a policy,
    the parts that proved their identity are hardware-verified, and a part the factory bound an
    identity to that does not prove it fails the delivery.
    ``expected_sha256``: the SHA-256 of ``expected.raw`` when the caller computed it already.
    ``extracted``: what :func:`~sovbom.delivery.extract.extract` reads from the expected
    document (the server and its parts) and from the observed one, when read already.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    result = _result(server, expected, signature, observed, policy, fail_on, expected_sha256)
    result.observed_complete = observed_complete
    result.observed_notes = list(observed_notes)
    if signature is None or not signature.ok or observed_doc is None:
        return result
    if extracted is None:
        eroot, eparts, _ = extract(expected.doc)
        extracted = ((eroot, eparts), extract(observed_doc))
    (eroot, eparts), found = extracted
    comparison = compare_parts((eroot, eparts), found, tolerances_of(policy), companies=companies)
    result.comparison = comparison
    result.fingerprint = fingerprint(
        expected,
        eroot,
        eparts,
        observed.sha256 if observed is not None else None,
        result.expected.sha256,
    )
    if hardware is not None:
        from sovbom.identity.levels import bound_failures

        result.identity_failures = [
            f"hardware identity: {ref}: {why}"
            for ref, why in sorted(bound_failures(hardware).items())
        ]
    if policy is not None:
        from sovbom.checking import check_bom

        report = check_bom(
            expected,
            policy,
            as_of=today,
            fail_on=fail_on,
            signature=signature,
            observed=comparison.verified,
            hardware=hardware,
        )
        result.policy = report.result
        result.unexpected_findings = unexpected_findings(
            observed_doc,
            comparison,
            policy,
            today,
            source=observed.source if observed is not None else "observed",
        )
    return result


__all__ = ["assess", "check_signature", "fingerprint", "sha256_hex", "unexpected_findings"]
