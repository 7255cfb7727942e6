"""The picture of a server: its containment tree as an inline SVG, coloured by the policy's verdict.

The layout is computed here; the markup is the template ``report/graph.html.j2`` (the dashboard's
server page draws the same picture). The tree is laid out left to right (the root at the left), nodes coloured by the policy's verdict on
their country (domestic, approved, other, denied, unknown, out of the origin scope), unverified
components outlined, and the dependency paths to flagged components drawn. Identical sibling
subtrees (eight GPUs with their VBIOS) are drawn once with a count; a node with too many children
(an operating system with thousands of packages) is folded into a summary node, its flagged
components listed below the picture.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from sovbom.graph import CONTAINS, ProvenanceGraph
from sovbom.policy import Finding, Policy
from sovbom.report.html.hardware import legend_lines, mark_of, tooltip
from sovbom.report.html.page import macro, short
from sovbom.report.html.status import STATUS_HELP, STATUSES, Status, statuses

#: Most nodes drawn in one picture; beyond it, subtrees are folded.
MAX_VISIBLE = 400
#: A node with more distinct children than this is folded (its flagged children stay drawn).
MAX_CHILDREN = 40
#: Flagged children still drawn under a folded node.
MAX_FLAGGED_SHOWN = 12
#: Dependency edges drawn on the paths to flagged components.
MAX_PATH_EDGES = 300
_ROW = 20
_INDENT = 26


@dataclass(slots=True, eq=False)
class _VNode:
    label: str
    status: str
    refs: list[str]
    unverified: bool = False
    flagged: int = 0  # flagged components in this node's subtrees (all copies)
    folded: int = 0  # components folded into this summary node
    fold_of: str | None = None  # the ref whose children were folded
    children: list[_VNode] = field(default_factory=list)
    depth: int = 0
    y: float = 0.0

    @property
    def count(self) -> int:
        return len(self.refs)


@dataclass(slots=True)
class _Tree:
    children: dict[str, list[str]]
    size: dict[str, int]  # components in the subtree, the node included
    flagged: dict[str, int]  # flagged components in the subtree
    signature: dict[str, int]


def _hot(st: Status) -> set[str]:
    """The flagged components (:meth:`Status.flagged`), found once: only refs with findings can be."""
    return {ref for ref in st.findings if st.flagged(ref)}


def _children(pg: ProvenanceGraph, root: str) -> dict[str, list[str]]:
    """Each part's children in the tree: a part hangs under its container when that is reachable,
    else under its parent on a shortest path from the root (its breadth-first parent)."""
    children: dict[str, list[str]] = {}
    bfs = pg._bfs_parents()
    parent_of = pg.parent_of.get
    for ref in pg.components:
        if ref == root or ref not in bfs:
            continue
        parent = parent_of(ref)
        if parent is None or parent not in bfs:
            parent = bfs[ref] or root
        kids = children.get(parent)
        if kids is None:
            children[parent] = [ref]
        else:
            kids.append(ref)
    return children


def _tree(pg: ProvenanceGraph, st: Status, hot: set[str]) -> _Tree:
    """The containment tree with subtree facts: each part's size, flagged count and signature
    (equal for identical subtrees: same label, status, marks and children's signatures).

    Every part is visited here, though a 3,000-part server is drawn with a handful of rows: the
    leaves (most parts) are done in bulk, the inner parts children first."""
    root = pg.root
    if root is None:
        return _Tree({}, {}, {}, {})
    children = _children(pg, root)
    # the inner parts reached from the root, parents first; the leaves below them
    inner = [root] if root in children else []
    leaves = [] if inner else [root]
    seen = {root}
    for node in inner:  # grows while walked
        kids = children[node]
        leaves += [c for c in kids if c not in children]
        for c in kids:
            if c in children and c not in seen:
                seen.add(c)
                inner.append(c)
    interned: dict[tuple[Any, ...], int] = {}
    intern, n_interned = interned.setdefault, interned.__len__
    label_of, status_of, unverified = pg.label_of, st.status.get, st.unverified
    keys = zip(map(label_of, leaves), map(status_of, leaves), map(unverified.__contains__, leaves),
               map(hot.__contains__, leaves), repeat(()))  # fmt: skip
    signature = dict(zip(leaves, [intern(k, n_interned()) for k in keys], strict=True))
    size = dict.fromkeys(leaves, 1)
    flagged = dict.fromkeys(leaves, 0)
    flagged.update((r, 1) for r in hot if r in size)
    for node in reversed(inner):
        own = node in hot
        kids = children[node]
        size[node] = 1 + sum([size[c] for c in kids])
        flagged[node] = int(own) + sum([flagged[c] for c in kids])
        key = (label_of(node), status_of(node), node in unverified, own,
               tuple(sorted([signature[c] for c in kids])))  # fmt: skip
        signature[node] = intern(key, n_interned())
    return _Tree(children, size, flagged, signature)


def _groups(kids: list[str], signature: dict[str, int]) -> list[list[str]]:
    """Identical siblings together (one signature), in the order of their first members."""
    sigs = [signature[c] for c in kids]
    if len(set(sigs)) == len(sigs):  # often: thousands of parts, each its own
        return [[c] for c in kids]
    groups: dict[int, list[str]] = {}
    for sig, c in zip(sigs, kids, strict=True):
        group = groups.get(sig)
        if group is None:
            groups[sig] = [c]
        else:
            group.append(c)
    return list(groups.values())


def _visible_tree(
    pg: ProvenanceGraph, st: Status, tree: _Tree, hot: set[str]
) -> tuple[_VNode, list[_VNode]]:
    """The nodes to draw (breadth first, within MAX_VISIBLE), and the folded summary nodes.

    Identical subtrees have one signature, hence one size and one flagged count: a group's
    counts are its first member's times its length."""
    assert pg.root is not None
    root = _VNode(pg.label_of(pg.root), st.status.get(pg.root, "unknown"), [pg.root])
    root.unverified = pg.root in st.unverified
    root.flagged = tree.flagged.get(pg.root, 0)
    visible = 1
    folds: list[_VNode] = []
    queue: deque[tuple[_VNode, str]] = deque([(root, pg.root)])
    signature, size, flagged = tree.signature, tree.size, tree.flagged
    while queue:
        vnode, ref = queue.popleft()
        kids = tree.children.get(ref, [])
        if not kids:
            continue
        members = _groups(kids, signature)
        fold = len(members) > MAX_CHILDREN or visible + len(members) > MAX_VISIBLE
        shown = members
        if fold:
            shown = [g for g in members if flagged[g[0]]][:MAX_FLAGGED_SHOWN]
            if visible + len(shown) + 1 > MAX_VISIBLE:
                shown = []
        for g in shown:
            rep = g[0]
            child = _VNode(
                pg.label_of(rep),
                st.status.get(rep, "unknown"),
                list(g),
                unverified=rep in st.unverified,
                flagged=flagged[rep] * len(g),
                depth=vnode.depth + 1,
            )
            vnode.children.append(child)
            queue.append((child, rep))
            visible += 1
        if fold:  # the rest: all the children (the subtree but its top) less those drawn
            drawn = {c for g in shown for c in g}
            summary = _VNode(
                "",
                "out-of-scope",
                [],
                folded=(size[ref] - 1 - sum([size[c] for c in drawn])) * vnode.count,
                flagged=(flagged[ref] - (ref in hot) - sum([flagged[c] for c in drawn]))
                * vnode.count,
                fold_of=ref,
                depth=vnode.depth + 1,
            )
            summary.label = f"{summary.folded:,} more components folded"
            vnode.children.append(summary)
            folds.append(summary)
            visible += 1
    return root, folds


def _layout(root: _VNode) -> list[_VNode]:
    """An indented tree: one row per node in pre-order, children indented under their parent."""
    nodes: list[_VNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        node.y = len(nodes) * _ROW
        nodes.append(node)
        stack.extend(reversed(node.children))
    return nodes


def _node_text(pg: ProvenanceGraph, st: Status, n: _VNode) -> str:
    if n.fold_of is not None:
        return n.label + (f" \u2014 {n.flagged:,} flagged" if n.flagged else "")
    ref = n.refs[0]
    text = short(pg.label_of(ref)) + (f" \u00d7{n.count}" if n.count > 1 else "")
    country = st.country.get(ref, "").split(" ", 1)[0]
    return text + (f"  [{country}]" if country else "")


@dataclass(slots=True)
class _Picture:
    """The drawn rows, where each component is drawn, and the margins of the SVG."""

    pg: ProvenanceGraph
    st: Status
    hot: set[str]  # the flagged components
    tree: _Tree
    nodes: list[_VNode]
    folds: list[_VNode]
    where: dict[str, _VNode]
    texts: dict[int, str]
    mx: int = 110  # room on the left for the dependency arcs
    my: int = 34
    #: bom-ref -> proved its hardware identity (None: not checked), and the basis or reason
    identity: Mapping[str, bool] | None = None
    identity_text: Mapping[str, str] = field(default_factory=dict)

    def xy(self, n: _VNode) -> tuple[float, float]:
        return self.mx + n.depth * _INDENT, self.my + n.y + _ROW / 2


def _picture(pg: ProvenanceGraph, st: Status) -> _Picture:
    hot = _hot(st)
    tree = _tree(pg, st, hot)
    root, folds = _visible_tree(pg, st, tree, hot)
    nodes = _layout(root)
    # where each component is drawn (its group, or the fold that holds it)
    where: dict[str, _VNode] = {}
    for n in nodes:
        for r in n.refs:
            where[r] = n
    children = tree.children
    for f in folds:
        assert f.fold_of is not None
        stack = [c for c in children.get(f.fold_of, ()) if c not in where]
        while stack:
            r = stack.pop()
            where[r] = f
            kids = children.get(r)
            if kids:
                stack.extend([c for c in kids if c not in where])
    texts = {id(n): _node_text(pg, st, n) for n in nodes}
    return _Picture(pg, st, hot, tree, nodes, folds, where, texts)


def graph_svg(
    pg: ProvenanceGraph,
    policy: Policy,
    findings: Sequence[Finding],
    prefix: str = "g",
    identity: Mapping[str, bool] | None = None,
    identity_text: Mapping[str, str] | None = None,
    *,
    status: Status | None = None,
) -> str:
    """The picture of the server: an inline SVG, a legend and the list of folded flagged parts
    (the template ``report/graph.html.j2``).

    ``identity`` (bom-ref -> proved) marks the parts that proved their hardware identity, and
    those that did not, with a ring (``identity_text``: the basis or reason, for the tooltip).
    ``status``: the components' :func:`statuses`, when the caller has them already."""
    view = graph_view(pg, policy, findings, prefix, identity, identity_text, status=status)
    return str(macro("report/graph.html.j2", "graph", view))


def graph_view(
    pg: ProvenanceGraph,
    policy: Policy,
    findings: Sequence[Finding],
    prefix: str = "g",
    identity: Mapping[str, bool] | None = None,
    identity_text: Mapping[str, str] | None = None,
    *,
    status: Status | None = None,
) -> dict[str, Any] | None:
    """What the picture draws, laid out (None when the BOM has no root); ``status`` as for
    :func:`graph_svg`."""
    if pg.root is None:
        return None
    pic = _picture(pg, status or statuses(pg, policy, findings))
    pic.identity, pic.identity_text = identity, identity_text or {}
    width = max(pic.xy(n)[0] + 7.2 * len(pic.texts[id(n)]) + 60 for n in pic.nodes)
    width = max(width, 700)
    total_h = pic.my + len(pic.nodes) * _ROW + 10
    return {
        "prefix": prefix, "width": f"{width:.0f}", "height": f"{total_h:.0f}",
        "root": pg.label_of(pg.root), "total": len(pg.components),
        "flagged": len(pic.hot & pg.components.keys()),
        "legend": [(s, STATUS_HELP[s]) for s in STATUSES], "identity": legend_lines(identity),
        "edges": _containment(pic), "deps": _dependencies(pic, findings),
        "nodes": [_node(pic, n) for n in pic.nodes], "folded": _folded_details(pic),
    }  # fmt: skip


def _containment(pic: _Picture) -> list[tuple[str, str]]:
    """Containment edges (class, path): a trunk down from each parent, a stub to each child
    (" hot", red, when flagged)."""
    out: list[tuple[str, str]] = []
    for n in pic.nodes:
        if not n.children:
            continue
        x1, y1 = pic.xy(n)
        last_hot = max((pic.xy(c)[1] for c in n.children if c.flagged), default=None)
        last = pic.xy(n.children[-1])[1]
        if last_hot is not None:
            out.append((" hot", f"M{x1:.0f} {y1 + 6:.0f}V{last_hot:.0f}"))
        if last_hot is None or last > last_hot:
            start = last_hot if last_hot is not None else y1 + 6
            out.append(("", f"M{x1:.0f} {start:.0f}V{last:.0f}"))
        for c in n.children:
            x2, y2 = pic.xy(c)
            out.append((" hot" if c.flagged else "", f"M{x1:.0f} {y2:.0f}H{x2 - 7:.0f}"))
    return out


def _dependencies(pic: _Picture, findings: Sequence[Finding]) -> list[tuple[str, str, str]]:
    """Dependency edges on the paths to flagged components: arcs in the left margin (path, from,
    to)."""
    pg = pic.pg
    drawn: set[tuple[int, int]] = set()
    deps: list[tuple[str, str, str]] = []
    for finding in findings:
        if (finding.ref or "") not in pic.hot:
            continue
        hops = {(u, v) for p in finding.paths for u, v in zip(p, p[1:], strict=False)}
        for u, v in sorted(hops):
            if pg.edge_kind(u, v) == CONTAINS:
                continue
            a, b = pic.where.get(u), pic.where.get(v)
            if a is None or b is None or a is b or b in a.children:
                continue
            key = (id(a), id(b))
            if key in drawn or len(drawn) >= MAX_PATH_EDGES:
                continue
            drawn.add(key)
            (x1, y1), (x2, y2) = pic.xy(a), pic.xy(b)
            bend = min(abs(y2 - y1) / 4 + 20, pic.mx - 10)
            left = min(x1, x2) - bend
            d = (f"M{x1 - 7:.0f} {y1:.0f}C{left:.0f} {y1:.0f} {left:.0f} {y2:.0f}"
                 f" {x2 - 7:.0f} {y2:.0f}")  # fmt: skip
            deps.append((d, pg.label_of(u), pg.label_of(v)))
    return deps


def _node(pic: _Picture, n: _VNode) -> dict[str, Any]:
    """One row of the picture: a node and its label, with a tooltip."""
    pg, st = pic.pg, pic.st
    x, y = pic.xy(n)
    if n.fold_of is not None:
        label = pic.texts[id(n)]
        return {"fold": True, "rx": f"{x - 6:.0f}", "ry": f"{y - 9:.0f}",
                "w": f"{7.4 * len(label) + 16:.0f}", "tx": f"{x + 2:.0f}", "ty": f"{y + 4:.0f}",
                "flagged": n.flagged, "text": label, "inside": pg.label_of(n.fold_of)}  # fmt: skip
    ref = n.refs[0]
    mult = f" \u00d7{n.count}" if n.count > 1 else ""
    tip = [
        pg.label_of(ref) + mult,
        f"bom-ref: {ref}",
        f"status: {n.status} ({STATUS_HELP.get(n.status, '')})",
    ]
    if st.country.get(ref):
        tip.append(f"country: {st.country[ref]}")
    if n.unverified:
        tip.append("verification below what the policy requires")
    tip.extend(
        f"{fd.severity.label}: {fd.rule.value}: {fd.message}" for fd in st.findings.get(ref, ())[:5]
    )
    own_flag = ref in pic.hot
    if n.flagged and not own_flag:
        tip.append(f"{n.flagged} flagged inside")
    hw = tooltip(pic.identity, pic.identity_text, n.refs)
    if hw:
        tip.append(hw)
    return {
        "fold": False, "ref": ref, "cls": f"n {n.status}" + (" unverified" if n.unverified else ""),
        "ring": mark_of(pic.identity, n.refs),
        "x": f"{x:.0f}", "y": f"{y:.0f}", "tx": f"{x + 10:.0f}", "ty": f"{y + 4:.0f}",
        "own_flag": own_flag, "text": pic.texts[id(n)], "flagged": n.flagged, "tip": "\n".join(tip),
    }  # fmt: skip


def _folded_details(pic: _Picture) -> list[tuple[int, str, list[tuple[str, str, str]]]]:
    """The flagged components hidden in each folded node, listed below the picture."""
    pg, st = pic.pg, pic.st
    details = []
    hidden_in: dict[int, list[str]] = {}
    for r, holder in pic.where.items():
        if holder.fold_of is not None and r in pic.hot:
            hidden_in.setdefault(id(holder), []).append(r)
    for f in pic.folds:
        assert f.fold_of is not None
        hidden = hidden_in.get(id(f), [])
        if not hidden:
            continue
        items = [
            (pg.label_of(r), r,
             "; ".join(fd.rule.value for fd in st.findings.get(r, ()) if fd.counts))
            for r in sorted(hidden, key=pg.label_of)[:2000]
        ]  # fmt: skip
        details.append((len(hidden), pg.label_of(f.fold_of), items))
    return details
