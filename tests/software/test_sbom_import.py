from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import edges, walk_components
from helpers import assert_valid_bom
from sovbom.collect.sbom_import import load_sbom, parse_sbom
from sovbom.errors import InputError

pytestmark = []


def test_spdx_fixture(data: Path) -> None:
    spdx = json.loads((data / "appliance.spdx.json").read_text())
    imported = load_sbom(data / "appliance.spdx.json")
    doc = imported.doc
    assert_valid_bom(doc)
    comps = {c["bom-ref"]: c for c in walk_components(doc)}
    assert set(comps) == {p["SPDXID"] for p in spdx["packages"]}
    root = doc["metadata"]["component"]
    assert root["bom-ref"] == "SPDXRef-appliance"  # DESCRIBES
    assert root["type"] == "application"  # primaryPackagePurpose
    assert root["supplier"] == {
        "name": "Example Storage GmbH",
        "contact": [{"name": "Example Storage GmbH", "email": "sbom@storage.example"}],
    }
    assert root["purl"] == "pkg:generic/storage-example/storage-appliance@1.4.2"
    assert root["hashes"] == [
        {
            "alg": "SHA-256",
            "content": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        }
    ]  # MD2 has no CycloneDX name: reported, not silently dropped
    assert any("checksums[1]" in n for n in imported.notes)
    assert root["licenses"] == [{"expression": "Apache-2.0", "acknowledgement": "concluded"}]
    openssl = comps["SPDXRef-openssl"]
    assert openssl["licenses"] == [{"expression": "Apache-2.0", "acknowledgement": "declared"}]
    assert openssl["authors"] == [{"name": "Jane Doe", "email": "jane@openssl.example"}]
    assert openssl["cpe"].startswith("cpe:2.3:a:openssl:openssl:3.0.13")
    assert openssl["hashes"][0]["alg"] == "SHA-1"
    assert comps["SPDXRef-zlib"]["supplier"] == {"name": "Mark Adler"}
    assert comps["SPDXRef-webui"]["licenses"] == [
        {"expression": "MIT AND (BSD-2-Clause OR ISC)", "acknowledgement": "concluded"}
    ]
    # not an SPDX expression: kept as a licence name
    assert comps["SPDXRef-legacy"]["licenses"][0]["license"]["name"] == "LGPL-2.1, GPL-2.0"
    # CONTAINS / CONTAINED_BY nest; DEPENDS_ON / DEPENDENCY_OF are dependencies
    webui = next(c for c in doc["components"] if c["bom-ref"] == "SPDXRef-webui")
    assert [c["bom-ref"] for c in webui["components"]] == ["SPDXRef-legacy"]
    assert edges(doc) == {
        ("SPDXRef-appliance", "SPDXRef-openssl"),
        ("SPDXRef-openssl", "SPDXRef-zlib"),
        ("SPDXRef-appliance", "SPDXRef-webui"),
        ("SPDXRef-webui", "SPDXRef-legacy"),
    }
    assert any("1 SPDX file" in n for n in imported.notes)
    assert any("GENERATED_FROM x1" in n for n in imported.notes)


@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_cyclonedx_xml_fixture(data: Path, version: str) -> None:
    imported = load_sbom(data / "tools-1.4.cdx.xml", spec_version=version)
    doc = imported.doc
    assert doc["specVersion"] == version
    assert_valid_bom(doc)
    comps = {c["bom-ref"]: c for c in walk_components(doc)}
    assert len(comps) == 5  # metadata.component + 3 + 1 nested
    netty = comps["pkg:maven/io.netty/netty-all@4.1.100.Final?type=jar"]
    if version == "1.6":
        # a licence list mixing an expression and an id is invalid in 1.5/1.6: converted, reported
        assert netty["licenses"] == [
            {"license": {"id": "Apache-2.0"}},
            {"license": {"name": "Apache-2.0 OR MIT"}},
        ]
        assert any("licences rewritten" in n for n in imported.notes)
    else:  # 1.7 allows the mix again
        assert netty["licenses"] == [
            {"license": {"id": "Apache-2.0"}},
            {"expression": "Apache-2.0 OR MIT"},
        ]
    slf4j = comps["pkg:maven/org.slf4j/slf4j-api@2.0.9?type=jar"]
    assert (
        slf4j["externalReferences"][0]["url"] == "https://www.slf4j.org/$%7Bproject.artifactId%7D"
    )
    assert any("percent-encoded" in n for n in imported.notes)
    assert len(edges(doc)) == 4


def _cdx(
    components: list[dict[str, Any]], deps: list[dict[str, Any]] | None = None, **extra: Any
) -> bytes:
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1}
    doc.update(extra)
    doc["components"] = components
    if deps is not None:
        doc["dependencies"] = deps
    return json.dumps(doc).encode()


def test_refs_are_repaired_and_reported() -> None:
    data = _cdx(
        [
            {"type": "library", "name": "a", "bom-ref": "x"},
            {"type": "library", "name": "b", "bom-ref": "x"},
            {"type": "library", "name": "c"},
        ],
        [{"ref": "x", "dependsOn": ["nowhere", "x"]}, {"ref": "ghost"}, {"ref": "x"}],
    )
    imported = parse_sbom(data, "t.json")
    doc = imported.doc
    assert_valid_bom(doc)
    refs = [c["bom-ref"] for c in doc["components"]]
    assert len(set(refs)) == 3 and refs[0] == "x"
    assert doc["dependencies"] == [{"ref": "x"}]
    text = "\n".join(imported.notes)
    assert "duplicate 'x' renamed" in text and "without bom-ref" in text and "dropped" in text


def test_fields_unknown_to_the_output_version_are_dropped_and_reported() -> None:
    data = _cdx(
        [
            {
                "type": "library",
                "name": "a",
                "bom-ref": "a",
                "x-vendor-field": 1,
                "hashes": [{"alg": "SHA-256", "content": "not-hex"}],
            },
            {
                "type": "library",
                "name": "b",
                "bom-ref": "b",
                "licenses": [{"license": {"id": "Not-A-Licence"}}, {"license": {"id": "MIT"}}],
            },
        ],
        signature={"algorithm": "ES256", "value": "abc"},
    )
    imported = parse_sbom(data, "t.json", spec_version="1.6")
    assert_valid_bom(imported.doc)
    comp = imported.doc["components"][0]
    assert "x-vendor-field" not in comp
    assert "hashes" not in comp or comp["hashes"] == []
    assert imported.doc["components"][1]["licenses"] == [
        {"license": {"name": "Not-A-Licence"}},
        {"license": {"id": "MIT"}},
    ]
    text = "\n".join(imported.notes)
    assert "$.components[0].x-vendor-field: dropped" in text
    assert "$.components[1].licenses: licences rewritten" in text
    assert "$.signature: dropped" in text
    assert "$.components[0].hashes[0]" in text


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            b'{"spdxVersion": "SPDX-3.0", "packages": []}',
            r"\$\.spdxVersion: unsupported SPDX version",
        ),
        (
            b'{"spdxVersion": "SPDX-2.3", "packages": [{"name": "x"}]}',
            r"\$\.packages\[0\]: package without SPDXID",
        ),
        (
            b'{"spdxVersion": "SPDX-2.3", "packages": [], "relationships": [{"spdxElementId": 1}]}',
            r"\$\.relationships\[0\]: relationship needs",
        ),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.1"}',
            r"\$\.specVersion: unsupported CycloneDX",
        ),
        (b'{"bomFormat": "CycloneDX",\n "specVersion": ', r"line 2 column \d+: malformed JSON"),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.6",'
            b' "components": [{"name": "no type"}]}',
            r"cannot be made a valid CycloneDX 1.6 document: \$\.components\[0\]",
        ),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.6",'
            b' "dependencies": [{"dependsOn": []}]}',
            r"\$\.dependencies\[0\]: a dependency needs a string 'ref'",
        ),
    ],
)
def test_bad_input_names_file_and_place(payload: bytes, message: str) -> None:
    with pytest.raises(InputError, match=r"^in\.json: " + message):
        parse_sbom(payload, "in.json")


# --------------------------------------------------------------------------------------------
# The real corpus
# --------------------------------------------------------------------------------------------


def _corpus_files(corpus: Path) -> list[Path]:
    files = sorted((corpus / "sbom").glob("*/*.json"))
    assert len(files) == 12
    return files


def _input_edges_cdx(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["ref"], t) for d in doc.get("dependencies") or [] for t in d.get("dependsOn") or []}


def _input_edges_spdx(doc: dict[str, Any]) -> set[tuple[str, str]]:
    ids = {p["SPDXID"] for p in doc.get("packages") or []}
    out = set()
    for r in doc.get("relationships") or []:
        a, kind, b = r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]
        if a not in ids or b not in ids:
            continue
        if kind in ("DEPENDS_ON", "CONTAINS"):
            out.add((a, b))
        elif kind.endswith("DEPENDENCY_OF") or kind.endswith("_TOOL_OF") or kind == "CONTAINED_BY":
            out.add((b, a))
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_import_every_corpus_file(corpus: Path, version: str) -> None:
    for path in _corpus_files(corpus):
        raw = json.loads(path.read_text(encoding="utf-8"))
        imported = load_sbom(path, spec_version=version)
        doc = imported.doc
        assert_valid_bom(doc)
        out_refs = [c["bom-ref"] for c in walk_components(doc)]
        if "spdxVersion" in raw:
            assert len(out_refs) == len(raw["packages"]), path.name
            assert set(out_refs) == {p["SPDXID"] for p in raw["packages"]}
            expected = _input_edges_spdx(raw)
        else:
            assert len(out_refs) == len(list(walk_components(raw))), path.name
            expected = _input_edges_cdx(raw)
            assert len(doc.get("dependencies") or []) == len(
                {d["ref"] for d in raw.get("dependencies") or []}
            ), path.name
        assert expected <= edges(doc), path.name
        assert len(edges(doc)) == len(expected), path.name
