"""`sovbom diff` with --signers: each side verified first with the local, test-only Sigstore
instance; a side that does not verify fails closed (exit 3, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diff_support import write_versions
from signing_support import IDENTITY, ISSUER, Trust, invoke


def _sign(trust: Trust, path: Path) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


@pytest.fixture
def signed(trust: Trust, tmp_path: Path) -> tuple[Path, Path, Path, list[str]]:
    a, b = write_versions(tmp_path)
    _sign(trust, a)
    _sign(trust, b)
    signers = tmp_path / "signers.yaml"
    signers.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
    )
    options = ["--signers", str(signers), "--trusted-root", str(trust.trusted_root), "--offline"]
    return a, b, tmp_path, options


def test_both_sides_verified_then_compared(signed: tuple[Path, Path, Path, list[str]]) -> None:
    a, b, _, options = signed
    result = invoke("diff", a, b, "-f", "json", "--fail-on-change", *options)
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    for side in ("a", "b"):
        assert doc[side]["signature"]["ok"] is True
        assert doc[side]["signature"]["identity"] == IDENTITY
    assert doc["summary"]["removed"] == 1


def test_a_tampered_side_fails_closed(signed: tuple[Path, Path, Path, list[str]]) -> None:
    a, b, d, options = signed
    doc = json.loads(b.read_bytes())
    doc["components"][0]["name"] = "another chassis"
    b.write_text(json.dumps(doc, indent=2) + "\n")  # after signing: the bundle no longer holds
    out = d / "diff.json"
    result = invoke("diff", a, b, "-f", "json", "-o", out, *options)
    assert result.exit_code == 3, result.stderr
    assert "v2.cdx.json" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_an_unsigned_side_fails_closed_unless_only_the_other_is_required(
    signed: tuple[Path, Path, Path, list[str]],
) -> None:
    a, b, d, options = signed
    b.with_name(b.name + ".sigstore.json").unlink()
    out = d / "diff.json"
    result = invoke("diff", a, b, "-o", out, *options)
    assert result.exit_code == 3 and "not signed" in result.stderr
    assert not out.exists()
    result = invoke("diff", a, b, "-f", "json", "-o", out, "--signed", "a", *options)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_bytes())
    assert doc["a"]["signature"]["ok"] is True and doc["b"]["signature"] is None


def test_bundles_named_explicitly(signed: tuple[Path, Path, Path, list[str]]) -> None:
    a, b, d, options = signed
    moved = d / "elsewhere.sigstore.json"
    b.with_name(b.name + ".sigstore.json").rename(moved)
    result = invoke("diff", a, b, "-f", "json", "--bundle-b", moved, *options)
    assert result.exit_code == 0, result.stderr
    # A's bundle given for B: the signature is over other bytes
    result = invoke("diff", a, b, "--bundle-b", a.with_name(a.name + ".sigstore.json"), *options)
    assert result.exit_code == 3
