"""Validation against the official CycloneDX JSON schemas.

The schemas are the ones cyclonedx-python-lib ships; their ``$ref``s to the SPDX, JSF and
cryptography-defs schemas are resolved from the same directory. Nothing is fetched over the network:
any other reference is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from sovbom._io import json_pointer

_SCHEMA_PACKAGE = "cyclonedx.schema._res"
_SCHEMA_HOST = "http://cyclonedx.org/schema/"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document, at a JSON path."""

    path: str
    message: str
    kind: str = "schema"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _schema_dir() -> Path:
    return Path(str(resources.files(_SCHEMA_PACKAGE)))


def _load_local(name: str) -> Any:
    path = _schema_dir() / name
    if "/" in name or not path.is_file():
        raise ValueError(f"schema {name!r} is not available locally")
    return orjson.loads(path.read_bytes())


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
