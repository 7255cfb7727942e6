"""``sovbom trust save``: a private instance's trust files through its TUF repository, for
offline use; then signing and verifying with what was saved, with no network beyond loopback."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from trust_support import invoke
from tuf_repo import TufRepository

from sigstore_local import DEFAULT_ISSUER, LocalSigstore

IDENTITY = "release@acme-servers.example"
ISSUER = DEFAULT_ISSUER


def _save(repo: TufRepository, out: Path, *extra: str | Path) -> Result:
    return invoke("trust", "save", repo.url, "--tuf-root", repo.root_file, "-o", out, *extra)


def test_save_then_sign_and_verify_offline(
    local_sigstore: LocalSigstore, tuf_repo: TufRepository, tmp_path: Path,
    loopback_only: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    out = tmp_path / "acme-sigstore"
    result = _save(tuf_repo, out)
    assert result.exit_code == 0, result.stderr
    root, config = out / "trusted_root.json", out / "trust_config.json"
    served = (tuf_repo.directory / "targets" / "trusted_root.json").read_bytes()
    assert root.read_bytes() == served  # the TUF target, byte for byte
    doc = json.loads(config.read_text())
    assert doc["mediaType"] == "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    assert doc["trustedRoot"] == json.loads(served)
    assert doc["signingConfig"] == local_sigstore.trust_config()["signingConfig"]
    printed = result.stdout.splitlines()
    assert printed == [
        f"{root}  sha256:{hashlib.sha256(root.read_bytes()).hexdigest()}",
        f"{config}  sha256:{hashlib.sha256(config.read_bytes()).hexdigest()}",
    ]
    assert loopback_only == []

    # sign with the saved trust config (the instance is on loopback) ...
    bom = tmp_path / "bom.cdx.json"
    bom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}))
    token = local_sigstore.mint_token(IDENTITY, ISSUER)
    signed = invoke("sign", bom, "--trust-config", config, "--identity-token", token)
    assert signed.exit_code == 0, signed.stderr

    # ... then verify and show with the saved root, no network at all
    monkeypatch.setattr("socket.socket.connect", _refuse)
    monkeypatch.setattr("socket.getaddrinfo", _refuse)
    verified = invoke(
        "verify", bom, "--trusted-root", root, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER, "-f", "json",
    )  # fmt: skip
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    shown = invoke("trust", "show", "--trust-config", config, "--offline", "-f", "json")
    assert shown.exit_code == 0, shown.stderr
    assert (
        json.loads(shown.stdout)["trust_root"]["sha256"]
        == hashlib.sha256(config.read_bytes()).hexdigest()
    )


def _refuse(*a: object, **kw: object) -> None:
    raise OSError("network disabled by the test")


def test_save_never_overwrites_without_force(tuf_repo: TufRepository, tmp_path: Path) -> None:
    out = tmp_path / "trust"
    out.mkdir()
    (out / "trust_config.json").write_text("mine")
    result = _save(tuf_repo, out)
    assert result.exit_code == 4
    assert "file exists (use --force" in result.stderr
    assert (out / "trust_config.json").read_text() == "mine"
    assert not (out / "trusted_root.json").exists()  # nothing written at all

    result = _save(tuf_repo, out, "--force")
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "trust_config.json").read_text())["trustedRoot"]


def test_save_needs_a_tuf_root_for_a_new_instance(tuf_repo: TufRepository, tmp_path: Path) -> None:
    result = invoke("trust", "save", tuf_repo.url, "-o", tmp_path / "t")
    assert result.exit_code == 4
    assert f"cannot obtain the trust material of {tuf_repo.url}" in result.stderr
    assert "--tuf-root" in result.stderr
    assert not (tmp_path / "t").exists()


def test_save_rejects_a_tampered_target(
    local_sigstore: LocalSigstore, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = local_sigstore.trust_config()
    repo = TufRepository(
        tmp_path_factory.mktemp("tuf-tampered"),
        {
            "trusted_root.json": config["trustedRoot"],
            "signing_config.v0.2.json": config["signingConfig"],
        },
    ).start()
    try:
        target = repo.directory / "targets" / "trusted_root.json"
        target.write_text(target.read_text().replace("sovbom tests", "sovbom tEsts"))
        result = _save(repo, tmp_path / "t")
    finally:
        repo.stop()
    assert result.exit_code == 4
    assert "cannot obtain the trust material" in result.stderr
    assert "does not match expected hash" in result.stderr
    assert not (tmp_path / "t").exists()


def test_save_rejects_another_repository_root(
    tuf_repo: TufRepository, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = TufRepository(tmp_path_factory.mktemp("tuf-other"), {"x.json": {}})
    wrong_root = shutil.copy(other.root_file, tmp_path / "root.json")
    result = invoke("trust", "save", tuf_repo.url, "--tuf-root", wrong_root, "-o", tmp_path / "t")
    assert result.exit_code == 4
    assert not (tmp_path / "t").exists()


def test_save_unreachable_instance(tmp_path: Path, no_network: list[str]) -> None:
    root = tmp_path / "root.json"
    root.write_text("{}")
    result = invoke(
        "trust", "save", "https://tuf.sigstore.acme-servers.example", "--tuf-root", root,
        "-o", tmp_path / "t",
    )  # fmt: skip
    assert result.exit_code == 4
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "t").exists()


def test_save_refuses_a_non_http_url(tmp_path: Path) -> None:
    result = invoke("trust", "save", "file:///etc", "-o", tmp_path / "t")
    assert result.exit_code == 4
    assert "not an http(s) URL" in result.stderr
