"""Every ``sovbom:`` and ``cdx:`` name is spelled once, in :mod:`sovbom.taxonomy`."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

from sovbom import taxonomy

SRC = Path(__file__).resolve().parents[2] / "src" / "sovbom"
NAME = re.compile(r"^(sovbom|cdx):\S")  # "sovbom: error: ..." is a message, not a name

#: Modules that still spell some names as literals: listed (as a warning), not failed. Remove a
#: module from here once it uses :mod:`sovbom.taxonomy`; the set only ever shrinks.
NOT_YET_MIGRATED: frozenset[str] = frozenset()


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def name_literals(path: Path) -> list[str]:
    """``line: literal`` for each string literal (or f-string head) that starts a name."""
    tree = ast.parse(path.read_text(), str(path))
    docs = _docstrings(tree)
    heads: set[int] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                heads.add(id(head))
                if NAME.match(head.value):
                    found.append(f"{node.lineno}: f{head.value!r}...")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and id(node) not in heads
            and NAME.match(node.value)
        ):
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def _literals_by_module() -> dict[str, list[str]]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "taxonomy.py":
            continue
        found = name_literals(path)
        if found:
            out[rel] = found
    return out


def test_names_are_spelled_only_in_the_taxonomy() -> None:
    found = _literals_by_module()
    tolerated = {m: v for m, v in found.items() if m in NOT_YET_MIGRATED}
    if tolerated:
        listing = "\n".join(f"  {m}:{line}" for m, lines in tolerated.items() for line in lines)
        warnings.warn(
            f"names spelled outside sovbom.taxonomy (NOT_YET_MIGRATED):\n{listing}", stacklevel=1
        )
    known = {v for k, v in vars(taxonomy).items() if k.isupper() and isinstance(v, str)}
    missing = sorted(
        {ast.literal_eval(line.split(": ", 1)[1].removeprefix("f").removesuffix("..."))
         for lines in tolerated.values() for line in lines} - known
    )  # fmt: skip
    assert not missing, f"not in sovbom.taxonomy yet: {missing}"
    offending = {m: v for m, v in found.items() if m not in NOT_YET_MIGRATED}
    assert not offending, "use sovbom.taxonomy constants instead of literals:\n" + "\n".join(
        f"  {m}:{line}" for m, lines in offending.items() for line in lines
    )


def test_the_finder_sees_literals_and_f_strings_but_not_messages(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        '"""sovbom:doc is a docstring."""\n'
        'A = "sovbom:model"\n'
        'B = f"sovbom:sbom:{A}"\n'
        'C = "sovbom: error: a message"\n'
        'D = "cdx:device:sku"\n'
    )
    assert name_literals(sample) == [
        "2: 'sovbom:model'",
        "3: f'sovbom:sbom:'...",
        "5: 'cdx:device:sku'",
    ]


def test_taxonomy_names_are_unique() -> None:
    names = {
        k: v
        for k, v in vars(taxonomy).items()
        if k.isupper() and isinstance(v, str) and NAME.match(v)
    }
    values = list(names.values())
    assert len(values) == len(set(values)), sorted(v for v in values if values.count(v) > 1)
