from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import edges, unreachable_from_root, walk_components
from helpers import assert_valid_bom
from sovbom._io import read_bytes
from sovbom.collect.dpkg import collect_dpkg, read_os_release
from sovbom.collect.sbom_import import read_sbom
from sovbom.compose import VOUCHED_BY, compose_server_bom, compose_software
from sovbom.cyclonedx.reader import LoadedBom, load_bom
from sovbom.cyclonedx.writer import render_bom
from sovbom.errors import InputError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def load(path: Path) -> LoadedBom:
    return read_sbom(read_bytes(path), str(path))


def dpkg_bom(data: Path) -> LoadedBom:
    result = collect_dpkg(data / "status", os_info=read_os_release(data / "os-release"))
    return LoadedBom(result.doc, "1.6", "dpkg:status", "json", b"")


def props(comp: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in comp.get("properties") or []:
        out.setdefault(p["name"], []).append(p["value"])
    return out


def by_serial(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for c in walk_components(doc):
        for s in props(c).get("cdx:device:serialNumber", []):
            out[s] = c
    return out


def count(doc: dict[str, Any]) -> int:
    return len(list(walk_components(doc)))


def check(doc: dict[str, Any]) -> None:
    assert_valid_bom(doc)
    assert not unreachable_from_root(doc)
    # and what the writer would write is valid too
    render_bom(json.loads(json.dumps(doc)), reproducible=True)


def test_hardware_merge_and_conflicts(data: Path) -> None:
    factory = json.loads((data / "server.factory.hbom.cdx.json").read_text())
    observed = load(data / "server.observed.hbom.cdx.json")
    n_factory, n_observed = count(factory), count(observed.doc)
    result = compose_server_bom(factory, [observed], base_source="factory.yaml")
    doc = result.doc
    check(doc)
    parts = by_serial(doc)
    # same serial -> one part (GPU, NIC, the server itself); the fan without serial -> same slot
    assert doc["metadata"]["component"]["bom-ref"] == "srv"
    assert parts["GPU-0001"]["bom-ref"] == "srv/gpu0"
    assert parts["NIC-0001"]["bom-ref"] == "srv/nic0"
    assert parts["FAN-77"]["bom-ref"] == "srv/fan0"  # the serial the factory lacked is filled in
    # a new part is added under the server; the colliding ref of a different part is prefixed
    assert parts["DIMM-0001"]["bom-ref"] == "obs:dimm0"
    assert parts["PSU-0001"]["bom-ref"] == "server.observed.hbom.cdx.json:srv/bmc"
    # no component silently dropped: everything is either kept or merged into its twin
    assert result.merged == 4  # gpu, vbios, fan, nic
    assert count(doc) == n_factory + n_observed - 1 - result.merged  # minus the server itself
    joined = "\n".join(result.conflicts)
    # the conflicts name both sources and the field
    assert (
        "field 'manufacturer' differs: {'name': 'Example Accel Inc', 'address': {'country': 'US'}}"
        " in factory.yaml vs {'name': 'Example Accel Inc', 'address': {'country': 'TW'}} in "
        f"{observed.source}; kept the first" in joined
    )
    assert "field 'version' differs: '96.00.1' in factory.yaml vs '96.00.2'" in joined
    vbios = next(c for c in walk_components(doc) if c["bom-ref"] == "srv/gpu0/vbios")
    assert props(vbios)["sovbom:runs-on"] == ["srv/gpu0"]  # not the observed ref
    assert ("srv/gpu0", "srv/gpu0/vbios") in edges(doc)
    assert ("srv", "obs:dimm0") in edges(doc)


def test_conflicting_serials_in_one_slot_keep_both_parts(data: Path) -> None:
    factory = json.loads((data / "server.factory.hbom.cdx.json").read_text())
    observed = load(data / "server.observed.hbom.cdx.json")
    gpu = next(c for c in observed.doc["components"] if c["bom-ref"] == "obs:gpu")
    for p in gpu["properties"]:
        if p["name"] == "cdx:device:serialNumber":
            p["value"] = "GPU-SWAPPED"
    result = compose_server_bom(factory, [observed], base_source="factory.yaml")
    check(result.doc)
    parts = by_serial(result.doc)
    assert {"GPU-0001", "GPU-SWAPPED"} <= set(parts)
    assert any("slot 'PCIe1'" in c and "GPU-SWAPPED" in c for c in result.conflicts)


def test_software_goes_beneath_the_server_and_same_purl_merges(data: Path) -> None:
    factory = json.loads((data / "server.factory.hbom.cdx.json").read_text())
    inputs = [dpkg_bom(data), load(data / "appliance.spdx.json"), load(data / "tools-1.4.cdx.xml")]
    total = sum(count(b.doc) for b in inputs)
    result = compose_server_bom(factory, inputs, base_source="factory.yaml")
    doc = result.doc
    check(doc)
    top = {c["bom-ref"]: c for c in doc["components"]}
    # the OS beneath the server, its packages beneath the OS
    os_comp = top["os:debian@12"]
    assert len(os_comp["components"]) == 9
    assert ("srv", "os:debian@12") in edges(doc)
    assert "SPDXRef-appliance" in top and "app" in top
    # zlib is in the SPDX and the XML input (same purl): one component, both hashes, a conflict
    zlibs = [c for c in walk_components(doc) if c.get("purl") == "pkg:generic/zlib@1.3.1"]
    assert len(zlibs) == 1
    assert zlibs[0]["bom-ref"] == "SPDXRef-zlib"
    assert [h["alg"] for h in zlibs[0]["hashes"]] == ["SHA-1"]
    assert ("pkg:maven/io.netty/netty-all@4.1.100.Final?type=jar", "SPDXRef-zlib") in edges(doc)
    assert any(
        "pkg:generic/zlib@1.3.1: field 'supplier' differs: {'name': 'Mark Adler'} in "
        f"{data / 'appliance.spdx.json'} vs {{'name': 'zlib project'}} in "
        f"{data / 'tools-1.4.cdx.xml'}" in c
        for c in result.conflicts
    )
    assert result.merged == 1
    assert count(doc) == count(factory) + total - result.merged
    # every input is recorded with its digest
    composed = props(doc["metadata"])
    assert any(v.startswith("tools-1.4.cdx.xml sha256:") for v in composed["sovbom:composed-from"])


def test_signed_sub_bom_is_linked(data: Path, tmp_path: Path) -> None:
    fw = tmp_path / "gpu-firmware.cdx.json"
    fw.write_bytes((data / "gpu-firmware.cdx.json").read_bytes())
    (tmp_path / "gpu-firmware.cdx.json.sigstore.json").write_text("{}")  # only its presence counts
    factory = json.loads((data / "server.factory.hbom.cdx.json").read_text())
    result = compose_server_bom(factory, [load_bom(fw)], base_source="factory.yaml")
    doc = result.doc
    check(doc)
    comps = {c["bom-ref"]: c for c in walk_components(doc)}
    vbios = comps["srv/gpu0/vbios"]  # runs-on GPU-0001 -> beneath the GPU, merged with its VBIOS
    link = "urn:cdx:6f1d2c3a-1b2c-4d5e-8f90-a1b2c3d4e5f6/3"
    bom_refs = [r for r in vbios["externalReferences"] if r["type"] == "bom"]
    assert bom_refs == [
        {
            "type": "bom",
            "url": link,
            "comment": "sub-BOM gpu-firmware.cdx.json, signed separately by its supplier",
            "hashes": [{"alg": "SHA-256", "content": hashlib.sha256(fw.read_bytes()).hexdigest()}],
        }
    ]
    vouched = sorted(r for r, c in comps.items() if link in props(c).get(VOUCHED_BY, []))
    assert vouched == ["fw/gsp", "fw/mbedtls", "srv/gpu0/vbios"]
    assert ("srv/gpu0/vbios", "fw/gsp") in edges(doc)
    assert any("'96.00.1' in factory.yaml vs '96.00.2'" in c for c in result.conflicts)


def test_sub_bom_by_option_and_without_serial(data: Path) -> None:
    factory = json.loads((data / "server.factory.hbom.cdx.json").read_text())
    fw = load(data / "gpu-firmware.cdx.json")
    result = compose_server_bom(factory, [fw], sub_boms={fw.source})
    assert result.sub_boms and "urn:cdx:6f1d2c3a" in result.sub_boms[0]
    fw = load(data / "gpu-firmware.cdx.json")
    del fw.doc["serialNumber"]
    with pytest.raises(
        InputError, match=r"gpu-firmware.cdx.json: \$\.serialNumber: a sub-BOM needs"
    ):
        compose_server_bom(factory, [fw], sub_boms={fw.source})


def test_first_hardware_bom_is_the_root(data: Path) -> None:
    result = compose_server_bom(
        None, [dpkg_bom(data), load(data / "server.observed.hbom.cdx.json")]
    )
    check(result.doc)
    assert result.doc["metadata"]["component"]["bom-ref"] == "obs:system"
    assert "os:debian@12" in {c["bom-ref"] for c in result.doc["components"]}


def test_no_server_root(data: Path) -> None:
    with pytest.raises(InputError, match="no server root"):
        compose_server_bom(None, [dpkg_bom(data), load(data / "appliance.spdx.json")])


def test_compose_software(data: Path) -> None:
    result = compose_software([dpkg_bom(data), load(data / "appliance.spdx.json")])
    check(result.doc)
    assert result.doc["metadata"]["component"]["bom-ref"] == "os:debian@12"
    assert "SPDXRef-appliance" in {c["bom-ref"] for c in result.doc["components"]}


def _sample_manifests() -> list[Path]:
    return sorted(SAMPLES.glob("*.manifest.yaml"))


@pytest.mark.parametrize("manifest", _sample_manifests(), ids=lambda p: p.name)
def test_sample_servers(manifest: Path, data: Path) -> None:
    from sovbom.manifest import build_hbom

    base = build_hbom(manifest)
    n_base = count(base)
    inputs = [dpkg_bom(data), load(data / "appliance.spdx.json"), load(data / "tools-1.4.cdx.xml")]
    total = sum(count(b.doc) for b in inputs)
    result = compose_server_bom(base, inputs, base_source=str(manifest))
    doc = result.doc
    check(doc)
    kinds = {c.get("type") for c in walk_components(doc)}
    assert {"device", "firmware", "operating-system", "library"} <= kinds
    assert count(doc) == n_base + total - result.merged


@pytest.mark.corpus
def test_corpus_into_a_sample_server(corpus: Path, data: Path) -> None:
    from sovbom.manifest import build_hbom

    manifests = _sample_manifests()
    if not manifests:
        pytest.skip("no sample manifests")
    base = build_hbom(manifests[0])
    n_base = count(base)
    inputs = [load(p) for p in sorted((corpus / "sbom").glob("*/*.json"))]
    inputs.append(dpkg_bom(data))
    total = sum(count(b.doc) for b in inputs)
    # inputs without metadata.component nor a single operating system get a stand-in anchor
    anchors = sum(
        1
        for b in inputs
        if not (b.doc.get("metadata") or {}).get("component")
        and sum(c.get("type") == "operating-system" for c in b.doc.get("components", [])) != 1
    )
    assert anchors == 2  # flux and kubectl (SPDX without DESCRIBES)
    result = compose_server_bom(base, inputs)
    doc = result.doc
    check(doc)
    # the HBOM example is a board: its root is a part of the server, its parts beneath it
    assert count(doc) == n_base + total + anchors - result.merged
    assert result.merged > 0 and result.conflicts
