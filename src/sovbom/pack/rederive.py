"""Re-deriving a pack's reports from its signed inputs, and comparing them with the packed ones.

Every check report is made again with :func:`sovbom.checking.check_bom` (the computation of
``sovbom check``) from the packed BOM, the packed policy, and the date and ``fail_on`` threshold
the signed index records, with the *inspector's* trust material, then compared with the packed
report as a whole: verdict, threshold, findings (severities, countries, paths), summary, names,
signer, kind, BOM digest. Any difference is tampering. Only what legitimately differs is left out
of the comparison (:data:`NOT_COMPARED`).

Separately, the same findings are judged at the *inspector's* ``--fail-on``: that is the
inspector's own verdict (:attr:`BomInspection.verdict`). The packed threshold never decides it;
it is only what the operator claimed, and what the packed reports are compared at. A delivery report cannot be re-derived (a pack holds no observed
inventory): it is bound by the signed index's digest, and the report says it was not re-derived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from sovbom._io import parse_json, parse_yaml
from sovbom.errors import InputError, SovbomError
from sovbom.pack.index import INDEX, references
from sovbom.pack.inspect import BomInspection, InspectOptions, InspectReport

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.claims import Claim
    from sovbom.cyclonedx.reader import LoadedBom
    from sovbom.evidence import EvidenceFile
    from sovbom.identity import TrustStore
    from sovbom.policy import Policy
    from sovbom.signing import TrustOptions, Verdict

#: Report fields not compared, and why: ``tool`` names the sovbom that wrote the report (the
#: inspector may run a later one; a difference is a warning), ``signature.trust_root`` is the
#: trust material that verified the signature (the inspector's own, by design, not the operator's).
NOT_COMPARED = (
    ("tool",),
    ("signature", "trust_root"),
    ("claim", "tool"),
    ("claim", "signature", "trust_root"),
)
#: Differences shown per report.
SHOWN = 3


def inspect_contents(
    report: InspectReport,
    members: Mapping[str, bytes],
    trust: TrustOptions | None,
    opts: InspectOptions,
) -> None:
    """Everything after the digests: index consistency, BOMs, evidence and every report."""
    from sovbom.pack import claims

    _index_consistency(report)
    policy = packed_policy(report, members)
    claim = claims.packed_claim(report, members)
    as_of = _date(report.index.get("as_of"), f"{report.archive}!{INDEX}")
    evidence = _packed_evidence(report, members, trust)
    from sovbom.pack.hardware import inspect_roots

    roots = inspect_roots(report, members, opts)
    for entry in report.index["boms"]:
        _inspect_bom(report, entry, members, trust, policy, as_of, evidence, opts, claim, roots)
    _inspect_reports(report, members, policy is not None, opts)
    claims.inspect_claim_results(report, members, trust)


def _index_consistency(report: InspectReport) -> None:
    """Every name the index uses is a listed member of its role; every server is there once."""
    listed = {m["name"]: m for m in report.index["members"]}
    for ref, role in references(report.index):
        entry = listed.get(ref) if ref is not None else None
        if ref is not None and (entry is None or entry["role"] != role):
            report.add(
                "index", ref, False, f"the index names it as a {role} but lists no such member"
            )
    seen: dict[str, str] = {}
    for b in report.index["boms"]:
        member = listed.get(b["bom"])
        if member is not None and member["sha256"] != b["sha256"]:
            report.add("index", b["bom"], False, "the index's BOM digest and member digest differ")
        for key in (b["sha256"], b.get("serialNumber")):
            if key is None:
                continue
            if key in seen:
                report.add(
                    "index",
                    b["bom"],
                    False,
                    f"the same server as {seen[key]} ({key}): packed twice",
                )
            seen.setdefault(key, b["bom"])


def packed_policy(report: InspectReport, members: Mapping[str, bytes]) -> Policy | None:
    name = report.index.get("policy")
    if name is None or name not in members:
        return None
    try:
        return policy_from_bytes(members[name], name)
    except InputError as e:
        report.add("policy", name, False, f"unreadable policy: {e.message}")
        return None


def policy_from_bytes(data: bytes, name: str) -> Policy:
    """A policy read from a pack, as :func:`sovbom.policy.load_policy` reads a file."""
    from sovbom.policy import SCHEMA, policy_from_dict
    from sovbom.project_schemas import check_against

    is_json = name.lower().endswith(".json") or data.lstrip()[:1] == b"{"
    raw = parse_json(data, name) if is_json else parse_yaml(data, name)
    check_against(raw, SCHEMA, name, what="not a valid sovbom policy")
    policy = policy_from_dict(raw, name)
    policy.sha256 = hashlib.sha256(data).hexdigest()
    return policy


def _date(value: object, source: str) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise InputError(f"not a date: {value!r}", source=source, location="$.as_of") from e


def _packed_evidence(
    report: InspectReport, members: Mapping[str, bytes], trust: TrustOptions | None
) -> list[EvidenceFile]:
    """The packed evidence documents whose signature holds with the inspector's trust material."""
    from sovbom.evidence import evidence_from_bytes

    out: list[EvidenceFile] = []
    for entry in report.index.get("evidence") or ():
        name, bundle = entry["document"], entry["bundle"]
        if name not in members or bundle not in members:
            continue  # reported by the index check
        if trust is None:
            report.add("evidence", name, False, "signature not checked: no trust material given")
            continue
        try:
            item = evidence_from_bytes(
                members[name], name, members[bundle], trust, bundle_name=bundle
            )
        except SovbomError as e:
            report.add("evidence", name, False, f"{bundle}: {e.message}")
            continue
        out.append(item)
        report.add("evidence", name, True, f"signed by {item.signer()}")
    return out


def _inspect_bom(
    report: InspectReport,
    entry: Mapping[str, Any],
    members: Mapping[str, bytes],
    trust: TrustOptions | None,
    policy: Policy | None,
    as_of: dt.date,
    evidence: Sequence[EvidenceFile],
    opts: InspectOptions,
    claim: Claim | None = None,
    roots: TrustStore | None = None,
) -> None:
    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.pack import hardware as hw
    from sovbom.pack.claims import judge_claim
    from sovbom.policy import fail_threshold

    name = entry["bom"]
    data = members.get(name)
    if data is None:
        return
    item = BomInspection(name, hashlib.sha256(data).hexdigest(), entry.get("bundle"))
    report.boms.append(item)
    try:
        loaded = parse_bom(data, name)
    except InputError as e:
        report.add("schema", name, False, f"not a readable CycloneDX BOM: {e.message}")
        return
    if not _schema_and_integrity(report, item, loaded):
        return
    signature, ok = _signature(report, item, loaded, members, trust)
    identity = hw.reverify(report, name, loaded, members, roots, as_of)
    if identity is not None:
        hw.compare_identity(report, name, identity, hw.packed_check_report(report, members, name))
    if policy is None or not ok:
        return
    # re-derived at the threshold the signed index records, to compare with the packed report;
    # judged at the inspector's own threshold for the inspector's verdict
    packed_fail_on = report.index.get("fail_on") or opts.fail_on
    item.check = check_bom(
        loaded,
        policy,
        as_of=as_of,
        fail_on=packed_fail_on,
        signature=signature,
        evidence=evidence if signature is not None else (),
        validate=False,
        claim=claim,
        hardware=identity,
    )
    item.verdict = "fail" if item.check.result.fails(fail_threshold(opts.fail_on)) else "pass"
    judge_claim(report, item, opts.fail_on)


def _schema_and_integrity(report: InspectReport, item: BomInspection, loaded: LoadedBom) -> bool:
    from sovbom.cyclonedx.integrity import integrity_problems
    from sovbom.cyclonedx.schema import schema_problems

    problems = schema_problems(loaded.doc, loaded.spec_version)
    item.schema_ok = not problems
    report.add(
        "schema",
        item.member,
        item.schema_ok,
        f"valid CycloneDX {loaded.spec_version}"
        if item.schema_ok
        else f"{len(problems)} schema problems, first: {problems[0]}",
    )
    integrity = integrity_problems(loaded.doc)
    item.integrity_ok = not integrity
    report.add(
        "integrity",
        item.member,
        item.integrity_ok,
        "references consistent"
        if item.integrity_ok
        else f"{len(integrity)} problems, first: {integrity[0]}",
    )
    return item.schema_ok


def _signature(
    report: InspectReport,
    item: BomInspection,
    loaded: LoadedBom,
    members: Mapping[str, bytes],
    trust: TrustOptions | None,
) -> tuple[Verdict | None, bool]:
    """The BOM's verified signature (None when it cannot be checked), and whether to go on."""
    from sovbom.checking import verify_signature

    if item.bundle is None:
        report.add("signature", item.member, False, "not signed: no bundle in the pack")
        return None, True
    if trust is None or item.bundle not in members:
        return None, True
    try:
        verdict = verify_signature(loaded, members[item.bundle], item.bundle, trust)
    except SovbomError as e:
        report.add("signature", item.member, False, f"{item.bundle}: {e.message}")
        item.signature = {"ok": False, "reason": e.message}
        return None, False
    item.signature = verdict.to_dict()
    when = verdict.integrated_time or "unknown time"
    report.add(
        "signature",
        item.member,
        True,
        f"signed by {verdict.identity} ({', '.join(verdict.roles) or 'no role'};"
        f" issuer {verdict.issuer}) at {when}, log index {verdict.log_index}",
    )
    return verdict, True


def _inspect_reports(
    report: InspectReport, members: Mapping[str, bytes], has_policy: bool, opts: InspectOptions
) -> None:
    boms = {b.member: b for b in report.boms}
    judged: set[str] = set()
    for entry in report.index["reports"]:
        name = entry["member"]
        data = members.get(name)
        if data is None:
            continue
        doc = _report_doc(report, name, data)
        if doc is None or not _bound(report, entry, doc):
            continue
        item = boms.get(entry["bom"]) if entry["bom"] else None
        if entry["kind"] == "check" and item is not None and item.check is not None:
            judged.add(item.member)
            _compare_check(report, name, doc, item, item.check, opts)
        else:
            _not_rederived(report, name, entry["kind"], has_policy)
    if has_policy:
        for b in report.boms:
            if b.check is not None and b.member not in judged:
                report.add("report", b.member, False, "no packed check report for this BOM")


def _report_doc(report: InspectReport, name: str, data: bytes) -> dict[str, Any] | None:
    try:
        doc = parse_json(data, name)  # syntax and depth
    except InputError as e:
        doc, why = None, f": {e.message.removeprefix(f'{name}: ')}"
    else:
        why = ""
    if not isinstance(doc, dict):
        report.reports.append({"member": name, "kind": None, "verdict": None})
        report.add("report", name, False, f"not a JSON report{why}")
        return None
    report.reports.append(
        {"member": name, "kind": doc.get("sovbom_report"), "verdict": doc.get("verdict")}
    )
    return doc


def _bound(report: InspectReport, entry: Mapping[str, Any], doc: Mapping[str, Any]) -> bool:
    """The report is what the index says it is: kind, verdict, and the BOM it judged."""
    kind = doc.get("sovbom_report")
    judged = doc.get("bom" if kind == "check" else "expected")
    digest = judged.get("sha256") if isinstance(judged, dict) else None
    bom = next((b for b in report.index["boms"] if b["bom"] == entry["bom"]), None)
    problems = []
    if kind != entry["kind"]:
        problems.append(f"kind {kind!r}, the index says {entry['kind']!r}")
    if doc.get("verdict") != entry["verdict"]:
        problems.append(f"verdict {doc.get('verdict')!r}, the index says {entry['verdict']!r}")
    if digest != entry["bom_sha256"] or (bom is not None and bom["sha256"] != digest):
        problems.append(f"judges BOM sha256 {digest}, the index binds it to {entry['bom_sha256']}")
    if entry["kind"] == "delivery":
        from sovbom.project_schemas import check_against

        try:
            check_against(doc, "delivery-report.schema.json", entry["member"], what="not valid")
        except InputError as e:
            problems.append(f"not a delivery report: {e.message}")
    if problems:
        report.add("report", entry["member"], False, "; ".join(problems))
    return not problems


def _not_rederived(report: InspectReport, name: str, kind: str, has_policy: bool) -> None:
    why = (
        "a pack holds no observed inventory"
        if kind == "delivery"
        else "its BOM was not re-checked"
        if has_policy
        else "no policy packed"
    )
    if report.index_signed:
        report.add("report", name, True, f"bound by the signed index; not re-derived ({why})")
    else:
        report.add(
            "report",
            name,
            False,
            f"not re-derived ({why}) and the index is not signed: unconfirmed",
        )


def _compare_check(
    report: InspectReport,
    name: str,
    packed: Mapping[str, Any],
    item: BomInspection,
    check: CheckReport,
    opts: InspectOptions,
) -> None:
    """The packed check report against its re-derivation at the packed threshold (any
    difference is tampering); the inspector's own verdict is said alongside, never compared."""
    derived = orjson.loads(orjson.dumps(opts.serialize(check)))
    if packed.get("format_version") == 1 and derived.get("format_version") != 1:
        from sovbom.report.json_format import as_format_version_1

        derived = as_format_version_1(derived)  # a report written before paths were shared
    item.packed_verdict = str(packed.get("verdict"))
    report.add(
        "policy",
        item.member,
        item.packed_verdict == check.verdict,
        f"re-derived at the packed fail_on {check.fail_on}: {check.verdict}; the packed report"
        f" says {item.packed_verdict} (at fail_on {packed.get('fail_on')}). At YOUR fail_on"
        f" {opts.fail_on}: {item.verdict}",
    )
    diffs = list(differences(_compared(packed), _compared(derived)))
    if not diffs:
        report.add("report", name, True, "equal to its re-derivation")
    else:
        more = f" (and {len(diffs) - SHOWN} more)" if len(diffs) > SHOWN else ""
        report.add(
            "report",
            name,
            False,
            "differs from its re-derivation: " + "; ".join(diffs[:SHOWN]) + more,
        )
    tool = packed.get("tool")
    if isinstance(tool, dict) and tool != derived.get("tool"):
        report.warnings.append(f"{name} was written by sovbom {tool.get('version')!r}")


def _compared(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The report without the fields that legitimately differ (:data:`NOT_COMPARED`)."""
    copy: dict[str, Any] = orjson.loads(orjson.dumps(doc))
    for path in NOT_COMPARED:
        node: Any = copy
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return copy


def _short(value: object) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."


def differences(packed: object, derived: object, path: str = "$") -> Iterator[str]:
    """Where two JSON values differ, as JSON paths with both values."""
    if isinstance(packed, dict) and isinstance(derived, dict):
        for key in sorted(set(packed) | set(derived)):
            where = f"{path}.{key}"
            if key not in packed:
                yield f"{where}: absent, re-derived {_short(derived[key])}"
            elif key not in derived:
                yield f"{where}: packed {_short(packed[key])}, absent when re-derived"
            else:
                yield from differences(packed[key], derived[key], where)
    elif isinstance(packed, list) and isinstance(derived, list) and len(packed) == len(derived):
        for i, (a, b) in enumerate(zip(packed, derived, strict=True)):
            yield from differences(a, b, f"{path}[{i}]")
    elif isinstance(packed, list) and isinstance(derived, list):
        yield f"{path}: packed {len(packed)} items, re-derived {len(derived)}"
    elif packed != derived or type(packed) is not type(derived):
        yield f"{path}: packed {_short(packed)}, re-derived {_short(derived)}"
