"""The server picture (``graph_svg``), byte for byte, for servers that cover what it draws.

The HTML check report and the stored views of ``fleet recheck`` (the dashboard's server page) draw
the same picture, so its markup must not change by accident: a 3,000-component fleet server with
a denied part (its SHA-256), both samples under the sample policy, a server whose names and refs
are hostile HTML (``<script>``, quotes, ``&``, control characters) with identity rings, folded
children and dependency arcs, and the large synthetic server of the HTML tests (folded packages,
flagged ones listed below the picture; its SHA-256). Set ``SOVBOM_REGEN_GOLDEN=1`` to rewrite the
expected files after an intended change of the picture, and review the difference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import synthetic

from helpers import add_test_dirs
from sovbom.checking import CheckReport, check_bom
from sovbom.cyclonedx.reader import parse_bom
from sovbom.policy import load_policy
from sovbom.report.html.graph import graph_svg

add_test_dirs("fleet")
from fleet_support import part, server_bom  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "graph"
EXPECTED = DATA / "expected"
HASHES = EXPECTED / "sha256.json"
REGEN = os.environ.get("SOVBOM_REGEN_GOLDEN") == "1"
AS_OF = dt.date(2026, 6, 1)


def _check(doc: bytes, source: str, policy: Path) -> CheckReport:
    return check_bom(
        parse_bom(doc, source), load_policy(policy), as_of=AS_OF, fail_on="high", validate=False
    )


def _picture(report: CheckReport, prefix: str = "g", identity: bool = False) -> str:
    marks = text = None
    if identity:  # every third part proved its identity, every seventh did not
        refs = sorted(report.graph.components)
        marks = {r: i % 7 != 0 for i, r in enumerate(refs) if i % 3 == 0 or i % 7 == 0}
        text = {r: f'basis <{r}> & "{i}"' for i, r in enumerate(refs) if r in marks}
    return graph_svg(report.graph, report.policy, report.result.findings, prefix, marks, text)


def _fleet_server(tmp: Path, i: int) -> str:
    """The fleet benchmark's server ``i`` of 3,000 components, CN denied (server 0: a CN GPU)."""
    parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 10 == 0 else "US", part_number=f"GPU-{i % 50}"),
             part("hw:nic", "NIC", "nic", "US", part_number=f"NIC-{i % 7}")]  # fmt: skip
    doc = server_bom(f"S{i:05d}", parts=parts, n_fillers=2996,
                     timestamp=f"2026-01-{1 + i % 28:02d}T00:00:00Z", site="Plant A")  # fmt: skip
    policy = tmp / "fleet-policy.yaml"
    policy.write_text("domestic_countries: [JP]\napproved_countries: [US, TW]\n"
                      "denied_countries: [CN]\ncritical_types: [firmware]\n"
                      "verification: {critical: declared, default: declared}\n")  # fmt: skip
    return _picture(_check(orjson.dumps(doc), f"s{i:05d}.json", policy))


def _sample(name: str) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        bom = REPO / "samples" / f"{name}.hbom.cdx.json"
        return _picture(_check(bom.read_bytes(), bom.name, REPO / "samples" / "policy.yaml"))

    return make


def _hostile(tmp: Path) -> str:
    bom = DATA / "hostile.cdx.json"
    return _picture(_check(bom.read_bytes(), bom.name, DATA / "policy.yaml"), "c", identity=True)


def _synthetic(tmp: Path) -> str:
    bom, policy = synthetic.write(tmp)
    return _picture(_check(bom.read_bytes(), bom.name, policy), "c1", identity=True)


def _no_root(tmp: Path) -> str:
    """Two top-level components and no metadata component: no root, no picture."""
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "components": [{"type": "library", "bom-ref": "a", "name": "<a>"},
                          {"type": "library", "bom-ref": "b", "name": "b"}]}  # fmt: skip
    return _picture(_check(orjson.dumps(doc), "no-root.json", DATA / "policy.yaml"))


#: name -> (how it is drawn, kept whole (else its SHA-256))
CASES: dict[str, tuple[Callable[[Path], str], bool]] = {
    "fleet-server-0": (lambda tmp: _fleet_server(tmp, 0), False),
    "fleet-server-1": (lambda tmp: _fleet_server(tmp, 1), False),
    "hgx-b200-jp": (_sample("hgx-b200-jp"), True),
    "monaka-2u-jp": (_sample("monaka-2u-jp"), True),
    "hostile": (_hostile, True),
    "synthetic-5000": (_synthetic, False),
    "no-root": (_no_root, True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_picture_unchanged(name: str, tmp_path: Path) -> None:
    make, whole = CASES[name]
    svg = make(tmp_path)
    digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()
    hashes = json.loads(HASHES.read_text()) if HASHES.exists() else {}
    if REGEN:
        EXPECTED.mkdir(exist_ok=True)
        if whole:
            (EXPECTED / f"{name}.svg.html").write_text(svg, encoding="utf-8")
        hashes[name] = digest
        HASHES.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    if whole:
        assert svg == (EXPECTED / f"{name}.svg.html").read_text(encoding="utf-8")
    assert digest == hashes[name]


def test_hostile_picture_is_escaped(tmp_path: Path) -> None:
    svg = _hostile(tmp_path)
    assert "<script" not in svg and "<b>" not in svg and "<controller>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in svg
    assert "Tom &amp; Jerry&#x27;s &quot;NIC&quot;" in svg
    assert 'data-ref="psu&lt;&quot;0&quot;&amp;&#x27;&gt;"' in svg
    assert "<code>ref&lt;&amp;&gt;&quot;&#x27;</code>" in svg
    assert "\u0007" not in svg and "\u001b" not in svg  # control characters dropped
    assert "basis &lt;" in svg  # the identity tooltips too
    assert 'class="dep"' in svg and 'class="folded"' in svg and "<details>" in svg
    assert "PSU &#x27;A&#x27; \u00d73" in svg  # the three PSUs drawn once
