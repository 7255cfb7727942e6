"""Synthetic server BOMs for the fleet tests and benchmark (valid CycloneDX 1.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _org(name: str, country: str) -> dict[str, Any]:
    return {"name": name, "address": {"country": country}}


def part(ref: str, name: str, cls: str, country: str, *, part_number: str | None = None,
         serial: str | None = None, supplier: str = "Parts Co", version: str | None = None,
         children: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    props = [{"name": "sovbom:class", "value": cls},
             {"name": "sovbom:origin:country", "value": country}]  # fmt: skip
    if part_number:
        props.append({"name": "sovbom:part-number", "value": part_number})
    if serial:
        props.append({"name": "cdx:device:serialNumber", "value": serial})
    comp: dict[str, Any] = {"type": "device", "bom-ref": ref, "supplier": _org(supplier, country),
                            "manufacturer": _org(supplier, country), "name": name,
                            "properties": props}  # fmt: skip
    if version:
        comp["version"] = version
    if children:
        comp["components"] = children
    return comp


def server_bom(
    serial: str,
    *,
    parts: list[dict[str, Any]] | None = None,
    n_fillers: int = 0,
    timestamp: str | None = None,
    site: str = "Plant A",
) -> dict[str, Any]:
    """A server: a chassis holding ``parts`` and ``n_fillers`` domestic memory modules."""
    fillers = [
        part(f"hw:dimm{i}", f"DIMM {i}", "memory", "JP", part_number="MEM-32G",
             serial=f"{serial}-M{i}", supplier="Domestic Memory KK")
        for i in range(n_fillers)
    ]  # fmt: skip
    chassis = part("hw:chassis", "Chassis", "chassis", "JP", part_number="CH-1",
                   serial=f"{serial}-CH", children=[*(parts or []), *fillers])  # fmt: skip
    root = part("hw:server", f"Server {serial}", "server", "JP", part_number="SRV-1",
                serial=serial, supplier="Integrator KK")  # fmt: skip
    root["properties"] += [
        {"name": "sovbom:production:final-assembly:site", "value": site},
        {"name": "sovbom:production:final-assembly:country", "value": "JP"},
    ]
    metadata: dict[str, Any] = {"component": root}
    if timestamp:
        metadata["timestamp"] = timestamp
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": [chassis],
        "dependencies": [{"ref": "hw:server", "dependsOn": ["hw:chassis"]}],
    }


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return path


def policy(path: Path, *, denied: list[str] = (), approved: list[str] = ("US", "TW")) -> Path:  # type: ignore[assignment]
    path.write_text(
        "domestic_countries: [JP]\n"
        f"approved_countries: [{', '.join(approved)}]\n"
        f"denied_countries: [{', '.join(denied)}]\n"
        "critical_types: [firmware]\n"
        "verification: {critical: declared, default: declared}\n"
    )
    return path


def downgrade(url: str, revision: str) -> None:
    """Take the fleet at ``url`` back to schema ``revision`` with the migrations' own downgrades."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    import sovbom.fleet.store as store_module
    from sovbom.fleet.store import resolve_url

    engine = create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            config = Config()
            location = Path(store_module.__file__).parent / "migrations"
            config.set_main_option("script_location", str(location))
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()
