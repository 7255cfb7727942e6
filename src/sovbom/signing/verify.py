"""Verify files against Sigstore bundles; fail closed.

The entry points, from the most convenient to the most reusable:

* :func:`verify_bundle_for_bytes` returns a :class:`Verdict` only when everything holds and raises
  :class:`~sovbom.errors.VerificationFailed` otherwise (a caller cannot ignore a failure);
* :class:`BundleVerifier` parses the trust material once and checks many files, returning one
  :class:`Verdict` per file (``ok`` is ``False`` with a one-line ``reason`` on failure);
* malformed inputs (a bundle or trusted root that cannot be parsed) raise
  :class:`~sovbom.errors.InputError`.

A signature only verifies with the keys of the trusted root that were valid (``validFor``) at its
verified time: the integrated time of its transparency log entry and the time of any timestamp
authority's timestamp. A certificate authority, transparency log key or CT log key used outside
its window makes the verification fail, with a reason naming the key and its window.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sigstore.errors import MetadataError, VerificationError

from sovbom._io import MAX_SMALL_INPUT_BYTES, display_name, parse_json, read_bytes
from sovbom._parallel import worker_count
from sovbom.errors import InputError
from sovbom.signers import SignerPolicy
from sovbom.signing._common import REJECTIONS, default_bundle_path, malformed_bundle, one_line
from sovbom.signing.identity import (
    RulesPolicy,
    SignerNotAllowed,
    SignerSpec,
    certificate_identities,
    certificate_issuer,
    rules_of,
)
from sovbom.signing.lean import Decline, LeanVerifier
from sovbom.signing.lean._base import MEMO_LIMIT
from sovbom.signing.statement import (
    CYCLONEDX_PREDICATE_TYPE,
    StatementMismatch,
    check_message_digest,
    check_statement,
    predicate_type,
    read_statement,
)
from sovbom.signing.trust import TrustMaterial
from sovbom.signing.verdict import BundleKind, Status, Verdict, bundle_metadata
from sovbom.signing.windows import BundleKeys, out_of_window, window_failure

if TYPE_CHECKING:
    from sigstore.models import Bundle
    from sigstore.verify import Verifier

    from sovbom.signing.lean import Accepted


class _KeyOutOfWindow(Exception):
    """The signature verifies only with a key used outside its validity window."""


#: What sigstore-python raises on a bundle it rejects: an integrated time beyond what the platform's
#: clock functions take raises OverflowError or OSError (EOVERFLOW) there.
_VERIFY_REJECTIONS: tuple[type[BaseException], ...] = (*REJECTIONS, OverflowError, OSError)
_REJECTED_OR_OUT_OF_WINDOW: tuple[type[BaseException], ...] = (*_VERIFY_REJECTIONS, _KeyOutOfWindow)


@dataclass(frozen=True)
class _LogEntry:
    """The facts of a bundle's log entry as sigstore-python verifies them."""

    #: The integrated time when an inclusion promise (SET) binds it, else ``None``.
    promised_time: int | None
    log_id: bytes


def _log_entry(bundle: Bundle) -> _LogEntry:
    """Read the log entry from the parsed bundle, not from its JSON: the parser also accepts
    other spellings of the field names, and the check must see what the verifier sees.
    sigstore-python exposes these fields only on its inner model; should that change, every
    verification fails (closed) with this message."""
    try:
        inner = bundle.log_entry._inner
        integrated = inner.integrated_time
        promised = integrated if integrated and inner.inclusion_promise else None
        return _LogEntry(promised_time=promised, log_id=bytes(inner.log_id.key_id))
    except (AttributeError, TypeError) as e:
        raise VerificationError(
            f"cannot read the transparency log entry's time with this sigstore-python: {e}"
        ) from e


def signed_times(bundle: Bundle) -> list[dt.datetime]:
    """The times at which the bundle was signed, as sigstore-python establishes them: the log
    entry's integrated time when an inclusion promise binds it, and the time of each RFC 3161
    timestamp. Keys must be valid at all of them (a timestamp sigstore-python then discards only
    makes the check stricter); sigstore-python verifies that the times are genuine."""
    times: list[dt.datetime] = []
    promised = _log_entry(bundle).promised_time
    if promised is not None:
        # a time the platform cannot represent: sigstore-python rejects the entry
        with contextlib.suppress(ValueError, OverflowError, OSError):
            times.append(dt.datetime.fromtimestamp(promised, dt.UTC))
    timestamps = bundle.verification_material.timestamp_verification_data
    for response in timestamps.rfc3161_timestamps if timestamps is not None else []:
        t = response.tst_info.gen_time
        times.append(t if t.tzinfo else t.replace(tzinfo=dt.UTC))
    return times


def _bundle_keys(bundle: Bundle) -> BundleKeys:
    return BundleKeys(
        leaf=bundle.signing_certificate,
        log_id=_log_entry(bundle).log_id,
        timestamped=bundle.verification_material.timestamp_verification_data is not None,
    )


class BundleVerifier:
    """Verify many files against their bundles with one trust root and one signer policy.

    The trusted root is parsed and the sigstore ``Verifier`` built once (and once per set of keys
    valid at the bundles' signing times).

    ``predicate_types``: for DSSE bundles, the in-toto predicate types accepted
    (:data:`ANY_PREDICATE_TYPE` accepts any). ``roles``: with a :class:`SignerPolicy`, the roles
    whose signers are accepted (all roles when ``None``). ``lean``: let the lean verifier
    (:mod:`sovbom.signing.lean`) vouch for the bundles it handles; ``False`` verifies every bundle
    with sigstore-python.
    """

    def __init__(
        self,
        trust: TrustMaterial,
        signers: SignerSpec,
        *,
        roles: Sequence[str] | None = None,
        predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
        lean: bool = True,
    ) -> None:
        self.trust = trust
        self.policy = signers if isinstance(signers, SignerPolicy) else None
        self.rules = rules_of(signers, roles)
        if not self.rules:
            raise InputError("no allowed signer given (an empty signer list allows nobody)")
        self.predicate_types = tuple(predicate_types)
        lean_root = trust.lean if lean else None
        #: The lean verifier (None when it does not handle this root): bundles it vouches for
        #: are verified without sigstore-python; it declines every other, and sigstore-python
        #: decides.
        self._lean = LeanVerifier(lean_root, self.rules) if lean_root is not None else None
        if self._lean is None:
            trust.verifier  # noqa: B018 - an unusable root is reported before any file
        self._policy = RulesPolicy(self.rules)
        #: Who each signing certificate names (by SHA-256 fingerprint): identities and issuer.
        self._who: dict[bytes, tuple[list[str], str | None]] = {}

    def _names(self, cert: x509.Certificate) -> tuple[list[str], str | None]:
        fingerprint = cert.fingerprint(hashes.SHA256())
        who = self._who.get(fingerprint)
        if who is None:
            if len(self._who) >= MEMO_LIMIT:
                self._who.clear()
            who = self._who[fingerprint] = (certificate_identities(cert), certificate_issuer(cert))
        return who

    def verify_bytes(
        self,
        data: bytes,
        bundle_bytes: bytes,
        *,
        name: str = "<data>",
        bundle_name: str = "<bundle>",
        sha256: str | None = None,
    ) -> Verdict:
        """Verify ``data`` against a bundle. A malformed bundle raises :class:`InputError`.

        ``sha256``: the SHA-256 of ``data`` (hex) when the caller computed it already."""
        digest = sha256 if sha256 is not None else hashlib.sha256(data).hexdigest()
        verdict = Verdict(
            file=name,
            bundle=bundle_name,
            ok=False,
            status=Status.FAILED,
            sha256=digest,
            trust_root=self.trust.info,
        )
        doc = parse_json(bundle_bytes, bundle_name)  # syntax and depth: InputError naming the file
        bundle_metadata(doc, verdict)
        if self._lean is not None:
            try:
                accepted = self._lean.verify(doc, bytes.fromhex(digest))
            except Decline:
                pass  # sigstore-python decides, and words the reason
            else:
                return self._lean_verdict(data, digest, doc, accepted, verdict)
        from sigstore.models import Bundle

        try:
            bundle = Bundle.from_json(bundle_bytes)
        except REJECTIONS as e:
            raise InputError(malformed_bundle(bundle_bytes, e), source=bundle_name) from e

        identities, issuer = self._names(bundle.signing_certificate)
        try:
            self._verify_signature(data, digest, doc, bundle, verdict)
        except SignerNotAllowed as e:
            verdict.reason = str(e)  # sovbom's own message, listing the signers: never cut
            return verdict
        except _VERIFY_REJECTIONS as e:
            verdict.reason = one_line(e)
            return verdict
        except (StatementMismatch, _KeyOutOfWindow) as e:
            verdict.reason = str(e)
            return verdict
        return self._verified(verdict, identities, issuer)

    def _verified(self, verdict: Verdict, identities: list[str], issuer: str | None) -> Verdict:
        # Only a verified signer is reported: on failure the reason says who the certificate names.
        verdict.ok = True
        verdict.status = Status.VERIFIED
        verdict.identity = identities[0] if identities else None
        verdict.issuer = issuer
        if self.policy is not None and issuer is not None:
            verdict.roles = sorted({r for i in identities for r in self.policy.roles_of(i, issuer)})
        return verdict

    def _lean_verdict(
        self, data: bytes, digest: str, doc: Any, accepted: Accepted, verdict: Verdict
    ) -> Verdict:
        """The verdict on a bundle the lean verifier vouched for: sovbom's own checks of what
        was signed (digest, in-toto statement) as on the full path."""
        try:
            if accepted.payload is None:
                check_message_digest(doc, digest)
            else:
                statement = read_statement(*accepted.payload)
                verdict.predicate_type = predicate_type(statement)
                check_statement(statement, digest, self.predicate_types, data)
        except _VERIFY_REJECTIONS as e:
            verdict.reason = one_line(e)
            return verdict
        except StatementMismatch as e:
            verdict.reason = str(e)
            return verdict
        identities, issuer = self._names(accepted.certificate)
        return self._verified(verdict, identities, issuer)

    def _verify_signature(
        self, data: bytes, digest: str, doc: Any, bundle: Bundle, verdict: Verdict
    ) -> None:
        """Raise unless the bundle verifies, with keys valid at its signing times, for ``data``."""
        dsse = verdict.bundle_kind is BundleKind.DSSE
        if not dsse:
            check_message_digest(doc, digest)
        times = signed_times(bundle)
        verifier, excluded = self.trust.verifier_at(times)
        try:
            if verifier is None:
                raise _KeyOutOfWindow
            payload = self._sigstore_verify(verifier, data, bundle, dsse)
        except _REJECTED_OR_OUT_OF_WINDOW:
            if not excluded:
                raise
            # With every key of the root: a failure then is the genuine reason; a success means
            # that the signature relies on a key outside its window.
            # (MetadataError: no key of a kind is valid yet, even for sigstore-python.)
            with contextlib.suppress(MetadataError):
                self._sigstore_verify(self.trust.verifier, data, bundle, dsse)
            relied_on = out_of_window(self.trust.windows, _bundle_keys(bundle), times)
            raise _KeyOutOfWindow(window_failure(relied_on, times)) from None
        if payload is not None:
            statement = read_statement(*payload)
            verdict.predicate_type = predicate_type(statement)
            check_statement(statement, digest, self.predicate_types, data)

    def _sigstore_verify(
        self, verifier: Verifier, data: bytes, bundle: Bundle, dsse: bool
    ) -> tuple[str, bytes] | None:
        """sigstore-python's verification; the DSSE payload (type, bytes) for a DSSE bundle."""
        if dsse:
            return verifier.verify_dsse(bundle, self._policy)
        verifier.verify_artifact(data, bundle, self._policy)
        return None

    def verify_file(
        self, path: str | os.PathLike[str], bundle: str | os.PathLike[str] | None = None
    ) -> Verdict:
        """Verify a file against its bundle (``FILE.sigstore.json`` by default).

        Unreadable inputs do not raise here: they give a verdict with status ``error``.
        """
        bundle_path = Path(bundle) if bundle is not None else default_bundle_path(path)
        name, bname = display_name(path), display_name(bundle_path)
        try:
            data = read_bytes(path)
            bundle_bytes = read_bytes(bundle_path, limit=MAX_SMALL_INPUT_BYTES)
            return self.verify_bytes(data, bundle_bytes, name=name, bundle_name=bname)
        except InputError as e:
            return Verdict(
                file=name,
                bundle=bname,
                ok=False,
                status=Status.ERROR,
                reason=e.message,
                trust_root=self.trust.info,
            )

    def verify_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        bundle: str | os.PathLike[str] | None = None,
        *,
        jobs: int | None = None,
        on_verdict: Callable[[Verdict], None] | None = None,
    ) -> list[Verdict]:
        """Verify many files (each against ``FILE.sigstore.json``, or all against ``bundle``).

        Verdicts come back in the order of ``paths``. With ``jobs`` > 1 (default: one per CPU,
        at most 8, for at least :data:`PARALLEL_THRESHOLD` files) the work is shared by forked
        worker processes that inherit this verifier; where ``fork`` is unavailable it runs serially.
        ``on_verdict`` is called once per file as verdicts arrive (e.g. to advance a progress bar).
        """
        jobs = _default_jobs(len(paths)) if jobs is None else max(1, jobs)
        import multiprocessing  # only for parallel runs

        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            global _WORKER_VERIFIER
            _WORKER_VERIFIER = self
            try:
                ctx = multiprocessing.get_context("fork")
                chunk = max(1, min(32, len(paths) // (jobs * 4)))
                with ctx.Pool(jobs) as pool:
                    verdicts = []
                    args = [(p, bundle) for p in paths]
                    for verdict in pool.imap(_worker_verify, args, chunksize=chunk):
                        verdicts.append(verdict)
                        if on_verdict is not None:
                            on_verdict(verdict)
                    return verdicts
            finally:
                _WORKER_VERIFIER = None
        out = []
        for p in paths:
            verdict = self.verify_file(p, bundle)
            if on_verdict is not None:
                on_verdict(verdict)
            out.append(verdict)
        return out


#: Below this many files, verification stays in one process (forking costs more than it saves).
PARALLEL_THRESHOLD = 200
_WORKER_VERIFIER: BundleVerifier | None = None


def _default_jobs(n: int) -> int:
    return worker_count(n, PARALLEL_THRESHOLD)


def _worker_verify(args: tuple[str | os.PathLike[str], str | os.PathLike[str] | None]) -> Verdict:
    """Runs in a forked worker: the verifier was inherited from the parent."""
    assert _WORKER_VERIFIER is not None
    return _WORKER_VERIFIER.verify_file(*args)


def verify_bundle_for_bytes(
    data: bytes,
    bundle_bytes: bytes,
    signers: SignerSpec,
    trust: TrustMaterial,
    *,
    roles: Sequence[str] | None = None,
    predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
    name: str = "<data>",
    bundle_name: str = "<bundle>",
) -> Verdict:
    """Verify ``data`` against a Sigstore bundle; fail closed.

    ``signers`` is one :class:`~sovbom.signers.IdentityRule`, a sequence of them (any may have
    signed) or a :class:`~sovbom.signers.SignerPolicy` (restricted to ``roles`` when given).
    Returns the :class:`Verdict` only when everything holds; raises
    :class:`~sovbom.errors.VerificationFailed` (exit 3) when verification fails and
    :class:`~sovbom.errors.InputError` (exit 4) when the bundle or trust material is malformed.
    Reuse ``trust`` across calls: its verifier is built once. ``name`` and ``bundle_name`` are
    how messages and the verdict name the file and its bundle (their paths, or member names).
    """
    verifier = BundleVerifier(trust, signers, roles=roles, predicate_types=predicate_types)
    verdict = verifier.verify_bytes(data, bundle_bytes, name=name, bundle_name=bundle_name)
    return verdict.raise_for_failure()


def verify_file(
    path: str | os.PathLike[str],
    signers: SignerSpec,
    trust: TrustMaterial,
    *,
    bundle: str | os.PathLike[str] | None = None,
    roles: Sequence[str] | None = None,
    predicate_types: Sequence[str] = (CYCLONEDX_PREDICATE_TYPE,),
) -> Verdict:
    """Verify one file (see :func:`verify_bundle_for_bytes`); raises unless verified."""
    verifier = BundleVerifier(trust, signers, roles=roles, predicate_types=predicate_types)
    return verifier.verify_file(path, bundle).raise_for_failure()
