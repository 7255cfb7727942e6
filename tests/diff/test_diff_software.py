"""Software matched by purl, then name and version; fields compared one by one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sovbom.cyclonedx.reader import parse_bom
from sovbom.diff import DiffReport, Status, diff_boms, purl_key


def _bom(*components: dict[str, Any], root: dict[str, Any] | None = None) -> bytes:
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                           "components": list(components)}  # fmt: skip
    if root is not None:
        doc["metadata"] = {"component": root}
    return json.dumps(doc).encode()


def _diff(a: bytes, b: bytes) -> DiffReport:
    return diff_boms(parse_bom(a, "a.cdx.json"), parse_bom(b, "b.cdx.json"))


def _lib(name: str, version: str, purl: str | None = None, **extra: Any) -> dict[str, Any]:
    comp: dict[str, Any] = {"type": "library", "bom-ref": f"{name}@{version}", "name": name,
                            "version": version, **extra}  # fmt: skip
    if purl is not None:
        comp["purl"] = purl
    return comp


@pytest.mark.parametrize(
    ("purl", "key"),
    [
        ("pkg:npm/%40angular/core@17.0.1", ("npm/@angular/core", "17.0.1")),
        ("pkg:npm/@angular/core@17.0.1?x=1#sub", ("npm/@angular/core", "17.0.1")),
        ("pkg:DEB/debian/libc6@2.36-9?arch=amd64&distro=debian-12", ("deb/debian/libc6", "2.36-9")),
        ("pkg:golang/golang.org/x/net", ("golang/golang.org/x/net", None)),
        ("not a purl", None),
        ("pkg:", None),
    ],
)
def test_purl_key(purl: str, key: tuple[str, str | None] | None) -> None:
    assert purl_key(purl) == key


def test_same_purl_other_qualifiers_is_the_same_package() -> None:
    a = _bom(_lib("libc6", "2.36", "pkg:deb/debian/libc6@2.36?arch=amd64&package-id=abc"))
    b = _bom(_lib("libc6", "2.36", "pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12"))
    (entry,) = _diff(a, b).entries
    assert entry.matched_by == "purl"
    assert [c.field for c in entry.changes] == ["purl"]


def test_a_new_version_is_a_change_not_an_addition() -> None:
    a = _bom(_lib("openssl", "3.0.13", "pkg:deb/debian/openssl@3.0.13"))
    b = _bom(_lib("openssl", "3.0.15", "pkg:deb/debian/openssl@3.0.15"))
    (entry,) = _diff(a, b).entries
    assert (entry.status, entry.matched_by) == (Status.CHANGED, "purl-name")
    assert [(c.field, c.a, c.b) for c in entry.changes if c.field == "version"] == [
        ("version", "3.0.13", "3.0.15")
    ]


def test_two_versions_side_by_side_pair_the_unchanged_one_first() -> None:
    a = _bom(_lib("lodash", "4.17.20", "pkg:npm/lodash@4.17.20"),
             _lib("lodash", "4.17.21", "pkg:npm/lodash@4.17.21"))  # fmt: skip
    b = _bom(_lib("lodash", "4.17.21", "pkg:npm/lodash@4.17.21"),
             _lib("lodash", "4.18.0", "pkg:npm/lodash@4.18.0"))  # fmt: skip
    report = _diff(a, b)
    assert report.counts() == {"removed": 0, "added": 0, "changed": 1, "moved": 0, "unchanged": 1}
    (changed,) = report.differences
    assert (changed.a_ref, changed.b_ref) == ("lodash@4.17.20", "lodash@4.18.0")


def test_without_purl_name_and_version_then_name() -> None:
    a = _bom(_lib("zlib", "1.3"), _lib("busybox", "1.36"))
    b = _bom(_lib("busybox", "1.37"), _lib("zlib", "1.3"))
    by_name = {e.name: e for e in _diff(a, b).entries}
    assert (by_name["zlib"].status, by_name["zlib"].matched_by) == (
        Status.UNCHANGED,
        "name-version",
    )
    assert (by_name["busybox"].status, by_name["busybox"].matched_by) == (Status.CHANGED, "name")


def test_one_side_without_purl_still_matches_by_name_and_version() -> None:
    a = _bom(_lib("requests", "2.32.3", "pkg:pypi/requests@2.32.3"))
    b = _bom(_lib("requests", "2.32.3"))
    (entry,) = _diff(a, b).entries
    assert entry.matched_by == "name-version"
    assert [(c.field, c.b) for c in entry.changes] == [("purl", None)]


def test_same_name_in_two_ecosystems_is_two_packages() -> None:
    a = _bom(_lib("yaml", "2.4.1", "pkg:npm/yaml@2.4.1"))
    b = _bom(_lib("yaml", "2.4.1", "pkg:cargo/yaml@2.4.1"))
    assert sorted(str(e.status) for e in _diff(a, b).entries) == ["added", "removed"]


def test_field_by_field() -> None:
    before = _lib(
        "app", "1.0", "pkg:generic/app@1.0",
        supplier={"name": "Acme"}, manufacturer={"name": "Acme KK"},
        licenses=[{"license": {"id": "MIT"}}],
        hashes=[{"alg": "SHA-256", "content": "AA" * 32}, {"alg": "SHA-1", "content": "bb" * 20}],
        properties=[{"name": "sovbom:origin:country", "value": "JP"},
                    {"name": "build", "value": "7"}, {"name": "tag", "value": "x"}],
    )  # fmt: skip
    after = _lib(
        "app", "1.0", "pkg:generic/app@1.0",
        supplier={"name": "Acme Europe"}, manufacturer={"name": "Acme KK"},
        licenses=[{"expression": "MIT OR Apache-2.0"}],
        hashes=[{"alg": "SHA-256", "content": "aa" * 32}, {"alg": "SHA-1", "content": "cc" * 20}],
        properties=[{"name": "sovbom:origin:country", "value": "DE"},
                    {"name": "build", "value": "8"}, {"name": "tag", "value": "x"}],
    )  # fmt: skip
    (entry,) = _diff(_bom(before), _bom(after)).entries
    assert entry.status is Status.CHANGED
    assert [(c.field, c.a, c.b) for c in entry.changes] == [
        ("supplier", "Acme", "Acme Europe"),
        ("licenses", "MIT", "MIT OR Apache-2.0"),
        ("country", "JP", "DE"),
        ("hash:SHA-1", "bb" * 20, "cc" * 20),
        ("property:build", "7", "8"),
    ]  # the SHA-256 differs only in case: the same digest


def test_subjects_are_compared_and_never_moved() -> None:
    root_a = {"type": "application", "bom-ref": "app", "name": "app", "version": "1"}
    root_b = {"type": "application", "bom-ref": "app-2", "name": "app", "version": "2"}
    report = _diff(_bom(root=root_a), _bom(root=root_b))
    (entry,) = report.entries
    assert (entry.matched_by, entry.moved) == ("root", False)
    assert [c.field for c in entry.changes] == ["version"]


def test_software_moved_under_another_component() -> None:
    inner = _lib("left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0")
    host = _lib("host", "1", "pkg:npm/host@1")
    a = _bom(host, inner)
    b = _bom({**host, "components": [inner]})
    by_name = {e.name: e for e in _diff(a, b).entries}
    moved = by_name["left-pad"]
    assert moved.status is Status.MOVED
    assert moved.moved_from is not None and moved.moved_from.ref is None
    assert moved.moved_to is not None and moved.moved_to.ref == "host@1"
