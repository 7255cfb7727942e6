"""The vendored CycloneDX schemas are the official ones, as cyclonedx-python-lib ships them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import orjson
import pytest

from sovbom.cyclonedx.document import READ_VERSIONS
from sovbom.cyclonedx.schema import schema_dir, schema_file, validator

VENDORED = Path(__file__).resolve().parents[2] / "schemas" / "third_party" / "cyclonedx"


def _installed_dir() -> Path | None:
    spec = importlib.util.find_spec("cyclonedx")
    if spec is None or spec.origin is None:
        return None
    res = Path(spec.origin).parent / "schema" / "_res"
    return res if res.is_dir() else None


def test_the_validator_reads_the_vendored_copies() -> None:
    # the vendored directory: in the source tree, or its copy inside an installed package
    found = schema_dir()
    assert (found.parent.name, found.name) == ("third_party", "cyclonedx")
    for path in VENDORED.glob("*.json"):
        assert (found / path.name).read_bytes() == path.read_bytes(), path.name
    for version in READ_VERSIONS:
        assert schema_file(f"bom-{version}.SNAPSHOT.schema.json").parent == schema_dir()
        assert validator(version).is_valid({"bomFormat": "CycloneDX", "specVersion": version})
    with pytest.raises(ValueError, match="not available locally"):
        schema_file("../policy.schema.json")


def test_vendored_files_have_their_licence_and_provenance() -> None:
    assert (VENDORED / "LICENSE").read_text().lstrip().startswith("Apache License")
    readme = (VENDORED.parent / "README.md").read_text()
    for path in VENDORED.glob("*.json"):
        assert path.name.split(".SNAPSHOT")[0] in readme, path.name


def test_vendored_files_equal_the_installed_library_files() -> None:
    installed = _installed_dir()
    if installed is None:
        pytest.skip(
            "cyclonedx-python-lib no longer ships its schemas in cyclonedx/schema/_res/: compare"
            " schemas/third_party/cyclonedx/ with the specification by hand"
        )
    names = sorted(p.name for p in VENDORED.glob("*.json"))
    assert names, "no vendored schema"
    for name in names:
        theirs = installed / name
        assert theirs.is_file(), f"{name} is no longer shipped by cyclonedx-python-lib"
        assert (VENDORED / name).read_bytes() == theirs.read_bytes(), (
            f"{name} differs from the installed cyclonedx-python-lib's: refresh the vendored copy"
            " (and its sha256 in schemas/third_party/README.md) deliberately"
        )


# ---------------------------------------------- CycloneDX enumerations, from their public API


def test_hash_algorithms_are_those_of_the_written_versions() -> None:
    """sovbom writes 1.6 by default: its hash names are that schema's (1.7 adds Streebog)."""
    from cyclonedx.model import HashAlgorithm

    from sovbom.model import HASH_ALGORITHMS

    schema = orjson.loads(schema_file("bom-1.6.SNAPSHOT.schema.json").read_bytes())
    assert list(HASH_ALGORITHMS) == schema["definitions"]["hash-alg"]["enum"]
    assert set(HASH_ALGORITHMS) <= {a.value for a in HashAlgorithm}


def test_manifest_enumerations_are_cyclonedx_ones() -> None:
    from cyclonedx.model import ExternalReferenceType, HashAlgorithm
    from cyclonedx.model.component import ComponentType
    from cyclonedx.schema import SchemaVersion

    from sovbom.cyclonedx.document import WRITE_VERSIONS

    manifest = orjson.loads((VENDORED.parents[1] / "manifest.schema.json").read_bytes())
    enums = _enums(manifest)
    for marker, allowed in (
        ("SHA-256", {a.value for a in HashAlgorithm}),
        ("certification-report", {t.value for t in ExternalReferenceType}),
        ("operating-system", {t.value for t in ComponentType}),
    ):
        found = [values for values in enums if marker in values]
        assert found, marker
        for values in found:
            assert set(values) <= allowed, marker
    assert set(WRITE_VERSIONS) | set(READ_VERSIONS) <= {v.to_version() for v in SchemaVersion}


def _enums(node: object) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            out.append(tuple(v for v in node["enum"] if isinstance(v, str)))
        for value in node.values():
            out.extend(_enums(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_enums(value))
    return out
