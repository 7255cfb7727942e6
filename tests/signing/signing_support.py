"""Helpers shared by the signing tests (importable: tests/ and tests/signing/ are on sys.path)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from sigstore_local import DEFAULT_ISSUER, LocalSigstore

IDENTITY = "factory-signer@acme-servers.example"
ISSUER = DEFAULT_ISSUER

BOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "version": 1,
    "metadata": {"component": {"type": "device", "name": "acme r740 node 17", "bom-ref": "srv"}},
    "components": [
        {"type": "firmware", "name": "bios", "version": "2.19.1", "bom-ref": "bios"},
        {"type": "device", "name": "nic", "bom-ref": "nic"},
    ],
}


@dataclass
class Trust:
    instance: LocalSigstore
    trust_config: Path
    trusted_root: Path
    other_root: Path  # the trusted root of another instance

    def token(self, identity: str = IDENTITY, issuer: str = ISSUER, **kw: Any) -> str:
        return self.instance.mint_token(identity, issuer, **kw)


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run ``sovbom ARGS`` in-process; a traceback fails the test (catch_exceptions=False)."""
    from sovbom.cli import cli

    runner = CliRunner()
    return runner.invoke(
        cli,
        [str(a) for a in args],
        env=env,
        catch_exceptions=False,
        prog_name="sovbom",
        auto_envvar_prefix="SOVBOM",
    )


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def json_out(result: Result) -> Any:
    return json.loads(result.stdout)
