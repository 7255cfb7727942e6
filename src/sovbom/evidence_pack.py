"""Evidence packs: one reproducible archive per inspection, and its offline re-verification.

A pack (``sovbom pack``) is a ZIP archive holding the server BOMs, their Sigstore bundles, the
trust material and signer policy used, the provenance policy, the check and delivery reports and
``index.json`` (``schemas/evidence-index.schema.json``): the SHA-256 and size of every other
member and which bundle belongs to which BOM. The same inputs give the same bytes: fixed member
order, timestamps (1980-01-01, or ``SOURCE_DATE_EPOCH``), permissions and compression level.

:func:`inspect_pack` reads a pack without trusting it: every member name is checked (no absolute
path, ``..``, backslash, drive letter, link, duplicate, directory or odd character), the member
count and sizes are bounded (zip bombs), nothing is extracted. It then verifies every digest,
every signature against the trust material the *inspector* supplies, every BOM's schema and
integrity, and re-runs the policy check, comparing its verdict with the packed report's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import stat
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sovbom import __version__
from sovbom._io import parse_json, parse_yaml, read_bytes
from sovbom.errors import InputError, SovbomError, VerificationFailed

FORMAT_VERSION = 1
INDEX = "index.json"
INDEX_SCHEMA = "evidence-index.schema.json"

#: Limits when reading a pack (a regulator opens archives from anyone).
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_MEMBER_BYTES = 1024**3
#: A member expanding more than this many times over (and over 1 MiB) is a zip bomb.
MAX_RATIO = 200
_RATIO_FLOOR = 1024**2

ROLES = (
    "bom",
    "bundle",
    "trusted-root",
    "trust-config",
    "signers",
    "policy",
    "report",
    "evidence",
    "evidence-bundle",
)
_ROLE_DIRS = {
    "bom": "boms",
    "bundle": "bundles",
    "trusted-root": "trust",
    "trust-config": "trust",
    "signers": "trust",
    "policy": "policy",
    "report": "reports",
    "evidence": "evidence",
    "evidence-bundle": "evidence",
}
_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,199}")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class HostileArchive(InputError):
    """The archive is unreadable or unsafe to read (exit 4)."""


# ----------------------------------------------------------------------------------------------
# Packing
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def safe_member_name(role: str, filename: str) -> str:
    """The member name for a file of ``role``: its directory + a sanitised base name."""
    base = re.sub(r"[^A-Za-z0-9._+@-]", "_", Path(filename).name).lstrip("._-") or "file"
    return f"{_ROLE_DIRS[role]}/{base[:200]}"


def _zip_date() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _ZIP_EPOCH
    try:
        t = time.gmtime(max(int(epoch), 315532800))  # ZIP cannot say earlier than 1980
    except (ValueError, OverflowError) as e:
        raise InputError(f"SOURCE_DATE_EPOCH is not a number: {epoch!r}") from e
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


@dataclass(slots=True)
class PackBuilder:
    """Collects members, then writes one reproducible archive (:meth:`build`)."""

    as_of: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    boms: list[dict[str, Any]] = field(default_factory=list)
    trust: dict[str, str | None] = field(
        default_factory=lambda: {"trusted_root": None, "trust_config": None, "signers": None}
    )
    policy: str | None = None
    reports: list[str] = field(default_factory=list)
    evidence: list[dict[str, str]] = field(default_factory=list)

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

    def add_bom(self, filename: str, data: bytes, bundle: bytes | None) -> str:
        name = self.add("bom", filename, data)
        entry: dict[str, Any] = {"bom": name, "bundle": None}
        if bundle is not None:
            entry["bundle"] = self.add(
                "bundle", name, bundle, name=f"bundles/{name.split('/', 1)[1]}.sigstore.json"
            )
        self.boms.append(entry)
        return name

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
            "boms": self.boms,
            "trust": self.trust,
            "policy": self.policy,
            "reports": self.reports,
            "evidence": self.evidence,
            "members": [
                {"name": m.name, "role": m.role, "sha256": m.sha256, "size": len(m.data)}
                for m in sorted(self.members.values(), key=lambda m: m.name)
            ],
        }

    def build(self) -> bytes:
        """The archive's bytes: index.json first, then every member in name order."""
        if not self.boms:
            raise InputError("an evidence pack needs at least one BOM")
        index = orjson.dumps(self.index(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        date = _zip_date()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            items = [(INDEX, index)] + [
                (m.name, m.data) for m in sorted(self.members.values(), key=lambda m: m.name)
            ]
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=date)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        return out.getvalue()


# ----------------------------------------------------------------------------------------------
# Reading an archive safely
# ----------------------------------------------------------------------------------------------


def check_member_name(name: str) -> str | None:
    """Why a member name is refused (None when it is safe)."""
    if not name:
        return "empty name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/"):
        return "absolute path"
    if re.match(r"^[A-Za-z]:", name):
        return "drive letter"
    parts = name.split("/")
    if any(p == ".." for p in parts):
        return "'..' in path"
    if name.endswith("/"):
        return "directory entry"
    if len(parts) > 8:
        return "nested too deeply"
    for p in parts:
        if not _SAFE_PART.fullmatch(p):
            return f"unexpected characters in {p!r}"
    return None


def read_archive(data: bytes, source: str) -> dict[str, bytes]:
    """Every member of a pack, read into memory after the safety checks (nothing is extracted)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
        raise HostileArchive(f"not a readable ZIP archive: {e}", source=source) from e
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise HostileArchive(f"too many members ({len(infos)} > {MAX_MEMBERS})", source=source)
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            why = check_member_name(name)
            if why is not None:
                raise HostileArchive(f"refused member {name!r}: {why}", source=source)
            folded = name.casefold()
            if folded in seen:
                raise HostileArchive(f"refused member {name!r}: duplicate name", source=source)
            seen.add(folded)
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                kind = "symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
                raise HostileArchive(f"refused member {name!r}: {kind}", source=source)
            if info.flag_bits & 0x1:
                raise HostileArchive(f"refused member {name!r}: encrypted", source=source)
            if info.file_size > MAX_MEMBER_BYTES:
                raise HostileArchive(
                    f"refused member {name!r}: {info.file_size} bytes (limit {MAX_MEMBER_BYTES})",
                    source=source,
                )
            if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise HostileArchive(
                    f"refused member {name!r}: compression ratio over {MAX_RATIO} (zip bomb?)",
                    source=source,
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise HostileArchive(
                    f"members add up to more than {MAX_TOTAL_BYTES} bytes", source=source
                )
        out: dict[str, bytes] = {}
        for info in infos:
            try:
                with zf.open(info) as fh:
                    content = fh.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
                raise HostileArchive(
                    f"member {info.filename}: unreadable: {e}", source=source
                ) from e
            if len(content) != info.file_size:
                raise HostileArchive(
                    f"member {info.filename}: size differs from the archive directory",
                    source=source,
                )
            out[info.filename] = content
        return out


def extract_members(members: Mapping[str, bytes], directory: str | os.PathLike[str]) -> list[Path]:
    """Write members under ``directory`` only, refusing to overwrite anything."""
    root = Path(directory).resolve()
    planned: list[tuple[Path, bytes]] = []
    for name, data in sorted(members.items()):
        if check_member_name(name) is not None:
            raise HostileArchive(f"refused member {name!r}")
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise HostileArchive(f"refused member {name!r}: outside {directory}")
        if target.exists() or target.is_symlink():
            raise InputError(f"{target} exists: refusing to overwrite", source=str(directory))
        planned.append((target, data))
    written: list[Path] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        for target, data in planned:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise HostileArchive(f"refused to write {target}: outside {directory}")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            written.append(target)
    except OSError as e:
        raise InputError(f"cannot extract: {e.strerror or e}", source=str(directory)) from e
    return written


# ----------------------------------------------------------------------------------------------
# Inspection
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """One thing inspected, and whether it holds."""

    kind: str  # index | digest | signature | schema | integrity | policy | trust | evidence
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
    verdict: str | None = None  # the re-run check's verdict (pass | fail)
    packed_verdict: str | None = None
    check: Any = None  # sovbom.report.interface.CheckReport of the re-run check

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
        }


@dataclass(slots=True)
class InspectReport:
    archive: str
    archive_sha256: str
    index: dict[str, Any]
    trust_source: str  # inspector | packed | none
    trust_root: dict[str, Any] | None
    signers_source: str | None
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
            "verdict": "holds" if self.holds else "does-not-hold",
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
    """What the inspector brings: their own trust material, and whether to fall back."""

    trusted_root: str | None = None
    trust_config: str | None = None
    signers: str | None = None
    use_packed_trust: bool = False
    fail_on: str = "high"


def _load_index(members: Mapping[str, bytes], source: str) -> dict[str, Any]:
    from sovbom.project_schemas import check_against

    if INDEX not in members:
        raise HostileArchive(f"no {INDEX}: not a sovbom evidence pack", source=source)
    index = parse_json(members[INDEX], f"{source}!{INDEX}")
    check_against(index, INDEX_SCHEMA, f"{source}!{INDEX}", what="evidence pack index")
    if not isinstance(index, dict):  # pragma: no cover - the schema says object
        raise HostileArchive(f"{INDEX} is not an object", source=source)
    return index


def _verify_digests(report: InspectReport, members: Mapping[str, bytes]) -> set[str]:
    """Digest checks; returns the names of members whose bytes match the index."""
    good: set[str] = set()
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in report.index["members"]:
        if entry["name"] in listed or entry["name"] == INDEX:
            report.add("index", entry["name"], False, "listed twice in the index")
            continue
        listed[entry["name"]] = entry
    for name, entry in sorted(listed.items()):
        data = members.get(name)
        if data is None:
            report.add("digest", name, False, "missing: listed in the index, absent from the pack")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"] or len(data) != entry["size"]:
            report.add(
                "digest",
                name,
                False,
                f"changed: sha256 {digest} ({len(data)} bytes), index says {entry['sha256']}"
                f" ({entry['size']} bytes)",
            )
            continue
        report.add("digest", name, True, f"sha256 {digest}")
        good.add(name)
    for name in sorted(set(members) - set(listed) - {INDEX}):
        report.add("digest", name, False, "added: in the pack but not listed in the index")
    # every reference in the index must name a listed member of the right role
    refs: list[tuple[str | None, str]] = []
    for b in report.index["boms"]:
        refs += [(b["bom"], "bom"), (b.get("bundle"), "bundle")]
    trust = report.index["trust"]
    refs += [
        (trust.get("trusted_root"), "trusted-root"),
        (trust.get("trust_config"), "trust-config"),
    ]
    refs += [(trust.get("signers"), "signers"), (report.index.get("policy"), "policy")]
    refs += [(r, "report") for r in report.index["reports"]]
    for ref, role in refs:
        if ref is None:
            continue
        entry = listed.get(ref)
        if entry is None or entry["role"] != role:
            report.add(
                "index", ref, False, f"the index names it as a {role} but lists no such member"
            )
    return good


def _material_from_bytes(data: bytes, name: str, kind: str) -> Any:
    from sovbom import signing

    with tempfile.TemporaryDirectory(prefix="sovbom-inspect-") as tmp:
        path = Path(tmp) / ("trust_config.json" if kind == "trust-config" else "trusted_root.json")
        path.write_bytes(data)
        if kind == "trust-config":
            material = signing.TrustMaterial.from_trust_config_file(path)
            return dataclasses.replace(
                material, info=dataclasses.replace(material.info, source=f"packed {name}")
            )
        return signing.TrustMaterial.from_trusted_root_file(path, source=f"packed {name}")


def _choose_trust(
    report: InspectReport, members: Mapping[str, bytes], good: set[str], opts: InspectOptions
) -> Any:
    """The TrustOptions to verify signatures with (None: no signature can be checked)."""
    from sovbom import signing
    from sovbom.evidence import TrustOptions
    from sovbom.signers import load_signer_policy, parse_signer_policy

    packed = report.index["trust"]
    material: Any = None
    if opts.trusted_root or opts.trust_config:
        material = signing.load_trust(
            trusted_root=opts.trusted_root, trust_config=opts.trust_config, offline=True
        )
        report.trust_source = "inspector"
    elif opts.use_packed_trust:
        name = packed.get("trust_config") or packed.get("trusted_root")
        if name is None or name not in good:
            report.add("trust", name or "trust material", False, "no intact packed trust material")
        else:
            kind = "trust-config" if packed.get("trust_config") else "trusted-root"
            material = _material_from_bytes(members[name], name, kind)
            report.trust_source = "packed"
            report.warnings.append(
                f"signatures verified against the PACKED trust material {name}"
                f" (sha256 {material.info.sha256}), supplied by the operator, not by the inspector"
            )
    if material is not None:
        report.trust_root = material.info.to_dict()
    policy: Any = None
    if opts.signers:
        policy = load_signer_policy(opts.signers)
        report.signers_source = opts.signers
    elif opts.use_packed_trust:
        name = packed.get("signers")
        if name is None or name not in good:
            report.add("trust", name or "signer policy", False, "no intact packed signer policy")
        else:
            policy = parse_signer_policy(parse_yaml(members[name], name), f"packed {name}")
            report.signers_source = f"packed {name}"
            report.warnings.append(
                f"signers judged by the PACKED signer policy {name}, supplied by the operator"
            )
    if material is None or policy is None:
        missing = "trusted root" if material is None else "signer policy"
        report.add(
            "trust",
            "signatures",
            False,
            f"not checked: no {missing} (give --trusted-root/--trust-config and --signers,"
            " or --use-packed-trust)",
        )
        return None
    return TrustOptions(policy, material)


def inspect_pack(
    path: str | os.PathLike[str], opts: InspectOptions, *, source: str | None = None
) -> tuple[InspectReport, dict[str, bytes]]:
    """Re-verify an evidence pack offline; the report says what holds and what does not.

    Raises :class:`HostileArchive` / :class:`InputError` (exit 4) when the archive cannot be read
    safely or the inspector's own inputs are bad; everything about the pack's content is a
    :class:`Check` in the report (a failed one means exit 3).
    """
    name = source or str(path)
    data = read_bytes(path)
    members = read_archive(data, name)
    index = _load_index(members, name)
    report = InspectReport(
        archive=name,
        archive_sha256=hashlib.sha256(data).hexdigest(),
        index=index,
        trust_source="none",
        trust_root=None,
        signers_source=None,
    )
    good = _verify_digests(report, members)
    trust = _choose_trust(report, members, good, opts)
    _inspect_boms(report, members, trust, opts)
    return report, members


def _packed_reports(
    report: InspectReport, members: Mapping[str, bytes]
) -> dict[str, dict[str, Any]]:
    """Packed check reports by the BOM sha256 they judged; every report listed in the summary."""
    by_bom: dict[str, dict[str, Any]] = {}
    for name in report.index["reports"]:
        data = members.get(name)
        if data is None:
            continue
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            report.reports.append({"member": name, "kind": None, "verdict": None})
            continue
        if not isinstance(doc, dict):
            continue
        kind = doc.get("sovbom_report")
        report.reports.append({"member": name, "kind": kind, "verdict": doc.get("verdict")})
        bom = doc.get("bom")
        if kind == "check" and isinstance(bom, dict) and isinstance(bom.get("sha256"), str):
            by_bom[bom["sha256"]] = doc
    return by_bom


def _inspect_boms(
    report: InspectReport, members: Mapping[str, bytes], trust: Any, opts: InspectOptions
) -> None:
    from sovbom import signing
    from sovbom.cyclonedx.integrity import integrity_problems
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.cyclonedx.schema import schema_problems

    policy = _packed_policy(report, members)
    packed = _packed_reports(report, members)
    as_of = _date(report.index.get("as_of"), f"{report.archive}!{INDEX}")
    evidence = _packed_evidence(report, members, trust)
    for entry in report.index["boms"]:
        name = entry["bom"]
        data = members.get(name)
        if data is None:
            continue
        item = BomInspection(name, hashlib.sha256(data).hexdigest(), entry.get("bundle"))
        report.boms.append(item)
        try:
            loaded = parse_bom(data, name)
        except InputError as e:
            report.add("schema", name, False, f"not a readable CycloneDX BOM: {e.message}")
            continue
        problems = schema_problems(loaded.doc, loaded.spec_version)
        item.schema_ok = not problems
        report.add(
            "schema",
            name,
            item.schema_ok,
            f"valid CycloneDX {loaded.spec_version}"
            if item.schema_ok
            else f"{len(problems)} schema problems, first: {problems[0]}",
        )
        integrity = integrity_problems(loaded.doc)
        item.integrity_ok = not integrity
        report.add(
            "integrity",
            name,
            item.integrity_ok,
            "references consistent"
            if item.integrity_ok
            else f"{len(integrity)} problems, first: {integrity[0]}",
        )
        roles: frozenset[str] = frozenset()
        bundle_name = entry.get("bundle")
        if bundle_name is None:
            report.add("signature", name, False, "not signed: no bundle in the pack")
        elif trust is not None and bundle_name in members:
            try:
                verdict = signing.verify_bundle_for_bytes(
                    data,
                    members[bundle_name],
                    trust.signers,
                    trust.trust,
                    predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
                    name=name,
                )
            except SovbomError as e:
                report.add("signature", name, False, f"{bundle_name}: {e.message}")
                item.signature = {"ok": False, "reason": e.message}
            else:
                item.signature = verdict.to_dict()
                roles = frozenset(verdict.roles)
                when = verdict.integrated_time or "unknown time"
                report.add(
                    "signature",
                    name,
                    True,
                    f"signed by {verdict.identity} ({', '.join(verdict.roles) or 'no role'};"
                    f" issuer {verdict.issuer}) at {when}, log index {verdict.log_index}",
                )
        if policy is not None:
            _recheck(report, item, loaded, policy, roles, packed, as_of, opts, evidence)


def _packed_evidence(report: InspectReport, members: Mapping[str, bytes], trust: Any) -> list[Any]:
    """The packed evidence documents whose signature holds with the inspector's trust material."""
    from sovbom.evidence import evidence_from_bytes

    out: list[Any] = []
    for entry in report.index.get("evidence") or ():
        name, bundle = entry["document"], entry["bundle"]
        if name not in members or bundle not in members:
            continue  # reported by the digest check
        if trust is None:
            report.add("evidence", name, False, "signature not checked: no trust material given")
            continue
        try:
            item = evidence_from_bytes(members[name], name, members[bundle], trust)
        except SovbomError as e:
            report.add("evidence", name, False, f"{bundle}: {e.message}")
            continue
        out.append(item)
        report.add("evidence", name, True, f"signed by {item.signer()}")
    return out


def _date(value: Any, source: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise InputError(f"not a date: {value!r}", source=source, location="$.as_of") from e


def _packed_policy(report: InspectReport, members: Mapping[str, bytes]) -> Any:
    from sovbom.policy import policy_from_dict
    from sovbom.project_schemas import check_against

    name = report.index.get("policy")
    if name is None or name not in members:
        return None
    data = members[name]
    try:
        raw = parse_json(data, name) if name.endswith(".json") else parse_yaml(data, name)
        check_against(raw, "policy.schema.json", name, what="sovbom policy")
        policy = policy_from_dict(raw, name)
    except InputError as e:
        report.add("policy", name, False, f"unreadable policy: {e.message}")
        return None
    policy.sha256 = hashlib.sha256(data).hexdigest()
    return policy


def _recheck(
    report: InspectReport,
    item: BomInspection,
    loaded: Any,
    policy: Any,
    roles: frozenset[str],
    packed: Mapping[str, dict[str, Any]],
    as_of: dt.date | None,
    opts: InspectOptions,
    evidence: Sequence[Any] = (),
) -> None:
    from sovbom.checking import CheckReport
    from sovbom.evidence import corroborated
    from sovbom.graph import build_graph
    from sovbom.policy import Severity, VerificationContext, evaluate

    prior = packed.get(item.sha256)
    fail_on = opts.fail_on
    if prior and prior.get("fail_on") in {s.label for s in Severity}:
        fail_on = str(prior["fail_on"])
    if prior and as_of is None:
        try:
            as_of = _date(prior.get("as_of"), item.member)
        except InputError:
            as_of = None
    today = as_of or dt.datetime.now(dt.UTC).date()
    pg = build_graph(loaded.doc, source=item.member)
    verified = corroborated(loaded.doc, evidence)
    result = evaluate(
        pg, policy, VerificationContext(attested_by=roles, verified=verified), today=today
    )
    item.verdict = "fail" if result.fails(Severity.parse(fail_on)) else "pass"
    item.check = CheckReport(
        result=result,
        graph=pg,
        policy=policy,
        bom_source=item.member,
        bom_sha256=item.sha256,
        bom_serial=loaded.doc.get("serialNumber"),
        policy_sha256=policy.sha256,
        as_of=today.isoformat(),
        fail_on=fail_on,
        signature=item.signature if item.signature and item.signature.get("ok") else None,
    )
    if prior is None:
        report.add(
            "policy",
            item.member,
            True,
            f"re-run check: {item.verdict} (fail-on {fail_on}); no packed report to compare",
        )
        return
    item.packed_verdict = str(prior.get("verdict"))
    counts = result.counts_by_severity()
    prior_counts = (prior.get("summary") or {}).get("findings")
    same = item.packed_verdict == item.verdict and (prior_counts in (None, counts))
    detail = f"re-run check: {item.verdict}; packed report says {item.packed_verdict}"
    if prior_counts not in (None, counts):
        detail += f"; findings {counts} vs packed {prior_counts}"
    report.add("policy", item.member, same, detail)


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


def check_report_json(
    data: bytes,
    source: str,
    policy: Any,
    *,
    bundle: bytes | None,
    trust: Any,
    as_of: dt.date,
    fail_on: str,
    evidence: Sequence[Any] = (),
) -> bytes:
    """The JSON check report of one BOM (as ``sovbom check -f json`` writes it), for packing.

    With ``trust`` the BOM's bundle is verified first (fail closed: exit 3 when it does not hold);
    ``evidence`` (verified :class:`sovbom.evidence.EvidenceFile`) makes components verified.
    """
    from sovbom import signing
    from sovbom.checking import CheckReport
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.evidence import corroborated
    from sovbom.graph import build_graph
    from sovbom.policy import VerificationContext, evaluate
    from sovbom.report.json_format import check_report_dict

    loaded = parse_bom(data, source)
    pg = build_graph(loaded.doc, source=source)
    context = VerificationContext()
    signature = None
    if trust is not None:
        if bundle is None:
            raise VerificationFailed(f"{source}: not signed: no Sigstore bundle")
        verdict = signing.verify_bundle_for_bytes(
            data,
            bundle,
            trust.signers,
            trust.trust,
            predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
            name=source,
        )
        signature = verdict.to_dict()
        context.attested_by = frozenset(verdict.roles)
        context.verified = corroborated(loaded.doc, evidence)
    result = evaluate(pg, policy, context, today=as_of)
    report = CheckReport(
        result=result,
        graph=pg,
        policy=policy,
        bom_source=source,
        bom_sha256=hashlib.sha256(data).hexdigest(),
        bom_serial=loaded.doc.get("serialNumber"),
        policy_sha256=policy.sha256,
        as_of=as_of.isoformat(),
        fail_on=fail_on,
        signature=signature,
        verified_evidence=dict(context.verified),
    )
    # sorted keys: the same inputs give the same bytes (the "names" map is built from a set)
    return orjson.dumps(
        check_report_dict(report),
        option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_SORT_KEYS,
    )
