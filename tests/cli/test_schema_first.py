"""Every command that reads a BOM validates it against the official schema first.

A BOM whose ``components`` is an object (not an array) is bad input: exit 4 with one line naming
the file, and no output file; never 0 matches (``trace``), a conversion (``convert``) or
findings (``conformance``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"


@pytest.fixture
def invalid_bom(tmp_path: Path) -> Path:
    doc = json.loads(HGX.read_text())
    doc["components"] = {c["bom-ref"]: c for c in doc["components"]}
    path = tmp_path / "invalid.cdx.json"
    path.write_text(json.dumps(doc))
    return path


def _commands(bom: Path, out: Path) -> dict[str, list[str]]:
    first = json.loads(HGX.read_text())["components"][0]["name"]
    return {
        "trace": ["trace", "-c", f"name={first}", str(bom), "-o", str(out)],
        "convert-xml": ["convert", "-t", "cyclonedx-xml-1.6", str(bom), "-o", str(out)],
        "convert-spdx": ["convert", "-t", "spdx-2.3", str(bom), "-o", str(out)],
        "conformance": ["conformance", "--profile", "ntia-2021", str(bom), "-o", str(out)],
    }


@pytest.mark.parametrize("command", sorted(_commands(HGX, HGX)))
def test_invalid_bom_is_refused(
    command: str, invalid_bom: Path, tmp_path: Path, run_cli: Any
) -> None:
    out = tmp_path / "out"
    result = run_cli(*_commands(invalid_bom, out)[command])
    assert result.exit_code == 4, (result.exit_code, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("sovbom: error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"sovbom: error: {invalid_bom}: not a valid CycloneDX 1.6"), errors
    assert "components" in errors[0]
    assert not out.exists()


@pytest.mark.parametrize("command", sorted(_commands(HGX, HGX)))
def test_valid_bom_still_passes(command: str, tmp_path: Path, run_cli: Any) -> None:
    out = tmp_path / "out"
    result = run_cli(*_commands(HGX, out)[command])
    assert result.exit_code in (0, 1), result.output  # conformance may find missing elements
    assert out.is_file()
