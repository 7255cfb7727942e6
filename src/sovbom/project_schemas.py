"""sovbom's own JSON Schemas (``schemas/`` in the repository, ``sovbom/schemas`` when installed)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import yaml

from sovbom._io import json_pointer
from sovbom._yaml import compose_yaml
from sovbom.errors import InputError


def schema_dir() -> Path:
    """Where the project's schemas are: inside the installed package, else the source tree."""
    packaged = Path(str(resources.files("sovbom"))) / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


@cache
def load_schema(name: str) -> Any:
    path = schema_dir() / name
    return orjson.loads(path.read_bytes())


@cache
def validator(name: str) -> Any:
    """A compiled jsonschema-rs validator for one of the project's schemas (cached)."""
    return jsonschema_rs.validator_for(load_schema(name))


def yaml_line(data: bytes, path: list[str | int]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (None when it cannot be located)."""
    node = compose_yaml(data)
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    node = value
                    line = key.start_mark.line + 1
                    break
            else:
                return line
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def check_against(
    instance: Any,
    schema_name: str,
    source: str,
    *,
    yaml_data: bytes | None = None,
    what: str,
    deepest: bool = True,
) -> None:
    """Raise InputError naming one schema problem: its JSON path (and line, for YAML).

    ``deepest`` picks the most precise problem (the deepest path); otherwise the shallowest.
    """
    v = validator(schema_name)
    if v.is_valid(instance):
        return
    errors = list(v.iter_errors(instance))
    errors.sort(key=lambda e: (len(list(e.instance_path)), list(map(str, e.instance_path))))
    err = errors[-1] if deepest else errors[0]
    path = list(err.instance_path)
    location = json_pointer(path)
    if yaml_data is not None:
        line = yaml_line(yaml_data, path)
        if line is not None:
            location = f"line {line} ({location})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise InputError(f"{what}: {err.message}{more}", source=source, location=location)
