"""One writer per store: an exclusive lock file beside the store.

``<store>.lock`` (a sibling, so that ``--overwrite`` can delete and recreate
the store while holding it) is locked with ``flock``. The kernel drops the
lock when its process dies, however it dies, so a crash never leaves a store
locked: the next run finds the file with the dead run's pid in it, reports
that it recovers a stale lock, and takes it. The file records pid, host and
start time, so that a refused run can say who holds the store.

Notes
-----
Only local stores are locked: an fsspec URL (``s3://``, ``memory://``) has
no file to lock, and object stores give no lock primitive; there, one
writer at a time is the user's promise (README, "What we guarantee").
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from samm_pipeline.errors import DataError

logger = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(store: str | os.PathLike[str]) -> Path:
    """The lock file of a local store: ``<store>.lock`` beside it."""
    path = Path(store).absolute()
    if not path.name or path.name in (".", ".."):
        raise DataError(
            f"store path {os.fspath(store)!r} names no folder; give one like "
            "data/landmarks.zarr"
        )
    return path.with_name(path.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StoreLock:
    """Exclusive, crash-safe lock of a local store for one extraction.

    Parameters
    ----------
    store
        The store folder (it need not exist yet).
    purpose
        Recorded in the lock file and shown to a refused second run.

    Raises
    ------
    DataError
        On :meth:`acquire`, when another live process holds the store.
    """

    def __init__(self, store: str | os.PathLike[str], purpose: str = "extract") -> None:
        self.store = Path(store)
        self.path = lock_path(store)
        self.purpose = purpose
        self._fd: int | None = None
        self.recovered: dict[str, Any] | None = None
        """What a stale lock said (pid, host, started), if one was recovered."""

    def acquire(self) -> StoreLock:
        """Take the lock, or raise DataError naming the holder."""
        if fcntl is None:  # pragma: no cover - Windows
            logger.warning(
                "no file locking on this platform; not locking %s", self.store
            )
            return self
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise DataError(_busy_message(self.store, holder)) from None
            # The previous holder may have unlinked the file between our open
            # and our flock: then we locked an orphan; start again.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_holder(fd)
        if previous.get("pid") and previous.get("pid") != os.getpid():
            self.recovered = previous
            logger.warning(
                "recovered a stale lock on %s left by %s (pid %s on %s, started %s), "
                "which ended without releasing it; its complete entries are kept "
                "and its unfinished ones redone",
                self.store,
                previous.get("purpose", "a run"),
                previous.get("pid"),
                previous.get("host"),
                previous.get("started"),
            )
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "purpose": self.purpose,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self._fd = fd
        return self

    def _open(self) -> int:
        """Open (creating) the lock file, or say why the store cannot go there."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise DataError(
                f"cannot create store {self.store} ({error.strerror or error}: "
                f"{error.filename or self.path.parent}); choose a --store in a "
                "folder you can write to"
            ) from None

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data.decode()) if data else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _busy_message(store: Path, holder: dict[str, Any]) -> str:
    who = (
        f"{holder.get('purpose', 'another run')} (pid {holder.get('pid')} on "
        f"{holder.get('host')}, started {holder.get('started')})"
        if holder
        else "another run"
    )
    alive = ""
    if holder.get("host") == socket.gethostname() and holder.get("pid"):
        alive = "" if _pid_alive(int(holder["pid"])) else " [its process is gone]"
    return (
        f"store {store} is being written by {who}{alive}; wait for it to finish "
        "or stop it, then run again (one writer per store)"
    )
