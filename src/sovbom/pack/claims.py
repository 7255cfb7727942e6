"""Origin claims in an evidence pack: packed with ``sovbom pack --claim``, re-evaluated offline by
``sovbom inspect``.

A pack may carry one claim definition (``claims/<file>``, index ``claim``). Every BOM's check
report is then made with the claim (:func:`sovbom.checking.check_bom`), so the report's
``claim`` section is the claim's result on that server, and the inspector's re-derivation of the
report re-evaluates the claim: a packed result that disagrees with it is tampering, like any
other difference in a check report.

A pack may also carry claim results signed on their own (``sovbom claim`` then ``sovbom sign
--attest``: an in-toto statement of predicate type
:data:`~sovbom.taxonomy.CLAIM_RESULT_PREDICATE_TYPE`), each with its bundle (index
``claim_results``). ``pack`` verifies each one and refuses one that disagrees with the claim
re-evaluated on the packed BOM; ``inspect`` verifies its signature with the inspector's trust
material and compares it with the re-derivation again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, parse_json, read_bytes
from sovbom.errors import InputError, SovbomError, VerificationFailed
from sovbom.taxonomy import CLAIM_RESULT_PREDICATE_TYPE

if TYPE_CHECKING:
    from sovbom.claims import Claim
    from sovbom.pack.build import PackBuilder
    from sovbom.pack.inspect import BomInspection, InspectReport
    from sovbom.signing import TrustOptions

#: What a signed claim result must agree on with its re-derivation (the rest names files as the
#: signer saw them, or the trust material that verified the BOM's signature).
COMPARED = (
    ("claim", "name"),
    ("claim", "country"),
    ("claim", "sha256"),
    ("bom", "sha256"),
    ("bom", "serialNumber"),
    ("as_of",),
    ("holds",),
    ("conditions",),
    ("by_stage",),
)
#: Reasons named per failing condition in an inspection's detail.
SHOWN = 3


def add_claim(builder: PackBuilder, path: str) -> Claim:
    """Pack the claim definition; the claim is named as the inspector's re-check names it."""
    from sovbom.claims import claim_from_bytes

    data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)
    claim_from_bytes(data, display_name(path))  # errors name the file given
    member = builder.add("claim", path, data)
    builder.claim = member
    return claim_from_bytes(data, member)


def compared(result: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a claim result that a re-derivation must reproduce (:data:`COMPARED`)."""
    out: dict[str, Any] = {}
    for path in COMPARED:
        node: Any = result
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        out[".".join(path)] = node
    return out


def claim_differences(signed: Mapping[str, Any], derived: Mapping[str, Any]) -> list[str]:
    """Where a claim result differs from its re-derivation, as JSON paths with both values."""
    from sovbom.pack.rederive import differences

    a, b = compared(signed), compared(derived)
    out: list[str] = []
    for key in a:
        out += [d.replace("$", f"$.{key}", 1) for d in differences(a[key], b[key])]
    return out


def describe(result: Mapping[str, Any]) -> str:
    """A claim result in one line: its verdict, and each failing condition with its reasons."""
    from sovbom.claims import claim_title, reason_text

    failing = []
    for c in result.get("conditions") or ():
        if c.get("holds"):
            continue
        reasons = list(c.get("reasons") or ())
        shown = "; ".join(reason_text(r) for r in reasons[:SHOWN])
        more = f" (and {len(reasons) - SHOWN} more)" if len(reasons) > SHOWN else ""
        failing.append(f"{c.get('id')} fails: {shown}{more}")
    return claim_title(result) + (": " + " | ".join(failing) if failing else "")


def _derived_results(builder: PackBuilder) -> dict[str, dict[str, Any]]:
    """BOM SHA-256 -> the claim result in its packed check report."""
    out: dict[str, dict[str, Any]] = {}
    for entry in builder.reports:
        doc = parse_json(builder.members[entry["member"]].data, entry["member"])
        if isinstance(doc, dict) and isinstance(doc.get("claim"), dict):
            out[str(entry["bom_sha256"])] = doc["claim"]
    return out


def add_claim_results(
    builder: PackBuilder, paths: Sequence[str], trust: TrustOptions | None
) -> None:
    """Pack signed claim results (each with its ``.sigstore.json``): verified, and equal to the
    claim re-evaluated on the packed BOM (exit 3 when one is not)."""
    from sovbom import signing

    if not paths:
        return
    if builder.claim is None or trust is None:
        raise InputError("--claim-result needs --claim, --policy and --signers")
    derived = _derived_results(builder)
    for path in paths:
        name = display_name(path)
        data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)
        bundle_path = signing.default_bundle_path(path)
        if not bundle_path.exists():
            raise VerificationFailed(f"{name}: not signed: no Sigstore bundle at {bundle_path}")
        bundle = read_bytes(bundle_path, limit=MAX_SMALL_INPUT_BYTES)
        _verify_result(data, bundle, name, display_name(bundle_path), trust)
        doc = parse_json(data, name)
        bom_sha = doc.get("bom", {}).get("sha256") if isinstance(doc, dict) else None
        if not isinstance(bom_sha, str) or bom_sha not in derived:
            raise InputError("a claim result of a BOM that is not packed (or of another claim)",
                             source=name)  # fmt: skip
        diffs = claim_differences(doc, derived[bom_sha])
        if diffs:
            raise VerificationFailed(
                f"{name}: differs from the claim re-evaluated on the packed BOM: "
                + "; ".join(diffs[:SHOWN])
            )
        member = builder.add("claim-result", path, data)
        bundle_member = builder.add(
            "claim-result-bundle", member, bundle, name=f"{member}.sigstore.json"
        )
        bom = next(b["bom"] for b in builder.boms if b["sha256"] == bom_sha)
        builder.claim_results.append(
            {"result": member, "bundle": bundle_member, "bom": bom, "bom_sha256": bom_sha}
        )


def _verify_result(
    data: bytes, bundle: bytes, name: str, bundle_name: str, trust: TrustOptions
) -> str:
    """Verify a claim result's bundle (its own predicate type); the signer, for the report."""
    from sovbom import signing

    verdict = signing.verify_bundle_for_bytes(
        data,
        bundle,
        trust.signers,
        trust.trust,
        predicate_types=(CLAIM_RESULT_PREDICATE_TYPE,),
        name=name,
        bundle_name=bundle_name,
    )
    return f"{verdict.identity} ({verdict.issuer})"


# ------------------------------------------------------------------ inspecting


def packed_claim(report: InspectReport, members: Mapping[str, bytes]) -> Claim | None:
    """The pack's claim definition (None when it carries none, or it is unreadable: reported)."""
    from sovbom.claims import claim_from_bytes

    name = report.index.get("claim")
    if not isinstance(name, str) or name not in members:
        return None
    try:
        return claim_from_bytes(members[name], name)
    except InputError as e:
        report.add("claim", name, False, f"unreadable claim: {e.message}")
        return None


def judge_claim(report: InspectReport, item: BomInspection, fail_on: str) -> None:
    """Say the re-evaluated claim (which condition fails, and why); a claim that does not hold
    makes the inspector's verdict on the BOM ``fail`` (unless ``--fail-on never``)."""
    result = item.check.claim if item.check is not None else None
    if result is None:
        return
    item.claim_holds = bool(result["holds"])
    report.add("claim", item.member, True, "re-evaluated offline: " + describe(result))
    if not item.claim_holds and fail_on != "never":
        item.verdict = "fail"


def inspect_claim_results(
    report: InspectReport, members: Mapping[str, bytes], trust: TrustOptions | None
) -> None:
    """Each signed claim result: its signature (the inspector's trust), then its agreement with
    the claim re-evaluated on its BOM."""
    boms = {b.sha256: b for b in report.boms}
    for entry in report.index.get("claim_results") or ():
        name, bundle = entry["result"], entry["bundle"]
        if name not in members or bundle not in members:
            continue  # reported by the index check
        data = members[name]
        if trust is None:
            report.add("claim", name, False, "signature not checked: no trust material given")
            continue
        try:
            signer = _verify_result(data, members[bundle], name, bundle, trust)
            doc = parse_json(data, name)
        except SovbomError as e:
            report.add("claim", name, False, f"{bundle}: {e.message}")
            continue
        item = boms.get(entry["bom_sha256"])
        bound = isinstance(doc, dict) and doc.get("bom", {}).get("sha256") == entry["bom_sha256"]
        derived = item.check.claim if item is not None and item.check is not None else None
        if not bound or derived is None:
            why = "not the BOM the index binds it to" if not bound else "its BOM was not re-checked"
            report.add("claim", name, False, f"signed by {signer}; {why}")
            continue
        diffs = claim_differences(doc, derived)
        if diffs:
            report.add("claim", name, False,
                       f"signed by {signer}; differs from its re-derivation: " + "; ".join(diffs[:SHOWN]))  # fmt: skip
        else:
            report.add("claim", name, True, f"signed by {signer}; equal to its re-derivation")


__all__ = [
    "COMPARED",
    "add_claim",
    "add_claim_results",
    "claim_differences",
    "compared",
    "describe",
    "inspect_claim_results",
    "judge_claim",
    "packed_claim",
]
