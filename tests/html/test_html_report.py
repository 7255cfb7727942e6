"""The HTML report without a browser: self-contained, escaped, every section present."""

from __future__ import annotations

import re
from pathlib import Path

import synthetic
from signing_support import invoke

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
POLICY = REPO / "samples" / "policy.yaml"


def _html(tmp_path: Path, bom: Path, policy: Path, *extra: str) -> str:
    out = tmp_path / "report.html"
    result = invoke("check", bom, "--policy", policy, "-f", "html", "-o", out, *extra)
    assert result.exit_code in (0, 1), result.stderr
    return out.read_text()


def _no_external_references(text: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", text, re.I)
    assert "@import" not in text and "url(" not in text
    assert "<link" not in text.lower()


def test_check_html_is_self_contained(tmp_path: Path) -> None:
    text = _html(tmp_path, HGX, POLICY)
    assert text.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    _no_external_references(text)
    assert text.count("<script>") == 1 and text.count("<style>") == 1
    assert 'class="provenance-graph"' in text
    assert 'id="c-findings"' in text and 'id="c-components"' in text
    assert "Domestic share by class" in text
    assert "NVIDIA B200 180GB HBM3e A1 \u00d78" in text  # eight GPUs drawn once


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    bom, policy = synthetic.write(tmp_path, packages=50)
    text = _html(tmp_path, bom, policy)
    for name in synthetic.HOSTILE:
        assert name not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in text
    assert "<img" not in text
    _no_external_references(text)


def test_large_server_is_folded(tmp_path: Path) -> None:
    bom, policy = synthetic.write(tmp_path)
    text = _html(tmp_path, bom, policy)
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert svg.count('class="node"') < 120
    assert "more components folded" in svg
    assert "flagged components folded inside Linux distribution" in text
    assert 'class="dep"' in svg  # the BMC firmware's dependency on a flagged package
    assert text.count("<tr>") > 5000  # every component is in the table


def test_signature_shown(tmp_path: Path, signed_pack: object) -> None:
    from pack_support import SignedPack

    assert isinstance(signed_pack, SignedPack)
    bom = signed_pack.dir / "hgx-b200-jp.hbom.cdx.json"
    out = tmp_path / "signed.html"
    result = invoke(
        "check", bom, "--policy", POLICY, "--signers", signed_pack.signers,
        "--trusted-root", signed_pack.trust.trusted_root, "--offline", "-f", "html", "-o", out,
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    text = out.read_text()
    assert "factory-signer@acme-servers.example" in text
    assert "Log index" in text and "Trusted root" in text


def test_inspect_html(tmp_path: Path, signed_pack: object) -> None:
    from pack_support import SignedPack

    assert isinstance(signed_pack, SignedPack)
    out = tmp_path / "inspect.html"
    result = invoke(
        "inspect", signed_pack.archive, "--trusted-root", signed_pack.trust.trusted_root,
        "--signers", signed_pack.signers, "-f", "html", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr  # holds; the samples fail at --fail-on high
    text = out.read_text()
    assert "HOLDS" in text and "the inspector&#x27;s own" in text
    assert text.count('class="provenance-graph"') == 2
    _no_external_references(text)
