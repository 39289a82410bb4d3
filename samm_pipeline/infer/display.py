"""Drawing the streaming detector's frames: landmarks and the current label.

OpenCV is imported when a frame is drawn, so the detector stays light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from samm_pipeline.infer.detect import Prediction, StreamingDetector


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


def show_frame(frame: NDArray[np.uint8], detector: StreamingDetector) -> bool:
    """Draw one frame; return True when the user asked to stop."""
    import cv2

    image = draw_overlay(frame, detector.last_landmarks, detector.last_prediction)
    cv2.imshow("samm-pipeline detect", image)
    return (cv2.waitKey(1) & 0xFF) in (ord("q"), 27)
