from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import edges, unreachable_from_root
from helpers import assert_valid_bom
from sovbom.collect.python_env import canonical_name, collect_python_env, find_site_packages
from sovbom.errors import InputError


def _dist(site: Path, name: str, version: str, *requires: str, extra: str = "") -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Summary: test"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n" + extra)


def test_fake_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    (venv / "pyvenv.cfg").parent.mkdir(parents=True, exist_ok=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    _dist(
        site,
        "Requests",
        "2.32.3",
        "charset_normalizer<4,>=2",
        "urllib3 (<3,>=1.21.1)",
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
    )
    _dist(site, "charset-normalizer", "3.3.2")
    _dist(
        site,
        "urllib3",
        "2.2.2",
        'brotli; platform_python_implementation == "CPython"',
        extra="License-Expression: MIT\n",
    )
    result = collect_python_env(venv)
    doc = result.doc
    assert_valid_bom(doc)
    assert result.packages == 3
    by_name = {c["name"]: c for c in doc["components"]}
    req = by_name["Requests"]
    assert req["purl"] == "pkg:pypi/requests@2.32.3"
    assert by_name["urllib3"]["licenses"] == [{"expression": "MIT"}]
    e = edges(doc)
    assert (req["bom-ref"], by_name["charset-normalizer"]["bom-ref"]) in e
    assert (req["bom-ref"], by_name["urllib3"]["bom-ref"]) in e
    assert not [t for a, t in e if a == by_name["urllib3"]["bom-ref"]]
    assert any("1 requirement(s)" in n for n in result.notes)  # brotli is not installed
    assert doc["metadata"]["component"]["version"] == "3.11.2"
    assert not unreachable_from_root(doc)


def test_this_interpreter_environment() -> None:
    sites = find_site_packages(sys.prefix)
    names = {canonical_name(p.name.split("-")[0]) for s in sites for p in s.glob("*.dist-info")}
    result = collect_python_env(sys.prefix)
    assert_valid_bom(result.doc)
    assert {canonical_name(c["name"]) for c in result.doc["components"]} == names
    assert "pytest" in names


def test_not_an_environment(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no site-packages folder found"):
        collect_python_env(tmp_path)
    with pytest.raises(InputError, match="no such directory"):
        collect_python_env(tmp_path / "missing")
