"""The bounded YAML loader reads what PyYAML's safe loader read, and refuses what it must."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_inputs import REPO

from sovbom._io import parse_yaml
from sovbom._yaml import MAX_ALIAS_NODES, MAX_DEPTH, MAX_YAML_BYTES
from sovbom.errors import InputError


class _Reference(yaml.SafeLoader):
    """The loader sovbom used before: PyYAML's safe loader, dates kept as strings."""


_Reference.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: str(loader.construct_scalar(node)),  # type: ignore[arg-type]
)

YAML_FILES = sorted(
    p
    for pattern in ("samples/*.yaml", "src/sovbom/data/*.yaml", "tests/data/**/*.yaml")
    for p in REPO.glob(pattern)
    if "hostile" not in p.relative_to(REPO).parts
)


@pytest.mark.parametrize("path", YAML_FILES, ids=[p.name for p in YAML_FILES])
def test_same_values_as_the_safe_loader(path: Path) -> None:
    data = path.read_bytes()
    assert parse_yaml(data, path.name) == yaml.load(data, Loader=_Reference)  # noqa: S506


def test_anchors_merge_keys_and_dates() -> None:
    data = b"""\
base: &base {vendor: Acme, country: JP}
other: &other {vendor: Other, rohs: true}
gpu:
  <<: [*base, *other]
  country: DE
copy: *base
date: 2025-06-01
when: 2025-06-01T10:00:00Z
"""
    assert parse_yaml(data, "t") == yaml.load(data, Loader=_Reference)  # noqa: S506
    assert parse_yaml(data, "t")["gpu"] == {"vendor": "Other", "country": "DE", "rohs": True}


def _nested(depth: int) -> bytes:
    return b"a: " + b"[" * (depth - 1) + b"]" * (depth - 1)


def test_depth_limit_is_exact() -> None:
    assert parse_yaml(_nested(MAX_DEPTH), "t") is not None
    with pytest.raises(InputError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_yaml(_nested(MAX_DEPTH + 1), "t")


def test_alias_budget() -> None:
    # one list of n items used k times: (k - 1) * (n + 1) nodes come from aliases
    def doc(n: int, k: int) -> bytes:
        items = ",".join(["1"] * n)
        return f"a: &a [{items}]\nb: [{','.join(['*a'] * (k - 1))}]\n".encode()

    ok: Any = parse_yaml(doc(99, MAX_ALIAS_NODES // 100 + 1), "t")
    assert len(ok["b"]) == MAX_ALIAS_NODES // 100
    with pytest.raises(InputError, match="aliases expand to more than"):
        parse_yaml(doc(99, MAX_ALIAS_NODES // 100 + 2), "t")


@pytest.mark.parametrize(
    "data,message",
    [
        (b"a: 18446744073709551616\n", "integer out of the 64-bit range"),
        (b"a: -9223372036854775809\n", "integer out of the 64-bit range"),
        (b"a: !!omap [{a: 1}]\n", "YAML tag !!omap is not supported"),
        (b"a: !custom x\n", "YAML tag !custom is not supported"),
        (b"? [a]\n: 1\n", "mapping key must be a string"),
        (b"no: 1\n", "mapping key 'no' is read as bool, not a string"),
        (b"1.5: 1\n", "mapping key '1.5' is read as float"),
        (b"a: 1\n---\nb: 2\n", "expected a single document in the stream, but found another"),
        (b"a: \x01\n", "line 1 column 4: malformed YAML: control characters are not allowed"),
        (b"a: [1\n", "line 2 column 1: malformed YAML:"),
        (b"a: b\n\xff\n", "line 2 column 1: not UTF-8 text (byte 0xff)"),
    ],
)
def test_refusals_are_one_line_with_the_place(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_yaml(data, "doc.yaml")
    text = e.value.diagnostics()
    assert message in text and text.startswith("doc.yaml: ") and "\n" not in text, text


def test_64_bit_integers_and_utf16_are_read() -> None:
    assert parse_yaml(b"a: 18446744073709551615\nb: -9223372036854775808\n", "t") == {
        "a": 2**64 - 1,
        "b": -(2**63),
    }
    assert parse_yaml("a: café\n".encode("utf-16"), "t") == {"a": "café"}


def test_size_limit() -> None:
    with pytest.raises(InputError, match="YAML document too large"):
        parse_yaml(b"#" * (MAX_YAML_BYTES + 1), "t")
