"""Trust-root validity windows: every key a signature relies on must be valid at its signed time.

A trusted root lists, for each certificate authority, transparency log key and CT log key, the
period (``validFor``) in which it may be relied on. sigstore-python verifies with retired keys
too; sovbom rejects a bundle whose CA, log key or CT key was not valid at the bundle's verified
time (the log's integrated time, or a timestamp authority's time): exit 3, naming the key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke

from sigstore_local import InstanceKeys
from sigstore_local.pki import b64, key_id, rfc3339, spki_der

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"

OLD_START, OLD_END = "2019-01-01T00:00:00Z", "2020-12-31T00:00:00Z"

Mutation = Callable[[dict[str, Any]], None]


def _holders(root: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *root["certificateAuthorities"],
        *(t["publicKey"] for t in root["tlogs"]),
        *(t["publicKey"] for t in root["ctlogs"]),
    ]


def _all_old(root: dict[str, Any]) -> None:
    for holder in _holders(root):
        holder["validFor"] = {"start": OLD_START, "end": OLD_END}


def _retired_an_hour_ago(holder: dict[str, Any]) -> None:
    end = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    holder["validFor"]["end"] = rfc3339(end)


def _ca_retired(root: dict[str, Any]) -> None:
    _retired_an_hour_ago(root["certificateAuthorities"][0])


def _rekor_retired(root: dict[str, Any]) -> None:
    _retired_an_hour_ago(root["tlogs"][0]["publicKey"])


def _ct_retired(root: dict[str, Any]) -> None:
    _retired_an_hour_ago(root["ctlogs"][0]["publicKey"])


def _rekor_not_yet_valid(root: dict[str, Any]) -> None:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    root["tlogs"][0]["publicKey"]["validFor"] = {"start": rfc3339(start)}


def _log_id(root: dict[str, Any], kind: str) -> str:
    return base64.b64decode(root[kind][0]["logId"]["keyId"]).hex()


#: name -> (mutation, what the failure message must name)
CASES: dict[str, tuple[Mutation, Callable[[dict[str, Any]], list[str]]]] = {
    "all-keys-2019-2020": (_all_old, lambda root: ["2020-12-31", "not valid"]),
    "ca-retired": (_ca_retired, lambda root: ["certificate authority", "sovbom tests"]),
    "rekor-retired": (
        _rekor_retired,
        lambda root: ["transparency log key", _log_id(root, "tlogs")[:16]],
    ),
    "ct-retired": (_ct_retired, lambda root: ["CT log key", _log_id(root, "ctlogs")[:16]]),
    "rekor-not-yet-valid": (
        _rekor_not_yet_valid,
        lambda root: ["transparency log key", _log_id(root, "tlogs")[:16]],
    ),
}


def _root_with(trust: Trust, path: Path, mutate: Mutation) -> tuple[Path, dict[str, Any]]:
    root = trust.instance.trusted_root()
    mutate(root)
    path.write_text(json.dumps(root, indent=2))
    return path, root


def _sign(trust: Trust, path: Path) -> None:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        "--overwrite",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def _verify(path: Path, root: Path, *extra: str) -> Any:
    return invoke(
        "verify", path, "--trusted-root", root, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER, "-f", "table", *extra,
    )  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_rejects_a_key_outside_its_window(
    trust: Trust, bom_file: Path, tmp_path: Path, case: str
) -> None:
    mutate, named = CASES[case]
    _sign(trust, bom_file)
    assert _verify(bom_file, trust.trusted_root).exit_code == 0  # the unmodified root verifies
    root_path, root = _root_with(trust, tmp_path / "root.json", mutate)

    result = _verify(bom_file, root_path)
    assert result.exit_code == 3, result.stdout + result.stderr
    for text in named(root):
        assert text in result.stderr, (text, result.stderr)
    assert result.stdout.splitlines()[1].startswith(f"FAILED {bom_file}:")

    result = _verify(bom_file, root_path, "--format", "json")
    assert result.exit_code == 3
    (verdict,) = json.loads(result.stdout)["verdicts"]
    assert verdict["status"] == "failed" and verdict["identity"] is None


def test_the_trust_root_line_stays_informative(
    trust: Trust, bom_file: Path, tmp_path: Path
) -> None:
    _sign(trust, bom_file)
    root_path, _ = _root_with(trust, tmp_path / "root.json", _all_old)
    result = _verify(bom_file, root_path)
    assert result.exit_code == 3
    first = result.stdout.splitlines()[0]
    assert "no currently valid keys" in first
    assert f"valid from {dt.datetime.fromisoformat(OLD_START).isoformat()}" in first


def test_dsse_attestation_is_checked_too(trust: Trust, bom_file: Path, tmp_path: Path) -> None:
    result = invoke(
        "sign", bom_file, "--attest", "--trust-config", trust.trust_config,
        "--identity-token", trust.token(),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    root_path, _ = _root_with(trust, tmp_path / "root.json", _rekor_retired)
    result = _verify(bom_file, root_path)
    assert result.exit_code == 3
    assert "transparency log key" in result.stderr


def _add_retired_keys(root: dict[str, Any]) -> None:
    """A rotation: each kind also lists an older key (another instance's) retired in 2020."""
    old = InstanceKeys(name="retired-2020")
    window = {"start": OLD_START, "end": OLD_END}
    for kind, key in (("tlogs", old.log_key), ("ctlogs", old.ct_key)):
        entry = json.loads(json.dumps(root[kind][0]))
        entry["publicKey"]["rawBytes"] = b64(spki_der(key.public_key()))
        entry["publicKey"]["validFor"] = dict(window)
        entry["logId"] = {"keyId": b64(key_id(key.public_key()))}
        root[kind].insert(0, entry)
    old_root = old.trusted_root("http://127.0.0.1:1")
    ca = old_root["certificateAuthorities"][0]
    ca["validFor"] = dict(window)
    root["certificateAuthorities"].insert(0, ca)


def test_a_root_with_retired_keys_still_verifies_current_signatures(
    trust: Trust, bom_file: Path, tmp_path: Path
) -> None:
    _sign(trust, bom_file)
    root_path, _ = _root_with(trust, tmp_path / "root.json", _add_retired_keys)
    result = _verify(bom_file, root_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    # the key windows are closed intervals: a key retired at the very second of signing counts
    bundle = json.loads(bom_file.with_name(bom_file.name + ".sigstore.json").read_text())
    t = int(bundle["verificationMaterial"]["tlogEntries"][0]["integratedTime"])
    at = rfc3339(dt.datetime.fromtimestamp(t, dt.UTC))

    def retire_at_signing(root: dict[str, Any]) -> None:
        for holder in _holders(root):
            holder["validFor"]["end"] = at

    root_path, _ = _root_with(trust, tmp_path / "root-end.json", retire_at_signing)
    assert _verify(bom_file, root_path).exit_code == 0


# -- sovbom check --signers ------------------------------------------------------------------


@pytest.fixture
def signed_hgx(trust: Trust, tmp_path: Path) -> dict[str, Path]:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    _sign(trust, bom)
    signers = tmp_path / "signers.yaml"
    signers.write_text(
        "version: 1\nroles:\n"
        f"  manufacturer:\n    signers:\n      - {{identity: {IDENTITY}, issuer: '{ISSUER}'}}\n"
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "domestic_countries: [JP]\napproved_countries: [US, TW, DE, KR, MY, TH, IL]\n"
        "verification: {attestation_roles: [manufacturer]}\n"
    )
    return {"bom": bom, "signers": signers, "policy": policy}


def _check(s: dict[str, Path], root: Path) -> Any:
    return invoke(
        "check", s["bom"], "--policy", s["policy"], "--signers", s["signers"],
        "--trusted-root", root, "--offline", "-f", "json", "--fail-on", "critical",
    )  # fmt: skip


@pytest.mark.parametrize(
    "case", ["all-keys-2019-2020", "ca-retired", "rekor-retired", "ct-retired"]
)
def test_check_rejects_a_key_outside_its_window(
    trust: Trust, signed_hgx: dict[str, Path], tmp_path: Path, case: str
) -> None:
    assert _check(signed_hgx, trust.trusted_root).exit_code == 0
    mutate, named = CASES[case]
    root_path, root = _root_with(trust, tmp_path / "root.json", mutate)
    result = _check(signed_hgx, root_path)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert result.stdout == ""
    for text in named(root):
        assert text in result.stderr, (text, result.stderr)


def test_bundle_time_is_the_verified_one(trust: Trust, bom_file: Path, tmp_path: Path) -> None:
    """Moving the claimed integrated time into the key's window breaks the signed entry timestamp."""
    _sign(trust, bom_file)
    bundle_path = bom_file.with_name(bom_file.name + ".sigstore.json")
    doc = json.loads(bundle_path.read_text())
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    entry["integratedTime"] = str(int(entry["integratedTime"]) - 7200)
    bundle_path.write_text(json.dumps(doc))
    root_path, _ = _root_with(trust, tmp_path / "root.json", _rekor_retired)
    result = _verify(bom_file, root_path)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "VERIFIED" not in result.stdout


def test_integrated_time_beyond_the_clock_is_a_failed_verification(
    trust: Trust, bom_file: Path
) -> None:
    """A time the platform cannot represent is rejected like any other bad bundle (no traceback)."""
    _sign(trust, bom_file)
    bundle_path = bom_file.with_name(bom_file.name + ".sigstore.json")
    doc = json.loads(bundle_path.read_text())
    doc["verificationMaterial"]["tlogEntries"][0]["integratedTime"] = str(10**18)
    bundle_path.write_text(json.dumps(doc))
    result = _verify(bom_file, trust.trusted_root)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert f"FAILED {bom_file}:" in result.stdout


def test_the_time_is_read_as_sigstore_reads_it(
    trust: Trust, bom_file: Path, tmp_path: Path
) -> None:
    """The bundle parser also takes snake_case field names: the check must see the same time."""
    _sign(trust, bom_file)
    bundle_path = bom_file.with_name(bom_file.name + ".sigstore.json")
    doc = json.loads(bundle_path.read_text())
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    entry["integrated_time"] = entry.pop("integratedTime")
    entry["inclusion_promise"] = entry.pop("inclusionPromise")
    entry["log_id"] = entry.pop("logId")
    bundle_path.write_text(json.dumps(doc))
    assert _verify(bom_file, trust.trusted_root).exit_code == 0
    root_path, root = _root_with(trust, tmp_path / "root.json", _rekor_retired)
    result = _verify(bom_file, root_path)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert _log_id(root, "tlogs")[:16] in result.stderr


def test_windows_are_closed_intervals_and_a_root_without_a_kind_is_unusable(trust: Trust) -> None:
    from sovbom.signing.windows import KeyKind, excluded_at, parse_windows, restrict

    root = trust.instance.trusted_root()
    _all_old(root)
    windows = parse_windows(root, "root.json")
    assert {w.kind for w in windows} == {KeyKind.CA, KeyKind.TLOG, KeyKind.CTLOG}
    start, end = dt.datetime.fromisoformat(OLD_START), dt.datetime.fromisoformat(OLD_END)
    assert all(w.covers(start) and w.covers(end) for w in windows)
    second = dt.timedelta(seconds=1)
    assert not any(w.covers(start - second) or w.covers(end + second) for w in windows)
    assert excluded_at(windows, [start, end]) == frozenset()
    ct_only = frozenset(w for w in windows if w.kind is KeyKind.CTLOG)
    assert restrict(root, ct_only) is None  # no CT log key left: nothing can verify
    assert restrict(root, frozenset()) == root
