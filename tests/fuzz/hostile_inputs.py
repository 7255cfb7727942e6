"""Hostile inputs for the command-line tests: the small ones are files in tests/data/hostile,
the large or deep ones are generated here."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "data" / "hostile"
SAMPLES = REPO / "samples"
HBOM = SAMPLES / "hgx-b200-jp.hbom.cdx.json"
POLICY = SAMPLES / "policy.yaml"
SIGNERS = SAMPLES / "signers.yaml"
MANIFEST = SAMPLES / "hgx-b200-jp.manifest.yaml"
DMIDECODE = REPO / "tests" / "data" / "hw" / "merge-example.dmidecode.txt"

STATIC_YAML = [
    "alias-bomb.yaml",
    "binary-tag.yaml",
    "set-tag.yaml",
    "integer-key.yaml",
    "latin1.yaml",
]
STATIC_XML = ["utf7.cdx.xml", "unknown-encoding.cdx.xml"]


def write_generated(directory: Path) -> dict[str, Path]:
    """Write the generated hostile files into ``directory``; name -> path."""
    files: dict[str, bytes] = {
        # 900 levels: libyaml composes it, the pure-Python loader hit RecursionError.
        "deep.yaml": b"a: " + b"[" * 900 + b"]" * 900 + b"\n",
        "big-integer.yaml": b"version: " + b"9" * 5000 + b"\n",
        "hex-integer.yaml": b"version: 0x" + b"f" * 100_000 + b"\n",
        "recursive-alias.yaml": b"a: &a [*a, *a]\n",
        "big-integer.cdx.json": b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": '
        + b"9" * 5000
        + b"}",
        "deep-array.json": b"[" * 5000 + b"]" * 5000,
        "nested-components.cdx.json": _nested_components(200),
        "deep.cdx.xml": _deep_xml(1000),
        "big-integer.sigstore.json": b'{"mediaType": ' + b"1" * 5000 + b"}",
    }
    out = {}
    for name, data in files.items():
        path = directory / name
        path.write_bytes(data)
        out[name] = path
    return out


def _nested_components(depth: int) -> bytes:
    comp: dict[str, object] = {"type": "library", "name": "leaf", "bom-ref": "c0"}
    for i in range(1, depth):
        comp = {"type": "library", "name": f"c{i}", "bom-ref": f"c{i}", "components": [comp]}
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "device", "name": "server", "bom-ref": "server"}},
        "components": [comp],
    }
    # json.dumps recurses per level: 200 components (400 levels) are within its reach.
    return json.dumps(doc).encode()


def _deep_xml(depth: int) -> bytes:
    head = b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>'
    body = b'<component type="library"><name>x</name><components>' * depth
    tail = b"</components></component>" * depth
    return head + body + tail + b"</components></bom>"
