"""``sovbom claim``: the sample claim holds on the sample server and fails, with its reason, on
a changed copy for each condition; the result follows its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from claim_support import (
    CASE_FIELDS,
    CLAIM,
    CONDITION_CASES,
    MANIFEST,
    SAMPLES,
    abroad,
    build,
    changed_inputs,
)

from sovbom.project_schemas import validator


def _claim(run_cli: Any, bom: Path, claim: Path, out: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli(
        "claim", str(bom), "--claim", str(claim), "--as-of", "2026-11-22", "-o", str(out)
    )
    doc = json.loads(out.read_text())
    errors = [e.message for e in validator("claim-result.schema.json").iter_errors(doc)]
    assert errors == []
    return result.exit_code, doc


@pytest.mark.parametrize(CASE_FIELDS, CONDITION_CASES)
def test_claim_fails_on_each_condition_with_its_reason(
    run_cli: Any, tmp_path: Path, change: Any, claim_change: Any, failing: str, reason: str
) -> None:
    bom, claim_path = changed_inputs(run_cli, tmp_path, change, claim_change)
    code, doc = _claim(run_cli, bom, claim_path, tmp_path / "r.json")
    assert code == 1 and doc["holds"] is False
    failed = {c["id"]: c for c in doc["conditions"] if not c["holds"]}
    assert list(failed) == [failing]
    assert reason in [r["message"] for r in failed[failing]["reasons"]]
    if failing != "domestic-value":
        assert failed[failing]["reasons"][0]["path"][0] == "hw:server"


def test_fail_on_never_reports_a_failing_claim_and_exits_zero(run_cli: Any, tmp_path: Path) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    abroad(manifest)
    bom, out = build(run_cli, manifest, tmp_path), tmp_path / "r.json"
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
