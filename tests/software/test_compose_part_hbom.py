"""A supplier's HBOM of one part (a board) added to a server keeps its tree, as a part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sovbom._io import read_bytes
from sovbom.collect.sbom_import import read_sbom
from sovbom.compose import compose_server_bom
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.manifest import build_hbom

REPO = Path(__file__).resolve().parents[2]
BOARD = REPO / "tests" / "data" / "compose" / "raid-board.hbom.cdx.json"
CORPUS_BOARD = "sbom/cyclonedx/bom-examples_HBOM_pcie-sata-adapter-board.cdx.json"

_MANIFEST = """
sovbom_manifest: 1
server:
  name: Example 1U server
  model: EX-1U
  serial: SRV-0001
  manufacturer: {{name: Example Servers K.K., country: JP}}
  final_assembly: {{site: Plant 1, country: JP, date: '2026-01-10'}}
parts:
- id: baseboard
  class: baseboard
  name: Example baseboard
  serial: MB-0001
  parts:
  - id: raid
    class: storage-controller
    name: RAID adapter
    slot: PCIe2
{raid}
"""


def _base(tmp_path: Path, raid: str = "") -> dict[str, Any]:
    path = tmp_path / "server.manifest.yaml"
    path.write_text(_MANIFEST.format(raid=raid))
    return build_hbom(str(path))


def _board(path: Path = BOARD) -> LoadedBom:
    return read_sbom(read_bytes(path), str(path))


def _tree(comp: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: _tree(c) for c in comp.get("components") or ()}


def _find(doc: dict[str, Any], name: str) -> tuple[dict[str, Any], list[str]]:
    stack: list[tuple[dict[str, Any], list[str]]] = [(doc["metadata"]["component"], [])]
    for c in doc["components"]:
        stack.append((c, [doc["metadata"]["component"]["name"]]))
    while stack:
        comp, path = stack.pop()
        if comp.get("name") == name:
            return comp, path
        stack.extend((c, [*path, comp["name"]]) for c in comp.get("components") or ())
    raise AssertionError(f"{name!r} not in the composed BOM")


def _depends(doc: dict[str, Any], parent: str, child: str) -> bool:
    return any(d["ref"] == parent and child in d.get("dependsOn", []) for d in doc["dependencies"])


BOARD_TREE = {
    "RAID-on-chip controller": {"controller firmware": {}},
    "cache DRAM": {},
    "SFF-8643 connector": {},
}


def test_a_board_nobody_declares_is_a_part_beneath_the_server(tmp_path: Path) -> None:
    result = compose_server_bom(_base(tmp_path), [_board()])
    doc = result.doc
    server = doc["metadata"]["component"]
    assert server["name"] == "Example 1U server"  # the board did not rename the server
    assert not any("differs" in c for c in result.conflicts), result.conflicts
    board, path = _find(doc, "RC-8i RAID adapter")
    assert path == ["Example 1U server"]
    assert _tree(board) == BOARD_TREE
    assert _depends(doc, server["bom-ref"], board["bom-ref"])
    controller, _ = _find(doc, "RAID-on-chip controller")
    assert _depends(doc, board["bom-ref"], controller["bom-ref"])
    assert any("placed beneath the server" in n for n in result.notes)


def test_a_board_the_manifest_declares_by_serial_is_nested_there(tmp_path: Path) -> None:
    result = compose_server_bom(_base(tmp_path, "    serial: RC8I-0042"), [_board()])
    doc = result.doc
    raid, path = _find(doc, "RAID adapter")  # the manifest's part keeps its name and place
    assert path == ["Example 1U server", "Example baseboard"]
    assert _tree(raid) == BOARD_TREE
    assert raid["bom-ref"] == "hw:baseboard/raid"
    assert _depends(doc, "hw:baseboard/raid", _find(doc, "cache DRAM")[0]["bom-ref"])
    assert not any(c["name"] == "RC-8i RAID adapter" for c in doc["components"])


def test_a_board_the_manifest_names_as_its_bom_is_nested_there(tmp_path: Path) -> None:
    raid = "    evidence:\n    - {type: bom, url: raid-board.hbom.cdx.json}"
    result = compose_server_bom(_base(tmp_path, raid), [_board()])
    raid_part, path = _find(result.doc, "RAID adapter")
    assert path == ["Example 1U server", "Example baseboard"]
    assert _tree(raid_part) == BOARD_TREE


def test_the_servers_own_hbom_still_merges_into_the_server(tmp_path: Path) -> None:
    base = _base(tmp_path)
    same = json.loads(json.dumps(base))
    same["metadata"]["component"]["description"] = "observed"
    n = len(same["components"])
    result = compose_server_bom(base, [LoadedBom(same, "1.6", "obs.json", "json", b"")])
    assert result.doc["metadata"]["component"]["description"] == "observed"
    assert len(result.doc["components"]) == n


@pytest.mark.corpus
def test_corpus_board_hbom_keeps_its_structure(corpus: Path, run_cli: Any, tmp_path: Path) -> None:
    board_path = corpus / CORPUS_BOARD
    board = json.loads(board_path.read_bytes())
    out = tmp_path / "server.cdx.json"
    manifest = REPO / "samples" / "hgx-b200-jp.manifest.yaml"
    result = run_cli("build", "-m", str(manifest), "--add", str(board_path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "conflict" not in result.output
    doc = json.loads(out.read_bytes())
    assert doc["metadata"]["component"]["name"] == "YCS AIX-8B"
    root_name = board["metadata"]["component"]["name"]
    part, path = _find(doc, root_name)
    assert path == ["YCS AIX-8B"]
    assert sorted(_tree(part)) == sorted(c["name"] for c in board["components"])
    top_names = {c["name"] for c in doc["components"]}
    assert not top_names & {c["name"] for c in board["components"]}
