"""The clip: one cached landmark sequence with its typed metadata.

:class:`Clip` is the core domain type. The store returns one per entry
(:meth:`~samm_pipeline.io.store.LandmarkStore.load`), prediction and the
streaming detector make them from fresh landmarks, and the pure preprocessing
(:func:`~samm_pipeline.prepare.preprocess.preprocess_clip`) and the figures
take them. Its properties are the one place that parses an entry's
attributes (fps, frame size, subject, onset/apex/offset), and
:func:`annotated_span` is the one rule for when onset..offset is usable.

Arrays are float32 ``(n_frames, n_landmarks, 3)``: MediaPipe's normalised x,
y (0..1 of the frame width and height) and z, with a NaN row for every frame
without a face.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.landmarks import SEQUENCE_DIMS


def annotated_span(onset: Any, offset: Any) -> tuple[int, int] | None:
    """The annotated onset..offset frames (inclusive), or ``None`` if unusable.

    The rule, written once: both markers known, and ``0 <= onset <= offset``
    (a one-frame span is allowed). Frames past the clip's end are not an
    error here: slicing ``[onset : offset + 1]`` keeps what the clip has.

    >>> annotated_span(3, 9), annotated_span(4, 4)
    ((3, 9), (4, 4))
    >>> annotated_span(9, 3), annotated_span(None, 5), annotated_span(-1, 5)
    (None, None, None)
    """
    onset, offset = _frame(onset), _frame(offset)
    if onset is None or offset is None or not 0 <= onset <= offset:
        return None
    return onset, offset


def _frame(value: Any) -> int | None:
    """A frame index from an attribute (``None``, NaN and non-numbers: ``None``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None


def _positive_float(value: Any) -> float | None:
    """A positive finite number from an attribute, else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _positive_int(value: Any) -> int | None:
    number = _positive_float(value)
    return int(number) if number is not None else None


@dataclass(frozen=True)
class Clip:
    """One cached landmark sequence with its metadata.

    Attributes
    ----------
    key
        ``"<class>/<clip>"``.
    landmarks
        float32 ``(n_frames, n_landmarks, 3)``; NaN rows for frames without a face.
    attrs
        The entry's attributes as stored (provenance included); read them
        through the typed properties (:attr:`fps`, :attr:`width`,
        :attr:`onset`, :attr:`span`, ...), which own their parsing.
    """

    key: str
    landmarks: NDArray[np.float32]
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        """The class as stored (before any label map)."""
        return self.key.split("/")[0]

    @property
    def clip(self) -> str:
        """The clip id."""
        return self.key.split("/")[1]

    @property
    def n_frames(self) -> int:
        """Frames in the sequence (with or without a face)."""
        return int(self.landmarks.shape[0])

    @property
    def fps(self) -> float | None:
        """Frames per second, or ``None`` when unknown."""
        return _positive_float(self.attrs.get("fps"))

    @property
    def width(self) -> int | None:
        """Frame width in pixels, or ``None`` when unknown."""
        return _positive_int(self.attrs.get("width"))

    @property
    def height(self) -> int | None:
        """Frame height in pixels, or ``None`` when unknown."""
        return _positive_int(self.attrs.get("height"))

    @property
    def subject(self) -> str:
        """Subject id, ``""`` when unknown."""
        return str(self.attrs.get("subject") or "")

    @property
    def dataset(self) -> str:
        """The dataset layout the clip came from (``""`` when unknown)."""
        return str(self.attrs.get("dataset") or "")

    @property
    def onset(self) -> int | None:
        """Annotated onset frame (0-based, in the clip), or ``None``."""
        return _frame(self.attrs.get("onset"))

    @property
    def apex(self) -> int | None:
        """Annotated apex frame (0-based, in the clip), or ``None``."""
        return _frame(self.attrs.get("apex"))

    @property
    def offset(self) -> int | None:
        """Annotated offset frame (0-based, in the clip), or ``None``."""
        return _frame(self.attrs.get("offset"))

    @property
    def span(self) -> tuple[int, int] | None:
        """The annotated onset..offset span (see :func:`annotated_span`)."""
        return annotated_span(self.onset, self.offset)

    @property
    def markers(self) -> dict[str, int]:
        """Onset, apex and offset frames that are known and inside the clip.

        >>> clip = Clip("a/b", np.zeros((5, 468, 3)), {"onset": 1, "apex": 9})
        >>> clip.markers
        {'onset': 1}
        """
        found = {}
        for name, frame in (
            ("onset", self.onset),
            ("apex", self.apex),
            ("offset", self.offset),
        ):
            if frame is not None and 0 <= frame < self.n_frames:
                found[name] = frame
        return found

    @property
    def detected(self) -> NDArray[np.bool_]:
        """``(n_frames,)`` True where a face was found."""
        return ~np.isnan(self.landmarks).any(axis=(1, 2))

    @property
    def times(self) -> NDArray[np.float64] | None:
        """``(n_frames,)`` seconds from the first frame (``frame / fps``), or
        ``None`` when the fps is unknown."""
        fps = self.fps
        if fps is None:
            return None
        return np.arange(len(self.landmarks), dtype=np.float64) / fps

    def to_xarray(self) -> Any:
        """The clip as a labelled :class:`xarray.DataArray`.

        Dimensions ``("frame", "landmark", "coord")``; coordinates ``frame``
        (index), ``time`` (seconds on the frame axis, when the fps is known),
        ``detected`` (bool on the frame axis), ``landmark`` (index),
        ``region`` (FaceMesh region name on the landmark axis, ``""`` outside
        the named regions) and ``coord`` (``"x", "y", "z"``). The entry's
        attributes become ``attrs``; the name is the key.

        Examples
        --------
        >>> clip = Clip("happy/a", np.zeros((3, 468, 3), np.float32), {"fps": 200})
        >>> array = clip.to_xarray()
        >>> array.dims, array["time"].values.tolist()
        (('frame', 'landmark', 'coord'), [0.0, 0.005, 0.01])
        >>> array.sel(coord="y", landmark=61).shape
        (3,)
        """
        import xarray as xr

        from samm_pipeline.landmarks import region_of

        n_frames, n_landmarks, _ = self.landmarks.shape
        coords: dict[str, Any] = {
            "frame": np.arange(n_frames),
            "detected": ("frame", self.detected),
            "landmark": np.arange(n_landmarks),
            "region": ("landmark", [region_of(i) or "" for i in range(n_landmarks)]),
            "coord": ["x", "y", "z"],
        }
        times = self.times
        if times is not None:
            coords["time"] = ("frame", times, {"units": "s"})
        return xr.DataArray(
            self.landmarks,
            dims=SEQUENCE_DIMS,
            coords=coords,
            name=self.key,
            attrs=dict(self.attrs),
        )
