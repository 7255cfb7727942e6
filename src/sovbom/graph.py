"""The provenance graph of a BOM (networkx): build it, find paths, answer where a part is used.

Nodes are bom-refs. Edges:

* ``contains``: a component to each component nested in it (assembly);
* ``depends``: a ``dependencies`` entry to each ref it depends on (including firmware links);
* ``sub-bom``: a component to the BOM-Link (``urn:cdx:...``) of a separately signed sub-BOM.

Dangling references, cycles, duplicate bom-refs and components unreachable from the root are
recorded as :class:`GraphProblem` instead of raising: a broken BOM still gets a report.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from sovbom._io import json_pointer
from sovbom.cyclonedx.document import iter_components

CONTAINS = "contains"
DEPENDS = "depends"
SUB_BOM = "sub-bom"
_BOM_LINK = "urn:cdx:"


@dataclass(frozen=True, slots=True)
class GraphProblem:
    kind: str  # dangling-reference | duplicate-bom-ref | cycle | unreachable | no-root
    message: str
    ref: str | None = None
    path: str | None = None


@dataclass(slots=True)
class ProvenanceGraph:
    """A BOM's graph plus what is needed to explain it."""

    graph: Any  # nx.DiGraph
    root: str | None
    components: dict[str, dict[str, Any]]
    json_paths: dict[str, str]
    problems: list[GraphProblem] = field(default_factory=list)
    source: str = ""
    _parents: dict[str, str | None] | None = None

    # ------------------------------------------------------------------ paths

    def _bfs_parents(self) -> dict[str, str | None]:
        """Shortest-path tree from the root (computed once; O(nodes + edges))."""
        if self._parents is None:
            parents: dict[str, str | None] = {}
            if self.root is not None:
                parents[self.root] = None
                queue = deque([self.root])
                succ = self.graph.succ
                while queue:
                    node = queue.popleft()
                    for nxt in succ[node]:
                        if nxt not in parents:
                            parents[nxt] = node
                            queue.append(nxt)
            self._parents = parents
        return self._parents

    def reachable(self, ref: str) -> bool:
        return ref in self._bfs_parents()

    def shortest_path(self, ref: str) -> list[str]:
        """The shortest path from the root to ``ref`` (empty when unreachable)."""
        parents = self._bfs_parents()
        if ref not in parents:
            return []
        path = [ref]
        node = parents[ref]
        while node is not None:
            path.append(node)
            node = parents[node]
        path.reverse()
        return path

    def all_paths(self, ref: str, *, limit: int = 20) -> list[list[str]]:
        """Every simple path from the root to ``ref``, shortest first, at most ``limit``.

        Walks backwards from ``ref`` over predecessors that are reachable from the root, so a
        part used in two places (a package needed by two parts) shows both paths.
        """
        if self.root is None or not self.reachable(ref):
            return []
        if ref == self.root:
            return [[ref]]
        parents = self._bfs_parents()
        pred = self.graph.pred
        out: list[list[str]] = []
        # depth-first over reversed edges, pruned to reachable nodes, no repeats on a path
        stack: list[tuple[str, list[str]]] = [(ref, [ref])]
        while stack and len(out) < limit:
            node, rev_path = stack.pop()
            for p in sorted(pred[node], reverse=True):
                if p not in parents or p in rev_path:
                    continue
                if p == self.root:
                    out.append([p, *reversed(rev_path)])
                    if len(out) >= limit:
                        break
                else:
                    stack.append((p, [*rev_path, p]))
        out.sort(key=len)
        return out

    # ---------------------------------------------------------------- queries

    def names(self, path: Iterable[str]) -> list[str]:
        """Human-readable labels of a path's nodes."""
        return [label(self.components.get(ref), ref) for ref in path]

    def find(self, predicate: Callable[[str, dict[str, Any]], bool]) -> list[str]:
        return [ref for ref, comp in self.components.items() if predicate(ref, comp)]


def label(component: Mapping[str, Any] | None, ref: str) -> str:
    if component is None:
        return ref
    name = component.get("name") or ref
    version = component.get("version")
    return f"{name} {version}" if version else str(name)


def _dependency_entries(doc: Mapping[str, Any]) -> Iterator[tuple[int, str, list[Any]]]:
    deps = doc.get("dependencies")
    if not isinstance(deps, list):
        return
    for i, dep in enumerate(deps):
        if isinstance(dep, Mapping) and isinstance(dep.get("ref"), str):
            on = dep.get("dependsOn")
            yield i, dep["ref"], on if isinstance(on, list) else []


def build_graph(doc: Mapping[str, Any], *, source: str = "") -> ProvenanceGraph:
    """Build the provenance graph of a CycloneDX document (JSON form)."""
    g: Any = nx.DiGraph()
    components: dict[str, dict[str, Any]] = {}
    json_paths: dict[str, str] = {}
    problems: list[GraphProblem] = []
    anonymous = 0

    # nodes and containment edges, in document order
    parent_of_path: dict[tuple[str | int, ...], str] = {}
    for path, comp in iter_components(doc):
        ref = comp.get("bom-ref")
        if not isinstance(ref, str) or not ref:
            anonymous += 1
            ref = f"<anonymous {anonymous}: {comp.get('name', '?')}>"
        where = json_pointer(path)
        if ref in components:
            problems.append(
                GraphProblem("duplicate-bom-ref", f"bom-ref {ref!r} is used twice", ref, where)
            )
        else:
            components[ref] = comp
            json_paths[ref] = where
            g.add_node(ref)
        parent_of_path[path] = ref
        if len(path) > 2 and path[-2] == "components":
            parent = parent_of_path.get(path[:-2])
            if parent is not None and parent != ref:
                g.add_edge(parent, ref, kind=CONTAINS)
        for xref in comp.get("externalReferences") or ():
            if isinstance(xref, Mapping) and xref.get("type") == "bom":
                url = xref.get("url")
                if isinstance(url, str) and url.startswith(_BOM_LINK):
                    g.add_node(url, external=True)
                    g.add_edge(ref, url, kind=SUB_BOM)

    metadata = doc.get("metadata")
    root: str | None = None
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        root_ref = metadata["component"].get("bom-ref")
        root = root_ref if isinstance(root_ref, str) and root_ref in components else None

    # dependency edges
    for i, ref, on in _dependency_entries(doc):
        if ref not in g:
            if ref.startswith(_BOM_LINK):
                g.add_node(ref, external=True)
            else:
                problems.append(
                    GraphProblem(
                        "dangling-reference",
                        f"dependencies name {ref!r}, which no component has",
                        ref,
                        f"$.dependencies[{i}].ref",
                    )
                )
                continue
        for j, target in enumerate(on):
            if not isinstance(target, str):
                continue
            if target == ref:
                problems.append(
                    GraphProblem(
                        "cycle",
                        f"{ref!r} depends on itself",
                        ref,
                        f"$.dependencies[{i}].dependsOn[{j}]",
                    )
                )
                continue
            if target not in g:
                if target.startswith(_BOM_LINK):
                    g.add_node(target, external=True)
                else:
                    problems.append(
                        GraphProblem(
                            "dangling-reference",
                            f"{ref!r} depends on {target!r}, which no component has",
                            ref,
                            f"$.dependencies[{i}].dependsOn[{j}]",
                        )
                    )
                    continue
            if not g.has_edge(ref, target):
                g.add_edge(ref, target, kind=DEPENDS)

    pg = ProvenanceGraph(g, root, components, json_paths, problems, source)
    if root is None:
        tops = [n for n in components if g.in_degree(n) == 0]
        if len(tops) == 1:
            pg.root = tops[0]
        else:
            problems.append(
                GraphProblem(
                    "no-root",
                    "the BOM has no metadata.component to trace from"
                    + (f" and {len(tops)} top-level components" if tops else ""),
                )
            )
    # cycles (beyond self-dependencies): strongly connected components of more than one node
    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1:
            members = sorted(scc)
            shown = ", ".join(members[:5]) + (" ..." if len(members) > 5 else "")
            problems.append(
                GraphProblem(
                    "cycle",
                    f"dependency cycle among {len(members)} components: {shown}",
                    members[0],
                )
            )
    if pg.root is not None:
        reach = pg._bfs_parents()
        unreachable = [ref for ref in components if ref not in reach]
        problems.extend(
            GraphProblem(
                "unreachable",
                f"{label(components[ref], ref)!r} is not reachable from the server root",
                ref,
                json_paths[ref],
            )
            for ref in unreachable
        )
    return pg
