"""The run folder: leftovers of interrupted runs told apart, reading and writing."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from samm_pipeline.errors import DataError, OutputExistsError
from samm_pipeline.io.runs import (
    ARTIFACTS,
    INCOMPLETE_MARKER,
    MODEL_FORMAT,
    RunArtifacts,
    check_output,
    read_run,
    read_run_results,
    write_run,
)


def test_leftovers_are_told_apart(tmp_path, caplog):
    output = tmp_path / "run"
    partial = tmp_path / ".run.partial-abc"
    partial.mkdir()
    (partial / "INCOMPLETE").write_text("")
    (partial / "model.json").write_text("{}")
    replaced = tmp_path / ".run.replaced-def" / "run"
    replaced.mkdir(parents=True)
    (replaced / "model.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        check_output(output, overwrite=False)
    messages = [record.getMessage() for record in caplog.records]
    assert any(str(partial) in text and "safe to delete" in text for text in messages)
    assert any(
        str(replaced) in text
        and f"restore it with `mv '{replaced}' '{output}'`" in text
        for text in messages
    )
    assert len(messages) == 2


class _Model:
    """Stands in for a Keras model: ``save`` writes a small file."""

    def save(self, path):
        Path(path).write_bytes(b"model")


class _Figure:
    def savefig(self, path, dpi):
        Path(path).write_bytes(b"png")


def _artifacts(**changes):
    values = {
        "model": _Model(),
        "meta": {
            "format": MODEL_FORMAT,
            "classes": ["a", "b"],
            "n_landmarks": 468,
            "target_length": 20,
            "align": {},
        },
        "history": [{"fold": "final", "epoch": 1, "loss": 0.5}],
        "metrics": {"uf1": 0.5},
        "predictions": [["clip", "true"], ["a/x", "a"]],
        "figures": {"confusion_matrix": _Figure(), "training_curves": _Figure()},
        "report": "# run\n",
    }
    return RunArtifacts(**{**values, **changes})


def test_a_written_run_holds_every_artifact_and_reads_back(tmp_path):
    write_run(tmp_path / "run", _artifacts())
    assert sorted(path.name for path in (tmp_path / "run").iterdir()) == sorted(
        ARTIFACTS
    )
    run = read_run(tmp_path / "run")
    assert run.meta["classes"] == ["a", "b"] and run.model_path.is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["run"]  # no leftovers


def test_a_run_replaced_keeps_the_old_one_until_the_new_one_is_whole(tmp_path):
    write_run(tmp_path / "run", _artifacts(report="old\n"))

    class Broken(_Figure):
        def savefig(self, path, dpi):
            raise RuntimeError("crash while drawing")

    with pytest.raises(RuntimeError):
        write_run(tmp_path / "run", _artifacts(figures={"confusion_matrix": Broken()}))
    assert (tmp_path / "run" / "report.md").read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["run"]
    write_run(tmp_path / "run", _artifacts(report="new\n"))
    assert (tmp_path / "run" / "report.md").read_text() == "new\n"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda run: shutil.rmtree(run), "not found; give the --output folder"),
        (lambda run: (run / INCOMPLETE_MARKER).write_text(""), "interrupted run"),
        (lambda run: (run / "model.json").unlink(), "not a samm-pipeline run"),
        (lambda run: (run / "model.json").write_text("{"), "cannot be read"),
        (lambda run: (run / "model.json").write_text("[]"), "not a samm-pipeline"),
        (lambda run: (run / "model.keras").unlink(), "copy the whole folder"),
        (
            lambda run: (run / "model.json").write_text(
                json.dumps({"format": MODEL_FORMAT, "classes": ["a"]})
            ),
            "lacks n_landmarks, target_length, align",
        ),
    ],
)
def test_a_damaged_run_is_refused_in_one_line(tmp_path, damage, message):
    write_run(tmp_path / "run", _artifacts())
    damage(tmp_path / "run")
    with pytest.raises(DataError, match=message) as caught:
        read_run(tmp_path / "run")
    assert "\n" not in str(caught.value)


def test_results_of_a_run_read_back(tmp_path):
    write_run(tmp_path / "run", _artifacts())
    metrics, history = read_run_results(tmp_path / "run")
    assert metrics == {"uf1": 0.5} and history[0]["loss"] == 0.5
    (tmp_path / "run" / "history.csv").unlink()
    with pytest.raises(DataError, match=r"no history\.csv"):
        read_run_results(tmp_path / "run")


def test_an_output_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputExistsError, match="is a file"):
        check_output(tmp_path / "out", overwrite=True)
