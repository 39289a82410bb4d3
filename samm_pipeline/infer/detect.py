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
from samm_pipeline.infer.display import has_display, show_frame
from samm_pipeline.infer.trained import TrainedModel
from samm_pipeline.infer.windows import (
    motion_energy,
    recognition_span,
    window_frames,
)
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.stream import StreamingSpotter

logger = logging.getLogger(__name__)


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
    onset, offset
        With the spot gate: the spotted interval (stream frame indices,
        inclusive) that was classified; else ``None``.
    kind
        With the spot gate: ``"micro"`` or ``"macro"``; else ``None``.
    """

    time: float
    frame: int
    label: str
    probability: float
    probabilities: dict[str, float]
    motion: float
    n_face_frames: int
    onset: int | None = None
    offset: int | None = None
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``onset``/``offset``/``kind`` only with the gate)."""
        spotted = (
            {"onset": self.onset, "offset": self.offset, "kind": self.kind}
            if self.onset is not None
            else {}
        )
        return {
            **spotted,
            "time": round(self.time, 4),
            "frame": self.frame,
            "label": self.label,
            "probability": self.probability,
            "probabilities": self.probabilities,
            "motion": round(self.motion, 4),
            "n_face_frames": self.n_face_frames,
        }


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
    spot
        The ``[spot]`` settings of the spot gate (``config.spot_gate``): a
        :class:`~samm_pipeline.spot.stream.StreamingSpotter` watches the
        stream, and only the intervals it spots are classified, each once it
        has ended (widened to the window length when shorter), instead of a
        window every ``stride`` frames.

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
        spot: SpotSettings | None = None,
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
        self._spotter: StreamingSpotter | None = None
        self._spotted: deque[Prediction] = deque()
        if self.config.spot_gate:
            if not fps:
                raise DataError(
                    "the spot gate needs the stream's frame rate (its settings "
                    "are in seconds); the source reports none"
                )
            self._spotter = StreamingSpotter(fps, spot, n_landmarks=trained.n_landmarks)

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
            if self._spotter is not None:
                self._spotter.width, self._spotter.height = size
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
        if self._spotter is not None:
            for interval in self._spotter.push(frame):
                self._classify_spotted(interval, index, float(timestamp))
            return self._spotted.popleft() if self._spotted else None
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
        return self._predict(window, index, timestamp, energy, n_face)

    def _classify_spotted(
        self, interval: Interval, index: int, timestamp: float
    ) -> None:
        """Classify a spotted interval; queue the prediction ``push`` returns."""
        spotter = self._spotter
        assert spotter is not None
        start, stop = recognition_span(interval, self.window, spotter.n_frames)
        window = spotter.window(start, stop)
        face = ~np.isnan(window[:, :, 0]).all(axis=1)
        width, height = self._size or (None, None)
        energy = motion_energy(window[face], width, height) if face.any() else 0.0
        prediction = self._predict(
            window, index, timestamp, energy, int(face.sum()), interval
        )
        if prediction is not None:
            self._spotted.append(prediction)

    def _predict(
        self,
        window: NDArray[np.float32],
        index: int,
        timestamp: float,
        energy: float,
        n_face: int,
        interval: Interval | None = None,
    ) -> Prediction | None:
        """Classify one window (NaN rows without a face); ``None`` if it cannot be."""
        width, height = self._size or (None, None)
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
            onset=None if interval is None else interval.onset,
            offset=None if interval is None else interval.offset,
            kind=None if interval is None else interval.kind,
        )
        self.last_prediction = prediction
        return prediction

    def finish(self) -> list[Prediction]:
        """The end of the stream: classify what the spot gate still holds.

        The predictions not yet returned by :meth:`push` (the gate reports an
        interval once it has ended, so the last one ends with the stream);
        nothing without the gate.
        """
        if self._spotter is not None:
            index = self._n_pushed - 1
            live = self.live or not self.fps
            timestamp = time.monotonic() - self._started if live else index / self.fps
            for interval in self._spotter.flush():
                self._classify_spotted(interval, index, timestamp)
        done = list(self._spotted)
        self._spotted.clear()
        return done

    def reset(self) -> None:
        """Forget the window (e.g. after a cut in the video); the spot gate
        keeps its history."""
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


def run_detection(
    trained: TrainedModel,
    *,
    video: str | os.PathLike[str] | None = None,
    camera: int | None = None,
    config: DetectConfig | None = None,
    show: bool = False,
    on_prediction: Callable[[Prediction], None] | None = None,
    landmarker: Landmarker | None = None,
    spot: SpotSettings | None = None,
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
    landmarker, spot
        See :class:`StreamingDetector`.
    """
    from samm_pipeline.io.frames import iter_frames, open_camera, probe

    config = config or DetectConfig()
    if (video is None) == (camera is None):
        raise ValueError("give exactly one of video and camera")
    if video is not None:
        source = Path(video)
        fps = config.fps or probe(source).fps
        frames = iter_frames(source)
        name = str(source)
        pace = config.realtime and fps is not None
    else:
        frames, fps = open_camera(int(camera))  # type: ignore[arg-type]
        fps = config.fps or fps
        name = f"camera {camera}"
        pace = False
    if show and not has_display():
        logger.warning("no display found (DISPLAY is not set); --show ignored")
        show = False
    report = DetectionReport(source=name)
    start = time.perf_counter()
    with StreamingDetector(
        trained,
        config,
        fps=fps,
        landmarker=landmarker,
        live=camera is not None,
        spot=spot,
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
            if show and show_frame(frame, detector):
                break
        for prediction in detector.finish():
            report.predictions.append(prediction)
            if on_prediction is not None:
                on_prediction(prediction)
        report.n_gated = detector.n_gated
    if show:
        import cv2

        cv2.destroyAllWindows()
    report.seconds = time.perf_counter() - start
    return report
