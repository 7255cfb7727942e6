"""From hardware identity results to verification levels: which factory parts proved who they are.

A part of the checked (factory) BOM is *hardware-verified* when an observed part's identity
result is ``verified``: its chain leads to a configured anchor, its measurement transcript is
signed by the device key, and its device identity is the one the factory recorded for that
part. :func:`hardware_levels` gives the basis of each such part (anchor vendor, device id, SPDM
version, signature algorithm, revocation) and, for the parts that did not prove it, why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sovbom.identity.anchors import TrustStore
from sovbom.identity.reasons import ComponentResult, Status
from sovbom.identity.verify import HardwareReport, verify_hardware


def basis(r: ComponentResult) -> str:
    """Why a verified part is hardware-verified, in one line."""
    parts = [f"device identity proved to the {r.anchor or 'configured'} root"]
    if r.device_id:
        parts.append(f"device {r.device_id}")
    if r.spdm_version:
        parts.append(f"SPDM {r.spdm_version}")
    if r.signature_algorithm:
        parts.append(r.signature_algorithm)
    parts.append(f"revocation {r.revocation.value}")
    return ", ".join(parts)


def shortfall(r: ComponentResult) -> str:
    """Why a part's hardware identity did not hold, in one line."""
    reasons = "; ".join(
        f"{f.reason.value}: {f.detail}" if f.detail else f.reason.value for f in r.findings
    )
    return f"hardware identity {r.status.value}" + (f": {reasons}" if reasons else "")


def hardware_levels(report: HardwareReport) -> tuple[dict[str, str], dict[str, str]]:
    """Factory bom-ref -> basis for the parts whose identity verified, and factory bom-ref ->
    why not for the parts whose identity failed or that gave no evidence the factory expects."""
    proved: dict[str, str] = {}
    failed: dict[str, str] = {}
    for ref in sorted(report.results):
        r = report.results[ref]
        if r.status is Status.VERIFIED and r.expected_ref is not None:
            proved[r.expected_ref] = basis(r)
        elif r.status is Status.FAILED or (r.status is Status.NO_EVIDENCE and r.findings):
            failed.setdefault(r.expected_ref or r.paired_ref or r.ref, shortfall(r))
    return proved, {k: v for k, v in failed.items() if k not in proved}


def bound_failures(report: HardwareReport) -> dict[str, str]:
    """Factory bom-ref -> why not, for the parts the factory bound an identity (or expected
    measurements) to that did not prove it: what fails a delivery."""
    return {
        r.expected_ref or r.paired_ref or r.ref: shortfall(r)
        for r in (report.results[k] for k in sorted(report.results))
        if (r.status is Status.FAILED or (r.status is Status.NO_EVIDENCE and r.findings))
        and (r.expected_ref is not None or r.paired_ref is not None)
    }


def identity_of_bom(
    bom: Mapping[str, Any],
    roots: TrustStore,
    *,
    observed: Mapping[str, Any] | None = None,
    base_dir: str | Path | None = None,
    as_of: datetime | None = None,
) -> HardwareReport:
    """The hardware identity step for a checked BOM: the evidence of the ``observed`` HBOM
    (or, without one, the evidence the BOM itself carries) against the identities the BOM
    records."""
    evidence = bom if observed is None else observed
    return verify_hardware(evidence, roots, as_of=as_of, expected=bom, base_dir=base_dir)
