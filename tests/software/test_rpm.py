from __future__ import annotations

import pytest

from conftest import edges, unreachable_from_root
from helpers import assert_valid_bom
from sovbom.collect.dpkg import OsInfo
from sovbom.collect.rpm import (
    FIELD_SEP,
    LIST_SEP,
    RECORD_SEP,
    collect_rpm,
    parse_query_output,
    rpm_database_present,
)
from sovbom.errors import InputError


def record(
    name,
    epoch,
    version,
    release,
    arch,
    requires=(),
    provides=(),
    vendor="Rocky Enterprise Software Foundation",
):
    fields = [
        name,
        epoch,
        version,
        release,
        arch,
        vendor,
        "Rocky Linux Build System",
        "GPL-2.0-or-later",
        f"{name}-{version}-{release}.src.rpm",
        f"{name} summary",
    ]
    return (
        FIELD_SEP.join(fields)
        + FIELD_SEP
        + "".join(r + LIST_SEP for r in requires)
        + FIELD_SEP
        + "".join(p + LIST_SEP for p in provides)
        + RECORD_SEP
    )


OUTPUT = (
    record(
        "glibc",
        "(none)",
        "2.34",
        "100.el9",
        "x86_64",
        ["rpmlib(CompressedFileNames)", "/bin/sh"],
        ["glibc", "libc.so.6()(64bit)"],
    )
    + record(
        "bash",
        "(none)",
        "5.1.8",
        "9.el9",
        "x86_64",
        ["libc.so.6()(64bit)", "libtinfo.so.6()(64bit)"],
        ["bash", "/bin/sh"],
    )
    + record("tzdata", "0", "2024a", "1.el9", "noarch")
    + record("openssl-libs", "1", "3.0.7", "27.el9", "x86_64", ["glibc"], ["openssl-libs"])
)


def test_parse_query_output() -> None:
    result = parse_query_output(OUTPUT, "rpm -qa", os_info=OsInfo(id="rocky", version_id="9.4"))
    doc = result.doc
    assert_valid_bom(doc)
    assert result.packages == OUTPUT.count(RECORD_SEP) == 4
    by_name = {c["name"]: c for c in doc["components"]}
    assert by_name["openssl-libs"]["purl"] == (
        "pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9.4&epoch=1"
    )
    assert by_name["tzdata"]["purl"].endswith("?arch=noarch&distro=rocky-9.4")
    assert by_name["bash"]["supplier"] == {"name": "Rocky Enterprise Software Foundation"}
    e = edges(doc)
    assert (by_name["bash"]["bom-ref"], by_name["glibc"]["bom-ref"]) in e
    assert (by_name["openssl-libs"]["bom-ref"], by_name["glibc"]["bom-ref"]) in e
    assert any("1 requirement(s)" in n for n in result.notes)  # libtinfo
    assert not unreachable_from_root(doc)


def test_malformed_output() -> None:
    with pytest.raises(InputError, match="rpm -qa: record 1: expected 12 fields"):
        parse_query_output("a\x1fb" + RECORD_SEP, "rpm -qa")


def test_this_machine() -> None:
    if not rpm_database_present():
        pytest.skip("no rpm database on this machine")
    result = collect_rpm()
    assert_valid_bom(result.doc)
