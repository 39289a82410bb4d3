"""Benchmark: per-frame cost of the streaming detector on one core.

Pins the process to one CPU core and TensorFlow to one thread, decodes the
frames up front, then times side by side, on the same frames:

1. FaceMesh alone (tracking mode), per frame;
2. one classification: the window's preprocessing (Procrustes + fastdtw to
   the model's length + standardisation) and the model call;
3. the whole detector (``StreamingDetector.push``) at stride 1 and stride 5,
   per frame, and the frame rate it sustains, against a 30 fps camera.

Usage::

    python tests/benchmarks/bench_detect.py --model data/demo/run \\
        [--video FILE] [--repeat 3]

Without ``--video`` it renders demo clips (512 px, 60 fps) into a temporary
folder and plays them back to back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _frames(video: str | None, workdir: Path) -> list[np.ndarray]:
    from samm_pipeline.demo.dataset import make_demo_dataset
    from samm_pipeline.io.frames import iter_frames

    if video:
        return list(iter_frames(Path(video)))
    demo = make_demo_dataset(
        workdir / "clips", n_subjects=1, clips_per_class=1, progress=False
    )
    frames: list[np.ndarray] = []
    for clip in sorted(demo.root.glob("*/*.mp4")):
        frames.extend(iter_frames(clip))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="data/demo/run")
    parser.add_argument("--video", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from samm_pipeline._support.tensorflow import configure_tensorflow

    configure_tensorflow(threads=1)
    from samm_pipeline.clip import Clip
    from samm_pipeline.config import DetectConfig
    from samm_pipeline.extract.facemesh import facemesh_factory
    from samm_pipeline.infer.detect import StreamingDetector
    from samm_pipeline.infer.trained import load_trained

    trained = load_trained(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        frames = _frames(args.video, Path(tmp))
    height, width = frames[0].shape[:2]
    print(f"{len(frames)} frames of {width}x{height}; one core, TF 1 thread")

    mesh_ms, classify_ms, stride1_ms, stride5_ms = [], [], [], []
    for _ in range(args.repeat):
        landmarker = facemesh_factory(trained.extract_config())
        start = time.perf_counter()
        found = [landmarker.process(frame) for frame in frames]
        mesh_ms.append(1000 * (time.perf_counter() - start) / len(frames))
        landmarker.close()

        faces = np.stack([points for points in found if points is not None])
        window = faces[: max(20, min(len(faces), 42))]
        trained.predict_clip(Clip("w/0", window, {"width": width, "height": height}))
        start = time.perf_counter()
        for _ in range(20):
            trained.predict_clip(
                Clip("w/0", window, {"width": width, "height": height})
            )
        classify_ms.append(1000 * (time.perf_counter() - start) / 20)

        for stride, sink in ((1, stride1_ms), (5, stride5_ms)):
            config = DetectConfig(window=len(window), stride=stride)
            detector = StreamingDetector(trained, config, fps=30.0)
            start = time.perf_counter()
            n_predictions = sum(detector.push(frame) is not None for frame in frames)
            sink.append(1000 * (time.perf_counter() - start) / len(frames))
            detector.close()
        print(
            f"  run: mesh {mesh_ms[-1]:.2f} ms/frame, classify {classify_ms[-1]:.1f} ms, "
            f"detector stride 1 {stride1_ms[-1]:.2f} ms/frame, stride 5 "
            f"{stride5_ms[-1]:.2f} ms/frame ({n_predictions} predictions)"
        )

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(f"FaceMesh alone:                {med(mesh_ms):6.2f} ms/frame")
    print(
        f"one classification ({len(window)} frames): {med(classify_ms):6.1f} ms "
        "(preprocessing + model call)"
    )
    for stride, values in ((1, stride1_ms), (5, stride5_ms)):
        fps = 1000 / med(values)
        print(
            f"detector, stride {stride}:          {med(values):6.2f} ms/frame = "
            f"{fps:5.0f} frames/s = {fps / 30:.1f}x a 30 fps camera; "
            f"{med(values) / med(mesh_ms):.2f}x FaceMesh alone"
        )


if __name__ == "__main__":
    main()
