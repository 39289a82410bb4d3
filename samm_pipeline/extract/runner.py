"""Stage 1: FaceMesh landmarks of every clip into the Zarr store, in parallel.

:func:`extract_clip` runs in worker processes: it streams one clip's frames
through a fresh landmarker and returns an array (never raising for bad data:
a bad clip comes back as a failure with a reason). :func:`run_extraction`
discovers the clips, skips those already in the store with the same
fingerprint, fans the rest out (loky processes, threads or a Dask cluster:
``[extract] backend``, see :mod:`samm_pipeline._support.parallel`) and writes each
result as it arrives; the parent is the store's only writer, and the store
may be a local folder or an fsspec URL.

Notes
-----
Workers import this module, ``io.frames`` and ``facemesh`` only, and
``facemesh.import_face_mesh`` keeps TensorFlow out of them (DESIGN section 3):
a worker starts in about half a second at about 120 MB instead of 3 s and
700 MB. The same holds in Dask workers (tests/integration/test_dask.py).
A clip whose worker died is extracted again by another worker.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline._support.parallel import Task, dask_client, run_tasks
from samm_pipeline.config import ExtractConfig
from samm_pipeline.errors import DataError, SammError
from samm_pipeline.extract.facemesh import (
    FaceMeshLandmarker,
    Landmarker,
    mediapipe_version,
)
from samm_pipeline.io.datasets import ClipRecord, discover_clips
from samm_pipeline.io.frames import iter_frames, probe
from samm_pipeline.io.lock import StoreLock
from samm_pipeline.io.store import (
    Fingerprint,
    StoreWriter,
    make_key,
    store_location,
)
from samm_pipeline.landmarks import N_LANDMARKS_MESH, N_LANDMARKS_REFINED

logger = logging.getLogger(__name__)

LandmarkerFactory = Callable[[ExtractConfig], Landmarker]


def facemesh_factory(config: ExtractConfig) -> Landmarker:
    """Make a fresh MediaPipe FaceMesh in tracking mode for one clip."""
    return FaceMeshLandmarker(
        refine_landmarks=config.refine_landmarks,
        min_detection_confidence=config.min_detection_confidence,
        min_tracking_confidence=config.min_tracking_confidence,
        static_image_mode=False,
    )


def extractor_settings(config: ExtractConfig) -> dict[str, Any]:
    """The settings recorded in (and required to match) the store."""
    return {
        "name": "mediapipe-facemesh",
        "mediapipe_version": mediapipe_version(),
        "refine_landmarks": config.refine_landmarks,
        "min_detection_confidence": config.min_detection_confidence,
        "min_tracking_confidence": config.min_tracking_confidence,
        "static_image_mode": False,
        "max_num_faces": 1,
    }


def n_landmarks_for(config: ExtractConfig) -> int:
    """478 with iris refinement, else 468."""
    return N_LANDMARKS_REFINED if config.refine_landmarks else N_LANDMARKS_MESH


@dataclass(frozen=True)
class ClipResult:
    """What a worker returns for one clip.

    ``landmarks`` is float32 ``(n_frames, n_landmarks, 3)`` with NaN rows for
    frames without a face, or ``None`` when the clip failed (``error`` says why).
    """

    key: str
    landmarks: NDArray[np.float32] | None
    attrs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    pid: int = 0

    @property
    def n_frames(self) -> int:
        """Frames read (0 for a failure)."""
        return 0 if self.landmarks is None else int(self.landmarks.shape[0])


def extract_clip(
    record: ClipRecord,
    config: ExtractConfig,
    landmarker_factory: LandmarkerFactory | None = None,
) -> ClipResult:
    """Run the landmarker over every frame of one clip.

    Parameters
    ----------
    record
        The clip to read.
    config
        Extraction settings (landmark count, thresholds, fallback fps).
    landmarker_factory
        Makes a fresh landmarker; MediaPipe FaceMesh by default.

    Returns
    -------
    ClipResult
        With the landmark array, or with ``error`` set: a data problem never
        raises here, so one bad clip cannot stop a parallel run.
    """
    start = time.perf_counter()
    key = record.key
    factory = landmarker_factory or facemesh_factory
    try:
        info = probe(record.source)
        rows: list[NDArray[np.float32] | None] = []
        landmarker = factory(config)
        n_landmarks = landmarker.n_landmarks
        try:
            for frame in iter_frames(record.source):
                points = landmarker.process(frame)
                checkpoint("extract.frame")
                if points is not None and points.shape != (n_landmarks, 3):
                    raise DataError(
                        f"landmarker returned {points.shape}, "
                        f"expected ({n_landmarks}, 3)"
                    )
                rows.append(points)
        finally:
            landmarker.close()
        if not rows:
            raise DataError(
                f"{record.relative_source}: no readable frame; "
                "check the file plays, or re-export it"
            )
        n_detected = sum(points is not None for points in rows)
        if n_detected == 0:
            raise DataError(
                f"{record.relative_source}: no face found in any of "
                f"{len(rows)} frames; "
                "check that it shows a face, or lower min_detection_confidence"
            )
        landmarks = np.full((len(rows), n_landmarks, 3), np.nan, dtype=np.float32)
        for index, points in enumerate(rows):
            if points is not None:
                landmarks[index] = points
        fps = record.fps or info.fps or (config.fps or None)
        attrs = {
            "fps": float(fps) if fps else None,
            "width": int(info.width),
            "height": int(info.height),
            "n_frames": len(rows),
            "n_detected": int(n_detected),
            "subject": record.subject,
            "dataset": record.dataset,
            "onset": record.onset,
            "apex": record.apex,
            "offset": record.offset,
        }
        return ClipResult(
            key, landmarks, attrs, None, time.perf_counter() - start, os.getpid()
        )
    except SammError as error:
        reason = str(error)
    except Exception as error:  # a decoder or native error: record, don't crash
        reason = (
            f"{record.relative_source}: {type(error).__name__}: {error}; "
            "check the file, or report a bug with this message"
        )
    return ClipResult(
        key,
        None,
        {},
        " ".join(reason.split()),
        time.perf_counter() - start,
        os.getpid(),
    )


@dataclass
class ExtractionReport:
    """Summary of one extraction run."""

    store: Path | str
    layout: str
    n_found: int = 0
    n_extracted: int = 0
    n_skipped: int = 0
    n_frames: int = 0
    seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def frames_per_second(self) -> float:
        """Frames extracted per wall-clock second."""
        return self.n_frames / self.seconds if self.seconds > 0 else 0.0

    def summary_line(self) -> str:
        """One line for the end of the run."""
        return (
            f"{self.n_extracted} extracted, {self.n_skipped} unchanged, "
            f"{len(self.failures)} failed of {self.n_found} clips "
            f"({self.n_frames} frames in {self.seconds:.1f} s, "
            f"{self.frames_per_second:.0f} frames/s) -> {self.store}"
        )


def _resolve_jobs(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def extract_clips(
    records: list[ClipRecord],
    config: ExtractConfig,
    *,
    jobs: int,
    landmarker_factory: LandmarkerFactory | None = None,
    client: Any = None,
) -> Iterator[ClipResult]:
    """Extract ``records`` in parallel; yield results in completion order.

    ``jobs`` workers (0: all cores; never more than clips; 1: in this
    process) on ``config.backend``. A clip whose worker died is resubmitted,
    and one that kills every worker it runs on comes back as a failed clip
    (see :func:`parallel.run_tasks`), so one poisonous file cannot stop a run
    or every rerun after it.
    """
    tasks = [
        Task(record.key, extract_clip, (record, config, landmarker_factory))
        for record in records
    ]
    by_key = {record.key: record for record in records}

    def lost(task: Task[ClipResult], reason: str) -> ClipResult:
        return ClipResult(
            task.name, None, {}, f"{by_key[task.name].relative_source}: {reason}"
        )

    workers = min(_resolve_jobs(jobs), max(1, len(records)))
    for _, result in run_tasks(
        tasks,
        backend=config.backend,
        jobs=workers,
        client=client,
        what="clip",
        on_lost=lost,
    ):
        yield result


def run_extraction(
    data_dir: str | os.PathLike[str],
    store_path: str | os.PathLike[str],
    config: ExtractConfig,
    *,
    overwrite: bool = False,
    progress: bool = True,
    landmarker_factory: LandmarkerFactory | None = None,
) -> ExtractionReport:
    """Extract every clip under ``data_dir`` into the store at ``store_path``.

    Parameters
    ----------
    data_dir
        Dataset root (any layout of DESIGN section 6).
    store_path
        Zarr store, a folder or an fsspec URL (``s3://bucket/s.zarr``);
        created when missing, completed when it exists.
    config
        The ``[extract]`` section.
    overwrite
        Re-extract every clip; delete the store first when it was made with
        other extractor settings.
    progress
        Show a progress bar on stderr.
    landmarker_factory
        Replace MediaPipe (tests of the logic around it).

    Returns
    -------
    ExtractionReport
        Counts, speed and every failure with its reason.

    Raises
    ------
    SammError
        The dataset root or its labels cannot be read, or the store exists
        with other settings and ``overwrite`` is false. Bad clips never raise.
    """
    start = time.perf_counter()
    # Discovery first: a wrong DATA_DIR or spreadsheet creates nothing.
    discovery = discover_clips(
        data_dir,
        layout=config.layout,
        subject_pattern=config.subject_pattern,
        annotations=config.annotations,
        fps=config.fps,
    )
    # One writer per store: a second run is refused, a crashed run's lock
    # is recovered (io.lock). URL stores have no file to lock.
    location = store_location(store_path)
    with StoreLock(location) if isinstance(location, Path) else nullcontext():
        if landmarker_factory is None:
            n_landmarks = n_landmarks_for(config)
        else:
            probe_landmarker = landmarker_factory(config)
            n_landmarks = probe_landmarker.n_landmarks
            probe_landmarker.close()
        writer = StoreWriter(
            store_path,
            extractor=extractor_settings(config)
            if landmarker_factory is None
            else {"name": "custom", "n_landmarks": n_landmarks},
            n_landmarks=n_landmarks,
            overwrite=overwrite,
        )
        report = ExtractionReport(
            store=store_location(store_path), layout=discovery.layout
        )

        # Failures of earlier runs are re-derived: discovery problems now, clips
        # as they are retried. Failures of clips no longer in the dataset go.
        failures: dict[str, str] = {
            problem.item: problem.reason for problem in discovery.problems
        }
        todo: list[ClipRecord] = []
        seen: dict[str, ClipRecord] = {}
        # Taken before extraction: a source that changes meanwhile is redone next run.
        fingerprints: dict[str, Fingerprint] = {}
        for record in discovery.clips:
            try:
                key = make_key(record.class_name, record.clip)
            except DataError as error:
                failures[record.relative_source] = str(error)
                continue
            if key in seen:
                failures[record.relative_source] = (
                    f"{record.relative_source}: same key {key!r} as "
                    f"{seen[key].relative_source}; rename one of them"
                )
                continue
            seen[key] = record
            fingerprints[key] = fingerprint = Fingerprint.of(record.source, record.root)
            if not overwrite:
                if writer.fingerprint_matches(key, fingerprint):
                    report.n_skipped += 1
                    continue
            if key in writer.failures:
                failures[key] = writer.failures[key]  # kept until retried below
            todo.append(record)
        report.n_found = len(discovery.clips)
        writer.replace_failures(failures)

        jobs = min(_resolve_jobs(config.jobs), max(1, len(todo)))
        logger.info(
            "%s layout: %d clips found, %d to extract with %d worker(s), %d unchanged",
            discovery.layout,
            report.n_found,
            len(todo),
            jobs,
            report.n_skipped,
        )
        bar = _Progress(len(todo), enabled=progress)
        try:
            with _engine(config, jobs, bool(todo)) as client:
                for result in extract_clips(
                    todo,
                    config,
                    jobs=jobs,
                    landmarker_factory=landmarker_factory,
                    client=client,
                ):
                    _write_result(writer, report, result, fingerprints[result.key])
                    bar.advance(result.n_frames)
        finally:
            bar.close()
        report.failures = dict(writer.failures)
        report.seconds = time.perf_counter() - start
        return report


def _write_result(
    writer: StoreWriter,
    report: ExtractionReport,
    result: ClipResult,
    fingerprint: Fingerprint,
) -> None:
    """Write one worker result (or its failure) to the store."""
    if result.landmarks is None:
        writer.record_failure(result.key, result.error or "unknown error")
        return
    writer.write_clip(
        result.key,
        result.landmarks,
        {
            **result.attrs,
            "source": fingerprint.source,
            "source_size": fingerprint.size,
            "source_mtime_ns": fingerprint.mtime_ns,
        },
    )
    writer.clear_failure(result.key)
    report.n_extracted += 1
    report.n_frames += result.n_frames


@contextmanager
def _engine(config: ExtractConfig, jobs: int, needed: bool) -> Iterator[Any]:
    """A Dask client for ``backend = "dask"`` (closed afterwards), else None."""
    if config.backend != "dask" or not needed:
        yield None
        return
    with dask_client(config.scheduler, jobs) as client:
        yield client


class _Progress:
    """A tqdm bar over clips that also shows frames per second."""

    def __init__(self, n_clips: int, *, enabled: bool) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=n_clips,
            unit="clip",
            desc="extract",
            disable=not enabled or n_clips == 0,
            dynamic_ncols=True,
        )
        self._frames = 0
        self._start = time.perf_counter()

    def advance(self, n_frames: int) -> None:
        self._frames += n_frames
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        self._bar.set_postfix_str(
            f"{self._frames} frames, {self._frames / elapsed:.0f} frames/s",
            refresh=False,
        )
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
