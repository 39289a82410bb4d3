"""Tests for samm_pipeline.io.frames: frame order, decoding, probing, errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.frames import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    MediaInfo,
    frame_number,
    iter_frames,
    list_frame_files,
    probe,
)

SIZE = 8


def _write_image(path: Path, image: np.ndarray) -> Path:
    """Write ``image`` (BGR or gray) with imencode, which handles any path."""
    ok, encoded = cv2.imencode(path.suffix, image)
    assert ok
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded.tofile(path)
    return path


def _write_video(
    path: Path, n_frames: int, *, fourcc: str = "mp4v", fps: float = 25.0
) -> Path:
    """Write ``n_frames`` solid red 16x16 frames (BGR (0, 0, 255))."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (16, 16))
    assert writer.isOpened()
    frame = np.zeros((16, 16, 3), np.uint8)
    frame[..., 2] = 255
    for _ in range(n_frames):
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def frame_folder(tmp_path: Path) -> Path:
    """A clip folder with mixed padding and clutter.

    Files: ``006_0999.jpg`` (gray value 10), ``006_01000.jpg`` (20),
    ``006_01001.jpg`` (30) as 8x8 grayscale JPEGs, ``notes.txt``,
    ``Thumbs.db`` and a hidden ``.006_00001.jpg``, none of which is a frame.
    """
    folder = tmp_path / "006" / "006_1_2"
    for name, value in (("006_01001", 30), ("006_0999", 10), ("006_01000", 20)):
        _write_image(folder / f"{name}.jpg", np.full((SIZE, SIZE), value, np.uint8))
    (folder / "notes.txt").write_text("not a frame")
    (folder / "Thumbs.db").write_bytes(b"\x00\x01")
    _write_image(folder / ".006_00001.jpg", np.zeros((SIZE, SIZE), np.uint8))
    return folder


def test_suffix_sets_are_lower_case() -> None:
    assert all(suffix == suffix.lower() for suffix in IMAGE_SUFFIXES | VIDEO_SUFFIXES)
    assert ".jpg" in IMAGE_SUFFIXES and ".mp4" in VIDEO_SUFFIXES


@pytest.mark.parametrize(
    ("name", "expected"),
    [("006_05562.jpg", 5562), ("img46.jpg", 46), ("a1b22.png", 22), ("x.png", None)],
)
def test_frame_number_takes_last_integer(name: str, expected: int | None) -> None:
    assert frame_number(Path(name)) == expected


def test_list_frame_files_sorts_numerically_and_ignores_clutter(
    frame_folder: Path,
) -> None:
    names = [path.name for path in list_frame_files(frame_folder)]
    assert names == ["006_0999.jpg", "006_01000.jpg", "006_01001.jpg"]


def test_list_frame_files_img9_before_img10_and_unnumbered_last(
    tmp_path: Path,
) -> None:
    for name in ("img10.jpg", "img9.JPG", "cover.png", "img100.bmp", "a.png"):
        (tmp_path / name).write_bytes(b"x")
    names = [path.name for path in list_frame_files(tmp_path)]
    assert names == ["img9.JPG", "img10.jpg", "img100.bmp", "a.png", "cover.png"]


def test_list_frame_files_duplicate_numbers_raise(tmp_path: Path) -> None:
    (tmp_path / "img7.jpg").write_bytes(b"x")
    (tmp_path / "img007.jpg").write_bytes(b"x")
    with pytest.raises(DataError, match=r"img007\.jpg.*img7\.jpg.*same frame number"):
        list_frame_files(tmp_path)


def test_grayscale_frames_become_equal_channel_rgb(frame_folder: Path) -> None:
    frames = list(iter_frames(frame_folder))
    assert len(frames) == 3
    for frame in frames:
        assert frame.shape == (SIZE, SIZE, 3) and frame.dtype == np.uint8
        assert np.array_equal(frame[..., 0], frame[..., 1])
        assert np.array_equal(frame[..., 1], frame[..., 2])
    # frame order follows the numbers: 10, 20, 30 (JPEG may shift a level)
    means = [float(frame.mean()) for frame in frames]
    assert means == sorted(means) and means[0] < 15 < means[1] < 25 < means[2]


def test_colour_image_channels_are_rgb(tmp_path: Path) -> None:
    bgr = np.zeros((SIZE, SIZE, 3), np.uint8)
    bgr[..., 2] = 200  # red in OpenCV's BGR order
    _write_image(tmp_path / "clip" / "f1.png", bgr)
    (frame,) = iter_frames(tmp_path / "clip")
    assert frame[0, 0].tolist() == [200, 0, 0]


def test_probe_image_folder(frame_folder: Path) -> None:
    assert probe(frame_folder) == MediaInfo(
        fps=None, width=SIZE, height=SIZE, n_frames=3
    )


def test_video_frames_count_order_and_probe(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "red.mp4", 12, fps=30.0)
    info = probe(video)
    assert (info.width, info.height, info.n_frames) == (16, 16, 12)
    assert info.fps == pytest.approx(30.0)
    frames = list(iter_frames(video))
    assert len(frames) == 12
    red, green, blue = frames[0].reshape(-1, 3).mean(axis=0)
    assert red > 200 and green < 50 and blue < 50
    assert all(f.shape == (16, 16, 3) and f.dtype == np.uint8 for f in frames)


def test_iter_frames_is_lazy(tmp_path: Path) -> None:
    frames = iter_frames(_write_video(tmp_path / "v.mp4", 5))
    assert next(frames).shape == (16, 16, 3)
    frames.close()  # releases the capture without reading the rest


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_truncated_video_ends_early_or_raises(tmp_path: Path, suffix: str) -> None:
    fourcc = "mp4v" if suffix == ".mp4" else "MJPG"
    video = _write_video(tmp_path / f"v{suffix}", 30, fourcc=fourcc)
    data = video.read_bytes()
    video.write_bytes(data[: len(data) // 2])
    try:
        n_frames = sum(1 for _ in iter_frames(video))
    except DataError as error:
        assert video.name in str(error)
    else:
        assert n_frames < 30


def test_zero_byte_file_raises_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    for function in (probe, iter_frames):
        with pytest.raises(DataError, match=r"empty\.mp4.*zero-byte"):
            function(empty)


def test_text_file_named_mp4_raises_naming_it(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video")
    for function in (probe, iter_frames):
        with pytest.raises(DataError, match=r"fake\.mp4"):
            function(fake)


def test_missing_path_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.mp4.*does not exist"):
        probe(tmp_path / "nowhere.mp4")
    with pytest.raises(DataError, match="nowhere"):
        iter_frames(tmp_path / "nowhere")


def test_folder_without_images_raises(tmp_path: Path) -> None:
    (tmp_path / "clip").mkdir()
    (tmp_path / "clip" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match="no frame images"):
        probe(tmp_path / "clip")


def test_unreadable_image_raises_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    _write_image(folder / "img1.jpg", np.zeros((SIZE, SIZE), np.uint8))
    (folder / "img2.jpg").write_bytes(b"\xff\xd8 truncated")
    (folder / "img3.jpg").touch()
    frames = iter_frames(folder)
    assert next(frames).shape == (SIZE, SIZE, 3)
    with pytest.raises(DataError, match=r"img2\.jpg"):
        next(frames)
    with pytest.raises(DataError, match=r"img3\.jpg"):
        list(iter_frames(folder / "img3.jpg"))


def test_mixed_frame_sizes_raise_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    _write_image(folder / "f1.png", np.zeros((SIZE, SIZE), np.uint8))
    _write_image(folder / "f2.png", np.zeros((SIZE, 2 * SIZE), np.uint8))
    with pytest.raises(DataError, match=r"f2\.png is 16x8 .* 8x8"):
        list(iter_frames(folder))


def test_non_ascii_and_space_paths(tmp_path: Path) -> None:
    folder = tmp_path / "Überraschung ñ 表情" / "clip 1"
    _write_image(folder / "帧 1.jpg", np.full((SIZE, SIZE), 99, np.uint8))
    _write_image(folder / "帧 2.jpg", np.full((SIZE, SIZE), 99, np.uint8))
    assert probe(folder).n_frames == 2
    assert len(list(iter_frames(folder))) == 2
    video = _write_video(tmp_path / "vidéo 1.mp4", 3)
    moved = folder.parent / "vidéo ü 1.mp4"
    video.rename(moved)
    assert probe(moved).n_frames == 3
    assert len(list(iter_frames(moved))) == 3


def test_a_camera_that_does_not_open_is_one_quiet_error() -> None:
    """OpenCV's own probing messages (on file descriptor 2) are silenced."""
    import subprocess
    import sys

    code = (
        "from samm_pipeline.io.frames import open_camera\n"
        "try:\n    open_camera(97)\n"
        "except Exception as error:\n    print(type(error).__name__, error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.startswith("DataError camera 97 does not open")
    assert done.stderr == ""
