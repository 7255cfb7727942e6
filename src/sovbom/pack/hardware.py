"""Hardware identity evidence in an evidence pack: packed with its BOM, re-verified by ``inspect``.

``sovbom pack --hardware-roots ROOTS [--observed BOM=HBOM]`` packs the roots file(s) used
(``hardware/roots/``), and per BOM the observed HBOM carrying the device certificate chains (or
none: the BOM itself carries them) and every evidence file it names (SPDM transcripts, captured
OCSP/CRL responses, ``hardware/<bom>/``), each listed in the signed index with its SHA-256. The
index's ``hardware`` section maps each file to the URL the HBOM names it with. The packed check
report is made from the packed bytes exactly (nothing read twice from disk), at the pack's date
for evidence without a collection time, so that ``inspect`` re-derives the same answer.

``sovbom inspect`` re-verifies the evidence offline from the members, with the inspector's
``--hardware-roots`` (or, with ``--use-packed-trust``, the packed roots: the report says so),
re-derives the hardware-verified levels inside the re-checked report, and compares each part
with the packed report: a part the packed report says proved its identity that does not on
re-verification (an altered transcript, chain or response) is a failed ``hardware`` check
naming the reason (``signature-invalid``, ``evidence-digest-mismatch``, ...): exit 3.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovbom._io import display_name, parse_json, read_bytes
from sovbom.errors import InputError

if TYPE_CHECKING:
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.identity import HardwareReport, TrustStore
    from sovbom.pack.build import PackBuilder
    from sovbom.pack.inspect import InspectOptions, InspectReport

ROOT_ROLE, OBSERVED_ROLE, EVIDENCE_ROLE = "hardware-root", "hardware-observed", "hardware-evidence"
CHECK_KIND = "hardware"


def fallback_time(as_of: dt.date) -> dt.datetime:
    """When evidence without a collection time is checked: the pack's date (midnight UTC)."""
    return dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)


def _segment(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+@-]", "_", text).lstrip("._-+@")[-150:] or "file"


@dataclass(slots=True)
class HardwarePacking:
    """The roots loaded once, and which observed HBOM goes with which BOM (paths)."""

    store: TrustStore
    observed: Mapping[str, str] = field(default_factory=dict)
    section: dict[str, Any] = field(default_factory=lambda: {"roots": [], "boms": []})


def add_roots(builder: PackBuilder, roots: str, observed: Mapping[str, str]) -> HardwarePacking:
    """Pack the roots file(s); the index's ``hardware`` section starts here."""
    from sovbom.identity.anchors import root_files, roots_from_bytes

    files = [(display_name(f), read_bytes(f)) for f in root_files(roots)]
    packing = HardwarePacking(roots_from_bytes(files), observed)
    for name, data in files:
        member = f"hardware/roots/{_segment(Path(name).name)}"
        packing.section["roots"].append(builder.add(ROOT_ROLE, name, data, name=member))
    builder.hardware = packing.section
    return packing


def pack_bom_hardware(
    builder: PackBuilder,
    packing: HardwarePacking,
    path: str,
    bom_member: str,
    loaded: LoadedBom,
    as_of: dt.date,
) -> HardwareReport:
    """Pack the BOM's identity evidence and verify it from the packed bytes."""
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.identity.evidence import evidence_files, read_evidence_file
    from sovbom.identity.levels import identity_of_bom

    stem = _segment(bom_member.split("/", 1)[1])
    observed_path = packing.observed.get(path)
    observed_member = None
    doc = loaded.doc
    base = Path(path).parent
    if observed_path is not None:
        raw = read_bytes(observed_path)
        doc = parse_bom(raw, display_name(observed_path)).doc
        base = Path(observed_path).parent
        observed_member = builder.add(
            OBSERVED_ROLE, observed_path, raw, name=f"hardware/{stem}/observed.cdx.json"
        )
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for i, url in enumerate(evidence_files(doc)):
        data = read_evidence_file(url, base)
        if data is None:
            continue  # named as unreadable by the verification, here and on inspection
        files[url] = data
        member = f"hardware/{stem}/files/{i:04d}-{_segment(url)}"
        names[url] = builder.add(EVIDENCE_ROLE, url, data, name=member)
    packing.section["boms"].append({"bom": bom_member, "observed": observed_member, "files": names})
    return identity_of_bom(
        loaded.doc,
        packing.store,
        observed=None if observed_path is None else doc,
        files=files,
        fallback=fallback_time(as_of),
    )


def references(index: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """The members the index's ``hardware`` section names, with their roles."""
    section = index.get("hardware")
    if not isinstance(section, Mapping):
        return []
    refs: list[tuple[str | None, str]] = [(r, ROOT_ROLE) for r in section["roots"]]
    for b in section["boms"]:
        refs.append((b["observed"], OBSERVED_ROLE))
        refs += [(m, EVIDENCE_ROLE) for m in b["files"].values()]
    return refs


def inspect_roots(
    report: InspectReport, members: Mapping[str, bytes], opts: InspectOptions
) -> TrustStore | None:
    """The roots to re-verify with: the inspector's, else (``--use-packed-trust``) the
    pack's; None (a failed check) when neither, or when the pack holds no hardware section."""
    from sovbom.identity.anchors import load_roots, roots_from_bytes

    section = report.index.get("hardware")
    if not isinstance(section, Mapping):
        return None
    try:
        if opts.hardware_roots:
            store = load_roots(opts.hardware_roots)
            where = f"your roots {display_name(opts.hardware_roots)}"
        elif opts.use_packed_trust:
            packed = [(n, members[n]) for n in section["roots"] if n in members]
            store = roots_from_bytes(packed)
            where = "the pack's roots (the operator's: --use-packed-trust)"
        else:
            report.add(
                CHECK_KIND,
                "roots",
                False,
                "hardware identity not re-verified: no hardware roots (give --hardware-roots,"
                " or --use-packed-trust)",
            )
            return None
    except InputError as e:
        report.add(CHECK_KIND, "roots", False, f"unusable hardware roots: {e.message}")
        return None
    anchors = ", ".join(f"{a.vendor} (sha256 {a.fingerprint[:16]})" for a in store.anchors)
    report.add(CHECK_KIND, "roots", True, f"re-verified with {where}: {anchors}")
    return store


def reverify(
    report: InspectReport,
    bom_member: str,
    loaded: LoadedBom,
    members: Mapping[str, bytes],
    store: TrustStore | None,
    as_of: dt.date,
) -> HardwareReport | None:
    """The BOM's packed identity evidence verified again from the members (None: the pack
    holds none for it, or no roots)."""
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.identity.levels import identity_of_bom

    section = report.index.get("hardware")
    if store is None or not isinstance(section, Mapping):
        return None
    entry = next((b for b in section["boms"] if b["bom"] == bom_member), None)
    if entry is None:
        return None
    observed = None
    if entry["observed"] is not None:
        data = members.get(entry["observed"])
        if data is None:
            return None  # reported by the index check
        try:
            observed = parse_bom(data, entry["observed"]).doc
        except InputError as e:
            report.add(CHECK_KIND, entry["observed"], False, f"unreadable: {e.message}")
            return None
    files = {url: members[m] for url, m in entry["files"].items() if m in members}
    return identity_of_bom(
        loaded.doc, store, observed=observed, files=files, fallback=fallback_time(as_of)
    )


def compare_identity(
    report: InspectReport,
    bom_member: str,
    hardware: HardwareReport,
    packed_report: bytes | None,
) -> None:
    """Each part's re-verified identity against what the packed check report says: a part
    whose answer changed (an altered transcript, chain or response) fails with its reason."""
    from sovbom.identity.levels import identity_view

    derived = {p.ref: p for p in identity_view(hardware)}
    packed: dict[str, Any] = {}
    if packed_report is not None:
        try:
            doc = parse_json(packed_report, bom_member)
        except InputError:
            doc = None  # reported with the report
        parts = doc.get("hardware_identity") if isinstance(doc, dict) else None
        packed = {str(p.get("bom-ref")): p for p in parts or () if isinstance(p, dict)}
    problems = []
    for ref in sorted(set(derived) | set(packed)):
        d, p = derived.get(ref), packed.get(ref)
        said = None if p is None else bool(p.get("proved"))
        now = None if d is None else d.proved
        if packed_report is not None and said != now:
            why = d.why_not() if d is not None and not d.proved else "proved"
            problems.append(f"{ref}: the packed report says {_said(said)}, re-verified: {why}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        report.add(CHECK_KIND, bom_member, False, "; ".join(problems[:3]) + more)
        return
    proved = [p for p in derived.values() if p.proved]
    failed = sorted({r for p in derived.values() if not p.proved for r, _ in p.reasons})
    detail = (
        f"{len(proved)} of {len(derived)} part(s) proved their hardware identity on re-verification"
    )
    if failed:
        detail += " (the others: " + ", ".join(failed) + ")"
    report.add(CHECK_KIND, bom_member, True, detail)


def _said(value: bool | None) -> str:
    return "nothing" if value is None else ("proved" if value else "not proved")


def packed_check_report(
    report: InspectReport, members: Mapping[str, bytes], bom: str
) -> bytes | None:
    """The packed check report of a BOM (None: none packed)."""
    for r in report.index["reports"]:
        if r["kind"] == "check" and r["bom"] == bom and r["member"] in members:
            return members[r["member"]]
    return None
