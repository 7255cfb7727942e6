"""Defaults from the environment, sovbom.toml and pyproject.toml; ``sovbom config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sovbom.config import SETTINGS, Origin, default_for, load_config
from sovbom.errors import InputError

ENV_VARS = [s.env for s in SETTINGS]


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    from sovbom.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False, prog_name="sovbom")


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_environment_variable_names() -> None:
    assert ENV_VARS == [
        "SOVBOM_POLICY",
        "SOVBOM_SIGNERS",
        "SOVBOM_TRUSTED_ROOT",
        "SOVBOM_TRUST_CONFIG",
        "SOVBOM_DATABASE_URL",
    ]


def test_built_in_when_nothing_is_set(tmp_path: Path) -> None:
    config = load_config(tmp_path, {})
    assert all(v.value is None and v.origin is Origin.BUILT_IN for v in config.values)
    assert [found for _, found in config.files] == [False, False]


def test_precedence_environment_toml_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "sovbom.toml", 'policy = "policies/eu.yaml"\nsigners = "own-signers.yaml"\n')
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.other]\npolicy = "no"\n\n[tool.sovbom]\n'
        'policy = "py-policy.yaml"\nsigners = "py-signers.yaml"\ntrusted_root = "root.json"\n',
    )
    env = {"SOVBOM_SIGNERS": "/etc/sovbom/signers.yaml", "SOVBOM_POLICY": ""}
    config = load_config(tmp_path, env)
    policy, signers, root = (config.get(k) for k in ("policy", "signers", "trusted-root"))
    assert (policy.origin, policy.value) == (
        Origin.SOVBOM_TOML,
        str(tmp_path / "policies" / "eu.yaml"),
    )  # an empty variable counts as unset
    assert policy.source == f"{tmp_path / 'sovbom.toml'}: line 1"
    assert (signers.origin, signers.value) == (Origin.ENVIRONMENT, "/etc/sovbom/signers.yaml")
    assert signers.source == "SOVBOM_SIGNERS"
    assert (root.origin, root.value) == (Origin.PYPROJECT, str(tmp_path / "root.json"))
    assert root.source == f"{tmp_path / 'pyproject.toml'}: line 10"  # not [tool.other]'s
    assert config.get("trust-config").origin is Origin.BUILT_IN


def test_default_for_reads_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_for("policy") is None
    write(tmp_path / "sovbom.toml", 'policy = "p.yaml"\n')
    assert default_for("policy") == str(tmp_path / "p.yaml")
    monkeypatch.setenv("SOVBOM_POLICY", "/other.yaml")
    assert default_for("policy") == "/other.yaml"
    with pytest.raises(KeyError):
        default_for("polcy")


@pytest.mark.parametrize(
    ("name", "text", "location"),
    [
        ("sovbom.toml", 'policy = "a"\nsigners = [\n', "line 3"),
        ("sovbom.toml", 'policy = "a"\npolicy = "b"\n', "line 2"),
        ("pyproject.toml", '[tool.sovbom]\npolicy = "a"\n\n[tool.sovbom]\n', "line 4"),
    ],
)
def test_bad_toml_is_exit_4_naming_file_and_line(
    tmp_path: Path, name: str, text: str, location: str
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as info:
        load_config(tmp_path, {})
    assert str(path) in str(info.value) and location in str(info.value)
    result = run("config", "-f", "json")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"sovbom: error: {path}: {location}")
    assert "invalid TOML" in result.stderr and result.stdout == ""


def test_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path / "sovbom.toml", 'policy = "p.yaml"\n\npolcy = "x"\n')
    with pytest.raises(InputError, match=r"sovbom.toml: line 3: unknown setting 'polcy'"):
        load_config(tmp_path, {})
    write(path, "signers = 3\n")
    with pytest.raises(InputError, match="'signers' must be a non-empty string"):
        load_config(tmp_path, {})
    write(path, 'trusted-root = "a"\ntrusted_root = "b"\n')
    with pytest.raises(InputError, match="given twice"):
        load_config(tmp_path, {})
    path.unlink()
    write(tmp_path / "pyproject.toml", '[tool]\nsovbom = "x"\n')
    with pytest.raises(InputError, match=r"\[tool.sovbom\] must be a table"):
        load_config(tmp_path, {})


def test_config_command_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pyproject.toml", '[tool.sovbom]\ntrust-config = "trust/trust_config.json"\n')
    monkeypatch.setenv("SOVBOM_DATABASE_URL", "postgresql://sovbom:s3cret@db.example:5432/fleet")
    result = run("config", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["precedence"] == [
        "command line",
        "environment",
        "sovbom.toml",
        "pyproject.toml [tool.sovbom]",
        "built-in",
    ]
    by_key = {s["key"]: s for s in out["settings"]}
    assert by_key["trust-config"] == {
        "key": "trust-config",
        "value": str(tmp_path / "trust" / "trust_config.json"),
        "origin": "pyproject.toml [tool.sovbom]",
        "source": f"{tmp_path / 'pyproject.toml'}: line 2",
        "env": "SOVBOM_TRUST_CONFIG",
    }
    assert by_key["database-url"]["value"] == "postgresql://sovbom:***@db.example:5432/fleet"
    assert "s3cret" not in result.stdout
    assert by_key["policy"] == {
        "key": "policy", "value": None, "origin": "built-in", "source": "",
        "env": "SOVBOM_POLICY",
    }  # fmt: skip
    assert out["files"] == [
        {"path": str(tmp_path / "sovbom.toml"), "found": False},
        {"path": str(tmp_path / "pyproject.toml"), "found": True},
    ]

    table = run("config", "-f", "table")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    (tc,) = [line for line in lines if line.startswith("trust-config")]
    assert tc.split()[1] == str(tmp_path / "trust" / "trust_config.json")
    assert tc.endswith(f"pyproject.toml [tool.sovbom] ({tmp_path / 'pyproject.toml'}: line 2)")
    (db,) = [line for line in lines if line.startswith("database-url")]
    assert "environment (SOVBOM_DATABASE_URL)" in db and "s3cret" not in db


REPO = Path(__file__).resolve().parents[2]


def test_fleet_uses_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOVBOM_DB", raising=False)
    write(tmp_path / "sovbom.toml", 'database-url = "sqlite:///configured.db"\n')
    sample = REPO / "samples" / "monaka-2u-jp.hbom.cdx.json"
    result = run("fleet", "ingest", str(sample), "-f", "json")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "configured.db").is_file()
    assert not (tmp_path / "sovbom-fleet.db").exists()
    # the command line wins over the configured value
    result = run("fleet", "--db", "sqlite:///given.db", "ingest", str(sample), "-f", "json")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "given.db").is_file()
