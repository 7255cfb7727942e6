"""End to end through the CLI, against the local Sigstore-compatible instance on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from pathlib import Path

import pytest
from signing_support import BOM, IDENTITY, ISSUER, Trust, invoke, json_out, sha256_file

CYCLONEDX = "https://cyclonedx.org/bom"


def sign(trust: Trust, path: Path, *extra: str | Path, token: str | None = None) -> Path:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token",
        token or trust.token(), *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    bundle = Path(result.stdout.strip().splitlines()[-1])
    assert bundle.is_file()
    return bundle


def verify(trust: Trust, *args: str | Path, root: Path | None = None):  # type: ignore[no-untyped-def]
    trust_args: list[str | Path] = (
        ["--trusted-root", root] if root else ["--trust-config", trust.trust_config]
    )
    return invoke(
        "verify", "-f", "table", *args, *trust_args, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip


def test_sign_then_verify(trust: Trust, bom_file: Path) -> None:
    bundle = sign(trust, bom_file)
    assert bundle == bom_file.with_name(bom_file.name + ".sigstore.json")
    doc = json.loads(bundle.read_text())
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    digest = base64.b64decode(doc["messageSignature"]["messageDigest"]["digest"]).hex()
    assert digest == sha256_file(bom_file)

    result = verify(trust, bom_file, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = json_out(result)
    (v,) = out["verdicts"]
    assert v["ok"] and v["status"] == "verified"
    assert v["identity"] == IDENTITY and v["issuer"] == ISSUER
    assert v["bundle_kind"] == "message-signature"
    assert isinstance(v["log_index"], int) and v["integrated_time"]
    assert v["sha256"] == sha256_file(bom_file)
    root = out["trust_root"]
    assert root["sha256"] == sha256_file(trust.trust_config)
    assert root["freshness"] == "pinned" and root["current"] is True

    # the trusted root alone (no signing config) verifies too, and is the one reported
    result = verify(trust, bom_file, root=trust.trusted_root)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"sha256:{sha256_file(trust.trusted_root)}" in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[1].startswith(f"VERIFIED {bom_file}: {IDENTITY}")


def test_attest_then_verify(trust: Trust, bom_file: Path) -> None:
    bundle = sign(trust, bom_file, "--attest")
    doc = json.loads(bundle.read_text())
    envelope = doc["dsseEnvelope"]
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == CYCLONEDX
    assert statement["predicate"] == BOM
    assert statement["subject"] == [
        {"name": bom_file.name, "digest": {"sha256": sha256_file(bom_file)}}
    ]
    result = verify(trust, bom_file, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    (v,) = json_out(result)["verdicts"]
    assert v["bundle_kind"] == "dsse" and v["predicate_type"] == CYCLONEDX


def test_identity_token_from_environment_and_never_printed(
    trust: Trust, bom_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, sigstore's included
    token = trust.token()
    result = invoke(
        "-vv", "sign", bom_file, "--trust-config", trust.trust_config,
        env={"SOVBOM_IDENTITY_TOKEN": token},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    for text in (result.stdout, result.stderr, caplog.text):
        assert token not in text
        assert token.split(".")[1] not in text  # not even the claims part
    assert f"signing as {IDENTITY}" in caplog.text  # -vv logs who signs, not the token


@pytest.mark.parametrize("attest", [False, True], ids=["plain", "attest"])
def test_one_changed_byte_is_rejected(trust: Trust, bom_file: Path, attest: bool) -> None:
    sign(trust, bom_file, *(["--attest"] if attest else []))
    data = bytearray(bom_file.read_bytes())
    data[data.index(b"2.19.1")] = ord("3")
    bom_file.write_bytes(bytes(data))
    result = verify(trust, bom_file)
    assert result.exit_code == 3
    reason = result.stderr.strip().splitlines()[-1]
    assert reason.startswith("sovbom: error: ") and "verification failed" in reason
    expected = "subject digest does not match" if attest else "the file is not what was signed"
    assert expected in reason
    assert "Traceback" not in result.stderr
    if not attest:
        # even with the recorded digest rewritten to match, the signature does not verify
        bundle = bom_file.with_name(bom_file.name + ".sigstore.json")
        doc = json.loads(bundle.read_text())
        new = base64.b64encode(hashlib.sha256(bytes(data)).digest()).decode()
        doc["messageSignature"]["messageDigest"]["digest"] = new
        bundle.write_text(json.dumps(doc))
        result = verify(trust, bom_file)
        assert result.exit_code == 3
        assert "Signature is invalid for input" in result.stderr


def test_bundle_of_another_file_is_rejected(trust: Trust, tmp_path: Path, bom_file: Path) -> None:
    other = tmp_path / "other.cdx.json"
    other.write_text(json.dumps({**BOM, "version": 2}))
    other_bundle = sign(trust, other)
    result = verify(trust, bom_file, "--bundle", other_bundle)
    assert result.exit_code == 3
    assert "the file is not what was signed" in result.stderr
    assert sha256_file(bom_file) in result.stderr and sha256_file(other) in result.stderr


@pytest.mark.parametrize(
    ("identity", "issuer", "wrong"),
    [
        ("someone-else@acme-servers.example", ISSUER, "wrong identity"),
        (IDENTITY, "https://rogue-idp.example", "wrong issuer"),
    ],
)
def test_wrong_signer_is_rejected(
    trust: Trust, bom_file: Path, identity: str, issuer: str, wrong: str
) -> None:
    sign(trust, bom_file)
    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config,
        "--cert-identity", identity, "--cert-oidc-issuer", issuer,
    )  # fmt: skip
    assert result.exit_code == 3
    assert wrong in result.stderr
    assert IDENTITY in result.stderr  # the reason names who actually signed


def test_signed_by_wrong_identity_at_the_ca(trust: Trust, bom_file: Path) -> None:
    """The CA issues a certificate for whoever the token names; verify must reject that signer."""
    sign(trust, bom_file, token=trust.token("intruder@elsewhere.example"))
    result = verify(trust, bom_file)
    assert result.exit_code == 3
    assert "intruder@elsewhere.example" in result.stderr


def test_token_issuer_is_what_the_certificate_records(trust: Trust, bom_file: Path) -> None:
    sign(trust, bom_file, token=trust.token(IDENTITY, "https://other-idp.example"))
    assert verify(trust, bom_file).exit_code == 3
    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config,
        "--cert-identity", IDENTITY, "--cert-oidc-issuer", "https://other-idp.example",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_trusted_root_of_another_instance_is_rejected(trust: Trust, bom_file: Path) -> None:
    sign(trust, bom_file)
    result = verify(trust, bom_file, root=trust.other_root)
    assert result.exit_code == 3
    assert "certificate chain" in result.stderr


def test_dsse_subject_digest_mismatch(trust: Trust, tmp_path: Path, bom_file: Path) -> None:
    """A valid attestation, correctly signed, whose statement names another document."""
    other = tmp_path / "other.cdx.json"
    other.write_text(json.dumps({**BOM, "version": 7}))
    bundle = sign(trust, other, "--attest")
    result = verify(trust, bom_file, "--bundle", bundle)
    assert result.exit_code == 3
    assert "subject digest does not match" in result.stderr
    assert sha256_file(bom_file) in result.stderr


def test_predicate_type_must_be_the_expected_one(trust: Trust, bom_file: Path) -> None:
    sign(trust, bom_file, "--attest")
    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config, "--cert-identity", IDENTITY,
        "--cert-oidc-issuer", ISSUER, "--predicate-type", "https://slsa.dev/provenance/v1",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "predicate type 'https://cyclonedx.org/bom' is not the expected" in result.stderr


def test_identity_regexp_is_anchored(trust: Trust, bom_file: Path) -> None:
    sign(trust, bom_file)

    def run(regexp: str) -> int:
        return invoke(
            "verify", bom_file, "--trust-config", trust.trust_config,
            "--cert-identity-regexp", regexp, "--cert-oidc-issuer", ISSUER,
        ).exit_code  # fmt: skip

    assert run(r"[a-z-]+@acme-servers\.example") == 0
    assert run(r"factory-signer") == 3  # a partial match is not enough
    assert run(r".*@elsewhere\.example") == 3


def test_many_files_one_verdict_each(trust: Trust, tmp_path: Path) -> None:
    files = []
    for i in range(4):
        f = tmp_path / f"unit{i}.cdx.json"
        f.write_text(json.dumps({**BOM, "version": i + 1}))
        files.append(f)
    token = trust.token()
    result = invoke("sign", *files, "--trust-config", trust.trust_config, "--identity-token", token)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4

    result = verify(trust, *files, "--format", "json")
    assert result.exit_code == 0
    assert json_out(result)["summary"] == {"files": 4, "verified": 4, "failed": 0, "errors": 0}

    files[2].write_text(files[2].read_text() + " ")
    result = verify(trust, *files, "--format", "json")
    assert result.exit_code == 3
    out = json_out(result)
    assert [v["ok"] for v in out["verdicts"]] == [True, True, False, True]
    assert "1 of 4 files failed verification" in result.stderr

    # the same verdicts, in the same order, from forked worker processes
    result = verify(trust, *files, "--format", "json", "--jobs", "2")
    assert result.exit_code == 3
    assert json_out(result)["verdicts"] == out["verdicts"]

    files[3].with_name(files[3].name + ".sigstore.json").write_text("{ not json")
    result = verify(trust, *files)
    assert result.exit_code == 4  # unreadable input takes precedence
    lines = result.stdout.splitlines()
    assert lines[3].startswith("FAILED") and lines[4].startswith("ERROR")
    assert "malformed JSON" in lines[4]


def test_malformed_inputs_exit_4(trust: Trust, tmp_path: Path, bom_file: Path) -> None:
    bundle = sign(trust, bom_file)
    doc = json.loads(bundle.read_text())

    broken = tmp_path / "broken.sigstore.json"
    broken.write_text(bundle.read_text()[:200])
    result = verify(trust, bom_file, "--bundle", broken)
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1 and "malformed JSON" in result.stderr

    del doc["verificationMaterial"]["tlogEntries"]
    broken.write_text(json.dumps(doc))
    result = verify(trust, bom_file, "--bundle", broken)
    assert result.exit_code == 4 and "malformed bundle" in result.stderr

    bad_root = tmp_path / "root.json"
    bad_root.write_text(
        '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",'
    )
    result = verify(trust, bom_file, root=bad_root)
    assert result.exit_code == 4 and "malformed JSON" in result.stderr

    root = json.loads(trust.trusted_root.read_text())
    root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] = (
        "bm90IGEgY2VydA=="
    )
    bad_root.write_text(json.dumps(root))
    result = verify(trust, bom_file, root=bad_root)
    assert result.exit_code == 4 and "trusted root" in result.stderr

    root = json.loads(trust.trusted_root.read_text())
    del root["tlogs"][0]["publicKey"]["validFor"]["start"]
    bad_root.write_text(json.dumps(root))
    result = verify(trust, bom_file, root=bad_root)
    assert result.exit_code == 4
    assert "$.tlogs[0].publicKey.validFor.start" in result.stderr

    result = verify(trust, tmp_path / "missing.json")
    assert result.exit_code == 4 and "no such file" in result.stderr


def test_failed_signing_leaves_no_bundle(trust: Trust, bom_file: Path) -> None:
    target = bom_file.with_name(bom_file.name + ".sigstore.json")
    # the CA does not know this issuer's key: it refuses the certificate
    from sigstore_local import InstanceKeys

    stranger = InstanceKeys(name="stranger").mint_token(IDENTITY, ISSUER)
    result = invoke(
        "sign", bom_file, "--trust-config", trust.trust_config, "--identity-token", stranger
    )
    assert result.exit_code == 4, result.stderr
    assert "cannot get a signing certificate" in result.stderr
    assert not target.exists()
    assert list(bom_file.parent.glob("*.tmp")) == []

    # an expired token is refused before any network use
    expired = trust.token(lifetime=-60)
    result = invoke(
        "sign", bom_file, "--trust-config", trust.trust_config, "--identity-token", expired
    )
    assert result.exit_code == 4 and "identity token rejected" in result.stderr
    assert expired not in result.stderr
    assert not target.exists()

    # no token, no ambient credential, no terminal
    result = invoke("sign", bom_file, "--trust-config", trust.trust_config, "--no-ambient")
    assert result.exit_code == 4 and "no identity token" in result.stderr
    assert not target.exists()


def test_attest_needs_a_cyclonedx_json_bom(trust: Trust, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("not a BOM\n")
    result = invoke(
        "sign", f, "--attest", "--trust-config", trust.trust_config,
        "--identity-token", trust.token(),
    )  # fmt: skip
    assert result.exit_code == 4 and "CycloneDX" in result.stderr
    assert not f.with_name(f.name + ".sigstore.json").exists()


def test_any_file_can_be_signed(trust: Trust, tmp_path: Path) -> None:
    blob = tmp_path / "firmware.bin"
    blob.write_bytes(hashlib.sha256(b"x").digest() * 100)
    out = tmp_path / "fw.bundle"
    sign(trust, blob, "--bundle", out)
    result = verify(trust, blob, "--bundle", out)
    assert result.exit_code == 0, result.stderr
    assert sign(trust, blob, "--bundle", out, "--overwrite") == out
    result = invoke(
        "sign", blob, "--bundle", out, "--trust-config", trust.trust_config,
        "--identity-token", trust.token(),
    )  # fmt: skip
    assert result.exit_code == 4 and "--force" in result.stderr


def test_every_command_option_combination_is_checked(trust: Trust, bom_file: Path) -> None:
    assert invoke("verify", bom_file, "--trust-config", trust.trust_config).exit_code == 2
    assert (
        invoke(
            "verify", bom_file, "--trust-config", trust.trust_config,
            "--cert-identity", IDENTITY,
        ).exit_code
        == 2
    )  # fmt: skip
    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config, "--trusted-root",
        trust.trusted_root, "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip
    assert result.exit_code == 4 and "only one of" in result.stderr
