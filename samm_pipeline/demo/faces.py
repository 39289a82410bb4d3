"""Who is in a demo clip and when it moves: base faces, pseudo-subjects, timing.

A base face is one of the public-domain photographs bundled in installed wheels
(matplotlib's ``grace_hopper.jpg``, scikit-image's ``astronaut``) or its mirror
image, with its FaceMesh landmarks. A pseudo-subject fixes a base face and the
parameters that make two subjects look different (scale, rotation, position,
brightness, contrast, colour balance, motion amplitude, tempo, sensor noise);
every clip then jitters these a little (:mod:`~samm_pipeline.demo.render`).

Everything random takes an explicit :class:`numpy.random.Generator`; loading
the base faces is the only step that runs MediaPipe (once per process).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.errors import DataError

REFERENCE_SIZE: Final = 512
"""Output size (px) at which the amplitudes are stated; they scale with size."""

_AMPLITUDE_RANGE_PX: Final = (2.5, 3.8)  # per subject at 512 px; x0.85-1.15 per clip
_FACE_WIDTH_RANGE: Final = (0.36, 0.46)  # cheek-to-cheek width / output size
_NOISE_SIGMA_RANGE: Final = (0.8, 2.2)  # grey levels
_BASE_CHEEK_WIDTH_PX: Final = 256.0  # bundled photos are upsampled to this width


@dataclass(frozen=True)
class BaseFace:
    """A bundled photograph (RGB) and its FaceMesh landmarks in pixels, (478, 2)."""

    name: str
    image: NDArray[np.uint8]
    points: NDArray[np.float64]


@dataclass(frozen=True)
class Subject:
    """Parameters fixed for all clips of one pseudo-subject."""

    subject: str
    face: BaseFace
    face_width: float  # fraction of the output size
    angle_deg: float
    offset: tuple[float, float]  # face centre shift, fraction of the output size
    brightness: float
    contrast: float
    colour_gain: tuple[float, float, float]  # R, G, B
    amplitude_px: float  # at REFERENCE_SIZE
    tempo: float
    noise_sigma: float


@functools.lru_cache(maxsize=1)
def base_faces() -> tuple[BaseFace, ...]:
    """Load the bundled photos and their mirrors and find their landmarks, once.

    Returns the 4 base faces in the order subjects cycle through them:
    ``grace_hopper``, ``astronaut``, then both mirrored.

    Raises
    ------
    DataError
        FaceMesh finds no face in a bundled photo (a broken installation).
    """
    import cv2
    import matplotlib.cbook
    import skimage.data
    from PIL import Image

    from samm_pipeline.extract.facemesh import FaceMeshLandmarker, to_pixels

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with Image.open(path) as image:
        grace = np.asarray(image.convert("RGB"))
    photos = {"grace_hopper": grace, "astronaut": np.asarray(skimage.data.astronaut())}
    faces = []
    with FaceMeshLandmarker(refine_landmarks=True, static_image_mode=True) as finder:
        for mirrored in (False, True):
            for name, photo in photos.items():
                image = np.ascontiguousarray(photo[:, ::-1] if mirrored else photo)
                found = finder.process(image)
                full_name = f"{name}_mirrored" if mirrored else name
                if found is None:
                    raise DataError(
                        f"FaceMesh found no face in the bundled image '{full_name}'; "
                        "reinstall mediapipe==0.10.21, matplotlib and scikit-image."
                    )
                # Upsample once (bicubic) so that the per-frame bilinear warp
                # only ever resamples a smooth image of about the output scale.
                cheeks = to_pixels(found[[234, 454]], image.shape[1], image.shape[0])
                factor = _BASE_CHEEK_WIDTH_PX / float(
                    np.hypot(*(cheeks[1] - cheeks[0]))
                )
                if factor > 1.0:
                    image = cv2.resize(
                        image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC
                    )
                points = to_pixels(found, image.shape[1], image.shape[0])
                image.setflags(write=False)
                faces.append(BaseFace(full_name, image, points))
    return tuple(faces)


def draw_subject(index: int, face: BaseFace, rng: np.random.Generator) -> Subject:
    """Draw the fixed parameters of pseudo-subject ``index`` (0-based).

    Notes
    -----
    The draws happen in a fixed order: changing it changes every clip of a
    seed, so new parameters go at the end.
    """
    return Subject(
        subject=f"s{index + 1:02d}",
        face=face,
        face_width=rng.uniform(*_FACE_WIDTH_RANGE),
        angle_deg=rng.uniform(-4.0, 4.0),
        offset=(rng.uniform(-0.04, 0.04), rng.uniform(-0.03, 0.05)),
        brightness=rng.uniform(-20.0, 20.0),
        contrast=rng.uniform(0.85, 1.15),
        colour_gain=tuple(rng.uniform(0.94, 1.06, size=3)),
        amplitude_px=rng.uniform(*_AMPLITUDE_RANGE_PX),
        tempo=rng.uniform(0.85, 1.2),
        noise_sigma=rng.uniform(*_NOISE_SIGMA_RANGE),
    )


def draw_timing(
    rng: np.random.Generator, tempo: float, fps: float
) -> tuple[int, int, int, int]:
    """Draw ``(onset, apex, offset, n_frames)``; the motion lasts about 0.2-0.5 s.

    Lead-in (0.15-0.3 s) and tail (0.1-0.2 s) are neutral; every phase has at
    least 2 frames, so ``0 < onset < apex < offset < n_frames - 1``.
    """
    lead, rise, fall, tail = rng.uniform(
        (0.15, 0.08, 0.12, 0.1), (0.3, 0.16, 0.26, 0.2)
    )
    onset = max(2, round(lead * fps))
    apex = onset + max(2, round(rise * tempo * fps))
    offset = apex + max(2, round(fall * tempo * fps))
    return onset, apex, offset, offset + max(2, round(tail * fps)) + 1
