"""The outcome of verifying one file against one Sigstore bundle (:class:`Verdict`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from sovbom.errors import InputError, VerificationFailed
from sovbom.signing.trust import TrustRootInfo


class BundleKind(StrEnum):
    """What a bundle signs: the bytes of a file, or a DSSE envelope (an in-toto statement)."""

    MESSAGE_SIGNATURE = "message-signature"
    DSSE = "dsse"


class Status(StrEnum):
    """A verdict's status."""

    VERIFIED = "verified"
    FAILED = "failed"  # the signature, the identity or the content did not verify (exit 3)
    ERROR = "error"  # the input could not be read or parsed (exit 4)


@dataclass
class Verdict:
    """The outcome of verifying one file against one bundle."""

    file: str
    bundle: str
    ok: bool
    status: Status
    reason: str = ""
    sha256: str | None = None
    identity: str | None = None
    issuer: str | None = None
    roles: list[str] = field(default_factory=list)
    log_index: int | None = None
    integrated_time: str | None = None
    bundle_kind: BundleKind | None = None
    media_type: str | None = None
    predicate_type: str | None = None
    trust_root: TrustRootInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        # shallow (asdict would deep-copy the trust root info of every verdict)
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["roles"] = list(self.roles)
        d["status"] = str(self.status)
        d["bundle_kind"] = str(self.bundle_kind) if self.bundle_kind else None
        d["trust_root"] = self.trust_root.to_dict() if self.trust_root else None
        return d

    def raise_for_failure(self) -> Verdict:
        """Return ``self`` when verified, else raise VerificationFailed (or InputError)."""
        if self.ok:
            return self
        if self.status is Status.ERROR:
            raise InputError(self.reason)
        err = VerificationFailed(f"{self.file}: verification failed: {self.reason}")
        err.verdict = self  # type: ignore[attr-defined]
        raise err


def bundle_metadata(doc: Any, verdict: Verdict) -> None:
    """Fill log index, integrated time and kind from the (already parsed) bundle JSON."""
    if not isinstance(doc, dict):
        return
    verdict.media_type = doc.get("mediaType") if isinstance(doc.get("mediaType"), str) else None
    verdict.bundle_kind = (
        BundleKind.DSSE
        if isinstance(doc.get("dsseEnvelope"), dict)
        else BundleKind.MESSAGE_SIGNATURE
    )
    material = doc.get("verificationMaterial")
    entries = material.get("tlogEntries") if isinstance(material, dict) else None
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        entry = entries[0]
        try:
            verdict.log_index = int(entry["logIndex"])
        except (KeyError, TypeError, ValueError):
            verdict.log_index = None
        try:
            t = int(entry["integratedTime"])
            verdict.integrated_time = dt.datetime.fromtimestamp(t, dt.UTC).isoformat()
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            verdict.integrated_time = None
