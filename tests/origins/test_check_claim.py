"""``sovbom check --claim``: the origin claim evaluated on the same check as the policy, its
result in every report format, the same result ``sovbom claim`` writes, and exit 1 when a
condition fails (with its reason in the report)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from claim_support import CASE_FIELDS, CLAIM, CONDITION_CASES, SAMPLES, changed_inputs

from sovbom.project_schemas import validator

POLICY = SAMPLES / "policy.yaml"
SERVER = SAMPLES / "hgx-b200-jp.hbom.cdx.json"
AS_OF = "2026-11-22"


def _check(run_cli: Any, bom: Path, claim: Path, *extra: str) -> Any:
    return run_cli(
        "check", str(bom), "-p", str(POLICY), "--claim", str(claim), "--as-of", AS_OF,
        "--fail-on", "critical", *extra,
    )  # fmt: skip


def test_check_carries_the_claim_result_of_sovbom_claim(run_cli: Any, tmp_path: Path) -> None:
    result = _check(run_cli, SERVER, CLAIM, "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [e.message for e in validator("check-report.schema.json").iter_errors(doc)] == []
    claim = doc["claim"]
    assert [e.message for e in validator("claim-result.schema.json").iter_errors(claim)] == []
    out = tmp_path / "claim.json"
    alone = run_cli("claim", str(SERVER), "--claim", str(CLAIM), "--as-of", AS_OF, "-o", str(out))
    assert alone.exit_code == 0
    assert claim == json.loads(out.read_text())
    # the policy's own findings are unchanged by the claim
    plain = run_cli("check", str(SERVER), "-p", str(POLICY), "--as-of", AS_OF, "-f", "json",
                    "--fail-on", "critical")  # fmt: skip
    assert json.loads(plain.stdout) == {k: v for k, v in doc.items() if k != "claim"}


def test_every_format_shows_the_claim(run_cli: Any) -> None:
    title = "Origin claim 'Made in Japan (sovereign server programme)' (JP): holds"
    for fmt in ("table", "markdown", "html"):
        out = html.unescape(_check(run_cli, SERVER, CLAIM, "-f", fmt).stdout)
        assert title in out, fmt
        assert "domestic-value" in out and "at least 20% domestic value" in out, fmt
    sarif = json.loads(_check(run_cli, SERVER, CLAIM, "-f", "sarif").stdout)
    props = sarif["runs"][0]["properties"]["claim"]
    assert props["holds"] is True and len(props["conditions"]) == 5


@pytest.mark.parametrize(CASE_FIELDS, CONDITION_CASES)
def test_check_fails_on_each_claim_condition_with_its_reason(
    run_cli: Any, tmp_path: Path, change: Any, claim_change: Any, failing: str, reason: str
) -> None:
    bom, claim_path = changed_inputs(run_cli, tmp_path, change, claim_change)
    result = _check(run_cli, bom, claim_path, "-f", "json")
    assert result.exit_code == 1
    assert f"does not hold: {failing}" in result.stderr
    doc = json.loads(result.stdout)
    failed = {c["id"]: c for c in doc["claim"]["conditions"] if not c["holds"]}
    assert list(failed) == [failing]
    assert reason in [r["message"] for r in failed[failing]["reasons"]]
    md = _check(run_cli, bom, claim_path, "-f", "markdown").stdout
    assert f"| {failing} | fails |" in md and reason in md
    # report only: the claim is reported, the run does not fail
    never = _check(run_cli, bom, claim_path, "-f", "json", "--fail-on", "never")
    assert never.exit_code == 0 and json.loads(never.stdout)["claim"]["holds"] is False


def test_a_bad_claim_file_is_exit_4_before_any_output(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("sovbom_claim: 1\nname: x\ncountry: Japan\nconditions: {}\n")
    out = tmp_path / "r.json"
    result = _check(run_cli, SERVER, bad, "-o", str(out))
    assert result.exit_code == 4 and "c.yaml" in result.stderr and not out.exists()
