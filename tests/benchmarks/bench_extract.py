"""Benchmark of stage 1 (extraction): prints figures and ratios, asserts nothing.

Run from the repository root::

    python tests/benchmarks/bench_extract.py [--clips 12] [--frames 300]

It measures, side by side in one run on the same clips:

1. the bare limit: one process doing decode + ``FaceMesh.process`` in a loop,
   and two such processes running at once (each on half of the clips);
2. ``run_extraction`` with ``jobs=1`` and ``jobs=2`` (discovery, workers,
   store writes, everything), as frames per second and as a ratio of the
   bare limit with the same number of processes;
3. a rerun over an unchanged dataset of 1,000 clips (every clip skipped);
4. an extraction worker's start-up time and resident memory, on a short and
   on a long clip (memory must not grow with clip length).

Clips are made here from scikit-image's bundled astronaut portrait (512 px,
a slowly moving real face), so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BARE_LOOP = r"""
import json, sys, time
sys.modules["tensorflow"] = None
import cv2
from mediapipe.python.solutions import face_mesh
paths = sys.argv[1:]
start = time.perf_counter()
frames = 0
for path in paths:
    mesh = face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1,
                              refine_landmarks=True, min_detection_confidence=0.5)
    capture = cv2.VideoCapture(path)
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        mesh.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        frames += 1
    capture.release()
    mesh.close()
print(json.dumps({"frames": frames, "seconds": time.perf_counter() - start}))
"""

WORKER_PROBE = r"""
import json, sys, time
start = time.perf_counter()
def peak_mb():
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the
    # benchmark's own peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from pathlib import Path
from samm_pipeline.config import ExtractConfig
from samm_pipeline.extract.worker import extract_clip
from samm_pipeline.io.datasets import ClipRecord
source = Path(sys.argv[1])
record = ClipRecord(class_name="c", clip=source.stem, source=source, kind="video",
                    dataset="folders", root=source.parent.parent)
import_seconds = time.perf_counter() - start
from samm_pipeline.extract.facemesh import FaceMeshLandmarker
import numpy as np
with FaceMeshLandmarker() as mesh:
    mesh.process(np.zeros((64, 64, 3), np.uint8))
ready_seconds = time.perf_counter() - start
rss_ready = peak_mb()
result = extract_clip(record, ExtractConfig())
print(json.dumps({
    "import_s": import_seconds, "ready_s": ready_seconds,
    "rss_ready_mb": rss_ready,
    "rss_peak_mb": peak_mb(),
    "frames": result.n_frames, "tensorflow": "tensorflow" in sys.modules,
}))
"""


def make_clips(root: Path, n_clips: int, n_frames: int, size: int = 512) -> list[Path]:
    """Write ``n_clips`` mp4 clips of a slowly moving real face."""
    import cv2
    from skimage import data

    face = cv2.resize(data.astronaut()[0:330, 80:410], (size, size))
    paths = []
    folder = root / "face"
    folder.mkdir(parents=True, exist_ok=True)
    for clip in range(n_clips):
        path = folder / f"clip{clip:03d}.mp4"
        writer = cv2.VideoWriter(
            str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (size, size)
        )
        for index in range(n_frames):
            dx = 6 * np.sin((index + clip) / 25)
            dy = 4 * np.cos((index + clip) / 31)
            matrix = np.float32([[1, 0, dx], [0, 1, dy]])
            frame = cv2.warpAffine(
                face, matrix, (size, size), borderMode=cv2.BORDER_REFLECT
            )
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
        paths.append(path)
    return paths


def bare(paths: list[Path], n_processes: int) -> tuple[int, float]:
    """Frames and wall seconds of ``n_processes`` bare loops run at once."""
    groups = [paths[i::n_processes] for i in range(n_processes)]
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BARE_LOOP, *map(str, group)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for group in groups
    ]
    outputs = [
        json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in processes
    ]
    wall = time.perf_counter() - start
    return sum(o["frames"] for o in outputs), wall


def extract(data_dir: Path, store: Path, jobs: int) -> tuple[int, float]:
    from samm_pipeline.config import ExtractConfig
    from samm_pipeline.extract.runner import run_extraction

    shutil.rmtree(store, ignore_errors=True)
    start = time.perf_counter()
    report = run_extraction(data_dir, store, ExtractConfig(jobs=jobs), progress=False)
    return report.n_frames, time.perf_counter() - start


class _ConstantLandmarker:
    """Stands in for FaceMesh when only the store bookkeeping is measured."""

    n_landmarks = 468

    def __init__(self, config: object) -> None:
        pass

    def process(self, frame_rgb: np.ndarray) -> np.ndarray:
        return np.zeros((468, 3), np.float32)

    def close(self) -> None:
        pass


def rerun_skip(root: Path, n_clips: int = 1000) -> tuple[float, int]:
    """Seconds of a rerun over ``n_clips`` unchanged clips (all skipped)."""
    import cv2

    from samm_pipeline.config import ExtractConfig
    from samm_pipeline.extract.runner import run_extraction

    template = root / "template.mp4"
    writer = cv2.VideoWriter(
        str(template), cv2.VideoWriter_fourcc(*"mp4v"), 30, (32, 32)
    )
    for _ in range(2):
        writer.write(np.zeros((32, 32, 3), np.uint8))
    writer.release()
    data_dir = root / "many"
    for index in range(n_clips):
        folder = data_dir / f"class{index % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, folder / f"clip{index:05d}.mp4")
    store = root / "many.zarr"
    config = ExtractConfig(jobs=1)
    run_extraction(
        data_dir, store, config, progress=False, landmarker_factory=_ConstantLandmarker
    )
    start = time.perf_counter()
    report = run_extraction(
        data_dir, store, config, progress=False, landmarker_factory=_ConstantLandmarker
    )
    return time.perf_counter() - start, report.n_skipped


def worker_probe(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", WORKER_PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        root = Path(tmp)
        data_dir = root / "data"
        paths = make_clips(data_dir, args.clips, args.frames)
        print(
            f"# {time.strftime('%Y-%m-%d')}, {args.clips} clips x {args.frames} frames, 512 px"
        )

        bare(paths[:1], 1)  # warm the file cache and the dynamic loader
        # Interleaved and repeated; the best of each is quoted (shared machine).
        best: dict[str, tuple[int, float]] = {}
        for _ in range(args.repeat):
            for name, run in (
                ("b1", lambda: bare(paths, 1)),
                ("e1", lambda: extract(data_dir, root / "e.zarr", 1)),
                ("b2", lambda: bare(paths, 2)),
                ("e2", lambda: extract(data_dir, root / "e.zarr", 2)),
            ):
                frames, wall = run()
                if name not in best or frames / wall > best[name][0] / best[name][1]:
                    best[name] = (frames, wall)
        (frames_b1, wall_b1), (frames_b2, wall_b2) = best["b1"], best["b2"]
        (frames_e1, wall_e1), (frames_e2, wall_e2) = best["e1"], best["e2"]
        fps_b1, fps_b2 = frames_b1 / wall_b1, frames_b2 / wall_b2
        fps_e1, fps_e2 = frames_e1 / wall_e1, frames_e2 / wall_e2
        print(
            f"bare loop, 1 process : {fps_b1:7.1f} frames/s ({frames_b1} frames, {wall_b1:.1f} s)"
        )
        print(
            f"bare loop, 2 processes: {fps_b2:7.1f} frames/s ({frames_b2} frames, {wall_b2:.1f} s)"
        )
        print(
            f"extract --jobs 1      : {fps_e1:7.1f} frames/s = {fps_e1 / fps_b1:.0%} of 1 bare loop"
        )
        print(
            f"extract --jobs 2      : {fps_e2:7.1f} frames/s = {fps_e2 / fps_b2:.0%} of 2 bare loops (target >= 90%)"
        )
        print(f"jobs 2 / jobs 1       : {fps_e2 / fps_e1:.2f}x")

        seconds, skipped = rerun_skip(root)
        print(
            f"rerun, 1,000 unchanged clips: {seconds:.2f} s, {skipped} skipped (target < 2 s)"
        )

        short = worker_probe(paths[0])
        long_clip = make_clips(root / "long", 1, args.frames * 4)[0]
        long = worker_probe(long_clip)
        print(
            f"worker start-up: {short['ready_s']:.2f} s to a ready FaceMesh "
            f"(imports {short['import_s']:.2f} s; target < 1.5 s), "
            f"tensorflow imported: {short['tensorflow']}"
        )
        print(
            f"worker resident memory: {short['rss_ready_mb']:.0f} MB ready, "
            f"{short['rss_peak_mb']:.0f} MB peak after {short['frames']} frames, "
            f"{long['rss_peak_mb']:.0f} MB peak after {long['frames']} frames (target < 300 MB)"
        )


if __name__ == "__main__":
    main()
