"""The evidence pack index (``index.json``), its schema and its signature.

The index (``schemas/evidence-index.schema.json``, format 2) is the pack's table of contents and
its claims, in one document the operator signs:

* ``members``: the SHA-256 and size of every other member, and its role;
* ``boms``: the servers the pack claims (BOM member, its SHA-256 and serial number, its bundle);
* ``reports``: every packed report with its kind, its verdict and the BOM it judged (member and
  SHA-256), so that a report cannot be detached from its BOM or change kind;
* ``as_of`` and ``fail_on``: the date and the threshold the packed check reports were made with;
* the trust material, signer policy and provenance policy the operator used.

``index.json.sigstore.json`` is a Sigstore bundle over the exact bytes of ``index.json``, signed by
an identity that holds the :data:`INDEX_ROLE` role in the signer policy. ``sovbom inspect``
verifies it with the inspector's own trust material before anything else in the pack is used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from sovbom._io import parse_json
from sovbom.errors import InputError, VerificationFailed
from sovbom.pack.safezip import HostileArchive

if TYPE_CHECKING:
    from sovbom.signing import TrustOptions, Verdict

FORMAT_VERSION = 2
INDEX = "index.json"
INDEX_BUNDLE = "index.json.sigstore.json"
INDEX_SCHEMA = "evidence-index.schema.json"
#: The signer-policy role whose signers may sign an evidence pack's index.
INDEX_ROLE = "pack"
#: Largest index.json read (10,000 members take about 2 MB).
MAX_INDEX_BYTES = 32 * 1024**2
#: Report kinds a pack may hold.
REPORT_KINDS = ("check", "delivery")

ROLE_DIRS = {
    "bom": "boms",
    "bundle": "bundles",
    "trusted-root": "trust",
    "trust-config": "trust",
    "signers": "trust",
    "policy": "policy",
    "report": "reports",
    "evidence": "evidence",
    "evidence-bundle": "evidence",
    "claim": "claims",
    "claim-result": "claims",
    "claim-result-bundle": "claims",
}


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
    return f"{ROLE_DIRS[role]}/{base[:200]}"


def dump_index(index: Mapping[str, Any]) -> bytes:
    return orjson.dumps(index, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def parse_index(data: bytes, source: str) -> dict[str, Any]:
    """The index, checked against its schema (exit 4 when it is not an index of this format)."""
    from sovbom.project_schemas import check_against

    where = f"{source}!{INDEX}"
    if len(data) > MAX_INDEX_BYTES:
        raise HostileArchive(f"{INDEX} is over {MAX_INDEX_BYTES} bytes", source=source)
    index = parse_json(data, where)
    if isinstance(index, dict) and index.get("sovbom_evidence_pack") != FORMAT_VERSION:
        raise InputError(
            f"evidence pack format {index.get('sovbom_evidence_pack')!r}: this sovbom reads"
            f" format {FORMAT_VERSION} (signed index); pack it again",
            source=where,
        )
    check_against(index, INDEX_SCHEMA, where, what="evidence pack index")
    if not isinstance(index, dict):  # pragma: no cover - the schema says object
        raise HostileArchive(f"{INDEX} is not an object", source=source)
    return index


def verify_index(data: bytes, bundle: bytes, trust: TrustOptions) -> Verdict:
    """Verify the index's bundle: signed over these bytes by a signer of the :data:`INDEX_ROLE`.

    Raises :class:`VerificationFailed` (exit 3) when it does not hold, also when the signer
    policy names no such role (nobody may then sign a pack).
    """
    from sovbom import signing

    if INDEX_ROLE not in trust.signers.roles:
        raise VerificationFailed(
            f"{INDEX}: the signer policy {trust.signers.source} names no {INDEX_ROLE!r} role:"
            " nobody may sign an evidence pack"
        )
    return signing.verify_bundle_for_bytes(
        data,
        bundle,
        trust.signers,
        trust.trust,
        roles=[INDEX_ROLE],
        predicate_types=(signing.CYCLONEDX_PREDICATE_TYPE,),
        name=INDEX,
        bundle_name=INDEX_BUNDLE,
    )


def references(index: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Every member the index names outside ``members``, with the role it must have."""
    refs: list[tuple[str | None, str]] = []
    for b in index["boms"]:
        refs += [(b["bom"], "bom"), (b.get("bundle"), "bundle")]
    trust = index["trust"]
    refs += [
        (trust.get("trusted_root"), "trusted-root"),
        (trust.get("trust_config"), "trust-config"),
        (trust.get("signers"), "signers"),
        (index.get("policy"), "policy"),
    ]
    refs += [(r["member"], "report") for r in index["reports"]]
    for e in index.get("evidence") or ():
        refs += [(e["document"], "evidence"), (e["bundle"], "evidence-bundle")]
    refs.append((index.get("claim"), "claim"))
    for c in index.get("claim_results") or ():
        refs += [
            (c["result"], "claim-result"),
            (c["bundle"], "claim-result-bundle"),
            (c["bom"], "bom"),
        ]
    from sovbom.pack.hardware import references as hardware_references

    return refs + hardware_references(index)
