"""An origin claim result signed as an in-toto statement (its own predicate type), verified, and
refused once tampered (exit 3), on the local Sigstore-compatible instance."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from signing_support import Trust, invoke
from test_signing_e2e import sign, verify

REPO = Path(__file__).resolve().parents[2]
CLAIM_TYPE = "https://sovbom.dev/origin-claim-result/v1"


def test_claim_result_is_attested_verified_and_tamper_evident(trust: Trust, tmp_path: Path) -> None:
    out = tmp_path / "claim.json"
    result = invoke(
        "claim", REPO / "samples" / "hgx-b200-jp.hbom.cdx.json",
        "--claim", REPO / "samples" / "made-in-japan.claim.yaml", "--as-of", "2026-11-22", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    bundle = sign(trust, out, "--attest")
    statement = json.loads(
        base64.b64decode(json.loads(bundle.read_text())["dsseEnvelope"]["payload"])
    )
    assert statement["predicateType"] == CLAIM_TYPE
    assert statement["predicate"] == json.loads(out.read_text())
    ok = verify(trust, out, "--predicate-type", CLAIM_TYPE)
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    # without --predicate-type, the type expected is the document's kind: a claim result's
    assert verify(trust, out).exit_code == 0
    # a BOM predicate type is not what was signed
    assert verify(trust, out, "--predicate-type", "https://cyclonedx.org/bom").exit_code == 3
    out.write_text(
        out.read_text()
        .replace('"holds": false', '"holds": true', 1)
        .replace("2026-11-22", "2026-11-23")
    )
    tampered = verify(trust, out, "--predicate-type", CLAIM_TYPE)
    assert tampered.exit_code == 3
    assert "subject digest does not match" in tampered.stderr
