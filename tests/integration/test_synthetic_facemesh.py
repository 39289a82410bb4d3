"""Real MediaPipe FaceMesh sees each demo class move its own facial region.

Generates 2 subjects (Grace Hopper and the astronaut) x 2 clips per class at
512 px, reads every frame back from the mp4 files and tracks it with FaceMesh
(tracking mode, ``refine_landmarks=True``), as stage 1 will.

Per clip, each frame's landmarks are first aligned to the neutral mean by a
similarity transform fitted on :data:`~samm_pipeline.landmarks.STABLE_LANDMARKS`
(removing head drift, pose and scale), then each landmark's displacement at the
apex is estimated by least squares against the clip's known expression profile
(a matched filter over all frames, far less noisy than one apex frame).

A class passes when its region (``CLASS_REGIONS``) moves clearly more than the
rest of the face (mean region displacement > 2x the median of the other mesh
landmarks, pooled over its 4 clips), in the right direction, while the region of
the other expression family stays put. A warp placed on the wrong landmarks,
in the wrong direction, or too weak to be tracked fails it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from samm_pipeline import landmarks as lm
from samm_pipeline.demo.actions import CLASS_REGIONS, expression_profile
from samm_pipeline.demo.dataset import make_demo_dataset
from samm_pipeline.extract.facemesh import FaceMeshLandmarker, to_pixels

pytestmark = pytest.mark.slow

BROWS = lm.RIGHT_EYEBROW + lm.LEFT_EYEBROW
MOUTH_CORNERS = (lm.MOUTH_CORNER_RIGHT, lm.MOUTH_CORNER_LEFT)
MIN_RATIO = 2.0
# Expected motion of the region along the face's own "up" axis (+1 up, -1 down).
DIRECTION = {"happiness": 1, "surprise": 1, "anger": -1, "sadness": -1}
# The other expression family's region must not move like a real region does.
CONTROL_REGION = {
    "happiness": BROWS,
    "contempt": BROWS,
    "sadness": (),  # sadness also lifts the inner brows (AU1)
    "surprise": MOUTH_CORNERS,
    "anger": MOUTH_CORNERS,
}


def track(video: Path) -> np.ndarray:
    """FaceMesh pixel coordinates per frame, ``(n_frames, 468, 2)``."""
    capture = cv2.VideoCapture(str(video))
    frames = []
    with FaceMeshLandmarker(refine_landmarks=True, static_image_mode=False) as finder:
        while True:
            ok, frame_bgr = capture.read()
            if not ok:
                break
            found = finder.process(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
            assert found is not None, f"FaceMesh lost the face in {video.name}"
            height, width = frame_bgr.shape[:2]
            frames.append(to_pixels(found, width, height)[: lm.N_LANDMARKS_MESH])
    capture.release()
    return np.asarray(frames)


def align(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Similarity-align ``points`` (n, 2) onto ``reference`` on stable landmarks."""
    anchors = list(lm.STABLE_LANDMARKS)
    source, target = points[anchors], reference[anchors]
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    centred_source, centred_target = source - source_mean, target - target_mean
    u, singular, vt = np.linalg.svd(centred_source.T @ centred_target)
    flip = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rotation = (u @ flip @ vt).T
    scale = (singular * np.diag(flip)).sum() / (centred_source**2).sum()
    return (points - source_mean) @ rotation.T * scale + target_mean


def apex_displacement(track_px: np.ndarray, row: dict[str, str]) -> np.ndarray:
    """Least-squares displacement of each landmark at the apex, ``(468, 2)`` px."""
    onset, apex, offset = (int(row[key]) for key in ("onset", "apex", "offset"))
    profile = expression_profile(len(track_px), onset, apex, offset)
    neutral = track_px[profile == 0].mean(axis=0)
    aligned = np.array([align(points, neutral) for points in track_px])
    neutral = aligned[profile == 0].mean(axis=0)
    return np.tensordot(profile, aligned - neutral, axes=(0, 0)) / (profile**2).sum()


def face_up(points: np.ndarray) -> np.ndarray:
    """Unit vector towards the forehead (image y points down)."""
    across = points[lm.EYE_OUTER_LEFT] - points[lm.EYE_OUTER_RIGHT]
    across /= np.linalg.norm(across)
    return np.array([across[1], -across[0]])


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Per class: one record per clip with displacements and reference points."""
    root = tmp_path_factory.mktemp("synthetic_facemesh") / "demo"
    demo = make_demo_dataset(
        root, n_subjects=2, clips_per_class=2, seed=0, progress=False
    )
    with demo.csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    results: dict[str, list[dict]] = {}
    for row in rows:
        if not CLASS_REGIONS[row["class"]]:
            continue
        track_px = track(demo.root / row["path"])
        results.setdefault(row["class"], []).append(
            {
                "row": row,
                "displacement": apex_displacement(track_px, row),
                "neutral": track_px[0],
            }
        )
    return results


def region_vs_rest(
    displacement: np.ndarray, region: tuple[int, ...]
) -> tuple[float, float]:
    """Mean displacement (px) of ``region`` and median of all other landmarks."""
    magnitude = np.linalg.norm(displacement, axis=1)
    rest = np.setdiff1d(np.arange(len(magnitude)), region)
    return float(magnitude[list(region)].mean()), float(np.median(magnitude[rest]))


def report(clips: list[dict], region: tuple[int, ...]) -> Iterator[str]:
    for clip in clips:
        moved, rest = region_vs_rest(clip["displacement"], region)
        row = clip["row"]
        yield (
            f"{row['clip']} ({row['face']}, warp {row['amplitude_px']} px): "
            f"region {moved:.2f} px, rest median {rest:.2f} px, "
            f"ratio {moved / rest:.1f}"
        )


@pytest.mark.parametrize(
    "class_name", ["happiness", "surprise", "anger", "contempt", "sadness"]
)
def test_class_region_moves_more_than_the_rest(
    measured: dict[str, list[dict]], class_name: str
) -> None:
    clips = measured[class_name]
    region = CLASS_REGIONS[class_name]
    pairs = [region_vs_rest(clip["displacement"], region) for clip in clips]
    moved = float(np.mean([pair[0] for pair in pairs]))
    rest = float(np.mean([pair[1] for pair in pairs]))
    details = "; ".join(report(clips, region))
    assert moved > MIN_RATIO * rest, (
        f"{class_name}: region moved {moved:.2f} px vs rest median {rest:.2f} px "
        f"(ratio {moved / rest:.2f}, need > {MIN_RATIO}); {details}"
    )
    assert moved > 1.0, f"{class_name}: region moved only {moved:.2f} px; {details}"

    control = CONTROL_REGION[class_name]
    if control:
        control_moved = float(
            np.mean(
                [region_vs_rest(clip["displacement"], control)[0] for clip in clips]
            )
        )
        assert control_moved < min(MIN_RATIO * rest, moved / 2), (
            f"{class_name}: the control region moved {control_moved:.2f} px "
            f"(rest median {rest:.2f} px, own region {moved:.2f} px); {details}"
        )


@pytest.mark.parametrize("class_name", sorted(DIRECTION))
def test_class_region_moves_in_its_direction(
    measured: dict[str, list[dict]], class_name: str
) -> None:
    region = list(CLASS_REGIONS[class_name])
    upward = [
        float(clip["displacement"][region].mean(axis=0) @ face_up(clip["neutral"]))
        for clip in measured[class_name]
    ]
    expected = DIRECTION[class_name]
    assert all(expected * value > 0 for value in upward), (
        f"{class_name}: mean upward motion of the region per clip "
        f"{np.round(upward, 2)} px, expected {'up' if expected > 0 else 'down'}"
    )
    assert expected * np.mean(upward) > 0.5, (
        f"{class_name}: mean upward motion {np.mean(upward):.2f} px over the clips "
        f"{np.round(upward, 2)}, expected at least 0.5 px "
        f"{'up' if expected > 0 else 'down'}"
    )


def test_contempt_moves_one_lip_corner(measured: dict[str, list[dict]]) -> None:
    """The subject's left corner moves; FaceMesh drags the other one a little."""
    figures = np.array(
        [
            np.linalg.norm(clip["displacement"][list(MOUTH_CORNERS)], axis=1)
            for clip in measured["contempt"]
        ]
    )  # (n_clips, 2): right corner, left corner
    still, moved = figures[:, 0], figures[:, 1]
    message = (
        "contempt: (right, left) lip-corner displacement per clip in px: "
        f"{np.round(figures, 2).tolist()}"
    )
    assert np.all(moved > 1.3 * still), message
    assert moved.mean() > 2 * still.mean(), message
