"""MediaPipe FaceMesh landmark constants: counts, facial regions, the data contract.

This module is pure: it imports neither mediapipe nor numpy-heavy I/O, so that
every stage (and the CLI's ``--help``) can use the constants cheaply.

The data contract
-----------------
A landmark sequence is a float32 array of shape ``(n_frames, n_landmarks, 3)``
(axes named ``frame``, ``landmark``, ``coord``). ``n_landmarks`` is 478 when
FaceMesh runs with ``refine_landmarks`` (468 mesh points plus 5 per iris) and
468 otherwise. Coordinates are as MediaPipe gives them: x and y normalised to
the image width and height (0..1), z on roughly the same scale as x, relative
to the face centre. A frame in which no face was found is a row of NaN, so a
sequence always stays frame-aligned with its video.

The region index lists below are the vertex sets of MediaPipe's
``face_mesh_connections`` (0.10.21), copied here as plain integers so that no
MediaPipe import is needed. "Left" and "right" are the subject's own sides, as
in MediaPipe (the subject's left eye appears on the image's right).
"""

from __future__ import annotations

from typing import Final

N_LANDMARKS_MESH: Final = 468
"""Landmarks per face without iris refinement."""

N_LANDMARKS_REFINED: Final = 478
"""Landmarks per face with ``refine_landmarks=True`` (468 + 2 irises x 5)."""

VALID_LANDMARK_COUNTS: Final = (N_LANDMARKS_MESH, N_LANDMARKS_REFINED)

N_COORDS: Final = 3
"""x, y, z per landmark."""

SEQUENCE_DIMS: Final = ("frame", "landmark", "coord")
"""Axis names of a landmark sequence, in order."""

LIPS: Final = (
    0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178,
    181, 185, 191, 267, 269, 270, 291, 308, 310, 311, 312, 314, 317, 318, 321,
    324, 375, 402, 405, 409, 415,
)  # fmt: skip
LEFT_EYE: Final = (
    249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466,
)  # fmt: skip
RIGHT_EYE: Final = (
    7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246,
)  # fmt: skip
LEFT_EYEBROW: Final = (276, 282, 283, 285, 293, 295, 296, 300, 334, 336)
RIGHT_EYEBROW: Final = (46, 52, 53, 55, 63, 65, 66, 70, 105, 107)
LEFT_IRIS: Final = (474, 475, 476, 477)
RIGHT_IRIS: Final = (469, 470, 471, 472)
NOSE: Final = (
    1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278,
    294, 326, 327, 344, 440,
)  # fmt: skip
FACE_OVAL: Final = (
    10, 21, 54, 58, 67, 93, 103, 109, 127, 132, 136, 148, 149, 150, 152, 162, 172,
    176, 234, 251, 284, 288, 297, 323, 332, 338, 356, 361, 365, 377, 378, 379, 389,
    397, 400, 454,
)  # fmt: skip

# Single landmarks used as anchors (subject's sides).
MOUTH_CORNER_RIGHT: Final = 61
MOUTH_CORNER_LEFT: Final = 291
UPPER_LIP_CENTRE: Final = 13
LOWER_LIP_CENTRE: Final = 14
NOSE_TIP: Final = 1
NOSE_BRIDGE: Final = 168
EYE_OUTER_RIGHT: Final = 33
EYE_OUTER_LEFT: Final = 263
EYE_INNER_RIGHT: Final = 133
EYE_INNER_LEFT: Final = 362
UPPER_EYELID_RIGHT: Final = 159
LOWER_EYELID_RIGHT: Final = 145
UPPER_EYELID_LEFT: Final = 386
LOWER_EYELID_LEFT: Final = 374
BROW_INNER_RIGHT: Final = 55
BROW_INNER_LEFT: Final = 285
BROW_OUTER_RIGHT: Final = 46
BROW_OUTER_LEFT: Final = 276

REGIONS: Final[dict[str, tuple[int, ...]]] = {
    "lips": LIPS,
    "left_eye": LEFT_EYE,
    "right_eye": RIGHT_EYE,
    "left_eyebrow": LEFT_EYEBROW,
    "right_eyebrow": RIGHT_EYEBROW,
    "nose": NOSE,
    "face_oval": FACE_OVAL,
}
"""Facial regions by name (mesh landmarks only; valid for 468 and 478)."""

STABLE_LANDMARKS: Final = (
    NOSE_BRIDGE, 6, 197, 195, 5, 4, NOSE_TIP,
    EYE_INNER_RIGHT, EYE_INNER_LEFT, EYE_OUTER_RIGHT, EYE_OUTER_LEFT,
    10, 152, 234, 454,
)  # fmt: skip
"""Landmarks that barely move with facial expressions (nose ridge, eye corners,
forehead, chin, cheek edges): the default anchors for head-motion removal."""


def region_of(landmark: int) -> str | None:
    """Return the name of the region a landmark belongs to, or ``None``.

    Examples
    --------
    >>> region_of(61)
    'lips'
    >>> region_of(300)
    'left_eyebrow'
    """
    for name, indices in REGIONS.items():
        if landmark in indices:
            return name
    return None
