"""Sigstore documents are small by nature: size-capped before reading, depth-limited when parsed.

Bundles, trusted roots, trust configs and signer policies larger than ``MAX_SMALL_INPUT_BYTES``
are refused before a byte is read (the files here are sparse: nothing is allocated); JSON nested
deeper than ``MAX_JSON_DEPTH`` is refused with one line naming the file (exit 4). ``verify``
writes no report when an input is unreadable, and writes every verdict when all inputs were
readable and a verification failed (exit 3).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke

from helpers import assert_refused as refused
from helpers import error_lines
from sovbom._io import MAX_JSON_DEPTH, MAX_SMALL_INPUT_BYTES

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "samples" / "policy.yaml"
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def sign(trust: Trust, path: Path) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token()
    )
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


def deep_bundle(path: Path, depth: int) -> Path:
    """A bundle-shaped document with one value nested ``depth`` levels."""
    nested = b"[" * depth + b"]" * depth
    path.write_bytes(b'{"mediaType": "' + BUNDLE_MEDIA_TYPE.encode() + b'", "x": ' + nested + b"}")
    return path


def oversized(path: Path) -> Path:
    """A sparse file one byte over the small-input cap (no disk or memory used)."""
    with path.open("wb") as fh:
        fh.truncate(MAX_SMALL_INPUT_BYTES + 1)
    return path


def assert_refused(result, source: Path, words: str) -> str:  # type: ignore[no-untyped-def]
    line = refused(result, source)
    assert words in line, line
    return line


def verify(trust: Trust, *args: str | Path):  # type: ignore[no-untyped-def]
    return invoke(
        "verify", "-f", "json", *args, "--trust-config", trust.trust_config,
        "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip


def check_signed(trust: Trust, bom: Path, signers: Path, *args: str | Path):  # type: ignore[no-untyped-def]
    return invoke(
        "check", "-p", POLICY, "--signers", signers, "--trust-config", trust.trust_config,
        "-f", "json", bom, *args,
    )  # fmt: skip


@pytest.fixture
def signers(tmp_path: Path) -> Path:
    path = tmp_path / "signers.yaml"
    path.write_text(
        "version: 1\nroles:\n  integrator:\n    signers:\n"
        f"      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
    )
    return path


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 50, 10_000])
def test_deep_bundle_is_refused_naming_it(
    trust: Trust, bom_file: Path, signers: Path, tmp_path: Path, depth: int
) -> None:
    bundle = deep_bundle(tmp_path / "deep.sigstore.json", depth)
    out = tmp_path / "report.json"
    line = assert_refused(verify(trust, bom_file, "--bundle", bundle, "-o", out), bundle, "")
    assert not out.exists()  # bad input: no report
    if depth < 1000:  # within orjson's own limit: sovbom's depth limit refuses it
        assert f"nested deeper than {MAX_JSON_DEPTH} levels" in line
    out = tmp_path / "check.json"
    result = check_signed(trust, bom_file, signers, "--bundle", bundle, "-o", out)
    assert_refused(result, bundle, "")
    assert not out.exists()


def test_oversized_bundle_is_refused_unread(
    trust: Trust, bom_file: Path, signers: Path, tmp_path: Path
) -> None:
    bundle = oversized(tmp_path / "big.sigstore.json")
    assert_refused(verify(trust, bom_file, "--bundle", bundle), bundle, "file is too large")
    result = check_signed(trust, bom_file, signers, "--bundle", bundle)
    assert_refused(result, bundle, "file is too large")


def test_oversized_trust_material_and_signer_policy(
    trust: Trust, bom_file: Path, signers: Path, tmp_path: Path
) -> None:
    sign(trust, bom_file)
    root = oversized(tmp_path / "trusted_root.json")
    result = invoke(
        "verify", bom_file, "--trusted-root", root, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip
    assert_refused(result, root, "file is too large")
    config = oversized(tmp_path / "trust_config.json")
    result = invoke(
        "verify", bom_file, "--trust-config", config, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip
    assert_refused(result, config, "file is too large")
    policy = oversized(tmp_path / "signers.yaml")
    result = invoke("verify", bom_file, "--trust-config", trust.trust_config, "--signers", policy)
    assert_refused(result, policy, "file is too large")
    assert_refused(check_signed(trust, bom_file, policy), policy, "file is too large")


def test_deep_trusted_root_is_refused(trust: Trust, bom_file: Path, tmp_path: Path) -> None:
    sign(trust, bom_file)
    root = json.loads(trust.trusted_root.read_text())
    deep: object = []
    for _ in range(MAX_JSON_DEPTH + 10):
        deep = [deep]
    root["x-extension"] = deep  # json.dumps recurses per level: well within its reach
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    result = invoke(
        "verify", bom_file, "--trusted-root", path, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip
    assert_refused(result, path, f"nested deeper than {MAX_JSON_DEPTH} levels")


def test_verify_writes_no_report_when_an_input_is_unreadable(trust: Trust, tmp_path: Path) -> None:
    good = tmp_path / "good.cdx.json"
    shutil.copy(HGX, good)
    sign(trust, good)
    unreadable = tmp_path / "unreadable.cdx.json"
    shutil.copy(HGX, unreadable)
    deep_bundle(unreadable.with_name(unreadable.name + ".sigstore.json"), 10_000)
    out = tmp_path / "report.json"
    result = verify(trust, good, unreadable, "-o", out)
    assert result.exit_code == 4, result.output
    assert not out.exists()
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and "1 of 2 files could not be read" in errors[0], result.stderr
    assert str(unreadable) in errors[0] and "no report written" in errors[0]


def test_verify_writes_every_verdict_when_a_verification_fails(
    trust: Trust, tmp_path: Path
) -> None:
    """All inputs readable, one signature does not hold: exit 3 and the report is the point."""
    good = tmp_path / "good.cdx.json"
    shutil.copy(HGX, good)
    sign(trust, good)
    changed = tmp_path / "changed.cdx.json"
    shutil.copy(HGX, changed)
    bundle = sign(trust, changed)
    changed.write_bytes(changed.read_bytes() + b"\n")  # no longer what was signed
    assert bundle.is_file()
    out = tmp_path / "report.json"
    result = verify(trust, good, changed, "-o", out)
    assert result.exit_code == 3, result.output
    doc = json.loads(out.read_text())
    assert doc["summary"] == {"files": 2, "verified": 1, "failed": 1, "errors": 0}
    assert [v["status"] for v in doc["verdicts"]] == ["verified", "failed"]


def test_attest_refuses_a_bom_that_is_not_schema_valid(
    tmp_path: Path, no_network: list[str]
) -> None:
    """An attestation declares a CycloneDX BOM: an invalid one is refused before any network."""
    doc = json.loads(HGX.read_text())
    doc["components"] = {"first": doc["components"][0]}
    bom = tmp_path / "invalid.cdx.json"
    bom.write_text(json.dumps(doc))
    result = invoke("sign", "--attest", bom, "--no-ambient", "--identity-token", "not-used")
    line = assert_refused(result, bom, "not a valid CycloneDX 1.6 document")
    assert "components" in line
    assert not bom.with_name(bom.name + ".sigstore.json").exists()
    assert no_network == []
