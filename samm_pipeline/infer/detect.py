"""Streaming detection: classify a sliding window of live landmark frames.

:class:`StreamingDetector` takes frames one at a time (``push``), runs
FaceMesh in tracking mode on each, keeps the last ``window`` landmark frames
and, every ``stride`` frames once ``min_frames`` of them show a face,
classifies the window with exactly the preprocessing the model was trained
with. An optional motion-energy gate skips windows in which the face does not
move. :func:`run_detection` drives it from a video file or a camera.

Notes
-----
The window is sized in seconds, not frames, when ``model.json`` records the
training clips' duration: a model trained on 0.5 s clips at 200 fps sees
0.5 s of a 30 fps camera, i.e. 15 frames, which the DTW alignment then maps
to the model's ``target_length`` as it did for the training clips.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.clip import Clip
from samm_pipeline.config import DetectConfig
from samm_pipeline.errors import DataError
from samm_pipeline.extract.facemesh import Landmarker
from samm_pipeline.infer.trained import TrainedModel
from samm_pipeline.prepare.normalize import stabilised_landmarks

logger = logging.getLogger(__name__)

MOTION_TOP_LANDMARKS = 10
"""Landmarks whose displacement makes up the motion energy (see
:func:`motion_energy`)."""


@dataclass(frozen=True)
class Prediction:
    """One classification of the current window.

    Attributes
    ----------
    time
        Seconds since the start of the stream (frame index / fps for a video,
        wall clock for a camera, or the timestamp given to ``push``).
    frame
        0-based index of the newest frame in the window.
    label
        The most probable class.
    probability
        Its probability.
    probabilities
        Every class's probability, in the model's class order.
    motion
        Motion energy of the window in pixels (see :func:`motion_energy`).
    n_face_frames
        Frames of the window with a face.
    """

    time: float
    frame: int
    label: str
    probability: float
    probabilities: dict[str, float]
    motion: float
    n_face_frames: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "time": round(self.time, 4),
            "frame": self.frame,
            "label": self.label,
            "probability": self.probability,
            "probabilities": self.probabilities,
            "motion": round(self.motion, 4),
            "n_face_frames": self.n_face_frames,
        }


def motion_energy(
    landmarks: NDArray[np.floating], width: int | None, height: int | None
) -> float:
    """How much the face moves within a window, head motion removed, in pixels.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` normalised FaceMesh coordinates,
        without NaN rows.
    width, height
        Frame size, to measure in pixels (``None``: normalised units).

    Returns
    -------
    float
        The peak over frames of the mean distance (x, y) of the
        :data:`MOTION_TOP_LANDMARKS` most displaced landmarks from their
        median position in the window, after every frame is aligned to the
        first by the same Procrustes fit the training uses.

    Notes
    -----
    A micro-expression moves a few landmarks (a mouth corner, a brow) by a
    few pixels; a mean over all 478 would dilute that fifty-fold below the
    tracker's jitter, so only the most displaced landmarks count. A still
    face scores about the jitter (under 1 px at 512 px).

    Examples
    --------
    >>> still = np.zeros((5, 478, 3)); still[..., 0] = np.linspace(0, 1, 478)
    >>> still[..., 1] = np.linspace(1, 0, 478) ** 2
    >>> motion_energy(still, 100, 100)
    0.0
    """
    if len(landmarks) < 2:
        return 0.0
    aligned = stabilised_landmarks(landmarks, width, height)[..., :2]
    median = np.median(aligned, axis=0)
    distances = np.linalg.norm(aligned - median, axis=-1)
    top = min(MOTION_TOP_LANDMARKS, distances.shape[1])
    largest = np.partition(distances, distances.shape[1] - top, axis=1)[:, -top:]
    return float(largest.mean(axis=1).max())


def window_frames(
    trained: TrainedModel, fps: float | None, config: DetectConfig
) -> int:
    """Frames in the sliding window: ``config.window``, else from the model.

    The model's median training-clip duration times ``fps`` when both are
    known, else its median training-clip frame count, else its
    ``target_length``; never fewer than ``config.min_frames``.
    """
    if config.window > 0:
        frames = config.window
    elif trained.clip_seconds and fps:
        frames = round(trained.clip_seconds * fps)
    elif trained.clip_frames:
        frames = round(trained.clip_frames)
    else:
        frames = trained.target_length
    return max(int(frames), config.min_frames)


class StreamingDetector:
    """Classify the last ``window`` frames of a stream, every ``stride`` frames.

    Parameters
    ----------
    trained
        From :func:`~samm_pipeline.infer.trained.load_trained`; loaded once.
    config
        The ``[detect]`` settings (window, min_frames, stride,
        motion_threshold).
    fps
        Frame rate of the stream, for the window length and (unless ``live``)
        timestamps; ``None`` when unknown (then wall-clock timestamps).
    live
        A camera: timestamps from the wall clock even when ``fps`` is known,
        since a live source drops frames.
    landmarker
        Landmarker to use (tests); default a MediaPipe FaceMesh in tracking
        mode with the extractor settings of the model's store.

    Examples
    --------
    ::

        detector = StreamingDetector(load_trained("data/demo/run"), fps=30)
        for frame in frames:                 # RGB uint8 (height, width, 3)
            prediction = detector.push(frame)
            if prediction is not None:
                print(prediction.time, prediction.label, prediction.probability)
        detector.close()
    """

    def __init__(
        self,
        trained: TrainedModel,
        config: DetectConfig | None = None,
        *,
        fps: float | None = None,
        landmarker: Landmarker | None = None,
        live: bool = False,
    ) -> None:
        self.trained = trained
        self.live = live
        self.config = config or DetectConfig()
        self.fps = fps
        self.window = window_frames(trained, fps, self.config)
        if landmarker is None:
            from samm_pipeline.extract.facemesh import facemesh_factory

            landmarker = facemesh_factory(trained.extract_config())
        if landmarker.n_landmarks != trained.n_landmarks:
            raise DataError(
                f"the landmarker gives {landmarker.n_landmarks} landmarks but model "
                f"{trained.path} was trained on {trained.n_landmarks}; use the "
                "model's refine_landmarks setting"
            )
        self._landmarker = landmarker
        self._frames: deque[NDArray[np.float32] | None] = deque(maxlen=self.window)
        self._n_pushed = 0
        self._since_last = 0
        self._started = time.monotonic()
        self._size: tuple[int, int] | None = None
        self.last_landmarks: NDArray[np.float32] | None = None
        """The newest frame's landmarks (``None`` without a face), for drawing."""
        self.last_prediction: Prediction | None = None
        self.n_gated = 0
        """Windows not classified because the motion gate found them still."""

    @property
    def n_frames(self) -> int:
        """Frames pushed so far."""
        return self._n_pushed

    def push(
        self, frame_rgb: NDArray[np.uint8], timestamp: float | None = None
    ) -> Prediction | None:
        """Add one RGB frame; return a prediction when one is due, else ``None``.

        Parameters
        ----------
        frame_rgb
            ``uint8`` ``(height, width, 3)``, channels R, G, B.
        timestamp
            Seconds since the stream started; default from ``fps`` (frame
            index / fps) or the wall clock.
        """
        height, width = frame_rgb.shape[:2]
        points = self._landmarker.process(frame_rgb)
        return self.push_landmarks(points, timestamp, size=(width, height))

    def push_landmarks(
        self,
        points: NDArray[np.floating] | None,
        timestamp: float | None = None,
        *,
        size: tuple[int, int] | None = None,
    ) -> Prediction | None:
        """Like :meth:`push` for landmarks already found (``None``: no face).

        ``size`` is the frame's (width, height), which the head-motion step
        needs to measure x and y in the same units.
        """
        if size is not None:
            self._size = size
        frame = None if points is None else np.asarray(points, dtype=np.float32)
        self.last_landmarks = frame
        self._frames.append(frame)
        index = self._n_pushed
        self._n_pushed += 1
        self._since_last += 1
        if timestamp is None:
            timestamp = (
                index / self.fps
                if self.fps and not self.live
                else time.monotonic() - self._started
            )
        n_face = sum(item is not None for item in self._frames)
        if n_face < self.config.min_frames or self._since_last < self.config.stride:
            return None
        self._since_last = 0
        return self._classify(index, float(timestamp), n_face)

    def _classify(self, index: int, timestamp: float, n_face: int) -> Prediction | None:
        faces = [item for item in self._frames if item is not None]
        width, height = self._size or (None, None)
        energy = motion_energy(np.stack(faces), width, height)
        if self.config.motion_threshold > 0 and energy < self.config.motion_threshold:
            self.n_gated += 1
            return None
        window = np.full(
            (len(self._frames), self.trained.n_landmarks, 3), np.nan, dtype=np.float32
        )
        for row, item in enumerate(self._frames):
            if item is not None:
                window[row] = item
        clip = Clip(f"window/{index}", window, {"width": width, "height": height})
        try:
            probabilities = self.trained.predict_clip(clip)
        except DataError as error:  # too few face frames after the settings
            logger.debug("window at frame %d not classified: %s", index, error)
            return None
        best = int(probabilities.argmax())
        prediction = Prediction(
            time=timestamp,
            frame=index,
            label=self.trained.classes[best],
            probability=float(probabilities[best]),
            probabilities={
                name: float(value)
                for name, value in zip(self.trained.classes, probabilities, strict=True)
            },
            motion=energy,
            n_face_frames=n_face,
        )
        self.last_prediction = prediction
        return prediction

    def reset(self) -> None:
        """Forget the window (e.g. after a cut in the video)."""
        self._frames.clear()
        self._since_last = 0

    def close(self) -> None:
        """Release the landmarker."""
        self._landmarker.close()

    def __enter__(self) -> StreamingDetector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass
class DetectionReport:
    """Summary of one :func:`run_detection` call."""

    source: str
    n_frames: int = 0
    n_face_frames: int = 0
    n_gated: int = 0
    window: int = 0
    seconds: float = 0.0
    predictions: list[Prediction] = field(default_factory=list)

    @property
    def frames_per_second(self) -> float:
        """Frames processed per wall-clock second."""
        return self.n_frames / self.seconds if self.seconds > 0 else 0.0

    def summary_line(self) -> str:
        """One line for the end of a run."""
        labels: dict[str, int] = {}
        for prediction in self.predictions:
            labels[prediction.label] = labels.get(prediction.label, 0) + 1
        counts = ", ".join(f"{name} {count}" for name, count in sorted(labels.items()))
        return (
            f"{len(self.predictions)} predictions ({counts or 'none'}) over "
            f"{self.n_frames} frames, {self.n_face_frames} with a face, window "
            f"{self.window} frames, {self.n_gated} still windows skipped; "
            f"{self.frames_per_second:.0f} frames/s"
        )


def has_display() -> bool:
    """Whether a window can be shown (an X11/Wayland display, or not Linux)."""
    if os.name == "nt" or os.uname().sysname == "Darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def draw_overlay(
    frame_rgb: NDArray[np.uint8],
    landmarks: NDArray[np.floating] | None,
    prediction: Prediction | None,
) -> NDArray[np.uint8]:
    """A BGR copy of the frame with the landmarks and current label drawn."""
    import cv2

    image = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    height, width = image.shape[:2]
    if landmarks is not None:
        for x, y in np.asarray(landmarks)[:, :2] * (width, height):
            cv2.circle(image, (round(x), round(y)), 1, (0, 255, 0), -1)
    text = (
        "no prediction yet"
        if prediction is None
        else f"{prediction.label} {prediction.probability:.2f}"
    )
    cv2.putText(image, text, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 255), 2)
    return image


def run_detection(
    trained: TrainedModel,
    *,
    video: str | os.PathLike[str] | None = None,
    camera: int | None = None,
    config: DetectConfig | None = None,
    show: bool = False,
    on_prediction: Callable[[Prediction], None] | None = None,
    landmarker: Landmarker | None = None,
) -> DetectionReport:
    """Run a :class:`StreamingDetector` over a video file or a camera.

    Parameters
    ----------
    trained
        The loaded model.
    video, camera
        Exactly one: a video file (or frame folder), or a camera index.
    config
        ``[detect]`` settings; ``realtime`` paces a video at its own frame
        rate instead of as fast as possible.
    show
        Draw landmarks and the current label in a window (ignored with a
        warning when there is no display). ``q`` or Esc stops.
    on_prediction
        Called with each prediction as it happens (the CLI prints it).
    landmarker
        See :class:`StreamingDetector`.
    """
    from samm_pipeline.io.frames import iter_frames, open_camera, probe

    config = config or DetectConfig()
    if (video is None) == (camera is None):
        raise ValueError("give exactly one of video and camera")
    if video is not None:
        source = Path(video)
        fps = probe(source).fps
        frames = iter_frames(source)
        name = str(source)
        pace = config.realtime and fps is not None
    else:
        frames, fps = open_camera(int(camera))  # type: ignore[arg-type]
        name = f"camera {camera}"
        pace = False
    if show and not has_display():
        logger.warning("no display found (DISPLAY is not set); --show ignored")
        show = False
    report = DetectionReport(source=name)
    start = time.perf_counter()
    with StreamingDetector(
        trained, config, fps=fps, landmarker=landmarker, live=camera is not None
    ) as detector:
        report.window = detector.window
        for index, frame in enumerate(frames):
            if pace:
                delay = start + index / fps - time.perf_counter()  # type: ignore[operator]
                if delay > 0:
                    time.sleep(delay)
            prediction = detector.push(frame)
            report.n_frames += 1
            report.n_face_frames += detector.last_landmarks is not None
            if prediction is not None:
                report.predictions.append(prediction)
                if on_prediction is not None:
                    on_prediction(prediction)
            if show and _show(frame, detector):
                break
        report.n_gated = detector.n_gated
    if show:
        import cv2

        cv2.destroyAllWindows()
    report.seconds = time.perf_counter() - start
    return report


def _show(frame: NDArray[np.uint8], detector: StreamingDetector) -> bool:
    """Draw one frame; return True when the user asked to stop."""
    import cv2

    image = draw_overlay(frame, detector.last_landmarks, detector.last_prediction)
    cv2.imshow("samm-pipeline detect", image)
    return (cv2.waitKey(1) & 0xFF) in (ord("q"), 27)
