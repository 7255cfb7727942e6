"""Helpers for the evidence pack tests: a signed pack of the sample servers, and zip surgery."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
from signing_support import IDENTITY, ISSUER, Trust, invoke

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
SCHEMAS = REPO / "schemas"
SERVERS = ("hgx-b200-jp.hbom.cdx.json", "monaka-2u-jp.hbom.cdx.json")
AS_OF = "2026-11-01"
#: The sample servers have findings at the default --fail-on (high): an honest pack of them
#: holds, and 'inspect' exits 1 on them as 'sovbom check' does.
HOLDS_WITH_FINDINGS = 1


def validator(name: str) -> Any:
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / name).read_text()))


INDEX_SCHEMA = validator("evidence-index.schema.json")
INSPECT_SCHEMA = validator("inspect-report.schema.json")


@dataclass
class SignedPack:
    archive: Path
    dir: Path
    boms: list[Path]
    signers: Path
    trust: Trust


def write_signers(path: Path, identity: str = IDENTITY) -> Path:
    """The factory signs the BOMs (manufacturer) and the pack's index (pack)."""
    path.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {identity}, issuer: '{ISSUER}'}}\n"
        f"  pack:\n    signers:\n      - {{identity: {identity}, issuer: '{ISSUER}'}}\n"
    )
    return path


def sign(trust: Trust, path: Path) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


def index_signing_args(trust: Trust, identity: str = IDENTITY) -> list[str | Path]:
    """How the operator signs the pack's index: the local instance and an identity token."""
    return ["--identity-token", trust.token(identity)]


def pack_args(d: Path, trust: Trust, out: Path, *, unsigned: bool = False) -> list[str | Path]:
    signing = ["--unsigned"] if unsigned else index_signing_args(trust)
    return [
        "pack", *(d / s for s in SERVERS), "--signers", d / "signers.yaml",
        "--trust-config", trust.trust_config, "--policy", SAMPLES / "policy.yaml",
        "--as-of", AS_OF, *signing, "-o", out,
    ]  # fmt: skip


def make_signed_pack(trust: Trust, d: Path, *, unsigned: bool = False) -> SignedPack:
    """The sample servers, signed and packed (the index signed too, unless ``unsigned``)."""
    boms = []
    for name in SERVERS:
        shutil.copy(SAMPLES / name, d / name)
        sign(trust, d / name)
        boms.append(d / name)
    signers = write_signers(d / "signers.yaml")
    archive = d / "evidence.zip"
    result = invoke(*pack_args(d, trust, archive, unsigned=unsigned))
    assert result.exit_code == 0, result.stderr
    return SignedPack(archive=archive, dir=d, boms=boms, signers=signers, trust=trust)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_zip(
    path: Path, items: Mapping[str, bytes], *, links: Mapping[str, str] | None = None
) -> Path:
    """A zip with exactly these members (and symbolic links name -> target)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in items.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def reindex(items: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute index.json's digests: the tampering an attacker who rewrites the index does."""
    index = json.loads(items["index.json"])
    for m in index["members"]:
        if m["name"] in items:
            m["sha256"] = hashlib.sha256(items[m["name"]]).hexdigest()
            m["size"] = len(items[m["name"]])
    for b in index.get("boms") or ():
        if b["bom"] in items:
            b["sha256"] = hashlib.sha256(items[b["bom"]]).hexdigest()
    items["index.json"] = json.dumps(index, indent=2).encode()
    return items


def resign_index(
    trust: Trust, items: dict[str, bytes], d: Path, *, identity: str = IDENTITY
) -> dict[str, bytes]:
    """Sign index.json again (as ``identity``): what a dishonest operator can always do."""
    index = d / "index.json"
    index.write_bytes(items["index.json"])
    result = invoke(
        "sign", index, "--trust-config", trust.trust_config, "--identity-token",
        trust.token(identity), "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    items["index.json.sigstore.json"] = index.with_name("index.json.sigstore.json").read_bytes()
    return items


def make_delivery_pack(trust: Trust, d: Path) -> SignedPack:
    """One signed server and a failing delivery report (a DIMM missing from what was observed)."""
    name = SERVERS[0]
    shutil.copy(SAMPLES / name, d / name)
    sign(trust, d / name)
    signers = write_signers(d / "signers.yaml")
    observed = json.loads((d / name).read_text())
    dropped = _drop_one_leaf(observed)
    assert dropped
    (d / "observed.cdx.json").write_text(json.dumps(observed))
    report = d / "hgx.delivery.json"
    result = invoke(
        "verify-delivery", "--expected", d / name, "--observed", d / "observed.cdx.json",
        "--signers", signers, "--trust-config", trust.trust_config, "--as-of", AS_OF,
        "-f", "json", "-o", report,
    )  # fmt: skip
    assert result.exit_code == 3, result.stderr
    archive = d / "evidence.zip"
    result = invoke(
        "pack", d / name, "--signers", signers, "--trust-config", trust.trust_config,
        "--policy", SAMPLES / "policy.yaml", "--as-of", AS_OF, "--report", report,
        *index_signing_args(trust), "-o", archive,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return SignedPack(archive=archive, dir=d, boms=[d / name], signers=signers, trust=trust)


def _drop_one_leaf(doc: dict[str, Any]) -> bool:
    """Remove one part with a serial number and no children (a part that was not delivered)."""
    stack = [doc]
    while stack:
        node = stack.pop()
        comps = node.get("components") or []
        for i, c in enumerate(comps):
            props = c.get("properties") or ()
            serial = any(p.get("name") == "cdx:device:serialNumber" for p in props)
            if serial and not c.get("components"):
                ref = comps.pop(i).get("bom-ref")
                deps = [x for x in doc.get("dependencies") or () if x.get("ref") != ref]
                for x in deps:
                    x["dependsOn"] = [r for r in x.get("dependsOn") or () if r != ref]
                doc["dependencies"] = deps
                return True
        stack.extend(comps)
    return False
