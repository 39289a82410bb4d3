"""Crash points for the fault-injection tests: a real SIGKILL at a named step.

The reliability suite (``tests/reliability``) proves that a crash at the
worst moment costs nothing cached. To hit those moments exactly, instead of
killing at a random time and hoping, the code passes named checkpoints; when
the environment variable ``SAMM_PIPELINE_CRASH_AT`` names one (``NAME`` or
``NAME:N`` for its N-th pass in this process), the process group gets
SIGKILL there: parent and workers die at once, with no cleanup, as on a
power cut or an out-of-memory kill. Without the variable a checkpoint costs
one dictionary lookup.

Checkpoints
-----------
``extract.frame``
    In a worker, after each frame of a clip has gone through FaceMesh.
``store.data-written``
    In the writer, after a clip's array is written and before its
    ``complete`` flag.
``store.clip-complete``
    In the writer, after a clip's ``complete`` flag (between clips).
``train.epoch``
    After each training epoch.
``run.artifacts-written``
    After every artifact is in the staging folder, before the swap.
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT_VARIABLE = "SAMM_PIPELINE_CRASH_AT"

_passes: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """Kill the process group with SIGKILL here if the environment asks to.

    Parameters
    ----------
    name
        The checkpoint's name (see the module docstring).
    """
    wanted = os.environ.get(ENVIRONMENT_VARIABLE)
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    if target != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= (int(count) if count.isdigit() else 1):
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)
        finally:  # not a group leader's group we may signal: this process
            os.kill(os.getpid(), signal.SIGKILL)
