"""The fleet's one-pass provenance columns equal what ``provenance_of`` reads, component by component."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fleet_support import SAMPLES, part, server_bom

from sovbom.fleet.bulk import copy_line, copy_text
from sovbom.fleet.extract import (
    _fast_columns,
    _provenance_columns,
    _slow_columns,
    _walk,
    flatten,
)


def _components(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for _, comp, _ in _walk(doc):
        yield comp


TRICKY: list[dict[str, Any]] = [
    {"name": "bare"},
    {"name": "author only", "author": "Someone"},
    {
        "name": "production only",
        "properties": [
            {"name": "sovbom:production:final-assembly:site", "value": "Plant A"},
            {"name": "sovbom:production:final-assembly:country", "value": "Japan"},
            {"name": "sovbom:production:wafer:country", "value": "TWN"},
            {"name": "sovbom:production:wafer:country", "value": "US"},
            {"name": "sovbom:production:bad", "value": "x"},
        ],
    },
    {
        "name": "repeats",
        "properties": [
            {"name": "sovbom:origin:country", "value": ""},
            {"name": "sovbom:origin:country", "value": "Viet Nam"},
            {"name": "cdx:device:countryOfOrigin", "value": "KR"},
            {"name": "sovbom:class", "value": "gpu"},
            {"name": "sovbom:class", "value": "cpu"},
            {"name": "sovbom:part-number", "value": 7},
            {"name": "sovbom:part-number", "value": "P-1"},
            {"name": 3, "value": "x"},
            "not a property",
        ],
    },
    {
        "name": "odd entities",
        "manufacturer": {"name": 5, "address": {"country": "XX"}},
        "supplier": {"address": "Tokyo"},
        "properties": [{"name": "sovbom:origin:country", "value": "nowhere"}],
    },
    {"name": "not a mapping", "manufacturer": "ACME", "supplier": ["x"]},
    {"name": "properties not a list", "properties": {"name": "sovbom:class", "value": "gpu"}},
    {"name": "empty properties", "properties": [], "supplier": {"name": "S"}},
    {
        "name": "plain, with production",
        "manufacturer": {"name": "M", "address": {"country": "Germany"}},
        "supplier": {"name": "S", "address": {"country": "JP"}},
        "properties": [
            {"name": "sovbom:class", "value": "psu"},
            {"name": "sovbom:production:final-assembly:country", "value": "MY"},
            {"name": "sovbom:production:wafer:site", "value": "Fab 1"},
            {"name": "sovbom:production:wafer:country", "value": "TW"},
            {"name": "other:thing", "value": "x"},
        ],
    },
    {
        "name": "maker without a name",
        "manufacturer": {"address": {"country": "US"}},
        "author": "A. Author",
        "supplier": {"name": "S", "address": {"country": "US"}},
        "properties": [{"name": "sovbom:part-number", "value": "X-1"}],
    },
    {
        "name": "origins",
        "origins": [
            {
                "basis": "x",
                "distribution": [
                    {"isoCode": "MY", "percentage": 60},
                    {"isoCode": "JP", "percentage": 40},
                ],
            }
        ],
        "supplier": {"name": "S", "address": {"country": "JP"}},
    },
    {
        "name": "maker country only",
        "manufacturer": {"name": "M", "address": {"country": "DEU"}},
        "supplier": {"name": "S", "address": {"country": "DE"}},
        "properties": [
            {"name": "sovbom:production:test:date", "value": "2026-01-01"},
            {"name": "sovbom:production:test:country", "value": "FR"},
        ],
    },
]


def _tricky(name: str) -> dict[str, Any]:
    return next(c for c in TRICKY if c["name"] == name)


def _assert_same(comps: list[dict[str, Any]]) -> int:
    for comp in comps:
        expected = _slow_columns(comp)
        assert _provenance_columns(comp) == expected, comp.get("name")
        assert (_fast_columns(comp) or expected) == expected, comp.get("name")
    return len(comps)


def test_one_pass_columns_equal_provenance_of_on_samples_and_generated_servers() -> None:
    n = _assert_same(TRICKY)
    for path in sorted(SAMPLES.glob("*.hbom.cdx.json")):
        n += _assert_same(list(_components(orjson.loads(path.read_bytes()))))
    doc = server_bom("S-1", parts=[part("hw:gpu", "GPU", "gpu", "CN", part_number="GPU-1")],
                     n_fillers=20)  # fmt: skip
    n += _assert_same(list(_components(doc)))
    assert n > 100
    # the usual shape takes the fast path
    assert None not in [_fast_columns(c) for c in _components(doc)]
    assert _fast_columns(_tricky("plain, with production")) == (
        "psu", None, None, "M", "S", "DE", ("DE", "JP", "MY", "TW"))  # fmt: skip


def test_rows_encoded_while_flattened_are_the_copy_text_of_the_rows() -> None:
    odd = part("hw:odd", "tab\there \\N, new\nline, \x01\x02", "nic", "US", part_number="P\t1")
    doc = server_bom("S-1", parts=[odd, _tricky("plain, with production")], n_fillers=5)
    flat = flatten(doc, "x.json", {"hw:odd": "delivery\tok"}, encode=copy_line)
    assert flat.lines is not None and len(flat.lines) == len(flat.rows) == 9
    assert copy_text(flat.rows, flat.lines) == copy_text(flat.rows)
    assert b"tab\\there \\\\N" in copy_text(flat.rows) and b"delivery\\tok" in copy_text(flat.rows)
    # a value that is not a string: no lines, and the per-value path
    assert flatten(doc, "x.json", encode=lambda row: copy_line((*row, 1))).lines is None  # type: ignore[arg-type]


def test_a_component_with_only_production_countries_has_no_judged_country() -> None:
    cols = _provenance_columns(TRICKY[2])
    assert cols[5] is None and cols[6] == ("JP", "TW")
    flat = flatten({"components": [TRICKY[2]]}, "x.json")
    assert flat.rows[0][12] is None and flat.rows[0][13] == ",JP,TW,"


@pytest.mark.corpus
def test_one_pass_columns_equal_provenance_of_on_the_corpus(corpus: Path) -> None:
    n = 0
    for path in sorted(corpus.rglob("*.json")):
        try:
            doc = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
            n += _assert_same([c for c in _components(doc) if isinstance(c, dict)])
    assert n > 0
