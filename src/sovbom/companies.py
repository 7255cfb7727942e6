"""Company identity: whether two manufacturer or supplier names are one company.

One place answers it for every command (delivery verification, the merge of hardware sources,
policy exemptions by supplier):

1. the supplier registry (:mod:`sovbom.collect.suppliers`): every name an entry matches
   (``Supermicro``, ``SUPERMICRO``, ``Super Micro Computer, Inc.``) is that entry's company;
2. otherwise normalisation: case, punctuation, ``(R)`` / ``(TM)`` and legal or generic suffixes
   (``Inc.``, ``Co., Ltd.``, ``Corporation``, ``Technologies`` ...) are dropped, and the words
   left are the company (``Acme Power Systems, Inc.`` is ``acme power systems``).

A name the registry knows and one it does not are never one company. Names the registry does
not know are compared word for word after normalisation: ``Acme`` and ``Acme Power`` are two
companies (add a registry entry, ``--suppliers FILE``, to say they are one).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovbom.collect.suppliers import SupplierRegistry

#: Words that do not tell companies apart (legal forms, generic business words).
_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
        "plc", "ag", "gmbh", "sa", "se", "nv", "bv", "kk", "technology", "technologies",
        "international", "holdings", "group", "the",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
#: Prefix of a key given by the registry (a normalised name never contains ``:``).
_REGISTRY = "registry:"


def normalized_name(name: str) -> str:
    """The words of a company name that tell it apart: ``Intel(R) Corporation`` -> ``intel``."""
    text = name.casefold().replace("(r)", " ").replace("(tm)", " ").replace("k.k.", " kk ")
    words = [w for w in _WORD.findall(text) if w not in _SUFFIXES]
    return " ".join(words) if words else " ".join(name.casefold().split())


def _key(name: str, registry: SupplierRegistry) -> str:
    entry = registry.lookup(name)
    if entry is not None:
        return _REGISTRY + normalized_name(entry.name)
    return normalized_name(name)


@functools.lru_cache(maxsize=4096)
def _default_key(name: str) -> str:
    from sovbom.collect.suppliers import default_registry

    return _key(name, default_registry())


def company_key(name: str, registry: SupplierRegistry | None = None) -> str:
    """A key equal for every spelling of one company (``registry``: the default one if None)."""
    if registry is None:
        return _default_key(name)
    return _key(name, registry)


def same_company(a: str, b: str, registry: SupplierRegistry | None = None) -> bool:
    """Whether ``a`` and ``b`` name one company (see the module's documentation)."""
    if a == b:
        return True
    return company_key(a, registry) == company_key(b, registry)


__all__ = ["company_key", "normalized_name", "same_company"]
