"""Stage 1: FaceMesh landmarks of every clip into the Zarr store, in parallel.

:func:`run_extraction` discovers the clips, skips those already in the store
with the same fingerprint, fans the rest out to
:func:`~samm_pipeline.extract.worker.extract_clip` (loky processes, threads or
a Dask cluster: ``[extract] backend``, see
:mod:`samm_pipeline._support.parallel`) and writes each result as it arrives:
the parent is the store's only writer, and the store may be a local folder or
an fsspec URL.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samm_pipeline._support.parallel import dask_client
from samm_pipeline.config import ExtractConfig
from samm_pipeline.errors import DataError
from samm_pipeline.extract.facemesh import (
    LandmarkerFactory,
    extractor_settings,
    n_landmarks_for,
)
from samm_pipeline.extract.worker import ClipResult, extract_clips, resolve_jobs
from samm_pipeline.io.datasets import ClipRecord, discover_clips
from samm_pipeline.io.location import store_location
from samm_pipeline.io.lock import StoreLock
from samm_pipeline.io.store import make_key
from samm_pipeline.io.store_writer import Fingerprint, StoreWriter

logger = logging.getLogger(__name__)


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
        Dataset root, in any layout that
        :func:`~samm_pipeline.io.datasets.discover_clips` reads.
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

        jobs = min(resolve_jobs(config.jobs), max(1, len(todo)))
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
