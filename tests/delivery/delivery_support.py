"""Helpers of the delivery tests (importable: tests/delivery is on sys.path)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockup import Inventory, inventory_from_hbom, write_mockup
from signing_support import IDENTITY, ISSUER, Trust, invoke

REPO = Path(__file__).resolve().parents[2]

MANIFEST = REPO / "samples" / "hgx-b200-jp.manifest.yaml"
SCHEMAS = REPO / "schemas"
UNTRUSTED = "someone-else@elsewhere.example"


def device(ref: str, serial: Any, **extra: Any) -> dict[str, Any]:
    """A DIMM-like device component with its serial, class and slot properties (``extra``: more
    fields, e.g. ``components``)."""
    return {
        "type": "device",
        "bom-ref": ref,
        "name": f"part {ref}",
        "manufacturer": {"name": "Samsung Electronics Co., Ltd."},
        "properties": [
            {"name": "sovbom:class", "value": "memory"},
            {"name": "cdx:device:serialNumber", "value": serial},
            {"name": "sovbom:slot", "value": f"SLOT-{ref}"},
        ],
        **extra,
    }


@dataclass
class Factory:
    """The factory side: a server's HBOM built from its manifest and signed."""

    hbom: Path
    bundle: Path
    signers: Path
    trust: Trust

    @property
    def doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.hbom.read_text())
        return doc

    def inventory(self) -> Inventory:
        return inventory_from_hbom(self.doc)

    def verify(self, *args: str | Path, env: dict[str, str] | None = None) -> Any:
        """Run ``sovbom verify-delivery`` against this factory HBOM with the test trust root."""
        return invoke(
            "verify-delivery", "--signers", self.signers, "--trust-config", self.trust.trust_config,
            "--offline", *args, env=env,
        )  # fmt: skip


def sign(trust: Trust, path: Path, identity: str = IDENTITY) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(identity),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


def build(manifest: Path, out: Path) -> Path:
    result = invoke("build", "--manifest", manifest, "-o", out, "--reproducible")
    assert result.exit_code == 0, result.stderr
    return out


def write_signers(path: Path) -> Path:
    path.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
    )
    return path


def validator(name: str) -> Any:
    import jsonschema_rs

    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema_rs.validator_for(schema)


def assert_valid(doc: Any, schema: str) -> None:
    v = validator(schema)
    errors = [f"{e.instance_path}: {e.message}" for e in v.iter_errors(doc)]
    assert not errors, errors[:5]


def make_shipment(factory: Factory, root: Path, n: int, bad: dict[int, str]) -> Path:
    """n servers (server-00 ...), each with its own serials; ``bad`` maps index -> defect."""
    ship = root / "shipment"
    base = factory.hbom.read_text()
    for i in range(n):
        d = ship / f"server-{i:02d}"
        d.mkdir(parents=True)
        expected = d / "expected.cdx.json"
        expected.write_text(base.replace("SAMPLE-", f"S{i:02d}-"))
        sign(factory.trust, expected)
        inv = inventory_from_hbom(json.loads(expected.read_text()))
        defect = bad.get(i)
        if defect == "dimm":
            inv.find(slot="DIMM_B1").serial = f"S{i:02d}-DIMM-SWAPPED"
        if defect == "unsigned":
            (d / "expected.cdx.json.sigstore.json").unlink()
        if i % 2:  # half the servers as a Redfish mockup directory, half as an observed HBOM
            write_mockup(inv, d / "redfish")
        else:
            mock = write_mockup(inv, root / f"mock-{i}")
            result = invoke(
                "collect", "hardware", "--redfish-mockup", mock, "-o", d / "observed.cdx.json"
            )
            assert result.exit_code == 0, result.stderr
            shutil.rmtree(mock)
    return ship


def listing(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))
