"""`sovbom diff` on the corpus's CycloneDX documents (third-party tools' SBOMs and an HBOM).

The corpus holds no two tools' SBOMs of one project (no Syft/cdxgen pair), so each document is
compared with itself written by another writer (sovbom's CycloneDX XML: another encoding,
another component order, purl qualifiers normalised): nothing differs; and with a copy changed
by a script: exactly those changes are found."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from signing_support import invoke

from sovbom.project_schemas import validator

pytestmark = pytest.mark.corpus

DOCS = [
    "bom-examples_HBOM_pcie-sata-adapter-board.cdx.json",
    "bom-examples_dropwizard-1.3.15.cdx.json",
    "bom-examples_juice-shop-npm-flat.1.4.cdx.json",
    "bom-examples_proton-bridge-v1.8.0.cdx.json",
    "guac_syft-0.58_alpine-latest.cdx.json",
    "guac_syft-0.58_mongo.cdx.json",
    "trivy_fluentd-image.cdx-1.7.json",
]


def _path(corpus: Path, name: str) -> Path:
    return corpus / "sbom" / "cyclonedx" / name


def _diff(a: Path, b: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = invoke("diff", a, b, "-f", "json", *extra)
    assert result.exit_code in (0, 1), result.stderr
    doc = json.loads(result.stdout)
    assert not list(validator("diff-report.schema.json").iter_errors(doc))
    return result.exit_code, doc


@pytest.mark.parametrize("name", DOCS)
def test_the_same_bom_in_xml_has_no_difference(corpus: Path, tmp_path: Path, name: str) -> None:
    source = _path(corpus, name)
    xml = tmp_path / "bom.cdx.xml"
    assert invoke("convert", source, "--to", "cyclonedx-xml-1.6", "-o", xml).exit_code == 0
    code, doc = _diff(source, xml, "--fail-on-change")
    assert code == 0, doc["differences"][:3]
    assert doc["summary"]["unchanged"] == doc["a"]["components"] == doc["b"]["components"]


def _libraries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in doc["components"] if c.get("purl") and c.get("version")]


@pytest.mark.parametrize("name", [n for n in DOCS if "HBOM" not in n])
def test_a_changed_copy_gives_exactly_its_changes(corpus: Path, tmp_path: Path, name: str) -> None:
    source = _path(corpus, name)
    doc = json.loads(source.read_bytes())
    new = copy.deepcopy(doc)
    libs = _libraries(new)
    bumped, dropped, relicensed = libs[0], libs[1], libs[2]
    bumped["version"] += ".1"
    bumped["purl"] = bumped["purl"].replace("@", "@x", 1)  # another version, same package
    new["components"].remove(dropped)
    relicensed["licenses"] = [{"license": {"id": "0BSD"}}]
    new["components"].append(
        {"type": "library", "bom-ref": "added-by-test", "name": "added-by-test", "version": "1"}
    )
    changed = tmp_path / "changed.cdx.json"
    changed.write_text(json.dumps(new))
    code, report = _diff(source, changed, "--fail-on-change")
    assert code == 1
    found = {(d["status"], d["a_ref"] or d["b_ref"]): d for d in report["differences"]}
    assert set(found) == {
        ("changed", bumped["bom-ref"]),
        ("removed", dropped["bom-ref"]),
        ("changed", relicensed["bom-ref"]),
        ("added", "added-by-test"),
    }
    fields = {c["field"] for c in found[("changed", bumped["bom-ref"])]["changes"]}
    assert fields == {"version", "purl"}
    assert found[("changed", bumped["bom-ref"])]["matched_by"] == "purl-name"
    licence = found[("changed", relicensed["bom-ref"])]["changes"]
    assert [(c["field"], c["b"]) for c in licence] == [("licenses", "0BSD")]
