"""The one error tree of skytrace.

    SkytraceError
     +-- DecodeError            a single message could not be decoded
     |    +-- InvalidMessageError   not hex / wrong length / unknown downlink format
     +-- SourceError            a feed or file could not be read (format, connection)
     +-- RefdataError           reference data missing or malformed
     +-- StoreError             the history store cannot be opened, migrated or queried
     |    +-- StoreLockedError      another process owns the store
     |    +-- DamagedFileError      a store file does not read back (checksum, truncation)
     +-- SimulationError        a scenario file is invalid
     +-- WatchRuleError         a watch rule or the watch rules file is invalid
     +-- UsageError             wrong arguments to a command or function

Single-item calls raise these with a message a user can act on. Batch and stream calls
never raise for bad data: they label the row, count it and go on.

Each error carries structured fields as attributes where they help a caller (for example
``InvalidMessageError.actual`` and ``.expected``), and ``exit_code`` is what the CLI
exits with when the error reaches it.
"""

from __future__ import annotations

__all__ = [
    "DamagedFileError",
    "DecodeError",
    "InvalidMessageError",
    "RefdataError",
    "SimulationError",
    "SkytraceError",
    "SourceError",
    "StoreError",
    "StoreLockedError",
    "UsageError",
    "WatchRuleError",
]


class SkytraceError(Exception):
    """Base of every error skytrace raises on purpose."""

    exit_code: int = 1


class UsageError(SkytraceError):
    """Arguments are wrong: a bad option value, a missing file, an unknown name."""

    exit_code = 2


class DecodeError(SkytraceError):
    """A single Mode S message cannot be decoded."""

    exit_code = 3


class InvalidMessageError(DecodeError):
    """The input is not a Mode S message at all (non-hex, wrong length, unknown DF)."""

    def __init__(self, message: str, *, actual: object = None, expected: object = None) -> None:
        super().__init__(message)
        self.actual = actual
        self.expected = expected


class SourceError(SkytraceError):
    """A receiver feed or a recorded file cannot be read."""

    exit_code = 4


class RefdataError(SkytraceError):
    """Reference data is missing or malformed."""

    exit_code = 5


class StoreError(SkytraceError):
    """The history store cannot be opened, migrated or queried."""

    exit_code = 6


class StoreLockedError(StoreError):
    """Another process owns the store's database file."""


class DamagedFileError(StoreError):
    """A store file does not read back whole: a checksum fails or it is truncated or junk."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"damaged store file {path}: {reason}")
        self.path = path
        self.reason = reason


class SimulationError(SkytraceError):
    """A scenario is invalid or cannot be simulated."""

    exit_code = 7


class WatchRuleError(SkytraceError):
    """A watch rule, or the watch rules file, is invalid; ``line`` is the file's line (or 0)."""

    exit_code = 8

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line
