"""`sovbom check` with signatures: attested and verified levels, fail-closed signature checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
GPU_VENDOR = "firmware-release@gpu-vendor.example"


def sign(trust: Trust, path: Path, identity: str = IDENTITY) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(identity),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


@pytest.fixture
def setup(trust: Trust, tmp_path: Path) -> dict[str, Path]:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    sign(trust, bom)
    signers = tmp_path / "signers.yaml"
    signers.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
        f"  gpu-vendor:\n    signers:\n      - {{identity: {GPU_VENDOR}, issuer: '{ISSUER}'}}\n"
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "domestic_countries: [JP]\napproved_countries: [US, TW, DE, KR, MY, TH, IL]\n"
        "critical_types: [firmware, gpu-baseboard]\n"
        "verification: {critical: verified, default: attested, attestation_roles: [manufacturer]}\n"
    )
    # the GPU vendor's own firmware SBOM for the HGX board: its serial number is the one the
    # factory HBOM links to, and it lists the VBIOS image hashes
    doc = json.loads(bom.read_bytes())
    vbios_hashes = [
        c["components"][0]["hashes"][0]["content"]
        for c in doc["components"][0]["components"][1]["components"]
        if c["bom-ref"].startswith("hw:chassis/hgx/gpu")
    ]
    sub = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:4f6f0d9a-6a0e-4b43-9c1e-5a7d2b1c0e11",
        "version": 1,
        "components": [
            {"type": "firmware", "name": "vbios", "version": "97.00.8A.00.1F", "bom-ref": f"vbios{i}",
             "hashes": [{"alg": "SHA-256", "content": h}]}
            for i, h in enumerate(vbios_hashes)
        ],
    }  # fmt: skip
    sub_path = tmp_path / "hgx-firmware.cdx.json"
    sub_path.write_text(json.dumps(sub))
    sign(trust, sub_path, GPU_VENDOR)
    return {"bom": bom, "signers": signers, "policy": policy, "sub": sub_path}


def check(trust: Trust, s: dict[str, Path], *extra: str | Path) -> Any:
    return invoke(
        "check", s["bom"], "--policy", s["policy"], "--signers", s["signers"],
        "--trust-config", trust.trust_config, "--offline", "-f", "json", "--fail-on", "critical", *extra,
    )  # fmt: skip


def levels(report: dict[str, Any]) -> dict[str, str]:
    return {
        f["component"]["bom-ref"]: f["component"]["verification"]
        for f in report["findings"]
        if "component" in f
    }


def test_signed_bom_makes_components_attested(trust: Trust, setup: dict[str, Path]) -> None:
    result = check(trust, setup)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["signature"]["identity"] == IDENTITY
    assert report["signature"]["roles"] == ["manufacturer"]
    assert report["summary"]["verification_levels"]["declared"] == 0
    # critical components (firmware) need "verified": attested is not enough
    insufficient = [f for f in report["findings"] if f["rule"] == "insufficient-verification"]
    assert insufficient and all(f["component"]["verification"] == "attested" for f in insufficient)


def test_signed_evidence_makes_components_verified(trust: Trust, setup: dict[str, Path]) -> None:
    result = check(trust, setup, "--evidence", setup["sub"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    evidence = report["verified_evidence"]
    # the HGX board is vouched for by its sub-BOM (BOM-Link), each VBIOS by its hash
    assert evidence["hw:chassis/hgx"].startswith(
        f"sub-BOM {setup['sub']} signed by {GPU_VENDOR} (gpu-vendor)"
    )
    vbios = sorted(r for r in evidence if r.endswith("/vbios"))
    assert vbios == [f"fw:chassis/hgx/gpu{i}/vbios" for i in range(8)]
    assert all("SHA-256 matches signed reference" in evidence[r] for r in vbios)
    assert report["summary"]["verification_levels"]["verified"] == 9
    lv = levels(report)
    assert lv["hw:chassis/hgx"] == "verified"  # its remaining finding: made in an approved country
    rules = {(f["component"]["bom-ref"], f["rule"]) for f in report["findings"] if "component" in f}
    assert ("hw:chassis/hgx", "insufficient-verification") not in rules
    assert ("fw:chassis/hgx/gpu0/vbios", "insufficient-verification") not in rules
    # the GPUs themselves stay attested: a verified parent never verifies its children
    assert lv["hw:chassis/hgx/gpu0"] == "attested"


def test_changed_byte_fails_closed(trust: Trust, setup: dict[str, Path]) -> None:
    data = setup["bom"].read_bytes()
    setup["bom"].write_bytes(data.replace(b"SAMPLE-GPU-0003", b"SAMPLE-GPU-0004", 1))
    result = check(trust, setup)
    assert result.exit_code == 3
    assert "verification failed" in result.stderr
    assert result.stdout == ""


def test_unsigned_bom_fails_closed(trust: Trust, setup: dict[str, Path]) -> None:
    setup["bom"].with_name(setup["bom"].name + ".sigstore.json").unlink()
    result = check(trust, setup)
    assert result.exit_code == 3
    assert "not signed: no Sigstore bundle" in result.stderr


def test_untrusted_signer_fails_closed(trust: Trust, setup: dict[str, Path]) -> None:
    sign(trust, setup["bom"], "someone-else@elsewhere.example")
    result = check(trust, setup)
    assert result.exit_code == 3


def test_evidence_with_a_bad_signature_fails_closed(trust: Trust, setup: dict[str, Path]) -> None:
    setup["sub"].write_text(setup["sub"].read_text().replace("vbios0", "vbiosX"))
    result = check(trust, setup, "--evidence", setup["sub"])
    assert result.exit_code == 3
    assert str(setup["sub"]) in result.stderr
