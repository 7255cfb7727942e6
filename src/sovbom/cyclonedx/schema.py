"""Validation against the official CycloneDX JSON schemas.

The schemas are vendored in ``schemas/third_party/cyclonedx/`` (``sovbom/schemas/...`` when
installed; provenance and licence in ``schemas/third_party/README.md``); their ``$ref``s to the
SPDX, JSF and cryptography-defs schemas are resolved from the same directory. Nothing is fetched
over the network: any other reference is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from sovbom._io import json_pointer

_SCHEMA_HOST = "http://cyclonedx.org/schema/"
_VENDORED = ("third_party", "cyclonedx")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document, at a JSON path."""

    path: str
    message: str
    kind: str = "schema"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@cache
def schema_dir() -> Path:
    """The directory of the vendored CycloneDX schemas (inside the installed package, else the
    source tree)."""
    packaged = Path(str(resources.files("sovbom"))).joinpath("schemas", *_VENDORED)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3].joinpath("schemas", *_VENDORED)


def schema_file(name: str) -> Path:
    """One vendored schema file by name (``bom-1.6.SNAPSHOT.schema.json``, ``spdx.SNAPSHOT.schema.json``)."""
    path = schema_dir() / name
    if "/" in name or "\\" in name or not path.is_file():
        raise ValueError(f"schema {name!r} is not available locally")
    return path


def _load_local(name: str) -> Any:
    return orjson.loads(schema_file(name).read_bytes())


def _retrieve(uri: str) -> Any:
    """Resolve a ``$ref`` to a sibling schema from local files; refuse everything else."""
    base = uri.split("#", 1)[0]
    if not base.startswith(_SCHEMA_HOST):
        raise ValueError(
            f"refusing to fetch schema {uri!r}: only bundled CycloneDX schemas are used"
        )
    return _load_local(base[len(_SCHEMA_HOST) :])


@cache
def validator(spec_version: str) -> Any:
    """A compiled jsonschema-rs validator for a CycloneDX spec version (cached)."""
    import jsonschema_rs

    schema = _load_local(f"bom-{spec_version}.SNAPSHOT.schema.json")
    return jsonschema_rs.validator_for(schema, retriever=_retrieve)


def schema_problems(doc: Any, spec_version: str, *, limit: int = 100) -> list[Problem]:
    """Validate ``doc`` against the schema of ``spec_version``; an empty list means valid."""
    v = validator(spec_version)
    if v.is_valid(doc):
        return []
    problems: list[Problem] = []
    for err in v.iter_errors(doc):
        message = str(err.message)
        if len(message) > 300:
            message = message[:297] + "..."
        problems.append(Problem(json_pointer(list(err.instance_path)), message))
        if len(problems) >= limit:
            break
    return problems
