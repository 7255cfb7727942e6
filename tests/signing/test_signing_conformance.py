"""Every case of the sigstore-conformance ``bundle-verify`` suite through ``sovbom verify``.

Real bundles from the public instances (and a few from mocks with their own trusted root).
The suite's README gives the defaults: artifact ``a.txt``, the beacon workflow identity, GitHub's
issuer; a case directory's ``artifact``/``identity``/``issuer``/``trusted_root.json`` replace
them. Cases ending ``_fail`` must fail, all others must pass. The production root is the one
embedded in sigstore-python, used with ``--offline`` (no TUF refresh, no network).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from signing_support import invoke

SUITE = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpus"
    / "sigstore"
    / "sigstore-conformance"
    / "bundle-verify"
)
DEFAULT_IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"

#: Cases sigstore-python 4.5.1 itself cannot handle (documented in the README). They are strict
#: xfails: if a later sigstore-python handles them, the test suite says so.
_MANAGED_KEY = (
    "managed-key bundle (public key, no certificate): sigstore-python 4.5.1 only loads bundles"
    " with a signing certificate"
)
SIGSTORE_PYTHON_LIMITS = {
    "managed-key-happy-path": _MANAGED_KEY,
    "managed-key-and-trusted-root": _MANAGED_KEY,
    "intoto-with-custom-trust-root": "intoto 0.0.2 log entry: sigstore-python 4.5.1 verifies DSSE"
    " only as dsse 0.0.1 or hashedrekord 0.0.2 entries",
    "trust-root-tsa-validity-end-inclusive": "sigstore-python 4.5.1 treats a timestamp authority's"
    " validFor.end as exclusive (gen_time < end); the spec's TimeRange is a closed interval",
}


def _cases() -> list[str]:
    if not SUITE.is_dir():
        return []
    return sorted(p.name for p in SUITE.iterdir() if (p / "bundle.sigstore.json").is_file())


def _params() -> list[object]:
    out: list[object] = []
    for name in _cases():
        marks = [pytest.mark.corpus]
        if name in SIGSTORE_PYTHON_LIMITS:
            marks.append(pytest.mark.xfail(strict=True, reason=SIGSTORE_PYTHON_LIMITS[name]))
        out.append(pytest.param(name, marks=marks, id=name))
    if not out:
        out.append(
            pytest.param(
                "absent", marks=[pytest.mark.corpus, pytest.mark.skip(reason="corpus absent")]
            )
        )
    return out


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


@pytest.mark.corpus
@pytest.mark.parametrize("case", _params())
def test_conformance_case(case: str, corpus: Path) -> None:
    d = SUITE / case
    artifact = d / "artifact" if (d / "artifact").is_file() else SUITE / "a.txt"
    identity = _read(d / "identity") if (d / "identity").is_file() else DEFAULT_IDENTITY
    issuer = _read(d / "issuer") if (d / "issuer").is_file() else DEFAULT_ISSUER
    root = (
        ["--trusted-root", d / "trusted_root.json"] if (d / "trusted_root.json").is_file() else []
    )
    # The suite does not constrain the in-toto predicate type: accept any ('*').
    result = invoke(
        "verify", "--offline", artifact, "--bundle", d / "bundle.sigstore.json",
        "--cert-identity", identity, "--cert-oidc-issuer", issuer, "--predicate-type", "*", "-f", "table", *root,
    )  # fmt: skip
    # never a traceback (invoke does not catch exceptions), always a documented exit code
    assert result.exit_code in (0, 3, 4), result.stderr
    if case.endswith("_fail"):
        assert result.exit_code in (3, 4), f"{case} verified but must fail:\n{result.stdout}"
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("sovbom: error: "), result.stderr  # one line, the reason
        assert all(line.startswith("sovbom: ") for line in lines), result.stderr
    else:
        assert result.exit_code == 0, f"{case} must verify: {result.stderr}"
        assert result.stdout.splitlines()[1].startswith("VERIFIED")


@pytest.mark.corpus
def test_the_suite_is_all_there(corpus: Path) -> None:
    cases = _cases()
    assert len(cases) >= 60, "the conformance suite looks incomplete"
    assert set(SIGSTORE_PYTHON_LIMITS) <= set(cases)
