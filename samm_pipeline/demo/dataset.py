"""Write a demo dataset: every clip of every pseudo-subject, plus ``clips.csv``.

:func:`make_demo_dataset` writes the class-folder layout
``out_dir/<class>/<clip>.mp4`` plus ``out_dir/clips.csv`` (subject, fps and the
onset/apex/offset frame of every clip), ready for stage 1; or the same clips
as frame folders and label sheet in the SAMM, CASME II or SMIC layout
(:mod:`~samm_pipeline.demo.layouts`). It checks the arguments, plans one job
per clip, renders the clips in threads
(:func:`~samm_pipeline.demo.render.write_clip`,
:func:`~samm_pipeline.demo.render.write_frame_folder`) and moves the finished
folder into place (:mod:`samm_pipeline._support.atomic`).

Notes
-----
Randomness flows from one :class:`numpy.random.SeedSequence` built from
``seed``: one child per subject, and from it one child for the subject's
parameters and one per clip. A seed therefore gives byte-identical files, and
the clips do not depend on the order in which worker threads render them.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from samm_pipeline._support.atomic import check_output_folder, staged_folder
from samm_pipeline.config import DEMO_FPS_RANGE, DEMO_SIZE_RANGE
from samm_pipeline.demo.actions import CLASS_ACTIONS, draw_other_action
from samm_pipeline.demo.faces import (
    REFERENCE_SIZE,
    Subject,
    base_faces,
    draw_subject,
    draw_timing,
)
from samm_pipeline.demo.layouts import (
    DEMO_LAYOUTS,
    DemoLayout,
    DemoLayoutName,
    check_layout_classes,
    place_clip,
    write_label_sheet,
)
from samm_pipeline.demo.render import write_clip, write_frame_folder

CSV_NAME: Final = "clips.csv"
CSV_COLUMNS: Final = (
    "clip", "class", "subject", "fps", "onset", "apex", "offset",
    "n_frames", "face", "amplitude_px", "action_units", "path",
)  # fmt: skip
"""Columns of ``clips.csv``. ``clip`` and ``subject`` are the ids the layout's
reader gives; ``onset``, ``apex`` and ``offset`` are 0-based indices of the
frames written; ``amplitude_px`` is the largest warp displacement at the apex
in output pixels; ``path`` is the video or frame folder relative to the
dataset folder."""

SUBJECT_PATTERN: Final = r"^(?P<subject>s\d+)_"
"""Regex that recovers the subject id from a clip name (``s01_happiness_02``)."""


@dataclass(frozen=True)
class DemoDataset:
    """What :func:`make_demo_dataset` wrote.

    Attributes
    ----------
    root
        The dataset folder.
    csv_path
        ``root / "clips.csv"``: one row per clip, columns :data:`CSV_COLUMNS`
        (the ground truth, in every layout).
    classes
        Class names (the layout's own), in clip-numbering order.
    subjects
        Subject ids as the layout's reader gives them, e.g. ``("s01", "s02")``
        (folders), ``("006", "007")`` (SAMM).
    n_clips
        Number of clips written.
    n_frames_total
        Frames over all clips.
    fps, size, seed
        The generation settings.
    layout
        The layout written (:data:`~samm_pipeline.demo.layouts.DemoLayoutName`).
    label_path
        The label spreadsheet (SAMM, CASME II), else ``None``.
    """

    root: Path
    csv_path: Path
    classes: tuple[str, ...]
    subjects: tuple[str, ...]
    n_clips: int
    n_frames_total: int
    fps: float
    size: int
    seed: int
    layout: DemoLayoutName = "folders"
    label_path: Path | None = None


def _make_clip(
    root: Path,
    layout: DemoLayout,
    subject_index: int,
    subject: Subject,
    class_name: str,
    clip_index: int,
    size: int,
    fps: float,
    rng: np.random.Generator,
) -> tuple[list[object], tuple[object, ...]]:
    """Plan, render and write one clip; return its ``clips.csv`` row and sheet row.

    ``subject_index`` is 0-based; ``class_name`` is the layout's, and
    ``layout.classes`` names the motion rendered for it.
    """
    # Class-independent draws come first and always happen, so that every class
    # sees the same distributions of timing, amplitude, drift and noise.
    timing = draw_timing(rng, subject.tempo, fps)
    amplitude_px = (
        subject.amplitude_px * rng.uniform(0.85, 1.15) * size / REFERENCE_SIZE
    )
    other = draw_other_action(rng)
    motion = layout.classes[class_name]
    actions = (other,) if motion == "other" else CLASS_ACTIONS[motion]
    action_units = "+".join(action.name for action in actions)
    place = place_clip(
        layout, subject_index, class_name, clip_index, timing, action_units
    )
    if place.frame_names:
        peak_px = write_frame_folder(
            root / place.relative, place.frame_names, subject, actions, timing,
            amplitude_px, size, rng,
        )  # fmt: skip
    else:
        peak_px = write_clip(
            root / place.relative, subject, actions, timing, amplitude_px, size,
            fps, rng,
        )  # fmt: skip
    onset, apex, offset, n_frames = timing
    kept = [name for name in place.frame_names if name is not None]
    shift = place.first_kept
    row: list[object] = [
        place.clip, class_name, place.subject, repr(fps), onset - shift,
        apex - shift, offset - shift, len(kept) or n_frames, subject.face.name,
        f"{peak_px:.3f}", action_units, place.relative,
    ]  # fmt: skip
    return row, place.sheet_cells


def _plan_jobs(
    n_subjects: int, clips_per_class: int, seed: int, classes: Sequence[str]
) -> list[tuple[int, Subject, str, int, np.random.SeedSequence]]:
    """Draw the subjects; list ``(subject index, subject, class, clip index, clip
    seed)`` per clip."""
    faces = base_faces()
    names = [(c, k) for c in classes for k in range(1, clips_per_class + 1)]
    jobs = []
    for index, subject_seed in enumerate(
        np.random.SeedSequence(seed).spawn(n_subjects)
    ):
        style_seed, *clip_seeds = subject_seed.spawn(1 + len(names))
        face = faces[index % len(faces)]
        subject = draw_subject(index, face, np.random.default_rng(style_seed))
        jobs += [
            (index, subject, class_name, clip_index, clip_seed)
            for (class_name, clip_index), clip_seed in zip(
                names, clip_seeds, strict=True
            )
        ]
    return jobs


def _n_workers() -> int:
    """Render threads: the CPUs this process may use, at most 4."""
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS and Windows
        n_cpus = os.cpu_count() or 1
    return max(1, min(4, n_cpus))


def _check_arguments(
    n_subjects: int,
    clips_per_class: int,
    seed: int,
    size: int,
    fps: float,
    layout: object,
    classes: Sequence[str] | None,
) -> None:
    """Raise one ``ValueError`` listing every out-of-range argument."""

    def is_int(value: object) -> bool:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)

    min_size, max_size = DEMO_SIZE_RANGE
    min_fps, max_fps = DEMO_FPS_RANGE
    problems = []
    if not is_int(n_subjects) or n_subjects < 1:
        problems.append(f"n_subjects must be an integer >= 1, got {n_subjects!r}")
    if not is_int(clips_per_class) or clips_per_class < 1:
        problems.append(
            f"clips_per_class must be an integer >= 1, got {clips_per_class!r}"
        )
    if not is_int(seed) or seed < 0:
        problems.append(f"seed must be an integer >= 0, got {seed!r}")
    if not is_int(size) or not min_size <= size <= max_size or size % 2:
        problems.append(
            f"size must be an even integer from {min_size} to {max_size} "
            f"(the mp4v encoder needs even sizes), got {size!r}"
        )
    is_number = isinstance(fps, (int, float, np.number)) and not isinstance(fps, bool)
    if not is_number or not min_fps <= fps <= max_fps:
        problems.append(
            f"fps must be a number from {min_fps:g} to {max_fps:g}, got {fps!r}"
        )
    problems += check_layout_classes(layout, classes)
    if problems:
        raise ValueError("; ".join(problems))


def make_demo_dataset(
    out_dir: str | os.PathLike,
    *,
    n_subjects: int = 6,
    clips_per_class: int = 4,
    seed: int = 0,
    size: int = 512,
    fps: float | None = None,
    layout: DemoLayoutName = "folders",
    classes: Sequence[str] | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> DemoDataset:
    """Render a demo micro-expression dataset, as class folders or as a dataset.

    With ``layout="folders"`` writes ``out_dir/<class>/<clip>.mp4`` for every
    subject, class of :data:`~samm_pipeline.demo.actions.DEMO_CLASSES` and
    clip index, and ``out_dir/clips.csv`` (columns :data:`CSV_COLUMNS`). Clip
    names are ``<subject>_<class>_<nn>``, e.g. ``s01_happiness_02``, so
    :data:`SUBJECT_PATTERN` recovers the subject. With ``"samm"``,
    ``"casme2"`` or ``"smic"`` writes the same kind of clips as that dataset
    is distributed (frame folders and its label spreadsheet, its class names;
    see :mod:`~samm_pipeline.demo.layouts`), plus ``clips.csv`` as ground
    truth; ``extract --layout auto`` reads them as the real dataset.

    Parameters
    ----------
    out_dir
        Output folder; it must not exist or be empty unless ``overwrite``.
    n_subjects
        Pseudo-subjects (>= 1). They cycle through 4 base faces (2 photos and
        their mirror images) and differ in scale, pose, lighting, amplitude,
        tempo and noise.
    clips_per_class
        Clips per subject and class (>= 1).
    seed
        Seed (>= 0); the same seed gives the same files.
    size
        Width and height of the square RGB frames in pixels (even, within
        :data:`~samm_pipeline.config.DEMO_SIZE_RANGE`: 128-4096). Motion
        amplitudes (about 2-5 px at 512) scale with it.
    fps
        Frame rate (within :data:`~samm_pipeline.config.DEMO_FPS_RANGE`:
        10-1000); default the layout's (folders 60, SAMM and CASME II 200,
        SMIC-HS 100), the rate its reader assumes; extract another with
        ``[extract] fps``. Timings are drawn in seconds, so a clip has about
        30-60 frames at 60 fps and proportionally more at higher rates.
    layout
        ``"folders"``, ``"samm"``, ``"casme2"`` or ``"smic"``.
    classes
        The layout's classes to write (default all of them), e.g.
        ``("Anger", "Happiness", "Surprise")`` for SAMM.
    overwrite
        Replace a non-empty ``out_dir``.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    DemoDataset
        Paths and counts of what was written.

    Raises
    ------
    ValueError
        An argument is out of range, or a class is not the layout's.
    OutputExistsError
        ``out_dir`` is a file, or a non-empty folder and ``overwrite`` is false.

    Notes
    -----
    Everything is written into a temporary sibling folder that is renamed into
    place at the end and removed on any error, so ``out_dir`` is never left
    half-written; with ``overwrite`` the old folder is removed only after the
    new one is complete (:func:`samm_pipeline._support.atomic.staged_folder`).

    Examples
    --------
    ``make_demo_dataset("data/demo", n_subjects=2).n_clips`` writes and
    counts 2 subjects x 6 classes x 4 clips = 48 clips.
    """
    from tqdm import tqdm

    known = next((v for k, v in DEMO_LAYOUTS.items() if k == layout), None)
    rate = fps if fps is not None else (known or DEMO_LAYOUTS["folders"]).fps
    _check_arguments(n_subjects, clips_per_class, seed, size, rate, layout, classes)
    spec = DEMO_LAYOUTS[layout]
    out_dir = Path(out_dir).expanduser().absolute()
    check_output_folder(out_dir, overwrite=overwrite, option="output folder")
    seed, size, rate = int(seed), int(size), float(rate)
    chosen = tuple(spec.classes) if classes is None else tuple(classes)
    jobs = _plan_jobs(n_subjects, clips_per_class, seed, chosen)
    with staged_folder(out_dir) as staging:
        if spec.name == "folders":
            for class_name in chosen:
                (staging / class_name).mkdir()
        bar = tqdm(
            total=len(jobs),
            desc="demo clips",
            unit="clip",
            file=sys.stderr,
            disable=not progress,
        )
        # Threads suffice: OpenCV's remap and encoder release the GIL, and each
        # clip has its own generator, so the output does not depend on order.
        with bar, ThreadPoolExecutor(max_workers=_n_workers()) as pool:
            futures = [
                pool.submit(
                    _make_clip,
                    staging,
                    spec,
                    subject_index,
                    subject,
                    class_name,
                    clip_index,
                    size,
                    rate,
                    np.random.default_rng(clip_seed),
                )
                for subject_index, subject, class_name, clip_index, clip_seed in jobs
            ]
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.update()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        results = [future.result() for future in futures]
        rows = [row for row, _ in results]
        with (staging / CSV_NAME).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
        sheet = write_label_sheet(spec, staging, [cells for _, cells in results])
    subject_column = CSV_COLUMNS.index("subject")
    return DemoDataset(
        root=out_dir,
        csv_path=out_dir / CSV_NAME,
        classes=chosen,
        subjects=tuple(dict.fromkeys(str(row[subject_column]) for row in rows)),
        n_clips=len(rows),
        n_frames_total=sum(int(row[CSV_COLUMNS.index("n_frames")]) for row in rows),
        fps=rate,
        size=size,
        seed=seed,
        layout=spec.name,
        label_path=None if sheet is None else out_dir / sheet.name,
    )
