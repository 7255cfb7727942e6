"""Cross-check of the NTIA verdicts with ntia-conformance-checker (SPDX only).

Each corpus CycloneDX BOM (and the samples) is converted to SPDX 2.3 by ``sovbom convert`` and
given to the public checker; its per-component lists are compared with sovbom's verdicts on the
CycloneDX original. The differences are expected, and each is asserted and explained:

1. Supplier: the checker reads only SPDX ``supplier``, which ``convert`` fills from CycloneDX
   ``supplier``. sovbom also accepts ``manufacturer``, ``authors`` and ``publisher`` (NTIA: "an
   entity that creates, defines, and identifies components"), which become SPDX ``originator``.
   So the checker's list = sovbom's missing list + the components with another such entity.
2. Unique identifiers: the checker counts a package's SPDXID, which every package has. sovbom
   wants a purl, CPE, SWID, OmniBOR or SWHID (a part or serial number for hardware), so
   components the checker passes may be missing here.
3. Version: both flag an absent version; an explicit "unknown"/"NOASSERTION" is not blank for
   the checker and is "unknown" (accepted, not missing) for sovbom. Same sets.
4. Author and timestamp: the converted document always names sovbom as a creator tool and a
   creation time, so the checker passes them; sovbom judges the original BOM's own metadata.
5. Dependency relationship: the checker wants one DESCRIBES relationship for the document;
   sovbom judges each component (in the dependency graph or nested under a parent).
6. The checker also validates the SPDX document with spdx-tools: the conversion has no
   validation message, except the dropwizard BOM's licence id
   ``GPL-2.0-with-classpath-exception`` (a deprecated SPDX licence id, taken verbatim from the
   BOM), which spdx-tools' licence parser reads as an exception symbol.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from sovbom.conformance import ProfileId, Status, check_conformance, load_profile
from sovbom.convert import Target, convert
from sovbom.convert._walk import walk
from sovbom.cyclonedx.reader import load_bom

pytest.importorskip("ntia_conformance_checker")

REPO = Path(__file__).resolve().parents[2]


def _cross_check(path: Path, tmp_path: Path) -> None:
    from ntia_conformance_checker import NTIAChecker

    bom = load_bom(path)
    spdx = convert(bom, Target.SPDX_23).data
    out = tmp_path / (path.name + ".spdx.json")
    out.write_bytes(spdx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checker = NTIAChecker(str(out))
    assert not checker.parsing_errors
    messages = [m.validation_message for m in checker.validation_messages]
    assert all("GPL-2.0-with-classpath-exception" in m for m in messages), messages[:3]

    import json

    refs = [p.ref for p in walk(bom.doc)]
    ids = [p["SPDXID"] for p in json.loads(spdx)["packages"]]
    by_id = dict(zip(ids, refs, strict=True))
    report = check_conformance(bom, load_profile(ProfileId.NTIA_2021))
    verdicts = {c.ref: {v.element.id: v for v in c.verdicts} for c in report.components}

    def ours(element: str, status: Status) -> set[str]:
        return {ref for ref, v in verdicts.items() if v[element].status is status}

    def theirs(items: list[tuple[str, str]]) -> set[str]:
        return {by_id[spdx_id] for _, spdx_id in items}

    # 1. supplier
    other_entity = {
        ref for ref, v in verdicts.items()
        if v["supplier"].status is Status.PRESENT and v["supplier"].detail != "supplier.name"
    }  # fmt: skip
    assert theirs(checker.components_without_suppliers) == ours("supplier", Status.MISSING) | (
        other_entity
    )
    # 2. identifiers: the checker counts the SPDXID
    assert checker.components_without_identifiers == []
    # 3. version
    assert theirs(checker.components_without_versions) == ours("version", Status.MISSING)
    assert checker.components_without_names == [] and not ours("component-name", Status.MISSING)
    # 4. author and timestamp: present in the conversion whatever the original says
    assert checker.doc_author and checker.doc_timestamp
    # 5. one DESCRIBES relationship
    assert checker.dependency_relationships


@pytest.mark.parametrize("name", ["hgx-b200-jp.hbom.cdx.json", "monaka-2u-jp.hbom.cdx.json"])
def test_samples_agree_with_ntia_conformance_checker(name: str, tmp_path: Path) -> None:
    _cross_check(REPO / "samples" / name, tmp_path)


@pytest.mark.corpus
def test_corpus_agrees_with_ntia_conformance_checker(corpus: Path, tmp_path: Path) -> None:
    paths = sorted((corpus / "sbom" / "cyclonedx").glob("*.json"))
    assert paths
    for path in paths:
        _cross_check(path, tmp_path)
