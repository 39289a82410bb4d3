"""A full disk: a real size-limited tmpfs under the store.

The test mounts a tmpfs (in a private mount namespace made with
``unshare``, so nothing outside the test sees it) half the size of the store
it is asked to hold, runs a real ``extract`` into it, and checks that the run
stops with one line and exit 1, that every entry that looks complete is
complete and equal to a run on a roomy disk, and that after the disk is made
larger a rerun finishes the store, equal to the reference.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow

N_CLIPS = 6

VERIFY = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from samm_pipeline.io.store import open_store
    store = open_store(sys.argv[1])
    out = {}
    for key in store:
        out[key] = np.asarray(store[key].landmarks).tolist()
    print(json.dumps({"entries": out, "failures": store.failures}))
    """
)


def namespace_available() -> bool:
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, face_rgb, moving_face, video_writer):
    root = tmp_path_factory.mktemp("diskfull") / "data"
    for index in range(N_CLIPS):
        frames = moving_face(face_rgb, 10, phase=3 * index)
        video_writer(root / "c" / f"clip{index}.mp4", frames)
    reference = root.parent / "reference.zarr"
    subprocess.run(
        [sys.executable, "-m", "samm_pipeline.cli", "-q", "extract", str(root),
         "--store", str(reference), "--jobs", "1"],
        check=True,
    )  # fmt: skip
    return root, reference


def store_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_a_full_disk_stops_the_run_cleanly_and_a_rerun_finishes(dataset, tmp_path):
    if not namespace_available():  # pragma: no cover - depends on the kernel
        pytest.fail("unshare --user --mount is not available; cannot make a tmpfs")
    root, reference = dataset
    size_kb = max(64, store_bytes(reference) // 2 // 1024)
    mount = tmp_path / "small disk"
    mount.mkdir()
    verify = tmp_path / "verify.py"
    verify.write_text(VERIFY)
    store = mount / "s.zarr"
    extract = (
        f'"{sys.executable}" -m samm_pipeline.cli -q extract "{root}" '
        f'--store "{store}" --jobs 1'
    )
    script = textwrap.dedent(
        f"""
        set -u
        mount -t tmpfs -o size={size_kb}k tmpfs "{mount}"
        {extract} 2> "{tmp_path}/first.err"; echo "first=$?"
        "{sys.executable}" "{verify}" "{store}" > "{tmp_path}/first.json"
        mount -o remount,size=64m "{mount}"
        {extract} 2> "{tmp_path}/second.err"; echo "second=$?"
        "{sys.executable}" "{verify}" "{store}" > "{tmp_path}/second.json"
        """
    )
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "first=1" in done.stdout, (done.stdout, done.stderr)
    first_error = (tmp_path / "first.err").read_text()
    assert first_error.startswith("error: No space left on device writing c/clip"), (
        first_error
    )
    assert str(store) in first_error
    assert first_error.count("\n") == 1, first_error
    assert "finished work is kept" in first_error

    expected = open_store(reference)
    partial = json.loads((tmp_path / "first.json").read_text())["entries"]
    assert 0 < len(partial) < N_CLIPS, sorted(partial)
    for key, landmarks in partial.items():  # every complete-looking entry is whole
        np.testing.assert_array_equal(
            np.asarray(landmarks, dtype=np.float32), expected[key].landmarks
        )

    assert "second=0" in done.stdout, (
        done.stdout,
        (tmp_path / "second.err").read_text(),
    )
    final = json.loads((tmp_path / "second.json").read_text())
    assert sorted(final["entries"]) == sorted(expected)
    assert final["failures"] == {}
    for key, landmarks in final["entries"].items():
        np.testing.assert_array_equal(
            np.asarray(landmarks, dtype=np.float32), expected[key].landmarks
        )
    assert shutil.disk_usage(tmp_path).free > 0


def test_a_full_disk_while_training_leaves_no_run_and_says_so(tmp_path):
    if not namespace_available():  # pragma: no cover - depends on the kernel
        pytest.fail("unshare --user --mount is not available; cannot make a tmpfs")
    from samm_pipeline.io.store_writer import StoreWriter

    rng = np.random.default_rng(0)
    writer = StoreWriter(tmp_path / "s.zarr", extractor={"name": "t"}, n_landmarks=468)
    for name in ("a", "b"):
        for subject in range(3):
            for clip in range(2):
                frames = rng.uniform(0.3, 0.7, (12, 468, 3)).astype(np.float32)
                writer.write_clip(
                    f"{name}/s{subject}_{clip}", frames,
                    {"fps": 30.0, "width": 256, "height": 256, "n_frames": 12,
                     "subject": f"s{subject}"},
                )  # fmt: skip
    config = tmp_path / "small.toml"
    config.write_text(
        "[extract]\nrefine_landmarks = false\n[train]\nepochs = 1\n"
        "[augment]\naug_times = 0\n"
    )
    disk = tmp_path / "small disk"
    disk.mkdir()
    train = (
        f'"{sys.executable}" -m samm_pipeline.cli -q --config "{config}" train '
        f'--store "{tmp_path / "s.zarr"}" --output "{disk}/run"'
    )
    script = textwrap.dedent(
        f"""
        mount -t tmpfs -o size=512k tmpfs "{disk}"
        SAMM_PIPELINE_CACHE="{tmp_path}/cache" {train} 2> "{tmp_path}/err"
        echo "code=$?"
        ls -A "{disk}" > "{tmp_path}/left"
        """
    )
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    error = (tmp_path / "err").read_text()
    assert "code=1" in done.stdout, (done.stdout, error)
    assert error.startswith("error: No space left on device writing "), error
    assert error.count("\n") == 1
    assert (tmp_path / "left").read_text() == ""  # no run, no half-written folder
