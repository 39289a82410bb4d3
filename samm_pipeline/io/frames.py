"""Stream RGB frames from a video file or a folder of frame images.

A clip is either a video file (decoded with OpenCV's ``VideoCapture``) or a
folder of frame images (``006_05562.jpg``, ``img46.jpg``...) ordered by the
number in their names. Either way :func:`iter_frames` yields one frame at a
time as a ``(height, width, 3)`` ``uint8`` RGB array, so a clip is never held
in memory whole; grayscale sources come out as three equal channels.

:func:`probe` reads only the container header (video) or one image (folder)
to report frame rate, size and frame count.

Notes
-----
Images are read as bytes and decoded with ``cv2.imdecode`` rather than
``cv2.imread``, which fails on non-ASCII paths on some platforms. ``cv2`` is
imported inside the functions so importing this module stays cheap.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.errors import DataError

IMAGE_SUFFIXES: Final[frozenset[str]] = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"}
)
"""Suffixes of frame images (compared in lower case)."""

VIDEO_SUFFIXES: Final[frozenset[str]] = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm"}
)
"""Suffixes of video files (compared in lower case)."""

_INTEGER = re.compile(r"\d+")


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` learns about a clip without decoding it all.

    Attributes
    ----------
    fps
        Frame rate from the video container; ``None`` for image folders and
        for containers that do not state one.
    width, height
        Frame size in pixels.
    n_frames
        Frame count stated by the container (it may be wrong, e.g. for a
        truncated file; ``None`` when absent), or the number of image files.
    """

    fps: float | None
    width: int
    height: int
    n_frames: int | None


def frame_number(path: Path) -> int | None:
    """Return the last integer in a file's stem, or ``None`` if it has none.

    Examples
    --------
    >>> frame_number(Path("006_05562.jpg"))
    5562
    >>> frame_number(Path("img46.jpg"))
    46
    >>> frame_number(Path("cover.jpg")) is None
    True
    """
    numbers = _INTEGER.findall(path.stem)
    return int(numbers[-1]) if numbers else None


def _is_image_name(name: str) -> bool:
    """True for a visible file name with an image suffix.

    >>> _is_image_name("img1.JPG"), _is_image_name(".img1.jpg")
    (True, False)
    >>> _is_image_name("Thumbs.db")
    False
    """
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in (
        IMAGE_SUFFIXES
    )


def list_frame_files(folder: Path) -> list[Path]:
    """List the frame images of ``folder`` in frame order.

    Parameters
    ----------
    folder
        A folder of frame images. Other files (``Thumbs.db``, ``.txt``) and
        hidden files are ignored; sub-folders are not searched.

    Returns
    -------
    list of Path
        Image files sorted by the last integer in their stem (``img9`` before
        ``img10``; ``0999`` before ``01000``), never lexically. Files whose
        stem holds no number come last, sorted by name.

    Raises
    ------
    DataError
        If ``folder`` cannot be listed, or two files carry the same number
        (``img7.jpg`` and ``img007.jpg``), which leaves the order undefined.
    """
    folder = Path(folder)
    try:
        with os.scandir(folder) as entries:
            names = [
                entry.name
                for entry in entries
                # A dangling link named like a frame is kept, so that reading
                # it fails loudly instead of the clip silently losing a frame.
                if _is_image_name(entry.name)
                and (entry.is_file() or entry.is_symlink())
            ]
    except OSError as error:
        raise DataError(
            f"cannot list frame folder {folder} ({error.strerror or error}); "
            "check that it exists and is readable"
        ) from error

    numbered: dict[int, str] = {}
    unnumbered: list[str] = []
    for name in sorted(names):
        number = frame_number(Path(name))
        if number is None:
            unnumbered.append(name)
        elif number in numbered:
            raise DataError(
                f"frame files {numbered[number]} and {name} in {folder} have the "
                f"same frame number {number}; remove or rename one of them"
            )
        else:
            numbered[number] = name
    ordered = [numbered[number] for number in sorted(numbered)] + unnumbered
    return [folder / name for name in ordered]


def probe(source: Path) -> MediaInfo:
    """Read a clip's frame rate, size and frame count cheaply.

    Parameters
    ----------
    source
        A video file, a folder of frame images, or a single image file (a
        one-frame clip).

    Returns
    -------
    MediaInfo
        For a video, values from the container header (one frame is decoded
        only when the header lacks the size); for a folder, the size of its
        first image and the number of image files.

    Raises
    ------
    DataError
        If ``source`` is missing, a zero-byte file, a file OpenCV cannot open,
        or a folder without image files.
    """
    source = Path(source)
    if source.is_dir():
        files = _frame_files_or_raise(source)
        height, width = _read_image(files[0]).shape[:2]
        return MediaInfo(fps=None, width=width, height=height, n_frames=len(files))
    _check_file(source)
    if source.suffix.lower() in IMAGE_SUFFIXES:
        height, width = _read_image(source).shape[:2]
        return MediaInfo(fps=None, width=width, height=height, n_frames=1)

    import cv2

    capture = _open_video(source)
    try:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = _positive_or_none(capture.get(cv2.CAP_PROP_FPS))
        count = _positive_or_none(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if width <= 0 or height <= 0:
            ok, frame = capture.read()
            if not ok or frame is None:
                raise DataError(
                    f"video {source} has no decodable frame; re-encode it "
                    "(e.g. ffmpeg -i IN -c:v libx264 OUT.mp4) or remove it"
                )
            height, width = frame.shape[:2]
    finally:
        capture.release()
    return MediaInfo(
        fps=fps,
        width=width,
        height=height,
        n_frames=None if count is None else round(count),
    )


def iter_frames(
    source: Path, window: tuple[int, int] | None = None
) -> Iterator[NDArray[np.uint8]]:
    """Yield the frames of a clip one at a time as RGB arrays.

    Parameters
    ----------
    source
        A video file, a folder of frame images (read in
        :func:`list_frame_files` order), or a single image file.
    window
        ``(first, last)``: yield only the frames with these 0-based indices
        and those between (a micro-expression inside a long recording, such
        as CAS(ME)^3 part A); ``None``: every frame. Image files outside the
        window are never opened.

    Yields
    ------
    numpy.ndarray
        ``uint8`` array of shape ``(height, width, 3)``, channels in R, G, B
        order; grayscale frames have three equal channels.

    Raises
    ------
    DataError
        At once, if ``source`` is missing, zero bytes, not openable or a
        folder without images; while iterating an image folder, for an
        unreadable image or one whose size differs from the first frame.

    Notes
    -----
    A video ends at its first failed read, so a truncated file yields the
    frames before the damage and stops; the caller counts the frames it got.
    """
    source = Path(source)
    if window is not None and not 0 <= window[0] <= window[1]:
        raise ValueError(
            f"window {window} must be (first, last) with 0 <= first <= last"
        )
    if source.is_dir():
        files = _frame_files_or_raise(source)
        if window is not None:
            files = files[window[0] : window[1] + 1]
        return _iter_images(files)
    _check_file(source)
    if source.suffix.lower() in IMAGE_SUFFIXES:
        frames = _iter_images([source])
    else:
        frames = _iter_video(_open_video(source))
    if window is None:
        return frames
    return itertools.islice(frames, window[0], window[1] + 1)


def open_camera(index: int) -> tuple[Iterator[NDArray[np.uint8]], float | None]:
    """Open camera ``index``: its RGB frames, and its frame rate if it says.

    Returns
    -------
    frames, fps
        An iterator of ``uint8`` ``(height, width, 3)`` RGB frames until the
        camera stops delivering, and the rate the driver reports (``None``
        when it reports none).

    Raises
    ------
    DataError
        At once, if the camera does not open.
    """
    import cv2

    from samm_pipeline._support.native_logs import quiet_native_logs

    with quiet_native_logs():  # OpenCV's backends print probing noise on fd 2
        capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        capture.release()
        raise DataError(
            f"camera {index} does not open; check the index (0 is usually the "
            "built-in camera), that it is connected and that no other program "
            "uses it"
        )
    fps = _positive_or_none(capture.get(cv2.CAP_PROP_FPS))
    return _iter_video(capture), fps


def _iter_images(files: list[Path]) -> Iterator[NDArray[np.uint8]]:
    """Decode ``files`` in order, all of the first file's size."""
    first_shape: tuple[int, ...] | None = None
    for path in files:
        frame = _read_image(path)
        if first_shape is None:
            first_shape = frame.shape
        elif frame.shape != first_shape:
            raise DataError(
                f"frame {path} is {frame.shape[1]}x{frame.shape[0]} but the "
                f"clip's first frame is {first_shape[1]}x{first_shape[0]}; "
                "resize the frames to one size or remove the odd file"
            )
        yield frame


def _iter_video(capture: Any) -> Iterator[NDArray[np.uint8]]:
    """Read ``capture`` to its end (or first failed read), then release it."""
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            yield _to_rgb(frame)
    finally:
        capture.release()


def _check_file(source: Path) -> None:
    """Raise DataError unless ``source`` is a non-empty file."""
    if not source.exists():
        raise DataError(f"clip {source} does not exist; check the path")
    if not source.is_file():
        raise DataError(
            f"clip {source} is neither a file nor a folder; give a video "
            "file or a folder of frame images"
        )
    if source.stat().st_size == 0:
        raise DataError(
            f"clip {source} is an empty (zero-byte) file; copy it again or remove it"
        )


def _frame_files_or_raise(folder: Path) -> list[Path]:
    """List a folder's frame images; raise DataError if there are none."""
    files = list_frame_files(folder)
    if not files:
        raise DataError(
            f"folder {folder} holds no frame images "
            f"({', '.join(sorted(IMAGE_SUFFIXES))}); add the frames or remove "
            "the folder"
        )
    return files


def _open_video(source: Path) -> Any:
    """Open ``source`` with ``cv2.VideoCapture`` or raise DataError."""
    import cv2

    from samm_pipeline._support.native_logs import quiet_native_logs

    with quiet_native_logs():  # FFmpeg's "moov atom not found" and the like
        capture = cv2.VideoCapture(os.fspath(source))
    if not capture.isOpened():
        capture.release()
        raise DataError(
            f"OpenCV cannot open video {source}; check that it is a complete "
            "video file (e.g. play it) or re-encode it to H.264 .mp4"
        )
    return capture


def _read_image(path: Path) -> NDArray[np.uint8]:
    """Decode one image file into an RGB array, or raise DataError."""
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise DataError(
            f"cannot read frame {path} ({error.strerror or error}); check that "
            "it exists and is readable"
        ) from error
    image = None
    if data.size:
        try:
            image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        except cv2.error:
            image = None
    if image is None:
        raise DataError(
            f"frame {path} is not a readable image (empty or corrupt); replace "
            "or remove it"
        )
    return _to_rgb(image)


def _to_rgb(frame: NDArray[Any]) -> NDArray[np.uint8]:
    """Convert an OpenCV frame (gray, BGR or BGRA) to contiguous RGB uint8.

    >>> bgr = np.zeros((1, 1, 3), np.uint8); bgr[..., 2] = 255
    >>> _to_rgb(bgr)[0, 0].tolist()
    [255, 0, 0]
    >>> _to_rgb(np.full((2, 2), 7, np.uint8)).shape
    (2, 2, 3)
    """
    import cv2

    if frame.dtype == np.uint16:  # keep the top 8 bits, as IMREAD_COLOR does
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    if frame.ndim == 2 or frame.shape[2] == 1:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def _positive_or_none(value: float) -> float | None:
    """Return ``value`` if it is a finite positive number, else ``None``.

    >>> _positive_or_none(25.0), _positive_or_none(0.0), _positive_or_none(-1)
    (25.0, None, None)
    """
    return float(value) if np.isfinite(value) and value > 0 else None
