"""``--offline`` (or a given trusted root / trust config) touches no network.

Proven with sockets that refuse every connection (and DNS); the trusted root in use is reported
and a stale one is never used silently.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke, json_out

PRODUCTION_TUF = "https://tuf-repo-cdn.sigstore.dev"
BEACON = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
GHA = "https://token.actions.githubusercontent.com"


def _sign(trust: Trust, path: Path, *extra: str) -> None:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_guard_really_blocks_the_network(
    trust: Trust, bom_file: Path, no_network: list[str]
) -> None:
    """Signing must talk to the CA: with the guard on it fails, so the guard is effective."""
    result = invoke(
        "sign", bom_file, "--trust-config", trust.trust_config, "--identity-token", trust.token()
    )
    assert result.exit_code == 4
    assert no_network, "the signing attempt should have tried to connect"
    assert not bom_file.with_name(bom_file.name + ".sigstore.json").exists()


@pytest.mark.parametrize("attest", [False, True], ids=["plain", "attest"])
@pytest.mark.parametrize("material", ["--trust-config", "--trusted-root"])
def test_offline_verify_with_given_trust_touches_no_network(
    trust: Trust,
    tmp_path: Path,
    bom_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    material: str,
    attest: bool,
) -> None:
    _sign(trust, bom_file, *(["--attest"] if attest else []))
    attempts: list[str] = request.getfixturevalue("no_network")
    path = trust.trust_config if material == "--trust-config" else trust.trusted_root
    result = invoke(
        "verify", bom_file, "--offline", material, path, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert attempts == []
    assert json_out(result)["trust_root"]["freshness"] == "pinned"


def _case(corpus: Path, name: str) -> Path:
    path = corpus / "sigstore" / "sigstore-conformance" / "bundle-verify" / name
    if not path.is_dir():
        pytest.skip(f"conformance case {name} absent")
    return path


def _verify_production(corpus: Path, *extra: str) -> object:
    case = _case(corpus, "happy-path-v0.3")
    return invoke(
        "verify", case.parent / "a.txt", "--bundle", case / "bundle.sigstore.json",
        "--cert-identity", BEACON, "--cert-oidc-issuer", GHA, "--format", "json", *extra,
    )  # fmt: skip


@pytest.mark.corpus
def test_offline_production_root_is_the_embedded_snapshot_and_says_so(
    corpus: Path, no_network: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    result = _verify_production(corpus, "--offline")
    assert result.exit_code == 0, result.stdout + result.stderr  # type: ignore[attr-defined]
    assert no_network == []
    root = json_out(result)["trust_root"]  # type: ignore[arg-type]
    assert root["freshness"] == "embedded"
    assert len(root["sha256"]) == 64 and root["valid_from"]
    assert "embedded in sigstore-python" in root["note"]
    assert any(
        r.levelname == "WARNING" and "embedded in sigstore-python" in r.getMessage()
        for r in caplog.records
    )


def _tuf_dirs() -> tuple[Path, Path]:
    quoted = urllib.parse.quote(PRODUCTION_TUF, safe="")
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "sigstore-python" / "tuf" / quoted
    data = Path(os.environ["XDG_DATA_HOME"]) / "sigstore-python" / "tuf" / quoted
    return cache, data


@pytest.mark.corpus
def test_stale_cached_root_is_reported_and_warned(
    corpus: Path, no_network: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    # populate the cache as sigstore-python does, then age its TUF metadata
    assert _verify_production(corpus, "--offline").exit_code == 0  # type: ignore[attr-defined]
    cache, data = _tuf_dirs()
    assert (cache / "trusted_root.json").is_file()
    data.mkdir(parents=True, exist_ok=True)
    (data / "timestamp.json").write_text(
        json.dumps({"signed": {"_type": "timestamp", "expires": "2024-01-01T00:00:00Z"}})
    )
    result = _verify_production(corpus, "--offline")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    root = json_out(result)["trust_root"]  # type: ignore[arg-type]
    assert root["freshness"] == "stale"
    assert "expired at 2024-01-01T00:00:00Z" in root["note"]
    assert any(
        r.levelname == "WARNING" and "expired at 2024-01-01" in r.getMessage()
        for r in caplog.records
    )

    # a cached root that differs from the embedded one, with no metadata to vouch for it
    shutil.rmtree(data)
    doc = json.loads((cache / "trusted_root.json").read_text())
    (cache / "trusted_root.json").write_text(json.dumps(doc, indent=1))
    result = _verify_production(corpus, "--offline")
    root = json_out(result)["trust_root"]  # type: ignore[arg-type]
    assert root["freshness"] == "stale" and "differs" in root["note"]
    assert no_network == []


def test_without_offline_the_public_root_needs_the_network(
    bom_file: Path, no_network: list[str]
) -> None:
    result = invoke("verify", bom_file, "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER)
    assert result.exit_code == 4
    assert "cannot obtain the public-good production trusted root" in result.stderr
    assert "--offline" in result.stderr  # the hint
    assert no_network, "a TUF refresh was expected to try the network"
