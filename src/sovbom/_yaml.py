"""Bounded, safe YAML loading: the one path every YAML input goes through.

The document is composed by libyaml (``CSafeLoader``, the pure-Python loader where libyaml is
missing) into a node graph, then turned into plain JSON-like values by an iterative walk that
enforces the limits below. Nothing is left to PyYAML's constructor, so no input can:

* expand aliases beyond :data:`MAX_ALIAS_NODES` nodes (a "billion laughs" alias bomb);
* nest deeper than :data:`MAX_DEPTH` levels (or hold a recursive alias);
* exceed :data:`MAX_YAML_BYTES`;
* produce a value JSON cannot hold: a tag other than the JSON ones (``!!binary``, ``!!set``,
  ``!!omap``, application tags ...), a mapping key that is not a string, an integer outside the
  64-bit range.

Dates stay the strings the user wrote (JSON Schema sees what is in the file). Every refusal is an
:class:`InputError` naming the file, the line and the column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from sovbom.errors import InputError

#: Largest YAML document read (policies, manifests, signer policies, supplier registries).
MAX_YAML_BYTES = 16 * 1024**2
#: Deepest nesting of sequences and mappings.
MAX_DEPTH = 64
#: Nodes that aliases may add beyond those written in the document.
MAX_ALIAS_NODES = 10_000
#: Integers must fit in 64 bits (what JSON tools, orjson included, can hold).
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1

_T = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _T + "map", _T + "seq", _T + "merge"
_STRING_KEY_TAGS = frozenset(_T + t for t in ("str", "timestamp", "value"))
_SCALAR_TAGS = frozenset(_T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = SafeConstructor()


def _where(mark: yaml.Mark | None) -> str | None:
    return f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T) :] if tag.startswith(_T) else tag


def _location_of(data: bytes, pos: int) -> str:
    pos = max(0, min(pos, len(data)))
    line = data.count(b"\n", 0, pos) + 1
    column = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line} column {column}"


def _check_encoding(data: bytes, source: str) -> None:
    """YAML inputs are UTF-8 (or UTF-16 with a byte-order mark, which libyaml reads)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"not UTF-8 text (byte 0x{data[e.start]:02x})",
            source=source,
            location=_location_of(data, e.start),
        ) from None


def _compose(data: bytes, source: str) -> yaml.Node | None:
    loader = _LOADER(data)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        if e.problem and e.context and e.context.startswith("expected"):
            problem = f"{e.context}, {e.problem}"  # "expected a single document ..., but found"
        problem = _one_line(problem)
        raise InputError(f"malformed YAML: {problem}", source=source, location=_where(mark)) from e
    except yaml.reader.ReaderError as e:
        raise InputError(
            f"malformed YAML: {_one_line(e.reason)}",
            source=source,
            location=_location_of(data, e.position),
        ) from e
    except yaml.YAMLError as e:
        raise InputError(f"malformed YAML: {_one_line(str(e))}", source=source) from e
    except RecursionError as e:  # the pure-Python composer recurses per nesting level
        raise InputError(f"YAML nested too deeply (over {MAX_DEPTH} levels)", source=source) from e
    finally:
        loader.dispose()


class _Builder:
    """Turns a composed node graph into plain values, within the limits."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.visits = 0
        self.seen: set[int] = set()

    def fail(self, message: str, node: yaml.Node) -> InputError:
        return InputError(message, source=self.source, location=_where(node.start_mark))

    def count(self, node: yaml.Node) -> None:
        """Every node visited counts; a node visited again was reached through an alias."""
        self.visits += 1
        self.seen.add(id(node))
        if self.visits - len(self.seen) > MAX_ALIAS_NODES:
            raise self.fail(
                f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)", node
            )

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self.fail(f"YAML tag {_tag_name(tag)} is not supported", node)
        if tag == _T + "int":
            if len(node.value) > 100:
                raise self.fail(f"integer too large ({len(node.value)} characters)", node)
            value = _SCALARS.construct_yaml_int(node)
            if not _INT_MIN <= value <= _INT_MAX:
                raise self.fail("integer out of the 64-bit range", node)
            return value
        if tag == _T + "timestamp":
            return str(node.value)  # the date as written
        constructor = _SCALARS.yaml_constructors[tag]
        return constructor(_SCALARS, node)

    def key(self, node: yaml.Node) -> str:
        self.count(node)
        if isinstance(node, yaml.ScalarNode) and node.tag in _STRING_KEY_TAGS:
            return str(node.value)
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            kind = _tag_name(node.tag)[2:]
            raise self.fail(
                f"mapping key {node.value!r} is read as {kind}, not a string (quote it)", node
            )
        raise self.fail("mapping key must be a string", node)

    def enter(self, node: yaml.Node, depth: int) -> tuple[Any, Iterator[Any] | None]:
        """The value for ``node``: a scalar, or an empty container and what fills it."""
        self.count(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node), None
        if depth > MAX_DEPTH:
            raise self.fail(
                f"YAML nested deeper than {MAX_DEPTH} levels (or a recursive alias)", node
            )
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [], iter(node.value)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return {}, iter(self.merged(node))
        raise self.fail(f"YAML tag {_tag_name(node.tag)} is not supported", node)

    def merged(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's pairs with ``<<`` merge keys resolved (explicit keys win)."""
        if not any(k.tag == _MERGE for k, _ in node.value):
            return list(node.value)
        inherited: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if key.tag != _MERGE:
                own.append((key, value))
                continue
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for src in sources:  # as PyYAML: a later mapping wins, explicit keys above all
                if not isinstance(src, yaml.MappingNode) or src.tag != _MAP:
                    raise self.fail("a << merge key needs a mapping or a list of mappings", src)
                if any(k.tag == _MERGE for k, _ in src.value):
                    raise self.fail("nested << merge keys are not supported", src)
                inherited.extend(src.value)
        return inherited + own

    def build(self, root: yaml.Node) -> Any:
        value, children = self.enter(root, 1)
        stack: list[tuple[Any, Iterator[Any]]] = [(value, children)] if children else []
        while stack:
            container, pending = stack[-1]
            item = next(pending, None)
            if item is None:
                stack.pop()
                continue
            if isinstance(container, list):
                child, grandchildren = self.enter(item, len(stack) + 1)
                container.append(child)
            else:
                key = self.key(item[0])
                child, grandchildren = self.enter(item[1], len(stack) + 1)
                container[key] = child
            if grandchildren is not None:
                stack.append((child, grandchildren))
        return value


def parse_yaml(data: bytes, source: str) -> Any:
    """Parse one YAML document into JSON-like values, within the limits of this module."""
    if len(data) > MAX_YAML_BYTES:
        raise InputError(
            f"YAML document too large ({len(data)} bytes, at most {MAX_YAML_BYTES})",
            source=source,
        )
    _check_encoding(data, source)
    root = _compose(data, source)
    if root is None:
        return None
    return _Builder(source).build(root)


def compose_yaml(data: bytes) -> yaml.Node | None:
    """The node graph of a document already accepted by :func:`parse_yaml` (for locating
    nodes in messages); None when it cannot be composed."""
    try:
        return _compose(data, "<yaml>")
    except InputError:
        return None
