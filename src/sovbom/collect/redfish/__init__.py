"""Hardware inventory from a Redfish service: a live BMC (``--redfish``) or a mockup tree.

One walker (:mod:`.walk`) follows ``@odata.id`` links from the service root over a
:class:`~.base.Fetcher`, so a live BMC (:mod:`.http`: requests with bounded retries and
deadlines, TLS verified by default, session or basic authentication, credentials from
:mod:`.credentials`) and a DMTF mockup directory (:mod:`.mockup`: ``index.json`` per URI) share
all the parsing; :mod:`.mapping` and :mod:`.build` turn the records into components, and
:mod:`.integrity` keeps ``ComponentIntegrity`` evidence on the part it concerns. On a live BMC,
:mod:`.challenge` (``challenge=True``) asks each SPDM responder for measurements signed over a
fresh nonce, following the BMC's task monitor when it answers asynchronously.

A resource that cannot be had (404, 5xx after retries, a timeout, broken JSON, a redirect loop) is
recorded in ``Inventory.notes`` and the inventory is marked incomplete (``complete=False``), unless
``strict=True``, where it raises. The service root failing, authentication failing (401/403), TLS
verification failing or the collection running past its deadline always raise
:class:`~sovbom.errors.OperationalError`.
"""

from sovbom.collect.redfish.api import (
    collect_mockup,
    collect_mockup_with_stats,
    collect_redfish,
    collect_redfish_with_stats,
)
from sovbom.collect.redfish.base import RedfishStats
from sovbom.collect.redfish.credentials import ENV_PASSWORD, ENV_USERNAME

__all__ = [
    "ENV_PASSWORD",
    "ENV_USERNAME",
    "RedfishStats",
    "collect_mockup",
    "collect_mockup_with_stats",
    "collect_redfish",
    "collect_redfish_with_stats",
]
