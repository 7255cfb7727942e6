"""From hardware identity results to verification levels: which factory parts proved who they are.

A part of the checked (factory) BOM is *hardware-verified* when an observed part's identity
result is ``verified``: its chain leads to a configured anchor, its measurement transcript is
signed by the device key, and its device identity is the one the factory recorded for that
part. :func:`hardware_levels` gives the basis of each such part (anchor vendor, device id, SPDM
version, signature algorithm, revocation) and, for the parts that did not prove it, why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sovbom.identity.anchors import TrustStore
from sovbom.identity.chain import ChainValidator
from sovbom.identity.reasons import EXPLANATIONS, ComponentResult, Revocation, Status
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
    files: Mapping[str, bytes] | None = None,
    fallback: datetime | None = None,
    validator: ChainValidator | None = None,
) -> HardwareReport:
    """The hardware identity step for a checked BOM: the evidence of the ``observed`` HBOM
    (or, without one, the evidence the BOM itself carries) against the identities the BOM
    records (``files``, ``fallback``, ``validator``: as :func:`verify_hardware` takes them)."""
    evidence = bom if observed is None else observed
    return verify_hardware(
        evidence,
        roots,
        as_of=as_of,
        expected=bom,
        base_dir=base_dir,
        files=files,
        fallback=fallback,
        validator=validator,
    )


#: how a report says each revocation status (never "good" without captured answers)
REVOCATION_TEXT = {
    Revocation.GOOD: "revocation checked: good",
    Revocation.REVOKED: "revoked",
    Revocation.NOT_CHECKED: "revocation not checked",
}
NONCE_TEXT = {
    "matched": "fresh nonce matched",
    "not-sent": "no nonce sent (freshness not proved)",
    "mismatch": "nonce mismatch",
}


@dataclass(frozen=True, slots=True)
class PartIdentity:
    """One part of a checked BOM as reports show it: did it prove its hardware identity, on
    what basis (root, measurements, nonce, revocation), and if not, why (named reasons)."""

    ref: str  # the checked BOM's bom-ref (the observed part's when nothing was paired)
    name: str
    proved: bool
    status: str  # verified | unbound | failed | no-evidence
    root: str | None = None  # vendor of the configured root the chain leads to
    root_subject: str | None = None
    root_sha256: str | None = None
    device_id: str | None = None
    spdm_version: str | None = None
    signature_algorithm: str | None = None
    measurements_verified: tuple[str, ...] = ()
    nonce: str | None = None
    revocation: str = Revocation.NOT_CHECKED.value
    reasons: tuple[tuple[str, str], ...] = ()  # (reason, detail)

    @property
    def measurement_text(self) -> str:
        if self.measurements_verified:
            return "measurements verified (" + ", ".join(self.measurements_verified) + ")"
        return "no expected measurement recorded"

    def basis(self) -> str:
        """The basis of a proved identity, in one line."""
        parts = [f"chain to {self.root or 'a configured'} root"]
        if self.root_subject:
            parts[0] += f" ({self.root_subject})"
        if self.device_id:
            parts.append(f"device {self.device_id}")
        if self.spdm_version:
            parts.append(f"SPDM {self.spdm_version} {self.signature_algorithm or ''}".rstrip())
        parts.append(self.measurement_text)
        parts.append(NONCE_TEXT.get(self.nonce or "", "no transcript nonce"))
        parts.append(REVOCATION_TEXT[Revocation(self.revocation)])
        return ", ".join(parts)

    def why_not(self) -> str:
        """Why the identity was not proved: the named reasons."""
        if not self.reasons:
            return "genuine device, but the BOM records no identity to bind it to"
        return "; ".join(f"{r}: {d}" if d else r for r, d in self.reasons)

    def summary(self) -> str:
        return self.basis() if self.proved else self.why_not()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "bom-ref": self.ref,
            "name": self.name,
            "proved": self.proved,
            "status": self.status,
            "revocation": self.revocation,
            "measurements_verified": list(self.measurements_verified),
            "reasons": [{"reason": r, "detail": d} for r, d in self.reasons],
        }
        optional = {
            "root": self.root,
            "root_subject": self.root_subject,
            "root_sha256": self.root_sha256,
            "device_id": self.device_id,
            "spdm_version": self.spdm_version,
            "signature_algorithm": self.signature_algorithm,
            "nonce": self.nonce,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        out["basis" if self.proved else "why_not"] = self.summary()
        return out


def identity_view(report: HardwareReport) -> list[PartIdentity]:
    """Every part the hardware identity step has something to say about, by the checked BOM's
    bom-ref (a verified part first wins its ref), sorted by ref."""
    out: dict[str, PartIdentity] = {}
    for key in sorted(report.results):
        r = report.results[key]
        if r.status is Status.NO_EVIDENCE and not r.findings:
            continue
        ref = r.expected_ref or r.paired_ref or r.ref
        view = PartIdentity(
            ref=ref,
            name=r.name,
            proved=r.status is Status.VERIFIED and r.expected_ref is not None,
            status=r.status.value,
            root=r.anchor,
            root_subject=r.anchor_subject,
            root_sha256=r.anchor_sha256,
            device_id=r.device_id,
            spdm_version=r.spdm_version,
            signature_algorithm=r.signature_algorithm,
            measurements_verified=tuple(r.measurements_verified),
            nonce=r.nonce,
            revocation=r.revocation.value,
            reasons=tuple((f.reason.value, f.detail or EXPLANATIONS[f.reason]) for f in r.findings),
        )
        if ref not in out or (view.proved and not out[ref].proved):
            out[ref] = view
    return [out[k] for k in sorted(out)]
