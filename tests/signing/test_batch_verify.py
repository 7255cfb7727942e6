"""Batch verification: what many bundles share is computed once, every check still runs on each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from signing_support import BOM, IDENTITY, ISSUER, Trust, invoke
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

from sovbom import signing
from sovbom.signers import IdentityRule
from sovbom.signing import Status

RULE = IdentityRule(identity=IDENTITY, issuer=ISSUER)
SRC = Path(__file__).resolve().parents[2] / "src"


def _signed_batch(trust: Trust, tmp_path: Path, n: int = 4) -> list[Path]:
    files = []
    for i in range(n):
        f = tmp_path / f"server-{i}.cdx.json"
        f.write_text(json.dumps({**BOM, "version": i + 1}, indent=2))
        files.append(f)
    result = invoke(  # one session: one signing certificate for the whole batch
        "sign", *files, "--trust-config", trust.trust_config, "--identity-token", trust.token()
    )
    assert result.exit_code == 0, result.stderr
    return files


def _count(monkeypatch: pytest.MonkeyPatch, cls: type[Any], name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(cls, name)

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counting)
    return calls


def test_shared_work_is_done_once_per_batch(
    trust: Trust, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _signed_batch(trust, tmp_path)
    chains = _count(monkeypatch, Verifier, "_verify_chain_at_time")
    rekor_rings = _count(monkeypatch, TrustedRoot, "rekor_keyring")
    ct_rings = _count(monkeypatch, TrustedRoot, "ct_keyring")
    material = signing.TrustMaterial.from_trust_config_file(trust.trust_config)
    verifier = signing.BundleVerifier(material, RULE, lean=False)  # sigstore-python's path
    verdicts = verifier.verify_files(files, jobs=1)
    assert [v.status for v in verdicts] == [Status.VERIFIED] * len(files)
    # one chain validation per (certificate, signed second): the batch was signed in 1-2 seconds
    assert 1 <= len(chains) <= 2
    assert len(rekor_rings) == 1 and len(ct_rings) == 1


def test_remembered_results_never_hide_a_failure(trust: Trust, tmp_path: Path) -> None:
    files = _signed_batch(trust, tmp_path, n=2)
    material = signing.TrustMaterial.from_trust_config_file(trust.trust_config)
    verifier = signing.BundleVerifier(material, RULE)
    assert verifier.verify_file(files[0]).ok
    # same certificate, same signed time: the tampered file still fails, every time
    files[1].write_text(files[1].read_text() + " ")
    for _ in range(2):
        verdict = verifier.verify_file(files[1])
        assert verdict.status is Status.FAILED
    assert verifier.verify_file(files[0]).ok
    # another signer policy over the same trust material: the certificate is not allowed there
    other = signing.BundleVerifier(material, IdentityRule(identity="x@y.example", issuer=ISSUER))
    for _ in range(2):
        verdict = other.verify_file(files[0])
        assert verdict.status is Status.FAILED and "signer not allowed" in (verdict.reason or "")
    # a root that does not hold the instance's CA: the chain does not validate
    foreign = signing.TrustMaterial.from_trusted_root_file(trust.other_root)
    for _ in range(2):
        assert signing.BundleVerifier(foreign, RULE).verify_file(files[0]).ok is False


def test_verify_imports_only_what_it_needs() -> None:
    """`sovbom verify` does not pay for the imports of the other commands."""
    code = (
        "import sys\n"
        "from sovbom.cli import cli\n"
        "try:\n"
        "    cli.main(['verify', '--help'], standalone_mode=False)\n"
        "finally:\n"
        "    print(sorted(m for m in ('networkx', 'yaml', 'jsonschema_rs', 'rich')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
