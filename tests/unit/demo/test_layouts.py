"""The demo in the SAMM, CASME II and SMIC layouts: what the readers discover.

Each test writes a tiny dataset (1-2 subjects x 2 classes x 1 clip at 128 px)
with :func:`make_demo_dataset` and reads it back with
:func:`samm_pipeline.io.datasets.discover_clips` (``layout="auto"``): the
layout is recognised, every clip is found with no problem, and the class,
subject, fps and markers are those of the demo's ``clips.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.demo import make_demo_dataset
from samm_pipeline.demo.layouts import DEMO_LAYOUTS, place_clip
from samm_pipeline.io.datasets import discover_clips

CASES = {
    "samm": ("Anger", "Happiness"),
    "casme2": ("disgust", "surprise"),
    "smic": ("negative", "positive"),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def written(request, tmp_path_factory):
    """(layout name, DemoDataset, Discovery) of a tiny dataset in that layout."""
    layout = request.param
    root = tmp_path_factory.mktemp(layout) / "data"
    dataset = make_demo_dataset(
        root,
        n_subjects=2,
        clips_per_class=1,
        size=128,
        layout=layout,
        classes=CASES[layout],
        progress=False,
    )
    return layout, dataset, discover_clips(root, layout="auto")


def test_auto_finds_the_layout_and_every_clip_without_problems(written, csv_reader):
    layout, dataset, discovery = written
    assert discovery.layout == layout
    assert discovery.problems == ()
    assert len(discovery.clips) == dataset.n_clips == 4
    assert {clip.class_name for clip in discovery.clips} == set(CASES[layout])
    assert {clip.fps for clip in discovery.clips} == {DEMO_LAYOUTS[layout].fps}
    assert dataset.fps == DEMO_LAYOUTS[layout].fps


def test_the_reader_agrees_with_clips_csv(written, csv_reader):
    layout, dataset, discovery = written
    rows = {row["clip"]: row for row in csv_reader(dataset.csv_path)}
    found = {clip.clip: clip for clip in discovery.clips}
    assert set(found) == set(rows)
    assert tuple(dict.fromkeys(row["subject"] for row in rows.values())) == (
        dataset.subjects
    )
    for name, row in rows.items():
        clip = found[name]
        assert (clip.class_name, clip.subject) == (row["class"], row["subject"])
        assert clip.source == dataset.root / row["path"]
        n_files = len(list(clip.source.iterdir()))
        assert n_files == int(row["n_frames"])
        assert (clip.onset, clip.offset) == (int(row["onset"]), int(row["offset"]))
        if layout == "smic":  # cut to the micro-expression; SMIC has no apex
            assert (clip.onset, clip.offset) == (0, n_files - 1)
        else:
            assert clip.apex == int(row["apex"])


def test_samm_sheet_has_description_rows_above_its_header(tmp_path):
    import openpyxl

    dataset = make_demo_dataset(
        tmp_path / "samm", n_subjects=1, clips_per_class=1, size=128,
        layout="samm", classes=("Surprise",), progress=False,
    )  # fmt: skip
    assert dataset.label_path == tmp_path / "samm" / "SAMM_Micro_FACS_Codes_v2.xlsx"
    rows = list(openpyxl.load_workbook(dataset.label_path).active.values)
    header = next(i for i, row in enumerate(rows) if row[0] == "Subject")
    assert header >= 3
    assert rows[header + 1][:3] == ("006", "006_6_1", 6)


def test_folders_layout_is_unchanged_by_default(tmp_path, csv_reader):
    dataset = make_demo_dataset(
        tmp_path / "clips", n_subjects=1, clips_per_class=1, size=128,
        classes=("happiness",), progress=False,
    )  # fmt: skip
    assert dataset.layout == "folders" and dataset.fps == 60.0
    assert dataset.label_path is None
    (row,) = csv_reader(dataset.csv_path)
    assert row["path"] == "happiness/s01_happiness_01.mp4"
    assert (dataset.root / row["path"]).is_file()


def test_every_smic_class_has_its_clip_code():
    timing = (2, 4, 6, 9)
    codes = [
        place_clip(DEMO_LAYOUTS["smic"], 1, name, 3, timing, "").clip
        for name in DEMO_LAYOUTS["smic"].classes
    ]
    assert codes == ["s2_ne_03", "s2_po_03", "s2_sur_03"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"layout": "casme3"}, "layout must be one of folders, samm"),
        ({"layout": "samm", "classes": ("anger",)}, "classes of the samm layout"),
        ({"layout": "smic", "classes": ()}, "got none"),
        ({"classes": ("other", "other")}, "each once"),
    ],
)
def test_rejects_an_unknown_layout_or_class(
    tmp_path: Path, arguments: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_demo_dataset(tmp_path / "out", progress=False, **arguments)
    assert not (tmp_path / "out").exists()


def test_the_cli_offers_every_layout():
    from samm_pipeline.cli.store_commands import DEMO_LAYOUT_CHOICES
    from samm_pipeline.demo.layouts import DEMO_LAYOUT_NAMES

    assert DEMO_LAYOUT_CHOICES == DEMO_LAYOUT_NAMES
