"""sovbom convert: each target validates against its official schema; nothing dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbom.convert import Target, convert
from sovbom.cyclonedx.reader import load_bom, parse_bom
from sovbom.cyclonedx.xml import xml_to_json

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").glob("*.cdx.json"))
FIXTURE = REPO / "tests" / "data" / "convert" / "lossy.cdx.json"


def _components(doc: dict) -> list[dict]:
    out = []
    stack = list(doc.get("components", []))
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.get("components", []))
    return out


@pytest.mark.parametrize("target", list(Target), ids=str)
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_samples_convert_to_valid_documents(sample: Path, target: Target, validate) -> None:
    result = convert(load_bom(sample), target)
    assert validate(result.data, target.value) == []


def test_xml_round_trip_keeps_every_field_of_the_samples() -> None:
    for sample in SAMPLES:
        original = json.loads(sample.read_bytes())
        for target in (Target.CYCLONEDX_XML_16, Target.CYCLONEDX_XML_17):
            result = convert(load_bom(sample), target)
            assert result.lost == []
            back, version = xml_to_json(result.data, "out.xml")
            assert version == target.value.rsplit("-", 1)[1]
            assert len(_components(back)) == len(_components(original))
            assert back["metadata"]["component"]["bom-ref"] == "hw:server"


def test_spdx23_maps_components_nesting_properties_and_hardware() -> None:
    sample = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
    original = json.loads(sample.read_bytes())
    doc = json.loads(convert(load_bom(sample), Target.SPDX_23).data)
    comps = _components(original)
    assert len(doc["packages"]) == len(comps) + 1  # + the server (metadata.component)
    root = doc["packages"][0]
    assert root["name"] == "YCS AIX-8B"
    assert root["primaryPackagePurpose"] == "DEVICE"
    assert root["supplier"] == "Organization: Yamato Compute Systems K.K."
    notes = [a["comment"] for a in root["annotations"]]
    assert "cdx:device:serialNumber=SAMPLE-SRV-HGX-0001" in notes
    kinds = [r["relationshipType"] for r in doc["relationships"]]
    assert kinds.count("DESCRIBES") == 1
    assert kinds.count("CONTAINS") == len(comps)
    firmware = [p for p in doc["packages"] if p["primaryPackagePurpose"] == "FIRMWARE"]
    assert firmware and all(p["checksums"][0]["algorithm"] == "SHA256" for p in firmware)


def test_spdx3_writes_hardware_as_device_packages_and_says_so() -> None:
    sample = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
    result = convert(load_bom(sample), Target.SPDX_30)
    graph = json.loads(result.data)["@graph"]
    packages = [e for e in graph if e["type"] == "software_Package"]
    devices = [p for p in packages if p.get("software_primaryPurpose") == "device"]
    n_hw = sum(1 for c in _components(json.loads(sample.read_bytes())) if c["type"] == "device")
    assert len(devices) == n_hw + 1
    assert any("no Hardware profile" in n and f"{n_hw + 1} hardware" in n for n in result.notes)
    serials = [
        e["statement"]
        for e in graph
        if e["type"] == "Annotation" and e["statement"].startswith("cdx:device:serialNumber=")
    ]
    assert "cdx:device:serialNumber=SAMPLE-SRV-HGX-0001" in serials
    doc = next(e for e in graph if e["type"] == "SpdxDocument")
    assert set(doc["element"]) >= {p["spdxId"] for p in packages}


@pytest.mark.parametrize("target", [Target.SPDX_23, Target.SPDX_30], ids=str)
def test_fields_spdx_cannot_carry_are_listed(target: Target, validate) -> None:
    result = convert(load_bom(FIXTURE), target)
    assert validate(result.data, target.value) == []
    lost = "\n".join(result.lost)
    assert "component.supplier.address.country" in lost
    assert "component.group" in lost
    assert "component.evidence.identity" in lost
    assert "services.name" in lost
    # carried fields are not reported
    assert "component.purl" not in lost and "component.hashes" not in lost


def test_xml_reports_a_purl_it_respelled() -> None:
    result = convert(load_bom(FIXTURE), Target.CYCLONEDX_XML_16)
    assert any("purl" in line and "normalised" in line for line in result.lost)


def test_licence_names_become_licence_refs_with_their_text() -> None:
    doc = json.loads(convert(load_bom(FIXTURE), Target.SPDX_23).data)
    pkg = next(p for p in doc["packages"] if p["name"] == "libfoo")
    assert pkg["licenseDeclared"] == "MIT AND LicenseRef-Foo-Public-Licence"
    assert doc["hasExtractedLicensingInfos"][0]["extractedText"] == "Foo Public Licence"


def test_same_input_gives_the_same_spdx_bytes() -> None:
    a = convert(load_bom(FIXTURE), Target.SPDX_30).data
    b = convert(load_bom(FIXTURE), Target.SPDX_30).data
    assert a == b


def test_cli_lists_losses_on_stderr_and_strict_fails(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out.spdx.json"
    result = run_cli("convert", str(FIXTURE), "--to", "spdx-2.3", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "component.group" in result.stderr and result.stdout == ""
    assert json.loads(out.read_bytes())["spdxVersion"] == "SPDX-2.3"
    strict = run_cli("convert", str(FIXTURE), "--to", "spdx-2.3", "-o", str(out), "--strict")
    assert strict.exit_code == 1


def test_cli_refuses_spdx_input_without_writing(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    spdx = tmp_path / "in.spdx.json"
    spdx.write_bytes(convert(load_bom(FIXTURE), Target.SPDX_23).data)
    result = run_cli("convert", str(spdx), "--to", "cyclonedx-xml-1.6", "-o", str(out))
    assert result.exit_code == 4
    assert "SPDX document" in result.stderr and not out.exists()


def test_xml_input_converts_too() -> None:
    xml = convert(load_bom(SAMPLES[0]), Target.CYCLONEDX_XML_16).data
    again = convert(parse_bom(xml, "in.cdx.xml"), Target.SPDX_23)
    assert json.loads(again.data)["packages"]


@pytest.mark.corpus
def test_corpus_boms_convert_to_valid_documents(corpus: Path, validate) -> None:
    for path in sorted((corpus / "sbom" / "cyclonedx").glob("*.json")):
        bom = load_bom(path)
        for target in Target:
            result = convert(bom, target)
            assert validate(result.data, target.value) == [], (path.name, target)
