"""The options every command shares: trust and identity options on every verifying command,
configured defaults (sovbom.toml, environment, command line), -q/-v before or after the command,
and --fail-on never."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from sovbom.cli import cli
from sovbom.cli._trust import PACK_ROLE, TRUST_OPTION_NAMES

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
HGX = SAMPLES / "hgx-b200-jp.hbom.cdx.json"
POLICY = SAMPLES / "policy.yaml"
AS_OF = ("--as-of", "2026-11-22")

#: Every command that verifies a signature.
VERIFYING = ("check", "verify-delivery", "pack", "inspect", "verify", "fleet ingest")
IDENTITY = (
    "--certificate-identity",
    "me@example.org",
    "--certificate-oidc-issuer",
    "https://idp.example",
)


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, [str(a) for a in args], env=env, catch_exceptions=False, prog_name="sovbom",
        auto_envvar_prefix="SOVBOM",
    )  # fmt: skip


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli)
    out: dict[str, click.Command] = {}
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        assert cmd is not None
        out[name] = cmd
        if isinstance(cmd, click.Group):
            out.update({f"{name} {n}": c for n, c in cmd.commands.items()})
    return out


@pytest.fixture(autouse=True)
def _no_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No sovbom.toml, pyproject.toml or SOVBOM_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for var in ("POLICY", "SIGNERS", "TRUSTED_ROOT", "TRUST_CONFIG", "DATABASE_URL"):
        monkeypatch.delenv(f"SOVBOM_{var}", raising=False)


# --- trust and identity options on every verifying command ---------------------------------


def test_every_verifying_command_has_every_trust_and_identity_option() -> None:
    commands = _commands()
    verifying = [*VERIFYING, *(["diff"] if "diff" in commands else [])]
    for name in verifying:
        help_text = invoke(*name.split(), "--help").output
        for option in TRUST_OPTION_NAMES:
            assert f"{option} " in help_text or f"{option}," in help_text, (name, option)
        opts = {o for p in commands[name].params for o in p.opts}
        assert set(TRUST_OPTION_NAMES) <= opts, (name, set(TRUST_OPTION_NAMES) - opts)


def test_the_pack_role_is_the_index_role() -> None:
    from sovbom.pack.index import INDEX_ROLE

    assert PACK_ROLE == INDEX_ROLE


def test_the_document_predicate_type_mirrors_the_library() -> None:
    from sovbom import signing
    from sovbom.cli import sign as cli_sign

    assert cli_sign.DOCUMENT_PREDICATE_TYPE == signing.DOCUMENT_PREDICATE_TYPE


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--signers", str(SAMPLES / "signers.yaml"), *IDENTITY), "not both"),
        (("--certificate-identity", "me@example.org"), "needs one of --certificate-oidc-issuer"),
        (("--cert-oidc-issuer", "https://idp.example"), "give one of --certificate-identity"),
        (
            (*IDENTITY, "--certificate-identity-regexp", ".*"),
            "give one of --certificate-identity and --certificate-identity-regexp",
        ),
        ((*IDENTITY, "--cert-oidc-issuer-regexp", ".*"), "needs one of --certificate-oidc-issuer"),
    ],
)
def test_identity_options_are_checked_on_every_verifying_command(
    extra: tuple[str, ...], message: str
) -> None:
    calls = {
        "check": ("check", HGX, "-p", POLICY),
        "verify-delivery": ("verify-delivery", "--expected", HGX, "--observed", HGX),
        "pack": ("pack", HGX, "-o", "p.zip", "--unsigned"),
        "inspect": ("inspect", "p.zip"),
        "verify": ("verify", HGX),
    }
    for name, call in calls.items():
        result = invoke(*call, *extra)
        assert result.exit_code == 2, (name, result.output)
        assert message in result.stderr, (name, result.stderr)


def test_an_invalid_identity_regexp_is_bad_input() -> None:
    result = invoke("check", HGX, "-p", POLICY, "--certificate-identity-regexp", "(",
                    "--certificate-oidc-issuer", "https://idp.example", "--offline")  # fmt: skip
    assert result.exit_code == 4
    assert "invalid identity regexp '('" in result.stderr


def test_an_ad_hoc_signer_turns_signature_checking_on(tmp_path: Path) -> None:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    result = invoke("check", bom, "-p", POLICY, *IDENTITY, "--offline", *AS_OF)
    assert result.exit_code == 3
    assert "not signed: no Sigstore bundle" in result.stderr


def test_pack_offline_needs_unsigned(tmp_path: Path) -> None:
    result = invoke("pack", HGX, "-o", tmp_path / "p.zip", "--offline")
    assert result.exit_code == 2
    assert "--offline: signing the index needs the network" in result.stderr
    result = invoke("pack", HGX, "-o", tmp_path / "p.zip", "--offline", "--unsigned")
    assert result.exit_code == 0, result.stderr


def test_pack_packs_an_ad_hoc_signer_as_a_signer_policy(tmp_path: Path) -> None:
    import zipfile

    import sigstore

    # sigstore-python's snapshot of the public-good root (read from disk: no network)
    store = Path(sigstore.__file__).parent / "_store"
    root = next(store.glob("*sigstore.dev/trusted_root.json"))
    out = tmp_path / "p.zip"
    result = invoke("pack", HGX, "-o", out, "--unsigned", "--offline", "--trusted-root", root,
                    "--certificate-identity-regexp", "hbom-.*@factory.example",
                    "--certificate-oidc-issuer-regexp", "https://sso\\.factory\\.example/.*")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as z:
        index = json.loads(z.read("index.json"))
        policy = json.loads(z.read(index["trust"]["signers"]))
    from sovbom.signers import parse_signer_policy

    parsed = parse_signer_policy(policy)
    assert sorted(parsed.roles) == ["manufacturer", "pack"]
    assert parsed.roles_of("hbom-7@factory.example", "https://sso.factory.example/realm") == [
        "manufacturer",
        "pack",
    ]
    assert parsed.roles_of("hbom-7@factory.example", "https://other.example/realm") == []


# --- configured defaults: sovbom.toml, environment, command line --------------------------


def _policy_copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(POLICY, path)
    return path


def _policy_used(result: Result) -> str:
    assert result.exit_code in (0, 1), result.output
    return str(json.loads(result.stdout)["policy"]["source"])


def test_check_policy_from_the_file_the_command_line_and_the_environment(tmp_path: Path) -> None:
    _policy_copy(tmp_path, "from-toml.yaml")
    cli_policy = _policy_copy(tmp_path, "from-cli.yaml")
    env_policy = _policy_copy(tmp_path, "from-env.yaml")
    assert invoke("check", HGX, "-f", "json", *AS_OF).exit_code == 2  # no policy anywhere
    (tmp_path / "sovbom.toml").write_text('policy = "from-toml.yaml"\n')
    assert _policy_used(invoke("check", HGX, "-f", "json", *AS_OF)).endswith("from-toml.yaml")
    used = _policy_used(invoke("check", HGX, "-p", cli_policy, "-f", "json", *AS_OF))
    assert used.endswith("from-cli.yaml")
    env = {"SOVBOM_POLICY": str(env_policy)}
    assert _policy_used(invoke("check", HGX, "-f", "json", *AS_OF, env=env)).endswith(
        "from-env.yaml"
    )


def test_verify_delivery_and_pack_take_the_configured_policy(tmp_path: Path) -> None:
    (tmp_path / "sovbom.toml").write_text('policy = "missing-policy.yaml"\n')
    result = invoke("pack", HGX, "-o", tmp_path / "p.zip", "--unsigned")
    assert result.exit_code == 4 and "missing-policy.yaml" in result.stderr
    env = {"SOVBOM_POLICY": str(tmp_path / "env-policy.yaml")}
    result = invoke("pack", HGX, "-o", tmp_path / "p.zip", "--unsigned", env=env)
    assert result.exit_code == 4 and "env-policy.yaml" in result.stderr
    result = invoke("pack", HGX, "-o", tmp_path / "p.zip", "--unsigned", "-p", POLICY, *AS_OF)
    assert result.exit_code == 0, result.stderr
    result = invoke("verify-delivery", "--expected", HGX, "--observed", HGX, *IDENTITY,
                    "--trusted-root", tmp_path / "none.json")  # fmt: skip
    assert result.exit_code == 4 and "missing-policy.yaml" in result.stderr


def test_signers_from_the_file_the_command_line_and_the_environment(tmp_path: Path) -> None:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    (tmp_path / "sovbom.toml").write_text('signers = "toml-signers.yaml"\n')
    result = invoke("check", bom, "-p", POLICY, "--offline")
    assert result.exit_code == 4 and "toml-signers.yaml" in result.stderr
    result = invoke("check", bom, "-p", POLICY, "--offline",
                    env={"SOVBOM_SIGNERS": str(tmp_path / "env-signers.yaml")})  # fmt: skip
    assert result.exit_code == 4 and "env-signers.yaml" in result.stderr
    result = invoke("check", bom, "-p", POLICY, "--offline", "--signers", SAMPLES / "signers.yaml")
    assert result.exit_code == 3 and "not signed" in result.stderr
    # an ad-hoc signer on the command line replaces the configured signer policy
    result = invoke("check", bom, "-p", POLICY, "--offline", *IDENTITY)
    assert result.exit_code == 3 and "not signed" in result.stderr
    result = invoke("verify", bom, "--offline")
    assert result.exit_code == 4 and "toml-signers.yaml" in result.stderr


@pytest.mark.parametrize("key", ["trusted-root", "trust-config"])
def test_trust_defaults_apply_only_when_signatures_are_checked(tmp_path: Path, key: str) -> None:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    shutil.copy(bom, tmp_path / "hgx.cdx.json.sigstore.json")  # never read: the root fails first
    (tmp_path / "sovbom.toml").write_text(f'{key} = "toml-trust.json"\n')
    # no signers anywhere: the configured trust material is not used (nor an error)
    assert invoke("check", bom, "-p", POLICY, "-f", "json", *AS_OF).exit_code == 1
    result = invoke("check", bom, "-p", POLICY, *IDENTITY)
    assert result.exit_code == 4 and "toml-trust.json" in result.stderr
    env = {f"SOVBOM_{key.upper().replace('-', '_')}": str(tmp_path / "env-trust.json")}
    result = invoke("check", bom, "-p", POLICY, *IDENTITY, env=env)
    assert result.exit_code == 4 and "env-trust.json" in result.stderr
    result = invoke("check", bom, "-p", POLICY, *IDENTITY, f"--{key}", tmp_path / "cli-trust.json")
    assert result.exit_code == 4 and "cli-trust.json" in result.stderr


def test_sign_takes_the_configured_trust_config(tmp_path: Path) -> None:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    (tmp_path / "sovbom.toml").write_text('trust-config = "toml-config.json"\n')
    args = ("sign", bom, "--identity-token", "not-used", "--no-ambient")
    result = invoke(*args)
    assert result.exit_code == 4 and "toml-config.json" in result.stderr
    env = {"SOVBOM_TRUST_CONFIG": str(tmp_path / "env-config.json")}
    result = invoke(*args, env=env)
    assert result.exit_code == 4 and "env-config.json" in result.stderr
    result = invoke(*args, "--trust-config", tmp_path / "cli-config.json", env=env)
    assert result.exit_code == 4 and "cli-config.json" in result.stderr
    assert not (tmp_path / "hgx.cdx.json.sigstore.json").exists()


# --- -q / -v before or after the command, --fail-on never -----------------------------------


def test_every_command_accepts_quiet_and_verbose_after_its_name() -> None:
    for name, cmd in _commands().items():
        if isinstance(cmd, click.Group):
            continue
        opts = {o for p in cmd.params for o in p.opts}
        assert {"-v", "--verbose", "--quiet"} <= opts, name
        if name != "validate":  # its own -q prints problems only
            assert "-q" in opts, name


@pytest.mark.parametrize("position", ["before", "after"])
def test_quiet_silences_warnings_and_keeps_errors(tmp_path: Path, position: str) -> None:
    def run(*args: str | Path, quiet: bool) -> Result:
        flag = ("-q",) if quiet else ()
        if position == "before":
            return invoke(*flag, *args)
        return invoke(*args, *flag)

    out = tmp_path / "x.spdx.json"
    loud = run("convert", HGX, "--to", "spdx-2.3", "-o", out, quiet=False)
    assert loud.exit_code == 0 and loud.stderr.strip()  # hardware fields SPDX cannot carry
    quiet = run("convert", HGX, "--to", "spdx-2.3", "-o", out, quiet=True)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    error = run("check", tmp_path / "missing.json", "-p", POLICY, quiet=True)
    assert error.exit_code == 4 and "sovbom: error:" in error.stderr


def test_verbose_after_the_command_adds_to_verbose_before_it() -> None:
    logger = logging.getLogger("sovbom")
    invoke("config", "-f", "json")
    assert logger.level == logging.WARNING
    invoke("-v", "config", "-f", "json", "-v")
    assert logger.level == logging.DEBUG
    invoke("config", "-v", "-f", "json")
    assert logger.level == logging.INFO
    invoke("-v", "config", "-q")
    assert logger.level == logging.ERROR


def test_quiet_turns_progress_bars_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from sovbom.cli._common import progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    seen: list[Any] = []

    @click.command()
    @click.option("-q", "quiet", is_flag=True)
    def probe(quiet: bool) -> None:
        click.get_current_context().meta["sovbom.quiet"] = quiet
        with progress_bar("x", 5) as advance:
            seen.append(advance)

    CliRunner().invoke(probe, [], catch_exceptions=False)
    CliRunner().invoke(probe, ["-q"], catch_exceptions=False)
    assert seen[1] is None


def test_every_fail_on_accepts_never() -> None:
    with_fail_on = []
    for name, cmd in _commands().items():
        for p in cmd.params:
            if "--fail-on" in p.opts:
                assert isinstance(p.type, click.Choice), name
                assert "never" in p.type.choices, name
                with_fail_on.append(name)
    assert {"check", "verify-delivery", "pack", "inspect", "conformance"} <= set(with_fail_on)


def test_check_fail_on_never_reports_and_exits_0(tmp_path: Path) -> None:
    import jsonschema_rs

    schema = json.loads((REPO / "schemas" / "check-report.schema.json").read_text())
    failing = invoke("check", HGX, "-p", POLICY, "-f", "json", *AS_OF)
    assert failing.exit_code == 1
    result = invoke("check", HGX, "-p", POLICY, "-f", "json", "--fail-on", "never", *AS_OF)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert not list(jsonschema_rs.validator_for(schema).iter_errors(report))
    assert report["fail_on"] == "never" and report["verdict"] == "pass"
    assert report["summary"] == json.loads(failing.stdout)["summary"]  # the same findings
    table = invoke("check", HGX, "-p", POLICY, "-f", "table", "--fail-on", "never", *AS_OF)
    assert table.exit_code == 0 and "report only" in table.stdout
