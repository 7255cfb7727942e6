"""The sovbom error tree. Every error carries the exit code the command line returns for it.

Exit codes are part of the interface (see the README):

* 0: clean;
* 1: findings at or above ``--fail-on``, or an invalid document in ``validate``;
* 2: usage error (click's own);
* 3: a signature or delivery verification failed;
* 4: bad input or an operational error (unreadable file, network, BMC).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    VERIFICATION_FAILED = 3
    BAD_INPUT = 4


class SovbomError(Exception):
    """Base of every error sovbom reports to a user. The CLI catches only this."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """A message for a person: what went wrong and, where known, what to do."""
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class InputError(SovbomError):
    """A file cannot be read, parsed or is of the wrong shape (exit 4)."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if source:
            where = source
            if location:
                where += f": {location}"
            where += ": "
        super().__init__(f"{where}{message}", hint=hint)
        self.source = source
        self.location = location


class OperationalError(SovbomError):
    """Something outside the input failed: network, a BMC, a subprocess (exit 4)."""

    exit_code = ExitCode.BAD_INPUT


class VerificationFailed(SovbomError):
    """A signature, a digest or a delivery did not verify (exit 3)."""

    exit_code = ExitCode.VERIFICATION_FAILED
