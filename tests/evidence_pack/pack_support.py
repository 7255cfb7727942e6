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
    path.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {identity}, issuer: '{ISSUER}'}}\n"
    )
    return path


def sign(trust: Trust, path: Path) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


def pack_args(d: Path, trust: Trust, out: Path) -> list[str | Path]:
    return [
        "pack", *(d / s for s in SERVERS), "--signers", d / "signers.yaml",
        "--trust-config", trust.trust_config, "--policy", SAMPLES / "policy.yaml",
        "--as-of", AS_OF, "-o", out,
    ]  # fmt: skip


def make_signed_pack(trust: Trust, d: Path) -> SignedPack:
    boms = []
    for name in SERVERS:
        shutil.copy(SAMPLES / name, d / name)
        sign(trust, d / name)
        boms.append(d / name)
    signers = write_signers(d / "signers.yaml")
    archive = d / "evidence.zip"
    result = invoke(*pack_args(d, trust, archive))
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
    items["index.json"] = json.dumps(index, indent=2).encode()
    return items
