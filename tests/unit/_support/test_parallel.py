"""run_tasks on real loky and threading workers; a worker that really dies.

A task here kills its own worker process (SIGKILL) the first time it runs,
so the pool really breaks; the run must still return every result.
"""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path

import pytest

from samm_pipeline._support.parallel import Task, is_worker_loss, run_tasks
from samm_pipeline.errors import ConfigError, SammError


def square(value: int) -> int:
    return value * value


def die_once(value: int, marker: str) -> tuple[int, int]:
    """Kill this worker process the first time any task runs; else square."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return value * value, os.getpid()
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")  # pragma: no cover


_HOARD: list[bytes] = []


def grow(value: int) -> tuple[int, int]:
    """Keep 30 MB more of this worker's memory per call (as a TensorFlow fold
    grows a worker), with loky's leak check made 10 MB / 0.1 s in this worker
    so that it replaces workers within a second instead of after 300 MB."""
    from joblib.externals.loky import process_executor

    process_executor._MAX_MEMORY_LEAK_SIZE = 10_000_000
    process_executor._MEMORY_LEAK_CHECK_DELAY = 0.1
    _HOARD.append(os.urandom(1) * 30_000_000)
    time.sleep(0.15)
    return value, os.getpid()


def always_die(value: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")  # pragma: no cover


@pytest.mark.parametrize(
    ("backend", "jobs"), [("threading", 2), ("loky", 2), ("loky", 1)]
)
def test_every_task_comes_back_once(backend, jobs):
    tasks = [Task(f"t{value}", square, (value,)) for value in range(7)]
    results = dict(run_tasks(tasks, backend=backend, jobs=jobs))
    assert results == {f"t{value}": value * value for value in range(7)}


def test_a_task_error_is_not_retried():
    tasks = [Task("bad", square, ("x",)), Task("good", square, (2,))]
    with pytest.raises(TypeError):
        list(run_tasks(tasks, backend="threading", jobs=2))


def test_loky_worker_killed_mid_run_loses_no_task(tmp_path: Path):
    """The first task SIGKILLs its loky worker: the pool breaks
    (TerminatedWorkerError) and the unfinished tasks are resubmitted."""
    marker = str(tmp_path / "died")
    tasks = [Task(f"t{value}", die_once, (value, marker)) for value in range(6)]
    results = dict(run_tasks(tasks, backend="loky", jobs=2))
    assert os.path.exists(marker)
    assert {name: value for name, (value, _) in results.items()} == {
        f"t{value}": value * value for value in range(6)
    }
    assert os.getpid() not in {pid for _, pid in results.values()}


def test_loky_workers_that_keep_dying_give_up_with_a_one_line_error():
    tasks = [Task(f"t{value}", always_die, (value,)) for value in range(3)]
    with pytest.raises(SammError, match=r"died 2 times .* 3 fold\(s\) unfinished"):
        list(run_tasks(tasks, backend="loky", jobs=2, retries=1, what="fold"))


def test_worker_loss_is_recognised_by_error_type():
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    assert is_worker_loss(TerminatedWorkerError("gone"))
    assert not is_worker_loss(RuntimeError("task failed"))


def test_dask_backend_without_dask_says_how_to_install(monkeypatch):
    import sys

    from samm_pipeline._support.parallel import dask_client

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r'pip install "samm-pipeline\[dask\]"'):
        with dask_client("", 1):
            pass


@pytest.mark.parametrize(
    ("address", "fragment"),
    [("abc", "has no HOST:PORT"), ("tcp://127.0.0.1:1", "cannot reach")],
)
def test_a_wrong_scheduler_address_fails_fast_in_one_line(address, fragment):
    import time

    from samm_pipeline._support.parallel import dask_client
    from samm_pipeline.errors import ConfigError

    start = time.perf_counter()
    with pytest.raises(ConfigError, match=fragment) as caught:
        with dask_client(address, 1):
            pass
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - start < 10  # not distributed's 20 s retry loop


def die_on_poison(value: int) -> int:
    """Kill the worker for the 'poison' value 3, every time; else square."""
    if value == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return value * value


def test_a_task_that_always_kills_its_worker_is_isolated_and_reported():
    tasks = [Task(f"t{value}", die_on_poison, (value,)) for value in range(8)]
    lost: list[str] = []

    def on_lost(task, reason):
        lost.append(reason)
        return -1

    results = dict(run_tasks(tasks, backend="loky", jobs=2, retries=0, on_lost=on_lost))
    assert results == {f"t{v}": (-1 if v == 3 else v * v) for v in range(8)}
    assert len(lost) == 1 and "died twice while running it alone" in lost[0]


def test_loky_replacing_a_grown_worker_gives_no_warning():
    """loky (with psutil) replaces a worker whose memory grew and warns that
    "a worker stopped"; the results are complete, so no warning."""
    pytest.importorskip("psutil")  # loky checks memory only with psutil
    tasks = [Task(f"t{value}", grow, (value,)) for value in range(10)]
    from joblib.externals.loky import get_reusable_executor

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = dict(run_tasks(tasks, backend="loky", jobs=2))
    finally:
        # Its workers carry the lowered leak threshold: no later test gets them.
        get_reusable_executor().shutdown(wait=True)
    assert {name: value for name, (value, _) in results.items()} == {
        f"t{value}": value for value in range(10)
    }
    assert len({pid for _, pid in results.values()}) > 2  # workers were replaced
    assert not [w for w in caught if "worker stopped" in str(w.message)]
