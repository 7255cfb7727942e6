"""Inspecting an evidence pack offline: what holds and what does not.

:func:`inspect_pack` reads a pack without trusting it, in this order, and stops at the first
thing that does not hold before reading further:

1. the archive's directory (:class:`~sovbom.pack.safezip.SafeArchive`: names, entry types, sizes,
   compression ratios, total size);
2. the index's signature (``index.json.sigstore.json``), verified with the inspector's trust
   material and signer policy (role :data:`~sovbom.pack.index.INDEX_ROLE`): a missing or foreign
   signature does not hold, unless the inspector explicitly accepts an unsigned index;
3. members present against members listed; then every member's SHA-256, streamed;
4. every BOM's schema, integrity and signature, every evidence document's signature, and every
   report: each check report is re-derived with :func:`sovbom.checking.check_bom` from the signed
   inputs, with the inspector's trust, at the ``fail_on`` the signed index records, and compared
   with the packed one as a whole (:mod:`sovbom.pack.rederive`).

Two answers come out, kept apart: whether the pack *holds* (every check above; a failure is
tampering or a broken signature, exit 3), and the inspector's own verdict on the re-checked BOMs
at the inspector's ``--fail-on`` (:attr:`InspectReport.check_verdict`; ``fail`` is exit 1, as
for ``sovbom check``). The packed threshold never decides the inspector's verdict.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom import __version__
from sovbom._io import read_bytes
from sovbom.errors import InputError, SovbomError, VerificationFailed
from sovbom.pack.index import (
    INDEX,
    INDEX_BUNDLE,
    INDEX_ROLE,
    MAX_INDEX_BYTES,
    parse_index,
    verify_index,
)
from sovbom.pack.safezip import HostileArchive, SafeArchive

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.pack.build import CheckReportSerializer
    from sovbom.signing import TrustOptions

#: Largest index bundle read.
MAX_BUNDLE_BYTES = 4 * 1024**2


@dataclass(slots=True)
class Check:
    """One thing inspected, and whether it holds."""

    # index-signature | index | digest | signature | schema | integrity | policy | report
    # | trust | evidence | claim | hardware
    kind: str
    subject: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "ok": self.ok, "detail": self.detail}


@dataclass(slots=True)
class BomInspection:
    member: str
    sha256: str
    bundle: str | None
    signature: dict[str, Any] | None = None
    schema_ok: bool | None = None
    integrity_ok: bool | None = None
    #: the inspector's own verdict on the re-run check, at the inspector's --fail-on (pass | fail)
    verdict: str | None = None
    #: the packed report's verdict (at the packed fail_on)
    packed_verdict: str | None = None
    #: the re-run check, at the packed fail_on (what the packed report is compared with)
    check: CheckReport | None = None
    #: whether the packed origin claim, re-evaluated on this BOM, holds (None: no claim)
    claim_holds: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "sha256": self.sha256,
            "bundle": self.bundle,
            "signature": self.signature,
            "schema_valid": self.schema_ok,
            "integrity_ok": self.integrity_ok,
            "check_verdict": self.verdict,
            "packed_check_verdict": self.packed_verdict,
            "claim_holds": self.claim_holds,
        }


@dataclass(slots=True)
class InspectReport:
    archive: str
    archive_sha256: str
    index: dict[str, Any]
    trust_source: str  # inspector | packed | none
    trust_root: dict[str, Any] | None
    signers_source: str | None
    fail_on: str = "high"
    index_signed: bool = False
    index_signature: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    boms: list[BomInspection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def check_verdict(self) -> str | None:
        """The inspector's verdict on the re-checked BOMs at the inspector's ``fail_on``:
        ``fail`` when one has a finding at or above it, None when no BOM was re-checked."""
        verdicts = [b.verdict for b in self.boms if b.verdict is not None]
        if not verdicts:
            return None
        return "fail" if "fail" in verdicts else "pass"

    @property
    def failing_boms(self) -> list[str]:
        """The re-checked BOMs that fail at the inspector's ``fail_on``."""
        return [b.member for b in self.boms if b.verdict == "fail"]

    def add(self, kind: str, subject: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(kind, subject, ok, detail))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "sovbom_report": "inspect",
            "format_version": 1,
            "tool": {"name": "sovbom", "version": __version__},
            "archive": {"source": self.archive, "sha256": self.archive_sha256},
            "as_of": self.index.get("as_of"),
            "fail_on": self.fail_on,
            "verdict": "holds" if self.holds else "does-not-hold",
            "check_verdict": self.check_verdict,
            "index": {
                "format": self.index.get("sovbom_evidence_pack"),
                "signed": self.index_signed,
                "signature": self.index_signature,
                "fail_on": self.index.get("fail_on"),
            },
            "trust": {
                "source": self.trust_source,
                "trusted_root": self.trust_root,
                "signers": self.signers_source,
            },
            "warnings": self.warnings,
            "summary": {
                "checks": len(self.checks),
                "failed": len(self.failures),
                "members": len(self.index.get("members") or ()),
                "boms": len(self.boms),
            },
            "boms": [b.to_dict() for b in self.boms],
            "reports": self.reports,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(slots=True)
class InspectOptions:
    """What the inspector brings: their own trust material and threshold, and what they accept.

    ``fail_on`` decides the inspector's own verdict; the packed reports are compared at the
    threshold the pack records."""

    #: makes the JSON check report to compare with the packed one (``sovbom check -f json``'s)
    serialize: CheckReportSerializer
    trusted_root: str | None = None
    trust_config: str | None = None
    signers: str | None = None
    use_packed_trust: bool = False
    fail_on: str = "high"
    allow_unsigned_index: bool = False
    #: the inspector's hardware trust anchors (PEM file or directory), for identity evidence
    hardware_roots: str | None = None


def inspect_pack(
    path: str | os.PathLike[str], opts: InspectOptions, *, source: str | None = None
) -> tuple[InspectReport, dict[str, bytes]]:
    """Re-verify an evidence pack offline; the report says what holds and what does not.

    Returns the report and the members read (empty unless every digest held). Raises
    :class:`HostileArchive` / :class:`InputError` (exit 4) when the archive cannot be read safely
    or the inspector's own inputs are bad; everything about the pack's content is a
    :class:`Check` in the report (a failed one means exit 3).
    """
    from sovbom.pack import rederive, trust

    name = source or str(path)
    data = read_bytes(path)
    report = InspectReport(
        archive=name,
        archive_sha256=hashlib.sha256(data).hexdigest(),
        index={},
        trust_source="none",
        trust_root=None,
        signers_source=None,
        fail_on=opts.fail_on,
    )
    with SafeArchive(data, name) as archive:
        index_raw, bundle = _index_bytes(archive)
        options: TrustOptions | None
        if trust.needs_packed(opts):
            report.index = parse_index(index_raw, name)
            options = trust.choose_trust(report, opts, lambda m: _packed(report, archive, m))
        else:
            options = trust.choose_trust(report, opts, None)
        signed = _index_signature(report, index_raw, bundle, options, opts)
        if not report.index:
            report.index = _tolerant_index(index_raw, name, strict=signed)
        if not signed or not _listed_members(report, archive) or not _digests(report, archive):
            return report, {}
        members = {m: archive.read(m) for m in archive.names}
    rederive.inspect_contents(report, members, options, opts)
    return report, members


def _index_bytes(archive: SafeArchive) -> tuple[bytes, bytes | None]:
    if INDEX not in archive:
        raise HostileArchive(f"no {INDEX}: not a sovbom evidence pack", source=archive.source)
    bundle = None
    if INDEX_BUNDLE in archive:
        if archive.size(INDEX_BUNDLE) > MAX_BUNDLE_BYTES:
            raise HostileArchive(f"{INDEX_BUNDLE} is too large", source=archive.source)
        bundle = archive.read(INDEX_BUNDLE)
    if archive.size(INDEX) > MAX_INDEX_BYTES:
        raise HostileArchive(f"{INDEX} is over {MAX_INDEX_BYTES} bytes", source=archive.source)
    return archive.read(INDEX), bundle


def _tolerant_index(data: bytes, source: str, *, strict: bool) -> dict[str, Any]:
    """The index; when its signature did not hold, an unreadable one is only reported empty."""
    try:
        return parse_index(data, source)
    except InputError:
        if strict:
            raise
        return {}


def _packed(report: InspectReport, archive: SafeArchive, name: str) -> bytes | None:
    """A packed member listed in the (not yet verified) index, when its digest holds."""
    entry = next((m for m in report.index["members"] if m["name"] == name), None)
    if entry is None or name not in archive or archive.size(name) != entry["size"]:
        return None
    data = archive.read(name)
    return data if hashlib.sha256(data).hexdigest() == entry["sha256"] else None


def _index_signature(
    report: InspectReport,
    raw: bytes,
    bundle: bytes | None,
    trust: TrustOptions | None,
    opts: InspectOptions,
) -> bool:
    """Verify the index's signature first: everything else in the pack hangs on it."""
    if bundle is None:
        if not opts.allow_unsigned_index:
            return report.add(
                "index-signature",
                INDEX,
                False,
                f"{INDEX} is not signed (no {INDEX_BUNDLE}): nothing binds the pack's contents"
                " to its operator (--allow-unsigned-index reads it anyway)",
            )
        report.warnings.insert(
            0,
            f"INDEX NOT SIGNED: {INDEX} carries no signature and was read only because of"
            " --allow-unsigned-index; whoever held the pack could have rewritten it. Only what"
            " was re-derived from signed BOMs below is confirmed",
        )
        return report.add("index-signature", INDEX, True, "NOT SIGNED (--allow-unsigned-index)")
    if trust is None:
        return report.add("index-signature", INDEX, False, "not checked: no trust material")
    try:
        verdict = verify_index(raw, bundle, trust)
    except SovbomError as e:
        detail = e.message.removeprefix(f"{INDEX_BUNDLE}: ")  # named once
        return report.add("index-signature", INDEX, False, f"{INDEX_BUNDLE}: {detail}")
    report.index_signed = True
    report.index_signature = verdict.to_dict()
    when = verdict.integrated_time or "unknown time"
    return report.add(
        "index-signature",
        INDEX,
        True,
        f"signed by {verdict.identity} (role {INDEX_ROLE}; issuer {verdict.issuer}) at {when},"
        f" log index {verdict.log_index}",
    )


def _listed_members(report: InspectReport, archive: SafeArchive) -> bool:
    """Every listed member present once, nothing added (from the directory: nothing is read)."""
    listed: set[str] = set()
    before = len(report.failures)
    for entry in report.index["members"]:
        name = entry["name"]
        if name in listed or name in (INDEX, INDEX_BUNDLE):
            report.add("index", name, False, "listed twice in the index")
        elif name not in archive:
            report.add("digest", name, False, "missing: listed in the index, absent from the pack")
        listed.add(name)
    for name in sorted(set(archive.names) - listed - {INDEX, INDEX_BUNDLE}):
        report.add("digest", name, False, "added: in the pack but not listed in the index")
    return len(report.failures) == before


def _digests(report: InspectReport, archive: SafeArchive) -> bool:
    """Each member's SHA-256 (streamed) against the index, in name order; stops at a change."""
    for entry in sorted(report.index["members"], key=lambda m: m["name"]):
        name = entry["name"]
        size = archive.size(name)
        if size != entry["size"]:
            return report.add(
                "digest", name, False, f"changed: {size} bytes, index says {entry['size']} bytes"
            )
        digest = archive.sha256(name)
        if digest != entry["sha256"]:
            return report.add(
                "digest", name, False, f"changed: sha256 {digest}, index says {entry['sha256']}"
            )
        report.add("digest", name, True, f"sha256 {digest}")
    return True


def as_failure(report: InspectReport) -> VerificationFailed | None:
    """The error to exit with when something does not hold (None when everything holds)."""
    failures = report.failures
    if not failures:
        return None
    first = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return VerificationFailed(
        f"{report.archive}: does not hold: {first.kind} {first.subject}: {first.detail}{more}"
    )
