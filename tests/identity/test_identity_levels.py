"""The hardware-verified level: ``check`` with the hardware identity step's results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from device_pki import NOW, VendorPKI
from shipment import factory_doc, gpu, observed_doc

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import load_bom
from sovbom.identity import cdx, load_roots
from sovbom.identity.levels import identity_of_bom
from sovbom.identity.reasons import Reason
from sovbom.policy import Level, Rule, policy_from_dict
from sovbom.project_schemas import validator

DAY = dt.date(2026, 1, 15)
DECLARED = {"critical": "declared", "default": "declared"}
LOOSE = {"domestic_countries": ["US"], "require_origin": False, "verification": DECLARED}
STRICT = {
    **LOOSE,
    "verification": {**DECLARED, "classes": {"gpu": "hardware-verified"}},
}


def _server(doc: dict[str, Any]) -> dict[str, Any]:
    """A factory HBOM with a server root depending on every GPU (a graph without problems)."""
    refs = [c["bom-ref"] for c in doc["components"]]
    doc["metadata"] = {"component": {"type": "device", "name": "server", "bom-ref": "server"}}
    doc["dependencies"] = [{"ref": "server", "dependsOn": refs}] + [{"ref": r} for r in refs]
    return doc


def _flip_last_byte(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 1])


def _files(tmp_path: Path, pki: VendorPKI, *, tamper: bool) -> tuple[Path, Path, Path]:
    d0, d1 = pki.device("S0"), pki.device("S1")
    t0 = d0.transcript()
    observed = observed_doc(
        [
            (gpu("o:gpu0", "S0", "GPU0"), d0, _flip_last_byte(t0) if tamper else t0, None),
            (gpu("o:gpu1", "S1", "GPU1"), d1, d1.transcript(), None),
        ]
    )
    factory = _server(
        factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    )
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "acme.pem").write_bytes(pki.root_pem())
    obs, fac = tmp_path / "observed.cdx.json", tmp_path / "factory.cdx.json"
    obs.write_text(json.dumps(observed))
    fac.write_text(json.dumps(factory))
    return obs, fac, roots


def _check(tmp_path: Path, pki: VendorPKI, policy: dict[str, Any], *, tamper: bool) -> Any:
    obs, fac, roots = _files(tmp_path, pki, tamper=tamper)
    bom = load_bom(fac)
    hardware = identity_of_bom(bom.doc, load_roots(roots), observed=load_bom(obs).doc)
    return check_bom(bom, policy_from_dict(policy), as_of=DAY, fail_on="medium", hardware=hardware)


def test_valid_evidence_makes_gpus_hardware_verified(tmp_path: Path, pki: VendorPKI) -> None:
    report = _check(tmp_path, pki, STRICT, tamper=False)
    assert report.result.levels["hardware-verified"] == 2
    assert sorted(report.hardware_verified) == ["f:gpu0", "f:gpu1"]
    basis = report.hardware_verified["f:gpu0"]
    assert pki.vendor in basis and "SPDM 1.1" in basis and "revocation not-checked" in basis
    assert report.hardware_failed == {}
    assert not report.fails, [f.message for f in report.result.findings]


def test_tampered_evidence_stays_below_with_the_reason(tmp_path: Path, pki: VendorPKI) -> None:
    report = _check(tmp_path, pki, LOOSE, tamper=True)
    assert report.result.levels["hardware-verified"] == 1
    assert list(report.hardware_verified) == ["f:gpu1"]
    assert Reason.SIGNATURE_INVALID.value in report.hardware_failed["f:gpu0"]
    assert not report.fails  # nothing requires the level


def test_policy_requiring_the_level_fails_on_tampered_evidence(
    tmp_path: Path, pki: VendorPKI
) -> None:
    report = _check(tmp_path, pki, STRICT, tamper=True)
    assert report.fails
    (finding,) = [f for f in report.result.findings if f.rule is Rule.INSUFFICIENT_VERIFICATION]
    assert finding.ref == "f:gpu0"
    assert finding.level is Level.DECLARED
    assert "policy requires hardware-verified" in finding.message
    assert Reason.SIGNATURE_INVALID.value in finding.message


def test_without_evidence_step_nothing_is_hardware_verified(tmp_path: Path, pki: VendorPKI) -> None:
    _, fac, _ = _files(tmp_path, pki, tamper=False)
    report = check_bom(load_bom(fac), policy_from_dict(STRICT), as_of=DAY, fail_on="medium")
    assert report.result.levels["hardware-verified"] == 0
    assert len([f for f in report.result.findings if f.rule is Rule.INSUFFICIENT_VERIFICATION]) == 2


def test_check_command_reports_the_level(run_cli: Any, tmp_path: Path, pki: VendorPKI) -> None:
    obs, fac, roots = _files(tmp_path, pki, tamper=False)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(STRICT))
    args = ["check", str(fac), "-p", str(policy), "-f", "json", "--as-of", DAY.isoformat()]
    result = run_cli(*args, "--hardware-roots", str(roots), "--observed", str(obs))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert not list(validator("check-report.schema.json").iter_errors(report))
    assert report["summary"]["verification_levels"]["hardware-verified"] == 2
    # without the roots the policy's requirement is not met
    assert run_cli(*args).exit_code == 1
    # --observed alone is a usage error
    assert run_cli(*args, "--observed", str(obs)).exit_code == 2


def test_check_command_fails_on_tampered_evidence(
    run_cli: Any, tmp_path: Path, pki: VendorPKI
) -> None:
    obs, fac, roots = _files(tmp_path, pki, tamper=True)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(STRICT))
    result = run_cli(
        "check", str(fac), "-p", str(policy), "-f", "table", "--as-of", DAY.isoformat(),
        "--hardware-roots", str(roots), "--observed", str(obs),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "hardware-verified" in result.stdout
    assert Reason.SIGNATURE_INVALID.value in " ".join(result.stdout.split())


def test_a_bom_carrying_its_own_evidence(tmp_path: Path, pki: VendorPKI) -> None:
    """Without an observed HBOM, the evidence the BOM carries is checked against the identities
    it records; a part whose evidence shows another device stays below the level."""
    d0, d1, stranger = pki.device("S0"), pki.device("S1"), pki.device("S9")
    parts = [(gpu("g0", "S0", "GPU0"), d0), (gpu("g1", "S1", "GPU1"), d1)]
    shown = {"g0": d0, "g1": stranger}
    for comp, _ in parts:
        device = shown[comp.ref]
        t = device.transcript()
        cdx.attach_evidence(
            comp, device.chain, source="test", transcript=(cdx.data_uri(t), t),
            collected=NOW.isoformat(),
        )  # fmt: skip
    path = tmp_path / "bom.cdx.json"
    path.write_text(json.dumps(_server(factory_doc(parts))))
    bom = load_bom(path)
    roots = tmp_path / "acme.pem"
    roots.write_bytes(pki.root_pem())
    hardware = identity_of_bom(bom.doc, load_roots(roots))
    report = check_bom(
        bom, policy_from_dict(STRICT), as_of=DAY, fail_on="medium", hardware=hardware
    )
    assert list(report.hardware_verified) == ["g0"]
    assert Reason.IDENTITY_NOT_EXPECTED.value in report.hardware_failed["g1"]
    (finding,) = [f for f in report.result.findings if f.rule is Rule.INSUFFICIENT_VERIFICATION]
    assert finding.ref == "g1"
