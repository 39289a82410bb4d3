"""Benchmark of extraction on loky vs a Dask LocalCluster: prints figures only.

Run from the repository root (needs ``pip install "samm-pipeline[dask]"``)::

    python tests/benchmarks/bench_dask.py [--subjects 2] [--clips-per-class 1]

On the same demo clips (made here by ``make-demo-data``'s generator, 512 px),
it measures the wall time of ``run_extraction`` with

1. ``backend = "loky"``, 2 jobs (and once more at the end);
2. ``backend = "dask"`` without a scheduler: the run starts a LocalCluster of
   2 single-threaded worker processes, uses it and closes it;
3. ``backend = "dask"`` on a LocalCluster started beforehand (its start-up
   time is printed apart), twice: a lab's running cluster, cold then warm;

and checks that the three stores hold equal arrays.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def extract(data_dir: Path, store: Path, **settings) -> tuple[int, float]:
    """Frames extracted and wall seconds of one run into a fresh store."""
    from samm_pipeline.config import ExtractConfig
    from samm_pipeline.extract.runner import run_extraction

    shutil.rmtree(store, ignore_errors=True)
    config = ExtractConfig(
        layout="folders", subject_pattern=r"^(s\d+)_", jobs=2, **settings
    )
    start = time.perf_counter()
    report = run_extraction(data_dir, store, config, progress=False)
    seconds = time.perf_counter() - start
    if report.failures:
        raise SystemExit(f"failures: {report.failures}")
    return report.n_frames, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2)
    parser.add_argument("--clips-per-class", type=int, default=1)
    args = parser.parse_args()

    import distributed

    from samm_pipeline.config import DemoConfig
    from samm_pipeline.demo.run import write_demo_clips
    from samm_pipeline.io.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dataset = write_demo_clips(
            root / "clips",
            DemoConfig(subjects=args.subjects, clips_per_class=args.clips_per_class),
            progress=False,
        )
        data_dir = Path(dataset.root)
        print(f"{dataset.n_clips} demo clips, {dataset.n_frames_total} frames, 512 px")

        frames, loky = extract(data_dir, root / "loky.zarr", backend="loky")
        print(f"loky, 2 jobs:                        {loky:6.1f} s "
              f"({frames / loky:5.1f} frames/s)")  # fmt: skip

        _, own = extract(data_dir, root / "own.zarr", backend="dask")
        print(f"dask, its own LocalCluster (2 workers): {own:6.1f} s "
              f"({frames / own:5.1f} frames/s, {own / loky:.2f}x loky)")  # fmt: skip

        start = time.perf_counter()
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster:
            started = time.perf_counter() - start
            runs = [
                extract(
                    data_dir,
                    root / "running.zarr",
                    backend="dask",
                    scheduler=cluster.scheduler_address,
                )[1]
                for _ in range(2)
            ]
        _, loky_again = extract(data_dir, root / "loky2.zarr", backend="loky")
        print(f"LocalCluster start-up (2 workers):   {started:6.1f} s")
        for label, running in zip(("first", "second"), runs, strict=True):
            print(f"dask, running cluster, {label} run:  {running:6.1f} s "
                  f"({frames / running:5.1f} frames/s, {running / loky:.2f}x loky)")  # fmt: skip
        print(f"loky again (workers reused):         {loky_again:6.1f} s")

        reference = open_store(root / "loky.zarr")
        for name in ("own.zarr", "running.zarr"):
            other = open_store(root / name)
            same = list(other) == list(reference) and all(
                np.array_equal(
                    other[key].landmarks, reference[key].landmarks, equal_nan=True
                )
                for key in reference
            )
            print(f"{name}: {'same arrays as loky' if same else 'DIFFERENT from loky'}")


if __name__ == "__main__":
    main()
