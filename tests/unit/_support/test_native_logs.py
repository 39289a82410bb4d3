"""The native-stderr silencer under overlapping threads (no MediaPipe needed)."""

from __future__ import annotations

import os
import threading

from samm_pipeline._support.native_logs import quiet_native_logs


def _stderr_target() -> tuple[int, int]:
    info = os.fstat(2)
    return info.st_dev, info.st_ino


def test_overlapping_threads_always_get_the_real_stderr_back():
    before = _stderr_target()
    devnull = os.stat(os.devnull)
    inside: list[bool] = []
    first_in, second_in, first_out = (threading.Event() for _ in range(3))

    def first() -> None:
        with quiet_native_logs():
            first_in.set()
            second_in.wait(10)
            inside.append(_stderr_target() == (devnull.st_dev, devnull.st_ino))
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with quiet_native_logs():  # enters while the first holds fd 2
            second_in.set()
            first_out.wait(10)  # the first leaves while this one is inside
            inside.append(_stderr_target() == (devnull.st_dev, devnull.st_ino))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert inside == [True, True]
    assert _stderr_target() == before
