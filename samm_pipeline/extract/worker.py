"""The extraction worker: one clip's frames through a fresh landmarker.

:func:`extract_clip` runs in worker processes (loky, threads or Dask): it
streams one clip's frames through a new landmarker and returns an array,
never raising for bad data (a bad clip comes back as a failure with a
reason). :func:`extract_clips` fans clips out to workers and yields results
as they finish; the caller decides where they go (the store, for
:func:`~samm_pipeline.extract.runner.run_extraction`; memory, for prediction).

Notes
-----
Workers import this module, ``io.frames`` and ``extract.facemesh`` only, and
:func:`~samm_pipeline.extract.facemesh.import_face_mesh` keeps TensorFlow out
of them: a worker starts in about half a second at about 120 MB instead of
3 s and 700 MB. A clip whose worker died is extracted again by another worker.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline._support.parallel import Task, run_tasks
from samm_pipeline.config import ExtractConfig
from samm_pipeline.errors import DataError, SammError
from samm_pipeline.extract.facemesh import LandmarkerFactory, facemesh_factory
from samm_pipeline.io.datasets import ClipRecord
from samm_pipeline.io.frames import iter_frames, probe

logger = logging.getLogger(__name__)


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
            for frame in iter_frames(record.source, record.window):
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
            # which frames of ``source`` the entry holds (None: all of them)
            "window": list(record.window) if record.window else None,
        }
        if record.intervals is not None:  # a long video: its expressions
            attrs["intervals"] = [item._asdict() for item in record.intervals]
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


def resolve_jobs(jobs: int) -> int:
    """Worker count for ``[extract] jobs``: the number itself, or all cores for 0."""
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
    (see :func:`~samm_pipeline._support.parallel.run_tasks`), so one
    poisonous file cannot stop a run or every rerun after it.
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

    workers = min(resolve_jobs(jobs), max(1, len(records)))
    for _, result in run_tasks(
        tasks,
        backend=config.backend,
        jobs=workers,
        client=client,
        what="clip",
        on_lost=lost,
    ):
        yield result
