"""The GitHub composite action, step by step, in a simulated GitHub Actions environment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from ci_support import (
    ACTION,
    SAMPLES,
    ActionRun,
    base_env,
    load_yaml,
    run_action,
    sarif_errors,
    signers_file,
    sovbom_on_path,
)

from sigstore_local import LocalSigstore
from sigstore_local.server import GITHUB_ACTIONS_ISSUER

UPLOAD = "github/codeql-action/upload-sarif@v3"


def _github_env(tmp_path: Path, instance: LocalSigstore) -> dict[str, str]:
    env = base_env(tmp_path / "home", sovbom_on_path(tmp_path / "bin"))
    env.update(instance.github_actions_env())
    env.update(
        CI="true",
        GITHUB_WORKSPACE=str(tmp_path / "ws"),
        GITHUB_REPOSITORY="acme-servers/bom",
        GITHUB_REF="refs/heads/main",
        GITHUB_SHA="0" * 40,
        GITHUB_WORKFLOW="release",
        GITHUB_RUN_ID="1",
        RUNNER_TEMP=str(tmp_path / "runner-temp"),
    )
    (tmp_path / "ws").mkdir()
    return env


@pytest.fixture
def action(
    local_sigstore: LocalSigstore, trust_config: Path, tmp_path: Path
) -> Callable[..., ActionRun]:
    """Run the action with the sample policy and the local instance's trust config, nothing to
    install, and (for ``signer``) a signer policy naming that workflow identity; the workspace
    is ``tmp_path / "ws"``."""

    def run(
        inputs: dict[str, str],
        *,
        signer: str | None,
        env_changes: dict[str, str] | None = None,
    ) -> ActionRun:
        env = _github_env(tmp_path, local_sigstore)
        env.update(env_changes or {})
        given = {
            "policy": str(SAMPLES / "policy.yaml"),
            "trust-config": str(trust_config),
            "install": "",
        }
        if signer is not None:
            signers = signers_file(tmp_path / "signers.yaml", signer, GITHUB_ACTIONS_ISSUER)
            given["signers"] = str(signers)
        return run_action(load_yaml(ACTION), {**given, **inputs}, env, tmp_path / "ws")

    return run


def test_action_declares_what_it_needs() -> None:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"manifest", "bom", "policy", "signers", "trust-config"} <= set(action["inputs"])
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert UPLOAD in uses
    for step in action["runs"]["steps"]:
        # inputs reach scripts through env only: no expression is expanded into shell code
        assert "${{" not in step.get("run", ""), step.get("name")


def test_action_builds_signs_checks_and_writes_sarif(
    action: Callable[..., ActionRun], local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    run = action(
        {"manifest": str(SAMPLES / "hgx-b200-jp.manifest.yaml")},
        signer=local_sigstore.gha_identity,
    )
    details = {n: (r.returncode, r.stderr[-2000:]) for n, r in run.results.items()}
    assert run.skipped_uses == [UPLOAD], details  # setup-python: only to install
    bom = Path(run.outputs["build"]["bom"])
    assert bom == Path("sovbom-out/hgx-b200-jp.cdx.json")
    ws = tmp_path / "ws"
    assert json.loads((ws / bom).read_text())["bomFormat"] == "CycloneDX"
    bundle = ws / run.outputs["sign"]["bundle"]
    assert bundle.name == "hgx-b200-jp.cdx.json.sigstore.json" and bundle.is_file()
    assert (
        "ambient CI credential" in run.results["Sign the BOM with the workflow's identity"].stderr
    )
    # the sample server has findings at 'high': the check reports them (exit 1), the SARIF is
    # written and uploaded, and only the last step fails the job
    assert run.outputs["check"]["exit-code"] == "1", details
    sarif = ws / run.outputs["check"]["sarif"]
    assert sarif.is_file() and sarif_errors(sarif) == []
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    assert run.failed == "Fail on findings"
    assert run.results["Fail on findings"].returncode == 1


def test_action_passes_below_fail_on_with_an_existing_bom(
    action: Callable[..., ActionRun], local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    run = action(
        {
            "bom": str(SAMPLES / "monaka-2u-jp.hbom.cdx.json"),
            "fail-on": "critical",
            "upload-sarif": "false",
        },
        signer=local_sigstore.gha_identity,
    )
    details = {n: (r.returncode, r.stderr[-2000:]) for n, r in run.results.items()}
    assert run.failed is None, details
    assert run.skipped_uses == [], details  # no Python set-up, no upload
    assert run.outputs["check"]["exit-code"] == "0"
    assert sarif_errors(tmp_path / "ws" / run.outputs["check"]["sarif"]) == []


def test_action_fails_closed_on_an_unlisted_signer(action: Callable[..., ActionRun]) -> None:
    run = action(
        {"manifest": str(SAMPLES / "hgx-b200-jp.manifest.yaml"), "fail-on": "critical"},
        signer="someone-else@example.eu",
    )
    assert run.failed == "Check provenance (SARIF)"
    assert run.results["Check provenance (SARIF)"].returncode == 3
    assert "Fail on findings" not in run.ran


def test_action_without_ambient_identity_fails_at_signing(action: Callable[..., ActionRun]) -> None:
    run = action(
        {"manifest": str(SAMPLES / "hgx-b200-jp.manifest.yaml")},
        signer=None,
        env_changes={"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"},  # no `id-token: write`
    )
    assert run.failed == "Sign the BOM with the workflow's identity"
    assert run.results[run.failed].returncode == 4
    assert "Traceback" not in run.results[run.failed].stderr
