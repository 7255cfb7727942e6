"""Reading, writing and validating CycloneDX documents.

Documents are handled in their JSON form as plain dicts (the lean path): parsing with orjson,
validation with jsonschema-rs against the official schemas (vendored in
``schemas/third_party/cyclonedx/``), and
serialisation with orjson. See the README's speed section for why.
"""

from sovbom.cyclonedx.document import (
    READ_VERSIONS,
    WRITE_VERSIONS,
    BomDocument,
    finalize,
    iter_components,
    serialize,
)
from sovbom.cyclonedx.reader import LoadedBom, load_bom, parse_bom
from sovbom.cyclonedx.schema import Problem, schema_problems

__all__ = [
    "READ_VERSIONS",
    "WRITE_VERSIONS",
    "BomDocument",
    "LoadedBom",
    "Problem",
    "finalize",
    "iter_components",
    "load_bom",
    "parse_bom",
    "schema_problems",
    "serialize",
]
