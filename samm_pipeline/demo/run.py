"""``samm-pipeline demo``: the whole pipeline on data the package makes itself.

Layout of the work folder::

    <workdir>/clips/            synthetic clips (class folders) + clips.csv
    <workdir>/landmarks.zarr    the landmark store
    <workdir>/run/              model.keras, model.json, metrics, plots, report
    <workdir>/longvideos/       synthetic long videos (SAMM-LV layout) + events.csv
    <workdir>/longvideos.zarr   their landmark store
    <workdir>/spotted/          spot's intervals.csv and metrics.json (the
                                run's model recognises the spotted
                                micro-expressions: STRS)

Each step is skipped when its result is already there and unchanged (the
clips by their CSV, the store by its fingerprints, stage 2 by its cache);
the training run is redone every time. The settings come from the packaged
run definition (:func:`load_demo_definition`), with ``--config`` on top.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from samm_pipeline.config import Config, DemoConfig
from samm_pipeline.errors import OutputExistsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEMO_DEFINITION_FILE: Final = "demo.toml"
"""The demo's run definition: package data beside this module, the one copy
(``pipeline/demo.toml`` is a link to it)."""


def load_demo_definition() -> dict[str, Any]:
    """Return the demo's run definition: the tables of the packaged ``demo.toml``.

    ``samm-pipeline demo`` loads ``--config`` on top of it
    (:func:`~samm_pipeline.config.load_config_over`). It differs from the
    reference defaults in two training settings, for time: batch 32 instead of
    2 (about 6x faster epochs, measured by ``tests/benchmarks/bench_train.py``) and
    LOSO with a fixed 30 epochs per fold.

    Returns
    -------
    dict
        Tables by section name, as ``tomllib`` parses them (a new dict on
        every call).
    """
    resource = files("samm_pipeline.demo").joinpath(DEMO_DEFINITION_FILE)
    return tomllib.loads(resource.read_text(encoding="utf-8"))


@dataclass
class DemoResult:
    """Where everything went and how long each step took."""

    workdir: Path
    report: Any
    steps: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    spotting: Any = None

    def summary_lines(self) -> list[str]:
        """What the demo prints at the end."""
        evaluation = self.report.evaluation
        base = evaluation.baseline
        timing = ", ".join(
            f"{name} {seconds:.0f} s" for name, seconds in self.steps.items()
        )
        return [
            *self.notes,
            f"demo: {self.report.n_clips} clips, {self.report.n_subjects} subjects, "
            f"{len(self.report.classes)} classes ({', '.join(self.report.classes)})",
            f"LOSO (pooled over folds): UF1 {evaluation.uf1:.3f}, UAR "
            f"{evaluation.uar:.3f}, accuracy {evaluation.accuracy:.3f}",
            f"majority-class baseline ('{base['class']}'): UF1 {base['uf1']:.3f}, "
            f"UAR {base['uar']:.3f}, accuracy {base['accuracy']:.3f}",
            *(
                [f"long videos: {self.spotting.summary()}"]
                if self.spotting is not None
                else []
            ),
            f"time: {timing}; total {sum(self.steps.values()):.0f} s",
            f"artifacts: {self.report.output} (report.md, model.keras, model.json, "
            "metrics.json, predictions.csv, confusion_matrix.png, training_curves.png)",
        ]


def write_demo_clips(
    out: str | os.PathLike[str],
    config: DemoConfig,
    *,
    layout: str = "folders",
    fps: float | None = None,
    classes: Sequence[str] | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> Any:
    """Write the synthetic clips that ``[demo]`` describes (see ``dataset``).

    ``layout`` other than ``"folders"`` writes a SAMM, CASME II or SMIC tree;
    its frame rate is then the dataset's unless ``fps`` is given (``[demo]
    fps`` is the class-folder rate). ``classes`` picks some of the layout's.
    """
    from samm_pipeline.demo.dataset import make_demo_dataset

    if fps is None and layout == "folders":
        fps = config.fps
    return make_demo_dataset(
        out,
        n_subjects=config.subjects,
        clips_per_class=config.clips_per_class,
        seed=config.seed,
        size=config.size,
        fps=fps,
        layout=layout,  # type: ignore[arg-type]  # checked there, by name
        classes=classes,
        overwrite=overwrite,
        progress=progress,
    )


def spot_demo_long_videos(
    workdir: Path,
    config: Config,
    *,
    model: Path | None = None,
    progress: bool = True,
) -> tuple[Any, list[str]]:
    """Make the demo long videos if missing, extract them, spot them.

    With ``model`` (a trained run folder, the demo's ``run/``), every spotted
    micro-expression is also recognised with it and the report carries the
    STRS (spot then recognise; :mod:`samm_pipeline.infer.spotted`).

    Writes ``workdir/longvideos`` (:func:`~samm_pipeline.demo.longvideo.
    make_demo_long_videos` with its defaults, one video per ``[demo]``
    subject up to 5, ``[demo] seed``), ``workdir/longvideos.zarr`` and
    ``workdir/spotted`` (``[spot]`` settings; no timeline figures, which
    ``samm-pipeline spot`` draws). Returns the
    :class:`~samm_pipeline.spot.run.SpotReport` and notes for the summary.
    """
    from samm_pipeline.demo.longvideo import (
        EVENTS_CSV,
        LONG_VIDEO_FPS,
        make_demo_long_videos,
    )
    from samm_pipeline.extract.runner import run_extraction
    from samm_pipeline.spot.run import run_spotting

    videos, store = workdir / "longvideos", workdir / "longvideos.zarr"
    notes = []
    if not (videos / EVENTS_CSV).is_file():
        make_demo_long_videos(
            videos,
            n_videos=min(5, config.demo.subjects),
            seed=config.demo.seed,
            fps=LONG_VIDEO_FPS,
            overwrite=True,
            progress=progress,
        )
    else:
        notes.append(f"reusing the demo long videos in {videos}")
    extract_config = replace(
        config.extract, layout="samm_lv", fps=LONG_VIDEO_FPS, annotations=""
    )
    extraction = run_extraction(videos, store, extract_config, progress=progress)
    if extraction.failures:
        notes.append(
            f"{len(extraction.failures)} long video(s) failed extraction: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(extraction.failures.items()))
        )
    recogniser = None
    if model is not None:
        from samm_pipeline.infer.spotted import SpottedRecogniser
        from samm_pipeline.infer.trained import load_trained

        recogniser = SpottedRecogniser(load_trained(model), config.detect)
    report = run_spotting(
        store,
        workdir / "spotted",
        config.spot,
        overwrite=True,
        recogniser=recogniser,
    )
    return report, notes


def run_demo(
    workdir: str | os.PathLike[str], config: Config, *, progress: bool = True
) -> DemoResult:
    """Make clips if missing, extract, train with ``config``, spot the long
    videos (:func:`spot_demo_long_videos`); return the result."""
    from samm_pipeline.extract.runner import run_extraction
    from samm_pipeline.learn.pipeline import run_training

    root = Path(workdir)
    clips, store, output = root / "clips", root / "landmarks.zarr", root / "run"
    result = DemoResult(workdir=root, report=None)

    start = time.perf_counter()
    if not (clips / "clips.csv").is_file():
        if clips.exists() and any(clips.iterdir()):
            raise OutputExistsError(
                f"{clips} exists but holds no demo clips (no clips.csv); "
                "choose another --workdir"
            )
        write_demo_clips(clips, config.demo, overwrite=True, progress=progress)
    else:
        result.notes.append(f"reusing the demo clips in {clips}")
    result.steps["clips"] = time.perf_counter() - start

    start = time.perf_counter()
    extract_config = replace(
        config.extract, layout="folders", annotations=str(clips / "clips.csv")
    )
    extraction = run_extraction(clips, store, extract_config, progress=progress)
    if extraction.failures:
        result.notes.append(
            f"{len(extraction.failures)} clip(s) failed extraction: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(extraction.failures.items()))
        )
    result.steps["extract"] = time.perf_counter() - start

    start = time.perf_counter()
    result.report = run_training(
        store, output, config, overwrite=True, progress=progress
    )
    result.steps["train"] = time.perf_counter() - start

    start = time.perf_counter()
    result.spotting, notes = spot_demo_long_videos(
        root, config, model=output, progress=progress
    )
    result.notes += notes
    result.steps["spot"] = time.perf_counter() - start
    return result
