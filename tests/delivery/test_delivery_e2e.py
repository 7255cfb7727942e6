"""The delivery scenario, end to end and offline.

Factory side: the 8-GPU sample server's HBOM is built from its manifest and signed with the local
test Sigstore instance. Receiving side: the server's inventory is served by a Redfish service on
127.0.0.1 from a mockup derived from DMTF's public-rackmount1 and adjusted to the manifest; sovbom
collects it and verifies it. Then each kind of mismatch is caught with its expected and found
values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from delivery_support import UNTRUSTED, Factory, assert_valid, sign
from mockup import Firmware, Inventory, Part, write_mockup

REPORT = "delivery-report.schema.json"


def serve(redfish_server: Callable[..., Any], inv: Inventory, tmp_path: Path) -> str:
    mock = write_mockup(inv, tmp_path / "mockup")
    server = redfish_server(mock)
    return str(server.url)


def verify_redfish(
    factory: Factory, url: str, env: dict[str, str], out: Path, *extra: str | Path
) -> tuple[Any, dict[str, Any] | None]:
    result = factory.verify(
        "--expected", factory.hbom, "--redfish", url, "--retries", "0", "-f", "json", "-o", out,
        *extra, env=env,
    )  # fmt: skip
    report = json.loads(out.read_text()) if out.exists() else None
    if report is not None:
        assert_valid(report, REPORT)
    return result, report


def not_matched(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in report["parts"] if p["status"] != "matched"]


def field(part: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in part["fields"] if f["field"] == name)


# ------------------------------------------------------------------------------ the good delivery


def test_delivery_as_declared_passes(
    factory: Factory, redfish_server: Any, redfish_env: dict[str, str], tmp_path: Path
) -> None:
    url = serve(redfish_server, factory.inventory(), tmp_path)
    result, report = verify_redfish(factory, url, redfish_env, tmp_path / "r.json")
    assert result.exit_code == 0, result.stderr
    assert report is not None
    assert report["verdict"] == "pass" and report["reasons"] == []
    assert report["signature"]["ok"] and report["signature"]["roles"] == ["manufacturer"]
    assert report["identity"]["ok"]
    serial = field(report["identity"], "serial")
    assert serial == {"field": "serial", "expected": "SAMPLE-SRV-HGX-0001",
                      "found": "SAMPLE-SRV-HGX-0001", "status": "match"}  # fmt: skip
    summary = report["summary"]
    assert summary["matched"] == summary["expected_parts"] == 43
    assert summary["missing"] == summary["unexpected"] == summary["substituted"] == 0
    # Redfish gives no firmware hash: reported as not observed, never as verified
    gpu = next(p for p in report["parts"] if p["expected_ref"] == "hw:chassis/hgx/gpu0")
    assert gpu["matched_by"] == "serial"
    fw_hash = next(f for f in gpu["fields"] if f["field"] == "firmware_hash")
    assert fw_hash["status"] == "not-observed" and fw_hash["found"] is None
    assert "firmware_hash (GPU VBIOS)" in gpu["unverified"]
    assert "serial" not in gpu["unverified"]
    # parts and firmware observed as declared count as verified
    assert "hw:chassis/hgx/gpu0" in report["verified"]
    assert "fw:chassis/baseboard/bmc/bmc-fw" in report["verified"]


# ----------------------------------------------------------------------------- each mismatch kind


def _swap_dimm(inv: Inventory) -> None:
    inv.find(slot="DIMM_A3").serial = "SAMPLE-DIMM-9999"


def _substitute_gpu(inv: Inventory) -> None:
    gpu = inv.find(slot="SXM3")
    gpu.part_number, gpu.serial = "699-2G525-0201-000", "SAMPLE-GPU-0099"


def _downgrade_bmc(inv: Inventory) -> None:
    inv.find(cls="bmc").firmware[0].version = "2.15.2-ycs1"


def _extra_nic(inv: Inventory) -> None:
    inv.parts.append(
        Part("nic", "NVIDIA ConnectX-7 400GbE/NDR OSFP", "NVIDIA Corporation", "MCX75310AAS-NEAT",
             "SAMPLE-NIC-0099", "PCIe5", None, [Firmware("ConnectX-7 firmware", "28.43.1014")])
    )  # fmt: skip


def _missing_drive(inv: Inventory) -> None:
    inv.parts.remove(inv.find(serial="SAMPLE-NVME-0001"))


CASES = {
    "dimm-swapped": (_swap_dimm, "substituted", "memory", "serial", "SAMPLE-DIMM-0003", "SAMPLE-DIMM-9999"),
    "gpu-substituted": (_substitute_gpu, "substituted", "gpu", "part_number", "699-2G525-0200-000",
                        "699-2G525-0201-000"),
    "bmc-firmware-downgraded": (_downgrade_bmc, "drifted", "bmc", "firmware_version", "2.16.0-ycs3",
                                "2.15.2-ycs1"),
    "extra-nic": (_extra_nic, "unexpected", "nic", "serial", None, "SAMPLE-NIC-0099"),
    "missing-drive": (_missing_drive, "missing", "storage", "serial", "SAMPLE-NVME-0001", None),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_mismatch_is_caught_with_expected_and_found(
    case: str,
    factory: Factory,
    redfish_server: Any,
    redfish_env: dict[str, str],
    tmp_path: Path,
) -> None:
    change, status, cls, name, expected, found = CASES[case]
    inv = factory.inventory()
    change(inv)
    url = serve(redfish_server, inv, tmp_path)
    result, report = verify_redfish(factory, url, redfish_env, tmp_path / "r.json")
    assert result.exit_code == 3, result.stderr
    assert report is not None and report["verdict"] == "fail"
    bad = not_matched(report)
    assert [(p["status"], p["class"]) for p in bad] == [(status, cls)]
    f = field(bad[0], name)
    assert (f["expected"], f["found"]) == (expected, found)
    assert report["summary"][status] == 1
    assert any(status in reason for reason in report["reasons"])
    if status == "substituted":
        assert bad[0]["matched_by"] == "slot"
        assert f["status"] == "mismatch"
    if status == "drifted":
        assert f["firmware"] == "OpenBMC firmware (YCS build)"
        # another unit's firmware does not verify the declared one
        assert "fw:chassis/baseboard/bmc/bmc-fw" not in report["verified"]


def test_substituted_gpu_reports_every_differing_field(
    factory: Factory, redfish_server: Any, redfish_env: dict[str, str], tmp_path: Path
) -> None:
    inv = factory.inventory()
    _substitute_gpu(inv)
    url = serve(redfish_server, inv, tmp_path)
    _, report = verify_redfish(factory, url, redfish_env, tmp_path / "r.json")
    assert report is not None
    (gpu,) = not_matched(report)
    assert gpu["expected_ref"] == "hw:chassis/hgx/gpu2" and gpu["location"] == "SXM3"
    mismatches = {
        f["field"]: (f["expected"], f["found"]) for f in gpu["fields"] if f["status"] == "mismatch"
    }
    assert mismatches == {
        "part_number": ("699-2G525-0200-000", "699-2G525-0201-000"),
        "serial": ("SAMPLE-GPU-0002", "SAMPLE-GPU-0099"),
    }
    assert "hw:chassis/hgx/gpu2" not in report["verified"]


# ----------------------------------------------------------------------------- signatures


def test_hbom_edited_after_signing_fails_closed_before_comparison(
    factory: Factory, tmp_path: Path
) -> None:
    data = factory.hbom.read_bytes()
    factory.hbom.write_bytes(data.replace(b"SAMPLE-GPU-0003", b"SAMPLE-GPU-0004", 1))
    out = tmp_path / "r.json"
    # no mockup at all: the signature fails first, nothing is collected
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", tmp_path / "absent",
                            "-o", out)  # fmt: skip
    assert result.exit_code == 3
    assert "verification failed" in result.stderr and str(factory.hbom) in result.stderr
    assert not out.exists()


def test_hbom_signed_by_an_untrusted_identity_fails(factory: Factory, tmp_path: Path) -> None:
    sign(factory.trust, factory.hbom, UNTRUSTED)
    out = tmp_path / "r.json"
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", tmp_path / "absent",
                            "-o", out)  # fmt: skip
    assert result.exit_code == 3
    assert "verification failed" in result.stderr
    assert not out.exists()


def test_unsigned_hbom_fails(factory: Factory, tmp_path: Path) -> None:
    factory.bundle.unlink()
    result = factory.verify("--expected", factory.hbom, "--redfish-mockup", tmp_path / "absent")
    assert result.exit_code == 3
    assert "not signed" in result.stderr


def test_other_server_serial_is_a_hard_fail(factory: Factory, tmp_path: Path) -> None:
    inv = factory.inventory()
    inv.serial = "SAMPLE-SRV-HGX-0002"
    mock = write_mockup(inv, tmp_path / "mockup")
    out = tmp_path / "r.json"
    result = factory.verify(
        "--expected", factory.hbom, "--redfish-mockup", mock, "-f", "json", "-o", out
    )
    assert result.exit_code == 3
    report = json.loads(out.read_text())
    assert_valid(report, REPORT)
    assert not report["identity"]["ok"]
    assert any("server serial" in r for r in report["reasons"])


# ----------------------------------------------------------------------------- schema first


def test_observed_hbom_that_is_not_schema_valid_is_bad_input(
    factory: Factory, tmp_path: Path
) -> None:
    observed = tmp_path / "observed.cdx.json"
    observed.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"a": 1}})
    )
    out = tmp_path / "r.json"
    result = factory.verify("--expected", factory.hbom, "--observed", observed, "-o", out)
    assert result.exit_code == 4, result.stderr
    assert "not a valid CycloneDX" in result.stderr and "observed.cdx.json" in result.stderr
    assert not out.exists()
