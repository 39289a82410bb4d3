"""Benchmark of JPEG decoding against FaceMesh at SAMM-LV frame size: prints
figures and ratios, asserts nothing.

Run from the repository root::

    python tests/benchmarks/bench_decode.py [--frames 400] [--noise 0]

SAMM Long Videos is about a million 2040x1088 grayscale JPEG frames. This
writes ``--frames`` such frames (a real face, scikit-image's bundled astronaut
portrait, its mesh about 500 px tall on a plain grey background, shifted by a
few pixels per frame, JPEG quality 90 with OpenCV) and measures per frame,
side by side in one run:

1. full decode: ``cv2.imread(IMREAD_GRAYSCALE)`` then grey -> RGB, and, for
   reference, the pipeline's frame reader as it is today
   (``samm_pipeline.io.frames._read_image``: ``IMREAD_COLOR``, BGR -> RGB);
2. reduced decode: ``cv2.IMREAD_REDUCED_GRAYSCALE_2`` and ``_4`` (JPEG DCT
   scaling: the decoder skips the high frequencies, 1020x544 and 510x272);
3. FaceMesh (tracking mode, iris refinement, as extraction runs it) on the
   full frames and on each reduced stream;

all streamed as extraction does (one frame in memory at a time), interleaved
frame by frame, best of two passes. It prints ms/frame, decode's share of decode + FaceMesh, the speed-up of the
reduced paths, the landmark difference in pixels at full resolution (reduced
landmarks scaled back against full-decode landmarks: median and 95th
percentile over landmarks and frames), and the face height at each scale
against FaceMesh's 192 px landmark input (256 px for the attention model).
Nothing is downloaded; FaceMesh runs offline from the wheel's bundled models.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 2040, 1088
SCALES = {
    1: "IMREAD_GRAYSCALE",
    2: "IMREAD_REDUCED_GRAYSCALE_2",
    4: "IMREAD_REDUCED_GRAYSCALE_4",
}


def make_frames(
    folder: Path, n_frames: int, noise: float = 0.0, face_px: int = 1000
) -> list[Path]:
    """Write ``n_frames`` SAMM-LV-sized grayscale JPEGs of a slowly moving face.

    A tight square crop of the astronaut's head is scaled to ``face_px``,
    which makes the face mesh (forehead to chin) about 500 px tall, as in SAMM.
    ``noise`` > 0 adds Gaussian sensor-like noise of that standard deviation
    (grey levels) to every frame, which makes the JPEGs larger and slower to
    decode than a clean plain background.
    """
    import cv2
    from skimage import data

    crop = cv2.cvtColor(data.astronaut()[20:240, 130:350], cv2.COLOR_RGB2GRAY)
    crop = cv2.resize(crop, (face_px, face_px), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((HEIGHT, WIDTH), 128, dtype=np.uint8)
    top, left = (HEIGHT - face_px) // 2, (WIDTH - face_px) // 2
    canvas[top : top + face_px, left : left + face_px] = crop
    rng = np.random.default_rng(0)
    paths = []
    for index in range(n_frames):
        dx = 4 * np.sin(index / 9)
        dy = 3 * np.cos(index / 13)
        matrix = np.float32([[1, 0, dx], [0, 1, dy]])
        frame = cv2.warpAffine(
            canvas, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REPLICATE
        )
        if noise > 0:
            noisy = frame + rng.normal(0.0, noise, frame.shape)
            frame = np.clip(noisy, 0, 255).astype(np.uint8)
        path = folder / f"006_1_{index + 1:04d}.jpg"
        cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def read_rgb(path: Path, scale: int) -> np.ndarray:
    """Decode one frame at ``scale`` (1, 2 or 4) into RGB."""
    import cv2

    grey = cv2.imread(str(path), getattr(cv2, SCALES[scale]))
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)


def one_pass(paths: list[Path]) -> dict[str, object]:
    """Stream the frames once, as extraction does (one frame in memory at a
    time), through every path: the pipeline's reader (decode only) and, per
    scale, decode then FaceMesh in tracking mode (one graph per scale).

    Returns seconds per frame (``reader``, ``decode``, ``mesh`` per scale),
    normalised x, y landmarks per scale ``(frames, 478, 2)`` (NaN where no
    face) and each scale's frame size.
    """
    from samm_pipeline.extract.facemesh import FaceMeshLandmarker
    from samm_pipeline.io.frames import _read_image

    with FaceMeshLandmarker() as mesh:  # load the models once, not timed
        mesh.process(read_rgb(paths[0], 1))
    meshes = {scale: FaceMeshLandmarker() for scale in SCALES}
    decode_s = dict.fromkeys(SCALES, 0.0)
    mesh_s = dict.fromkeys(SCALES, 0.0)
    reader_s = 0.0
    points = {scale: np.full((len(paths), 478, 2), np.nan) for scale in SCALES}
    sizes = {}
    try:
        for index, path in enumerate(paths):
            tic = time.perf_counter()
            _read_image(path)
            reader_s += time.perf_counter() - tic
            for scale in SCALES:
                tic = time.perf_counter()
                frame = read_rgb(path, scale)
                toc = time.perf_counter()
                found = meshes[scale].process(frame)
                mesh_s[scale] += time.perf_counter() - toc
                decode_s[scale] += toc - tic
                sizes[scale] = frame.shape[1], frame.shape[0]
                if found is not None:
                    points[scale][index] = found[:, :2]
    finally:
        for mesh in meshes.values():
            mesh.close()
    n = len(paths)
    return {
        "reader": reader_s / n,
        "decode": {scale: value / n for scale, value in decode_s.items()},
        "mesh": {scale: value / n for scale, value in mesh_s.items()},
        "points": points,
        "sizes": sizes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument(
        "--noise",
        type=float,
        default=0.0,
        help="sensor-like noise (grey levels, standard deviation); 0 = clean",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_frames(Path(tmp), args.frames, args.noise)
        size_kb = np.mean([p.stat().st_size for p in paths]) / 1024
        print(
            f"{args.frames} frames of {WIDTH}x{HEIGHT} grayscale JPEG "
            f"(quality 90, noise {args.noise:g}, {size_kb:.0f} kB each)"
        )
        # Two passes, keeping each figure's best: the machine is shared.
        passes = [one_pass(paths) for _ in range(2)]
    reader_s = min(run["reader"] for run in passes)
    decode_s = {scale: min(run["decode"][scale] for run in passes) for scale in SCALES}
    mesh_s = {scale: min(run["mesh"][scale] for run in passes) for scale in SCALES}
    points, sizes = passes[-1]["points"], passes[-1]["sizes"]

    full = points[1] * [WIDTH, HEIGHT]
    found = ~np.isnan(full[:, 0, 0])
    face_h = np.ptp(full[found, :, 1], axis=1)
    print(
        f"face found in {found.sum()}/{args.frames} full frames; face height "
        f"(landmarks, forehead to chin) {np.median(face_h):.0f} px at full size"
    )
    print()
    print(
        "scale  size        decode ms  FaceMesh ms  total ms  decode share  "
        "speed-up  face px  >192  >256  landmark diff px (median / p95)  found"
    )
    total_full = decode_s[1] + mesh_s[1]
    for scale in SCALES:
        w, h = sizes[scale]
        total = decode_s[scale] + mesh_s[scale]
        face_px = np.median(face_h) / scale
        if scale == 1:
            diff = "-"
        else:
            back = points[scale] * [WIDTH, HEIGHT]
            both = found & ~np.isnan(back[:, 0, 0])
            dist = np.linalg.norm(back[both] - full[both], axis=-1).ravel()
            diff = f"{np.median(dist):.2f} / {np.percentile(dist, 95):.2f}"
        n_found = int((~np.isnan(points[scale][:, 0, 0])).sum())
        print(
            f"1/{scale:<4} {w:4d}x{h:<4d}  {1e3 * decode_s[scale]:9.2f}  "
            f"{1e3 * mesh_s[scale]:11.2f}  {1e3 * total:8.2f}  "
            f"{decode_s[scale] / total:12.0%}  {total_full / total:7.2f}x  "
            f"{face_px:7.0f}  {'yes' if face_px > 192 else 'no':>4}  "
            f"{'yes' if face_px > 256 else 'no':>4}  {diff:>31}  {n_found}"
        )
    reader_total = reader_s + mesh_s[1]
    print(
        f"pipeline reader today (IMREAD_COLOR): {1e3 * reader_s:.2f} ms/frame, "
        f"{reader_s / reader_total:.0%} of reader + FaceMesh; speed-up of 1/2: "
        f"{reader_total / (decode_s[2] + mesh_s[2]):.2f}x, of 1/4: "
        f"{reader_total / (decode_s[4] + mesh_s[4]):.2f}x"
    )
    print()
    print(
        f"decode alone, reduced vs full: 1/2 {decode_s[1] / decode_s[2]:.2f}x, "
        f"1/4 {decode_s[1] / decode_s[4]:.2f}x"
    )
    hours = 1e6 * total_full / 3600
    print(
        f"one million frames, 1 process: full {hours:.1f} h, "
        f"1/2 {1e6 * (decode_s[2] + mesh_s[2]) / 3600:.1f} h, "
        f"1/4 {1e6 * (decode_s[4] + mesh_s[4]) / 3600:.1f} h"
    )


if __name__ == "__main__":
    main()
