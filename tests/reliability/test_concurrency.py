"""Two `extract` runs on one store: the second is refused while the first lives.

The first run is a real process extracting real clips; the second is started
as soon as the first holds the store's lock. After the first is killed with
SIGKILL its lock is stale, and the next run recovers it and finishes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from samm_pipeline.io.lock import lock_path
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "samm_pipeline.cli"]


def test_a_second_extract_is_refused_and_a_stale_lock_recovered(
    tmp_path, face_rgb, moving_face, video_writer
):
    root = tmp_path / "data"
    for index in range(10):
        frames = moving_face(face_rgb, 120, phase=index)
        video_writer(root / "c" / f"clip{index}.mp4", frames)
    store = tmp_path / "s.zarr"
    arguments = [*CLI, "extract", str(root), "--store", str(store), "--jobs", "1"]
    first = subprocess.Popen(
        arguments, start_new_session=True, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not lock_path(store).is_file() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the test could start"

    second = subprocess.run(arguments, capture_output=True, text=True, timeout=300)
    still_running = first.poll() is None
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert still_running, "the first run ended too soon; make its clips longer"
    assert second.returncode == 1, second.stderr
    message = second.stderr.strip()
    assert message.startswith(f"error: store {store} is being written by extract")
    assert f"pid {first.pid}" in message and "\n" not in message

    third = subprocess.run(arguments, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr
    assert "recovered a stale lock" in third.stderr
    assert f"pid {first.pid}" in third.stderr
    assert len(open_store(store)) == 10
    assert not lock_path(store).exists()
