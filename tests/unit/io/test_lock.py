"""The store lock, real processes: a live holder refuses, a dead one is recovered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.lock import StoreLock, lock_path

HOLD = textwrap.dedent(
    """
    import sys, time
    from samm_pipeline.io.lock import StoreLock
    lock = StoreLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(60)
    """
)


def hold_lock(store):
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_writer_is_refused_while_the_first_lives(tmp_path):
    store = tmp_path / "s.zarr"
    holder = hold_lock(store)
    try:
        with pytest.raises(DataError) as caught:
            StoreLock(store).acquire()
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and str(store) in message
        assert "\n" not in message
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_process_is_recovered(tmp_path):
    store = tmp_path / "s.zarr"
    holder = hold_lock(store)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert json.loads(lock_path(store).read_text())["pid"] == holder.pid
    with StoreLock(store) as lock:
        assert lock.recovered["pid"] == holder.pid
        assert json.loads(lock_path(store).read_text())["pid"] == os.getpid()
    assert not lock_path(store).exists()


def test_release_lets_the_next_writer_in_at_once(tmp_path):
    store = tmp_path / "s.zarr"
    for _ in range(3):
        start = time.perf_counter()
        with StoreLock(store) as lock:
            assert lock.recovered is None
        assert time.perf_counter() - start < 5
    with StoreLock(store):
        with pytest.raises(DataError, match="being written by extract"):
            StoreLock(store).acquire()


@pytest.mark.parametrize("store", ["/", "//"])
def test_a_store_path_that_names_no_folder_is_refused(store):
    with pytest.raises(DataError, match="names no folder"):
        lock_path(store)


def test_a_store_under_a_file_is_one_clear_error(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(DataError, match=r"cannot create store .* folder you can write"):
        StoreLock(tmp_path / "afile" / "s.zarr").acquire()
