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
def dataset(tmp_path_factory, face_rgb, video_writer):
    root = tmp_path_factory.mktemp("diskfull") / "data"
    for index in range(N_CLIPS):
        frames = [
            np.roll(face_rgb, round(2 * np.sin(i / 3 + index)), axis=1)
            for i in range(10)
        ]
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
