"""Bounded work on hostile packs, and packs that their own inspection accepts."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pack_support import (
    HOLDS_WITH_FINDINGS,
    SAMPLES,
    SERVERS,
    SignedPack,
    members,
    pack_args,
    reindex,
    sign,
    write_signers,
    write_zip,
)
from signing_support import invoke


def _inspect(p: SignedPack, archive: Path, *extra: str | Path) -> Any:
    return invoke(
        "inspect", archive, "--trusted-root", p.trust.trusted_root, "--signers", p.signers,
        "-f", "json", *extra,
    )  # fmt: skip


def _compressible(size: int) -> bytes:
    """``size`` bytes that deflate about 100 times over: under the ratio limit, small on disk."""
    rng = random.Random(13)
    block = bytearray(size)
    for i in range(0, size, 400):
        block[i] = rng.randrange(256)
    return bytes(block)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every read of a decompressed member stream: (member name, bytes returned)."""
    seen: list[tuple[str, int]] = []
    original = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = original(self, n)
        seen.append((self.name, len(data)))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    yield seen


def test_digests_are_streamed_and_stop_at_the_first_failure(
    unsigned_pack: SignedPack, tmp_path: Path, reads: list[tuple[str, int]]
) -> None:
    from sovbom.pack.safezip import CHUNK, MAX_RATIO

    big = _compressible(8 * CHUNK)
    items = members(unsigned_pack.archive)
    items["reports/zz-big.json"] = big
    index = json.loads(items["index.json"])
    index["members"].append(
        {"name": "reports/zz-big.json", "role": "report", "sha256": "0" * 64, "size": len(big)}
    )
    items["index.json"] = json.dumps(index).encode()
    archive = write_zip(tmp_path / "big.zip", items)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("reports/zz-big.json")
        assert info.file_size < MAX_RATIO * info.compress_size  # not refused as a zip bomb
    # 1. the big member's own digest fails: it is decompressed once, a chunk at a time, never parsed
    reads.clear()
    result = _inspect(unsigned_pack, archive, "--allow-unsigned-index")
    assert result.exit_code == 3
    assert "digest reports/zz-big.json: changed" in result.stderr
    big_reads = [n for name, n in reads if name == "reports/zz-big.json"]
    assert sum(big_reads) == len(big)
    assert max(big_reads) <= CHUNK
    assert not any(name.startswith("trust/") for name, _ in reads)  # nothing after it is read
    # 2. an earlier member fails: the big one is never decompressed at all
    items = reindex(items)
    first = f"boms/{SERVERS[0]}"
    items[first] = items[first].replace(b'"JP"', b'"KP"', 1)
    archive = write_zip(tmp_path / "big2.zip", items)
    reads.clear()
    result = _inspect(unsigned_pack, archive, "--allow-unsigned-index")
    assert result.exit_code == 3
    assert f"digest {first}: changed" in result.stderr
    assert not [n for name, n in reads if name == "reports/zz-big.json"]


def test_total_uncompressed_size_is_capped(
    signed_pack: SignedPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sovbom.pack.safezip as safezip

    total = sum(len(v) for v in members(signed_pack.archive).values())
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", total - 1)
    result = _inspect(signed_pack, signed_pack.archive)
    assert result.exit_code == 4
    assert "members add up to more than" in result.stderr


def test_corrupt_deflate_stream_is_bad_input(signed_pack: SignedPack, tmp_path: Path) -> None:
    data = bytearray(signed_pack.archive.read_bytes())
    name = f"boms/{SERVERS[0]}"
    with zipfile.ZipFile(signed_pack.archive) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] = 0b111  # the first deflate block: final, of the reserved (invalid) type 3
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(data))
    result = _inspect(signed_pack, corrupt)
    assert result.exit_code == 4
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"member {name}: unreadable" in lines[0], result.stderr
    assert "invalid block type" in lines[0]


def test_pack_never_writes_what_inspect_refuses(signed_pack: SignedPack, tmp_path: Path) -> None:
    """A BOM with a 1 MB repetitive string deflates far beyond the ratio limit: stored as is."""
    d = tmp_path / "in"
    d.mkdir()
    doc = json.loads((SAMPLES / SERVERS[0]).read_text())
    doc["metadata"]["component"].setdefault("properties", []).append(
        {"name": "sovbom:note", "value": "x" * 1_500_000}
    )
    bom = d / SERVERS[0]
    bom.write_text(json.dumps(doc))
    sign(signed_pack.trust, bom)
    write_signers(d / "signers.yaml")
    out = tmp_path / "repetitive.zip"
    args = pack_args(d, signed_pack.trust, out)
    args.remove(d / SERVERS[1])
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo(f"boms/{SERVERS[0]}").compress_type == zipfile.ZIP_STORED
    result = invoke(
        "inspect", out, "--trusted-root", signed_pack.trust.trusted_root,
        "--signers", d / "signers.yaml", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr


def test_pack_over_the_limits_is_refused_before_writing(
    signed_pack: SignedPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sovbom.pack.safezip as safezip

    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 1000)
    out = tmp_path / "x.zip"
    result = invoke(*pack_args(signed_pack.dir, signed_pack.trust, out, unsigned=True))
    assert result.exit_code == 4
    assert "limit that 'sovbom inspect' enforces" in result.stderr
    assert not out.exists()
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 10**9)
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 1000)
    result = invoke(*pack_args(signed_pack.dir, signed_pack.trust, out, unsigned=True))
    assert result.exit_code == 4
    assert "would be refused by 'sovbom inspect'" in result.stderr
    assert not out.exists()


def test_extract_writes_nothing_when_the_pack_does_not_hold(
    signed_pack: SignedPack, tmp_path: Path
) -> None:
    items = members(signed_pack.archive)
    name = f"reports/check-{SERVERS[0]}"
    items[name] = items[name].replace(b'"fail"', b'"pass"')
    archive = write_zip(tmp_path / "tampered.zip", reindex(items))
    out = tmp_path / "extracted"
    result = _inspect(signed_pack, archive, "--extract", out)
    assert result.exit_code == 3
    assert not out.exists()
    assert "nothing extracted" in result.stderr
