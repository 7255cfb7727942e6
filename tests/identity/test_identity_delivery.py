"""``verify-delivery --hardware-roots``: identity evidence at the dock, against the signed factory
HBOM (with the local test Sigstore instance of the signing tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from device_pki import VendorPKI
from shipment import factory_doc, gpu, observed_doc

from helpers import add_test_dirs, load_conftest
from sovbom.identity.reasons import Reason
from sovbom.model import Component
from sovbom.project_schemas import validator

add_test_dirs("signing", "delivery")
_signing = load_conftest("signing", "sovbom_tests_signing_conftest")
local_sigstore = _signing.local_sigstore
trust = _signing.trust
_isolated_home = _signing._isolated_home

from delivery_support import sign, write_signers  # noqa: E402
from signing_support import Trust, invoke  # noqa: E402

POLICY = {
    "domestic_countries": ["US"],
    "require_origin": False,
    "verification": {
        "critical": "declared",
        "default": "declared",
        "classes": {"gpu": "hardware-verified"},
    },
}


def _rooted(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    refs = [c["bom-ref"] for c in doc["components"]]
    server = Component(ref=f"{prefix}server", name="server", cls="server", serial="SRV-1")
    doc["metadata"] = {"component": server.to_cdx()}
    doc["dependencies"] = [{"ref": f"{prefix}server", "dependsOn": refs}] + [
        {"ref": r} for r in refs
    ]
    return doc


def _dock(tmp_path: Path, pki: VendorPKI, trust: Trust, *, tamper: bool) -> list[str]:
    d0, d1 = pki.device("S0"), pki.device("S1")
    t0 = d0.transcript()
    if tamper:
        t0 = t0[:-1] + bytes([t0[-1] ^ 1])
    observed = _rooted(
        observed_doc(
            [
                (gpu("o:gpu0", "S0", "GPU0"), d0, t0, None),
                (gpu("o:gpu1", "S1", "GPU1"), d1, d1.transcript(), None),
            ]
        ),
        "o:",
    )
    factory = _rooted(
        factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)]), "f:"
    )
    roots = tmp_path / "acme.pem"
    roots.write_bytes(pki.root_pem())
    obs, fac = tmp_path / "observed.cdx.json", tmp_path / "factory.cdx.json"
    obs.write_text(json.dumps(observed))
    fac.write_text(json.dumps(factory))
    sign(trust, fac)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY))
    return [
        "verify-delivery", "--signers", str(write_signers(tmp_path / "signers.yaml")),
        "--trust-config", str(trust.trust_config), "--offline", "--expected", str(fac),
        "--observed", str(obs), "-p", str(policy), "-f", "json", "--hardware-roots", str(roots),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def pki() -> VendorPKI:
    return VendorPKI("Acme GPU", curve="P-384")


def test_valid_evidence_passes_at_hardware_verified(
    tmp_path: Path, pki: VendorPKI, trust: Trust
) -> None:
    args = _dock(tmp_path, pki, trust, tamper=False)
    result = invoke(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert not list(validator("delivery-report.schema.json").iter_errors(report))
    assert report["policy"]["verification_levels"]["hardware-verified"] == 2
    # the same delivery without the roots: the policy's requirement is not met
    without = args[: args.index("--hardware-roots")]
    assert invoke(*without).exit_code == 1


def test_tampered_evidence_fails_the_delivery(tmp_path: Path, pki: VendorPKI, trust: Trust) -> None:
    result = invoke(*_dock(tmp_path, pki, trust, tamper=True))
    assert result.exit_code == 3
    assert "hardware identity: f:gpu0" in result.stderr
    assert Reason.SIGNATURE_INVALID.value in result.stderr
    report = json.loads(result.stdout)
    # the report says what the exit code says
    assert report["verdict"] == "fail"
    assert any(r.startswith("hardware identity: f:gpu0") for r in report["reasons"])
    assert report["policy"]["verification_levels"]["hardware-verified"] == 1


def _server_dir(d: Path, pki: VendorPKI, trust: Trust, serial: str, *, tamper: bool) -> None:
    """One server of a shipment: signed expected.cdx.json, observed.cdx.json with GPU evidence
    whose transcript is a file beside it (evidence/gpu0.spdm)."""
    from sovbom.identity import cdx

    d.mkdir()
    dev = pki.device(f"{serial}-G0")
    t = dev.transcript()
    (d / "evidence").mkdir()
    (d / "evidence" / "gpu0.spdm").write_bytes(t[:-1] + bytes([t[-1] ^ 1]) if tamper else t)
    part = gpu("o:gpu0", dev.serial, "GPU0")
    cdx.attach_evidence(part, dev.chain, source="test", transcript=("evidence/gpu0.spdm", t))
    observed = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    observed["components"] = [part.to_cdx()]
    factory = factory_doc([(gpu("f:gpu0", dev.serial, "GPU0"), dev)])
    for doc, prefix in ((observed, "o:"), (factory, "f:")):
        _rooted(doc, prefix)
        doc["metadata"]["component"]["properties"] = [
            {"name": "cdx:device:serialNumber", "value": serial}
        ]
    (d / "observed.cdx.json").write_text(json.dumps(observed))
    (d / "expected.cdx.json").write_text(json.dumps(factory))
    sign(trust, d / "expected.cdx.json")


def test_shipment_verifies_each_servers_hardware_identity(
    tmp_path: Path, pki: VendorPKI, trust: Trust
) -> None:
    ship = tmp_path / "shipment"
    ship.mkdir()
    _server_dir(ship / "srv-a", pki, trust, "SRV-A", tamper=False)
    _server_dir(ship / "srv-b", pki, trust, "SRV-B", tamper=True)
    roots = tmp_path / "acme.pem"
    roots.write_bytes(pki.root_pem())
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY))
    base = [
        "verify-delivery", "--shipment", str(ship), "--signers",
        str(write_signers(tmp_path / "signers.yaml")), "--trust-config", str(trust.trust_config),
        "--offline", "-p", str(policy), "-f", "json",
    ]  # fmt: skip
    result = invoke(*base, "--hardware-roots", str(roots), "--report-dir", str(tmp_path / "out"))
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)
    verdicts = {s["server"]: s for s in summary["servers"]}
    assert verdicts["srv-a"]["verdict"] == "pass"
    assert verdicts["srv-b"]["verdict"] == "fail"
    reasons = " ".join(verdicts["srv-b"]["reasons"])
    assert "hardware identity: f:gpu0" in reasons
    assert Reason.EVIDENCE_DIGEST_MISMATCH.value in reasons  # the file no longer matches its digest
    a = json.loads((tmp_path / "out" / "srv-a.delivery.json").read_text())
    assert a["policy"]["verification_levels"]["hardware-verified"] == 1
    # without the roots neither server reaches the level the policy asks of GPUs
    without = invoke(*base)
    assert without.exit_code == 1, without.stderr
