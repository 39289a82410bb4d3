"""Error types of samm-pipeline.

Every error a user can cause derives from :class:`SammError`. Its message is a
single line that says what was expected, where (file, key or option), and what
to do next; the CLI prints it as ``error: <message>`` and exits with status 1.
"""

from __future__ import annotations


class SammError(Exception):
    """Base class for user-facing errors (printed as one line, exit status 1)."""

    def __init__(self, message: str) -> None:
        # Keep messages on one line whatever the caller passed in.
        super().__init__(" ".join(str(message).split()))


class ConfigError(SammError):
    """A configuration file or option is missing, malformed or out of range."""


class DataError(SammError):
    """Input data (a dataset folder, a video, a spreadsheet) cannot be used."""


class OutputExistsError(SammError):
    """An output location is not empty and ``--overwrite`` was not given."""
