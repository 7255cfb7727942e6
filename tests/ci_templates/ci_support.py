"""Run the CI templates' shell steps as a CI runner would, with a simulated CI environment.

``sovbom`` is put on PATH as a small wrapper around ``python -m sovbom`` (the package may not be
installed as a console script where the tests run). Steps that call other actions (``uses:``)
are recorded and skipped; everything else runs in bash, in order.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
ACTION = REPO / "ci" / "github" / "action.yml"
GITLAB = REPO / "ci" / "gitlab" / "sovbom.gitlab-ci.yml"
STEP_TIMEOUT = 120


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sovbom_on_path(bin_dir: Path) -> Path:
    """A ``sovbom`` executable running this interpreter's ``-m sovbom`` from the source tree."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "sovbom"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sovbom "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir


def base_env(home: Path, bin_dir: Path) -> dict[str, str]:
    """A clean environment: no variables of the real CI the tests may run in."""
    keep = {"LANG", "LC_ALL", "TZ"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        PYTHONPATH=str(REPO / "src"),
        PIP_NO_INDEX="1",  # a template's install step must never reach a package index here
    )
    return env


def run_bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a script as GitHub's and GitLab's runners do for bash: errexit and pipefail."""
    return subprocess.run(  # noqa: S603 - a fixed interpreter, the template's own script
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],  # noqa: S607
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


def sarif_errors(path: Path) -> list[str]:
    schema = json.loads((REPO / "schemas" / "third_party" / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(path.read_text())
    validator = jsonschema_rs.validator_for(schema)
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(doc)]


def signers_file(path: Path, identity: str, issuer: str) -> Path:
    path.write_text(
        "version: 1\nroles:\n  release-pipeline:\n    signers:\n"
        f"      - name: the pipeline\n        identity: '{identity}'\n        issuer: '{issuer}'\n"
    )
    return path


# -- GitHub Actions: a composite action ------------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_REF = re.compile(r"^(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)$")


@dataclass
class ActionRun:
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped_uses: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    failed: str | None = None

    def ref(self, name: str) -> str:
        if not _REF.match(name):
            raise AssertionError(f"unsupported expression in the action: {name!r}")
        parts = name.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        return self.outputs.get(parts[1], {}).get(parts[3], "")

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.ref(m[1]), text)

    def condition(self, expr: str | None) -> bool:
        """The few ``if:`` forms the action uses: ``always()``, ``a == 'x'``, ``a != ''``, &&."""
        if expr is None:
            return self.failed is None
        clauses = [c.strip() for c in _EXPR.sub(r"\1", expr).split("&&")]
        always = "always()" in clauses
        ok = True
        for clause in (c for c in clauses if c != "always()"):
            m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", clause)
            if m is None:
                raise AssertionError(f"unsupported condition in the action: {clause!r}")
            equal = self.ref(m[1]) == m[3]
            ok = ok and (equal if m[2] == "==" else not equal)
        return ok and (always or self.failed is None)


def run_action(
    action: dict[str, Any], inputs: dict[str, str], env: dict[str, str], workspace: Path
) -> ActionRun:
    """Run a composite action's steps in order, as the runner does (a failed step stops the
    others unless their ``if:`` says ``always()``)."""
    declared = action["inputs"]
    values = {k: str(spec.get("default", "")) for k, spec in declared.items()}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    values.update(inputs)
    assert values.get("install", "") == "", "tests use the sovbom on PATH: pass install=''"
    for name, spec in declared.items():
        assert not spec.get("required") or values[name], f"required input {name} not given"
    run = ActionRun(values)
    for i, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {i}")
        if not run.condition(step.get("if")):
            continue
        if "uses" in step:
            run.skipped_uses.append(step["uses"])
            continue
        assert step.get("shell") == "bash", f"{name}: composite run steps must name their shell"
        output = workspace / f".github_output_{i}"
        output.write_text("")
        step_env = {**env, "GITHUB_OUTPUT": str(output)}
        step_env.update({k: run.substitute(str(v)) for k, v in (step.get("env") or {}).items()})
        result = run_bash(step["run"], step_env, workspace)
        run.ran.append(name)
        run.results[name] = result
        if "id" in step:
            pairs = (line.split("=", 1) for line in output.read_text().splitlines() if line)
            run.outputs[step["id"]] = dict(pairs)
        if result.returncode != 0:
            run.failed = name
    return run


# -- GitLab CI: a template of jobs -----------------------------------------------------------


def gitlab_jobs(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The template's jobs (hidden ``.jobs`` merged in through ``extends``), in pipeline order:
    stage order, then ``needs`` order within a stage."""
    jobs = {}
    for name, job in template.items():
        if name.startswith(".") or not isinstance(job, dict) or "script" not in job:
            continue
        merged = dict(template[job["extends"]]) if "extends" in job else {}
        merged.update(job)
        jobs[name] = merged
    stages = ["build", "test", "deploy"]
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [
            n
            for n, j in jobs.items()
            if n not in order and all(d in order for d in j.get("needs", []))
        ]
        assert ready, "the jobs' needs form a cycle"
        order.append(min(ready, key=lambda n: stages.index(jobs[n]["stage"])))
    return [(n, jobs[n]) for n in order]
