"""The manifest's ``identity`` block reaches the factory HBOM and the verifier's expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovbom.errors import InputError
from sovbom.identity import ExpectedSet
from sovbom.manifest import build_hbom

DATA = Path(__file__).resolve().parents[1] / "data" / "identity"


def test_identity_fields_become_expectations() -> None:
    doc = build_hbom(DATA / "gpu-server.manifest.yaml")
    expected = {e.ref: e for e in ExpectedSet(doc).items}
    assert set(expected) == {"hw:gpu0", "hw:gpu1"}
    assert expected["hw:gpu0"].ids == {"acme:model1:sample-gpu-0"}
    assert expected["hw:gpu0"].measurements == {"2": ("SHA-384", "00" * 47 + "aa")}
    assert expected["hw:gpu1"].ids == {
        "46db7f5ca98ce091197a321127b154c02130ef6f2a2e0bdb60897eb87a062921"
    }


def test_malformed_identity_is_refused(tmp_path: Path) -> None:
    text = (DATA / "gpu-server.manifest.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("'2': 'SHA-384:", "'2': 'SHA-384:zz"))
    with pytest.raises(InputError):
        build_hbom(bad)
