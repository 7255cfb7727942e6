"""`sovbom pack -o`: an existing file is replaced only with --force (as for `sign`)."""

from __future__ import annotations

from pathlib import Path

from pack_support import SignedPack, pack_args
from signing_support import invoke


def test_pack_refuses_to_overwrite_unless_forced(signed_pack: SignedPack, tmp_path: Path) -> None:
    out = tmp_path / "existing.zip"
    out.write_bytes(b"the operator's earlier pack")
    args = pack_args(signed_pack.dir, signed_pack.trust, out, unsigned=True)
    result = invoke(*args)
    assert result.exit_code == 4
    assert f"{out}: exists (use --force to replace it)" in result.stderr
    assert out.read_bytes() == b"the operator's earlier pack"
    result = invoke(*args, "--force")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"PK")


def test_pack_refuses_before_signing_anything(signed_pack: SignedPack, tmp_path: Path) -> None:
    """The refusal comes first: no identity token is spent on a pack that cannot be written."""
    out = tmp_path / "existing.zip"
    out.write_bytes(b"x")
    args = pack_args(signed_pack.dir, signed_pack.trust, out)
    args[args.index("--identity-token") + 1] = "not-a-token"
    result = invoke(*args)
    assert result.exit_code == 4
    assert "--force" in result.stderr and "token" not in result.stderr
