"""An exemption's compiled matcher agrees with :meth:`Exemption.matches` on every key kind."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sovbom.graph import build_graph
from sovbom.policy import policy_from_dict

DATA = Path(__file__).resolve().parents[1] / "data" / "check"

MATCHES = [
    {"purl": "pkg:deb/debian/lib*"},
    {"purl": "pkg:deb/debian/zlib1g@1.2"},
    {"part_number": "AST2600*"},
    {"part_number": "GH100"},
    {"bom_ref": "gpu*"},
    {"bom_ref": "dimm1"},
    {"supplier": "debian"},
    {"supplier": "NV", "bom_ref": "vbios*"},
    {"purl": "*", "bom_ref": "lib*"},
]


@pytest.mark.parametrize("match", MATCHES, ids=lambda m: ",".join(f"{k}={v}" for k, v in m.items()))
def test_matcher_agrees_with_matches(match: dict[str, str]) -> None:
    exemption = {"match": match, "reason": "r", "approved_by": "a"}
    policy = policy_from_dict({"domestic_countries": ["JP"], "exemptions": [exemption]})
    ex = policy.exemptions[0]
    matcher = ex.matcher()
    pg = build_graph(orjson.loads((DATA / "server.cdx.json").read_bytes()))
    expected = [
        ref for ref, comp in pg.components.items() if ex.matches(ref, comp, pg.provenance(ref))
    ]
    got = [ref for ref, comp in pg.components.items() if matcher(ref, comp, pg.provenance(ref))]
    assert got == expected
    assert expected  # each pattern matches something in the fixture
