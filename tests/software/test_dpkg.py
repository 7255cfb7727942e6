from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edges, installed_stanzas, unreachable_from_root, walk_components
from helpers import assert_valid_bom
from sovbom.collect.dpkg import (
    collect_dpkg,
    compare_versions,
    parse_relations,
    parse_status,
    read_os_release,
)
from sovbom.errors import InputError

P = "pkg:deb/debian/"
Q = "&distro=debian-12"


def ref(name: str, version: str, arch: str = "amd64") -> str:
    return f"{P}{name}@{version.replace('+', '%2B')}?arch={arch}{Q}"


@pytest.fixture
def sbom(data: Path):
    return collect_dpkg(data / "status", os_info=read_os_release(data / "os-release"))


def test_installed_packages_become_components(sbom, data: Path) -> None:
    expected = installed_stanzas((data / "status").read_text())
    assert len(expected) == 9  # 11 stanzas, one removed and one half-installed
    comps = sbom.doc["components"]
    assert sbom.packages == len(comps) == len(expected)
    assert {(c["name"], c["version"]) for c in comps} == {
        (s["Package"], s["Version"]) for s in expected
    }
    assert_valid_bom(sbom.doc)
    assert any("2 package stanza(s) not in state 'installed'" in n for n in sbom.notes)


def test_component_fields(sbom) -> None:
    by_ref = {c["bom-ref"]: c for c in sbom.doc["components"]}
    gcc = by_ref[ref("libgcc-s1", "12.2.0-14")]
    assert gcc["purl"] == gcc["bom-ref"]
    assert gcc["supplier"]["name"] == "Debian GCC Maintainers"
    assert gcc["supplier"]["contact"][0]["email"] == "debian-gcc@lists.debian.org"
    props = {p["name"]: p["value"] for p in gcc["properties"]}
    assert props["sovbom:package:source"] == "gcc-12"
    assert props["sovbom:package:source-version"] == "12.2.0-14"
    assert props["sovbom:package:architecture"] == "amd64"
    base = by_ref[ref("base-files", "12.4+deb12u5")]
    assert base["description"] == "Debian base system miscellaneous files"
    assert base["externalReferences"] == [
        {"type": "website", "url": "https://tracker.debian.org/pkg/base-files"}
    ]
    # multi-arch: the same package twice, two components
    assert ref("libc6", "2.36-9+deb12u4", "i386") in by_ref
    root = sbom.doc["metadata"]["component"]
    assert root == {
        "type": "operating-system",
        "bom-ref": "os:debian@12",
        "name": "debian",
        "version": "12",
        "description": "Debian GNU/Linux 12 (bookworm)",
    }


def test_dependencies_resolve_alternatives_virtuals_and_pre_depends(sbom) -> None:
    e = edges(sbom.doc)
    foo = ref("foo", "1:1.0-1+b1")
    libc = ref("libc6", "2.36-9+deb12u4")
    assert (foo, libc) in e  # Pre-Depends
    assert (foo, ref("mawk", "1.3.4.20200120-3.1")) in e  # awk: virtual, provided by mawk
    assert (foo, ref("libnew", "2.1-1")) in e  # libold (>= 2.0) is 1.5: the alternative wins
    assert (foo, ref("libold", "1.5-1")) not in e
    assert (foo, ref("vprovider", "3.0-2", "all")) in e  # vpkg (>= 2) by a versioned Provides
    # vpkg-unversioned (>= 1): an unversioned Provides does not satisfy it, 'base' does
    assert (foo, ref("base-files", "12.4+deb12u5")) in e
    assert (ref("libgcc-s1", "12.2.0-14"), libc) in e  # Pre-Depends with a version
    assert (libc, ref("libgcc-s1", "12.2.0-14")) in e
    # libc6:i386 -> libgcc-s1: only the amd64 one (Multi-Arch: same) is installed
    assert not [t for a, t in e if a == ref("libc6", "2.36-9+deb12u4", "i386")]
    # missing-package and libgcc-s1 for i386 stay unresolved, and are counted
    assert any("2 Depends/Pre-Depends relation(s)" in n for n in sbom.notes)
    assert not unreachable_from_root(sbom.doc)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0", 0),
        ("1.0", "1.0-1", -1),
        ("1:0.1", "2.0", 1),
        ("1.0~rc1", "1.0", -1),
        ("1.0~~", "1.0~", -1),
        ("2.36-9+deb12u4", "2.36-9", 1),
        ("1.2.10", "1.2.9", 1),
        ("1.0a", "1.0", 1),
        ("1.0", "1.0+b1", -1),
        ("0:1.0", "1.0", 0),
    ],
)
def test_version_comparison(a: str, b: str, expected: int) -> None:
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


def test_relation_parsing() -> None:
    rels = parse_relations("a (>= 1.0) | b:any, c [amd64], d (<< 2)", "x", 1)
    assert rels == [
        [("a", None, ">=", "1.0"), ("b", "any", None, None)],
        [("c", None, None, None)],
        [("d", None, "<<", "2")],
    ]


def test_malformed_status_names_the_line() -> None:
    with pytest.raises(InputError, match=r"status: line 3: expected 'Field: value'"):
        parse_status(b"Package: a\nStatus: install ok installed\nno colon here\n", "status")
    with pytest.raises(InputError, match=r"line 1: continuation line"):
        parse_status(b" orphan continuation\n", "status")
    with pytest.raises(InputError, match=r"line 1: installed package 'a' has no Version"):
        parse_status(b"Package: a\nStatus: install ok installed\nArchitecture: all\n", "status")
    with pytest.raises(InputError, match=r"line 2: not UTF-8"):
        parse_status(b"Package: a\nDescription: \xff\n", "status")
    with pytest.raises(InputError, match=r"line 4: cannot parse package relation"):
        parse_status(
            b"Package: a\nStatus: install ok installed\nVersion: 1\n"
            b"Depends: (>= 1)\nArchitecture: all\n",
            "status",
        )


def test_this_machine(tmp_path: Path) -> None:
    status = Path("/var/lib/dpkg/status")
    if not status.is_file():
        pytest.skip("no dpkg status on this machine")
    result = collect_dpkg(status, os_info=read_os_release())
    expected = installed_stanzas(status.read_text(encoding="utf-8"))
    assert result.packages == len(expected) == len(list(walk_components(result.doc))) - 1
    assert_valid_bom(result.doc)
    assert not unreachable_from_root(result.doc)
