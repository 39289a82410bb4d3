"""Benchmark of stage-2 preprocessing: prints figures and ratios, asserts nothing.

Run from the repository root::

    python tests/benchmarks/bench_stage2.py

1. Alignment cost per clip for 30, 100 and 300 frames x 1,434 features with
   fastdtw's two distance paths side by side: a scipy ``euclidean`` callable
   and fastdtw's own ``dist=2`` (and whether fastdtw's Cython build is
   installed, which changes the answer).
2. The whole preprocessing (read, clean, head-motion removal, DTW, z-score)
   of a SAMM-sized store (160 clips of about 80 frames, 478 landmarks) made
   here with face-like landmark tracks, cold and from the cache.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np


def per_clip_ms(n_frames: int, distance: str, seconds: float = 1.5) -> float:
    from samm_pipeline.prepare.align import align_sequence

    rng = np.random.default_rng(n_frames)
    clip = np.cumsum(rng.normal(size=(n_frames, 1434)), axis=0)
    align_sequence(clip, 20, distance=distance)  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        align_sequence(clip, 20, distance=distance)
        count += 1
    return (time.perf_counter() - start) / count * 1000


def samm_sized_store(path: Path, n_clips: int = 160, mean_frames: int = 80) -> None:
    """Face-like 478-landmark tracks with head drift and a local expression."""
    from samm_pipeline.io.store_writer import StoreWriter

    rng = np.random.default_rng(0)
    writer = StoreWriter(path, extractor={"name": "benchmark"}, n_landmarks=478)
    base = rng.uniform(0.3, 0.7, size=(478, 3))
    for index in range(n_clips):
        n_frames = int(rng.integers(mean_frames - 30, mean_frames + 31))
        drift = np.cumsum(rng.normal(0, 0.0008, size=(n_frames, 1, 3)), axis=0)
        clip = base + drift + rng.normal(0, 0.0004, size=(n_frames, 478, 3))
        bump = np.sin(np.linspace(0, np.pi, n_frames))[:, None] * 0.004
        clip[:, [61, 291], 1] -= bump
        writer.write_clip(
            f"class{index % 5}/clip{index:03d}",
            clip.astype(np.float32),
            {
                "source": f"clip{index:03d}",
                "source_size": n_frames,
                "source_mtime_ns": 1,
                "fps": 200.0,
                "width": 2040,
                "height": 1088,
                "n_frames": n_frames,
                "n_detected": n_frames,
                "subject": f"{index % 29:03d}",
            },
        )


def main() -> None:
    from samm_pipeline.config import AlignConfig
    from samm_pipeline.io.store import open_store
    from samm_pipeline.prepare.align import default_distance, fastdtw_is_compiled
    from samm_pipeline.prepare.cache import prepare_clips

    print(f"# {time.strftime('%Y-%m-%d')}; fastdtw compiled: {fastdtw_is_compiled()}")
    print("frames  callable ms  dist=2 ms  callable/dist=2")
    for n_frames in (30, 100, 300):
        callable_ms = per_clip_ms(n_frames, "callable")
        p2_ms = per_clip_ms(n_frames, "p2")
        print(
            f"{n_frames:6d}  {callable_ms:11.2f}  {p2_ms:9.2f}  {callable_ms / p2_ms:15.2f}"
        )
    print(f"default distance here: {default_distance()}")

    with tempfile.TemporaryDirectory(prefix="bench-stage2-") as tmp:
        store_path = Path(tmp) / "samm.zarr"
        samm_sized_store(store_path)
        store = open_store(store_path)
        n_frames = int(store.summary()["n_frames"].sum())
        for normalization in ("procrustes", "none"):
            config = AlignConfig(head_motion=normalization)
            start = time.perf_counter()
            cold = prepare_clips(open_store(store_path), config, cache_dir=tmp)
            cold_s = time.perf_counter() - start
            start = time.perf_counter()
            warm = prepare_clips(open_store(store_path), config, cache_dir=tmp)
            warm_s = time.perf_counter() - start
            assert warm.from_cache and not cold.from_cache
            print(
                f"stage-2 preprocessing, {len(store)} clips / {n_frames} frames, "
                f"head_motion={normalization}: {cold_s:.2f} s cold (target < 5 s), "
                f"{warm_s:.3f} s cached (target < 0.5 s)"
            )


if __name__ == "__main__":
    main()
