"""Building an evidence pack: read and check every input, make the check reports, sign the index.

:func:`prepare_pack` does everything that needs no identity (reading, verifying the BOMs'
signatures, checking each BOM with :func:`sovbom.checking.check_bom`, binding every report to its
BOM); :meth:`PackBuilder.build` then signs the index (unless the pack is explicitly unsigned) and
writes one reproducible archive: ``index.json``, ``index.json.sigstore.json``, then every member
in name order, with fixed timestamps (1980-01-01, or ``SOURCE_DATE_EPOCH``), permissions and
compression level. Only the index's bundle differs between two packs of the same inputs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from sovbom import __version__
from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, parse_json, read_bytes
from sovbom.errors import InputError, VerificationFailed
from sovbom.pack.index import (
    FORMAT_VERSION,
    INDEX,
    INDEX_BUNDLE,
    INDEX_ROLE,
    REPORT_KINDS,
    Member,
    dump_index,
    safe_member_name,
)
from sovbom.pack.safezip import ZIP_EPOCH, write_archive

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.claims import Claim
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.evidence import EvidenceFile
    from sovbom.identity import HardwareReport
    from sovbom.pack.hardware import HardwarePacking
    from sovbom.policy import Policy
    from sovbom.signers import SignerPolicy
    from sovbom.signing import TrustOptions, Verdict

#: Turns a check into the JSON check report (``sovbom check -f json``): given by the caller, so
#: that the domain does not import the report layer.
CheckReportSerializer = Callable[["CheckReport"], dict[str, Any]]


class IndexSigner(Protocol):
    """Signs the index's bytes: a Sigstore bundle (``sovbom.signing.BomSigner`` is one)."""

    def sign_bytes(self, data: bytes) -> bytes: ...


def zip_date() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return ZIP_EPOCH
    try:
        t = time.gmtime(max(int(epoch), 315532800))  # ZIP cannot say earlier than 1980
    except (ValueError, OverflowError) as e:
        raise InputError(f"SOURCE_DATE_EPOCH is not a number: {epoch!r}") from e
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def report_json(data: Mapping[str, Any]) -> bytes:
    # sorted keys: the same inputs give the same bytes (the "names" map is built from a set)
    return orjson.dumps(
        data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_SORT_KEYS
    )


@dataclass(slots=True)
class PackBuilder:
    """Collects members and what the index says about them, then writes the archive."""

    as_of: str | None = None
    fail_on: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    boms: list[dict[str, Any]] = field(default_factory=list)
    trust: dict[str, str | None] = field(
        default_factory=lambda: {"trusted_root": None, "trust_config": None, "signers": None}
    )
    policy: str | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, str]] = field(default_factory=list)
    #: the origin claim definition packed (:mod:`sovbom.pack.claims`), and signed claim results
    claim: str | None = None
    claim_results: list[dict[str, str]] = field(default_factory=list)
    #: what a person should know (e.g. a BOM packed unsigned); the caller shows them
    warnings: list[str] = field(default_factory=list)
    #: the index's ``hardware`` section (:mod:`sovbom.pack.hardware`), when identity is packed
    hardware: dict[str, Any] | None = None

    def add(self, role: str, filename: str, data: bytes, *, name: str | None = None) -> str:
        member = name or safe_member_name(role, filename)
        if member in self.members:
            if self.members[member].data == data:
                return member
            raise InputError(
                f"two different files would be packed as {member}: rename one",
                source=filename,
            )
        self.members[member] = Member(member, role, data)
        return member

    def add_bom(self, filename: str, bom: LoadedBom, bundle: bytes | None) -> str:
        sha256 = hashlib.sha256(bom.raw).hexdigest()
        if any(b["sha256"] == sha256 for b in self.boms):
            raise InputError("the same BOM is given twice", source=filename)
        name = self.add("bom", filename, bom.raw)
        serial = bom.doc.get("serialNumber")
        entry: dict[str, Any] = {
            "bom": name,
            "sha256": sha256,
            "serialNumber": serial if isinstance(serial, str) else None,
            "bundle": None,
        }
        if bundle is not None:
            entry["bundle"] = self.add(
                "bundle", name, bundle, name=f"bundles/{name.split('/', 1)[1]}.sigstore.json"
            )
        self.boms.append(entry)
        return name

    def add_report(self, filename: str, data: bytes, *, name: str | None = None) -> str:
        """A JSON check or delivery report, bound in the index to the BOM it judged."""
        source = display_name(filename)
        doc = parse_json(data, source)
        kind = doc.get("sovbom_report") if isinstance(doc, dict) else None
        if kind not in REPORT_KINDS:
            raise InputError(
                f"not a sovbom check or delivery report (sovbom_report {kind!r})", source=source
            )
        judged = doc.get("bom" if kind == "check" else "expected")
        digest = judged.get("sha256") if isinstance(judged, dict) else None
        bom = next((b["bom"] for b in self.boms if b["sha256"] == digest), None)
        if kind == "check" and bom is None:
            raise InputError("a check report of a BOM that is not packed", source=source)
        member = self.add("report", filename, data, name=name)
        verdict = doc.get("verdict")
        self.reports.append(
            {
                "member": member,
                "kind": kind,
                "verdict": verdict if verdict in ("pass", "fail") else None,
                "bom": bom,
                "bom_sha256": digest if isinstance(digest, str) else None,
            }
        )
        return member

    def add_evidence(self, filename: str, data: bytes, bundle: bytes) -> str:
        """A signed evidence document (a supplier's sub-BOM or signed reference) and its bundle."""
        name = self.add("evidence", filename, data)
        bundle_name = self.add("evidence-bundle", name, bundle, name=f"{name}.sigstore.json")
        self.evidence.append({"document": name, "bundle": bundle_name})
        return name

    def index(self) -> dict[str, Any]:
        return {
            "sovbom_evidence_pack": FORMAT_VERSION,
            "tool": {"name": "sovbom", "version": __version__},
            "as_of": self.as_of,
            "fail_on": self.fail_on,
            "boms": self.boms,
            "trust": self.trust,
            "policy": self.policy,
            "reports": self.reports,
            "evidence": self.evidence,
            **({"claim": self.claim} if self.claim else {}),
            **({"claim_results": self.claim_results} if self.claim_results else {}),
            **({"hardware": self.hardware} if self.hardware is not None else {}),
            "members": [
                {"name": m.name, "role": m.role, "sha256": m.sha256, "size": len(m.data)}
                for m in sorted(self.members.values(), key=lambda m: m.name)
            ],
        }

    def build(self, signer: IndexSigner | None) -> bytes:
        """The archive's bytes; ``signer`` signs the index (None: an explicitly unsigned pack)."""
        if not self.boms:
            raise InputError("an evidence pack needs at least one BOM")
        index = dump_index(self.index())
        items = [(INDEX, index)]
        if signer is not None:
            items.append((INDEX_BUNDLE, signer.sign_bytes(index)))
        items += [(m.name, m.data) for m in sorted(self.members.values(), key=lambda m: m.name)]
        return write_archive(items, zip_date())


@dataclass(slots=True)
class PackRequest:
    """What goes into a pack, as paths (the command line's options)."""

    boms: Sequence[str]
    as_of: dt.date
    fail_on: str = "high"
    bundles: Mapping[str, str] = field(default_factory=dict)
    trusted_root: str | None = None
    trust_config: str | None = None
    signers: str | None = None
    policy: str | None = None
    reports: Sequence[str] = ()
    evidence: Sequence[str] = ()
    #: an origin claim evaluated with every BOM's check, and signed results of it
    claim: str | None = None
    claim_results: Sequence[str] = ()
    #: hardware trust anchors (PEM file or directory): pack and verify identity evidence
    hardware_roots: str | None = None
    #: BOM path -> the observed HBOM carrying its identity evidence (default: the BOM itself)
    observed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexSigning:
    """How the operator signs the index: the options of ``sovbom sign``."""

    identity_token: str | None = None
    ambient: bool = True
    #: the Sigstore instance (a ClientTrustConfig); None: public-good (``staging`` or production)
    trust_config: str | None = None
    staging: bool = False
    #: the signer policy packed: its ``pack`` role must hold the signer (checked before signing)
    signers: str | None = None


def check_index_signer(policy: SignerPolicy | None, identity: str, issuer: str) -> None:
    """Refuse to sign a pack whose own signer policy would not accept the index's signer."""
    if policy is not None and INDEX_ROLE not in policy.roles_of(identity, issuer):
        raise InputError(
            f"{identity} ({issuer}) holds no {INDEX_ROLE!r} role in the signer policy"
            f" {policy.source}: 'sovbom inspect' would refuse the pack's index signature"
        )


def build_signed(builder: PackBuilder, how: IndexSigning) -> bytes:
    """Sign the index as ``how`` says (identity token, Sigstore instance) and build the archive."""
    from sovbom import signing
    from sovbom.signers import load_signer_policy

    hint = (
        signing.SIGNING_NETWORK_HINT
        + "; or pack with --unsigned (the inspector must then accept it)"
    )
    trust = signing.load_signing_trust(
        trust_config=how.trust_config, staging=how.staging, hint=hint
    )
    identity = signing.identity_token(how.identity_token, trust=trust, ambient=how.ambient)
    policy = load_signer_policy(how.signers) if how.signers else None
    check_index_signer(policy, identity.identity, identity.issuer)
    with signing.open_signer(trust, identity) as signer:
        return builder.build(signer)


def prepare_pack(request: PackRequest, serialize: CheckReportSerializer) -> PackBuilder:
    """Read, verify and check every input; the builder is ready to sign and build.

    With a signer policy every BOM's bundle is verified first (fail closed: exit 3); with a
    provenance policy every BOM is checked (:func:`sovbom.checking.check_bom`, as ``sovbom check``
    does) and its JSON check report is packed and bound to it in the index.
    """
    from sovbom.policy import load_policy

    if request.trusted_root and request.trust_config:
        raise InputError("give only one of --trusted-root and --trust-config")
    builder = PackBuilder(as_of=request.as_of.isoformat())
    trust = _add_trust(builder, request)
    evidence = _add_evidence(builder, request.evidence, trust)
    packing = None
    if request.hardware_roots:
        from sovbom.pack.hardware import add_roots

        packing = add_roots(builder, request.hardware_roots, request.observed)
    elif request.observed:
        raise InputError("--observed needs --hardware-roots")
    policy = None
    if request.policy:
        builder.policy = builder.add("policy", request.policy, read_bytes(request.policy))
        policy = load_policy(request.policy)
        policy.source = builder.policy  # as the inspector's re-check names it
        builder.fail_on = request.fail_on
    claim = None
    if request.claim:
        if policy is None:
            raise InputError("--claim needs --policy: the claim is evaluated with each BOM's check")
        from sovbom.pack.claims import add_claim

        claim = add_claim(builder, request.claim)
    for path in request.boms:
        _add_bom(builder, request, path, policy, trust, evidence, serialize, claim, packing)
    for path in request.reports:
        builder.add_report(path, read_bytes(path))
    if request.claim_results:
        from sovbom.pack.claims import add_claim_results

        add_claim_results(builder, request.claim_results, trust)
    return builder


def _add_trust(builder: PackBuilder, request: PackRequest) -> TrustOptions | None:
    from sovbom import signing
    from sovbom.signers import load_signer_policy
    from sovbom.signing import TrustOptions

    if request.trusted_root:
        builder.trust["trusted_root"] = builder.add(
            "trusted-root",
            request.trusted_root,
            read_bytes(request.trusted_root, limit=MAX_SMALL_INPUT_BYTES),
        )
    if request.trust_config:
        builder.trust["trust_config"] = builder.add(
            "trust-config",
            request.trust_config,
            read_bytes(request.trust_config, limit=MAX_SMALL_INPUT_BYTES),
        )
    if not request.signers:
        return None
    if not (request.trusted_root or request.trust_config):
        raise InputError("--signers needs --trusted-root or --trust-config: pack the trust used")
    builder.trust["signers"] = builder.add(
        "signers", request.signers, read_bytes(request.signers, limit=MAX_SMALL_INPUT_BYTES)
    )
    material = signing.load_trust(
        trusted_root=request.trusted_root, trust_config=request.trust_config
    )
    return TrustOptions(load_signer_policy(request.signers), material)


def _add_evidence(
    builder: PackBuilder, paths: Sequence[str], trust: TrustOptions | None
) -> list[EvidenceFile]:
    from sovbom import signing
    from sovbom.evidence import evidence_from_bytes

    evidence = []
    for path in paths:
        bundle_path = signing.default_bundle_path(path)
        if not bundle_path.exists():
            raise VerificationFailed(
                f"{display_name(path)}: not signed: no Sigstore bundle at {bundle_path}"
                " (evidence only counts when its signature verifies)"
            )
        data, bundle = read_bytes(path), read_bytes(bundle_path, limit=MAX_SMALL_INPUT_BYTES)
        name = builder.add_evidence(path, data, bundle)
        if trust is not None:
            shown = display_name(bundle_path)
            evidence.append(evidence_from_bytes(data, name, bundle, trust, bundle_name=shown))
    return evidence


def _add_bom(
    builder: PackBuilder,
    request: PackRequest,
    path: str,
    policy: Policy | None,
    trust: TrustOptions | None,
    evidence: Sequence[EvidenceFile],
    serialize: CheckReportSerializer,
    claim: Claim | None = None,
    packing: HardwarePacking | None = None,
) -> None:
    from sovbom import signing
    from sovbom.checking import ensure_valid
    from sovbom.cyclonedx.reader import parse_bom

    bundle_path = request.bundles.get(path) or str(signing.default_bundle_path(path))
    bundle_name = display_name(bundle_path)
    bundle: bytes | None = None
    try:
        bundle = read_bytes(bundle_path, limit=MAX_SMALL_INPUT_BYTES)
    except InputError:
        if path in request.bundles:
            raise
        builder.warnings.append(f"{display_name(path)}: no bundle, packed unsigned")
    loaded = parse_bom(read_bytes(path), display_name(path))
    ensure_valid(loaded)  # every packed BOM is schema-valid; errors name the file given
    name = builder.add_bom(path, loaded, bundle)
    hardware = None
    if packing is not None:
        from sovbom.pack.hardware import pack_bom_hardware

        hardware = pack_bom_hardware(builder, packing, path, name, loaded, request.as_of)
    if policy is None:
        return
    loaded = dataclasses.replace(loaded, source=name)  # named as the inspector's re-check names it
    signature = None
    if trust is not None:
        if bundle is None:
            raise VerificationFailed(f"{name}: not signed: no Sigstore bundle")
        # messages name the bundle given; the report names it as the inspector's re-check does
        signature = _verify(loaded, bundle, bundle_name, trust)
        signature.bundle = builder.boms[-1]["bundle"]
    report = check_report_json(
        loaded,
        policy,
        signature=signature,
        evidence=evidence if signature is not None else (),
        as_of=request.as_of,
        fail_on=request.fail_on,
        serialize=serialize,
        validate=False,
        claim=claim,
        hardware=hardware,
    )
    stem = name.split("/", 1)[1]
    builder.add_report(stem, report, name=f"reports/check-{stem}")


def _verify(loaded: LoadedBom, bundle: bytes, bundle_name: str, trust: TrustOptions) -> Verdict:
    from sovbom.checking import verify_signature

    return verify_signature(loaded, bundle, bundle_name, trust)


def check_report_json(
    loaded: LoadedBom,
    policy: Policy,
    *,
    signature: Verdict | None,
    as_of: dt.date,
    fail_on: str,
    serialize: CheckReportSerializer,
    evidence: Sequence[EvidenceFile] = (),
    validate: bool = True,
    claim: Claim | None = None,
    hardware: HardwareReport | None = None,
) -> bytes:
    """The JSON check report of one BOM, exactly as ``sovbom check -f json`` makes it."""
    from sovbom.checking import check_bom

    report = check_bom(
        loaded,
        policy,
        as_of=as_of,
        fail_on=fail_on,
        signature=signature,
        evidence=evidence,
        validate=validate,
        claim=claim,
        hardware=hardware,
    )
    return report_json(serialize(report))
