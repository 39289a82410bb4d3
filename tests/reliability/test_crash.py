"""Crash safety: real `extract` and `train` processes killed with SIGKILL.

Each run is started in its own process group with ``SAMM_PIPELINE_CRASH_AT``
naming a checkpoint (see :mod:`samm_pipeline._support.faults`); at that exact step the
whole group (parent and workers) gets SIGKILL, as on a power cut. Then:

- extraction: readers see only complete entries, each equal to an
  uninterrupted run's; the dead run's lock is recovered; a rerun gives a
  store equal to the uninterrupted one (keys, arrays and attributes);
- training: the output folder still holds the previous complete run, and
  whatever the killed run left is marked ``INCOMPLETE`` and refused by the
  loader; a rerun succeeds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from samm_pipeline._support.faults import ENVIRONMENT_VARIABLE
from samm_pipeline.errors import DataError
from samm_pipeline.infer.trained import load_trained
from samm_pipeline.io.lock import lock_path
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter

pytestmark = pytest.mark.slow

N_CLIPS, N_FRAMES = 4, 12
CLI = [sys.executable, "-m", "samm_pipeline.cli"]


def run(
    arguments: list[str], crash_at: str | None = None
) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if key != ENVIRONMENT_VARIABLE
    }
    if crash_at:
        env[ENVIRONMENT_VARIABLE] = crash_at
    return subprocess.run(
        [*CLI, *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,  # the crash kills this group, not pytest
    )


@pytest.fixture(scope="module")
def clips(tmp_path_factory, face_rgb, moving_face, video_writer):
    root = tmp_path_factory.mktemp("crash") / "data"
    for index in range(N_CLIPS):
        frames = moving_face(face_rgb, N_FRAMES, phase=3 * index)
        video_writer(root / "c" / f"clip{index}.mp4", frames)
    reference = root.parent / "reference.zarr"
    done = run(["-q", "extract", str(root), "--store", str(reference), "--jobs", "1"])
    assert done.returncode == 0, done.stderr
    return root, open_store(reference)


def assert_entries_equal(store, reference, keys) -> None:
    for key in keys:
        np.testing.assert_array_equal(store[key].landmarks, reference[key].landmarks)
        assert store.entry_attrs(key) == reference.entry_attrs(key)


@pytest.mark.parametrize(
    ("crash_at", "jobs", "n_complete"),
    [
        ("extract.frame:18", "2", None),  # a worker mid-way through its 2nd clip
        ("store.data-written:2", "1", 1),  # the parent between data and flag
        ("store.clip-complete:3", "2", 3),  # the parent between two clips
    ],
)
def test_extraction_killed_then_rerun_equals_an_uninterrupted_run(
    clips, tmp_path, crash_at, jobs, n_complete
):
    root, reference = clips
    store = tmp_path / "s.zarr"
    arguments = ["extract", str(root), "--store", str(store), "--jobs", jobs]
    killed = run(arguments, crash_at)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)

    partial = open_store(store)
    if n_complete is not None:
        assert len(partial) == n_complete
    assert len(partial) < N_CLIPS
    assert_entries_equal(partial, reference, partial)
    assert lock_path(store).is_file()  # left by the dead run

    resumed = run(arguments)
    assert resumed.returncode == 0, resumed.stderr
    assert "recovered a stale lock" in resumed.stderr
    final = open_store(store)
    assert sorted(final) == sorted(reference)
    assert_entries_equal(final, reference, reference)
    assert final.failures == {}
    assert not lock_path(store).exists()


def open_store_or_empty(path: Path):
    try:
        return open_store(path)
    except DataError:
        return {}


def test_workers_exit_when_the_parent_alone_is_killed(
    tmp_path, face_rgb, moving_face, video_writer
):
    """SIGKILL the parent only (as the OOM killer would): its loky workers,
    which nobody tells, must not linger holding memory."""
    import psutil

    root = tmp_path / "data"
    for index in range(6):
        frames = moving_face(face_rgb, 60, phase=index)
        video_writer(root / "c" / f"clip{index}.mp4", frames)
    process = subprocess.Popen(
        [*CLI, "-q", "extract", str(root), "--store", str(tmp_path / "s.zarr"),
         "--jobs", "2"],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and process.poll() is None:
        workers = [
            child
            for child in parent.children(recursive=True)
            if "LokyProcess" in command_line(child)
        ]
        # Both workers exist and have taken a clip (work has been written).
        if len(workers) == 2 and len(open_store_or_empty(tmp_path / "s.zarr")):
            break
        time.sleep(0.02)
    assert len(workers) == 2, "the run ended before its workers could be seen"
    descendants = parent.children(recursive=True)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alive = [p for p in descendants if is_alive(p)]
        if not alive:
            break
        time.sleep(0.1)
    assert alive == [], [command_line(p)[-120:] for p in alive]


def command_line(process: Any) -> str:
    """A process's command line; "" once it has exited or become a zombie
    (children come and go while the run starts, so listing them races)."""
    import psutil

    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):  # ZombieProcess included
        return ""


def is_alive(process: Any) -> bool:
    """Running and not a zombie (a zombie has exited: only its entry is left)."""
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def synthetic_store(path: Path) -> Path:
    """3 classes x 4 subjects x 3 clips of 468 moving landmarks (16 frames)."""
    rng = np.random.default_rng(3)
    base = rng.uniform(0.3, 0.7, (468, 3)).astype(np.float32)
    moves = {"a": [61, 291], "b": [105, 334], "c": [17, 152]}
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    bump = np.sin(np.linspace(0, np.pi, 16)) ** 2
    for name, moved in moves.items():
        for subject in range(4):
            for clip in range(3):
                frames = np.repeat(base[None], 16, axis=0)
                frames = frames + rng.normal(0, 0.0003, frames.shape)
                frames[:, moved, 1] -= 0.006 * bump[:, None]
                writer.write_clip(
                    f"{name}/s{subject}_{name}_{clip}",
                    frames.astype(np.float32),
                    {"fps": 30.0, "width": 512, "height": 512, "n_frames": 16,
                     "subject": f"s{subject}", "source": "x", "source_size": 1,
                     "source_mtime_ns": 1},
                )  # fmt: skip
    return path


def test_training_killed_leaves_the_previous_run_or_a_marked_partial_one(
    tmp_path, monkeypatch, caplog
):
    from samm_pipeline.config import Config, apply_overrides
    from samm_pipeline.learn.pipeline import run_training

    store = synthetic_store(tmp_path / "s.zarr")
    settings = {
        "extract.refine_landmarks": False,
        "train.epochs": 4,
        "train.batch_size": 16,
        "augment.aug_times": 1,
    }
    config_file = tmp_path / "small.toml"
    config_file.write_text(
        "[extract]\nrefine_landmarks = false\n"
        "[train]\nepochs = 4\nbatch_size = 16\n[augment]\naug_times = 1\n"
    )
    output = tmp_path / "run"
    monkeypatch.setenv("SAMM_PIPELINE_CACHE", str(tmp_path / "cache"))
    config = apply_overrides(Config(), settings)
    run_training(store, output, config, progress=False)  # the previous run
    created = json.loads((output / "model.json").read_text())["created"]

    train = ["-q", "--config", str(config_file), "train", "--store", str(store),
             "--output", str(output), "--overwrite"]  # fmt: skip
    for crash_at in ("train.epoch:2", "run.artifacts-written"):
        killed = run(train, crash_at)
        assert killed.returncode == -signal.SIGKILL, (crash_at, killed.stderr)
        # The previous complete run is untouched and still loads.
        assert json.loads((output / "model.json").read_text())["created"] == created
        assert load_trained(output).classes == ("a", "b", "c")

    partials = sorted(tmp_path.glob(".run.partial-*"))
    assert len(partials) == 1  # only the crash after the artifacts left one
    assert (partials[0] / "INCOMPLETE").is_file()
    assert (partials[0] / "model.keras").is_file()
    with pytest.raises(DataError, match="interrupted run"):
        load_trained(partials[0])

    with caplog.at_level("WARNING"):
        run_training(store, output, config, overwrite=True, progress=False)
    assert "was left by an interrupted run; it is not a run" in caplog.text
    assert load_trained(output).classes == ("a", "b", "c")
