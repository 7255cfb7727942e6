"""Evidence packs carry signed evidence (a supplier's sub-BOM): the regulator's re-run check
sees the same verified components as the operator's, and tampering with the evidence is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pack_support import (
    HOLDS_WITH_FINDINGS,
    INDEX_SCHEMA,
    INSPECT_SCHEMA,
    SAMPLES,
    index_signing_args,
    members,
    reindex,
    resign_index,
    sign,
    write_zip,
)
from signing_support import IDENTITY, ISSUER, Trust, invoke

GPU_VENDOR = "firmware-release@gpu-vendor.example"
HGX = "hgx-b200-jp.hbom.cdx.json"


def _setup(trust: Trust, d: Path) -> dict[str, Path]:
    bom = d / HGX
    shutil.copy(SAMPLES / HGX, bom)
    sign(trust, bom)
    signers = d / "signers.yaml"
    signers.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
        f"  gpu-vendor:\n    signers:\n      - {{identity: {GPU_VENDOR}, issuer: '{ISSUER}'}}\n"
        f"  pack:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
    )
    # the GPU vendor's sub-BOM that the HGX board links to (by its BOM-Link serial number)
    sub = d / "hgx-firmware.cdx.json"
    sub.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "serialNumber": "urn:uuid:4f6f0d9a-6a0e-4b43-9c1e-5a7d2b1c0e11",
                "version": 1,
                "components": [{"type": "firmware", "name": "hgx-fw", "bom-ref": "fw"}],
            }
        )
    )
    result = invoke(
        "sign", sub, "--trust-config", trust.trust_config, "--identity-token",
        trust.token(GPU_VENDOR), "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    archive = d / "evidence.zip"
    result = invoke(
        "pack", bom, "--signers", signers, "--trust-config", trust.trust_config,
        "--policy", SAMPLES / "policy.yaml", "--evidence", sub, "--as-of", "2026-11-01",
        *index_signing_args(trust), "-o", archive,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return {"archive": archive, "signers": signers, "sub": sub}


def _inspect(trust: Trust, archive: Path, signers: Path) -> Any:
    return invoke(
        "inspect", archive, "--trusted-root", trust.trusted_root, "--signers", signers,
        "-f", "json",
    )  # fmt: skip


def test_evidence_is_packed_and_counts_in_the_rerun_check(trust: Trust, tmp_path: Path) -> None:
    s = _setup(trust, tmp_path)
    items = members(s["archive"])
    index = json.loads(items["index.json"])
    assert not list(INDEX_SCHEMA.iter_errors(index))
    assert index["evidence"] == [
        {
            "document": "evidence/hgx-firmware.cdx.json",
            "bundle": "evidence/hgx-firmware.cdx.json.sigstore.json",
        }
    ]
    packed = json.loads(items[f"reports/check-{HGX}"])
    assert "hw:chassis/hgx" in packed["verified_evidence"]
    result = _inspect(trust, s["archive"], s["signers"])
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr + result.stdout
    report = json.loads(result.stdout)
    assert not list(INSPECT_SCHEMA.iter_errors(report))
    evidence = [c for c in report["checks"] if c["kind"] == "evidence"]
    assert evidence and all(c["ok"] for c in evidence)
    assert f"signed by {GPU_VENDOR} (gpu-vendor)" in evidence[0]["detail"]


def test_tampered_evidence_is_caught(trust: Trust, tmp_path: Path) -> None:
    s = _setup(trust, tmp_path)
    items = members(s["archive"])
    name = "evidence/hgx-firmware.cdx.json"
    items[name] = items[name].replace(b"hgx-fw", b"hgx-XX")
    archive = write_zip(tmp_path / "tampered.zip", resign_index(trust, reindex(items), tmp_path))
    result = _inspect(trust, archive, s["signers"])
    assert result.exit_code == 3
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    # the evidence no longer counts, so the packed report (which counted it) is not re-derived
    assert [(c["kind"], c["subject"]) for c in failed] == [
        ("evidence", name),
        ("report", f"reports/check-{HGX}"),
    ]
    assert "verified" in failed[1]["detail"]
    assert "verification failed" in failed[0]["detail"]


def test_unsigned_evidence_is_not_packed(trust: Trust, tmp_path: Path) -> None:
    s = _setup(trust, tmp_path)
    s["sub"].with_name(s["sub"].name + ".sigstore.json").unlink()
    result = invoke("pack", tmp_path / HGX, "--evidence", s["sub"], "-o", tmp_path / "x.zip")
    assert result.exit_code == 3
    assert "not signed" in result.stderr
    assert not (tmp_path / "x.zip").exists()
