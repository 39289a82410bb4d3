"""Benchmark of the training-free landmark spotter on long videos in a Zarr
store: prints figures and ratios, asserts nothing.

Run from the repository root::

    python tests/benchmarks/bench_spot.py [--passes 3] [--memory-lengths 1750,3500,7000,14000,28000]

Writes a landmark store to a temporary folder (nothing downloaded) with
long-video entries like the ones the ``samm_lv`` and ``casme2_lv`` layouts
write (attrs ``fps``, ``width``, ``height``, ``n_frames``, ``subject``,
``dataset`` and annotated ``intervals``). Each video is built from one
real FaceMesh landmark frame (FaceMesh on scikit-image's bundled astronaut
portrait; the synthetic test face of ``tests/unit/spot/synthetic.py`` if
that fails) placed in the frame at the dataset's face size, with slow head
sway and drift, FaceMesh-like jitter (0.5 px per coordinate, 2.5e-4 to 1e-3
normalised), a planted brow or lip micro-expression (0.3 s) and a lip or
brow macro-expression (2 s) every 5 s, and a blink (upper eyelids onto the
lower ones, the brows along, 0.15 s) about every 4 s, so that the spotter
finds peaks, widens them and suppresses blinks as on real data. It
measures, side by side in one run:

1. speed, best of ``--passes``: ``samm_pipeline.spot.video.spot_entry`` per
   video (read window by window from the store) on a SAMM-LV-sized video
   (35 s at 200 fps, 7,000 frames, 2040x1088) and a CAS(ME)²-sized one
   (30 s at 30 fps, 900 frames, 640x480), in frames/s and times real time
   (frames/s over the video's fps); ``run_spotting`` over the store (both
   videos, scored, no timeline figures); and where the time goes: reading
   the windows alone, ``motion_signal`` without blink suppression, the eye
   openness (``spot.blink.eye_openness``), ``motion_signal`` with blink
   suppression, ``find_intervals``;
2. memory against video length: ``spot_entry`` on 200 fps videos of
   ``--memory-lengths`` frames (1x, 2x, 4x, 8x, 16x: 8.75 s to 140 s), each
   in a fresh process after a warm-up call on a short entry: the tracemalloc
   peak (NumPy's buffers included) and the resident-memory peak (``VmHWM``,
   reset, over ``VmRSS`` just before the call), with glibc's defaults and
   with ``MALLOC_MMAP_THRESHOLD_=131072`` (glibc otherwise raises its mmap
   threshold as large blocks are freed and keeps later ones in the heap,
   which can hold freed window buffers), in MB and
   MB per 1,000 frames, and what the returned ``VideoSpotting`` keeps (the
   signal's arrays), in bytes per frame.

The machine's load (``os.getloadavg``) is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

SAMM = {"fps": 200.0, "width": 2040, "height": 1088, "face_px": 500}
CASME = {"fps": 30.0, "width": 640, "height": 480, "face_px": 250}
JITTER_PX = 0.5
WARM_UP_FRAMES = 400
FIXED_MMAP = {"MALLOC_MMAP_THRESHOLD_": "131072"}
"""glibc: blocks from 128 kB up always mmap'd, so freed ones are unmapped."""
UPPER_LIDS = ((159, 158, 160, 157, 161), (386, 385, 387, 384, 388))


def template_face() -> tuple[np.ndarray, str]:
    """One ``(478, 3)`` face in pixels of a 1,000 px mesh, centred on 0.

    FaceMesh on the astronaut portrait if it finds the face, else the
    synthetic test face (eyes placed) of the spotting unit tests.
    """
    try:
        import cv2
        from skimage import data

        from samm_pipeline.extract.facemesh import FaceMeshLandmarker

        crop = cv2.resize(data.astronaut()[0:330, 80:410], (512, 512))
        with FaceMeshLandmarker(static_image_mode=True) as mesh:
            found = mesh.process(crop)
        if found is None:
            raise RuntimeError("no face found")
        face, source = found.astype(np.float64) * 512.0, "FaceMesh on astronaut"
    except Exception as error:  # any failure: fall back to the test face
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "spot"))
        from synthetic import neutral_face

        face = neutral_face(0, eyes=True) * 512.0
        source = f"synthetic test face ({type(error).__name__}: {error})"
    face[:, :2] -= face[:, :2].mean(axis=0)
    face *= 1000.0 / np.ptp(face[:, 1])
    return face, source


def make_video(
    face: np.ndarray, n_frames: int, video: dict, seed: int
) -> tuple[np.ndarray, list[dict]]:
    """A float32 ``(n_frames, 478, 3)`` landmark video and its intervals."""
    from samm_pipeline.landmarks import (
        LEFT_EYEBROW,
        LIPS,
        LOWER_EYELID_LEFT,
        LOWER_EYELID_RIGHT,
        RIGHT_EYEBROW,
        UPPER_EYELID_LEFT,
        UPPER_EYELID_RIGHT,
    )

    rng = np.random.default_rng(seed)
    fps, width, height = video["fps"], video["width"], video["height"]
    pixels = face * (video["face_px"] / 1000.0)  # (478, 3), pixels around 0
    brows = list(LEFT_EYEBROW + RIGHT_EYEBROW)
    lids_gap = [
        pixels[LOWER_EYELID_RIGHT, 1] - pixels[UPPER_EYELID_RIGHT, 1],
        pixels[LOWER_EYELID_LEFT, 1] - pixels[UPPER_EYELID_LEFT, 1],
    ]
    unit = video["face_px"] / 100.0  # the movements below are for a 100 px face
    shifts = np.zeros((n_frames, 478, 2))
    intervals = []

    def plant(points, start, frames, shift) -> None:
        stop = min(start + frames, n_frames)
        phase = (np.arange(start, stop) - start + 0.5) / frames
        profile = 0.5 * (1 - np.cos(2 * np.pi * phase))
        shifts[start:stop, list(points)] += profile[:, None, None] * np.asarray(shift)

    period = round(5.0 * fps)
    for number, start in enumerate(range(round(1.5 * fps), n_frames, period)):
        micro, macro = round(0.3 * fps), round(2.0 * fps)
        region = brows if number % 2 == 0 else list(LIPS)
        if start + micro < n_frames:
            plant(region, start, micro, (0.0, -0.8 * unit))
            intervals.append(
                {"onset": start, "apex": start + micro // 2,
                 "offset": start + micro - 1, "type": "micro"}
            )  # fmt: skip
        later = start + round(1.2 * fps)
        region = list(LIPS) if number % 2 == 0 else brows
        if later + macro < n_frames:
            plant(region, later, macro, (0.0, -1.2 * unit))
            intervals.append(
                {"onset": later, "apex": later + macro // 2,
                 "offset": later + macro - 1, "type": "macro"}
            )  # fmt: skip
    for start in range(round(0.7 * fps), n_frames, round(4.1 * fps)):
        frames = round(0.15 * fps)
        if start + frames >= n_frames:
            break
        for lids, gap in zip(UPPER_LIDS, lids_gap, strict=True):
            plant(lids, start, frames, (0.0, 0.9 * gap))
        plant(brows, start, frames, (0.0, 0.6 * unit))

    time_s = np.arange(n_frames) / fps
    angle = np.deg2rad(2.0 * np.sin(2 * np.pi * time_s / 7.0))
    scale = 1.0 + 0.03 * np.sin(2 * np.pi * time_s / 11.0)
    centre = np.array([width / 2, height / 2])
    drift = np.stack(
        [0.02 * width * np.sin(time_s / 13.0), 0.01 * height * time_s / time_s[-1]], 1
    )
    out = np.empty((n_frames, 478, 3), dtype=np.float32)
    for lo in range(0, n_frames, 1000):  # in blocks: a few MB at a time
        hi = min(lo + 1000, n_frames)
        xy = pixels[None, :, :2] + shifts[lo:hi]
        cos, sin = np.cos(angle[lo:hi]), np.sin(angle[lo:hi])
        rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
        xy = scale[lo:hi, None, None] * np.einsum("tij,tkj->tki", rotation, xy)
        xy += centre + drift[lo:hi, None, :]
        xy += rng.normal(0.0, JITTER_PX, size=xy.shape)
        out[lo:hi, :, 0] = xy[..., 0] / width
        out[lo:hi, :, 1] = xy[..., 1] / height
        out[lo:hi, :, 2] = pixels[None, :, 2] * scale[lo:hi, None] / width
    return out, intervals


def write_store(path: Path, face: np.ndarray, entries: dict) -> None:
    """``entries``: key -> (video settings, n_frames, seed)."""
    from samm_pipeline.io.store_writer import StoreWriter

    writer = StoreWriter(path, extractor={"name": "bench_spot"}, n_landmarks=478)
    for key, (video, n_frames, seed) in entries.items():
        landmarks, intervals = make_video(face, n_frames, video, seed)
        dataset = key.split("/", 1)[0]
        writer.write_clip(
            key,
            landmarks,
            {"source": f"{key}.mp4", "source_size": 1, "source_mtime_ns": 1,
             "fps": video["fps"], "width": video["width"],
             "height": video["height"], "n_frames": n_frames,
             "n_detected": n_frames, "subject": f"s{seed}", "dataset": dataset,
             "intervals": intervals},
        )  # fmt: skip


def best(passes: int, function) -> tuple[float, object]:
    """Best wall-clock seconds of ``passes`` calls, and the last result."""
    seconds, result = [], None
    for _ in range(passes):
        tic = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - tic)
    return min(seconds), result


def read_windows(array, window: int = 1024) -> None:
    """Read every frame once, window by window, as float64 (the spotter's read)."""
    for start in range(0, array.shape[0], window):
        np.asarray(array[start : start + window], dtype=np.float64)


def time_video(store, key: str, passes: int) -> dict:
    """Best-of-``passes`` seconds of spot_entry and of its parts on one entry."""
    from samm_pipeline.spot.blink import eye_openness
    from samm_pipeline.spot.peaks import find_intervals
    from samm_pipeline.spot.settings import SpotSettings
    from samm_pipeline.spot.signal import motion_signal
    from samm_pipeline.spot.video import spot_entry

    settings = SpotSettings()
    no_blinks = SpotSettings(blink_suppression=False)
    attrs = store.entry_attrs(key)
    fps = float(attrs["fps"])
    size = {"width": attrs["width"], "height": attrs["height"]}
    array = store.landmark_array(key)
    spot_entry(store, key, settings)  # warm up: imports, caches
    seconds, spotted = best(passes, lambda: spot_entry(store, key, settings))
    signal_s, signal = best(passes, lambda: motion_signal(array, fps, settings, **size))
    return {
        "fps": fps,
        "n": int(attrs["n_frames"]),
        "seconds": seconds,
        "spotted": spotted,
        "read": best(passes, lambda: read_windows(array))[0],
        "plain": best(passes, lambda: motion_signal(array, fps, no_blinks, **size))[0],
        "open": best(passes, lambda: eye_openness(array, **size))[0],
        "signal": signal_s,
        "find": best(passes, lambda: find_intervals(signal, settings))[0],
    }


def speed(store_path: Path, passes: int) -> None:
    from samm_pipeline.io.store import open_store
    from samm_pipeline.spot.run import run_spotting
    from samm_pipeline.spot.settings import SpotSettings

    store = open_store(store_path)
    settings = SpotSettings()
    print(f"speed: best of {passes} passes per figure, one process")
    print(
        "video                   frames   fps  spot_entry s  frames/s  x real time"
        "  | read  signal-no-blink  eye_openness  signal  find_intervals (s)  "
        "predicted / true"
    )
    total_seconds = 0.0
    for key in store:
        row = time_video(store, key, passes)
        n, fps, seconds, spotted = row["n"], row["fps"], row["seconds"], row["spotted"]
        total_seconds += seconds
        n_true = len(spotted.truths or ())
        print(
            f"{key:22s}  {n:6d}  {fps:4.0f}  {seconds:12.3f}  {n / seconds:8,.0f}  "
            f"{n / seconds / fps:10.1f}x  | {row['read']:.3f}  {row['plain']:15.3f}  "
            f"{row['open']:12.3f}  {row['signal']:6.3f}  {row['find']:18.4f}  "
            f"{len(spotted.predictions)} / {n_true}"
        )
        rest = seconds - row["signal"] - row["find"]
        print(
            f"    shares of spot_entry: windows read {row['read'] / seconds:.0%} "
            f"(inside the signal), motion_signal without blinks "
            f"{row['plain'] / seconds:.0%}, blink detection "
            f"{(row['signal'] - row['plain']) / seconds:.0%} (eye_openness alone "
            f"{row['open'] / seconds:.0%}), find_intervals "
            f"{row['find'] / seconds:.1%}, rest {rest / seconds:.0%}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "spot"
        run_s, report = best(
            passes,
            lambda: run_spotting(
                store_path, out, settings, overwrite=True, timeline=None
            ),
        )
    print(
        f"run_spotting over the store ({report.n_videos} videos, "
        f"{report.n_frames} frames, scored, no figures): {run_s:.3f} s wall = "
        f"{report.n_frames / run_s:,.0f} frames/s (its own report: "
        f"{report.n_frames / report.seconds:,.0f} frames/s spotting alone); "
        f"spot_entry sum {total_seconds:.3f} s"
    )
    if report.evaluation is not None:
        counts = report.evaluation.counts
        print(
            f"    F1 on the planted intervals: overall {counts['overall'].f1:.3f}, "
            f"micro {counts['micro'].f1:.3f}, macro {counts['macro'].f1:.3f}"
        )


def rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def memory_child(store_path: str, key: str, warm_up: str) -> None:
    """In a fresh process: tracemalloc and resident peaks of one spot_entry.

    A first call on the short entry ``warm_up`` does the imports and first-use
    set-up without leaving the measured video's buffers to the allocator.
    """
    from samm_pipeline.io.store import open_store
    from samm_pipeline.spot.settings import SpotSettings
    from samm_pipeline.spot.video import spot_entry

    store = open_store(store_path)
    settings = SpotSettings()
    spot_entry(store, warm_up, settings)
    result = {}
    try:  # reset the resident high-water mark (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
        result["hwm_reset"] = True
    except OSError:
        result["hwm_reset"] = False
    before = rss_kb("VmRSS")
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    spotted = spot_entry(store, key, settings)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    signal = spotted.signal
    kept = sum(
        value.nbytes for value in vars(signal).values() if isinstance(value, np.ndarray)
    )
    result.update(
        n_frames=signal.n_frames,
        n_regions=len(signal.regions),
        tracemalloc_peak=peak - baseline,
        tracemalloc_kept=current - baseline,
        rss_peak=(rss_kb("VmHWM") - before) * 1024,
        rss_after=(rss_kb("VmRSS") - before) * 1024,
        kept=kept,
    )
    print(json.dumps(result))


def measure_child(store_path: Path, key: str, warm_up: str, env: dict) -> dict:
    """Run :func:`memory_child` in a fresh process with ``env`` added."""
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(store_path), key, warm_up],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory(store_path: Path, keys: list[str], warm_up: str) -> None:
    print()
    print(
        "memory: spot_entry on 200 fps videos, each in a fresh process after a "
        f"warm-up call on a {WARM_UP_FRAMES}-frame entry; resident peak with "
        "glibc's defaults, and with a fixed mmap threshold (freed large buffers "
        "go back to the system at once)"
    )
    print(
        "frames    s  tracemalloc peak MB  MB/1k frames  resident peak MB  "
        "MB/1k frames  resident peak, fixed mmap MB  still held after MB  "
        "signal arrays B/frame"
    )
    rows, fixed_rows, mb = [], [], 1024 * 1024
    for key in keys:
        row = measure_child(store_path, key, warm_up, {})
        fixed = measure_child(store_path, key, warm_up, FIXED_MMAP)
        rows.append(row)
        fixed_rows.append(fixed)
        n = row["n_frames"]
        print(
            f"{n:6d}  {n / 200:4.0f}  {row['tracemalloc_peak'] / mb:19.1f}  "
            f"{row['tracemalloc_peak'] / mb / n * 1000:12.2f}  "
            f"{row['rss_peak'] / mb:16.1f}  {row['rss_peak'] / mb / n * 1000:12.2f}  "
            f"{fixed['rss_peak'] / mb:28.1f}  "
            f"{row['tracemalloc_kept'] / mb:19.2f}  {row['kept'] / n:21.0f}"
            + ("" if row["hwm_reset"] else "  (resident peak not reset)")
        )
    if len(rows) >= 2:
        extra = rows[-1]["n_frames"] - rows[-2]["n_frames"]

        def growth(items: list[dict], name: str) -> str:
            return f"{(items[-1][name] - items[-2][name]) / extra:,.0f} B/frame"

        print(
            f"    growth from {rows[-2]['n_frames']} to {rows[-1]['n_frames']} "
            f"frames: tracemalloc peak {growth(rows, 'tracemalloc_peak')}, "
            f"resident peak {growth(rows, 'rss_peak')}, with a fixed mmap "
            f"threshold {growth(fixed_rows, 'rss_peak')} (one float32 landmark "
            f"frame is {478 * 3 * 4:,} B)"
        )
    print(
        f"    signal arrays: displacement n_frames x {rows[-1]['n_regions']} "
        "regions float64, noise, combined, micro, macro (float64), present, "
        "blinks (bool)"
    )


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument(
        "--memory-lengths",
        default="1750,3500,7000,14000,28000",
        help="frames of the 200 fps videos of the memory measurement",
    )
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return

    print(f"load average (1, 5, 15 min) before: {load()}")
    face, source = template_face()
    print(f"template face: {source}")
    lengths = [int(value) for value in args.memory_lengths.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        speed_store = Path(tmp) / "speed.zarr"
        memory_store = Path(tmp) / "memory.zarr"
        tic = time.perf_counter()
        write_store(
            speed_store,
            face,
            {"samm_lv/200fps_35s": (SAMM, 7000, 0),
             "casme2_lv/30fps_30s": (CASME, 900, 1)},
        )  # fmt: skip
        memory_keys = [f"samm_lv/len{n}" for n in lengths]
        entries = {
            key: (SAMM, n, 2) for key, n in zip(memory_keys, lengths, strict=True)
        }
        warm_up = "warm_up/short"
        entries[warm_up] = (SAMM, WARM_UP_FRAMES, 3)
        write_store(memory_store, face, entries)
        print(f"stores written in {time.perf_counter() - tic:.1f} s")
        print()
        speed(speed_store, args.passes)
        memory(memory_store, memory_keys, warm_up)
    print()
    print(f"load average (1, 5, 15 min) after: {load()}")


if __name__ == "__main__":
    main()
