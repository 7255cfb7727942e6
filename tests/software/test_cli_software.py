from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import installed_stanzas, unreachable_from_root, walk_components
from helpers import assert_valid_bom

REPO = Path(__file__).resolve().parents[2]


def dpkg_sources(data: Path) -> list[str]:
    """The test dpkg status file and the os-release naming its operating system."""
    return ["--dpkg-status", str(data / "status"), "--os-release", str(data / "os-release")]


def test_collect_dpkg_file(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "os.cdx.json"
    args = ["collect", "software", *dpkg_sources(data), "-o", str(out), "--reproducible"]
    r = run_cli(*args)
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    assert len(doc["components"]) == len(installed_stanzas((data / "status").read_text()))
    first = out.read_bytes()
    r = run_cli(*args)
    assert out.read_bytes() == first  # reproducible


def test_collect_several_sources(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw.cdx.json"
    r = run_cli(
        "collect",
        "software",
        *dpkg_sources(data),
        "--sbom",
        str(data / "appliance.spdx.json"),
        "--sbom",
        str(data / "tools-1.4.cdx.xml"),
        "--spec-version",
        "1.7",
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["specVersion"] == "1.7"
    assert_valid_bom(doc)
    assert not unreachable_from_root(doc)
    assert "conflict" in r.stderr  # zlib's supplier differs between the SPDX and the XML input


def test_collect_one_sbom_keeps_it(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.cdx.json"
    r = run_cli("collect", "software", "--sbom", str(data / "tools-1.4.cdx.xml"), "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    assert doc["metadata"]["component"]["name"] == "monitoring-agent"
    tools = [t["name"] for t in doc["metadata"]["tools"]["components"]]
    assert tools == ["cyclonedx-maven-plugin", "sovbom"]
    assert len(list(walk_components(doc))) == 5


def test_this_machine(run_cli, tmp_path: Path) -> None:
    status = Path("/var/lib/dpkg/status")
    if not status.is_file():
        pytest.skip("no dpkg status on this machine")
    out = tmp_path / "host.cdx.json"
    r = run_cli("collect", "software", "--local", "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    n = len(installed_stanzas(status.read_text(encoding="utf-8")))
    assert len([c for c in walk_components(doc) if c["type"] == "library"]) >= n
    assert not unreachable_from_root(doc)


def test_errors_exit_4_and_write_nothing(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.cdx.json"
    bad = tmp_path / "bad.spdx.json"
    bad.write_text('{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "x"}]}')
    r = run_cli("collect", "software", "--sbom", str(bad), "-o", str(out))
    assert r.exit_code == 4
    assert f"{bad}: $.packages[0].name: package without a name" in r.stderr
    assert not out.exists()
    r = run_cli("collect", "software", "--dpkg-status", str(tmp_path / "missing"), "-o", str(out))
    assert r.exit_code == 4 and "no such file" in r.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary left behind


def test_no_source_is_a_usage_error(run_cli) -> None:
    r = run_cli("collect", "software")
    assert r.exit_code == 2


def test_build_with_additions_and_sub_bom(run_cli, data: Path, tmp_path: Path) -> None:
    manifests = sorted((REPO / "samples").glob("*.manifest.yaml"))
    if not manifests:
        pytest.skip("no sample manifest")
    sw = tmp_path / "os.cdx.json"
    assert (
        run_cli(
            "collect",
            "software",
            "--dpkg-status",
            str(data / "status"),
            "--os-release",
            str(data / "os-release"),
            "-o",
            str(sw),
        ).exit_code
        == 0
    )
    out = tmp_path / "server.cdx.json"
    r = run_cli(
        "build",
        "--manifest",
        str(manifests[0]),
        "--add",
        str(sw),
        "--add",
        str(data / "appliance.spdx.json"),
        "--sub-bom",
        str(data / "gpu-firmware.cdx.json"),
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    assert not unreachable_from_root(doc)
    links = [
        ref
        for c in walk_components(doc)
        for ref in c.get("externalReferences") or []
        if ref["type"] == "bom"
    ]
    assert "urn:cdx:6f1d2c3a-1b2c-4d5e-8f90-a1b2c3d4e5f6/3" in [r["url"] for r in links]


def test_build_without_server_root(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "server.cdx.json"
    r = run_cli("build", "--add", str(data / "appliance.spdx.json"), "-o", str(out))
    assert r.exit_code == 4
    assert "no server root" in r.stderr
    assert not out.exists()


def test_build_with_hardware_boms_only(run_cli, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "server.cdx.json"
    r = run_cli(
        "build",
        "--add",
        str(data / "server.factory.hbom.cdx.json"),
        "--add",
        str(data / "server.observed.hbom.cdx.json"),
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.output
    assert "sovbom: conflict:" in r.stderr
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    assert doc["metadata"]["component"]["bom-ref"] == "srv"


def test_build_is_reproducible(run_cli, data: Path, tmp_path: Path) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"server{i}.cdx.json"
        r = run_cli(
            "build",
            "--add",
            str(data / "server.factory.hbom.cdx.json"),
            "--add",
            str(data / "appliance.spdx.json"),
            "--add",
            str(data / "tools-1.4.cdx.xml"),
            "--sub-bom",
            str(data / "gpu-firmware.cdx.json"),
            "--reproducible",
            "-o",
            str(out),
        )
        assert r.exit_code == 0, r.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.corpus
def test_collect_every_corpus_sbom(run_cli, corpus: Path, tmp_path: Path) -> None:
    files = sorted((corpus / "sbom").glob("*/*.json"))
    for i, path in enumerate(files):
        out = tmp_path / f"{i}.cdx.json"
        r = run_cli("collect", "software", "--sbom", str(path), "-o", str(out))
        assert r.exit_code == 0, (path.name, r.output)
        assert_valid_bom(json.loads(out.read_text()))
    out = tmp_path / "all.cdx.json"
    args = [a for p in files for a in ("--sbom", str(p))]
    r = run_cli("collect", "software", *args, "--spec-version", "1.7", "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_bom(doc)
    assert not unreachable_from_root(doc)
