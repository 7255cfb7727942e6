"""The provenance routes of many components at once equal those found one at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from sovbom.graph import build_graph, route_refs

DATA = Path(__file__).resolve().parents[1] / "data" / "check"


def _diamond() -> dict[str, Any]:
    """Parts used by two, three and four others, at different depths, and an unreachable one."""
    refs = [f"p{i}" for i in range(12)]
    deps = {
        "root": ["p0", "p1", "p2"],
        "p0": ["p3", "p4"],
        "p1": ["p4", "p5"],
        "p2": ["p5", "p6", "p3"],
        "p3": ["p7"],
        "p4": ["p7", "p8"],
        "p5": ["p7", "p8", "p9"],
        "p6": ["p7", "p9"],
        "p9": ["p10"],
        "p11": ["p10"],
    }
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {"component": {"type": "device", "bom-ref": "root", "name": "server"}},
        "components": [{"type": "library", "bom-ref": r, "name": r} for r in refs],
        "dependencies": [{"ref": k, "dependsOn": v} for k, v in deps.items()],
    }


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("which", ["fixture", "diamond"])
def test_bulk_routes_match_single(which: str, limit: int) -> None:
    doc = (
        orjson.loads((DATA / "server.cdx.json").read_bytes()) if which == "fixture" else _diamond()
    )
    one, bulk = build_graph(doc), build_graph(doc)
    refs = [*one.components, "not-a-component"]
    expected = [[route_refs(r) for r in one.parent_routes(ref, limit=limit)] for ref in refs]
    got = [[route_refs(r) for r in routes] for routes in bulk.parent_routes_of(refs, limit=limit)]
    assert got == expected
    assert any(len(paths) > 1 for paths in got) or limit == 1
