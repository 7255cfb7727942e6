"""``sovbom claim``: the sample claim holds on the sample server and fails, with its reason, on
a changed copy for each condition; the result follows its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sovbom.project_schemas import validator

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
CLAIM = SAMPLES / "made-in-japan.claim.yaml"
MANIFEST = SAMPLES / "hgx-b200-jp.manifest.yaml"


def _claim(run_cli: Any, bom: Path, claim: Path, out: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "claim", str(bom), "--claim", str(claim), "--as-of", "2026-11-22", "-o", str(out)
    )
    doc = json.loads(out.read_text())
    errors = [e.message for e in validator("claim-result.schema.json").iter_errors(doc)]
    assert errors == []
    return result.exit_code, doc


def _build(run_cli: Any, manifest: dict[str, Any], tmp: Path) -> Path:
    src, bom = tmp / "m.yaml", tmp / "m.cdx.json"
    src.write_text(yaml.safe_dump(manifest))
    assert run_cli("build", "--manifest", str(src), "-o", str(bom), "--reproducible").exit_code == 0
    return bom


def test_sample_claim_holds_on_the_sample_server(run_cli: Any, tmp_path: Path) -> None:
    code, doc = _claim(run_cli, SAMPLES / "hgx-b200-jp.hbom.cdx.json", CLAIM, tmp_path / "r.json")
    assert code == 0 and doc["holds"] is True
    assert all(c["holds"] for c in doc["conditions"])
    # 1200 + 800 + 3000 + 6000 domestic of 43000 declared (8 GPU wafers at 4000 abroad)
    assert doc["by_stage"]["all"]["domestic_value_share"] == round(11000 / 43000, 4)


def _board(m: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in m["parts"][0]["parts"] if p["id"] == "baseboard")


def _abroad(m: dict[str, Any]) -> None:
    _board(m)["production"][0]["country"] = "TW"


def _no_site(m: dict[str, Any]) -> None:
    del _board(m)["production"][1]["site"]


def _denied(m: dict[str, Any]) -> None:
    _board(m)["production"].append(
        {"step": "test", "site": "X", "country": "CN", "date": "2026-09-04"}
    )
    _board(m)["production"] = [
        s for s in _board(m)["production"] if not (s["step"] == "test" and s["country"] == "JP")
    ]


@pytest.mark.parametrize(
    ("change", "claim_change", "failing", "reason"),
    [
        (
            _abroad,
            None,
            "stages",
            "stage pcb-fabrication: performed in TW, policy requires domestic",
        ),
        (_no_site, None, "traceability", "traceability chain: stage pcb-assembly: no site"),
        (
            None,
            {"min_domestic_value_share": 0.5},
            "domestic-value",
            "domestic value share 25.6%, below 50%",
        ),
        (_denied, None, "no-denied", "tied to denied country CN"),
        (
            None,
            {"critical_level": "attested"},
            "critical-level",
            "verification level declared, policy requires attested",
        ),
    ],
)
def test_claim_fails_on_each_condition_with_its_reason(
    run_cli: Any, tmp_path: Path, change: Any, claim_change: Any, failing: str, reason: str
) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    if change is not None:
        change(manifest)
    claim = yaml.safe_load(CLAIM.read_text())
    if claim_change:
        claim["conditions"].update(claim_change)
    claim_path = tmp_path / "c.yaml"
    claim_path.write_text(yaml.safe_dump(claim))
    code, doc = _claim(
        run_cli, _build(run_cli, manifest, tmp_path), claim_path, tmp_path / "r.json"
    )
    assert code == 1 and doc["holds"] is False
    failed = {c["id"]: c for c in doc["conditions"] if not c["holds"]}
    assert list(failed) == [failing]
    assert reason in [r["message"] for r in failed[failing]["reasons"]]
    if failing != "domestic-value":
        assert failed[failing]["reasons"][0]["path"][0] == "hw:server"


def test_fail_on_never_reports_a_failing_claim_and_exits_zero(
    run_cli: Any, tmp_path: Path
) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    _abroad(manifest)
    bom, out = _build(run_cli, manifest, tmp_path), tmp_path / "r.json"
    args = ["claim", str(bom), "--claim", str(CLAIM), "--as-of", "2026-11-22", "-o", str(out)]
    failing = run_cli(*args)
    assert failing.exit_code == 1
    failing_doc = out.read_text()
    out.unlink()
    result = run_cli(*args, "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert "does not hold: stages" in result.stderr
    assert out.read_text() == failing_doc
    assert json.loads(failing_doc)["holds"] is False
    assert run_cli(*args, "--fail-on", "fail").exit_code == 1


def test_a_bad_claim_file_is_refused(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("sovbom_claim: 1\nname: x\ncountry: Japan\nconditions: {}\n")
    result = run_cli(
        "claim",
        str(SAMPLES / "hgx-b200-jp.hbom.cdx.json"),
        "--claim",
        str(bad),
        "-o",
        str(tmp_path / "r.json"),
    )
    assert result.exit_code == 4 and not (tmp_path / "r.json").exists()
