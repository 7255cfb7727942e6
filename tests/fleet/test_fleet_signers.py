"""``fleet ingest --signers`` with BOMs signed by the local, test-only Sigstore instance.

Each BOM's bundle is verified against the signer policy before it is stored (fail closed), and
``fleet history`` names the real signer of every version.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import orjson
import pytest

TESTS = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_fleet_signing_fixtures",
                                               TESTS / "signing" / "conftest.py")  # fmt: skip
assert _spec is not None and _spec.loader is not None
_signing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_signing)
_isolated_home = _signing._isolated_home
local_sigstore = _signing.local_sigstore
trust = _signing.trust

from signing_support import ISSUER, Trust, invoke  # noqa: E402

SAMPLE = TESTS.parent / "samples" / "monaka-2u-jp.hbom.cdx.json"
FACTORY = "factory-signer@acme-servers.example"
INTEGRATOR = "integrator@acme-servers.example"


def _sign(trust: Trust, path: Path, identity: str) -> None:
    result = invoke("sign", path, "--trust-config", trust.trust_config,
                    "--identity-token", trust.token(identity), "--overwrite")  # fmt: skip
    assert result.exit_code == 0, result.stderr


def _signers(path: Path) -> Path:
    path.write_text(
        "version: 1\nroles:\n  manufacturer:\n    signers:\n"
        f"      - {{identity: {FACTORY}, issuer: '{ISSUER}'}}\n"
        f"  integrator:\n    signers:\n      - {{identity: {INTEGRATOR}, issuer: '{ISSUER}'}}\n"
    )
    return path


@pytest.fixture
def two_signed_versions(trust: Trust, tmp_path: Path) -> tuple[Path, Path]:
    """The sample server signed by its factory, then a later version signed by the integrator."""
    v1 = tmp_path / "v1.json"
    shutil.copy(SAMPLE, v1)
    _sign(trust, v1, FACTORY)
    doc = orjson.loads(SAMPLE.read_bytes())
    doc["version"] = 2
    doc["metadata"]["timestamp"] = "2027-01-01T00:00:00Z"
    doc["components"][0].setdefault("properties", []).append(
        {"name": "sovbom:evidence:source", "value": "reinspected"})  # fmt: skip
    v2 = tmp_path / "v2.json"
    v2.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    _sign(trust, v2, INTEGRATOR)
    return v1, v2


def test_ingest_with_signers_records_who_signed_each_version(
    trust: Trust, two_signed_versions: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "fleet.db"
    signers = _signers(tmp_path / "signers.yaml")
    result = invoke("fleet", "--db", db, "ingest", *two_signed_versions, "--signers", signers,
                    "--trust-config", trust.trust_config, "-f", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    server = orjson.loads(SAMPLE.read_bytes())["metadata"]["component"]
    key = next(p["value"] for p in server["properties"] if p["name"] == "cdx:device:serialNumber")
    result = invoke("fleet", "--db", db, "history", key, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    versions = report["versions"]
    assert [(v["signature"], v["signer"], v["roles"]) for v in versions] == [
        ("verified", FACTORY, ["manufacturer"]),
        ("verified", INTEGRATOR, ["integrator"]),
    ]
    assert report["by_signer"] == {FACTORY: [1], INTEGRATOR: [2]}


def test_ingest_with_signers_refuses_a_bom_changed_after_signing(
    trust: Trust, two_signed_versions: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, _ = two_signed_versions
    v1.write_bytes(v1.read_bytes().replace(b'"version": 1', b'"version": 7', 1))
    db = tmp_path / "fleet.db"
    result = invoke("fleet", "--db", db, "ingest", v1, "--signers",
                    _signers(tmp_path / "signers.yaml"), "--trust-config", trust.trust_config)  # fmt: skip
    assert result.exit_code == 3, result.stderr
    result = invoke("fleet", "--db", db, "history", "x")
    assert result.exit_code == 4  # nothing was stored
