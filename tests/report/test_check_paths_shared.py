"""A check report stores each provenance path once: a dependency chain costs linear space."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.policy import policy_from_dict
from sovbom.report import ReportFormat
from sovbom.report.interface import renderer_for
from sovbom.report.json_format import as_format_version_1, check_report_dict, spell_out_paths

POLICY = policy_from_dict({"domestic_countries": ["JP"], "require_origin": True})


def chain_bom(n: int) -> LoadedBom:
    """A server whose part c(i) depends on c(i+1): every part is non-domestic (a finding each)."""
    refs = [f"c{i}" for i in range(n)]
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "device", "bom-ref": "root", "name": "server"}},
        "components": [
            {
                "type": "library",
                "bom-ref": ref,
                "name": f"part{i}",
                "supplier": {"name": "S", "address": {"country": "US"}},
            }
            for i, ref in enumerate(refs)
        ],
        "dependencies": [
            {"ref": "root", "dependsOn": refs[:1]},
            *({"ref": a, "dependsOn": [b]} for a, b in zip(refs, refs[1:], strict=False)),
            {"ref": refs[-1], "dependsOn": []},
        ],
    }
    return LoadedBom(doc=doc, spec_version="1.6", source="chain.cdx.json", format="json", raw=b"")


def _check(n: int) -> Any:
    return check_bom(chain_bom(n), POLICY, as_of=dt.date(2026, 1, 1), fail_on="high")


def test_chain_report_size_grows_linearly() -> None:
    small = renderer_for(ReportFormat.JSON).check(_check(1000))
    large = renderer_for(ReportFormat.JSON).check(_check(4000))
    # four times the parts: about four times the bytes (spelled-out paths made it sixteen)
    assert len(large) / len(small) < 5, (len(small), len(large))


def test_paths_read_back_from_the_table() -> None:
    n = 50
    report = _check(n)
    doc = check_report_dict(report)
    assert doc["format_version"] == 2
    assert len(doc["path_nodes"]) == n + 1  # the root and one node per part: each stored once
    by_ref = {
        f["component"]["bom-ref"]: paths
        for f, paths in zip(doc["findings"], spell_out_paths(doc), strict=True)
    }
    assert by_ref[f"c{n - 1}"] == [["root", *(f"c{i}" for i in range(n))]]
    # the in-memory findings spell out the same paths
    last = next(f for f in report.result.findings if f.ref == f"c{n - 1}")
    assert last.paths == by_ref[f"c{n - 1}"]
    # every node's parent comes before it
    assert all(
        node["parent"] is None or node["parent"] < i for i, node in enumerate(doc["path_nodes"])
    )


def test_version_1_shape_is_what_spelled_out_paths_give() -> None:
    report = _check(20)
    assert as_format_version_1(check_report_dict(report)) == check_report_dict(
        report, format_version=1
    )


@pytest.mark.parametrize(
    "fmt", [ReportFormat.TABLE, ReportFormat.MARKDOWN, ReportFormat.SARIF, ReportFormat.HTML]
)
def test_every_format_shows_the_full_path(fmt: ReportFormat) -> None:
    n = 12
    out = renderer_for(fmt).check(_check(n)).decode()
    full = " > ".join(["server", *(f"part{i}" for i in range(n))])
    if fmt is ReportFormat.HTML:
        import html

        out = html.unescape(out).replace(" \u203a ", " > ")
    elif fmt is ReportFormat.TABLE:  # the path column (the last) wraps over several lines
        column = "".join(line.split("\u2502")[-2] for line in out.splitlines() if "\u2502" in line)
        out, full = column.replace(" ", ""), full.replace(" ", "")
    assert full in out
