"""What signing commands tell a user: bundles named by their path, sovbom's own words for a
malformed bundle, hints naming options the command accepts, signer lists shown in full, one
output-format rule."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke, json_out

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "samples" / "policy.yaml"


def _sign(trust: Trust, path: Path, identity: str = IDENTITY) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token",
        trust.token(identity), "--force",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


def _signers(path: Path, identities: list[str]) -> Path:
    rules = "".join(f"      - {{identity: {i}, issuer: '{ISSUER}'}}\n" for i in identities)
    path.write_text(f"version: 1\nroles:\n  manufacturer:\n    signers:\n{rules}")
    return path


def _check(trust: Trust, bom: Path, signers: Path, *extra: str | Path) -> object:
    return invoke(
        "check", bom, "-p", POLICY, "--signers", signers, "--trust-config", trust.trust_config,
        "--offline", "-f", "json", "--fail-on", "critical", *extra,
    )  # fmt: skip


@pytest.fixture
def signed(trust: Trust, tmp_path: Path) -> tuple[Path, Path]:
    bom = tmp_path / "server.cdx.json"
    shutil.copy(REPO / "samples" / "monaka-2u-jp.hbom.cdx.json", bom)
    _sign(trust, bom)
    return bom, _signers(tmp_path / "signers.yaml", [IDENTITY])


# ------------------------------------------------------------------ item 9: name the bundle


def test_check_report_names_the_bundle_it_verified(trust: Trust, signed: tuple[Path, Path]) -> None:
    bom, signers = signed
    result = _check(trust, bom, signers)
    assert result.exit_code in (0, 1), result.stderr  # type: ignore[attr-defined]
    bundle = json_out(result)["signature"]["bundle"]  # type: ignore[arg-type]
    assert bundle == str(bom.with_name(bom.name + ".sigstore.json"))


def test_malformed_json_bundle_is_named_by_its_path(
    trust: Trust, signed: tuple[Path, Path], tmp_path: Path
) -> None:
    bom, signers = signed
    broken = tmp_path / "broken.sigstore.json"
    broken.write_text('{"mediaType": ')
    result = _check(trust, bom, signers, "--bundle", broken)
    assert result.exit_code == 4  # type: ignore[attr-defined]
    assert f"{broken}: line 1 column 15: malformed JSON" in result.stderr  # type: ignore[attr-defined]
    assert "<bundle>" not in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["verificationMaterial"].pop("tlogEntries"),
         "$.verificationMaterial.tlogEntries: missing"),
        (lambda d: d["verificationMaterial"].__setitem__("tlogEntries", "x"),
         "$.verificationMaterial.tlogEntries: expected an array"),
        (lambda d: d.__setitem__("surprise", 1), "$.surprise: not a field of a bundle"),
        (lambda d: d.clear(), "$.mediaType: missing"),
    ],
)  # fmt: skip
def test_wrongly_shaped_bundle_is_explained_in_sovbom_words(
    trust: Trust,
    signed: tuple[Path, Path],
    tmp_path: Path,
    mutate: Callable[[dict[str, Any]], object],
    expected: str,
) -> None:
    bom, signers = signed
    doc = json.loads(bom.with_name(bom.name + ".sigstore.json").read_text())
    mutate(doc)
    broken = tmp_path / "shape.sigstore.json"
    broken.write_text(json.dumps(doc))
    for result in (
        _check(trust, bom, signers, "--bundle", broken),
        invoke(
            "pack", bom, "--bundle", f"{bom}={broken}", "--signers", signers,
            "--trust-config", trust.trust_config, "-p", POLICY, "--unsigned",
            "-o", tmp_path / "pack.zip",
        ),
    ):  # fmt: skip
        err = result.stderr  # type: ignore[attr-defined]
        assert result.exit_code == 4, err  # type: ignore[attr-defined]
        assert f"{broken}: malformed bundle" in err
        assert expected in err
        assert "pydantic" not in err and "http" not in err and "<bundle>" not in err
        assert err.count("\n") == 1


# ------------------------------------------------------------------ item 10: hints that work


def test_sign_without_network_suggests_options_sign_accepts(
    bom_file: Path, no_network: list[str]
) -> None:
    result = invoke("sign", bom_file, "--identity-token", "not-used")
    assert result.exit_code == 4
    hint = result.stderr.split("hint:", 1)[1]
    assert "--offline" not in hint and "--trusted-root" not in hint
    assert "--trust-config" in hint and "network" in hint
    sign_help = invoke("sign", "--help").stdout
    for option in ("--trust-config", "--staging"):
        assert option in sign_help


# ------------------------------------------------------------------ item 11: signers in full


def test_signer_failure_lists_the_signers_tried(
    trust: Trust, signed: tuple[Path, Path], tmp_path: Path
) -> None:
    bom, _ = signed
    allowed = [f"release-engineer-{i:02d}@acme-servers.example" for i in range(14)]
    signers = _signers(tmp_path / "many.yaml", allowed)
    result = invoke(
        "verify", bom, "--signers", signers, "--trust-config", trust.trust_config, "-f", "json"
    )
    assert result.exit_code == 3
    (verdict,) = json_out(result)["verdicts"]
    reason = verdict["reason"]
    assert f"certificate is for {IDENTITY}" in reason
    shown = [a for a in allowed if a in reason]
    assert shown == allowed[: len(shown)] and len(shown) >= 10
    if len(shown) < len(allowed):
        assert f"and {len(allowed) - len(shown)} more allowed signers" in reason
    assert reason.rstrip().endswith(("signers", f"'{ISSUER}'", ISSUER, ")"))


def test_long_messages_are_never_cut_mid_word() -> None:
    from sovbom.signing._common import one_line

    text = one_line(ValueError(" ".join(["verification"] * 80)))
    assert text.endswith("[...]")
    assert all(w in ("verification", "[...]") for w in text.split())


# ------------------------------------------------------------------ item 13: one format rule


def test_verify_takes_f_and_defaults_to_json_when_piped(trust: Trust, bom_file: Path) -> None:
    _sign(trust, bom_file)
    base = ["verify", bom_file, "--trust-config", trust.trust_config,
            "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER]  # fmt: skip
    piped = invoke(*base)
    assert piped.exit_code == 0, piped.stderr
    assert json.loads(piped.stdout)["summary"]["verified"] == 1
    table = invoke(*base, "-f", "table")
    assert table.stdout.startswith("trusted root:")
    assert invoke(*base, "--format", "json").stdout == piped.stdout


# ------------------------------------------------------------------ item 18: one overwrite rule


def test_sign_refuses_to_overwrite_unless_forced(trust: Trust, bom_file: Path) -> None:
    bundle = _sign(trust, bom_file)
    before = bundle.read_bytes()
    result = invoke(
        "sign", bom_file, "--trust-config", trust.trust_config, "--identity-token", trust.token()
    )
    assert result.exit_code == 4 and "--force" in result.stderr
    assert bundle.read_bytes() == before
    _sign(trust, bom_file)  # --force
    assert bundle.read_bytes() != before
