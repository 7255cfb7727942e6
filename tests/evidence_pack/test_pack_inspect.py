"""`sovbom pack` and `sovbom inspect`: round trip, reproducibility, tampering, hostile archives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from pack_support import (
    AS_OF,
    HOLDS_WITH_FINDINGS,
    INDEX_SCHEMA,
    INSPECT_SCHEMA,
    SERVERS,
    SignedPack,
    members,
    pack_args,
    reindex,
    write_signers,
    write_zip,
)
from signing_support import IDENTITY, invoke


def inspect(p: SignedPack, *extra: str | Path, archive: Path | None = None) -> object:
    return invoke(
        "inspect", archive or p.archive, "--trusted-root", p.trust.trusted_root,
        "--signers", p.signers, "-f", "json", *extra,
    )  # fmt: skip


def report_of(result: object) -> dict[str, object]:
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    INSPECT_SCHEMA.validate(doc)
    return doc


# ------------------------------------------------------------------------------ round trip


def test_round_trip_holds_with_the_inspectors_own_root(signed_pack: SignedPack) -> None:
    result = inspect(signed_pack)
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
    doc = report_of(result)
    assert doc["verdict"] == "holds"
    assert doc["trust"]["source"] == "inspector"
    assert doc["warnings"] == []
    assert len(doc["boms"]) == 2
    for bom in doc["boms"]:
        assert bom["signature"]["identity"] == IDENTITY
        assert bom["signature"]["log_index"] is not None
        assert bom["schema_valid"] and bom["integrity_ok"]
        assert bom["check_verdict"] == bom["packed_check_verdict"]
    kinds = {c["kind"] for c in doc["checks"]}
    assert {"digest", "signature", "schema", "integrity", "policy"} <= kinds


def test_index_lists_every_member_and_is_schema_valid(signed_pack: SignedPack) -> None:
    items = members(signed_pack.archive)
    names = list(items)
    assert names[:2] == ["index.json", "index.json.sigstore.json"]
    assert names[2:] == sorted(names[2:])
    index = json.loads(items["index.json"])
    INDEX_SCHEMA.validate(index)
    assert {m["name"] for m in index["members"]} == set(names) - {
        "index.json",
        "index.json.sigstore.json",
    }
    # the servers the pack claims, and the report bound to each
    digests = {m["name"]: m["sha256"] for m in index["members"]}
    assert [b["sha256"] for b in index["boms"]] == [digests[f"boms/{s}"] for s in SERVERS]
    assert [(r["member"], r["kind"], r["bom"]) for r in index["reports"]] == [
        (f"reports/check-{s}", "check", f"boms/{s}") for s in SERVERS
    ]
    assert index["fail_on"] == "high"
    roles = {m["role"] for m in index["members"]}
    assert roles == {"bom", "bundle", "trust-config", "signers", "policy", "report"}
    assert index["as_of"] == AS_OF
    assert [b["bundle"] for b in index["boms"]] == [f"bundles/{s}.sigstore.json" for s in SERVERS]
    with zipfile.ZipFile(signed_pack.archive) as zf:
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644


def test_pack_is_reproducible(signed_pack: SignedPack, tmp_path: Path) -> None:
    """Only the index's signature (a new certificate and log entry each time) differs."""
    again = tmp_path / "again.zip"
    result = invoke(*pack_args(signed_pack.dir, signed_pack.trust, again))
    assert result.exit_code == 0, result.stderr
    first, second = members(signed_pack.archive), members(again)
    assert first.pop("index.json.sigstore.json") != second.pop("index.json.sigstore.json")
    assert first == second
    with zipfile.ZipFile(signed_pack.archive) as a, zipfile.ZipFile(again) as b:
        assert [(i.filename, i.date_time, i.external_attr) for i in a.infolist()] == [
            (i.filename, i.date_time, i.external_attr) for i in b.infolist()
        ]
    unsigned = [tmp_path / "u1.zip", tmp_path / "u2.zip"]
    for out in unsigned:
        result = invoke(*pack_args(signed_pack.dir, signed_pack.trust, out, unsigned=True))
        assert result.exit_code == 0, result.stderr
    assert unsigned[0].read_bytes() == unsigned[1].read_bytes()


def test_source_date_epoch_sets_member_times(signed_pack: SignedPack, tmp_path: Path) -> None:
    out = tmp_path / "dated.zip"
    result = invoke(
        *pack_args(signed_pack.dir, signed_pack.trust, out),
        env={"SOURCE_DATE_EPOCH": "1767225600"},  # 2026-01-01
    )
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as zf:
        assert zf.infolist()[0].date_time == (2026, 1, 1, 0, 0, 0)


def test_text_formats_and_extract(signed_pack: SignedPack, tmp_path: Path) -> None:
    for fmt, needle in (("table", "HOLDS"), ("markdown", "| result |")):
        result = inspect(signed_pack, "-f", fmt)
        assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
        assert needle in result.stdout
    out = tmp_path / "x"
    result = inspect(signed_pack, "--extract", out)
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
    assert (out / "boms" / SERVERS[0]).read_bytes() == (signed_pack.dir / SERVERS[0]).read_bytes()
    again = inspect(signed_pack, "--extract", out)
    assert again.exit_code == 4
    assert "refusing to overwrite" in again.stderr


# ------------------------------------------------------------------------------ whose trust


def test_wrong_trusted_root_fails(signed_pack: SignedPack) -> None:
    result = invoke(
        "inspect", signed_pack.archive, "--trusted-root", signed_pack.trust.other_root,
        "--signers", signed_pack.signers, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 3
    doc = report_of(result)
    assert doc["verdict"] == "does-not-hold"
    assert "signature" in result.stderr


def test_other_signer_policy_fails(signed_pack: SignedPack, tmp_path: Path) -> None:
    signers = write_signers(tmp_path / "mine.yaml", "someone-else@example.org")
    result = invoke(
        "inspect", signed_pack.archive, "--trusted-root", signed_pack.trust.trusted_root,
        "--signers", signers, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 3


def test_no_trust_given_is_not_a_pass(signed_pack: SignedPack) -> None:
    result = invoke("inspect", signed_pack.archive, "-f", "json")
    assert result.exit_code == 3
    assert "not checked" in result.stderr


def test_packed_trust_only_when_asked_and_said(signed_pack: SignedPack) -> None:
    result = invoke("inspect", signed_pack.archive, "--use-packed-trust", "-f", "json")
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
    doc = report_of(result)
    assert doc["trust"]["source"] == "packed"
    assert any("PACKED" in w for w in doc["warnings"])
    assert "warning" in result.stderr and "PACKED" in result.stderr


def test_offline(signed_pack: SignedPack, no_network: list[str]) -> None:
    result = inspect(signed_pack)
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
    assert no_network == []


# ------------------------------------------------------------------------------ tampering


def _tampered(p: SignedPack, tmp_path: Path, items: dict[str, bytes]) -> Path:
    return write_zip(tmp_path / "tampered.zip", items)


def test_member_changed(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    name = f"boms/{SERVERS[0]}"
    items[name] = items[name].replace(b'"JP"', b'"KP"', 1)
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 3
    assert f"digest {name}: changed" in result.stderr


def test_member_changed_and_index_rewritten(
    signed_pack: SignedPack, unsigned_pack: SignedPack, tmp_path: Path
) -> None:
    """Digests recomputed by the attacker: the index's signature catches it, and without one
    the BOM's own signature still does."""
    name = f"boms/{SERVERS[0]}"
    for pack, extra, first in (
        (signed_pack, (), ("index-signature", "index.json")),
        (unsigned_pack, ("--allow-unsigned-index",), ("signature", name)),
    ):
        items = members(pack.archive)
        items[name] = items[name].replace(b'"JP"', b'"KP"', 1)
        result = inspect(pack, *extra, archive=_tampered(pack, tmp_path, reindex(items)))
        assert result.exit_code == 3
        doc = report_of(result)
        failed = [c for c in doc["checks"] if not c["ok"]]
        assert [(c["kind"], c["subject"]) for c in failed][0] == first


def test_member_added(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    items["reports/extra.json"] = b"{}"
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 3
    assert "reports/extra.json: added" in result.stderr


def test_member_removed(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    name = f"bundles/{SERVERS[1]}.sigstore.json"
    del items[name]
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 3
    assert f"{name}: missing" in result.stderr


def test_bundle_swapped(unsigned_pack: SignedPack, tmp_path: Path) -> None:
    items = members(unsigned_pack.archive)
    a, b = (f"bundles/{s}.sigstore.json" for s in SERVERS)
    items[a], items[b] = items[b], items[a]
    archive = _tampered(unsigned_pack, tmp_path, reindex(items))
    result = inspect(unsigned_pack, "--allow-unsigned-index", archive=archive)
    assert result.exit_code == 3
    doc = report_of(result)
    sigs = [c for c in doc["checks"] if c["kind"] == "signature"]
    assert len(sigs) == 2 and not any(c["ok"] for c in sigs)


def test_packed_verdict_rewritten(unsigned_pack: SignedPack, tmp_path: Path) -> None:
    items = members(unsigned_pack.archive)
    name = f"reports/check-{SERVERS[0]}"
    report = json.loads(items[name])
    report["verdict"] = "pass" if report["verdict"] == "fail" else "fail"
    items[name] = json.dumps(report).encode()
    archive = _tampered(unsigned_pack, tmp_path, reindex(items))
    result = inspect(unsigned_pack, "--allow-unsigned-index", archive=archive)
    assert result.exit_code == 3
    assert f"report {name}: verdict" in result.stderr


# ------------------------------------------------------------------------------ hostile archives


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../escape.json", "'..' in path"),
        ("boms/../../escape.json", "'..' in path"),
        ("/etc/passwd", "absolute path"),
        ("boms\\evil.json", "backslash"),
        ("C:/evil.json", "drive letter"),
        ("boms/.hidden", "unexpected characters"),
    ],
)
def test_hostile_names(signed_pack: SignedPack, tmp_path: Path, name: str, why: str) -> None:
    items = members(signed_pack.archive)
    items[name] = b"x"
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 4
    assert why in result.stderr and repr(name) in result.stderr
    assert result.stdout == ""


def test_symlink_refused(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    archive = write_zip(tmp_path / "link.zip", items, links={"reports/link.json": "/etc/passwd"})
    result = inspect(signed_pack, archive=archive)
    assert result.exit_code == 4
    assert "symbolic link" in result.stderr


def test_duplicate_member_refused(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    archive = write_zip(tmp_path / "dup.zip", items)
    with pytest.warns(UserWarning), zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("index.json", b"{}")
    result = inspect(signed_pack, archive=archive)
    assert result.exit_code == 4
    assert "duplicate" in result.stderr


def test_zip_bomb_refused(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    items["reports/bomb.json"] = b"\0" * (8 * 1024**2)
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 4
    assert "compression ratio" in result.stderr


def test_too_many_members(
    signed_pack: SignedPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sovbom.pack.safezip as safezip

    monkeypatch.setattr(safezip, "MAX_MEMBERS", 3)
    result = inspect(signed_pack)
    assert result.exit_code == 4
    assert "too many members" in result.stderr


def test_not_a_zip_and_no_index(signed_pack: SignedPack, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    result = inspect(signed_pack, archive=junk)
    assert result.exit_code == 4
    assert "junk.zip" in result.stderr
    items = members(signed_pack.archive)
    del items["index.json"]
    result = inspect(signed_pack, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 4
    assert "no index.json" in result.stderr


def test_failed_inspect_writes_no_output(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    items["../x"] = b""
    out = tmp_path / "report.json"
    result = inspect(signed_pack, "-o", out, archive=_tampered(signed_pack, tmp_path, items))
    assert result.exit_code == 4
    assert not out.exists()
    assert not (tmp_path.parent / "x").exists()


def test_pack_fails_closed_on_a_bad_signature(signed_pack: SignedPack, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for s in SERVERS:
        (d / s).write_bytes((signed_pack.dir / s).read_bytes())
        (d / f"{s}.sigstore.json").write_bytes(
            (signed_pack.dir / f"{s}.sigstore.json").read_bytes()
        )
    (d / "signers.yaml").write_bytes(signed_pack.signers.read_bytes())
    tampered = d / SERVERS[0]
    tampered.write_bytes(tampered.read_bytes().replace(b'"JP"', b'"KP"', 1))
    out = tmp_path / "out.zip"
    result = invoke(*pack_args(d, signed_pack.trust, out))
    assert result.exit_code == 3
    assert not out.exists()


def test_bad_date_in_index_is_bad_input(unsigned_pack: SignedPack, tmp_path: Path) -> None:
    items = members(unsigned_pack.archive)
    index = json.loads(items["index.json"])
    index["as_of"] = "2026-13-45"
    items["index.json"] = json.dumps(index).encode()
    archive = _tampered(unsigned_pack, tmp_path, items)
    result = inspect(unsigned_pack, "--allow-unsigned-index", archive=archive)
    assert result.exit_code == 4
    assert "index.json" in result.stderr and "not a date" in result.stderr


def test_pack_usage_errors(signed_pack: SignedPack, tmp_path: Path) -> None:
    bom = signed_pack.dir / SERVERS[0]
    result = invoke("pack", bom, "--signers", signed_pack.signers, "-o", tmp_path / "x.zip")
    assert result.exit_code == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / SERVERS[0]).write_bytes(bom.read_bytes().replace(b'"JP"', b'"KR"', 1))
    result = invoke("pack", bom, other / SERVERS[0], "-o", tmp_path / "x.zip")
    assert result.exit_code == 4
    assert "two different files would be packed as boms/" in result.stderr
    assert not (tmp_path / "x.zip").exists()
