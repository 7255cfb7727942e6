"""What every part of :mod:`sovbom.signing` shares: the exceptions that mean "rejected", bundle
file names, and one-line messages."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from cryptography import x509
from sigstore.errors import Error as SigstoreError

BUNDLE_SUFFIX = ".sigstore.json"

#: Exceptions sigstore-python (and the libraries under it) raise on a bundle it cannot accept.
#: ValueError covers pydantic's ValidationError, binascii.Error and malformed DER.
REJECTIONS: tuple[type[BaseException], ...] = (
    SigstoreError,
    ValueError,
    x509.UnsupportedGeneralNameType,
    x509.ExtensionNotFound,
)
REJECTIONS_OR_DECODE: tuple[type[BaseException], ...] = (*REJECTIONS, UnicodeDecodeError)


#: Longest one-line message taken from a third-party exception.
MAX_MESSAGE = 400
#: pydantic's pointer to its documentation, which names pydantic rather than the problem.
_PYDANTIC_URL = re.compile(r"\s*For further information visit \S+")


def one_line(e: BaseException) -> str:
    """A single line for a message (some exceptions carry several message parts), cut at a
    word boundary and marked ``[...]`` when longer than :data:`MAX_MESSAGE`."""
    parts = e.args if len(e.args) > 1 and all(isinstance(a, str) for a in e.args) else (str(e),)
    text = _PYDANTIC_URL.sub("", " ".join(str(p) for p in parts))
    text = " ".join(text.split()) or type(e).__name__
    if len(text) <= MAX_MESSAGE:
        return text
    cut = text.rfind(" ", 0, MAX_MESSAGE)
    return text[: cut if cut > 0 else MAX_MESSAGE] + " [...]"


#: What a pydantic error type means, in sovbom's words (others: "invalid value").
_SHAPE_WORDS = {
    "missing": "missing",
    "extra_forbidden": "not a field of a bundle",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected an array",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "bool_type": "expected true or false",
    "literal_error": "not a value a bundle allows",
    "enum": "not a value a bundle allows",
}
#: Problems named in one message.
_SHAPE_SHOWN = 3


def _json_path(loc: tuple[Any, ...]) -> str:
    path = "$"
    for key in loc:
        if isinstance(key, int):
            path += f"[{key}]"
        elif isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            path += f".{key}"
        # anything else names a variant of a union inside the validator, not a place
    return path


def bundle_shape_problems(data: bytes) -> list[str]:
    """Why a bundle (valid JSON) is not shaped as a Sigstore bundle: one ``JSON path: problem``
    each. Empty when the shape is right, or the reason cannot be told in these words."""
    try:
        from pydantic import ValidationError
        from sigstore_models.bundle.v1 import Bundle as BundleModel
    except ImportError:  # pragma: no cover - sigstore-python without its models package
        return []
    try:
        BundleModel.from_json(data)
    except ValidationError as e:
        return [
            f"{_json_path(tuple(err['loc']))}: {_SHAPE_WORDS.get(err['type'], 'invalid value')}"
            for err in e.errors(include_url=False)
        ]
    except ValueError:
        return []
    return []


def malformed_bundle(data: bytes, e: BaseException) -> str:
    """The message for a bundle sigstore-python refuses to load."""
    problems = bundle_shape_problems(data)
    if not problems:
        return f"malformed bundle: {one_line(e)}"
    more = len(problems) - _SHAPE_SHOWN
    shown = "; ".join(problems[:_SHAPE_SHOWN]) + (f" (and {more} more)" if more > 0 else "")
    return f"malformed bundle: {shown}"


def default_bundle_path(path: str | os.PathLike[str]) -> Path:
    """``FILE.sigstore.json`` (or an existing legacy ``FILE.sigstore``)."""
    p = Path(path)
    modern = p.with_name(p.name + BUNDLE_SUFFIX)
    legacy = p.with_name(p.name + ".sigstore")
    if not modern.exists() and legacy.exists():
        return legacy
    return modern
