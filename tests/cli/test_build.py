from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_valid_bom, assert_valid_bom_file
from sovbom.cyclonedx.document import iter_components
from sovbom.model import provenance_of

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
MANIFESTS = sorted(SAMPLES.glob("*.manifest.yaml"))
DATA = REPO / "tests" / "data" / "manifests"


def test_there_are_two_sample_manifests() -> None:
    assert len(MANIFESTS) >= 2


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_build_sample_is_valid_and_reproducible(
    manifest: Path, tmp_path: Path, run_cli: Any
) -> None:
    out1, out2 = tmp_path / "a.cdx.json", tmp_path / "b.cdx.json"
    for out in (out1, out2):
        result = run_cli("build", "--manifest", str(manifest), "-o", str(out), "--reproducible")
        assert result.exit_code == 0, result.output
    assert out1.read_bytes() == out2.read_bytes()
    doc = assert_valid_bom_file(out1)
    assert "timestamp" not in doc["metadata"]
    root = doc["metadata"]["component"]
    assert root["type"] == "device" and root["bom-ref"] == "hw:server"
    # the committed built HBOM is what the manifest gives today
    committed = SAMPLES / manifest.name.replace(".manifest.yaml", ".hbom.cdx.json")
    assert committed.read_bytes() == out1.read_bytes(), f"regenerate {committed.name}"


def test_reproducible_across_processes(tmp_path: Path) -> None:
    digests = set()
    for i in range(2):
        out = tmp_path / f"{i}.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sovbom",
                "build",
                "-m",
                str(MANIFESTS[0]),
                "-o",
                str(out),
                "--reproducible",
            ],
            check=True,
            env={
                "PYTHONHASHSEED": str(i + 1),
                "PATH": "/usr/bin:/bin",
                # an uninstalled checkout runs with PYTHONPATH=src
                **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
            },
        )
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_not_reproducible_has_timestamp_and_random_serial(tmp_path: Path, run_cli: Any) -> None:
    serials = set()
    for i in range(2):
        out = tmp_path / f"{i}.json"
        assert run_cli("build", "-m", str(MANIFESTS[0]), "-o", str(out)).exit_code == 0
        doc = json.loads(out.read_bytes())
        assert doc["metadata"]["timestamp"].endswith("Z")
        serials.add(doc["serialNumber"])
    assert len(serials) == 2


def test_source_date_epoch_sets_timestamp(
    tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    out = tmp_path / "o.json"
    assert (
        run_cli("build", "-m", str(MANIFESTS[0]), "-o", str(out), "--reproducible").exit_code == 0
    )
    assert json.loads(out.read_bytes())["metadata"]["timestamp"] == "2026-09-21T14:13:20Z"


def test_spec_version_1_7(tmp_path: Path, run_cli: Any) -> None:
    out = tmp_path / "o.json"
    assert (
        run_cli("build", "-m", str(MANIFESTS[0]), "-o", str(out), "--spec-version", "1.7").exit_code
        == 0
    )
    doc = assert_valid_bom_file(out)
    assert doc["specVersion"] == "1.7"


def test_stdout_output(run_cli: Any) -> None:
    result = run_cli("build", "-m", str(MANIFESTS[0]), "--reproducible")
    assert result.exit_code == 0
    assert_valid_bom(json.loads(result.stdout))


def _hgx(tmp_path: Path, run_cli: Any) -> dict[str, Any]:
    out = tmp_path / "hgx.json"
    assert (
        run_cli("build", "-m", str(SAMPLES / "hgx-b200-jp.manifest.yaml"), "-o", str(out)).exit_code
        == 0
    )
    return json.loads(out.read_bytes())


def test_hbom_structure(tmp_path: Path, run_cli: Any) -> None:
    doc = _hgx(tmp_path, run_cli)
    comps = {c["bom-ref"]: c for _, c in iter_components(doc)}
    # the part tree: chassis > baseboard > cpu0 and its microcode; the GPU board and its 8 GPUs
    assert doc["components"][0]["bom-ref"] == "hw:chassis"
    assert "hw:chassis/baseboard/cpu0" in comps
    gpus = [c for c in comps.values() if provenance_of(c).cls == "gpu"]
    assert len(gpus) == 8
    dimms = [c for c in comps.values() if provenance_of(c).cls == "memory"]
    assert len(dimms) == 16
    # firmware nested under the part it runs on, and linked by a dependency
    bmc = comps["hw:chassis/baseboard/bmc"]
    fw = bmc["components"][0]
    assert fw["type"] == "firmware" and fw["bom-ref"] == "fw:chassis/baseboard/bmc/bmc-fw"
    assert {"name": "sovbom:runs-on", "value": "hw:chassis/baseboard/bmc"} in fw["properties"]
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert fw["bom-ref"] in deps[bmc["bom-ref"]]
    assert deps["hw:server"] == ["hw:chassis"]
    # every component is reachable from the root through dependencies
    seen, stack = set(), ["hw:server"]
    while stack:
        ref = stack.pop()
        if ref not in seen:
            seen.add(ref)
            stack.extend(deps.get(ref, []))
    assert seen == set(comps)


def test_provenance_fields_use_standard_cyclonedx(tmp_path: Path, run_cli: Any) -> None:
    doc = _hgx(tmp_path, run_cli)
    comps = {c["bom-ref"]: c for _, c in iter_components(doc)}
    gpu = comps["hw:chassis/hgx/gpu0"]
    assert gpu["manufacturer"] == {"name": "NVIDIA Corporation", "address": {"country": "US"}}
    prov = provenance_of(gpu)
    assert prov.origin_country == "TW"
    assert prov.serial == "SAMPLE-GPU-0000"
    assert prov.part_number == "699-2G525-0200-000"
    assert [s.step for s in prov.production] == [
        "wafer-fabrication",
        "chip-packaging",
        "module-assembly",
    ]
    server = doc["metadata"]["component"]
    sprov = provenance_of(server)
    assert sprov.origin_country == "JP"
    final = [s for s in sprov.production if s.step == "final-assembly"]
    assert final and final[0].site == "Kawasaki Final Assembly Plant" and final[0].country == "JP"
    hgx = comps["hw:chassis/hgx"]
    assert hgx["externalReferences"][0]["type"] == "bom"
    assert comps["fw:chassis/hgx/gpu0/vbios"]["hashes"][0]["alg"] == "SHA-256"


# -------------------------------------------------------------------------------- bad input


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_MANIFESTS = {
    "malformed.yaml": (
        "sovbom_manifest: 1\nserver: {name: x\nparts: []\n",
        r"line \d+ column \d+: malformed YAML",
    ),
    "truncated.json": (
        '{"sovbom_manifest": 1, "server": {"name": ',
        r"line 1 column \d+: malformed JSON",
    ),
    "wrong-schema.yaml": (
        "sovbom_manifest: 1\nserver:\n  name: x\n  model: y\n  serial: z\n"
        "  manufacturer: {name: m, country: Japan}\n"
        "  final_assembly: {site: s, country: JP, date: 2026-01-01}\nparts: []\n",
        r"line 6 \(\$\.server\.manufacturer\.country\): not a valid sovbom manifest",
    ),
    "not-a-manifest.json": ('{"bomFormat": "CycloneDX"}', r"\$: not a valid sovbom manifest"),
    "empty.yaml": ("", "empty file"),
}


@pytest.mark.parametrize("name", sorted(BAD_MANIFESTS))
def test_bad_manifest_is_exit_4_with_place_and_no_output(
    name: str, tmp_path: Path, run_cli: Any
) -> None:
    text, pattern = BAD_MANIFESTS[name]
    manifest = _write(tmp_path, name, text)
    out = tmp_path / "out.cdx.json"
    result = run_cli("build", "-m", str(manifest), "-o", str(out))
    assert result.exit_code == 4
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"sovbom: error: {manifest}")
    import re

    assert re.search(pattern, line), line
    assert "Traceback" not in result.output
    assert not out.exists()
    assert manifest.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_duplicate_sibling_ids(tmp_path: Path, run_cli: Any) -> None:
    manifest = _write(
        tmp_path,
        "dup.yaml",
        "sovbom_manifest: 1\nserver: {name: x, model: y, serial: z, manufacturer: {name: m},"
        " final_assembly: {site: s, country: JP, date: 2026-01-01}}\n"
        "parts:\n- {id: a, class: cpu, name: c}\n- {id: a, class: cpu, name: d}\n",
    )
    result = run_cli("build", "-m", str(manifest), "-o", str(tmp_path / "o.json"))
    assert result.exit_code == 4
    assert "$.parts[1].id: id 'a' is used twice" in result.stderr


def test_duplicate_serials_refused_with_no_output(tmp_path: Path, run_cli: Any) -> None:
    manifest = _write(
        tmp_path,
        "dupserial.yaml",
        "sovbom_manifest: 1\nserver: {name: x, model: y, serial: z, manufacturer: {name: m},"
        " final_assembly: {site: s, country: JP, date: 2026-01-01}}\n"
        "parts:\n- {id: a, class: cpu, name: c, serial: S1}\n"
        "- {id: b, class: cpu, name: d, serial: S1}\n",
    )
    out = tmp_path / "o.json"
    result = run_cli("build", "-m", str(manifest), "-o", str(out))
    assert result.exit_code == 4
    assert "duplicate serial number 'S1'" in result.stderr
    assert not out.exists()


def test_existing_output_untouched_on_failure(tmp_path: Path, run_cli: Any) -> None:
    out = tmp_path / "o.json"
    out.write_text("previous")
    bad = _write(tmp_path, "bad.yaml", "sovbom_manifest: [\n")
    assert run_cli("build", "-m", str(bad), "-o", str(out)).exit_code == 4
    assert out.read_text() == "previous"


def test_build_needs_an_input(run_cli: Any) -> None:
    result = run_cli("build")
    assert result.exit_code == 2
    assert "give --manifest, --add, or both" in result.output
