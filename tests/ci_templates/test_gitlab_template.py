"""The GitLab CI template's jobs, in pipeline order, in a simulated GitLab CI environment."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from ci_support import (
    GITLAB,
    SAMPLES,
    base_env,
    gitlab_jobs,
    load_yaml,
    run_bash,
    sarif_errors,
    signers_file,
    sovbom_on_path,
)

from sigstore_local import LocalSigstore

GITLAB_ISSUER = "https://gitlab.example.eu"
GITLAB_IDENTITY = "https://gitlab.example.eu/platform/image//.gitlab-ci.yml@refs/heads/main"


def _expand(value: str, env: dict[str, str]) -> str:
    old = os.environ.copy()
    try:
        os.environ.clear()
        os.environ.update(env)
        return os.path.expandvars(value)
    finally:
        os.environ.clear()
        os.environ.update(old)


def run_pipeline(
    instance: LocalSigstore, tmp_path: Path, variables: dict[str, str]
) -> dict[str, subprocess.CompletedProcess[str]]:
    template = load_yaml(GITLAB)
    project = tmp_path / "project"
    project.mkdir()
    env = base_env(tmp_path / "home", sovbom_on_path(tmp_path / "bin"))
    env.update({k: str(v) for k, v in template["variables"].items()})
    env.update(
        CI="true",
        GITLAB_CI="true",
        CI_PROJECT_DIR=str(project),
        CI_PROJECT_PATH="platform/image",
        CI_COMMIT_REF_NAME="main",
        CI_COMMIT_SHA="0" * 40,
        CI_PIPELINE_ID="1",
        CI_SERVER_URL=GITLAB_ISSUER,
    )
    env.update(variables)
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    for name, job in gitlab_jobs(template):
        job_env = dict(env, CI_JOB_NAME=name, CI_JOB_STAGE=job["stage"])
        for token_var, spec in (job.get("id_tokens") or {}).items():
            # GitLab mints one OIDC token per id_tokens entry, for its audience
            job_env[token_var] = instance.mint_token(
                GITLAB_IDENTITY, GITLAB_ISSUER, audience=spec["aud"]
            )
        script = "\n".join([*job.get("before_script", []), *job["script"]])
        result = run_bash(script, job_env, project)
        results[name] = result
        artifacts = job.get("artifacts", {})
        for path in artifacts.get("paths", []):
            kept = project / _expand(path, job_env)
            # a check that failed on findings (1) still writes its report; one that could not
            # verify the signature (3) writes none, and GitLab only warns of the missing file
            if result.returncode == 0 or (
                artifacts.get("when") == "always" and result.returncode == 1
            ):
                assert kept.is_file(), f"{name}: artifact {path} missing"
        if result.returncode != 0:
            break
    return results


Pipeline = Callable[..., dict[str, subprocess.CompletedProcess[str]]]


@pytest.fixture
def pipeline(local_sigstore: LocalSigstore, trust_config: Path, tmp_path: Path) -> Pipeline:
    """Run the pipeline with the sample policy, the local instance's trust config, nothing to
    install, and a signer policy naming ``signer``; ``variables`` add or override."""

    def run(signer: str, **variables: str) -> dict[str, subprocess.CompletedProcess[str]]:
        signers = signers_file(tmp_path / "signers.yaml", signer, GITLAB_ISSUER)
        common = {
            "SOVBOM_INSTALL": "",
            "SOVBOM_POLICY": str(SAMPLES / "policy.yaml"),
            "SOVBOM_SIGNERS": str(signers),
            "SOVBOM_TRUST_CONFIG": str(trust_config),
        }
        return run_pipeline(local_sigstore, tmp_path, {**common, **variables})

    return run


def test_template_declares_id_tokens_and_sarif_artifact() -> None:
    template = load_yaml(GITLAB)
    jobs = dict(gitlab_jobs(template))
    assert list(jobs) == ["sovbom-build", "sovbom-sign", "sovbom-check"]
    assert jobs["sovbom-sign"]["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    check = jobs["sovbom-check"]
    assert check["artifacts"]["when"] == "always"
    assert any(p.endswith("sovbom.sarif") for p in check["artifacts"]["paths"])


def test_pipeline_builds_signs_checks_and_keeps_sarif(pipeline: Pipeline, tmp_path: Path) -> None:
    results = pipeline(
        GITLAB_IDENTITY,
        SOVBOM_MANIFEST=str(SAMPLES / "hgx-b200-jp.manifest.yaml"),
    )
    codes = {n: r.returncode for n, r in results.items()}
    details = {n: r.stderr[-2000:] for n, r in results.items()}
    # findings at 'high' in the sample server: the check job fails, its SARIF is kept
    assert codes == {"sovbom-build": 0, "sovbom-sign": 0, "sovbom-check": 1}, details
    out = tmp_path / "project" / "sovbom-out"
    assert (out / "server.cdx.json.sigstore.json").is_file()
    assert "ambient CI credential" in details["sovbom-sign"]
    sarif = out / "sovbom.sarif"
    assert sarif_errors(sarif) == []
    assert json.loads(sarif.read_text())["runs"][0]["results"]


def test_pipeline_passes_below_fail_on(pipeline: Pipeline, tmp_path: Path) -> None:
    results = pipeline(
        GITLAB_IDENTITY,
        SOVBOM_BOM=str(SAMPLES / "monaka-2u-jp.hbom.cdx.json"),
        SOVBOM_FAIL_ON="critical",
    )
    codes = {n: r.returncode for n, r in results.items()}
    assert codes == {"sovbom-build": 0, "sovbom-sign": 0, "sovbom-check": 0}
    assert sarif_errors(tmp_path / "project" / "sovbom-out" / "sovbom.sarif") == []


def test_pipeline_signature_by_another_identity_fails_closed(pipeline: Pipeline) -> None:
    results = pipeline(
        "someone-else@example.eu",
        SOVBOM_BOM=str(SAMPLES / "monaka-2u-jp.hbom.cdx.json"),
        SOVBOM_FAIL_ON="critical",
    )
    assert results["sovbom-check"].returncode == 3
