"""The minimum-elements profiles shipped as data (``profiles/*.yaml``), loaded and checked."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from sovbom._io import parse_yaml
from sovbom.conformance.model import Element, Profile, Scope, Source
from sovbom.conformance.probes import COMPONENT_PROBES, DOCUMENT_PROBES
from sovbom.errors import InputError


class ProfileId(StrEnum):
    NTIA_2021 = "ntia-2021"
    CISA_2026 = "cisa-2026"
    BSI_TR_03183_2 = "bsi-tr-03183-2"


def _element(raw: Any, where: str) -> Element:
    try:
        scope = Scope(raw["scope"])
        element = Element(
            id=str(raw["id"]),
            name=str(raw["name"]),
            scope=scope,
            probe=str(raw["probe"]),
            section=str(raw["section"]),
            definition=str(raw["definition"]),
            required=bool(raw.get("required", True)),
            software_only=bool(raw.get("software_only", False)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"malformed element: {e}", source=where) from e
    probes = DOCUMENT_PROBES if scope is Scope.DOCUMENT else COMPONENT_PROBES
    if element.probe not in probes:
        raise InputError(
            f"element {element.id}: unknown {scope} probe {element.probe!r}", source=where
        )
    return element


@cache
def load_profile(profile: ProfileId) -> Profile:
    """The profile's data file, parsed and checked against the probe registry."""
    name = f"{profile.value}.yaml"
    data = resources.files("sovbom.conformance").joinpath("profiles", name).read_bytes()
    raw = parse_yaml(data, name)
    src = raw["source"]
    return Profile(
        id=str(raw["id"]),
        title=str(raw["title"]),
        source=Source(
            publisher=str(src["publisher"]),
            document=str(src["document"]),
            date=str(src["date"]),
            url=src.get("url"),
        ),
        elements=tuple(_element(e, name) for e in raw["elements"]),
    )
