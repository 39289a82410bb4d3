"""Where parallel work runs: loky processes, threads, or a Dask cluster.

Both parallel stages (clips in extraction, LOSO folds in training) hand
named tasks to :func:`run_tasks`. It runs them through joblib's backend
switch (``loky``, ``threading``, or ``dask`` on a ``dask.distributed``
client), yields every result to the calling process as it completes (so
the caller stays the single writer of the store or the run), and resubmits
the tasks that were in flight when a worker process died.

Notes
-----
With ``backend = "dask"`` and no scheduler address, :func:`dask_client`
starts a ``LocalCluster`` of single-threaded worker processes, one per job,
and closes it afterwards; with an address it connects a client to that
scheduler and closes only the client. Worker processes import the task's
module (``samm_pipeline.extract.worker`` or ``samm_pipeline.learn.fit``) and nothing
heavier, so extraction workers stay free of TensorFlow.

A dead worker is handled at two levels. Dask's scheduler already moves the
tasks of a lost worker to other workers (up to
``distributed.scheduler.allowed-failures`` times, 3 by default, before it
gives up with ``KilledWorker``). loky has no such thing: a dead worker
breaks the whole pool (``TerminatedWorkerError``). For both, this module
catches the error, keeps every result that came back and resubmits the
unfinished tasks, up to ``retries`` times.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from samm_pipeline.errors import ConfigError, SammError

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

DASK_INSTALL = 'pip install "samm-pipeline[dask]"'
"""The command that installs the Dask backend's dependencies."""

WORKER_LOSS_RETRIES = 2
"""Times the unfinished tasks are resubmitted after a worker process died."""

LOKY_RESTART_WARNING = "A worker stopped while some jobs were given to the executor"
"""Start of the warning loky gives when it replaces a worker that grew too big."""

_WORKER_LOSS_ERRORS = {"TerminatedWorkerError", "KilledWorker", "BrokenProcessPool"}


@dataclass(frozen=True)
class Task(Generic[ResultT]):
    """One unit of parallel work: ``function(*args, **kwargs)``, named.

    ``function`` must be importable by worker processes (a module-level
    function), and the arguments picklable.
    """

    name: str
    function: Callable[..., ResultT]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def _call_named(
    name: str,
    function: Callable[..., ResultT],
    args: tuple,
    kwargs: Mapping,
    watch_parent: bool = False,
) -> tuple[str, ResultT]:
    """Run one task in a worker and return its result with its name.

    ``watch_parent`` (loky workers): the worker exits when the process that
    started it dies (see :func:`_exit_with_parent`).
    """
    if watch_parent:
        _exit_with_parent()
    return name, function(*args, **kwargs)


_watching_parent = False


def _exit_with_parent(interval: float = 0.5) -> None:
    """Make this worker process exit soon after its parent dies.

    Notes
    -----
    A loky worker whose parent is killed (SIGKILL, the OOM killer) is not told:
    it finishes its clip and then waits up to five minutes for the next,
    holding its memory. A daemon thread polling ``getppid`` (which changes
    when the parent dies and the worker is re-parented) ends it within
    ``interval`` seconds. The single-writer design means it has nothing to
    save.
    """
    global _watching_parent
    if _watching_parent:
        return
    _watching_parent = True
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="samm-parent-watch", daemon=True).start()


def import_distributed() -> Any:
    """Import ``dask.distributed``, or raise a one-line :class:`ConfigError`."""
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "backend = 'dask' needs dask.distributed, which is not installed; "
            f"run `{DASK_INSTALL}` or use backend = 'loky'"
        ) from None
    return distributed


@contextmanager
def dask_client(scheduler: str, n_workers: int) -> Iterator[Any]:
    """Yield a ``distributed.Client``: to ``scheduler``, or on a new local cluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); empty: start a
        ``LocalCluster`` of ``n_workers`` single-threaded worker processes.
    n_workers
        Size of the local cluster (ignored with a scheduler address).

    Raises
    ------
    ConfigError
        dask.distributed is not installed, or the scheduler cannot be reached.
    """
    distributed = import_distributed()
    cluster = None
    if scheduler:
        _check_reachable(scheduler)
        try:
            client = distributed.Client(scheduler, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ConfigError(
                f"cannot connect to the Dask scheduler at {scheduler!r} ({error}); "
                "check the address (tcp://HOST:8786) and that the scheduler runs"
            ) from None
    else:
        cluster = distributed.LocalCluster(
            n_workers=max(1, n_workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never clash with another run
        )
        client = distributed.Client(cluster, set_as_default=False)
    logger.info(
        "Dask: %s with %d worker thread(s); dashboard %s",
        scheduler or "a local cluster",
        sum(client.nthreads().values()),
        client.dashboard_link,
    )
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_reachable(scheduler: str) -> None:
    """Fail fast, in one line, on an address no scheduler listens on.

    Notes
    -----
    ``distributed.Client`` retries a wrong address until its timeout and then,
    half-built, blocks its own clean-up for as long again and prints a
    traceback; a plain TCP connection attempt answers in milliseconds.
    """
    import socket

    protocol, _, rest = scheduler.rpartition("://")
    if protocol not in ("", "tcp", "tls"):
        return  # inproc://, ucx://: leave to distributed
    host, _, port = rest.rpartition(":")
    hint = "check the address (tcp://HOST:8786) and that the scheduler runs"
    if not host or not port.isdigit():
        raise ConfigError(
            f"Dask scheduler address {scheduler!r} has no HOST:PORT; {hint}"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({error}); {hint}"
        ) from None


def threads_per_task(client: Any) -> int:
    """CPU cores per concurrently running task on the busiest host of a cluster.

    Cores of each worker host divided by the worker threads on that host (so
    two single-threaded workers on a 2-core machine give 1); the minimum over
    hosts. Used to cap TensorFlow's thread pools in LOSO folds.
    """
    cores = client.run(os.cpu_count)
    slots: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for address, info in client.scheduler_info(n_workers=-1)["workers"].items():
        host = info.get("host", address)
        slots[host] = slots.get(host, 0) + int(info.get("nthreads", 1))
        host_cores[host] = int(cores.get(address) or 1)
    if not slots:
        return 1
    return max(1, min(host_cores[host] // slots[host] for host in slots))


def is_worker_loss(error: BaseException) -> bool:
    """True when ``error`` says a worker process died (not a task's own error)."""
    return type(error).__name__ in _WORKER_LOSS_ERRORS


def run_tasks(
    tasks: Sequence[Task[ResultT]],
    *,
    backend: str,
    jobs: int,
    client: Any = None,
    retries: int = WORKER_LOSS_RETRIES,
    what: str = "task",
    on_lost: Callable[[Task[ResultT], str], ResultT] | None = None,
) -> Iterator[tuple[str, ResultT]]:
    """Run ``tasks`` in parallel; yield ``(name, result)`` in completion order.

    Parameters
    ----------
    tasks
        Named tasks (names unique).
    backend
        ``"loky"`` or ``"threading"`` with ``jobs`` workers (``jobs == 1``:
        in this process, in order), or ``"dask"`` on ``client``.
    jobs
        Workers for loky and threading.
    client
        A ``distributed.Client`` (backend ``"dask"``; see :func:`dask_client`).
    retries
        Resubmissions of the unfinished tasks after a worker died.
    what
        What a task is, for messages (``"clip"``, ``"fold"``).
    on_lost
        Turns a task that kills every worker it runs on into a result (e.g. a
        clip recorded as failed) instead of stopping the run: after a worker
        dies, the tasks that were running are retried one at a time, and one
        that kills its worker twice alone is given to ``on_lost`` with the
        reason. Without it, the run stops after ``retries`` losses.

    Raises
    ------
    SammError
        Workers kept dying (without ``on_lost``): more than ``retries``
        losses. Results yielded before are the caller's to keep.
    """
    names = [task.name for task in tasks]
    if len(set(names)) != len(names):
        raise ValueError("task names must be unique")
    if backend == "dask" and client is None:
        raise ValueError("backend 'dask' needs a client (see dask_client)")
    if backend != "dask" and (jobs <= 1 or len(tasks) <= 1):
        for task in tasks:
            yield task.name, task.function(*task.args, **task.kwargs)
        return
    pending = {task.name: task for task in tasks}
    losses = 0
    while pending:
        remaining = list(pending.values())
        dispatched: set[str] = set()
        try:
            for name, result in _run_once(remaining, backend, jobs, client, dispatched):
                del pending[name]
                yield name, result
        except Exception as error:
            if not is_worker_loss(error):
                raise
            losses += 1
            reason = f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"
            # The tasks handed to workers and not back: one of them may be
            # what kills its worker.
            suspects = [
                task
                for task in remaining
                if task.name in dispatched and task.name in pending
            ]
            if on_lost is not None and suspects:
                logger.warning(
                    "a %s worker died (%s); retrying the %d %s(s) it may have been "
                    "running one at a time",
                    backend,
                    type(error).__name__,
                    len(suspects),
                    what,
                )
                for task in suspects:
                    yield task.name, _run_alone(task, backend, client, on_lost, reason)
                    del pending[task.name]
                continue
            if losses > retries:
                raise SammError(
                    f"{backend} worker processes died {losses} times ({reason}); "
                    f"{len(pending)} {what}(s) unfinished: check memory and the "
                    "workers' logs, then rerun (finished work is kept)"
                ) from None
            logger.warning(
                "a %s worker died (%s); resubmitting %d unfinished %s(s)",
                backend,
                type(error).__name__,
                len(pending),
                what,
            )


def _run_alone(
    task: Task[ResultT],
    backend: str,
    client: Any,
    on_lost: Callable[[Task[ResultT], str], ResultT],
    reason: str,
) -> ResultT:
    """Run one task by itself on a worker (twice at most if the worker dies)."""
    for _attempt in range(2):
        try:
            for _, result in _run_once([task], backend, 2, client, set()):
                return result
        except Exception as error:
            if not is_worker_loss(error):
                raise
            reason = f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"
    return on_lost(
        task,
        f"the worker process died twice while running it alone ({reason}); "
        "it may crash the decoder or exhaust memory",
    )


def _run_once(
    tasks: list[Task[ResultT]],
    backend: str,
    jobs: int,
    client: Any,
    dispatched: set[str],
) -> Iterator[tuple[str, ResultT]]:
    """One joblib ``Parallel`` pass over ``tasks``, unordered; the names of
    tasks handed to workers are added to ``dispatched`` as that happens."""
    from joblib import Parallel, delayed, parallel_config

    if backend == "loky":
        # With psutil installed, loky replaces a worker whose memory grew by
        # 300 MB after its first task (a TensorFlow fold does) and warns that
        # a worker "stopped". Nothing is lost (a new worker takes the next
        # task), so the warning only alarms users. A worker that dies raises
        # TerminatedWorkerError instead, which run_tasks handles and reports.
        warnings.filterwarnings(
            "ignore",
            message=LOKY_RESTART_WARNING,
            category=UserWarning,
            module=r"joblib\.externals\.loky",
        )
    backend_params: dict[str, Any] = {"client": client} if backend == "dask" else {}
    with parallel_config(backend=backend, **backend_params):
        parallel = Parallel(
            n_jobs=-1 if backend == "dask" else jobs,
            return_as="generator_unordered",
            # One task per batch: a clip or a fold is seconds of work.
            batch_size=1,
            pre_dispatch="2*n_jobs",
        )

        def handed_out() -> Iterator[Any]:
            for task in tasks:
                dispatched.add(task.name)
                yield delayed(_call_named)(
                    task.name,
                    task.function,
                    task.args,
                    dict(task.kwargs),
                    watch_parent=backend == "loky",
                )

        yield from parallel(handed_out())
