"""Stage 1 end to end on real MediaPipe FaceMesh, real frames, a real store.

Every clip here is built by the test from scikit-image's bundled astronaut
portrait (a real face): videos, grayscale JPEG frame folders in the SAMM and
CASME II layouts with their spreadsheets, and clips that lose the face.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import ExtractConfig
from samm_pipeline.extract.runner import run_extraction
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow


def _write_jpegs(folder: Path, frames: list[np.ndarray], names: list[str]) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for frame, name in zip(frames, names, strict=True):
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        assert cv2.imwrite(str(folder / name), gray)


def test_class_folders_with_jobs_2(
    tmp_path, face_rgb, moving_face, blank_rgb, video_writer
):
    """Videos through two real worker processes; NaN rows exactly where no face."""
    root = tmp_path / "data"
    video_writer(root / "happy" / "s1_a.mp4", moving_face(face_rgb, 12), fps=30)
    video_writer(
        root / "sad" / "s2_gone.mp4",
        moving_face(face_rgb, 8) + [blank_rgb] * 5,
        fps=24,
    )
    (root / "sad" / "broken.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 50
    )
    store = tmp_path / "s.zarr"
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "extract",
            str(root),
            "--store",
            str(store),
            "--jobs",
            "2",
            "--subject-pattern",
            r"^(s\d+)_",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "failed: sad/broken" in result.output
    assert "2 extracted" in result.output

    opened = open_store(store)
    assert opened.n_landmarks == 478
    assert opened.extractor["refine_landmarks"] is True
    happy = opened["happy/s1_a"]
    assert happy.landmarks.shape == (12, 478, 3)
    assert happy.detected.all()
    assert happy.subject == "s1" and happy.fps == pytest.approx(30)
    gone = opened["sad/s2_gone"]
    np.testing.assert_array_equal(gone.detected, [True] * 8 + [False] * 5)
    assert np.isnan(gone.landmarks[8:]).all()
    # Landmarks are MediaPipe's normalised coordinates: the face is inside the frame.
    xy = happy.landmarks[..., :2]
    assert 0.1 < xy.min() and xy.max() < 0.95
    assert (gone.attrs["width"], gone.attrs["height"]) == (256, 256)

    strict = CliRunner().invoke(
        cli, ["-q", "extract", str(root), "--store", str(store), "--strict"]
    )
    assert strict.exit_code == 1
    assert "0 extracted, 2 unchanged, 1 failed" in strict.output


def _samm_sheet(path: Path, rows: list[list]) -> None:
    header = [
        "Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
        "Offset Frame", "Duration", "Micro", "Action Units", "Estimated Emotion",
        "Objective Classes", "Notes",
    ]  # fmt: skip
    notes = [["SAMM micro-movement FACS codes"], ["description"]] + [[""]] * 10
    pd.DataFrame([*notes, header, *rows]).to_excel(path, header=False, index=False)


def test_samm_layout(tmp_path, face_rgb, moving_face):
    """SAMM: grayscale 5-digit frames, spreadsheet below 12 description rows."""
    root = tmp_path / "SAMM"
    frames = moving_face(face_rgb, 6)
    _write_jpegs(
        root / "006" / "006_1_2",
        frames,
        [f"006_{n:05d}.jpg" for n in range(5560, 5566)],
    )
    _write_jpegs(
        root / "007" / "007_3_1",
        frames[:5],
        [f"007_{n:04d}.jpg" for n in range(998, 1003)],
    )
    micro = "Micro - 1/2"
    _samm_sheet(
        root / "SAMM_Micro_FACS_Codes_v2.xlsx",
        [
            [6, "006_1_2", 1, 5561, 5563, 5565, 5, micro, "R12", "Happiness", "I", ""],
            [7, "007_3_1", 1, 999, -1, 1002, 4, micro, "4", "Anger", "II", ""],
            [8, "008_1_1", 1, 10, 12, 14, 5, micro, "4", "Anger", "II", ""],
        ],
    )
    report = run_extraction(
        root, tmp_path / "s.zarr", ExtractConfig(jobs=1), progress=False
    )
    store = open_store(tmp_path / "s.zarr")
    assert report.layout == "samm"
    assert sorted(store) == ["Anger/007_3_1", "Happiness/006_1_2"]
    happy = store["Happiness/006_1_2"]
    assert happy.landmarks.shape == (6, 478, 3) and happy.detected.all()
    assert happy.subject == "006" and happy.fps == 200.0
    assert (happy.attrs["onset"], happy.attrs["apex"], happy.attrs["offset"]) == (
        1,
        3,
        5,
    )
    assert store["Anger/007_3_1"].attrs["apex"] is None
    assert any(
        "008_1_1" in item or "008_1_1" in reason
        for item, reason in report.failures.items()
    )


def test_casme2_layout(tmp_path, face_rgb, moving_face):
    """CASME II: sub01/EP02_01f/img46.jpg, stray files, unnamed columns."""
    root = tmp_path / "CASME2"
    frames = moving_face(face_rgb, 5)
    _write_jpegs(
        root / "sub01" / "EP02_01f", frames, [f"img{n}.jpg" for n in range(8, 13)]
    )
    (root / "sub01" / "EP02_01f" / "Thumbs.db").write_bytes(b"x")
    _write_jpegs(
        root / "sub02" / "EP02_01f", frames[:4], [f"img{n}.jpg" for n in range(1, 5)]
    )
    sheet = pd.DataFrame(
        {
            "Subject": [1, 2],
            "Filename": ["EP02_01f", "EP02_01f"],
            "Unnamed: 2": ["", ""],
            "OnsetFrame": [9, 1],
            "ApexFrame": [10, "/"],
            "OffsetFrame": [12, 4],
            "Action Units": ["12", "4"],
            "Estimated Emotion": ["happiness", "disgust"],
        }
    )
    sheet.to_excel(root / "CASME2-coding-20140508.xlsx", index=False)
    run_extraction(root, tmp_path / "s.zarr", ExtractConfig(jobs=1), progress=False)
    store = open_store(tmp_path / "s.zarr")
    assert sorted(store) == ["disgust/sub02_EP02_01f", "happiness/sub01_EP02_01f"]
    clip = store["happiness/sub01_EP02_01f"]
    assert clip.landmarks.shape == (5, 478, 3) and clip.detected.all()
    assert clip.subject == "sub01"
    assert (clip.attrs["onset"], clip.attrs["apex"], clip.attrs["offset"]) == (1, 2, 4)


def test_468_landmarks_without_refinement(
    tmp_path, face_rgb, moving_face, video_writer
):
    root = tmp_path / "data"
    video_writer(root / "a" / "c.mp4", moving_face(face_rgb, 4))
    config = ExtractConfig(jobs=1, refine_landmarks=False)
    run_extraction(root, tmp_path / "s.zarr", config, progress=False)
    store = open_store(tmp_path / "s.zarr")
    assert store.n_landmarks == 468 and store["a/c"].landmarks.shape == (4, 468, 3)


def test_worker_import_path_loads_no_tensorflow():
    """What an extraction worker imports (and runs) never loads TensorFlow."""
    code = (
        "import sys, numpy as np\n"
        "from samm_pipeline.extract.worker import extract_clip\n"
        "from samm_pipeline.extract.facemesh import FaceMeshLandmarker\n"
        "with FaceMeshLandmarker() as mesh:\n"
        "    mesh.process(np.zeros((64, 64, 3), np.uint8))\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False False"


def _complete_entries(store: Path) -> int:
    count = 0
    for meta in store.glob("*/*/zarr.json"):
        try:
            count += json.loads(meta.read_text())["attributes"].get("complete") is True
        except (json.JSONDecodeError, KeyError):
            pass
    return count


def test_sigkill_mid_run_then_rerun_completes(
    tmp_path, face_rgb, moving_face, video_writer
):
    """Kill a real `extract` with SIGKILL mid-run; readers see only complete
    entries; a rerun completes the store with the same data as a clean run."""
    root = tmp_path / "data"
    for index in range(8):
        video_writer(root / "c" / f"clip{index}.mp4", moving_face(face_rgb, 40))
    store = tmp_path / "killed.zarr"
    command = [sys.executable, "-m", "samm_pipeline.cli", "-q", "extract", str(root),
               "--store", str(store), "--jobs", "1"]  # fmt: skip
    process = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 120
    while _complete_entries(store) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = _complete_entries(store)
    assert 2 <= done < 8, f"kill landed too late to test anything ({done} of 8 done)"

    partial = open_store(store)
    assert len(partial) == done
    for key in partial:
        assert partial[key].landmarks.shape == (40, 478, 3)

    subprocess.run(command, check=True)
    clean = tmp_path / "clean.zarr"
    subprocess.run(
        [*command[:-5], str(root), "--store", str(clean), "--jobs", "1"], check=True
    )
    resumed, reference = open_store(store), open_store(clean)
    assert sorted(resumed) == sorted(reference) == [f"c/clip{i}" for i in range(8)]
    for key in reference:
        np.testing.assert_array_equal(resumed[key].landmarks, reference[key].landmarks)
