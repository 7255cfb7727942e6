"""Each in-toto predicate type sovbom signs is spelled once, in :mod:`sovbom.taxonomy`."""

from __future__ import annotations

from pathlib import Path

from sovbom import claims, signing, taxonomy
from sovbom.signing import statement

SRC = Path(__file__).resolve().parents[2] / "src" / "sovbom"


def test_the_claim_result_predicate_type_is_one_constant() -> None:
    literal = "https://sovbom.dev/origin-claim-result/v1"
    assert literal == taxonomy.CLAIM_RESULT_PREDICATE_TYPE
    spelled = sorted(
        p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if literal in p.read_text()
    )
    assert spelled == ["taxonomy.py"]
    assert claims.CLAIM_RESULT_PREDICATE_TYPE is taxonomy.CLAIM_RESULT_PREDICATE_TYPE
    assert statement.CLAIM_RESULT_PREDICATE_TYPE is taxonomy.CLAIM_RESULT_PREDICATE_TYPE


def test_the_signing_package_uses_the_taxonomy_predicate_types() -> None:
    for name in (
        "CYCLONEDX_PREDICATE_TYPE",
        "SPDX_2_3_PREDICATE_TYPE",
        "SPDX_3_PREDICATE_TYPE",
    ):
        assert getattr(signing, name) is getattr(taxonomy, name)
    # a claim result document is attested with its own type
    doc = {"sovbom_claim_result": 1}
    assert statement.document_predicate_type(doc) == taxonomy.CLAIM_RESULT_PREDICATE_TYPE
