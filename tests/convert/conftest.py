"""Validators for the converted documents: the official schemas of each target format."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SPDX_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "third_party" / "spdx"


@cache
def _json_validator(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads((SPDX_SCHEMAS / name).read_text()))


def spdx_errors(data: bytes, version: str) -> list[str]:
    """Schema errors of an SPDX 2.3 JSON or SPDX 3.0.1 JSON-LD document."""
    name = "spdx-schema-2.3.json" if version == "2.3" else "spdx-json-schema-3.0.1.json"
    return [str(e.message)[:300] for e in _json_validator(name).iter_errors(json.loads(data))]


def xml_errors(data: bytes, version: str) -> list[str]:
    """XSD errors of a CycloneDX XML document (the XSDs cyclonedx-python-lib ships, with lxml)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    schema = SchemaVersion.V1_6 if version == "1.6" else SchemaVersion.V1_7
    error = XmlValidator(schema).validate_str(data.decode("utf-8"))
    return [] if error is None else [str(error)]


@pytest.fixture
def validate() -> Callable[[bytes, str], list[str]]:
    """``validate(data, target)``: the schema errors of a converted document."""

    def run(data: bytes, target: str) -> list[str]:
        if target.startswith("cyclonedx-xml-"):
            return xml_errors(data, target.rsplit("-", 1)[1])
        return spdx_errors(data, target.split("-", 1)[1])

    return run
