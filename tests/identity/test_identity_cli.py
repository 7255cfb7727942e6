"""``sovbom verify-hardware``: table and JSON output, exit codes 0 / 3 / 4, schema-valid JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from device_pki import NOW, VendorPKI
from shipment import factory_doc, gpu, observed_doc

from sovbom.identity.reasons import Reason
from sovbom.project_schemas import validator


def _write(path: Path, doc: dict[str, Any]) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


def _setup(tmp_path: Path, pki: VendorPKI, *, swap: bool = False) -> tuple[str, str, str]:
    d0, d1 = pki.device("S0"), pki.device("S1")
    shown = pki.device("S7") if swap else d0
    observed = observed_doc(
        [
            (gpu("o:gpu0", "S0", "GPU0"), shown, shown.transcript(), None),
            (gpu("o:gpu1", "S1", "GPU1"), d1, d1.transcript(), None),
        ]
    )
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "acme.pem").write_bytes(pki.root_pem())
    return (
        _write(tmp_path / "obs.json", observed),
        _write(tmp_path / "fac.json", factory),
        str(roots),
    )


def test_json_report_and_exit_0(run_cli: Any, tmp_path: Path, pki: VendorPKI) -> None:
    obs, fac, roots = _setup(tmp_path, pki)
    out = tmp_path / "report.json"
    result = run_cli(
        "verify-hardware",
        obs,
        "--roots",
        roots,
        "--expected",
        fac,
        "--as-of",
        NOW.isoformat(),
        "-f",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(out.read_text())
    assert not list(validator("hardware-identity.schema.json").iter_errors(report))
    assert report["holds"] is True
    assert report["anchors"] == [pki.vendor]
    assert [c["status"] for c in report["components"]] == ["verified", "verified"]


def test_swapped_gpu_exits_3_with_the_reason(run_cli: Any, tmp_path: Path, pki: VendorPKI) -> None:
    obs, fac, roots = _setup(tmp_path, pki, swap=True)
    result = run_cli("verify-hardware", obs, "--roots", roots, "--expected", fac, "-f", "table")
    assert result.exit_code == 3
    assert Reason.IDENTITY_NOT_EXPECTED.value in result.stdout
    assert "identity does NOT hold" in result.stdout
    assert "does not hold" in result.stderr
    json_result = run_cli("verify-hardware", obs, "--roots", roots, "--expected", fac, "-f", "json")
    report = json.loads(json_result.stdout)
    assert not list(validator("hardware-identity.schema.json").iter_errors(report))
    gpu0 = [c for c in report["components"] if c["bom-ref"] == "o:gpu0"][0]
    assert gpu0["reasons"][0]["reason"] == "identity-not-expected"


def test_bad_inputs_exit_4(run_cli: Any, tmp_path: Path, pki: VendorPKI) -> None:
    obs, fac, roots = _setup(tmp_path, pki)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("verify-hardware", obs, "--roots", str(empty))
    assert result.exit_code == 4
    assert "no *.pem" in result.stderr
    (tmp_path / "bad.json").write_text("{not json")
    result = run_cli("verify-hardware", str(tmp_path / "bad.json"), "--roots", roots)
    assert result.exit_code == 4
    assert "Traceback" not in result.stderr


def test_bad_as_of_is_a_usage_error(run_cli: Any, tmp_path: Path, pki: VendorPKI) -> None:
    obs, _, roots = _setup(tmp_path, pki)
    result = run_cli("verify-hardware", obs, "--roots", roots, "--as-of", "yesterday")
    assert result.exit_code == 2
