"""The provenance graph's two builders (sovbom.graph_build): the fast path for well-formed
documents and the checked path for any document build the same networkx graph; cycles are
found whichever path runs; nodes and edges share one read-only attribute dict."""

from __future__ import annotations

import copy
import json
import pickle
import random
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from sovbom import graph_build
from sovbom.graph import build_graph

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
LINK = "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#fw"


def comp(ref: str, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "library", "bom-ref": ref, "name": ref, **extra}
    if children:
        out["components"] = list(children)
    return out


def bom(components: list[Any], deps: list[Any] | None = None, root: str = "root") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {"component": comp(root)},
        "components": components,
    }
    if deps is not None:
        doc["dependencies"] = deps
    return doc


def nested() -> dict[str, Any]:
    """Nesting, a sub-BOM link, dependencies forward and backward in walk order, nesting
    repeated in dependencies."""
    board = comp(
        "board",
        comp("cpu", externalReferences=[{"type": "bom", "url": LINK}]),
        comp("bmc", comp("bmc-fw")),
    )
    return bom(
        [board, comp("os", comp("libc"), comp("openssl")), comp("app")],
        [
            {"ref": "root", "dependsOn": ["board", "os"]},
            {"ref": "os", "dependsOn": ["libc", "openssl"]},  # nesting repeated
            {"ref": "openssl", "dependsOn": ["libc"]},  # backward in walk order
            {"ref": "app", "dependsOn": ["openssl"]},
            {"ref": "root", "dependsOn": ["app"]},  # a second entry for one ref
            {"ref": "libc"},
        ],
    )


def shape(g: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Everything the order of networkx's dicts shows: nodes with attributes, and each node's
    successors and predecessors in order."""
    return (
        [(n, dict(a)) for n, a in g.nodes(data=True)],
        [(n, list(out)) for n, out in g.succ.items()],
        [(n, list(inward)) for n, inward in g.pred.items()],
    )


def test_fast_and_checked_paths_build_the_same_graph() -> None:
    for doc in (json.loads(HGX.read_text()), nested()):
        fast = graph_build._fast(doc)  # a well-formed document: no fallback
        checked = graph_build._checked(doc)
        assert shape(fast.g) == shape(checked.g)
        assert list(fast.components) == list(checked.components)
        assert list(fast.parent_of.items()) == list(checked.parent_of.items())
        assert fast.sub_boms == checked.sub_boms
        assert not checked.problems
        for u, v in fast.g.edges:  # one data dict per edge, seen from both ends
            assert fast.g._succ[u][v] is fast.g._pred[v][u]


def test_nesting_then_sub_boms_then_dependencies_in_each_nodes_successors() -> None:
    pg = build_graph(nested())
    assert list(pg.graph.succ["root"]) == ["board", "os", "app"]
    assert list(pg.graph.succ["cpu"]) == [LINK]
    assert list(pg.graph.pred["libc"]) == ["os", "openssl"]
    assert pg.edge_kind("os", "libc") == "contains"
    assert pg.edge_kind("cpu", LINK) == "sub-bom"
    assert pg.edge_kind("openssl", "libc") == "depends"
    assert pg.problems == []


@pytest.mark.parametrize(
    "broken,problems",
    [
        (lambda d: d["components"].append(comp("app")), ["duplicate-bom-ref"]),
        (  # anonymous now: what named it dangles
            lambda d: d["components"][2].pop("bom-ref"),
            ["dangling-reference", "dangling-reference", "unreachable"],
        ),
        (lambda d: d["dependencies"].append({"ref": "ghost"}), ["dangling-reference"]),
        (lambda d: d["dependencies"][3]["dependsOn"].append("ghost"), ["dangling-reference"]),
        (lambda d: d["dependencies"][3]["dependsOn"].append("app"), ["cycle"]),
        (lambda d: d["dependencies"].append("not an entry"), []),
        (lambda d: d["dependencies"].append({"ref": "app", "dependsOn": "os"}), []),
        (lambda d: d["components"].append(7), []),
        (lambda d: d["components"][1]["components"].append({"bom-ref": ""}), []),
    ],
)
def test_irregular_documents_take_the_checked_path(broken: Any, problems: list[str]) -> None:
    doc = nested()
    broken(doc)
    with pytest.raises((graph_build._Irregular, KeyError, TypeError, AttributeError)):
        graph_build._fast(doc)
    assert [p.kind for p in build_graph(doc).problems] == problems


def random_bom(rng: random.Random) -> dict[str, Any]:
    """Up to 12 components, some nested, with random dependencies (no self-dependency)."""
    n = rng.randint(2, 12)
    comps = [comp(f"c{i}") for i in range(n)]
    top = []
    for i, c in enumerate(comps):
        if i and rng.random() < 0.3:
            comps[rng.randrange(i)].setdefault("components", []).append(c)
        else:
            top.append(c)
    rng.shuffle(top)
    deps = []
    for i in range(n):
        targets = [f"c{j}" for j in rng.sample(range(n), rng.randint(0, min(n, 3))) if j != i]
        deps.append({"ref": f"c{i}", "dependsOn": targets})
    rng.shuffle(deps)
    deps.append({"ref": "root", "dependsOn": [c["bom-ref"] for c in top]})
    return bom(top, deps)


def test_every_cycle_is_found_whichever_way_the_edges_point() -> None:
    rng = random.Random(14)
    seen = {True: 0, False: 0}
    for _ in range(400):
        doc = random_bom(rng)
        pg = build_graph(doc)
        cyclic = not nx.is_directed_acyclic_graph(pg.graph)
        assert any(p.kind == "cycle" for p in pg.problems) == cyclic, doc
        seen[cyclic] += 1
    assert min(seen.values()) > 50  # both kinds of graph were tried


def test_a_part_depending_on_the_part_it_sits_in_is_a_cycle() -> None:
    doc = bom(
        [comp("board", comp("bmc"))],
        [{"ref": "root", "dependsOn": ["board"]}, {"ref": "bmc", "dependsOn": ["board"]}],
    )
    assert graph_build._fast(doc).forward is False
    assert [p.message for p in build_graph(doc).problems] == [
        "dependency cycle among 2 components: bmc, board"
    ]


def test_node_and_edge_attributes_are_shared_and_read_only() -> None:
    pg = build_graph(nested())
    g = pg.graph
    assert g.nodes["cpu"] == {} and g.edges["os", "libc"] == {}
    assert g.nodes[LINK] == {"external": True}
    with pytest.raises(TypeError, match="read-only"):
        g.nodes["cpu"]["colour"] = "red"
    with pytest.raises(TypeError, match="read-only"):
        g.add_node("cpu", colour="red")
    with pytest.raises(TypeError, match="read-only"):
        g.edges["os", "libc"].update(weight=2)
    assert g.nodes["app"] == {}  # nothing leaked to the other nodes
    # copies have the same nodes and edges; networkx's own copy has attributes of its own
    for other in (copy.deepcopy(g), pickle.loads(pickle.dumps(g)), g.copy()):
        assert shape(other) == shape(g)
    other.add_node("cpu", colour="red")
    assert other.nodes["cpu"] == {"colour": "red"} and g.nodes["cpu"] == {}


def test_json_paths_are_found_on_first_use() -> None:
    doc = nested()
    doc["components"].append(comp("libc"))  # used twice: its first place counts
    doc["components"].append({"type": "library", "name": "nameless"})
    pg = build_graph(doc)
    assert pg.json_path("bmc-fw") == "$.components[0].components[1].components[0]"
    assert pg.json_path("libc") == "$.components[1].components[0]"
    assert pg.json_path("root") == "$.metadata.component"
    assert pg.json_path("<anonymous 1: nameless>") == "$.components[4]"
    assert pg.json_path(LINK) is None
    dup = next(p for p in pg.problems if p.kind == "duplicate-bom-ref")
    assert dup.path == "$.components[3]"


def test_labels_name_and_version_else_the_ref() -> None:
    doc = nested()
    doc["components"][2]["version"] = "2.1"
    doc["components"].append({"type": "library", "bom-ref": "nameless"})
    pg = build_graph(doc)
    assert pg.label_of("app") == "app 2.1"  # the first asked: all made at once
    assert pg.label_of("libc") == "libc"
    assert pg.label_of("nameless") == "nameless"
    assert pg.label_of(LINK) == LINK  # no component
    assert len(pg._labels) == len(pg.components) + 1
