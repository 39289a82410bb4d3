"""Tests of the demo long videos (samm_pipeline.demo.longvideo, longvideo_events).

The planning is checked over many draws (durations, order, distractors clear
of the expressions); a tiny SAMM-LV tree (2 videos of 9 s at 30 fps, 128 px,
one micro- and one macro-expression each) is written once per module and
read back by the ``samm_lv`` reader: no problem, and its intervals are
exactly the planted expressions.
"""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.demo.actions import DEMO_CLASSES
from samm_pipeline.demo.longvideo import make_demo_long_videos
from samm_pipeline.demo.longvideo_events import plan_events
from samm_pipeline.io.datasets import discover_clips

FPS = 30.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("longvideos") / "data"
    return make_demo_long_videos(
        root, n_videos=2, seconds=9.0, n_micro=1, n_macro=1, size=128, progress=False
    )


@pytest.mark.parametrize("seed", range(20))
def test_planned_events_keep_their_durations_and_stay_apart(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_frames = 900
    events = plan_events(rng, n_frames, FPS, 3, 2, amplitude_px=2.0)
    kinds = [event.kind for event in events]
    assert kinds.count("micro") == 3 and kinds.count("macro") == 2
    assert "blink" in kinds and "speech" in kinds
    assert [event.onset for event in events] == sorted(e.onset for e in events)
    expressions = [e for e in events if e.kind in ("micro", "macro")]
    for event in events:
        assert 0 <= event.onset < event.apex < event.offset < n_frames
        seconds = (event.offset - event.onset + 1) / FPS
        if event.kind == "micro":
            assert 0.2 - 1 / FPS <= seconds <= 0.5 + 1e-9
        elif event.kind == "macro":
            assert 1.0 - 1 / FPS <= seconds <= 3.0 + 1 / FPS
        else:  # distractors never touch an annotated expression
            assert all(
                event.offset < other.onset or event.onset > other.offset
                for other in expressions
            )
    for first, second in itertools.pairwise(expressions):
        assert first.offset < second.onset


def test_too_many_expressions_for_the_length_are_refused() -> None:
    with pytest.raises(ValueError, match="expressions need"):
        plan_events(np.random.default_rng(0), 300, FPS, 3, 2, amplitude_px=2.0)
    with pytest.raises(ValueError, match="seconds must"):
        make_demo_long_videos("unused", seconds=10.0, n_micro=3, n_macro=2)


def test_the_samm_lv_reader_finds_the_planted_expressions(tiny) -> None:
    discovery = discover_clips(tiny.root, layout="auto", fps=FPS)
    assert discovery.layout == "samm_lv"
    assert discovery.problems == ()
    assert (
        {record.clip for record in discovery.clips}
        == set(tiny.videos)
        == {
            "006_1",
            "007_1",
        }
    )
    for record in discovery.clips:
        n_frames, events = tiny.videos[record.clip]
        assert len(list(record.source.iterdir())) == n_frames == 270
        planted = [
            (event.onset, event.apex, event.offset, event.kind, event.emotion)
            for event in events
            if event.kind in ("micro", "macro")
        ]
        assert all(item[-1] in DEMO_CLASSES for item in planted)
        assert [tuple(interval) for interval in record.intervals] == planted
        assert record.fps == FPS and record.subject == record.clip[:3]


def test_the_sheet_and_events_csv_agree(tiny) -> None:
    from openpyxl import load_workbook

    rows = list(load_workbook(tiny.sheet_path).active.iter_rows(values_only=True))
    header = rows.index(
        ("Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
         "Duration", "Type", "Action Units", "Notes", "Estimated Emotion")
    )  # fmt: skip
    sheet = rows[header + 1 :]
    with tiny.events_path.open(newline="", encoding="utf-8") as handle:
        events = list(csv.DictReader(handle))
    expressions = [row for row in events if row["kind"] in ("micro", "macro")]
    assert len(sheet) == len(expressions) == 4
    for cells, row in zip(sheet, expressions, strict=True):
        assert cells[1].startswith(row["video"] + "_")
        assert cells[3:6] == tuple(
            int(row[key]) + 1 for key in ("onset", "apex", "offset")
        )
        assert cells[7] == {"micro": "Micro - 1/2", "macro": "Macro"}[row["kind"]]
        assert cells[10] == row["emotion"] and row["emotion"] in DEMO_CLASSES
    assert "fps = 30.0" in tiny.config_path.read_text(encoding="utf-8")


def test_a_seed_gives_the_same_files(tiny, tmp_path) -> None:
    again = make_demo_long_videos(
        tmp_path / "again", n_videos=1, seconds=9.0, n_micro=1, n_macro=1,
        size=128, progress=False,
    )  # fmt: skip
    name = "SAMM_longvideos/006_1/006_1_0100.jpg"
    assert (again.root / name).read_bytes() == (tiny.root / name).read_bytes()
    assert again.videos["006_1"] == tiny.videos["006_1"]


def test_the_command_writes_the_videos_and_says_what_next(tmp_path) -> None:
    from samm_pipeline.cli import cli

    out = tmp_path / "lv"
    result = CliRunner().invoke(
        cli,
        ["-q", "make-demo-videos", str(out), "--videos", "1", "--seconds", "5",
         "--micro", "1", "--macro", "0", "--size", "128"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 micro- and 0 macro-expressions" in result.output
    assert "longvideos.toml extract" in result.output
    result = CliRunner().invoke(
        cli, ["make-demo-videos", str(tmp_path / "bad"), "--seconds", "3"]
    )
    assert result.exit_code == 1 and "error: make-demo-videos:" in result.output
