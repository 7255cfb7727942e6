"""An origin claim in an evidence pack: ``sovbom claim`` result signed on the local Sigstore
instance, verified, packed with its definition (``pack --claim --claim-result``), listed in the
signed index, and re-evaluated offline by ``inspect``, which names the failing condition and why,
and fails (exit 3) when a packed result disagrees with its re-derivation."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pack_support import (
    AS_OF,
    INDEX_SCHEMA,
    INSPECT_SCHEMA,
    SAMPLES,
    index_signing_args,
    members,
    reindex,
    resign_index,
    sign,
    write_signers,
    write_zip,
)
from signing_support import Trust, invoke

from sovbom.project_schemas import validator

CLAIM = SAMPLES / "made-in-japan.claim.yaml"
SERVER = "hgx-b200-jp.hbom.cdx.json"
CLAIM_TYPE = "https://sovbom.dev/origin-claim-result/v1"


@dataclass
class ClaimPack:
    dir: Path
    bom: Path
    signers: Path
    result: Path
    archive: Path
    trust: Trust


def _trust_args(d: Path, trust: Trust) -> list[str | Path]:
    return ["--signers", d / "signers.yaml", "--trust-config", trust.trust_config]


def _claim_result(trust: Trust, d: Path, bom: Path, claim: Path, out: Path) -> int:
    result = invoke("claim", bom, "--claim", claim, *_trust_args(d, trust), "--as-of", AS_OF,
                    "-o", out)  # fmt: skip
    return int(result.exit_code)


def _pack(trust: Trust, d: Path, bom: Path, claim: Path, out: Path, *extra: str | Path) -> object:
    return invoke(
        "pack", bom, *_trust_args(d, trust), "--policy", SAMPLES / "policy.yaml",
        "--claim", claim, *extra, "--as-of", AS_OF, *index_signing_args(trust), "-o", out,
    )  # fmt: skip


@pytest.fixture(scope="module")
def claim_pack(trust: Trust, tmp_path_factory: pytest.TempPathFactory) -> ClaimPack:
    """The sample server signed, its claim result signed as an attestation, both packed."""
    d = tmp_path_factory.mktemp("claim-pack")
    bom = d / SERVER
    shutil.copy(SAMPLES / SERVER, bom)
    sign(trust, bom)
    signers = write_signers(d / "signers.yaml")
    result = d / "claim.json"
    assert _claim_result(trust, d, bom, CLAIM, result) == 0
    signed = invoke("sign", result, "--attest", "--trust-config", trust.trust_config,
                    "--identity-token", trust.token(), "--overwrite")  # fmt: skip
    assert signed.exit_code == 0, signed.stderr
    archive = d / "evidence.zip"
    packed = _pack(trust, d, bom, CLAIM, archive, "--claim-result", result)
    assert packed.exit_code == 0, packed.stderr  # type: ignore[attr-defined]
    return ClaimPack(d, bom, signers, result, archive, trust)


def _inspect(p: ClaimPack, archive: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = invoke("inspect", archive, "--trusted-root", p.trust.trusted_root,
                    "--signers", p.signers, "-f", "json", "--fail-on", "critical", *extra)  # fmt: skip
    doc = json.loads(result.stdout)
    INSPECT_SCHEMA.validate(doc)
    return int(result.exit_code), doc


def _claim_checks(doc: dict[str, object]) -> list[dict[str, object]]:
    return [c for c in doc["checks"] if c["kind"] == "claim"]  # type: ignore[attr-defined,index]


def test_the_signed_claim_result_verifies_and_fails_once_tampered(
    claim_pack: ClaimPack, tmp_path: Path
) -> None:
    verify = ["verify", "--signers", claim_pack.signers, "--trusted-root",
              claim_pack.trust.trusted_root, "--predicate-type", CLAIM_TYPE]  # fmt: skip
    assert invoke(*verify, claim_pack.result).exit_code == 0
    changed = tmp_path / "claim.json"
    changed.write_text(claim_pack.result.read_text().replace('"holds": true', '"holds": false', 1))
    shutil.copy(claim_pack.result.with_name("claim.json.sigstore.json"),
                tmp_path / "claim.json.sigstore.json")  # fmt: skip
    tampered = invoke(*verify, changed)
    assert tampered.exit_code == 3 and "subject digest does not match" in tampered.stderr


def test_the_pack_lists_the_claim_its_results_and_signature(claim_pack: ClaimPack) -> None:
    items = members(claim_pack.archive)
    index = json.loads(items["index.json"])
    INDEX_SCHEMA.validate(index)
    assert index["claim"] == "claims/made-in-japan.claim.yaml"
    assert index["claim_results"] == [
        {
            "result": "claims/claim.json",
            "bundle": "claims/claim.json.sigstore.json",
            "bom": f"boms/{SERVER}",
            "bom_sha256": index["boms"][0]["sha256"],
        }
    ]
    roles = {m["name"]: m["role"] for m in index["members"]}
    assert roles["claims/made-in-japan.claim.yaml"] == "claim"
    assert roles["claims/claim.json"] == "claim-result"
    assert roles["claims/claim.json.sigstore.json"] == "claim-result-bundle"
    assert items["claims/claim.json"] == claim_pack.result.read_bytes()
    report = json.loads(items[f"reports/check-{SERVER}"])
    claim = report["claim"]
    assert [e.message for e in validator("claim-result.schema.json").iter_errors(claim)] == []
    assert claim["holds"] is True and claim["claim"]["source"] == index["claim"]
    assert claim["conditions"] == json.loads(claim_pack.result.read_text())["conditions"]


def test_inspect_re_evaluates_the_claim_offline(claim_pack: ClaimPack) -> None:
    code, doc = _inspect(claim_pack, claim_pack.archive, "--offline")
    assert code == 0 and doc["verdict"] == "holds"
    assert doc["boms"][0]["claim_holds"] is True  # type: ignore[index]
    details = {c["subject"]: c["detail"] for c in _claim_checks(doc)}
    assert details[f"boms/{SERVER}"] == (
        "re-evaluated offline: Origin claim 'Made in Japan (sovereign server programme)' (JP):"
        " holds"
    )
    assert details["claims/claim.json"].endswith("equal to its re-derivation")
    table = invoke("inspect", claim_pack.archive, "--trusted-root", claim_pack.trust.trusted_root,
                   "--signers", claim_pack.signers, "-f", "table", "--fail-on", "critical")  # fmt: skip
    assert "re-evaluated offline" in table.stdout


def test_inspect_names_the_failing_condition_and_why(claim_pack: ClaimPack, tmp_path: Path) -> None:
    claim = yaml.safe_load(CLAIM.read_text())
    claim["conditions"]["min_domestic_value_share"] = 0.5
    strict = tmp_path / "strict.claim.yaml"
    strict.write_text(yaml.safe_dump(claim))
    archive = tmp_path / "strict.zip"
    packed = _pack(claim_pack.trust, claim_pack.dir, claim_pack.bom, strict, archive)
    assert packed.exit_code == 0, packed.stderr  # type: ignore[attr-defined]
    code, doc = _inspect(claim_pack, archive)
    # the pack holds (nothing was tampered with); the claim does not: the inspector's exit 1
    assert code == 1 and doc["verdict"] == "holds"
    assert doc["boms"][0]["claim_holds"] is False  # type: ignore[index]
    (check,) = _claim_checks(doc)
    assert check["ok"] is True
    assert "does not hold: domestic-value fails: domestic value share 25.6%, below 50%" in str(
        check["detail"]
    )
    # a signed result of the other claim cannot be packed with this one
    other = _pack(claim_pack.trust, claim_pack.dir, claim_pack.bom, strict, tmp_path / "x.zip",
                  "--claim-result", claim_pack.result)  # fmt: skip
    assert other.exit_code == 3  # type: ignore[attr-defined]
    assert "differs from the claim re-evaluated" in other.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / "x.zip").exists()


def test_a_packed_claim_result_that_disagrees_is_tampering(
    claim_pack: ClaimPack, tmp_path: Path
) -> None:
    """A dishonest operator flips the claim in the packed check report and signs the index
    again: the re-derivation disagrees (exit 3)."""
    items = members(claim_pack.archive)
    name = f"reports/check-{SERVER}"
    report = json.loads(items[name])
    report["claim"]["conditions"][0]["holds"] = False
    report["claim"]["conditions"][0]["reasons"] = [{"message": "made up"}]
    items[name] = json.dumps(report, indent=2).encode()
    items = resign_index(claim_pack.trust, reindex(items), tmp_path)
    archive = write_zip(tmp_path / "tampered.zip", items)
    code, doc = _inspect(claim_pack, archive)
    assert code == 3 and doc["verdict"] == "does-not-hold"
    failed = [c for c in doc["checks"] if not c["ok"]]  # type: ignore[attr-defined]
    assert failed and failed[0]["subject"] == name
    assert "$.claim.conditions[0].holds: packed false, re-derived true" in failed[0]["detail"]


def test_a_tampered_signed_claim_result_is_exit_3(claim_pack: ClaimPack, tmp_path: Path) -> None:
    items = members(claim_pack.archive)
    items["claims/claim.json"] = items["claims/claim.json"].replace(
        b'"holds": true', b'"holds": false', 1
    )
    items = resign_index(claim_pack.trust, reindex(items), tmp_path)
    archive = write_zip(tmp_path / "tampered.zip", items)
    code, doc = _inspect(claim_pack, archive)
    assert code == 3
    failed = [c for c in _claim_checks(doc) if not c["ok"]]
    assert failed and failed[0]["subject"] == "claims/claim.json"
    assert "subject digest does not match" in str(failed[0]["detail"])


def test_pack_claim_needs_a_policy(claim_pack: ClaimPack, tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    result = invoke("pack", claim_pack.bom, "--claim", CLAIM, "--unsigned", "-o", out)
    assert result.exit_code == 4 and "--claim needs --policy" in result.stderr
    assert not out.exists()
