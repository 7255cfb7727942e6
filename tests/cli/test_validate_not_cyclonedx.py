"""``validate`` on a document that parses but is not CycloneDX: invalid (exit 1), said plainly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sovbom.cyclonedx.reader import NotCycloneDXError, parse_bom
from sovbom.errors import ExitCode, InputError

REPO = Path(__file__).resolve().parents[2]
SAMPLE_HBOM = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"name": "my-app", "version": "1.0.0", "dependencies": {}}', "no bomFormat 'CycloneDX'"),
        ('{"bomFormat": "SPDX"}', "bomFormat is 'SPDX', expected 'CycloneDX'"),
        ('{"spdxVersion": "SPDX-2.3", "packages": []}', "SPDX document"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_json_that_is_not_cyclonedx_is_invalid_not_unreadable(
    tmp_path: Path, run_cli: Any, content: str, said: str
) -> None:
    path = tmp_path / "package.json"
    path.write_text(content)
    result = run_cli("validate", str(path), str(SAMPLE_HBOM))
    assert result.exit_code == int(ExitCode.FINDINGS), result.output
    assert "not a CycloneDX document" in result.stdout
    assert said in result.stdout
    assert f"{path}: INVALID (not a CycloneDX document)" in result.stdout
    assert "None" not in result.output
    assert "OK (CycloneDX 1.6 JSON)" in result.stdout  # the other file is still checked


def test_unreadable_still_exits_4_beside_a_non_cyclonedx_file(tmp_path: Path, run_cli: Any) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = run_cli("validate", str(other), str(broken))
    assert result.exit_code == int(ExitCode.BAD_INPUT), result.output
    assert "INVALID (not a CycloneDX document)" in result.stdout


def test_other_commands_still_treat_it_as_bad_input() -> None:
    with pytest.raises(NotCycloneDXError) as info:
        parse_bom(b'{"hello": 1}', "x.json")
    assert isinstance(info.value, InputError)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert "None" not in info.value.message
