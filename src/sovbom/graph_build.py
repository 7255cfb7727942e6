"""Building a BOM's provenance graph (:func:`sovbom.graph.build_graph`) in one pass.

The graph is a networkx ``DiGraph`` whose adjacency dicts (``_succ``, ``_pred``) are filled
directly, in the order ``add_nodes_from``/``add_edges_from`` would give: the nodes in walk order,
then the other BOMs a BOM-Link names; each node's successors as its nested components, its
sub-BOMs, then what its ``dependencies`` entries name. Nodes and edges carry no attributes
(except ``external`` on BOM-Link nodes): they all share one empty, read-only attribute dict
instead of one dict each, and every edge is keyed by the component's own bom-ref object, so that
later lookups match by identity.

Two ways to build the same graph:

* the fast path, for a well-formed document (the usual case): one walk over the components
  registering each node with everything that goes with it while the component is at hand, then
  one pass over ``dependencies``; it gives up (:class:`_Irregular`) at the first thing it does
  not expect: a component without a string bom-ref, a bom-ref used twice, an entry that is not
  an object, a dependency naming an unknown ref or itself;
* the checked path, which takes any document one entry at a time and records each problem
  (:class:`~sovbom.graph.GraphProblem`) where it is: a broken BOM still gets a report.

Walk order (it numbers components without a bom-ref, as :mod:`sovbom.cyclonedx.walk` does):
``metadata.component`` first, then ``components`` depth first, nested ones included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sovbom.cyclonedx.walk import anonymous_ref
from sovbom.graph import GraphProblem, ProvenanceGraph, label
from sovbom.taxonomy import BOM_LINK_PREFIX

_BOM_LINK = BOM_LINK_PREFIX


class _ReadOnlyDict(dict[str, Any]):
    """The attribute dict every component node and every edge shares: empty, and refusing
    to change (an attribute set on one would be set on all)."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the provenance graph's node and edge attributes are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse


_NONE = _ReadOnlyDict()


class _Irregular(Exception):
    """The document is not one the fast path takes: build it on the checked path."""


@dataclass(slots=True)
class _Built:
    """A graph's nodes and edges, and what the walk found on the way."""

    g: Any  # nx.DiGraph
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: each component's label (:func:`sovbom.graph.label`), when made during the walk
    labels: dict[str, str] = field(default_factory=dict)
    #: nested component -> its container; None until :attr:`parent_of` is first asked for
    #: (the fast path does not record it: found from ``doc`` then)
    _parent_of: dict[str, str] | None = field(default_factory=dict)
    doc: Mapping[str, Any] | None = None
    sub_boms: list[tuple[str, str]] = field(default_factory=list)
    problems: list[GraphProblem] = field(default_factory=list)
    #: True when every edge goes from a node to one registered after it (then there is no
    #: cycle); False when not, or not known
    forward: bool = False

    @property
    def parent_of(self) -> dict[str, str]:
        if self._parent_of is None:
            self._parent_of = nesting(self.doc or {})
        return self._parent_of


def _new_graph() -> Any:
    import networkx as nx  # only where a graph is built: the command line starts without it

    return nx.DiGraph()


# ---------------------------------------------------------------------- the fast path


def _fast(doc: Mapping[str, Any]) -> _Built:
    """The graph of a well-formed document; :class:`_Irregular` (or the KeyError, TypeError
    or AttributeError of an entry that is not what it should be) otherwise."""
    b = _Built(_new_graph(), _parent_of=None, doc=doc)
    # bom-ref -> (its successors, its predecessors, the bom-ref object, its number in the walk)
    slots: dict[str, tuple[dict[str, Any], dict[str, Any], str, int]] = {}
    walked = _fast_walk(doc, b, slots)
    components = b.components
    if walked != len(components) or "" in components or set(map(type, components)) != {str}:
        raise _Irregular
    b.g._node = dict.fromkeys(components, _NONE)  # nothing in it yet, and no view made of it
    external = dict.fromkeys(url for _, url in b.sub_boms)
    _add_external(b.g, external)
    _add_edges(b.g, b.sub_boms)
    # an edge to a BOM-Link that is also a component's bom-ref may point back
    b.forward = _fast_dependencies(doc, slots) and components.keys().isdisjoint(external)
    return b


def _fast_walk(
    doc: Mapping[str, Any],
    b: _Built,
    slots: dict[str, tuple[dict[str, Any], dict[str, Any], str, int]],
) -> int:
    """Every component registered as a node with its nesting edge, in walk order; how many
    were walked (more than registered: a bom-ref is used twice)."""
    components, labels, sub_boms = b.components, b.labels, b.sub_boms
    succ, pred = b.g._succ, b.g._pred
    # one iterator per open ``components`` list, with the ref and successors of its holder
    # (none at the top)
    stack: list[tuple[Iterator[Any], str, dict[str, Any] | None]] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.append((iter(top), "", None))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((iter((metadata["component"],)), "", None))
    n = 0
    s: dict[str, Any]
    p: dict[str, Any]
    while stack:
        items, parent, out = stack[-1]
        for comp in items:
            ref = comp["bom-ref"]
            components[ref] = comp  # a bom-ref used twice: one entry for two walked (see _fast)
            # its label while it is at hand (every report names the components it shows)
            name = comp.get("name") or ref
            version = comp.get("version")
            labels[ref] = f"{name} {version}" if version else str(name)
            if out is None:
                succ[ref], pred[ref] = s, p = {}, {}
            else:
                succ[ref], pred[ref] = s, p = {}, {parent: _NONE}
                out[ref] = _NONE
            slots[ref] = (s, p, ref, n)
            n += 1
            xrefs = comp.get("externalReferences")
            if xrefs:
                _sub_boms(ref, xrefs, sub_boms)
            children = comp.get("components")
            if children:
                if type(children) is not list:
                    raise _Irregular
                stack.append((iter(children), ref, s))
                break  # its nested components first (depth first), then the rest
        else:
            stack.pop()
    return n


def nesting(doc: Mapping[str, Any]) -> dict[str, str]:
    """Nested component -> the bom-ref of the component it is nested in, in walk order, for a
    document the fast path took (every component an object with a bom-ref of its own)."""
    out: dict[str, str] = {}
    stack: list[tuple[Iterator[Any], str | None]] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.append((iter(top), None))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((iter((metadata["component"],)), None))
    while stack:
        items, parent = stack[-1]
        for comp in items:
            ref = comp["bom-ref"]
            if parent is not None:
                out[ref] = parent
            children = comp.get("components")
            if children:
                stack.append((iter(children), ref))
                break  # depth first, as the graph was built
        else:
            stack.pop()
    return out


def _fast_dependencies(
    doc: Mapping[str, Any], slots: Mapping[str, tuple[dict[str, Any], dict[str, Any], str, int]]
) -> bool:
    """The ``depends`` edges; whether each goes forward in walk order. A target nested in its
    source already has its ("contains") edge: setting it again keeps its place."""
    deps = doc.get("dependencies")
    if not isinstance(deps, list):
        return True
    forward = True
    for dep in deps:
        on = dep.get("dependsOn")
        out, _, u, at = slots[dep["ref"]]
        if on:
            if type(on) is not list:
                raise _Irregular
            for v in on:
                _, inward, v, to = slots[v]
                out[v] = inward[u] = _NONE
                if to <= at:
                    forward = False
            if u in out:  # depends on itself
                raise _Irregular
    return forward


# ---------------------------------------------------------------------- the checked path


def _checked(doc: Mapping[str, Any]) -> _Built:
    """The graph of any document, each problem recorded."""
    b = _Built(_new_graph())
    contains = _checked_walk(doc, b)
    g = b.g
    components = b.components
    g._node.update(dict.fromkeys(components, _NONE))
    g._succ.update((n, {}) for n in components)
    g._pred.update((n, {}) for n in components)
    _add_edges(g, contains)
    external: dict[str, None] = dict.fromkeys(url for _, url in b.sub_boms)
    depends = _dependency_edges(doc, b, external)
    _add_external(g, external)
    _add_edges(g, b.sub_boms)
    succ, pred = g._succ, g._pred
    for u, targets in depends:
        out = succ[u]
        for v in targets:
            out[v] = pred[v][u] = _NONE
    return b


def _checked_walk(doc: Mapping[str, Any], b: _Built) -> list[tuple[str, str]]:
    """Nodes in walk order (an explicit stack: no recursion limit); the nesting edges.

    The stack holds one iterator per open ``components`` list (its JSON path and the ref of the
    component holding it): a child list is walked in place, not copied onto the stack."""
    components, parent_of, problems = b.components, b.parent_of, b.problems
    contains: list[tuple[str, str]] = []
    anonymous = 0
    Frame = tuple[Iterator[tuple[Any, Any]], tuple[str | int, ...], str | None]
    stack: list[Frame] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.append((enumerate(top), ("components",), None))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((iter([("component", metadata["component"])]), ("metadata",), None))
    while stack:
        items, base, parent = stack[-1]
        for key, comp in items:
            if type(comp) is not dict and not isinstance(comp, dict):
                continue
            ref = comp.get("bom-ref")
            if not ref or not isinstance(ref, str):
                anonymous += 1
                ref = anonymous_ref(anonymous, comp)
            if ref in components:
                from sovbom._io import json_pointer

                where = json_pointer((*base, key))
                problems.append(
                    GraphProblem("duplicate-bom-ref", f"bom-ref {ref!r} is used twice", ref, where)
                )
            else:
                components[ref] = comp
            if parent is not None and parent != ref:
                contains.append((parent, ref))
                parent_of[ref] = parent
            xrefs = comp.get("externalReferences")
            if xrefs:
                _sub_boms(ref, xrefs, b.sub_boms)
            children = comp.get("components")
            if children:
                stack.append((enumerate(children), (*base, key, "components"), ref))
                break  # walk the children first (document order), then come back
        else:
            stack.pop()
    return contains


def _dependency_entries(doc: Mapping[str, Any]) -> Iterator[tuple[int, str, list[Any]]]:
    deps = doc.get("dependencies")
    if not isinstance(deps, list):
        return
    for i, dep in enumerate(deps):
        # ``type(...) is dict`` first: parsed documents hold dicts, and the Mapping check is slow
        if type(dep) is not dict and not isinstance(dep, Mapping):
            continue
        ref = dep.get("ref")
        if isinstance(ref, str):
            on = dep.get("dependsOn")
            yield i, ref, on if type(on) is list or isinstance(on, list) else []


def _dependency_edges(
    doc: Mapping[str, Any], b: _Built, external: dict[str, None]
) -> list[tuple[str, list[str]]]:
    """``depends`` edges, as (ref, the refs it depends on); a BOM-Link to another BOM becomes
    an external node (in ``external``)."""
    components, problems = b.components, b.problems
    keys = components.keys()
    get = b.parent_of.get
    depends: list[tuple[str, list[str]]] = []
    for i, ref, on in _dependency_entries(doc):
        if ref not in components and ref not in external:
            if not ref.startswith(_BOM_LINK):
                problems.append(
                    GraphProblem(
                        "dangling-reference",
                        f"dependencies name {ref!r}, which no component has",
                        ref,
                        f"$.dependencies[{i}].ref",
                    )
                )
                continue
            external[ref] = None
        if not on:
            continue
        try:
            targets: set[Any] | None = set(on)
        except TypeError:  # an unhashable entry: the slow path says what is wrong
            targets = None
        if targets is not None and ref not in targets and keys >= targets:
            # every target a component (nesting repeated in dependencies stays "contains")
            depends.append((ref, [t for t in on if get(t) != ref]))
        else:
            depends.append((ref, _checked_targets(i, ref, on, b, external)))
    return depends


def _checked_targets(
    i: int, ref: str, on: list[Any], b: _Built, external: dict[str, None]
) -> list[str]:
    """The targets of one dependency entry, each checked: self-dependencies, dangling refs."""
    out = []
    for j, target in enumerate(on):
        if not isinstance(target, str):
            continue
        where = f"$.dependencies[{i}].dependsOn[{j}]"
        if target == ref:
            b.problems.append(GraphProblem("cycle", f"{ref!r} depends on itself", ref, where))
            continue
        if target not in b.components and target not in external:
            if not target.startswith(_BOM_LINK):
                b.problems.append(
                    GraphProblem(
                        "dangling-reference",
                        f"{ref!r} depends on {target!r}, which no component has",
                        ref,
                        where,
                    )
                )
                continue
            external[target] = None
        if b.parent_of.get(target) != ref:  # nesting repeated in dependencies stays "contains"
            out.append(target)
    return out


# ---------------------------------------------------------------------- both paths


def _sub_boms(ref: str, xrefs: Iterable[Any], out: list[tuple[str, str]]) -> None:
    for xref in xrefs:
        if isinstance(xref, Mapping) and xref.get("type") == "bom":
            url = xref.get("url")
            if isinstance(url, str) and url.startswith(_BOM_LINK):
                out.append((ref, url))


def _add_external(g: Any, external: Iterable[str]) -> None:
    """Nodes for other BOMs (BOM-Links), marked ``external``."""
    node, succ, pred = g._node, g._succ, g._pred
    for n in external:
        node[n] = {"external": True}  # a component's own ref too: its attributes, not shared
        if n not in succ:
            succ[n], pred[n] = {}, {}


def _add_edges(g: Any, edges: Iterable[tuple[str, str]]) -> None:
    succ, pred = g._succ, g._pred
    for u, v in edges:
        succ[u][v] = pred[v][u] = _NONE


def _acyclic(succ: Mapping[str, Mapping[str, Any]], pred: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the graph has no cycle: sources peeled off in turn (Kahn) over the nodes that
    have successors (a node without one cannot be on a cycle). One pass over the edges."""
    indegree = {n: len(pred[n]) for n, out in succ.items() if out}
    ready = [n for n, d in indegree.items() if not d]
    for n in ready:
        for m in succ[n]:
            d = indegree.get(m)
            if d is not None:
                d -= 1
                indegree[m] = d
                if not d:
                    ready.append(m)
    return len(ready) == len(indegree)


def _cycles(g: Any, problems: list[GraphProblem]) -> None:
    """One problem per strongly connected component of more than one node."""
    import networkx as nx

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


def _root(doc: Mapping[str, Any], components: Mapping[str, Any]) -> str | None:
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        ref = metadata["component"].get("bom-ref")
        return ref if isinstance(ref, str) and ref in components else None
    return None


def build_graph(doc: Mapping[str, Any], *, source: str = "") -> ProvenanceGraph:
    """Build the provenance graph of a CycloneDX document (JSON form)."""
    try:
        b = _fast(doc)
    except (_Irregular, KeyError, TypeError, AttributeError):
        b = _checked(doc)
    g, components, problems = b.g, b.components, b.problems
    import networkx as nx

    clear_cache = getattr(nx, "_clear_cache", None)  # networkx 3.3+ caches per graph
    if clear_cache is not None:
        clear_cache(g)
    root = _root(doc, components)
    walked = {"metadata": doc.get("metadata"), "components": doc.get("components")}
    pg = ProvenanceGraph(
        g,
        root,
        components,
        {},
        problems,
        source,
        _labels=b.labels,
        _parent_of=b._parent_of,
        _walked=walked,
    )
    if root is None:
        pred = g._pred
        tops = [n for n in components if not pred[n]]
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
    if not (b.forward or _acyclic(g._succ, g._pred)):
        _cycles(g, problems)
    if pg.root is not None:
        reach = pg._tree()
        if not components.keys() <= reach.keys():
            problems.extend(
                GraphProblem(
                    "unreachable",
                    f"{label(components[ref], ref)!r} is not reachable from the server root",
                    ref,
                    pg.json_path(ref),
                )
                for ref in components
                if ref not in reach
            )
    return pg
