"""Packed JSON members are depth-limited; packed BOMs are schema-valid.

A deeply nested index read as the index is bad input (exit 4, one line naming the pack); a
deeply nested index bundle or report is pack content that does not hold (exit 3), and says why. ``pack`` refuses a BOM
that is not valid against the official schema, with or without a policy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pack_support import SERVERS, SignedPack, members, reindex, write_zip
from signing_support import invoke

from helpers import assert_refused
from sovbom._io import MAX_JSON_DEPTH

REPO = Path(__file__).resolve().parents[2]


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _inspect(p: SignedPack, archive: Path, *extra: str | Path) -> Any:
    return invoke(
        "inspect", archive, "--trusted-root", p.trust.trusted_root, "--signers", p.signers,
        "-f", "json", *extra,
    )  # fmt: skip


def test_deep_index(signed_pack: SignedPack, unsigned_pack: SignedPack, tmp_path: Path) -> None:
    """Read as the index (unsigned, allowed): exit 4 naming the pack. Under a signature it no
    longer matches: the pack does not hold (exit 3), the index is never trusted."""
    for depth in (MAX_JSON_DEPTH + 50, 10_000):
        deep = b'{"members": ' + _deep(depth) + b"}"
        items = members(unsigned_pack.archive)
        items["index.json"] = deep
        archive = write_zip(tmp_path / f"deep-index-{depth}.zip", items)
        line = assert_refused(_inspect(unsigned_pack, archive, "--allow-unsigned-index"), archive)
        assert "index.json" in line
        items = members(signed_pack.archive)
        items["index.json"] = deep
        archive = write_zip(tmp_path / f"deep-signed-index-{depth}.zip", items)
        result = _inspect(signed_pack, archive)
        assert result.exit_code == 3, result.output
        failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
        assert [c["kind"] for c in failed] == ["index-signature"], failed


def test_deep_index_bundle_does_not_hold(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    items["index.json.sigstore.json"] = (
        b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "x": '
        + _deep(MAX_JSON_DEPTH + 50)
        + b"}"
    )
    archive = write_zip(tmp_path / "deep-bundle.zip", items)
    result = _inspect(signed_pack, archive)
    assert result.exit_code == 3, result.output  # the pack's own content: it does not hold
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert failed[0]["kind"] == "index-signature", failed
    assert failed[0]["detail"] == (
        f"index.json.sigstore.json: JSON nested deeper than {MAX_JSON_DEPTH} levels"
    )


def test_deep_report_does_not_hold(unsigned_pack: SignedPack, tmp_path: Path) -> None:
    """Within orjson's own limit, beyond sovbom's: refused by the depth limit, and said so."""
    items = members(unsigned_pack.archive)
    name = f"reports/check-{SERVERS[0]}"
    doc = json.loads(items[name])
    items[name] = json.dumps(doc)[:-1].encode() + b', "x": ' + _deep(MAX_JSON_DEPTH + 50) + b"}"
    archive = write_zip(tmp_path / "deep-report.zip", reindex(items))
    result = _inspect(unsigned_pack, archive, "--allow-unsigned-index")
    assert result.exit_code == 3, result.output
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert any(
        c["subject"] == name and f"nested deeper than {MAX_JSON_DEPTH} levels" in c["detail"]
        for c in failed
    ), failed


def test_pack_refuses_a_bom_that_is_not_schema_valid(tmp_path: Path) -> None:
    """``components`` as an object: refused whether or not a policy is given (no archive)."""
    doc = json.loads((REPO / "samples" / SERVERS[0]).read_text())
    doc["components"] = {"first": doc["components"][0]}
    bom = tmp_path / "invalid.cdx.json"
    bom.write_text(json.dumps(doc))
    out = tmp_path / "evidence.zip"
    for extra in ([], ["--policy", str(REPO / "samples" / "policy.yaml"), "--as-of", "2026-11-01"]):
        result = invoke("pack", bom, "--unsigned", *extra, "-o", out)
        assert result.exit_code == 4, result.output
        assert "not a valid CycloneDX 1.6 document" in result.stderr, result.stderr
        assert str(bom) in result.stderr
        assert not out.exists()


def test_sample_pack_is_still_made(tmp_path: Path) -> None:
    """The schema check lets valid BOMs through (no policy, unsigned)."""
    bom = tmp_path / SERVERS[0]
    shutil.copy(REPO / "samples" / SERVERS[0], bom)
    out = tmp_path / "evidence.zip"
    result = invoke("pack", bom, "--unsigned", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.is_file()
