"""The trace index answers every query as a scan of the components would, and builds each of its
tables once per loaded BOM."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovbom.cyclonedx.reader import load_bom
from sovbom.graph import ProvenanceGraph, build_graph
from sovbom.trace import TraceIndex, matcher, parse_query, trace_graph

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def graph() -> ProvenanceGraph:
    bom = load_bom(SAMPLES / "hgx-b200-jp.hbom.cdx.json")
    pg = build_graph(bom.doc, source=bom.source)
    for i, comp in enumerate(pg.components.values()):  # the sample has no purls: give some
        if i % 3 == 0:
            comp["purl"] = f"pkg:generic/acme/{comp.get('name', 'x')}@{i % 4}.{i}?arch=x86_64"
    return pg


def _queries(pg: ProvenanceGraph) -> list[str]:
    """Queries built from the sample's own values (so that they match), plus globs and misses."""
    comps = list(pg.components.items())
    out = ["country=JP", "country=TW", "country=US", "nothing-matches-this", "name=*", "*"]
    for ref, comp in comps[:: max(1, len(comps) // 15)]:
        prov = pg.provenance(ref)
        name = str(comp.get("name") or "")
        out += [f"ref={ref}", f"name={name.upper()}", name, f"name={name[:3]}*"]
        if prov.part_number:
            out += [f"part={prov.part_number}", prov.part_number, f"part={prov.part_number[:2]}*"]
        if prov.serial:
            out += [f"serial={prov.serial}", prov.serial, f"serial=[{prov.serial[0]}]*"]
    purls = [c["purl"] for c in pg.components.values() if isinstance(c.get("purl"), str)]
    for purl in purls[:: max(1, len(purls) // 5)]:
        out += [purl, purl[: len(purl) // 2] + "*", f"purl={purl[:5]}?{purl[6:]}"]
    return out


def test_index_finds_what_a_scan_finds(graph: ProvenanceGraph) -> None:
    index = TraceIndex(graph)
    queries = _queries(graph)
    assert any(q.startswith("part=") for q in queries) and any(
        q.startswith("pkg:") for q in queries
    )
    matched = 0
    for text in queries:
        q = parse_query(text)
        expected = graph.find(matcher(q, graph))
        assert index.find(q) == expected, text
        assert TraceIndex(graph).find(q) == expected, text  # a fresh index: same answer
        matched += bool(expected)
    assert matched >= len(queries) - 1  # only the deliberate miss matches nothing


def test_tables_are_built_once_per_bom(
    graph: ProvenanceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = TraceIndex(graph)
    passes: list[str] = []
    original = TraceIndex._values

    def counting(self: TraceIndex, field: str):  # type: ignore[no-untyped-def]
        passes.append(field)
        return original(self, field)

    monkeypatch.setattr(TraceIndex, "_values", counting)
    for text in ("country=JP", "country=US", "name=x", "name=Y*", "anything", "other", "part=1*"):
        trace_graph(graph, parse_query(text), index=index)
    assert sorted(passes) == sorted(set(passes))  # no table built twice
    assert set(passes) == {"country", "name", "name_folded", "purl", "part", "serial"}


def test_an_index_of_another_graph_is_refused(graph: ProvenanceGraph) -> None:
    bom = load_bom(SAMPLES / "monaka-2u-jp.hbom.cdx.json")
    other = build_graph(bom.doc, source=bom.source)
    with pytest.raises(ValueError, match="another graph"):
        trace_graph(graph, parse_query("country=JP"), index=TraceIndex(other))
