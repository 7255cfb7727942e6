"""`inspect`'s re-run check is `sovbom check`: the same report on the same inputs."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from pack_support import AS_OF, SAMPLES, SignedPack
from signing_support import invoke


def _without_sources(doc: dict[str, Any], bom: str, policy: str) -> dict[str, Any]:
    """Remove what names where the inputs were read from, after checking it.

    These are the only fields that legitimately differ: ``check`` reads the BOM and the policy
    from the paths it is given, ``inspect`` from the pack's members; the signature verdict
    names the BOM it verified (``file``) and its bundle (``bundle``) the same way.
    """
    assert doc["bom"].pop("source") == bom
    assert doc["policy"].pop("source") == policy
    assert doc["signature"].pop("file") == bom
    assert doc["signature"].pop("bundle") == bundle_name(bom)
    return doc


def bundle_name(bom: str) -> str:
    if bom.startswith("boms/"):
        return f"bundles/{bom.removeprefix('boms/')}.sigstore.json"
    return f"{bom}.sigstore.json"


def _check(p: SignedPack, path: object, fail_on: str) -> tuple[dict[str, Any], int]:
    result = invoke(
        "check", path, "-p", SAMPLES / "policy.yaml", "--signers", p.signers,
        "--trusted-root", p.trust.trusted_root, "--as-of", AS_OF,
        "--fail-on", fail_on, "-f", "json",
    )  # fmt: skip
    checked = json.loads(result.stdout)
    assert result.exit_code == (1 if checked["verdict"] == "fail" else 0), result.stderr
    return checked, result.exit_code


@pytest.mark.parametrize("fail_on", ["info", "high", "critical"])
def test_inspect_rerun_report_equals_sovbom_check(signed_pack: SignedPack, fail_on: str) -> None:
    """The re-run is 'sovbom check' at the packed threshold (the pack was made at high); the
    inspector's verdict is 'sovbom check' at the inspector's threshold."""
    from sovbom.pack.inspect import InspectOptions, inspect_pack
    from sovbom.report.json_format import check_report_dict

    opts = InspectOptions(
        serialize=check_report_dict,
        trusted_root=str(signed_pack.trust.trusted_root),
        signers=str(signed_pack.signers),
        fail_on=fail_on,
    )
    report, _ = inspect_pack(signed_pack.archive, opts)
    assert len(report.boms) == len(signed_pack.boms) == 2
    for path, item in zip(signed_pack.boms, report.boms, strict=True):
        assert item.check is not None
        rerun = orjson.loads(orjson.dumps(check_report_dict(item.check)))
        checked, _ = _check(signed_pack, path, "high")
        assert rerun["fail_on"] == checked["fail_on"] == "high"
        assert _without_sources(rerun, item.member, "policy/policy.yaml") == _without_sources(
            checked, str(path), str(SAMPLES / "policy.yaml")
        )
        mine, _ = _check(signed_pack, path, fail_on)
        assert item.verdict == mine["verdict"]
    verdicts = {b.verdict for b in report.boms}
    assert report.check_verdict == ("fail" if "fail" in verdicts else "pass")
