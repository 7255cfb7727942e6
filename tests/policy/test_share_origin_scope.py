"""Domestic shares are computed over the components in the policy's origin scope, and say so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
HBOM = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
POLICY = REPO / "samples" / "policy.yaml"  # origin_scope: [device, firmware]


def _with_os_packages(tmp_path: Path, n: int) -> Path:
    doc = json.loads(HBOM.read_bytes())
    root = doc["metadata"]["component"]["bom-ref"]
    os_ref = "sw:os"
    pkgs = [
        {"type": "library", "bom-ref": f"sw:pkg{i}", "name": f"pkg{i}", "version": "1.0",
         "purl": f"pkg:deb/debian/pkg{i}@1.0"}
        for i in range(n)
    ]  # fmt: skip
    doc["components"].append(
        {"type": "operating-system", "bom-ref": os_ref, "name": "debian", "version": "12",
         "components": pkgs}
    )  # fmt: skip
    doc["dependencies"].append({"ref": os_ref, "dependsOn": [p["bom-ref"] for p in pkgs]})
    for dep in doc["dependencies"]:
        if dep["ref"] == root:
            dep.setdefault("dependsOn", []).append(os_ref)
    path = tmp_path / "with-os.cdx.json"
    path.write_text(json.dumps(doc))
    return path


def _summary(run_cli: Any, bom: Path) -> dict[str, Any]:
    result = run_cli(
        "check", str(bom), "--policy", str(POLICY), "-f", "json", "--fail-on", "critical"
    )
    assert result.exit_code in (0, 1), result.output
    summary: dict[str, Any] = json.loads(result.stdout)["summary"]
    return summary


def test_packages_outside_the_origin_scope_do_not_dilute_the_share(
    tmp_path: Path, run_cli: Any
) -> None:
    before = _summary(run_cli, HBOM)
    after = _summary(run_cli, _with_os_packages(tmp_path, 700))
    assert before["domestic_share"]["domestic_share"] is not None
    assert after["domestic_share"] == before["domestic_share"]
    assert after["domestic_share"]["unknown"] == before["domestic_share"]["unknown"]
    assert "library" not in after["by_class"]
    scope = after["domestic_share_scope"]
    assert scope["origin_scope"] == ["device", "firmware"]
    assert scope["components"] == before["domestic_share"]["total"]
    assert "in the policy's origin scope" in scope["description"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_reports_say_what_the_share_is_over(run_cli: Any, fmt: str) -> None:
    total = _summary(run_cli, HBOM)["domestic_share"]["total"]
    result = run_cli(
        "check", str(HBOM), "--policy", str(POLICY), "-f", fmt, "--fail-on", "critical"
    )
    text = " ".join(result.stdout.split())
    assert f"over {total} components in the policy's origin scope" in text
