"""MediaPipe FaceMesh behind a small landmarker interface.

The one place that imports MediaPipe. Everything else sees a
:class:`Landmarker`: ``process(frame_rgb)`` returns the landmarks of one face
or ``None``. Tests of the logic around it may pass a fake landmarker; every
stage also has an end-to-end test against the real one.

Notes
-----
``import mediapipe`` (0.10.21) tries to import TensorFlow through an optional
docs helper whenever TensorFlow is installed, which costs about 3 s and 600 MB
per process. Extraction never needs TensorFlow, so :func:`import_face_mesh`
makes ``tensorflow`` unimportable for the duration of the import (MediaPipe
then takes its documented fallback) and restores the module table afterwards,
so a process that later needs TensorFlow (prediction) can still import it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from types import ModuleType, TracebackType
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.native_logs import quiet_native_logs
from samm_pipeline.config import ExtractConfig
from samm_pipeline.landmarks import N_LANDMARKS_MESH, N_LANDMARKS_REFINED


@runtime_checkable
class Landmarker(Protocol):
    """Anything that turns one RGB frame into one face's landmarks.

    ``process`` takes a ``(height, width, 3)`` uint8 RGB frame and returns a
    float32 array ``(n_landmarks, 3)`` or ``None`` when no face is found.
    A landmarker may keep tracking state between frames of one clip; a new
    clip gets a new landmarker.
    """

    n_landmarks: int

    def process(self, frame_rgb: NDArray[np.uint8]) -> NDArray[np.float32] | None:
        """Return the landmarks of the face in ``frame_rgb``, or ``None``."""
        ...

    def close(self) -> None:
        """Release native resources."""
        ...


def import_face_mesh() -> ModuleType:
    """Import ``mediapipe.solutions.face_mesh`` without importing TensorFlow.

    Returns
    -------
    module
        The ``face_mesh`` solution module.
    """
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    blocked = "tensorflow" not in sys.modules
    if blocked:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        from mediapipe.python.solutions import face_mesh
    finally:
        if blocked and sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]
    return face_mesh


def mediapipe_version() -> str:
    """Return the installed MediaPipe version without importing it."""
    from importlib.metadata import version

    return version("mediapipe")


_QUIET_FRAMES = 3
"""Frames during which native stderr stays silenced (its threads print late)."""


class FaceMeshLandmarker:
    """MediaPipe FaceMesh on a stream of frames (tracking mode) or on stills.

    Parameters
    ----------
    refine_landmarks
        Add the 10 iris landmarks (478 points instead of 468).
    min_detection_confidence
        Face-detector threshold, 0..1.
    min_tracking_confidence
        Below this, the tracker falls back to detection on the next frame.
    static_image_mode
        Detect on every frame (for unrelated stills) instead of tracking.
    """

    def __init__(
        self,
        *,
        refine_landmarks: bool = True,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
    ) -> None:
        face_mesh = import_face_mesh()
        self.n_landmarks = N_LANDMARKS_REFINED if refine_landmarks else N_LANDMARKS_MESH
        # Graph threads print their start-up warnings asynchronously, from
        # construction until the first frames: keep native stderr quiet
        # over that whole span.
        self._quiet = ExitStack()
        self._quiet.enter_context(quiet_native_logs())
        try:
            self._mesh = face_mesh.FaceMesh(
                static_image_mode=static_image_mode,
                max_num_faces=1,
                refine_landmarks=refine_landmarks,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        except BaseException:
            self._quiet.close()
            raise
        self._frames_seen = 0

    def process(self, frame_rgb: NDArray[np.uint8]) -> NDArray[np.float32] | None:
        """Return ``(n_landmarks, 3)`` float32 landmarks, or ``None`` without a face."""
        frame = np.ascontiguousarray(frame_rgb, dtype=np.uint8)
        result = self._mesh.process(frame)
        self._frames_seen += 1
        if self._frames_seen == _QUIET_FRAMES:
            self._quiet.close()
        faces = result.multi_face_landmarks
        if not faces:
            return None
        points = faces[0].landmark
        out = np.empty((len(points), 3), dtype=np.float32)
        for i, point in enumerate(points):
            out[i, 0] = point.x
            out[i, 1] = point.y
            out[i, 2] = point.z
        return out

    def close(self) -> None:
        """Release the MediaPipe graph."""
        try:
            self._mesh.close()
        finally:
            self._quiet.close()

    def __enter__(self) -> FaceMeshLandmarker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def to_pixels(
    landmarks: NDArray[np.floating], width: int, height: int
) -> NDArray[np.float64]:
    """Convert normalised landmarks ``(..., 3)`` to pixel x, y ``(..., 2)``."""
    points = np.asarray(landmarks, dtype=np.float64)
    return points[..., :2] * np.array([width, height], dtype=np.float64)


LandmarkerFactory = Callable[[ExtractConfig], Landmarker]


def facemesh_factory(config: ExtractConfig) -> Landmarker:
    """Make a fresh MediaPipe FaceMesh in tracking mode for one clip."""
    return FaceMeshLandmarker(
        refine_landmarks=config.refine_landmarks,
        min_detection_confidence=config.min_detection_confidence,
        min_tracking_confidence=config.min_tracking_confidence,
        static_image_mode=False,
    )


def extractor_settings(config: ExtractConfig) -> dict[str, Any]:
    """The settings recorded in (and required to match) the store."""
    return {
        "name": "mediapipe-facemesh",
        "mediapipe_version": mediapipe_version(),
        "refine_landmarks": config.refine_landmarks,
        "min_detection_confidence": config.min_detection_confidence,
        "min_tracking_confidence": config.min_tracking_confidence,
        "static_image_mode": False,
        "max_num_faces": 1,
    }


def n_landmarks_for(config: ExtractConfig) -> int:
    """478 with iris refinement, else 468."""
    return N_LANDMARKS_REFINED if config.refine_landmarks else N_LANDMARKS_MESH
