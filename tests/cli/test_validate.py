from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_HBOM = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
DATA = REPO / "tests" / "data" / "cyclonedx"


def test_valid_files_exit_0(run_cli: Any) -> None:
    result = run_cli("validate", str(SAMPLE_HBOM), str(DATA / "hbom-1.6.xml"))
    assert result.exit_code == 0, result.output
    assert "OK (CycloneDX 1.6 JSON)" in result.stdout
    assert "OK (CycloneDX 1.6 XML)" in result.stdout


@pytest.mark.corpus
def test_corpus_files_are_valid(run_cli: Any, corpus: Path) -> None:
    files = sorted(str(p) for p in (corpus / "sbom" / "cyclonedx").glob("*.json"))
    result = run_cli("validate", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": OK") == len(files)


def _broken(tmp_path: Path, mutate: Any) -> Path:
    doc = json.loads(SAMPLE_HBOM.read_bytes())
    mutate(doc)
    p = tmp_path / "broken.json"
    p.write_text(json.dumps(doc))
    return p


def test_schema_and_integrity_problems_exit_1_with_paths(tmp_path: Path, run_cli: Any) -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["components"][0]["type"] = "spaceship"
        doc["components"][0]["components"][0]["bom-ref"] = "hw:chassis"
        doc["dependencies"].append({"ref": "hw:server", "dependsOn": ["nowhere"]})

    path = _broken(tmp_path, mutate)
    before = path.read_bytes()
    result = run_cli("validate", str(path))
    assert result.exit_code == 1
    out = result.stdout
    assert "$.components[0].type:" in out and "[schema]" in out
    assert "$.components[0].components[0].bom-ref: duplicate bom-ref 'hw:chassis'" in out
    assert "dependencies of 'hw:server' listed twice" in out
    assert "dependsOn names unknown bom-ref 'nowhere'" in out
    assert "INVALID" in out
    assert path.read_bytes() == before


def test_unreadable_beats_invalid(tmp_path: Path, run_cli: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    invalid = _broken(tmp_path, lambda d: d.update(version="x"))
    result = run_cli("validate", str(invalid), str(bad), str(SAMPLE_HBOM))
    assert result.exit_code == 4
    assert f"sovbom: error: {bad}: line 1 column 2: malformed JSON" in result.stderr
    assert "Traceback" not in result.output


def test_missing_file(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.json"))
    assert result.exit_code == 4
    assert "no such file" in result.stderr


def test_hostile_xml_exit_4(run_cli: Any) -> None:
    result = run_cli("validate", str(DATA / "entity-bomb.xml"))
    assert result.exit_code == 4 and "refused" in result.stderr


def test_stdin(run_cli: Any) -> None:
    result = run_cli("validate", "-", input=SAMPLE_HBOM.read_bytes())
    assert result.exit_code == 0 and "<stdin>: OK" in result.stdout
