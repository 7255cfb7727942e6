"""Hostile package metadata: long runs of spaces or brackets in the fields parsed with patterns.

Before the rewrite, a dpkg ``Maintainer`` or an SPDX ``supplier``/``originator`` of a few thousand
spaces took minutes (cubic backtracking) and a Python ``Author-email`` was quadratic. Each case
now finishes at once through ``sovbom collect software`` and keeps the meaning of the field.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from helpers import assert_valid_bom_file

SPACES = " " * 50_000


def _status(tmp_path: Path, **fields: str) -> Path:
    stanza = {
        "Package": "evil",
        "Status": "install ok installed",
        "Architecture": "amd64",
        "Version": "1.0",
        "Maintainer": "Jane Doe <jane@example.org>",
        **fields,
    }
    path = tmp_path / "status"
    path.write_text("".join(f"{k}: {v}\n" for k, v in stanza.items()))
    return path


def _collect(run_cli: Any, tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "sbom.cdx.json"
    result = run_cli("collect", "software", *args, "-o", str(out), "--reproducible")
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = assert_valid_bom_file(out)
    return doc


def _component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["name"] == name)


@pytest.mark.timeout(20)
def test_dpkg_maintainer_of_spaces(run_cli: Any, tmp_path: Path) -> None:
    status = _status(tmp_path, Maintainer=f"Jane{SPACES}Doe{SPACES}<jane@example.org>")
    doc = _collect(run_cli, tmp_path, "--dpkg-status", str(status))
    supplier = _component(doc, "evil")["supplier"]
    assert supplier["name"] == f"Jane{SPACES}Doe"
    assert supplier["contact"] == [{"name": f"Jane{SPACES}Doe", "email": "jane@example.org"}]


@pytest.mark.timeout(20)
def test_dpkg_maintainer_without_email_and_depends_of_spaces(run_cli: Any, tmp_path: Path) -> None:
    status = _status(tmp_path, Maintainer=f"x{SPACES}y", Depends=f"libc6{SPACES}(>= 2.36)")
    doc = _collect(run_cli, tmp_path, "--dpkg-status", str(status))
    assert _component(doc, "evil")["supplier"] == {"name": f"x{SPACES}y"}


def _spdx(tmp_path: Path, supplier: str, originator: str, creator: str) -> Path:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "hostile",
        "documentNamespace": "https://example.org/hostile",
        "creationInfo": {"created": "2025-01-01T00:00:00Z", "creators": [creator]},
        "packages": [
            {
                "SPDXID": "SPDXRef-evil",
                "name": "evil",
                "versionInfo": "1.0",
                "downloadLocation": "NOASSERTION",
                "supplier": supplier,
                "originator": originator,
            }
        ],
        "documentDescribes": ["SPDXRef-evil"],
    }
    path = tmp_path / "hostile.spdx.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.timeout(20)
def test_spdx_supplier_and_originator_of_spaces(run_cli: Any, tmp_path: Path) -> None:
    path = _spdx(
        tmp_path,
        supplier=f"Organization: Evil{SPACES}Corp{SPACES}(sbom@evil.example){SPACES}",
        originator=f"Person: a{SPACES}b",
        creator=f"Tool: maker{SPACES}x",
    )
    doc = _collect(run_cli, tmp_path, "--sbom", str(path))
    comp = doc["metadata"]["component"]
    assert comp["supplier"]["name"] == f"Evil{SPACES}Corp"
    assert comp["supplier"]["contact"] == [
        {"name": f"Evil{SPACES}Corp", "email": "sbom@evil.example"}
    ]


@pytest.mark.timeout(20)
def test_python_author_email_of_spaces_and_at_signs(run_cli: Any, tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    info = site / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    author = f'"Jane{SPACES}Doe" <jane@example.org>, a{SPACES}b, <{"@" * 50_000}'
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\nAuthor-email: {author}\n"
    )
    doc = _collect(run_cli, tmp_path, "--python-env", str(tmp_path / "venv"))
    comp = _component(doc, "evil")
    assert comp["authors"][0] == {"name": f"Jane{SPACES}Doe", "email": "jane@example.org"}


@pytest.mark.timeout(20)
def test_python_metadata_fifo_is_skipped_not_read(run_cli: Any, tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    good = site / "good-1.0.dist-info"
    good.mkdir(parents=True)
    (good / "METADATA").write_text("Metadata-Version: 2.1\nName: good\nVersion: 1.0\n")
    evil = site / "evil-1.0.dist-info"
    evil.mkdir()
    os.mkfifo(evil / "METADATA")  # reading it would block forever
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    doc = _collect(run_cli, tmp_path, "--python-env", str(tmp_path / "venv"))
    names = {c["name"] for c in doc["components"]}
    assert "good" in names and "evil" not in names
