"""Benchmark: opening and listing a landmark store of many small entries.

Writes a store of ``--clips`` tiny entries (2 frames x 478 landmarks each,
spread over 6 classes) into a temporary folder, then measures, each in a fresh
Python process (so nothing is cached in memory):

- ``open_store`` alone (reads the root metadata only);
- ``open_store`` + ``len(store)`` (the first listing reads every entry's
  metadata, never an array);
- ``open_store`` + ``summary()``;
- ``open_store`` + loading one clip, and + ``to_xarray`` (after xarray's
  own one-time set-up, which is timed on its own: its first ``DataArray`` in
  a process costs about half a second whatever the data).

Imports (numpy, pandas, xarray, zarr, samm_pipeline) happen before the clock
starts.

Run: ``python tests/benchmarks/bench_store_open.py [--clips 2000] [--repeats 3]``.
Prints the best time of each over the repeats.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLASSES = ("anger", "contempt", "happiness", "other", "sadness", "surprise")

WARM_XARRAY = (
    "xarray.DataArray(numpy.zeros((1, 1)), dims=('a', 'b'), coords={'a': [0]}); "
)

STEPS = {
    "open_store": "store = open_store(path)",
    "open + len (entry listing)": "store = open_store(path); n = len(store)",
    "  same listing through zarr": (
        "store = open_store(path); "
        "n = sum(1 for _, group in store._root.groups() for _ in group.arrays())"
    ),
    "open + summary()": "store = open_store(path); table = store.summary()",
    "open + load one clip": (
        "store = open_store(path); clip = store[next(iter(store))]"
    ),
    "open + one clip + to_xarray": (
        WARM_XARRAY + "start = time.perf_counter(); "
        "store = open_store(path); array = store.to_xarray(next(iter(store)))"
    ),
    "xarray's first DataArray (no store)": (
        "xarray.DataArray(numpy.zeros((1, 1)), dims=('a', 'b'), coords={'a': [0]})"
    ),
}


def write_store(path: Path, n_clips: int) -> None:
    from samm_pipeline.io.store_writer import StoreWriter

    writer = StoreWriter(path, extractor={"name": "bench"}, n_landmarks=478)
    rng = np.random.default_rng(0)
    landmarks = rng.random((2, 478, 3), dtype=np.float32)
    for index in range(n_clips):
        class_name = CLASSES[index % len(CLASSES)]
        writer.write_clip(
            f"{class_name}/clip_{index:05d}",
            landmarks,
            {
                "source": f"{class_name}/clip_{index:05d}.mp4",
                "source_size": 1,
                "source_mtime_ns": 1,
                "fps": 200.0,
                "width": 640,
                "height": 480,
                "n_frames": 2,
                "n_detected": 2,
                "subject": f"s{index % 30:02d}",
                "dataset": "folders",
                "onset": 0,
                "apex": 1,
                "offset": 1,
            },
        )


def time_step(path: Path, statement: str) -> float:
    """Seconds for ``statement`` in a fresh interpreter (imports excluded)."""
    code = (
        "import time, numpy, xarray, pandas, zarr\n"
        "from samm_pipeline import open_store\n"
        f"path = {str(path)!r}\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return float(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.zarr"
        start = time.perf_counter()
        write_store(path, args.clips)
        print(f"wrote {args.clips} entries in {time.perf_counter() - start:.1f} s")
        for name, statement in STEPS.items():
            best = min(time_step(path, statement) for _ in range(args.repeats))
            print(f"{name:38s} {best:8.3f} s   ({1e3 * best / args.clips:.3f} ms/clip)")


if __name__ == "__main__":
    main()
