"""Origins by stage: written to the BOM, read back (also from the CycloneDX 2.0 ``origins``
draft), and the stage rules (``stage-origin``, ``traceability-chain``) on purpose-built manifests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sovbom.graph import build_graph
from sovbom.hbom import tree_document
from sovbom.manifest import manifest_to_tree
from sovbom.model import ProductionStep, provenance_of
from sovbom.policy import Rule, evaluate, policy_from_dict

TODAY = dt.date(2026, 11, 22)


def _manifest(
    *,
    server_steps: list[dict[str, Any]] | None = None,
    board: list[dict[str, Any]] | None = None,
    gpu: list[dict[str, Any]] | None = None,
    final_date: str = "2026-10-20",
) -> dict[str, Any]:
    return {
        "sovbom_manifest": 1,
        "server": {
            "name": "srv",
            "model": "M",
            "serial": "S1",
            "manufacturer": {"name": "Maker", "country": "JP"},
            "final_assembly": {"site": "Plant A", "country": "JP", "date": final_date},
            "production": server_steps or [],
        },
        "parts": [
            {
                "id": "baseboard",
                "class": "baseboard",
                "name": "board",
                "origin": "JP",
                "production": board
                if board is not None
                else [
                    {
                        "step": "pcb-fabrication",
                        "site": "Fab B",
                        "country": "JP",
                        "date": "2026-08-01",
                        "performed_by": "Board Co",
                        "lot": "L-17",
                        "value": 300,
                        "basis": "cost",
                    },
                    {
                        "step": "pcb-assembly",
                        "site": "SMT C",
                        "country": "JP",
                        "subdivision": "JP-13",
                        "date": "2026-09-01",
                        "value": 200,
                        "basis": "cost",
                    },
                ],
                "parts": [
                    {
                        "id": "gpu0",
                        "class": "gpu",
                        "name": "gpu",
                        "origin": "TW",
                        "production": gpu
                        if gpu is not None
                        else [
                            {
                                "step": "wafer-fabrication",
                                "site": "Fab T",
                                "country": "TW",
                                "date": "2026-05-01",
                                "value": 1500,
                                "basis": "cost",
                            },
                        ],
                    }
                ],
            }
        ],
    }


POLICY = {
    "domestic_countries": ["JP"],
    "approved_countries": ["US", "TW"],
    "denied_countries": ["RU"],
    "critical_types": [],
    "stages": {
        "server": {"final-assembly": "domestic"},
        "baseboard": {"pcb-fabrication": "domestic", "pcb-assembly": "domestic"},
        "gpu": {"wafer-fabrication": "approved"},
    },
}


def _check(raw: dict[str, Any], policy: dict[str, Any] | None = None) -> list[Any]:
    doc = tree_document(manifest_to_tree(raw))
    result = evaluate(build_graph(doc), policy_from_dict(policy or POLICY), today=TODAY)
    return [f for f in result.findings if f.rule in (Rule.STAGE_ORIGIN, Rule.TRACEABILITY_CHAIN)]


def _board(doc: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["bom-ref"] == "hw:baseboard")


def test_stage_fields_are_written_and_read_back() -> None:
    doc = tree_document(manifest_to_tree(_manifest()))
    board = _board(doc)
    names = {p["name"]: p["value"] for p in board["properties"]}
    assert names["sovbom:production:pcb-fabrication:performed-by"] == "Board Co"
    assert names["sovbom:production:pcb-fabrication:lot"] == "L-17"
    assert names["sovbom:production:pcb-assembly:subdivision"] == "JP-13"
    assert names["sovbom:production:pcb-fabrication:value"] == "300"
    steps = {s.step: s for s in provenance_of(board).production}
    assert steps["pcb-fabrication"] == ProductionStep(
        "pcb-fabrication", "Fab B", "JP", "2026-08-01", None, "Board Co", "L-17", "300", "cost"
    )
    assert steps["pcb-assembly"].subdivision == "JP-13"


def test_stages_read_from_the_cyclonedx_2_origins_draft() -> None:
    component = {
        "type": "device",
        "name": "board",
        "origins": [
            {
                "stage": "pcb-assembly",
                "basis": "cost",
                "performedBy": {"name": "SMT C"},
                "site": "Line 2",
                "date": "2026-09-01",
                "value": 200,
                "distribution": [{"isoCode": "JP-13", "percentage": 100}],
            },
            {
                "stage": "packaging",
                "distribution": [
                    {"isoCode": "MY", "percentage": 70},
                    {"isoCode": "TW", "percentage": 30},
                ],
            },
        ],
        "properties": [{"name": "sovbom:production:pcb-assembly:country", "value": "VN"}],
    }
    steps = {s.step: s for s in provenance_of(component).production}
    # the properties win over the draft; the draft adds what they do not say
    assert steps["pcb-assembly"].country == "VN"
    assert steps["chip-packaging"].country == "MY"
    component.pop("properties")
    step = {s.step: s for s in provenance_of(component).production}["pcb-assembly"]
    assert (step.country, step.subdivision, step.performed_by, step.value) == (
        "JP",
        "JP-13",
        "SMT C",
        "200",
    )


def test_stage_rules_pass_on_a_complete_domestic_chain() -> None:
    assert _check(_manifest()) == []


@pytest.mark.parametrize(
    ("board_country", "gpu_country", "expected"),
    [
        (
            "TW",
            "TW",
            ("hw:baseboard", "stage pcb-fabrication: performed in TW, policy requires domestic"),
        ),
        (
            "JP",
            "CN",
            (
                "hw:baseboard/gpu0",
                "stage wafer-fabrication: performed in CN, policy requires approved",
            ),
        ),
    ],
)
def test_stage_origin_fails_where_a_stage_is_abroad(
    board_country: str, gpu_country: str, expected: tuple[str, str]
) -> None:
    raw = _manifest()
    raw["parts"][0]["production"][0]["country"] = board_country
    raw["parts"][0]["parts"][0]["production"][0]["country"] = gpu_country
    found = [(f.ref, f.message) for f in _check(raw) if f.rule is Rule.STAGE_ORIGIN]
    assert found == [expected]
    finding = next(f for f in _check(raw) if f.rule is Rule.STAGE_ORIGIN)
    assert finding.paths and finding.paths[0][0] == "hw:server"


def test_not_denied_requirement() -> None:
    policy = {**POLICY, "stages": {"gpu": {"wafer-fabrication": "not-denied"}}}
    assert _check(_manifest(), policy) == []
    raw = _manifest()
    raw["parts"][0]["parts"][0]["production"][0]["country"] = "RU"
    assert [f.message for f in _check(raw, policy)] == [
        "stage wafer-fabrication: performed in RU, policy requires not-denied"
    ]


def test_chain_catches_a_missing_stage() -> None:
    raw = _manifest(
        board=[{"step": "pcb-assembly", "site": "SMT C", "country": "JP", "date": "2026-09-01"}]
    )
    chain = [f.message for f in _check(raw) if f.rule is Rule.TRACEABILITY_CHAIN]
    assert chain == ["traceability chain: stage pcb-fabrication missing from the chain"]


def test_chain_catches_dates_out_of_order() -> None:
    raw = _manifest()
    raw["parts"][0]["production"][0]["date"] = "2026-09-15"
    chain = [f.message for f in _check(raw) if f.rule is Rule.TRACEABILITY_CHAIN]
    assert chain == [
        "traceability chain: stage pcb-assembly dated 2026-09-01, before stage pcb-fabrication (2026-09-15)"
    ]


def test_chain_catches_a_missing_site() -> None:
    raw = _manifest()
    del raw["parts"][0]["production"][1]["site"]
    chain = [(f.ref, f.message) for f in _check(raw) if f.rule is Rule.TRACEABILITY_CHAIN]
    assert chain == [("hw:baseboard", "traceability chain: stage pcb-assembly: no site")]


def test_chain_catches_a_part_finished_after_its_parent_was_assembled() -> None:
    raw = _manifest(final_date="2026-08-15")
    chain = [(f.ref, f.message) for f in _check(raw) if f.rule is Rule.TRACEABILITY_CHAIN]
    assert chain == [
        (
            "hw:baseboard",
            "traceability chain: last stage dated 2026-09-01, after hw:server's final-assembly (2026-08-15)",
        )
    ]


def test_manifest_schema_accepts_stage_fields_and_refuses_a_value_without_basis(
    tmp_path: Any,
) -> None:
    import json

    from sovbom.errors import InputError
    from sovbom.manifest import load_manifest

    path = tmp_path / "m.json"
    raw = _manifest()
    path.write_text(json.dumps(raw))
    assert load_manifest(path).children[0].production[0].lot == "L-17"
    del raw["parts"][0]["production"][0]["basis"]
    path.write_text(json.dumps(raw))
    with pytest.raises(InputError):
        load_manifest(path)
