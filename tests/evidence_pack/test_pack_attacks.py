"""Rewritten evidence packs must not hold: every attack recomputes the index digests.

Each attack is tried three ways: against the signed pack (the index signature no longer holds),
with the index re-signed by the operator's own identity (a dishonest operator: the re-derived
reports catch it), and on a pack packed --unsigned and read with --allow-unsigned-index (the
re-derivation alone catches what it can; the report says the index is unsigned).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pack_support import (
    AS_OF,
    HOLDS_WITH_FINDINGS,
    SAMPLES,
    SERVERS,
    SignedPack,
    members,
    pack_args,
    reindex,
    resign_index,
    write_zip,
)
from signing_support import invoke

Items = dict[str, bytes]


def _report(items: Items, server: str) -> tuple[str, dict[str, Any]]:
    name = f"reports/check-{server}"
    return name, json.loads(items[name])


def _put(items: Items, name: str, doc: dict[str, Any]) -> None:
    items[name] = json.dumps(doc, indent=2, sort_keys=True).encode()


def verdict_flipped(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    doc["verdict"] = "pass" if doc["verdict"] == "fail" else "fail"
    doc["bom"]["sha256"] = "0" * 64  # so that nothing matches the report to its BOM
    _put(items, name, doc)


def fail_on_raised(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    doc["fail_on"] = "critical"
    doc["verdict"] = "pass"
    _put(items, name, doc)


def findings_emptied(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    doc["findings"] = []  # the summary's counts and the verdict are left as they were
    doc["names"] = {}
    _put(items, name, doc)


def countries_edited(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    edited = 0
    for f in doc["findings"]:
        countries = f["component"].get("countries")
        if countries:
            f["component"]["countries"] = ["JP"]
            edited += 1
    assert edited
    _put(items, name, doc)


def signer_edited(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    doc["signature"]["identity"] = "someone-trusted@regulator.example"
    _put(items, name, doc)


def kind_changed(items: Items) -> None:
    name, doc = _report(items, SERVERS[0])
    doc["sovbom_report"] = "delivery"
    _put(items, name, doc)


def server_replaced(items: Items) -> None:
    """Server 0's BOM and bundle become server 1's validly signed pair (and so its report)."""
    for prefix, suffix in (("boms/", ""), ("bundles/", ".sigstore.json"), ("reports/check-", "")):
        items[f"{prefix}{SERVERS[0]}{suffix}"] = items[f"{prefix}{SERVERS[1]}{suffix}"]


def server_removed(items: Items) -> None:
    gone = SERVERS[1]
    for name in (f"boms/{gone}", f"bundles/{gone}.sigstore.json", f"reports/check-{gone}"):
        del items[name]
    index = json.loads(items["index.json"])
    index["boms"] = [b for b in index["boms"] if gone not in b["bom"]]
    index["reports"] = [r for r in index["reports"] if gone not in json.dumps(r)]
    index["members"] = [m for m in index["members"] if gone not in m["name"]]
    items["index.json"] = json.dumps(index, indent=2).encode()


ATTACKS: dict[str, Callable[[Items], None]] = {
    "verdict-flipped": verdict_flipped,
    "fail-on-raised": fail_on_raised,
    "findings-emptied": findings_emptied,
    "countries-edited": countries_edited,
    "signer-edited": signer_edited,
    "kind-changed": kind_changed,
    "server-replaced": server_replaced,
    "server-removed": server_removed,
}
#: Attacks that only the index signature can catch: nothing else says the server existed.
NEEDS_SIGNATURE = {"server-removed"}


def _inspect(p: SignedPack, archive: Path, *extra: str | Path) -> Any:
    return invoke(
        "inspect", archive, "--trusted-root", p.trust.trusted_root, "--signers", p.signers,
        "-f", "json", *extra,
    )  # fmt: skip


def _attacked(p: SignedPack, tmp_path: Path, attack: str, source: Path | None = None) -> Items:
    items = members(source or p.archive)
    ATTACKS[attack](items)
    return reindex(items)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_on_a_signed_pack_does_not_hold(
    signed_pack: SignedPack, tmp_path: Path, attack: str
) -> None:
    items = _attacked(signed_pack, tmp_path, attack)
    archive = write_zip(tmp_path / "attacked.zip", items)
    result = _inspect(signed_pack, archive)
    assert result.exit_code == 3, result.stdout
    assert json.loads(result.stdout)["verdict"] == "does-not-hold"


@pytest.mark.parametrize("attack", sorted(set(ATTACKS) - NEEDS_SIGNATURE))
def test_attack_with_the_index_re_signed_is_caught_by_re_derivation(
    signed_pack: SignedPack, tmp_path: Path, attack: str
) -> None:
    """The operator's own identity re-signs the rewritten index: the reports still differ."""
    items = resign_index(signed_pack.trust, _attacked(signed_pack, tmp_path, attack), tmp_path)
    archive = write_zip(tmp_path / "attacked.zip", items)
    result = _inspect(signed_pack, archive)
    assert result.exit_code == 3, result.stdout
    doc = json.loads(result.stdout)
    index = [c for c in doc["checks"] if c["kind"] == "index-signature"]
    assert index and all(c["ok"] for c in index)
    failed = [c for c in doc["checks"] if not c["ok"]]
    assert failed and all(c["kind"] in {"report", "policy", "index"} for c in failed), failed


@pytest.mark.parametrize("attack", sorted(set(ATTACKS) - NEEDS_SIGNATURE))
def test_attack_on_an_unsigned_pack_is_caught_by_re_derivation(
    unsigned_pack: SignedPack, tmp_path: Path, attack: str
) -> None:
    items = _attacked(unsigned_pack, tmp_path, attack)
    archive = write_zip(tmp_path / "attacked.zip", items)
    result = _inspect(unsigned_pack, archive, "--allow-unsigned-index")
    assert result.exit_code == 3, result.stdout
    doc = json.loads(result.stdout)
    assert any("NOT SIGNED" in w for w in doc["warnings"])


def test_unsigned_index_without_the_option_does_not_hold(
    unsigned_pack: SignedPack, tmp_path: Path
) -> None:
    result = _inspect(unsigned_pack, unsigned_pack.archive)
    assert result.exit_code == 3
    assert "index.json is not signed" in result.stderr
    result = _inspect(unsigned_pack, unsigned_pack.archive, "--allow-unsigned-index")
    assert result.exit_code == HOLDS_WITH_FINDINGS, result.stderr
    doc = json.loads(result.stdout)
    assert doc["index"]["signed"] is False
    assert any("NOT SIGNED" in w for w in doc["warnings"])
    assert "NOT SIGNED" in result.stderr


def test_index_signature_missing_or_foreign(signed_pack: SignedPack, tmp_path: Path) -> None:
    items = members(signed_pack.archive)
    del items["index.json.sigstore.json"]
    archive = write_zip(tmp_path / "nosig.zip", items)
    result = _inspect(signed_pack, archive)
    assert result.exit_code == 3
    assert "index.json is not signed" in result.stderr
    # signed by an identity that holds no pack role in the inspector's signer policy
    items = resign_index(
        signed_pack.trust, members(signed_pack.archive), tmp_path, identity="intruder@example.org"
    )
    archive = write_zip(tmp_path / "foreign.zip", items)
    result = _inspect(signed_pack, archive)
    assert result.exit_code == 3
    assert "index-signature index.json" in result.stderr


@pytest.mark.parametrize("fail_on", ["info", "low", "medium", "high", "critical"])
def test_packed_fail_on_never_overrides_the_inspectors(
    signed_pack: SignedPack, tmp_path: Path, fail_on: str
) -> None:
    """An honest pack (made at high) holds at every inspector's threshold: its reports are
    compared at the packed threshold. The inspector's --fail-on alone decides the inspector's
    verdict and exit code, as 'sovbom check' at that threshold does."""
    result = _inspect(signed_pack, signed_pack.archive, "--fail-on", fail_on)
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "holds", [c for c in doc["checks"] if not c["ok"]]
    assert doc["fail_on"] == fail_on and doc["index"]["fail_on"] == "high"
    expected = []
    for bom in signed_pack.boms:
        checked = invoke(
            "check", bom, "-p", SAMPLES / "policy.yaml", "--signers", signed_pack.signers,
            "--trusted-root", signed_pack.trust.trusted_root, "--as-of", AS_OF,
            "--fail-on", fail_on, "-f", "json",
        )  # fmt: skip
        expected.append(json.loads(checked.stdout)["verdict"])
    assert [b["check_verdict"] for b in doc["boms"]] == expected
    assert all(b["packed_check_verdict"] == "fail" for b in doc["boms"])  # at high
    if "fail" in expected:
        assert result.exit_code == 1, result.stderr
        assert doc["check_verdict"] == "fail"
        assert f"the pack holds, but at your --fail-on {fail_on}" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
        assert doc["check_verdict"] == "pass"


def test_tampering_wins_over_the_inspectors_verdict(
    signed_pack: SignedPack, tmp_path: Path
) -> None:
    """A tampered pack exits 3 whatever the inspector's own verdict would be."""
    items = resign_index(
        signed_pack.trust, _attacked(signed_pack, tmp_path, "findings-emptied"), tmp_path
    )
    archive = write_zip(tmp_path / "attacked.zip", items)
    for fail_on in ("info", "critical"):
        result = _inspect(signed_pack, archive, "--fail-on", fail_on)
        assert result.exit_code == 3, result.stderr
        assert json.loads(result.stdout)["verdict"] == "does-not-hold"


def test_delivery_report_flipped(delivery_pack: SignedPack, tmp_path: Path) -> None:
    items = members(delivery_pack.archive)
    name = next(n for n in items if n.startswith("reports/") and "delivery" in n)
    doc = json.loads(items[name])
    assert doc["verdict"] == "fail"
    flipped = copy.deepcopy(doc)
    flipped["verdict"] = "pass"
    flipped["reasons"] = []
    _put(items, name, flipped)
    archive = write_zip(tmp_path / "flipped.zip", reindex(items))
    result = _inspect(delivery_pack, archive)
    assert result.exit_code == 3, result.stdout


def test_inspectors_policy_without_a_pack_role(signed_pack: SignedPack, tmp_path: Path) -> None:
    signers = tmp_path / "no-pack-role.yaml"
    signers.write_text(signed_pack.signers.read_text().split("  pack:")[0])
    result = invoke(
        "inspect", signed_pack.archive, "--trusted-root", signed_pack.trust.trusted_root,
        "--signers", signers, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "names no 'pack' role" in result.stderr


def test_pack_refuses_a_signer_without_the_pack_role(
    signed_pack: SignedPack, tmp_path: Path
) -> None:
    out = tmp_path / "x.zip"
    args = pack_args(signed_pack.dir, signed_pack.trust, out, unsigned=True)
    args.remove("--unsigned")
    args += ["--identity-token", signed_pack.trust.token("intruder@example.org")]
    result = invoke(*args)
    assert result.exit_code == 4
    assert "holds no 'pack' role" in result.stderr
    assert not out.exists()
