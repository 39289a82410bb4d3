"""Error types of samm-pipeline.

Every error a user can cause derives from :class:`SammError`. Its message is a
single line that says what was expected, where (file, key or option), and what
to do next; the CLI prints it as ``error: <message>`` and exits with status 1.
"""

from __future__ import annotations

import errno


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


class StorageError(SammError):
    """The disk refused a write: full, over quota, read-only or failing."""


FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""``errno`` values that mean the disk (or the quota) is full."""

STORAGE_ERRNOS = FULL_ERRNOS | {errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
"""``errno`` values that mean the storage failed, not the program."""


def storage_error(error: OSError, where: str) -> StorageError | None:
    """A one-line :class:`StorageError` for a failed write, or ``None``.

    ``None`` when ``error`` is not a storage failure (a bug to re-raise).

    >>> import errno
    >>> full = OSError(errno.ENOSPC, "No space left on device")
    >>> str(storage_error(full, "store s")).split(";")[0]
    'No space left on device writing store s'
    >>> storage_error(FileNotFoundError(errno.ENOENT, "gone"), "x") is None
    True
    """
    if error.errno not in STORAGE_ERRNOS:
        return None
    advice = (
        "free space (or choose another location)"
        if error.errno in FULL_ERRNOS
        else "choose a location you can write to"
    )
    return StorageError(
        f"{error.strerror or error} writing {where}; {advice} and run again: "
        "finished work is kept and unfinished work is redone"
    )
