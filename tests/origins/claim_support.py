"""What the claim tests share: the sample claim and server, and one changed copy per condition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
CLAIM = SAMPLES / "made-in-japan.claim.yaml"
MANIFEST = SAMPLES / "hgx-b200-jp.manifest.yaml"


def build(run_cli: Any, manifest: dict[str, Any], tmp: Path) -> Path:
    src, bom = tmp / "m.yaml", tmp / "m.cdx.json"
    src.write_text(yaml.safe_dump(manifest))
    assert run_cli("build", "--manifest", str(src), "-o", str(bom), "--reproducible").exit_code == 0
    return bom


def _board(m: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in m["parts"][0]["parts"] if p["id"] == "baseboard")


def abroad(m: dict[str, Any]) -> None:
    _board(m)["production"][0]["country"] = "TW"


def no_site(m: dict[str, Any]) -> None:
    del _board(m)["production"][1]["site"]


def denied(m: dict[str, Any]) -> None:
    _board(m)["production"].append(
        {"step": "test", "site": "X", "country": "CN", "date": "2026-09-04"}
    )
    _board(m)["production"] = [
        s for s in _board(m)["production"] if not (s["step"] == "test" and s["country"] == "JP")
    ]


#: (change to the sample manifest, change to the claim's conditions, the condition that then
#: fails, a reason it gives): one case per condition of the sample claim
CONDITION_CASES = [
    (abroad, None, "stages", "stage pcb-fabrication: performed in TW, policy requires domestic"),
    (no_site, None, "traceability", "traceability chain: stage pcb-assembly: no site"),
    (
        None,
        {"min_domestic_value_share": 0.5},
        "domestic-value",
        "domestic value share 25.6%, below 50%",
    ),
    (denied, None, "no-denied", "tied to denied country CN"),
    (
        None,
        {"critical_level": "attested"},
        "critical-level",
        "verification level declared, policy requires attested",
    ),
]
CASE_FIELDS = ("change", "claim_change", "failing", "reason")


def changed_inputs(
    run_cli: Any, tmp_path: Path, change: Any, claim_change: dict[str, Any] | None
) -> tuple[Path, Path]:
    """The sample server built with ``change`` and the sample claim with ``claim_change``."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    if change is not None:
        change(manifest)
    claim = yaml.safe_load(CLAIM.read_text())
    if claim_change:
        claim["conditions"].update(claim_change)
    claim_path = tmp_path / "c.yaml"
    claim_path.write_text(yaml.safe_dump(claim))
    return build(run_cli, manifest, tmp_path), claim_path
