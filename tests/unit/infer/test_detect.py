"""Streaming-detector logic with a fake landmarker and a fake model.

The real FaceMesh + Keras path is in tests/integration/test_predict.py; here
the window, stride, min_frames, motion gate and timestamps are checked on
landmark arrays made in the test: a face of 468 random points that, when
"moving", shifts its mouth landmarks by a few pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.config import AlignConfig, DetectConfig
from samm_pipeline.errors import DataError
from samm_pipeline.infer.detect import StreamingDetector, motion_energy, window_frames
from samm_pipeline.infer.predict import format_predictions, predict_clips
from samm_pipeline.infer.trained import TrainedModel

CLASSES = ("still", "moving")
SIZE = 512


class FakeModel:
    """'moving' when some feature varies over time by over 0.5 px, else 'still'."""

    def predict_on_batch(self, data):
        spread = np.asarray(data).std(axis=1).max(axis=1)
        moving = 1 / (1 + np.exp(-(spread - 0.5) * 10))
        return np.stack([1 - moving, moving], axis=1)


def trained(meta=None, n_landmarks=468) -> TrainedModel:
    return TrainedModel(
        model=FakeModel(),
        meta=meta or {},
        classes=CLASSES,
        align=AlignConfig(target_length=8, zscore="none", method="linear"),
        n_landmarks=n_landmarks,
        target_length=8,
        path=Path("run"),
    )


class ScriptedLandmarker:
    """Returns the given landmark frames in turn (None: no face)."""

    def __init__(self, frames, n_landmarks=468):
        self.frames = list(frames)
        self.n_landmarks = n_landmarks
        self.closed = False

    def process(self, frame_rgb):
        return self.frames.pop(0)

    def close(self):
        self.closed = True


FACE = np.random.default_rng(0).uniform(0.3, 0.7, (468, 3)).astype(np.float32)
MOUTH = [61, 291, 13, 14, 17, 0]


def face(shift_px: float = 0.0) -> np.ndarray:
    points = FACE.copy()
    points[MOUTH, 1] -= shift_px / SIZE
    return points


def test_predictions_start_at_min_frames_and_follow_the_stride():
    detector = StreamingDetector(
        trained(), DetectConfig(window=12, min_frames=6, stride=3), fps=30.0,
        landmarker=ScriptedLandmarker([face()] * 20),
    )  # fmt: skip
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    emitted = [detector.push(frame) for _ in range(20)]
    frames = [p.frame for p in emitted if p is not None]
    assert frames == [5, 8, 11, 14, 17]
    first = next(p for p in emitted if p is not None)
    assert first.time == pytest.approx(5 / 30)
    assert first.n_face_frames == 6
    detector.close()
    assert detector._landmarker.closed


def test_frames_without_a_face_do_not_count_towards_min_frames():
    frames = [face(), None] * 10
    detector = StreamingDetector(
        trained(), DetectConfig(window=20, min_frames=6, stride=1),
        landmarker=ScriptedLandmarker(frames),
    )  # fmt: skip
    results = [detector.push_landmarks(points, size=(SIZE, SIZE)) for points in frames]
    first = next(i for i, p in enumerate(results) if p is not None)
    assert first == 10  # the 6th face frame
    # The window slides: after 20 frames only the last 20 are held.
    assert len(detector._frames) == 20


def test_window_slides_and_classifies_recent_motion():
    still = [face()] * 20
    moving = [face(4 * np.sin(np.pi * t / 9) ** 2) for t in range(10)]
    config = DetectConfig(window=10, min_frames=10, stride=10)
    detector = StreamingDetector(trained(), config, landmarker=ScriptedLandmarker([]))
    labels = []
    for points in still + moving:
        prediction = detector.push_landmarks(points, 0.0, size=(SIZE, SIZE))
        if prediction is not None:
            labels.append((prediction.label, round(prediction.motion, 1)))
    assert [label for label, _ in labels] == ["still", "still", "moving"]
    assert labels[0][1] == 0.0
    assert labels[2][1] > 1.0


def test_motion_gate_skips_still_windows():
    still = [face()] * 10
    moving = [face(4 * np.sin(np.pi * t / 9) ** 2) for t in range(10)]
    config = DetectConfig(window=10, min_frames=10, stride=10, motion_threshold=0.5)
    detector = StreamingDetector(trained(), config, landmarker=ScriptedLandmarker([]))
    results = [
        detector.push_landmarks(points, size=(SIZE, SIZE)) for points in still + moving
    ]
    emitted = [p for p in results if p is not None]
    assert len(emitted) == 1 and emitted[0].frame == 19
    assert detector.n_gated == 1


def test_motion_energy_is_in_pixels_and_ignores_head_motion():
    moving = np.stack([face(3.0 * (t == 4)) for t in range(9)])
    energy = motion_energy(moving, SIZE, SIZE)
    # 6 landmarks move 3 px in one frame: the 10 most displaced average 1.8.
    assert energy == pytest.approx(6 * 3 / 10, rel=0.05)
    turned = moving.copy()
    angle = 0.1
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    turned[4:, :, :2] = (turned[4:, :, :2] - 0.5) @ rotation.T + 0.52
    assert motion_energy(turned, SIZE, SIZE) == pytest.approx(energy, rel=0.05)


def test_window_comes_from_the_models_clip_duration():
    model = trained({"clips": {"median_seconds": 0.5, "median_frames": 100}})
    assert window_frames(model, 30.0, DetectConfig()) == 15
    assert window_frames(model, None, DetectConfig()) == 100
    assert window_frames(model, 30.0, DetectConfig(window=40)) == 40
    assert window_frames(trained(), None, DetectConfig()) == 10  # max(8, min_frames)
    assert window_frames(model, 10.0, DetectConfig(min_frames=12)) == 12


def test_a_landmarker_with_another_landmark_count_is_refused():
    with pytest.raises(DataError, match="gives 478 landmarks but model"):
        StreamingDetector(trained(), landmarker=ScriptedLandmarker([], 478))


def test_predict_clips_keeps_order_and_reports_each_failure(tmp_path):
    report = predict_clips(trained(), [str(tmp_path / "nope.mp4"), "a/b"], store=None)
    assert [item.clip for item in report.clips] == [str(tmp_path / "nope.mp4"), "a/b"]
    assert all(item.error for item in report.clips)
    assert set(report.failures) == {str(tmp_path / "nope.mp4"), "a/b"}
    text = format_predictions(report, "table")
    assert text.splitlines()[0].split() == [
        "clip", "predicted", "probability", "p_still", "p_moving",
    ]  # fmt: skip
    assert text.splitlines()[1].split()[1] == "failed"


def test_store_keys_with_another_landmark_count_are_refused(tmp_path):
    from samm_pipeline.io.store_writer import StoreWriter

    writer = StoreWriter(tmp_path / "s.zarr", extractor={"name": "t"}, n_landmarks=468)
    frames = np.repeat(face()[None], 12, axis=0)
    writer.write_clip("still/c1", frames, {"width": SIZE, "height": SIZE})
    report = predict_clips(trained(n_landmarks=478), ["still/c1"], store=writer.path)
    (item,) = report.clips
    assert item.kind == "store" and item.probabilities is None
    assert "has 468 landmarks but the model was trained on 478" in item.error

    ok = predict_clips(trained(), ["still/c1"], store=writer.path).clips[0]
    assert ok.error is None and ok.predicted == "still"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda run: None, "not found; give the --output folder"),
        (lambda run: run.mkdir(), "model.json not found"),
        (
            lambda run: (run.mkdir(), (run / "model.json").write_text("{oops")),
            "model.json cannot be read",
        ),
        (
            lambda run: (run.mkdir(), (run / "INCOMPLETE").write_text("")),
            "interrupted run",
        ),
        (
            lambda run: (
                run.mkdir(),
                (run / "model.json").write_text('{"format": "samm-pipeline-model"}'),
            ),
            "model.keras not found",
        ),
    ],
)
def test_cli_predict_refuses_a_bad_model_folder(tmp_path, make, fragment):
    from click.testing import CliRunner

    from samm_pipeline.cli import cli

    run = tmp_path / "run"
    make(run)
    result = CliRunner().invoke(cli, ["predict", "--model", str(run), "a/b"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert fragment in result.stderr


def test_overlay_draws_landmarks_and_the_label():
    from samm_pipeline.infer.detect import Prediction
    from samm_pipeline.infer.display import draw_overlay

    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    blank = draw_overlay(frame, None, None)
    drawn = draw_overlay(
        frame,
        face(),
        Prediction(0.5, 15, "moving", 0.9, {"still": 0.1, "moving": 0.9}, 2.0, 15),
    )
    green = (drawn[..., 1] == 255) & (drawn[..., 0] == 0)  # BGR landmark dots
    x, y = np.round(face()[61, :2] * SIZE).astype(int)
    assert green[y, x]
    assert green.sum() > 400  # 468 dots, a few overlapping
    red_text = (drawn[:40, :, 2] == 255) & (drawn[:40, :, 1] == 0)
    assert red_text.sum() > 100
    assert not (blank[..., 1] == 255).any()  # no face, no dots
    assert frame.sum() == 0  # the input frame is not drawn on


def test_a_live_source_is_timed_by_the_wall_clock():
    config = DetectConfig(window=10, min_frames=5, stride=1)
    detector = StreamingDetector(
        trained(), config, fps=30.0, landmarker=ScriptedLandmarker([]), live=True
    )
    emitted = [detector.push_landmarks(face(), size=(SIZE, SIZE)) for _ in range(8)]
    times = [prediction.time for prediction in emitted[4:]]
    # Eight frames pushed at once take milliseconds, not 8/30 s of frame time.
    assert len(times) == 4 and max(times) < 0.1
    assert times == sorted(times)


def test_the_spot_gate_classifies_each_spotted_interval_once_after_it_ends():
    """The gate's predictions are the streaming spotter's intervals, in order,
    each returned no earlier than its offset, the last one by ``finish``."""
    from samm_pipeline.spot.stream import StreamingSpotter
    from tests.unit.spot.synthetic import BROW_RAISE, MOUTH_SMILE, synthetic_video

    fps = 30.0
    video = synthetic_video(fps)[: round(11.5 * fps)]  # ends 0.5 s after the smile
    expected = []
    spotter = StreamingSpotter(fps)
    for frame in video:
        expected += spotter.push(frame)
    expected += spotter.flush()
    assert [item.kind for item in expected] == ["micro", "macro"]

    config = DetectConfig(spot_gate=True)
    detector = StreamingDetector(
        trained(n_landmarks=478),
        config,
        fps=fps,
        landmarker=ScriptedLandmarker([], n_landmarks=478),
    )
    returned = []
    for index, frame in enumerate(video):
        prediction = detector.push_landmarks(frame, size=(512, 512))
        if prediction is not None:
            returned.append((index, prediction))
    final = detector.finish()
    got = [prediction for _, prediction in returned] + final
    assert [(p.onset, p.offset, p.kind) for p in got] == [
        (item.onset, item.offset, item.kind) for item in expected
    ]
    assert all(index >= p.offset for index, p in returned)
    assert BROW_RAISE.frames(fps)[0] <= got[0].offset
    assert got[1].onset <= MOUTH_SMILE.frames(fps)[1]
    assert all(p.label in CLASSES for p in got)
    assert got[0].to_dict()["kind"] == "micro"
    assert "onset" not in face_prediction_dict()


def face_prediction_dict():
    """A prediction without the gate, as a dict."""
    detector = StreamingDetector(
        trained(), DetectConfig(window=10, min_frames=10, stride=1), fps=30.0,
        landmarker=ScriptedLandmarker([]),
    )  # fmt: skip
    prediction = None
    for step in range(10):
        prediction = detector.push_landmarks(face(2.0 * (step % 2)), size=(SIZE, SIZE))
    return prediction.to_dict()


def test_the_spot_gate_needs_a_frame_rate():
    with pytest.raises(DataError, match="frame rate"):
        StreamingDetector(
            trained(n_landmarks=478), DetectConfig(spot_gate=True), fps=None,
            landmarker=ScriptedLandmarker([], n_landmarks=478),
        )  # fmt: skip
