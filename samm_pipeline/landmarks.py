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


FLIP_PERMUTATION: Final[tuple[int, ...]] = (
    0, 1, 2, 248, 4, 5, 6, 249, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250,
    251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266,
    267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282,
    283, 284, 285, 286, 287, 288, 289, 290, 291, 292, 293, 294, 295, 296, 297, 298,
    299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314,
    315, 316, 317, 318, 319, 320, 321, 322, 323, 94, 324, 325, 326, 327, 328, 329,
    330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345,
    346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361,
    362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 379, 151, 152, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 164,
    391, 392, 393, 168, 394, 395, 396, 397, 398, 399, 175, 400, 401, 402, 403, 404,
    405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 195, 419,
    197, 420, 199, 200, 421, 422, 423, 424, 425, 426, 427, 428, 429, 430, 431, 432,
    433, 434, 435, 436, 437, 438, 439, 440, 441, 442, 443, 444, 445, 446, 447, 448,
    449, 450, 451, 452, 453, 454, 455, 456, 457, 458, 459, 460, 461, 462, 463, 464,
    465, 466, 467, 3, 7, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
    35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54,
    55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74,
    75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 95,
    96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112,
    113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128,
    129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144,
    145, 146, 147, 148, 149, 150, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162,
    163, 165, 166, 167, 169, 170, 171, 172, 173, 174, 176, 177, 178, 179, 180, 181,
    182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 196, 198, 201,
    202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217,
    218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233,
    234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 473, 476,
    475, 474, 477, 468, 471, 470, 469, 472,
)  # fmt: skip
"""Left/right landmark permutation for a horizontal flip (478 entries).

Mirroring a face image maps landmark ``i`` of the mirrored face onto landmark
``FLIP_PERMUTATION[i]`` of the original (with x mirrored). It is an
involution; the 28 midline landmarks map to themselves; the first 468 entries
stay below 468, so ``FLIP_PERMUTATION[:468]`` serves unrefined meshes.

Derived once from MediaPipe 0.10.21 itself: FaceMesh on scikit-image's frontal
astronaut portrait and on its mirror image, mirrored landmarks matched to the
original ones by minimum-cost assignment (median error 0.6 px at 512 px), and
checked on rotated and scaled variants. ``tests/integration`` re-checks it
against real FaceMesh on a mirrored face.
"""


def flip_permutation(n_landmarks: int) -> tuple[int, ...]:
    """The flip permutation for 468 or 478 landmarks.

    >>> perm = flip_permutation(468)
    >>> len(perm), perm[33], perm[263], perm[1]
    (468, 263, 33, 1)
    """
    if n_landmarks not in VALID_LANDMARK_COUNTS:
        raise ValueError(f"n_landmarks must be 468 or 478, got {n_landmarks}")
    return FLIP_PERMUTATION[:n_landmarks]
