"""Silence what native libraries print straight to file descriptor 2.

MediaPipe, OpenCV's video backends and TensorFlow write log lines to the
process's stderr before (or regardless of) Python's logging; this module owns
the one process-wide redirect, shared by extraction, frame reading, training
and prediction.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_quiet_lock = threading.Lock()
_quiet_users = 0
_saved_stderr: int | None = None


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence what native code prints to stderr (file descriptor 2) meanwhile.

    MediaPipe 0.10.21 writes several ``W0000``/``INFO`` lines (XNNPACK
    delegate, feedback tensors, NORM_RECT) per graph, straight to file
    descriptor 2, before its logging can be configured; with one graph per
    clip they would bury the progress bar. OpenCV's video backends do the
    same when probing a file or camera. Set ``SAMM_NATIVE_LOGS=1`` to see
    them.

    Notes
    -----
    File descriptors belong to the process, not the thread, so under the
    threading backend several landmarkers overlap: the first user redirects
    fd 2 and the last one to leave restores it (a counter under a lock), so
    the real stderr always comes back.
    """
    global _quiet_users, _saved_stderr
    if os.environ.get("SAMM_NATIVE_LOGS") == "1":
        yield
        return
    with _quiet_lock:
        if _quiet_users == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError, AttributeError):  # no usable stderr
                saved = None
            if saved is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            _saved_stderr = saved
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0 and _saved_stderr is not None:
                os.dup2(_saved_stderr, 2)
                os.close(_saved_stderr)
                _saved_stderr = None
