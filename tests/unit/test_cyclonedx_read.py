from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import assert_valid_bom
from sovbom.cyclonedx import load_bom, parse_bom, schema_problems
from sovbom.cyclonedx.document import iter_components
from sovbom.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "cyclonedx"


@pytest.mark.corpus
def test_every_corpus_cyclonedx_file_loads_and_is_valid(corpus: Path) -> None:
    files = sorted((corpus / "sbom" / "cyclonedx").glob("*.json"))
    assert len(files) >= 8
    for f in files:
        bom = load_bom(f)
        raw = json.loads(f.read_bytes())
        assert bom.spec_version == raw["specVersion"]
        assert schema_problems(bom.doc, bom.spec_version) == [], f


def test_xml_1_6_converts_to_valid_json_form() -> None:
    bom = load_bom(DATA / "hbom-1.6.xml")
    assert bom.format == "xml" and bom.spec_version == "1.6"
    assert_valid_bom(bom.doc)
    doc = bom.doc
    assert doc["version"] == 2
    server = doc["metadata"]["component"]
    assert server["supplier"]["url"] == ["https://example.invalid/a", "https://example.invalid/b"]
    assert server["supplier"]["contact"] == [{"name": "Sales", "email": "sales@example.invalid"}]
    gpu = doc["components"][0]
    assert gpu["hashes"][0]["alg"] == "SHA-256"
    assert gpu["externalReferences"][0]["type"] == "bom"
    assert gpu["components"][0]["bom-ref"] == "fw:gpu0/vbios"
    assert {"name": "sovbom:origin:country", "value": "TW"} in gpu["properties"]
    assert doc["components"][1]["licenses"] == [{"expression": "GPL-2.0-only OR MIT"}]
    assert doc["dependencies"][0] == {"ref": "hw:server", "dependsOn": ["hw:gpu0", "os"]}
    refs = [c["bom-ref"] for _, c in iter_components(doc)]
    assert refs == ["hw:server", "hw:gpu0", "fw:gpu0/vbios", "os"]


def test_xml_1_2_converts_with_tools_array_and_nested_components() -> None:
    bom = load_bom(DATA / "sbom-1.2.xml")
    assert bom.spec_version == "1.2"
    assert schema_problems(bom.doc, "1.2") == []
    assert bom.doc["metadata"]["tools"][0]["name"] == "fixture-tool"
    assert bom.doc["components"][0]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert len(list(iter_components(bom.doc))) == 3
    assert bom.doc["dependencies"][2] == {"ref": "pkg:pypi/urllib3@2.0.0"}


@pytest.mark.parametrize("name", ["entity-bomb.xml", "external-entity.xml"])
def test_hostile_xml_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="refused") as info:
        load_bom(DATA / name)
    assert name in info.value.message


def test_truncated_xml_names_the_line() -> None:
    with pytest.raises(InputError, match=r"truncated.xml: line \d+ column \d+: malformed XML"):
        load_bom(DATA / "truncated.xml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"spdxVersion": "SPDX-2.3"}', "SPDX document"),
        (b'{"bomFormat": "SPDX"}', "bomFormat is 'SPDX'"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.1"}', "unsupported CycloneDX specVersion"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "compo', "malformed JSON"),
        (b'<foo xmlns="urn:x"/>', "not a CycloneDX XML document"),
    ],
)
def test_bad_documents_are_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_bom(data, "in.json")


def test_schema_problem_has_json_path() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {"type": "device", "name": "x", "hashes": [{"alg": "SHA-256", "content": "zz"}]}
        ],
    }
    problems = schema_problems(doc, "1.6")
    assert [p.path for p in problems] == ["$.components[0].hashes[0].content"]
