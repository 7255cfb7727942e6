"""Every report row names the unit it is about: a label shared by several components (8 GPUs,
16 DIMMs, a VBIOS per GPU) gets the unit's slot, serial, holder or bom-ref; see sovbom.units."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from sovbom.graph import build_graph
from sovbom.report import ReportFormat
from sovbom.report.json_format import spell_out_paths
from sovbom.units import UnitNames

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
POLICY = REPO / "samples" / "policy.yaml"
GPU_SLOTS = [f"SXM{n}" for n in range(1, 9)]
DIMM_SLOTS = [f"DIMM_{bank}{n}" for bank in "AB" for n in range(8)]


def _part(ref: str, name: str, **props: str) -> dict[str, Any]:
    return {
        "bom-ref": ref,
        "type": "device",
        "name": name,
        "properties": [{"name": k.replace("_", ":"), "value": v} for k, v in props.items()],
    }


def _graph(*components: dict[str, Any]) -> Any:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "srv", "type": "device", "name": "server"}},
        "components": list(components),
    }
    return build_graph(doc, source="t.json")


def test_unit_names_prefer_slot_then_serial_then_holder_then_ref() -> None:
    fw = {"bom-ref": "fw0", "type": "firmware", "name": "VBIOS", "version": "1"}
    fw1 = {"bom-ref": "fw1", "type": "firmware", "name": "VBIOS", "version": "1"}
    pg = _graph(
        {**_part("gpu0", "GPU", sovbom_slot="SXM1"), "components": [fw]},
        {**_part("gpu1", "GPU", sovbom_slot="SXM2"), "components": [fw1]},
        _part("dimm0", "DIMM", sovbom_slot="A0", cdx_device_serialNumber="S0"),
        _part("dimm1", "DIMM", sovbom_slot="A0", cdx_device_serialNumber="S1"),  # same slot
        _part("psu0", "PSU"),
        _part("psu1", "PSU"),
        _part("bmc", "BMC", sovbom_slot="X"),
    )
    units = UnitNames(pg)
    assert [units(r) for r in ("gpu0", "gpu1")] == ["GPU [slot SXM1]", "GPU [slot SXM2]"]
    assert [units(r) for r in ("dimm0", "dimm1")] == ["DIMM [serial S0]", "DIMM [serial S1]"]
    assert [units(r) for r in ("fw0", "fw1")] == [
        "VBIOS 1 [on slot SXM1]",
        "VBIOS 1 [on slot SXM2]",
    ]
    assert [units(r) for r in ("psu0", "psu1")] == ["PSU [psu0]", "PSU [psu1]"]
    assert units("bmc") == "BMC" and units.unit("bmc") is None  # a unique label stays as is
    assert units("srv") == "server"
    assert units("not-a-component") == "not-a-component"
    assert units.path(["srv", "gpu1", "fw1"]) == [
        "server",
        "GPU [slot SXM2]",
        "VBIOS 1 [on slot SXM2]",
    ]


def _table_rows(text: str) -> list[list[str]]:
    """The findings table of a terminal report, one list of cell texts per row (folds joined)."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("\u2502"):
            continue
        cells = [c.strip() for c in line.split("\u2502")[1:-1]]
        if cells[0] or not rows:
            rows.append(cells)
        else:
            rows[-1] = [f"{a}\n{b}" if b else a for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def _vbios_rows(fmt: ReportFormat, out: str) -> list[str]:
    """What each format says about the VBIOS findings of rule insufficient-verification."""
    if fmt is ReportFormat.MARKDOWN:
        return [x for x in out.splitlines() if "insufficient-verification" in x and "VBIOS" in x]
    if fmt is ReportFormat.TABLE:
        rows = [r for r in _table_rows(out) if len(r) == 7 and "VBIOS" in r[2]]
        return [re.sub(r"\s+", "", r[2] + r[6]) for r in rows if "insufficient" in r[1]]
    if fmt is ReportFormat.SARIF:
        results = json.loads(out)["runs"][0]["results"]
        return [
            r["message"]["text"] + r["locations"][0]["logicalLocations"][0]["name"]
            for r in results
            if r["ruleId"] == "insufficient-verification" and "VBIOS" in r["message"]["text"]
        ]
    if fmt is ReportFormat.HTML:
        rows = re.findall(r"<tr[^>]*>.*?</tr>", out, re.S)
        return [
            html.unescape(r)
            for r in rows
            if 'class="sev ' in r and "insufficient-verification" in r and "VBIOS" in r
        ]
    doc = json.loads(out)
    return [
        " > ".join(doc["names"][ref] for ref in paths[0])
        for f, paths in zip(doc["findings"], spell_out_paths(doc), strict=True)
        if f["rule"] == "insufficient-verification" and "vbios" in f["component"]["bom-ref"]
    ]


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_check_rows_name_each_unit(run_cli: Any, fmt: ReportFormat) -> None:
    result = run_cli("check", str(HGX), "--policy", str(POLICY), "-f", fmt.value)
    rows = _vbios_rows(fmt, result.stdout)
    assert len(rows) == 8, rows
    assert len(set(rows)) == 8, f"{fmt}: identical rows for different GPUs' VBIOS"
    for slot in GPU_SLOTS:  # each row names the GPU its VBIOS sits on
        assert sum(f"slot{slot}]" in re.sub(r"\s+", "", r) for r in rows) == 1, (fmt, slot)


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_trace_names_each_unit(run_cli: Any, fmt: ReportFormat) -> None:
    result = run_cli("trace", str(HGX), "-c", "country=KR", "-f", fmt.value)
    assert result.exit_code == 0, result.stderr
    for slot in DIMM_SLOTS:
        assert f"64GB DDR5-6400 RDIMM B2 [slot {slot}]" in result.stdout, (fmt, slot)
    if fmt is ReportFormat.TABLE:
        lines = [x for x in result.stdout.splitlines() if x.startswith("  64GB")]
        assert len(lines) == len(set(lines)) == 16


def test_a_graph_with_its_unit_names_is_freed_without_the_garbage_collector() -> None:
    """Commands pause the cyclic collector: a graph that referred to itself through its cached
    unit names stayed in memory until the collector ran (about 750k objects at 100k parts)."""
    import gc
    import weakref

    pg = build_graph(json.loads(HGX.read_text()))
    names = UnitNames.of(pg)
    assert names(next(iter(pg.components)))  # the names are made and kept with the graph
    gone = weakref.ref(pg)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del pg, names
        assert gone() is None
    finally:
        if enabled:
            gc.enable()
