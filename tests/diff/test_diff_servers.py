"""`sovbom diff` on two versions of a sample server: every difference found, nothing else;
every format; --fail-on-change; bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from diff_support import NEW_BMC_FIRMWARE, NEW_GPU_SERIAL, PACKAGE_PURL, write_versions
from signing_support import invoke

from sovbom.cyclonedx.reader import load_bom
from sovbom.diff import Status, diff_boms
from sovbom.project_schemas import validator
from sovbom.report import ReportFormat


def _errors(schema: str, doc: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator(schema).iter_errors(doc)]


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    return write_versions(tmp_path)


def _by_ref(report_doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["a_ref"] or d["b_ref"]: d for d in report_doc["differences"]}


def test_two_versions_of_a_server_give_exactly_what_was_changed(
    versions: tuple[Path, Path],
) -> None:
    result = invoke("diff", *versions, "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert not _errors("diff-report.schema.json", doc)
    found = _by_ref(doc)
    assert set(found) == {
        "fw:chassis/baseboard/bmc/bmc-fw",
        "hw:chassis/hgx/gpu3",
        "hw:chassis/baseboard/dimm5",
        "hw:chassis/nic2",
        "sw:bmc-agent",
    }
    fw = found["fw:chassis/baseboard/bmc/bmc-fw"]
    assert (fw["status"], fw["kind"], fw["matched_by"]) == ("changed", "firmware", "firmware")
    assert fw["changes"] == [{"field": "version", "a": "2.16.0-ycs3", "b": NEW_BMC_FIRMWARE}]
    gpu = found["hw:chassis/hgx/gpu3"]
    assert (gpu["status"], gpu["matched_by"], gpu["detail"]) == ("changed", "slot", "SXM4")
    assert gpu["changes"] == [{"field": "serial", "a": "SAMPLE-GPU-0003", "b": NEW_GPU_SERIAL}]
    dimm = found["hw:chassis/baseboard/dimm5"]
    assert (dimm["status"], dimm["b_ref"], dimm["class"]) == ("removed", None, "memory")
    nic = found["hw:chassis/nic2"]
    assert (nic["status"], nic["matched_by"], nic["changes"]) == ("moved", "serial", [])
    assert nic["moved"]["from"]["ref"] == "hw:chassis"
    assert nic["moved"]["to"]["ref"] == "hw:chassis/baseboard"
    pkg = found["sw:bmc-agent"]
    assert (pkg["status"], pkg["kind"], pkg["detail"]) == ("added", "software", PACKAGE_PURL)
    # 70 components in A, 69 in B (one DIMM less, one package more... and the rest the same)
    assert doc["summary"] == {"removed": 1, "added": 1, "changed": 2, "moved": 1, "unchanged": 66}
    assert doc["changed"] is True
    assert (doc["a"]["version"], doc["b"]["version"]) == (1, 2)
    assert doc["a"]["signature"] is None


def test_the_other_way_round_swaps_added_and_removed(versions: tuple[Path, Path]) -> None:
    a, b = (load_bom(p) for p in versions)
    forward, backward = diff_boms(a, b), diff_boms(b, a)
    assert forward.counts() == {**backward.counts(), "added": 1, "removed": 1}
    back = {e.a_ref or e.b_ref: e for e in backward.differences}
    assert back["hw:chassis/baseboard/dimm5"].status is Status.ADDED
    assert back["sw:bmc-agent"].status is Status.REMOVED
    assert back["hw:chassis/hgx/gpu3"].changes[0].a == NEW_GPU_SERIAL


def test_a_bom_against_itself_has_no_difference(versions: tuple[Path, Path]) -> None:
    a, _ = versions
    result = invoke("diff", a, a, "-f", "json", "--fail-on-change")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["changed"] is False and doc["differences"] == []
    assert doc["summary"]["unchanged"] == doc["a"]["components"] == 70


def test_fail_on_change_exits_1_only_when_something_differs(versions: tuple[Path, Path]) -> None:
    assert invoke("diff", *versions, "-f", "json").exit_code == 0
    assert invoke("diff", *versions, "-f", "json", "--fail-on-change").exit_code == 1


def test_ignore_leaves_fields_out(versions: tuple[Path, Path]) -> None:
    result = invoke("diff", *versions, "-f", "json", "--ignore", "serial", "--ignore", "vers*")
    doc = json.loads(result.stdout)
    statuses = {d["a_ref"] or d["b_ref"]: d["status"] for d in doc["differences"]}
    assert "hw:chassis/hgx/gpu3" not in statuses  # serial ignored: matched by slot, no change
    assert "fw:chassis/baseboard/bmc/bmc-fw" not in statuses
    assert statuses["hw:chassis/nic2"] == "moved"


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_is_written_and_valid(
    versions: tuple[Path, Path], tmp_path: Path, fmt: ReportFormat
) -> None:
    out = tmp_path / f"diff.{fmt}"
    result = invoke("diff", *versions, "-f", fmt.value, "-o", out, "--fail-on-change")
    assert result.exit_code == 1, result.stderr
    text = out.read_text(encoding="utf-8")
    if fmt is ReportFormat.JSON:
        assert not _errors("diff-report.schema.json", json.loads(text))
    elif fmt is ReportFormat.SARIF:
        doc = json.loads(text)
        assert not _errors("third_party/sarif-schema-2.1.0.json", doc)
        run = doc["runs"][0]
        assert len(run["results"]) == 5
        removed = next(r for r in run["results"] if r["ruleId"] == "diff-removed")
        location = removed["locations"][0]["physicalLocation"]
        # a removed part is located in A, at the line of its bom-ref
        lines = versions[0].read_text().splitlines()
        assert location["artifactLocation"]["uri"].endswith("v1.cdx.json")
        assert '"hw:chassis/baseboard/dimm5"' in lines[location["region"]["startLine"] - 1]
        added = next(r for r in run["results"] if r["ruleId"] == "diff-added")
        assert added["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "v2.cdx.json"
        )
    elif fmt is ReportFormat.HTML:
        assert text.startswith("<!DOCTYPE html>") and "SAMPLE-GPU-9999" in text
    else:
        assert "CHANGED" in text.splitlines()[0]
        assert "serial: SAMPLE-GPU-0003 \u2192 SAMPLE-GPU-9999" in text
        assert "moved from YCS 8U AI chassis to YCS-X13" in text  # (a table wraps the rest)


def test_xml_and_json_of_one_bom_have_no_difference(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = versions
    xml = tmp_path / "v1.cdx.xml"
    assert invoke("convert", a, "--to", "cyclonedx-xml-1.6", "-o", xml).exit_code == 0
    result = invoke("diff", a, xml, "-f", "json", "--fail-on-change")
    assert result.exit_code == 0, json.loads(result.stdout)["differences"][:3]


def _not_cyclonedx(tmp_path: Path) -> Path:
    path = tmp_path / "spdx.json"
    path.write_text('{"spdxVersion": "SPDX-2.3"}')
    return path


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.cdx.json"
    path.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", ')
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "absent.cdx.json", "absent.cdx.json"),
        (_not_cyclonedx, "SPDX"),
        (_broken, "broken.cdx.json"),
    ],
)
def test_bad_input_exits_4_and_writes_nothing(
    versions: tuple[Path, Path], tmp_path: Path, make: Any, message: str
) -> None:
    out = tmp_path / "report.json"
    bad = make(tmp_path)
    for args in ((versions[0], bad), (bad, versions[1])):
        result = invoke("diff", *args, "-o", out, "--fail-on-change")
        assert result.exit_code == 4, result.stdout
        assert message in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()


def test_a_bundle_without_signers_is_bad_input(versions: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke("diff", *versions, "--bundle-a", tmp_path / "x.sigstore.json", "-o", out)
    assert result.exit_code == 4 and "--signers" in result.stderr
    assert not out.exists()


def test_help_documents_the_exit_codes() -> None:
    text = invoke("diff", "--help").stdout
    for code in ("0 compared", "1 with --fail-on-change", "3 a signature", "4 unreadable"):
        assert code in text
