"""Scale-out on a real ``dask.distributed.LocalCluster`` (2 worker processes).

One cluster serves the module. Extraction runs real MediaPipe on three
10-frame, 256 px clips made from scikit-image's astronaut portrait; LOSO
runs the real Keras model on a small store of 2 subjects x 2 classes x 2
synthetic clips. Each result through Dask is compared with the same run on
loky. One test SIGKILLs the worker that is extracting a clip.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import Config, ExtractConfig, apply_overrides
from samm_pipeline.extract.facemesh import facemesh_factory
from samm_pipeline.extract.runner import run_extraction
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.learn.evaluate import evaluate_predictions
from samm_pipeline.learn.protocol import run_protocol
from samm_pipeline.prepare.cache import prepare_clips
from samm_pipeline.prepare.labels import label_clips

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

CLIPS = {"happy/s1_a": 0, "happy/s2_b": 1, "sad/s1_c": 2}


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes (about 3 s to start)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def clips(tmp_path_factory, face_rgb, moving_face, video_writer) -> Path:
    """3 clips of 10 frames, 256 px, in class folders; subjects s1, s2."""
    root = tmp_path_factory.mktemp("clips")
    for key, offset in CLIPS.items():
        video_writer(root / f"{key}.mp4", moving_face(face_rgb, 10, offset), fps=30)
    return root


def _config(**values) -> ExtractConfig:
    return ExtractConfig(subject_pattern=r"^(s\d+)_", jobs=2, **values)


@pytest.fixture(scope="module")
def loky_store(clips, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("loky") / "s.zarr"
    report = run_extraction(clips, store, _config(), progress=False)
    assert report.n_extracted == 3 and not report.failures
    return store


def _assert_same_store(actual, expected, *, compare_root: bool = True) -> None:
    """Same keys, equal arrays (NaN where NaN), same attributes."""
    if compare_root:
        assert actual.attrs == expected.attrs
    assert list(actual) == list(expected) == sorted(CLIPS)
    for key in expected:
        np.testing.assert_array_equal(actual[key].landmarks, expected[key].landmarks)
        assert actual.entry_attrs(key) == expected.entry_attrs(key)


def test_extraction_through_a_scheduler_equals_loky(cluster, clips, loky_store):
    target = loky_store.parent / "dask.zarr"
    report = run_extraction(
        clips,
        target,
        _config(backend="dask", scheduler=cluster.scheduler_address),
        progress=False,
    )
    assert report.n_extracted == 3 and not report.failures
    store = open_store(target)
    _assert_same_store(store, open_store(loky_store))
    assert store["happy/s1_a"].detected.all()
    with distributed.Client(cluster, set_as_default=False) as client:
        imported = client.run(_tensorflow_imported)
    assert imported and not any(imported.values())  # workers never import TensorFlow


def _tensorflow_imported() -> bool:
    import sys

    return sys.modules.get("tensorflow") is not None


def test_cli_extract_on_its_own_local_cluster_into_a_memory_url(clips, loky_store):
    """--backend dask without --scheduler starts (and closes) a LocalCluster;
    the parent, the single writer, writes to an in-memory fsspec store."""
    url = "memory://dask-cli/landmarks.zarr"
    result = CliRunner().invoke(
        cli,
        ["-q", "extract", str(clips), "--store", url, "--backend", "dask",
         "--jobs", "2", "--subject-pattern", r"^(s\d+)_"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 extracted" in result.output and url in result.output
    _assert_same_store(open_store(url), open_store(loky_store))
    listed = CliRunner().invoke(cli, ["inspect", "--store", url])
    assert listed.exit_code == 0 and "3 clips" in listed.output


class VictimFactory:
    """MediaPipe FaceMesh, except that the first worker to start a clip
    announces its pid in ``started`` and waits there to be killed."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)
        self.parent = os.getpid()

    def __call__(self, config: ExtractConfig):
        started = os.path.join(self.folder, "started")
        if os.getpid() != self.parent and not os.path.exists(
            os.path.join(self.folder, "killed")
        ):
            try:
                handle = os.open(started, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(handle, str(os.getpid()).encode())
                os.close(handle)
                time.sleep(60)  # killed long before
        return facemesh_factory(config)


def test_a_worker_killed_during_extraction_loses_no_clip(
    cluster, clips, loky_store, tmp_path
):
    victim = VictimFactory(tmp_path)
    with distributed.Client(cluster, set_as_default=False) as client:
        worker_pids = set(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_when_started() -> None:
        started = tmp_path / "started"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = started.read_text() if started.exists() else ""
            if text:
                pid = int(text)
                (tmp_path / "killed").touch()
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    target = tmp_path / "killed.zarr"
    report = run_extraction(
        clips,
        target,
        _config(backend="dask", scheduler=cluster.scheduler_address),
        progress=False,
        landmarker_factory=victim,
    )
    killer.join()
    assert killed and killed[0] in worker_pids  # a real Dask worker died mid-clip
    assert report.n_extracted == 3 and not report.failures
    # Same landmarks as the undisturbed loky run (the extractor is "custom").
    _assert_same_store(open_store(target), open_store(loky_store), compare_root=False)


def _training_store(path: Path) -> Path:
    """2 classes x 2 subjects x 2 clips of 16 frames of 468 landmarks; "up"
    lifts the mouth corners, "down" lowers them."""
    rng = np.random.default_rng(3)
    base = rng.uniform(0.3, 0.7, size=(468, 3)).astype(np.float32)
    bump = np.sin(np.linspace(0, np.pi, 16)) ** 2
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for direction, class_name in ((-1, "up"), (1, "down")):
        for subject in range(2):
            for clip in range(2):
                frames = np.repeat(base[None], 16, axis=0)
                frames = frames + rng.normal(0, 0.0003, frames.shape)
                frames[:, [61, 291], 1] += direction * 0.006 * bump[:, None]
                key = f"{class_name}/s{subject}_{clip}"
                writer.write_clip(
                    key,
                    frames.astype(np.float32),
                    {"source": key, "source_size": 1, "source_mtime_ns": 1,
                     "fps": 30.0, "width": 512, "height": 512, "n_frames": 16,
                     "n_detected": 16, "subject": f"s{subject}"},
                )  # fmt: skip
    return path


def _loso(data, **overrides):
    """LOSO with fixed epochs on labelled clips; tiny settings."""
    config = apply_overrides(
        Config(),
        {
            "train.batch_size": 16,
            "augment.aug_times": 0,
            "evaluate.loso_selection": "fixed",
            "evaluate.loso_epochs": 1,
            **overrides,
        },
    )
    return run_protocol(
        data,
        protocol="loso",
        train=config.train,
        augment=config.augment,
        evaluate=config.evaluate,
        jobs=config.evaluate.jobs,
        progress=False,
    )


def test_loso_folds_through_a_scheduler_equal_a_local_run(cluster, tmp_path):
    """Pooled metrics and every probability are exactly equal, no tolerance,
    against the same folds on loky with 2 jobs: each fold in a worker process
    with the same TensorFlow thread count (cores // jobs) as a Dask worker.
    (In this process TensorFlow may run with more threads, and oneDNN's
    results can differ in the last bit with the thread count.)"""
    store = open_store(_training_store(tmp_path / "train.zarr"))
    data = label_clips(
        prepare_clips(store, Config().align, cache_dir=tmp_path), Config().train
    )
    local = _loso(data, **{"evaluate.jobs": 2, "evaluate.backend": "loky"})
    through_dask = _loso(
        data,
        **{
            "evaluate.jobs": 2,
            "evaluate.backend": "dask",
            "evaluate.scheduler": cluster.scheduler_address,
        },
    )
    assert set(through_dask.fold_of) == {"s0", "s1"}
    assert through_dask.fold_of.tolist() == local.fold_of.tolist()
    np.testing.assert_array_equal(through_dask.probabilities, local.probabilities)
    pooled = [
        evaluate_predictions(
            data.labels, result.probabilities.argmax(axis=1), data.classes
        )
        for result in (local, through_dask)
    ]
    assert pooled[0] == pooled[1]
