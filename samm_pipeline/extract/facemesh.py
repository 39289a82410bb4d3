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
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType, TracebackType
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

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


_quiet_lock = threading.Lock()
_quiet_users = 0
_saved_stderr: int | None = None


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence what native code prints to stderr (file descriptor 2) meanwhile.

    MediaPipe 0.10.21 writes several ``W0000``/``INFO`` lines (XNNPACK
    delegate, feedback tensors, NORM_RECT) per graph, straight to file
    descriptor 2, before its logging can be configured; with one graph per
    clip they would bury the progress bar. OpenCV's video backends do the
    same when probing a file or camera. Set ``SAMM_NATIVE_LOGS=1`` to see
    them.

    Notes
    -----
    File descriptors belong to the process, not the thread, so under the
    threading backend several landmarkers overlap: the first user redirects
    fd 2 and the last one to leave restores it (a counter under a lock), so
    the real stderr always comes back.
    """
    global _quiet_users, _saved_stderr
    if os.environ.get("SAMM_NATIVE_LOGS") == "1":
        yield
        return
    with _quiet_lock:
        if _quiet_users == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError, AttributeError):  # no usable stderr
                saved = None
            if saved is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            _saved_stderr = saved
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0 and _saved_stderr is not None:
                os.dup2(_saved_stderr, 2)
                os.close(_saved_stderr)
                _saved_stderr = None


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
