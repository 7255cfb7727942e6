"""Evidence packs: one reproducible, signed archive per inspection, and its offline re-verification.

A pack (``sovbom pack``) is a ZIP archive holding the server BOMs, their Sigstore bundles, the
trust material and signer policy used, the provenance policy, evidence documents, the check and
delivery reports, ``index.json`` (``schemas/evidence-index.schema.json``) and the index's Sigstore
bundle ``index.json.sigstore.json``. ``sovbom inspect`` verifies the index's signature with the
inspector's own trust material first, then every digest, signature and report (each check report
is re-derived and compared as a whole).

* :mod:`sovbom.pack.safezip`: reading and writing archives with limits;
* :mod:`sovbom.pack.index`: the index, its schema and its signature;
* :mod:`sovbom.pack.build`: building a pack from its inputs;
* :mod:`sovbom.pack.inspect` and :mod:`sovbom.pack.rederive`: inspecting one;
* :mod:`sovbom.pack.trust`: whose trust material verifies it.
"""
