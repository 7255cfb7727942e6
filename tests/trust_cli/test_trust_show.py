"""``sovbom trust show``: the trusted root in use, its keys' windows, services; no network."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from trust_support import invoke, write_json

from sigstore_local import LocalSigstore


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_show_trust_config_json(
    local_sigstore: LocalSigstore, tmp_path: Path, no_network: list[str]
) -> None:
    config = local_sigstore.write_trust_config(tmp_path / "trust_config.json")
    result = invoke("trust", "show", "--trust-config", config, "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    root = out["trust_root"]
    assert root["sha256"] == _sha256(config)
    assert root["freshness"] == "pinned" and root["current"] is True
    assert root["source"] == f"trust config file {config}"
    kinds = sorted(k["kind"] for k in out["keys"])
    assert kinds == ["ca", "ctlog", "tlog"]
    assert {k["url"] for k in out["keys"]} == {local_sigstore.base_url}
    assert all(k["state"] == "valid" and k["valid_until"] is None for k in out["keys"])
    roles = sorted(s["role"] for s in out["services"])
    assert roles == ["OIDC issuer", "certificate authority", "transparency log"]
    assert {s["url"] for s in out["services"]} == {local_sigstore.base_url}
    assert no_network == []


def test_show_trusted_root_table_with_windows(
    local_sigstore: LocalSigstore, tmp_path: Path, no_network: list[str]
) -> None:
    doc = local_sigstore.trusted_root()
    old_ca = json.loads(json.dumps(doc["certificateAuthorities"][0]))
    old_ca["validFor"] = {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"}
    doc["certificateAuthorities"].insert(0, old_ca)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    new_tlog = json.loads(json.dumps(doc["tlogs"][0]))
    new_tlog["publicKey"]["validFor"] = {"start": future}
    doc["tlogs"].append(new_tlog)
    path = write_json(tmp_path / "trusted_root.json", doc)

    result = invoke("trust", "show", "--trusted-root", path, "-f", "table")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert f"sha256:{_sha256(path)}" in text.splitlines()[0]
    lines = text.splitlines()
    (expired,) = [line for line in lines if "expired" in line]
    assert expired.split()[:3] == ["certificate", "authority", "expired"]
    assert "2020-01-01T00:00:00+00:00 .. 2021-01-01T00:00:00+00:00" in expired
    (pending,) = [line for line in lines if "not yet valid" in line]
    assert pending.split()[:3] == ["transparency", "log", "key"]
    assert "validity      from 2020-01-01T00:00:00+00:00 (no end); current" in text
    assert "services" not in text  # a bare trusted root has no signing config


def test_show_no_valid_key_of_a_kind(
    local_sigstore: LocalSigstore, tmp_path: Path, no_network: list[str]
) -> None:
    doc = local_sigstore.trusted_root()
    doc["ctlogs"][0]["publicKey"]["validFor"]["end"] = "2021-01-01T00:00:00Z"
    doc["ctlogs"][0]["publicKey"]["validFor"]["start"] = "2020-01-01T00:00:00Z"
    path = write_json(tmp_path / "trusted_root.json", doc)
    result = invoke("trust", "show", "--trusted-root", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["trust_root"]["current"] is False
    (ct,) = [k for k in out["keys"] if k["kind"] == "ctlog"]
    assert ct["state"] == "expired" and ct["valid_until"] == "2021-01-01T00:00:00+00:00"


def test_show_public_good_offline_touches_no_network(no_network: list[str]) -> None:
    result = invoke("trust", "show", "--offline", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["trust_root"]["freshness"] == "embedded"
    assert "public-good production root" in out["trust_root"]["source"]
    assert any(k["url"] == "https://rekor.sigstore.dev" for k in out["keys"])
    assert no_network == []


def test_show_online_without_network_is_exit_4(no_network: list[str]) -> None:
    result = invoke("trust", "show", "-f", "json")
    assert result.exit_code == 4
    assert "cannot obtain the public-good production trusted root" in result.stderr
    assert result.stdout == ""


def test_show_malformed_root_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "trusted_root.json"
    path.write_text('{"mediaType": "x", "tlogs": [{"publicKey": {}}]}')
    result = invoke("trust", "show", "--trusted-root", path)
    assert result.exit_code == 4
    assert str(path) in result.stderr and "validFor.start" in result.stderr
    assert "Traceback" not in result.stderr


def test_show_two_sources_is_refused(local_sigstore: LocalSigstore, tmp_path: Path) -> None:
    root = local_sigstore.write_trusted_root(tmp_path / "r.json")
    result = invoke("trust", "show", "--trusted-root", root, "--staging")
    assert result.exit_code == 4
    assert "give only one of" in result.stderr
